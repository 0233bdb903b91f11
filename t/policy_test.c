/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * policy_test.c - lib/policy: every rule of policy_decide()
 * DESCRIPTION
 *	One table row per branch: the configuration (overrides of a base written
 *	here, as "key=value" words), the results fed in, and the expected action,
 *	would_action, quarantine header, SMTP code, enhanced code, reply text and a
 *	word of the log reason. Every reply text is also checked for '%', CR and LF.
 */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "tap.h"

struct pcase {
	const char *name;
	const char *cfg;		/* overrides of the base configuration */
	bool internal;
	int spf;			/* -1: no SPF outcome */
	const char *spf_domain;
	int dmr;			/* -1: DMARC not evaluated */
	enum dmarc_policy dis;
	const char *from;		/* dmarc from_domain */
	const char *flags;		/* badfrom testing policy spftemp dkimtemp taghost
					   arcsealer arcretry */
	enum action want, would;
	bool header;
	const char *code, *xcode, *text;
	const char *reason;		/* substring of the log reason */
};

#define A ACTION_ACCEPT
#define Q ACTION_QUARANTINE
#define R ACTION_REJECT
#define T ACTION_TEMPFAIL

static const struct pcase cases[] = {
	/* DMARC decides */
	{ .name = "dmarc pass", .cfg = "", .spf = SPFR_PASS,
	  .spf_domain = "example.com", .dmr = DMR_PASS, .dis = DMP_NONE,
	  .from = "example.com", .flags = "", .want = A, .would = A, .code = "",
	  .xcode = "", .text = "", .reason = "dmarc=pass" },
	{ .name = "dmarc reject", .cfg = "", .spf = -1, .dmr = DMR_FAIL,
	  .dis = DMP_REJECT, .from = "example.com", .flags = "", .want = R, .would = R,
	  .code = "550", .xcode = "5.7.26",
	  .text = "Rejected by DMARC policy for example.com",
	  .reason = "dmarc=fail dis=reject" },
	{ .name = "dmarc quarantine, hold", .cfg = "", .spf = -1, .dmr = DMR_FAIL,
	  .dis = DMP_QUARANTINE, .from = "example.com", .flags = "", .want = Q,
	  .would = Q, .code = "", .xcode = "", .text = "", .reason = "dis=quarantine" },
	{ .name = "dmarc quarantine, header", .cfg = "qmode=header", .spf = -1,
	  .dmr = DMR_FAIL, .dis = DMP_QUARANTINE, .from = "example.com", .flags = "",
	  .want = A, .would = Q, .header = true, .code = "", .xcode = "", .text = "",
	  .reason = "dis=quarantine" },
	{ .name = "dmarc fail p=none", .cfg = "", .spf = -1, .dmr = DMR_FAIL,
	  .dis = DMP_NONE, .from = "example.com", .flags = "", .want = A, .would = A,
	  .code = "", .xcode = "", .text = "", .reason = "dis=none" },
	{ .name = "t=y: reject applied as quarantine", .cfg = "", .spf = -1,
	  .dmr = DMR_FAIL, .dis = DMP_QUARANTINE, .from = "example.com",
	  .flags = "testing", .want = Q, .would = Q, .code = "", .xcode = "",
	  .text = "", .reason = "dis=quarantine, t=y" },
	{ .name = "t=y: quarantine applied as none", .cfg = "", .spf = -1,
	  .dmr = DMR_FAIL, .dis = DMP_NONE, .from = "example.com", .flags = "testing",
	  .want = A, .would = A, .code = "", .xcode = "", .text = "",
	  .reason = "dis=none, t=y" },
	{ .name = "dmarc none: accept", .cfg = "", .spf = SPFR_PASS,
	  .spf_domain = "example.com", .dmr = DMR_NONE, .dis = DMP_UNSET,
	  .from = "example.com", .flags = "", .want = A, .would = A, .code = "",
	  .xcode = "", .text = "", .reason = "no DMARC policy" },

	/* bad From */
	{ .name = "bad From, reject", .cfg = "", .spf = -1, .dmr = DMR_PERMERROR,
	  .dis = DMP_UNSET, .flags = "badfrom", .want = R, .would = R, .code = "550",
	  .xcode = "5.7.1",
	  .text = "Message has no valid From header (several From fields)",
	  .reason = "bad From" },
	{ .name = "bad From, accept", .cfg = "badfrom=accept", .spf = -1,
	  .dmr = DMR_PERMERROR, .dis = DMP_UNSET, .flags = "badfrom", .want = A,
	  .would = A, .code = "", .xcode = "", .text = "", .reason = "bad From" },
	{ .name = "bad From, quarantine", .cfg = "badfrom=quarantine", .spf = -1,
	  .dmr = DMR_PERMERROR, .dis = DMP_UNSET, .flags = "badfrom", .want = Q,
	  .would = Q, .code = "", .xcode = "", .text = "", .reason = "bad From" },
	{ .name = "bad From, tempfail", .cfg = "badfrom=tempfail", .spf = -1,
	  .dmr = DMR_PERMERROR, .dis = DMP_UNSET, .flags = "badfrom", .want = T,
	  .would = T, .code = "451", .xcode = "4.7.0",
	  .text = "Message has no valid From header (several From fields), try again later",
	  .reason = "bad From" },
	{ .name = "bad From beats SPF fail action", .cfg = "spffail=quarantine",
	  .spf = SPFR_FAIL, .spf_domain = "example.com", .dmr = DMR_PERMERROR,
	  .dis = DMP_UNSET, .flags = "badfrom", .want = R, .would = R, .code = "550",
	  .xcode = "5.7.1",
	  .text = "Message has no valid From header (several From fields)",
	  .reason = "bad From" },

	/* temperror */
	{ .name = "dmarc temperror, tempfail", .cfg = "", .spf = -1,
	  .dmr = DMR_TEMPERROR, .dis = DMP_UNSET, .from = "example.com", .flags = "",
	  .want = T, .would = T, .code = "451", .xcode = "4.4.3",
	  .text = "Temporary DNS failure evaluating DMARC for example.com, try again later",
	  .reason = "dmarc=temperror" },
	{ .name = "dmarc temperror, accept", .cfg = "temperror=accept", .spf = -1,
	  .dmr = DMR_TEMPERROR, .dis = DMP_UNSET, .from = "example.com", .flags = "",
	  .want = A, .would = A, .code = "", .xcode = "", .text = "",
	  .reason = "dmarc=temperror" },
	/* an aligned identifier's temperror: lib/dmarc says temperror, policy known */
	{ .name = "reject but aligned SPF temperror", .cfg = "", .spf = SPFR_TEMPERROR,
	  .spf_domain = "example.com", .dmr = DMR_TEMPERROR, .dis = DMP_REJECT,
	  .from = "example.com", .flags = "policy spftemp", .want = T, .would = T,
	  .code = "451", .xcode = "4.7.24",
	  .text = "Temporary DNS failure evaluating SPF for example.com, try again later",
	  .reason = "dmarc=temperror dis=reject, aligned SPF temperror" },
	{ .name = "quarantine but aligned DKIM temperror", .cfg = "", .spf = -1,
	  .dmr = DMR_TEMPERROR, .dis = DMP_QUARANTINE, .from = "example.com",
	  .flags = "policy dkimtemp", .want = T, .would = T, .code = "451",
	  .xcode = "4.4.3",
	  .text = "Temporary DNS failure evaluating DKIM for example.com, try again later",
	  .reason = "dmarc=temperror dis=quarantine, aligned DKIM temperror" },
	{ .name = "aligned temperror, TempErrorAction accept: the policy is not applied",
	  .cfg = "temperror=accept", .spf = -1, .dmr = DMR_TEMPERROR, .dis = DMP_REJECT,
	  .from = "example.com", .flags = "policy spftemp", .want = A, .would = A,
	  .code = "", .xcode = "", .text = "", .reason = "dmarc=temperror dis=reject" },
	{ .name = "aligned temperror under p=none: accept", .cfg = "", .spf = -1,
	  .dmr = DMR_TEMPERROR, .dis = DMP_NONE, .from = "example.com",
	  .flags = "policy spftemp", .want = A, .would = A, .code = "", .xcode = "",
	  .text = "", .reason = "dmarc=temperror dis=none" },

	/* monitor only */
	{ .name = "monitor: reject", .cfg = "monitor", .spf = -1, .dmr = DMR_FAIL,
	  .dis = DMP_REJECT, .from = "example.com", .flags = "", .want = A, .would = R,
	  .code = "", .xcode = "", .text = "", .reason = "monitor only, would reject" },
	{ .name = "monitor: quarantine header", .cfg = "monitor qmode=header",
	  .spf = -1, .dmr = DMR_FAIL, .dis = DMP_QUARANTINE, .from = "example.com",
	  .flags = "", .want = A, .would = Q, .code = "", .xcode = "", .text = "",
	  .reason = "monitor only, would quarantine" },
	{ .name = "monitor: temperror", .cfg = "monitor", .spf = -1,
	  .dmr = DMR_TEMPERROR, .dis = DMP_UNSET, .from = "example.com", .flags = "",
	  .want = A, .would = T, .code = "", .xcode = "", .text = "",
	  .reason = "monitor only, would tempfail" },
	{ .name = "monitor: internal error", .cfg = "monitor", .internal = true,
	  .spf = -1, .dmr = -1, .dis = DMP_UNSET, .flags = "", .want = A, .would = T,
	  .code = "", .xcode = "", .text = "", .reason = "monitor only" },
	{ .name = "monitor: pass stays plain", .cfg = "monitor", .spf = -1,
	  .dmr = DMR_PASS, .dis = DMP_NONE, .from = "example.com", .flags = "",
	  .want = A, .would = A, .code = "", .xcode = "", .text = "",
	  .reason = "dmarc=pass" },

	/* HonorDMARCPolicy no */
	{ .name = "not honoured: reject only tagged", .cfg = "honor=no", .spf = -1,
	  .dmr = DMR_FAIL, .dis = DMP_REJECT, .from = "example.com", .flags = "",
	  .want = A, .would = A, .code = "", .xcode = "", .text = "",
	  .reason = "not honoured" },
	{ .name = "not honoured: temperror only tagged", .cfg = "honor=no", .spf = -1,
	  .dmr = DMR_TEMPERROR, .dis = DMP_UNSET, .from = "example.com", .flags = "",
	  .want = A, .would = A, .code = "", .xcode = "", .text = "",
	  .reason = "not honoured" },
	{ .name = "not honoured: SPF fail action applies",
	  .cfg = "honor=no spffail=reject", .spf = SPFR_FAIL,
	  .spf_domain = "bounce.example.com", .dmr = DMR_FAIL, .dis = DMP_REJECT,
	  .from = "example.com", .flags = "", .want = R, .would = R, .code = "550",
	  .xcode = "5.7.23", .text = "SPF check failed for bounce.example.com",
	  .reason = "spf=fail" },
	{ .name = "not honoured: pass still protects from SPF action",
	  .cfg = "honor=no spffail=reject", .spf = SPFR_FAIL,
	  .spf_domain = "bounce.example.com", .dmr = DMR_PASS, .dis = DMP_NONE,
	  .from = "example.com", .flags = "", .want = A, .would = A, .code = "",
	  .xcode = "", .text = "", .reason = "dmarc=pass" },

	/* tag only */
	{ .name = "tag-only domain, exact", .cfg = "tagdom", .spf = -1, .dmr = DMR_FAIL,
	  .dis = DMP_REJECT, .from = "example.com", .flags = "", .want = A, .would = R,
	  .code = "", .xcode = "", .text = "",
	  .reason = "tag only (From domain listed)" },
	{ .name = "tag-only domain, subdomain", .cfg = "tagdom", .spf = -1,
	  .dmr = DMR_FAIL, .dis = DMP_REJECT, .from = "news.EXAMPLE.com", .flags = "",
	  .want = A, .would = R, .code = "", .xcode = "", .text = "",
	  .reason = "tag only" },
	{ .name = "tag-only domain, dotted entry", .cfg = "tagdom", .spf = -1,
	  .dmr = DMR_FAIL, .dis = DMP_QUARANTINE, .from = "a.example.org", .flags = "",
	  .want = A, .would = Q, .code = "", .xcode = "", .text = "",
	  .reason = "tag only" },
	{ .name = "tag-only domain, lookalike not listed", .cfg = "tagdom", .spf = -1,
	  .dmr = DMR_FAIL, .dis = DMP_REJECT, .from = "notexample.com", .flags = "",
	  .want = R, .would = R, .code = "550", .xcode = "5.7.26",
	  .text = "Rejected by DMARC policy for notexample.com",
	  .reason = "dis=reject" },
	{ .name = "tag-only domain, parent not listed", .cfg = "tagdom", .spf = -1,
	  .dmr = DMR_FAIL, .dis = DMP_REJECT, .from = "com", .flags = "", .want = R,
	  .would = R, .code = "550", .xcode = "5.7.26",
	  .text = "Rejected by DMARC policy for com", .reason = "dis=reject" },
	{ .name = "tag-only host", .cfg = "", .spf = -1, .dmr = DMR_FAIL,
	  .dis = DMP_REJECT, .from = "example.net", .flags = "taghost", .want = A,
	  .would = R, .code = "", .xcode = "", .text = "",
	  .reason = "tag only (client host listed)" },
	{ .name = "tag-only host, quarantine header", .cfg = "qmode=header", .spf = -1,
	  .dmr = DMR_FAIL, .dis = DMP_QUARANTINE, .from = "example.net",
	  .flags = "taghost", .want = A, .would = Q, .code = "", .xcode = "",
	  .text = "", .reason = "tag only" },
	{ .name = "tag-only host, tempfail stays", .cfg = "", .spf = -1,
	  .dmr = DMR_TEMPERROR, .dis = DMP_UNSET, .from = "example.net",
	  .flags = "taghost", .want = T, .would = T, .code = "451", .xcode = "4.4.3",
	  .text = "Temporary DNS failure evaluating DMARC for example.net, try again later",
	  .reason = "dmarc=temperror" },
	{ .name = "tag-only host, bad From", .cfg = "", .spf = -1, .dmr = DMR_PERMERROR,
	  .dis = DMP_UNSET, .flags = "badfrom taghost", .want = A, .would = R,
	  .code = "", .xcode = "", .text = "", .reason = "tag only" },
	{ .name = "tag-only host, SPF fail reject", .cfg = "spffail=reject",
	  .spf = SPFR_FAIL, .spf_domain = "example.net", .dmr = -1, .dis = DMP_UNSET,
	  .flags = "taghost", .want = A, .would = R, .code = "", .xcode = "",
	  .text = "", .reason = "tag only" },

	/* TrustedARCSealers (message.c sets arc_sealer / arc_retry from lib/arc_trust) */
	{ .name = "trusted ARC sealer, dmarc reject", .cfg = "", .spf = -1,
	  .dmr = DMR_FAIL, .dis = DMP_REJECT, .from = "example.net",
	  .flags = "arcsealer", .want = A, .would = R, .code = "", .xcode = "",
	  .text = "", .reason = "arc sealer lists.example: dmarc=fail dis=reject" },
	{ .name = "trusted ARC sealer, quarantine header", .cfg = "qmode=header",
	  .spf = -1, .dmr = DMR_FAIL, .dis = DMP_QUARANTINE, .from = "example.net",
	  .flags = "arcsealer", .want = A, .would = Q, .code = "", .xcode = "",
	  .text = "", .reason = "arc sealer lists.example" },
	{ .name = "trusted ARC sealer, SPF fail reject without DMARC",
	  .cfg = "spffail=reject", .spf = SPFR_FAIL, .spf_domain = "example.net",
	  .dmr = DMR_NONE, .dis = DMP_UNSET, .from = "example.net",
	  .flags = "arcsealer", .want = R, .would = R, .code = "550", .xcode = "5.7.23",
	  .text = "SPF check failed for example.net", .reason = "spf=fail" },
	{ .name = "trusted ARC sealer, DMARC not honoured: the SPF reject stands",
	  .cfg = "honor=no spffail=reject", .spf = SPFR_FAIL, .spf_domain = "example.net",
	  .dmr = DMR_FAIL, .dis = DMP_REJECT, .from = "example.net",
	  .flags = "arcsealer", .want = R, .would = R, .code = "550", .xcode = "5.7.23",
	  .text = "SPF check failed for example.net", .reason = "spf=fail" },
	{ .name = "sealer's chain failed temporarily, DMARC not honoured: SPF reject stands",
	  .cfg = "honor=no spffail=reject", .spf = SPFR_FAIL, .spf_domain = "example.net",
	  .dmr = DMR_FAIL, .dis = DMP_REJECT, .from = "example.net",
	  .flags = "arcretry", .want = R, .would = R, .code = "550", .xcode = "5.7.23",
	  .text = "SPF check failed for example.net", .reason = "spf=fail" },
	{ .name = "trusted ARC sealer, dmarc temperror stays", .cfg = "", .spf = -1,
	  .dmr = DMR_TEMPERROR, .dis = DMP_UNSET, .from = "example.net",
	  .flags = "arcsealer", .want = T, .would = T, .code = "451", .xcode = "4.4.3",
	  .text = "Temporary DNS failure evaluating DMARC for example.net, try again later",
	  .reason = "dmarc=temperror" },
	{ .name = "trusted sealer's chain failed temporarily", .cfg = "", .spf = -1,
	  .dmr = DMR_FAIL, .dis = DMP_REJECT, .from = "example.net",
	  .flags = "arcretry", .want = T, .would = R, .code = "451", .xcode = "4.4.3",
	  .text = "Temporary DNS failure validating ARC, try again later",
	  .reason = "arc temperror" },
	{ .name = "chain failed temporarily, TempErrorAction accept",
	  .cfg = "temperror=accept", .spf = -1, .dmr = DMR_FAIL, .dis = DMP_REJECT,
	  .from = "example.net", .flags = "arcretry", .want = R, .would = R,
	  .code = "550", .xcode = "5.7.26",
	  .text = "Rejected by DMARC policy for example.net", .reason = "dmarc=fail" },

	/* SPF actions when DMARC did not decide */
	{ .name = "SPF fail reject, no DMARC record", .cfg = "spffail=reject",
	  .spf = SPFR_FAIL, .spf_domain = "bounce.example.com", .dmr = DMR_NONE,
	  .dis = DMP_UNSET, .from = "example.com", .flags = "", .want = R, .would = R,
	  .code = "550", .xcode = "5.7.23",
	  .text = "SPF check failed for bounce.example.com", .reason = "spf=fail" },
	{ .name = "SPF fail reject, DMARC not evaluated", .cfg = "spffail=reject",
	  .spf = SPFR_FAIL, .spf_domain = "bounce.example.com", .dmr = -1,
	  .dis = DMP_UNSET, .flags = "", .want = R, .would = R, .code = "550",
	  .xcode = "5.7.23", .text = "SPF check failed for bounce.example.com",
	  .reason = "dmarc not evaluated" },
	{ .name = "SPF fail reject, DMARC fail p=none decided", .cfg = "spffail=reject",
	  .spf = SPFR_FAIL, .spf_domain = "bounce.example.com", .dmr = DMR_FAIL,
	  .dis = DMP_NONE, .from = "example.com", .flags = "", .want = A, .would = A,
	  .code = "", .xcode = "", .text = "", .reason = "dis=none" },
	{ .name = "SPF fail reject, DMARC pass decided", .cfg = "spffail=reject",
	  .spf = SPFR_FAIL, .spf_domain = "bounce.example.com", .dmr = DMR_PASS,
	  .dis = DMP_NONE, .from = "example.com", .flags = "", .want = A, .would = A,
	  .code = "", .xcode = "", .text = "", .reason = "dmarc=pass" },
	{ .name = "SPF fail, default action none", .cfg = "", .spf = SPFR_FAIL,
	  .spf_domain = "bounce.example.com", .dmr = DMR_NONE, .dis = DMP_UNSET,
	  .from = "example.com", .flags = "", .want = A, .would = A, .code = "",
	  .xcode = "", .text = "", .reason = "accept" },
	{ .name = "SPF fail quarantine, header mode",
	  .cfg = "spffail=quarantine qmode=header", .spf = SPFR_FAIL,
	  .spf_domain = "bounce.example.com", .dmr = DMR_NONE, .dis = DMP_UNSET,
	  .from = "example.com", .flags = "", .want = A, .would = Q, .header = true,
	  .code = "", .xcode = "", .text = "", .reason = "spf=fail" },
	{ .name = "SPF softfail quarantine", .cfg = "spfsoft=quarantine",
	  .spf = SPFR_SOFTFAIL, .spf_domain = "bounce.example.com", .dmr = DMR_NONE,
	  .dis = DMP_UNSET, .from = "example.com", .flags = "", .want = Q, .would = Q,
	  .code = "", .xcode = "", .text = "", .reason = "spf=softfail" },
	{ .name = "SPF softfail reject", .cfg = "spfsoft=reject", .spf = SPFR_SOFTFAIL,
	  .spf_domain = "bounce.example.com", .dmr = -1, .dis = DMP_UNSET, .flags = "",
	  .want = R, .would = R, .code = "550", .xcode = "5.7.23",
	  .text = "SPF check failed for bounce.example.com", .reason = "spf=softfail" },
	{ .name = "SPF softfail, default none", .cfg = "spffail=reject",
	  .spf = SPFR_SOFTFAIL, .spf_domain = "bounce.example.com", .dmr = DMR_NONE,
	  .dis = DMP_UNSET, .from = "example.com", .flags = "", .want = A, .would = A,
	  .code = "", .xcode = "", .text = "", .reason = "accept" },
	{ .name = "SPF neutral with fail=reject", .cfg = "spffail=reject",
	  .spf = SPFR_NEUTRAL, .spf_domain = "bounce.example.com", .dmr = DMR_NONE,
	  .dis = DMP_UNSET, .from = "example.com", .flags = "", .want = A, .would = A,
	  .code = "", .xcode = "", .text = "", .reason = "accept" },
	{ .name = "SPF temperror with fail=reject", .cfg = "spffail=reject",
	  .spf = SPFR_TEMPERROR, .spf_domain = "bounce.example.com", .dmr = DMR_NONE,
	  .dis = DMP_UNSET, .from = "example.com", .flags = "", .want = T, .would = T,
	  .code = "451", .xcode = "4.7.24",
	  .text = "Temporary DNS failure evaluating SPF for bounce.example.com, try again later",
	  .reason = "spf=temperror" },
	{ .name = "SPF temperror, fail action none", .cfg = "", .spf = SPFR_TEMPERROR,
	  .spf_domain = "bounce.example.com", .dmr = DMR_NONE, .dis = DMP_UNSET,
	  .from = "example.com", .flags = "", .want = A, .would = A, .code = "",
	  .xcode = "", .text = "", .reason = "accept" },
	{ .name = "SPF temperror, TempErrorAction accept",
	  .cfg = "spffail=reject temperror=accept", .spf = SPFR_TEMPERROR,
	  .spf_domain = "bounce.example.com", .dmr = DMR_NONE, .dis = DMP_UNSET,
	  .from = "example.com", .flags = "", .want = A, .would = A, .code = "",
	  .xcode = "", .text = "", .reason = "accept" },
	{ .name = "SPF fail reject, DMARC reject wins with its text",
	  .cfg = "spffail=reject", .spf = SPFR_FAIL, .spf_domain = "bounce.example.com",
	  .dmr = DMR_FAIL, .dis = DMP_REJECT, .from = "example.com", .flags = "",
	  .want = R, .would = R, .code = "550", .xcode = "5.7.26",
	  .text = "Rejected by DMARC policy for example.com", .reason = "dmarc=fail" },

	/* internal error */
	{ .name = "internal error, tempfail", .cfg = "", .internal = true, .spf = -1,
	  .dmr = -1, .dis = DMP_UNSET, .flags = "", .want = T, .would = T,
	  .code = "451", .xcode = "4.3.0",
	  .text = "Temporary local problem, try again later",
	  .reason = "internal error" },
	{ .name = "internal error, accept", .cfg = "internal=accept", .internal = true,
	  .spf = -1, .dmr = -1, .dis = DMP_UNSET, .flags = "", .want = A, .would = A,
	  .code = "", .xcode = "", .text = "", .reason = "internal error" },
	{ .name = "internal error beats DMARC reject", .cfg = "", .internal = true,
	  .spf = -1, .dmr = DMR_FAIL, .dis = DMP_REJECT, .from = "example.com",
	  .flags = "", .want = T, .would = T, .code = "451", .xcode = "4.3.0",
	  .text = "Temporary local problem, try again later",
	  .reason = "internal error" },

	/* hostile domains in reply texts */
	{ .name = "domain sanitised in text", .cfg = "", .spf = -1, .dmr = DMR_FAIL,
	  .dis = DMP_REJECT, .from = "ev%il\r\nx_y.example", .flags = "", .want = R,
	  .would = R, .code = "550", .xcode = "5.7.26",
	  .text = "Rejected by DMARC policy for ev?il??x?y.example",
	  .reason = "dis=reject" },
	{ .name = "SPF domain sanitised in text", .cfg = "spffail=reject",
	  .spf = SPFR_FAIL, .spf_domain = "a%n%s\n.example", .dmr = -1,
	  .dis = DMP_UNSET, .flags = "", .want = R, .would = R, .code = "550",
	  .xcode = "5.7.23", .text = "SPF check failed for a?n?s?.example",
	  .reason = "spf=fail" },
	{ .name = "missing domain", .cfg = "", .spf = -1, .dmr = DMR_FAIL,
	  .dis = DMP_REJECT, .flags = "", .want = R, .would = R, .code = "550",
	  .xcode = "5.7.26", .text = "Rejected by DMARC policy for unknown",
	  .reason = "dis=reject" },

	/* RejectReplyText / TempfailReplyText templates (tmpl) */
	{ .name = "template, DMARC reject", .cfg = "tmpl", .spf = -1, .dmr = DMR_FAIL,
	  .dis = DMP_REJECT, .from = "example.com", .flags = "", .want = R, .would = R,
	  .code = "550", .xcode = "5.7.26",
	  .text = "DMARC: Rejected by DMARC policy for example.com (see " "https://mx.example.net/why?d=example.com)",
	  .reason = "dis=reject" },
	{ .name = "template, hostile domain", .cfg = "tmpl", .spf = -1, .dmr = DMR_FAIL,
	  .dis = DMP_REJECT, .from = "ev%il\r\nx_y.example", .flags = "", .want = R,
	  .would = R, .code = "550", .xcode = "5.7.26",
	  .text = "DMARC: Rejected by DMARC policy for ev?il??x?y.example (see " "https://mx.example.net/why?d=ev?il??x?y.example)",
	  .reason = "dis=reject" },
	{ .name = "template, SPF fail reject", .cfg = "tmpl spffail=reject",
	  .spf = SPFR_FAIL, .spf_domain = "bounce.example.com", .dmr = -1,
	  .dis = DMP_UNSET, .flags = "", .want = R, .would = R, .code = "550",
	  .xcode = "5.7.23",
	  .text = "SPF: SPF check failed for bounce.example.com (see " "https://mx.example.net/why?d=bounce.example.com)",
	  .reason = "spf=fail" },
	{ .name = "template, SPF temperror", .cfg = "tmpl spffail=reject",
	  .spf = SPFR_TEMPERROR, .spf_domain = "bounce.example.com", .dmr = DMR_NONE,
	  .dis = DMP_UNSET, .from = "example.com", .flags = "", .want = T, .would = T,
	  .code = "451", .xcode = "4.7.24",
	  .text = "Deferred (SPF, bounce.example.com): Temporary DNS failure " "evaluating SPF for bounce.example.com, try again later",
	  .reason = "spf=temperror" },
	{ .name = "template, DMARC temperror", .cfg = "tmpl", .spf = -1,
	  .dmr = DMR_TEMPERROR, .dis = DMP_UNSET, .from = "example.com", .flags = "",
	  .want = T, .would = T, .code = "451", .xcode = "4.4.3",
	  .text = "Deferred (DMARC, example.com): Temporary DNS failure evaluating DMARC for " "example.com, try again later",
	  .reason = "dmarc=temperror" },
	{ .name = "template, internal error", .cfg = "tmpl", .internal = true,
	  .spf = -1, .dmr = -1, .dis = DMP_UNSET, .flags = "", .want = T, .would = T,
	  .code = "451", .xcode = "4.3.0",
	  .text = "Deferred (local, unknown): Temporary local problem, try " "again later",
	  .reason = "internal error" },
	{ .name = "template, bad From", .cfg = "tmpl", .spf = -1, .dmr = DMR_PERMERROR,
	  .dis = DMP_UNSET, .flags = "badfrom", .want = R, .would = R, .code = "550",
	  .xcode = "5.7.1",
	  .text = "From: Message has no valid From " "header (several From fields) (see https://mx.example.net/why?d=unknown)",
	  .reason = "bad From" },
};

