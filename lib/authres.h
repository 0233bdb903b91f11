/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * authres.h - Authentication-Results (RFC 8601): build ours, recognise forged ones
 * SYNOPSIS
 *	bool authres_claims_id(const char *value, const char *authserv_id);
 *	int authres_servid(const char *value, char *out, size_t outlen);
 *	void authres_build(struct buf *out, const char *authserv_id,
 *	    const struct auth_results *in, bool arc_override);
 *	void authres_quote_value(struct buf *out, const char *s);
 * DESCRIPTION
 *	authres_claims_id() says whether an incoming Authentication-Results field value
 *	claims our authserv-id: CFWS (comments, folding) skipped, case-insensitive,
 *	quoted-string form accepted, and also when the rest of the field is malformed or
 *	has no ';' at all. authres_servid() extracts the authserv-id (0) or says the value
 *	has none (-1). authres_build() writes the value of our one field (no field name,
 *	no leading blank) from the message's results record (lib/results.h;
 *	arc_override: the policy decision let a DMARC failure go for a trusted ARC
 *	sealer; after an internal error no arc= is written):
 *	"ID;\n\tspf=... smtp.mailfrom=...;\n\tspf=... smtp.helo=...;
 *	\n\tdkim=... ;\n\tdmarc=... header.from=...;\n\tarc=..." (LF + TAB
 *	folding, each line under 998 bytes), or "ID; none" when nothing was
 *	evaluated. Every value that came from the network is written as an RFC 8601
 *	value: a token when it is one, else a quoted-string with escapes; comments
 *	never contain raw '(' ')' '\\' CR LF.
 */
#ifndef MAILAUTH_AUTHRES_H
#define MAILAUTH_AUTHRES_H

#include <stdbool.h>
#include <stddef.h>

#include "arc.h"
#include "dkim.h"
#include "dmarc.h"
#include "results.h"
#include "spf.h"
#include "util.h"

struct authres_input {
	const struct spf_outcome *spf_mailfrom;	/* NULL: not evaluated */
	bool spf_upstream;			/* spf_mailfrom is a trusted upstream's:
						   its reason is shown */
	const struct spf_outcome *spf_helo;	/* NULL: not evaluated */
	const struct dkv_result *const *dkim;	/* dkim results, header order */
	size_t ndkim;
	bool dkim_evaluated;			/* false: omit dkim entirely */
	const struct dmarc_outcome *dmarc;	/* NULL: not evaluated */
	const struct arc_result *arc;		/* NULL: not evaluated */
	const char *remote_ip;			/* smtp.remote-ip of arc=, or NULL */
	bool arc_override;			/* TrustedARCSealers let DMARC go */
};

bool authres_claims_id(const char *value, const char *authserv_id);
int authres_servid(const char *value, char *out, size_t outlen);
void authres_build(struct buf *out, const char *authserv_id,
    const struct auth_results *in, bool arc_override);
void authres_quote_value(struct buf *out, const char *s);

#endif
