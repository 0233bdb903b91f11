/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * arc_trust.h - TrustedARCSealers: when a validated ARC chain overrides DMARC
 * SYNOPSIS
 *	bool arc_trust_vouch(const struct arc_msg *m, char *const *trusted,
 *	    const struct dmarc_engine *dmarc, struct dns_session *dns,
 *	    enum dmarc_discovery mode, const char *from_domain, char adkim,
 *	    char aspf, char *why, size_t whylen);
 *	void arc_trust_comment(const struct arc_msg *m, struct buf *out);
 *	bool arc_trust_retry(const struct arc_msg *m, char *const *trusted);
 * DESCRIPTION
 *	arc_trust_vouch() says whether the message's chain lets a DMARC failure go:
 *	the chain validated (arc=pass: every seal verified, cv=none at 1 and cv=pass
 *	above), the newest ARC-Seal's d= is one of trusted (exact names, any case, a
 *	final dot ignored), the newest ARC-Message-Signature signs From, and the
 *	newest ARC-Authentication-Results (the trusted sealer's own testimony, covered
 *	by its seal) records dmarc=pass with header.from equal to from_domain, or a
 *	dkim=pass whose header.d (or header.i domain) or an spf=pass whose
 *	smtp.mailfrom domain is aligned with from_domain in the mode (adkim, aspf:
 *	'r' or 's') of the domain's DMARC record, found as DMARC itself found the
 *	organizational domains (mode: the outcome's discovery, the Tree Walk's
 *	queries through dns, at most one message's budget; dmarc_id_aligned), so
 *	no identifier counts that DMARC would not have aligned. why
 *	says which result counted, or why none did. The caller decides what the
 *	answer is used for: it never turns any other result into a pass.
 *	arc_trust_comment() appends the RFC 8617 7.2.2 report comment "arc=pass
 *	as[N].d=D as[N].s=S ... as[1].d=D as[1].s=S" (plus remote-ip[1]=IP when the
 *	first set's AAR recorded smtp.remote-ip or smtp.client-ip).
 *	arc_trust_retry() says whether the chain failed only for a temporary key
 *	lookup failure while its newest seal claims a trusted d=: then a later
 *	delivery attempt may validate, and local policy can ask for one instead of
 *	acting on the DMARC failure (the chain result itself stays fail, RFC 8617
 *	5.2.1).
 */
#ifndef MAILAUTH_ARC_TRUST_H
#define MAILAUTH_ARC_TRUST_H

#include <stdbool.h>
#include <stddef.h>

#include "arc.h"
#include "dmarc.h"
#include "dns.h"
#include "util.h"

bool arc_trust_vouch(const struct arc_msg *m, char *const *trusted,
    const struct dmarc_engine *dmarc, struct dns_session *dns,
    enum dmarc_discovery mode, const char *from_domain, char adkim, char aspf,
    char *why, size_t whylen);
void arc_trust_comment(const struct arc_msg *m, struct buf *out);
bool arc_trust_retry(const struct arc_msg *m, char *const *trusted);

#endif