static char *tag_domains[] = { "EXAMPLE.COM", ".example.org", NULL };

/* has_word - word w in the blank-separated list s */
static bool
has_word(const char *s, const char *w)
{
	size_t n = strlen(w);

	for (; s != NULL && *s != '\0'; s++) {
		if (strncmp(s, w, n) == 0 && (s[n] == '\0' || s[n] == ' '))
			return true;
		s = strchr(s, ' ');
		if (s == NULL)
			break;
	}
	return false;
}

/* word_action - "accept" ... for the cfg overrides */
static enum action
word_action(const char *s, const char *key)
{
	const char *p = strstr(s, key);

	p += strlen(key);
	if (strncmp(p, "accept", 6) == 0)
		return ACTION_ACCEPT;
	if (strncmp(p, "quarantine", 10) == 0)
		return ACTION_QUARANTINE;
	if (strncmp(p, "reject", 6) == 0)
		return ACTION_REJECT;
	return ACTION_TEMPFAIL;
}

/* make_cfg - the base configuration with the row's overrides */
static void
make_cfg(struct config *c, const char *o)
{
	memset(c, 0, sizeof(*c));
	c->internal_error_action = ACTION_TEMPFAIL;
	c->spf_fail_action = ACTION_ACCEPT;
	c->spf_softfail_action = ACTION_ACCEPT;
	c->dmarc_honor_policy = true;
	c->quarantine_mode = QUARANTINE_HOLD;
	c->bad_from_action = ACTION_REJECT;
	c->monitor_only = false;
	c->temperror_action = ACTION_TEMPFAIL;
	if (strstr(o, "internal="))
		c->internal_error_action = word_action(o, "internal=");
	if (strstr(o, "spffail="))
		c->spf_fail_action = word_action(o, "spffail=");
	if (strstr(o, "spfsoft="))
		c->spf_softfail_action = word_action(o, "spfsoft=");
	if (strstr(o, "badfrom="))
		c->bad_from_action = word_action(o, "badfrom=");
	if (strstr(o, "temperror="))
		c->temperror_action = word_action(o, "temperror=");
	if (has_word(o, "honor=no"))
		c->dmarc_honor_policy = false;
	if (has_word(o, "monitor"))
		c->monitor_only = true;
	if (has_word(o, "qmode=header"))
		c->quarantine_mode = QUARANTINE_HEADER;
	if (has_word(o, "tagdom"))
		c->tag_only_domains = tag_domains;
	if (has_word(o, "tmpl")) {
		c->reject_reply_text = (char *)"%c: %m (see https://mx.example.net/why?d=%d)";
		c->tempfail_reply_text = (char *)"Deferred (%c, %d): %m";
	}
}

