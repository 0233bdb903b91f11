/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * policy.h - from results and local settings to accept/quarantine/reject/tempfail
 * SYNOPSIS
 *	void policy_decide(const struct config *cfg, const struct auth_results *in,
 *	    struct policy_decision *out);
 *	void policy_reply(const struct config *cfg, bool temporary, const char *check,
 *	    const char *domain, const char *builtin, char *text, size_t len);
 *	int policy_reply_check(const char *t, struct buf *why);
 * DESCRIPTION
 *	A pure function of the message's results record (lib/results.h; it reads
 *	internal_error, spf_mailfrom, dmarc, tag_only_host, pm_rule, arc_sealer and
 *	arc_retry). Order: internal error -> cfg->internal_error_action; DMARC
 *	(honoured unless !cfg->dmarc_honor_policy): disposition reject ->
 *	550 5.7.26 "Rejected by DMARC policy for DOMAIN", quarantine -> quarantine (or only a header,
 *	cfg->quarantine_mode); bad From -> cfg->bad_from_action; DMARC temperror (and SPF
 *	or DKIM temperror when DMARC could not decide) -> cfg->temperror_action (451
 *	4.4.3, SPF 4.7.24); SPF fail/softfail when DMARC did not decide -> cfg->spf_*_action; tag-only
 *	domains/hosts turn reject/quarantine into accept with reason "tag only". A
 *	PolicyMap rule (in->pm_rule, see policymap.h) adjusts the DMARC disposition
 *	(monitor, quarantine-always, reject-always) or the final action (exempt,
 *	tag-only); pm_applied is set when that changed the outcome. In monitor-only
 *	mode the decision is computed (would_action) but action is accept.
 *	in->arc_sealer (a trusted ARC sealer vouched, lib/arc_trust.h) turns a DMARC
 *	fail reject/quarantine into accept with arc_override set, reason "arc sealer
 *	D: ..."; nothing else is changed by it. in->arc_retry (such a chain failed on
 *	a temporary key lookup) turns that reject/quarantine into 451 4.4.3 when
 *	TempErrorAction is tempfail, so a later attempt can validate it.
 */
#ifndef MAILAUTH_POLICY_H
#define MAILAUTH_POLICY_H

#include <stdbool.h>

#include "config.h"
#include "dkim.h"
#include "dmarc.h"
#include "policymap.h"
#include "results.h"
#include "spf.h"

/* longest domain written into a reply text (policy_safe_domain) */
#define POLICY_DOMAIN_MAX	160

struct policy_decision {
	enum action action;		/* what the milter does */
	enum action would_action;	/* before monitor-only */
	bool add_quarantine_header;	/* QuarantineMode header */
	char smtp_code[4];		/* "550", "451"; "" for accept/quarantine */
	char xcode[8];			/* "5.7.26", "4.4.3" */
	char text[256];			/* SMTP reply text (no CR/LF, no '%') */
	char reason[128];		/* for the log line */
	const struct pm_rule *pm_applied;	/* the PolicyMap rule changed the action */
	bool arc_override;		/* a DMARC reject/quarantine let go for arc_sealer */
	bool dmarc_decided;		/* the action follows the DMARC result (rules 2-4) */
	char domain[POLICY_DOMAIN_MAX + 1];	/* the domain the reply names (LDH) */
};

/* longest RejectReplyText / TempfailReplyText */
#define REPLY_TEMPLATE_MAX	200

void policy_decide(const struct config *cfg, const struct auth_results *in,
    struct policy_decision *out);
/* the reply text: the RejectReplyText or TempfailReplyText template with %m
 * builtin, %c check, %d domain (reduced to letters, digits, '-', '.') */
void policy_reply(const struct config *cfg, bool temporary, const char *check,
    const char *domain, const char *builtin, char *text, size_t len);
/* dst: src with every byte but letters, digits, '-' and '.' made '?' */
void policy_safe_domain(char *dst, size_t dstlen, const char *src);
/* whether t is a valid template: 0, or -1 with the reason in why */
int policy_reply_check(const char *t, struct buf *why);

#endif
