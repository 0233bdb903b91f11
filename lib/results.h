/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * results.h - one message's authentication results, as policy, the
 *	Authentication-Results field, the log line and the metrics read them
 * SYNOPSIS
 *	struct auth_results;
 * DESCRIPTION
 *	msg_eom (lib/message.c) fills one struct auth_results once, after SPF, DKIM,
 *	ARC and DMARC are done, and hands the same record to policy_decide()
 *	(lib/policy.h), authres_build() (lib/authres.h), its summary log line and
 *	metrics_message() (lib/metrics.h). msg_envfrom fills one with spf_mailfrom
 *	and remote_ip only, for the metrics of a reject at MAIL FROM; a skipped
 *	message (internal host, authenticated client) hands an empty one.
 *
 *	Every pointer is borrowed: the record owns nothing, is never freed, and its
 *	pointers are valid only during the msg_eom (or msg_envfrom) call that filled
 *	it; the objects belong to the msg (SPF outcomes, DKIM and ARC state), to the
 *	upstream results of a trusted relay (lib/upstream.h), to msg_eom's own DMARC
 *	outcome, to the engine (the PolicyMap rule) or to the connection (remote_ip).
 *	No reader keeps one past its call. NULL means "not evaluated" throughout.
 *
 *	Who fills what:
 *	spf_mailfrom	SPF of MAIL FROM (msg_envfrom), or the one a trusted
 *			upstream reported (then spf_upstream)
 *	spf_helo	SPF of the HELO name (msg_envfrom, SPFCheckHELO)
 *	dkim, ndkim	our DKIM results in header order, then the trusted
 *			upstream's; dkim_evaluated false: DKIM did not run at all
 *	dmarc		DMARC (lib/dmarc.h), NULL after an internal error
 *	arc		the ARC chain validation (lib/arc.h), when ARC ran; the
 *			Authentication-Results field leaves it out after an
 *			internal error, the log line still shows it
 *	remote_ip	the client address (smtp.remote-ip of arc=), or NULL
 *	internal_error	the evaluation could not complete (the verdict is
 *			InternalErrorAction)
 *	tag_only_host	the client is in TagOnlyHosts
 *	pm_rule		the PolicyMap rule matching the From domain or the client
 *			(lib/policymap.h), or NULL
 *	arc_sealer	the TrustedARCSealers sealer vouching for a DMARC failure
 *			(lib/arc_trust.h), or NULL
 *	arc_retry	a trusted sealer's chain failed on a temporary key lookup
 *			only (arc_trust_retry)
 */
#ifndef MAILAUTH_RESULTS_H
#define MAILAUTH_RESULTS_H

#include <stdbool.h>
#include <stddef.h>

struct spf_outcome;
struct dkv_result;
struct dmarc_outcome;
struct arc_result;
struct pm_rule;

struct auth_results {
	const struct spf_outcome *spf_mailfrom;	/* NULL: not evaluated */
	bool spf_upstream;			/* spf_mailfrom is a trusted upstream's:
						   its reason is shown, no Received-SPF */
	const struct spf_outcome *spf_helo;	/* NULL: not evaluated */
	const struct dkv_result *const *dkim;	/* dkim results, header order */
	size_t ndkim;
	bool dkim_evaluated;			/* false: no dkim= at all */
	const struct dmarc_outcome *dmarc;	/* NULL: not evaluated */
	const struct arc_result *arc;		/* NULL: not evaluated */
	const char *remote_ip;			/* the client's address, or NULL */
	bool internal_error;
	bool tag_only_host;			/* client in TagOnlyHosts */
	const struct pm_rule *pm_rule;		/* the PolicyMap rule, or NULL */
	const char *arc_sealer;			/* TrustedARCSealers: the trusted sealer
						   vouching, or NULL */
	bool arc_retry;				/* its chain failed on a temporary DNS
						   error only */
};

#endif