/* test_templates - policy_reply_check accepts %m %c %d and nothing else */
static void
test_templates(void)
{
	static const struct {
		const char *t;
		int want;
		const char *why;
	} t[] = {
		{ "%m", 0, "" },
		{ "", 0, "" },
		{ "Rejected (%c for %d): %m; see https://mx.example.net/", 0, "" },
		{ "100%s", -1, "unknown placeholder \"%s\" (%m text, %c check, %d domain)" },
		{ "50%", -1, "unknown placeholder \"%\" (%m text, %c check, %d domain)" },
		{ "%%", -1, "unknown placeholder \"%%\" (%m text, %c check, %d domain)" },
		{ "a\tb", -1, "only printable ASCII, no byte 0x09" },
		{ "caf\xc3\xa9", -1, "only printable ASCII, no byte 0xc3" },
	};
	struct buf why;
	char longt[REPLY_TEMPLATE_MAX + 2];

	buf_init(&why);
	for (size_t i = 0; i < NELEM(t); i++) {
		buf_reset(&why);
		is_int(t[i].want, policy_reply_check(t[i].t, &why), "template \"%s\"", t[i].t);
		is_string(t[i].why, buf_str(&why), "template \"%s\": reason", t[i].t);
	}
	memset(longt, 'x', sizeof longt - 1);
	longt[sizeof longt - 1] = '\0';
	buf_reset(&why);
	is_int(-1, policy_reply_check(longt, &why), "template over %d bytes refused",
	    REPLY_TEMPLATE_MAX);
	longt[REPLY_TEMPLATE_MAX] = '\0';
	is_int(0, policy_reply_check(longt, &why), "template of %d bytes accepted",
	    REPLY_TEMPLATE_MAX);
	buf_free(&why);
}

/* clean_text - no '%', CR, LF, control bytes */
static bool
clean_text(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s == '%' || (unsigned char)*s < ' ' || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

int
main(void)
{
	size_t i;

	for (i = 0; i < NELEM(cases); i++) {
		const struct pcase *c = &cases[i];
		struct config cfg;
		struct spf_outcome spf;
		struct dmarc_outcome dm;
		struct auth_results in;
		struct policy_decision out;

		make_cfg(&cfg, c->cfg);
		memset(&in, 0, sizeof(in));
		memset(&spf, 0, sizeof(spf));
		memset(&dm, 0, sizeof(dm));
		in.internal_error = c->internal;
		if (c->spf >= 0) {
			spf.result = (enum spf_result)c->spf;
			spf.domain = (char *)c->spf_domain;
			in.spf_mailfrom = &spf;
		}
		if (c->dmr >= 0) {
			dm.result = (enum dmarc_result)c->dmr;
			dm.disposition = c->dis;
			dm.from_domain = (char *)c->from;
			dm.bad_from = has_word(c->flags, "badfrom");
			dm.testing = has_word(c->flags, "testing");
			dm.policy_domain = has_word(c->flags, "policy") ? (char *)c->from :
			    NULL;
			dm.spf_temperror = has_word(c->flags, "spftemp");
			dm.dkim_temperror = has_word(c->flags, "dkimtemp");
			dm.reason = dm.bad_from ? (char *)"several From fields" : NULL;
			in.dmarc = &dm;
		}
		in.tag_only_host = has_word(c->flags, "taghost");
		in.arc_sealer = has_word(c->flags, "arcsealer") ? "lists.example" : NULL;
		in.arc_retry = has_word(c->flags, "arcretry");
		memset(&out, 0x5a, sizeof(out));
		policy_decide(&cfg, &in, &out);

		is_int(c->want, out.action, "%s: action", c->name);
		is_int(c->would, out.would_action, "%s: would_action", c->name);
		is_int(c->header, out.add_quarantine_header, "%s: quarantine header", c->name);
		is_string(c->code, out.smtp_code, "%s: smtp code", c->name);
		is_string(c->xcode, out.xcode, "%s: enhanced code", c->name);
		is_string(c->text, out.text, "%s: text", c->name);
		ok(strstr(out.reason, c->reason) != NULL, "%s: reason has \"%s\"", c->name,
		    c->reason);
		if (strstr(out.reason, c->reason) == NULL)
			diag("    reason: %s", out.reason);
		ok(clean_text(out.text) && clean_text(out.reason),
		    "%s: text and reason are clean", c->name);
	}
	test_templates();
	return done_testing();
}
