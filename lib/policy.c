/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	policy - results and local settings to accept/quarantine/reject/tempfail
 * SYNOPSIS
 *	#include "policy.h"
 *	void policy_decide(const struct config *cfg, const struct auth_results *in,
 *	    struct policy_decision *out);
 * DESCRIPTION
 *	A pure function of its arguments; the first rule that matches decides.
 *
 *	1. in->internal_error: cfg->internal_error_action (tempfail: 451 4.3.0
 *	   "Temporary local problem, try again later"; reject: 550 5.3.0).
 *	2. A bad From (dmarc->bad_from: none, several, unparseable):
 *	   cfg->bad_from_action, 550 5.7.1 "Message has no valid From header (WHY)".
 *	3. DMARC pass decides: accept. SPF actions never override an aligned pass.
 *	4. With cfg->dmarc_honor_policy, DMARC fail decides by its disposition (t=y
 *	   already applied by lib/dmarc): reject -> 550 5.7.26 "Rejected by DMARC
 *	   policy for DOMAIN"; quarantine -> ACTION_QUARANTINE (QuarantineMode hold) or
 *	   accept with add_quarantine_header (QuarantineMode header); none -> accept.
 *	   DMARC temperror with a known policy (lib/dmarc: an identity that may be
 *	   aligned with the From domain had an SPF or DKIM temperror, or its
 *	   organizational domain could not be walked): disposition quarantine/reject
 *	   -> cfg->temperror_action (451 4.7.24 for SPF, 4.4.3 for DKIM: "Temporary
 *	   DNS failure evaluating SPF|DKIM for DOMAIN, try again later"), disposition none ->
 *	   accept. DMARC temperror finding the record -> cfg->temperror_action (451 4.4.3
 *	   "Temporary DNS failure evaluating DMARC for DOMAIN, try again later").
 *	   Without HonorDMARCPolicy a DMARC fail or temperror is only reported (the
 *	   A-R header tags it) and, like "no DMARC record", leaves the decision to 5.
 *	5. DMARC did not decide (not evaluated, no usable record, not honoured): the
 *	   MAIL FROM SPF result -- fail -> cfg->spf_fail_action, softfail ->
 *	   cfg->spf_softfail_action (reject: 550 5.7.23 "SPF check failed for DOMAIN").
 *	   An SPF temperror when SPFFailAction is not "none" and TempErrorAction is
 *	   tempfail -> 451 4.7.24 (the failure might have hidden a fail). The HELO
 *	   result and DKIM results without DMARC never act.
 *	6. Otherwise accept.
 *
 *	would_action is the decision of those rules (a quarantine done by header
 *	counts as ACTION_QUARANTINE there, while action is accept). Then tag-only (the From domain
 *	equals or is below a TagOnlyDomains entry, or in->tag_only_host) turns reject
 *	and quarantine (hold or header) into a plain accept, reason "tag only (...)";
 *	a tempfail stays. Last, MonitorOnly turns every action into accept with no
 *	quarantine header, reason "monitor only, would ...". smtp_code, xcode and text
 *	describe the final action only (empty for accept and quarantine). Every
 *	domain written into text is reduced to letters, digits, '-' and '.'; other
 *	bytes become '?', so the text never holds '%', CR or LF.
 *
 *	A PolicyMap rule (in->pm_rule) acts in two places. Before the rules above, on
 *	a DMARC fail (or a temperror of an aligned identifier with the policy known):
 *	monitor makes the disposition none, quarantine-always makes it
 *	at least quarantine, reject-always makes it reject (pct sampling no longer
 *	spares it); these two also apply when HonorDMARCPolicy is no, since the
 *	postmaster asked for that domain by name. An aligned temperror still gives
 *	451 before a disposition the rule raised (the identifier might have passed).
 *	After them, beside tag-only: exempt turns every action but an internal error
 *	into a plain accept (no quarantine header), tag-only turns reject and
 *	quarantine into accept and keeps a tempfail. would_action is the decision with
 *	the disposition adjusted, before exempt and tag-only. pm_applied points at the
 *	rule when the final action (or quarantine header) differs from the decision
 *	without it; the reason then starts with "policymap KEY ACTION".
 *
 *	Enhanced status codes (RFC 3463, RFC 7372 and its IANA registry): a DMARC
 *	reject is 550 5.7.26 "multiple authentication checks failed" (DMARC fails
 *	only when neither SPF nor DKIM gave an aligned pass); an SPF reject 550
 *	5.7.23 "SPF validation failed"; an SPF temperror tempfail 451 4.7.24 "SPF
 *	validation error" (RFC 7372 replaces RFC 7208's 4.4.3 with it); a DMARC or
 *	aligned DKIM temperror 451 4.4.3 "directory server failure" (RFC 3463: the
 *	DNS could not be reached). 5.7.1/4.7.1 remain where no specific code fits
 *	(bad From, SPF fail with a tempfail action), 4.3.0/5.3.0 for local errors.
 *	The text names only the check and a domain that passed safe_domain(), never
 *	a local part or a library's reason. RejectReplyText and TempfailReplyText
 *	(policy_reply) wrap it: %m the built-in text, %c the check, %d the domain.
 */
#include "autoconf.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "policy.h"
#include "util.h"

#define TEXT_DOMAIN_MAX	POLICY_DOMAIN_MAX

/* policy_safe_domain - LDH copy of an attacker-influenced domain for reply texts */
void
policy_safe_domain(char *dst, size_t dstlen, const char *src)
{
	size_t i = 0;

	if (src == NULL || *src == '\0')
		src = "unknown";
	for (; *src != '\0' && i + 1 < dstlen && i < TEXT_DOMAIN_MAX; src++) {
		unsigned char c = (unsigned char)*src;

		dst[i++] = isalnum(c) || c == '-' || c == '.' ? (char)c : '?';
	}
	dst[i] = '\0';
}

/* safe_text - printable ASCII copy without '%' for reply texts */
static void
safe_text(char *dst, size_t dstlen, const char *src)
{
	size_t i = 0;

	if (src == NULL)
		src = "";
	for (; *src != '\0' && i + 1 < dstlen; src++) {
		unsigned char c = (unsigned char)*src;

		dst[i++] = c >= ' ' && c < 0x7f && c != '%' ? (char)c : '?';
	}
	dst[i] = '\0';
}

/* policy_reply - a reply text from the configured template (%m %c %d) */
void
policy_reply(const struct config *cfg, bool temporary, const char *check,
    const char *domain, const char *builtin, char *text, size_t len)
{
	const char *t = temporary ? cfg->tempfail_reply_text : cfg->reject_reply_text;
	char dom[TEXT_DOMAIN_MAX + 1], msg[256];
	struct buf b;

	if (len == 0)
		return;
	policy_safe_domain(dom, sizeof(dom), domain);
	safe_text(msg, sizeof(msg), builtin);
	if (t == NULL || *t == '\0')
		t = "%m";
	buf_init(&b);
	for (; *t != '\0'; t++) {
		if (*t != '%') {
			unsigned char c = (unsigned char)*t;

			buf_addc(&b, c >= ' ' && c < 0x7f ? (char)c : '?');
			continue;
		}
		switch (*++t) {
		case 'm': buf_adds(&b, msg); break;
		case 'c': buf_adds(&b, check != NULL ? check : "local"); break;
		case 'd': buf_adds(&b, dom); break;
		case '\0': t--; break;		/* refused at load; never '%' out */
		default: break;
		}
	}
	snprintf(text, len, "%s", buf_str(&b));
	buf_free(&b);
}

/* policy_reply_check - a template of RejectReplyText/TempfailReplyText: 0 or -1 */
int
policy_reply_check(const char *t, struct buf *why)
{
	for (const char *p = t; p != NULL && *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (c < ' ' || c >= 0x7f) {
			buf_printf(why, "only printable ASCII, no byte 0x%02x", c);
			return -1;
		}
		if (c == '%' && (p[1] == '\0' || strchr("mcd", p[1]) == NULL)) {
			buf_printf(why, "unknown placeholder \"%%%.1s\" (%%m text, "
			    "%%c check, %%d domain)", p + 1);
			return -1;
		}
		if (c == '%')
			p++;
	}
	if (t != NULL && strlen(t) > REPLY_TEMPLATE_MAX) {
		buf_printf(why, "longer than %d bytes", REPLY_TEMPLATE_MAX);
		return -1;
	}
	return 0;
}

/* set_reply - SMTP code, enhanced code and text (the template applied) */
static void PRINTF_LIKE(6, 7)
set_reply(const struct config *cfg, struct policy_decision *out, const char *code,
    const char *xcode, const char *check, const char *fmt, ...)
{
	char builtin[256];
	va_list ap;

	snprintf(out->smtp_code, sizeof(out->smtp_code), "%s", code);
	snprintf(out->xcode, sizeof(out->xcode), "%s", xcode);
	va_start(ap, fmt);
	vsnprintf(builtin, sizeof(builtin), fmt, ap);
	va_end(ap);
	policy_reply(cfg, code[0] == '4', check, out->domain, builtin, out->text,
	    sizeof(out->text));
}

/* set_reason - the log reason */
static void PRINTF_LIKE(2, 3)
set_reason(struct policy_decision *out, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out->reason, sizeof(out->reason), fmt, ap);
	va_end(ap);
}

/* clear_reply - no SMTP reply (accept, quarantine) */
static void
clear_reply(struct policy_decision *out)
{
	out->smtp_code[0] = out->xcode[0] = out->text[0] = '\0';
}

/* quarantine - hold, or accept with a header, per QuarantineMode */
static void
quarantine(const struct config *cfg, struct policy_decision *out)
{
	clear_reply(out);
	if (cfg->quarantine_mode == QUARANTINE_HEADER) {
		out->action = ACTION_ACCEPT;
		out->add_quarantine_header = true;
	} else
		out->action = ACTION_QUARANTINE;
}

/* configured - apply a configured action with the given codes and reply texts */
static void
configured(const struct config *cfg, struct policy_decision *out, enum action a,
    const char *check, const char *reject_xcode, const char *reject_text,
    const char *tempfail_xcode, const char *tempfail_text)
{
	switch (a) {
	case ACTION_ACCEPT:
		out->action = ACTION_ACCEPT;
		clear_reply(out);
		break;
	case ACTION_QUARANTINE:
		quarantine(cfg, out);
		break;
	case ACTION_REJECT:
		out->action = ACTION_REJECT;
		set_reply(cfg, out, "550", reject_xcode, check, "%s", reject_text);
		break;
	case ACTION_TEMPFAIL:
		out->action = ACTION_TEMPFAIL;
		set_reply(cfg, out, "451", tempfail_xcode, check, "%s", tempfail_text);
		break;
	}
}

/* decide_internal - rule 1 */
static void
decide_internal(const struct config *cfg, struct policy_decision *out)
{
	enum action a = cfg->internal_error_action;

	if (a == ACTION_REJECT) {
		out->action = ACTION_REJECT;
		set_reply(cfg, out, "550", "5.3.0", NULL,
		    "Message refused because of a local problem");
	} else
		configured(cfg, out, a, NULL, "5.3.0", "", "4.3.0",
		    "Temporary local problem, try again later");
	set_reason(out, "internal error");
}

/* decide_dmarc - rules 2-4; true when DMARC decided */
static bool
decide_dmarc(const struct config *cfg, const struct dmarc_outcome *d, bool honor,
    struct policy_decision *out)
{
	char dom[TEXT_DOMAIN_MAX + 1], why[96], rej[256], tmp[256];
	const char *testnote;

	if (d->bad_from) {
		safe_text(why, sizeof(why), d->reason != NULL ? d->reason : "bad From");
		snprintf(rej, sizeof(rej), "Message has no valid From header (%s)", why);
		snprintf(tmp, sizeof(tmp), "Message has no valid From header (%s), "
		    "try again later", why);
		configured(cfg, out, cfg->bad_from_action, "From", "5.7.1", rej, "4.7.0",
		    tmp);
		set_reason(out, "bad From: %s", why);
		return true;
	}
	policy_safe_domain(dom, sizeof(dom), d->from_domain);
	snprintf(out->domain, sizeof(out->domain), "%s", dom);
	if (d->result == DMR_PASS) {
		set_reason(out, "dmarc=pass (%s)", dom);
		return true;
	}
	if (!honor)
		return false;
	if (d->result == DMR_TEMPERROR && d->policy_domain != NULL &&
	    (d->spf_temperror || d->dkim_temperror)) {
		/* the policy is known; an aligned identifier got a temperror */
		const char *what = d->spf_temperror ? "SPF" : "DKIM";

		if (d->disposition != DMP_REJECT && d->disposition != DMP_QUARANTINE) {
			out->action = ACTION_ACCEPT;
			set_reason(out, "dmarc=temperror dis=none, aligned %s temperror (%s)",
			    what, dom);
			return true;
		}
		snprintf(tmp, sizeof(tmp), "Temporary DNS failure evaluating %s for %s, "
		    "try again later", what, dom);
		configured(cfg, out, cfg->temperror_action, what, "5.7.1", tmp,
		    d->spf_temperror ? "4.7.24" : "4.4.3", tmp);
		set_reason(out, "dmarc=temperror dis=%s, aligned %s temperror (%s)",
		    dmarc_policy_name(d->disposition), what, dom);
		return true;
	}
	if (d->result == DMR_TEMPERROR) {
		snprintf(tmp, sizeof(tmp), "Temporary DNS failure evaluating DMARC "
		    "for %s, try again later", dom);
		configured(cfg, out, cfg->temperror_action, "DMARC", "5.7.1", tmp, "4.4.3",
		    tmp);
		set_reason(out, "dmarc=temperror (%s)", dom);
		return true;
	}
	if (d->result != DMR_FAIL)
		return false;
	testnote = d->testing ? ", t=y" : "";
	switch (d->disposition) {
	case DMP_REJECT:
		out->action = ACTION_REJECT;
		set_reply(cfg, out, "550", "5.7.26", "DMARC",
		    "Rejected by DMARC policy for %s", dom);
		break;
	case DMP_QUARANTINE:
		quarantine(cfg, out);
		break;
	case DMP_NONE:
	case DMP_UNSET:
		out->action = ACTION_ACCEPT;
		break;
	}
	set_reason(out, "dmarc=fail dis=%s%s (%s)",
	    d->disposition == DMP_REJECT ? "reject" : d->disposition == DMP_QUARANTINE ?
	    "quarantine" : "none", testnote, dom);
	return true;
}

/* decide_spf - rule 5; true when SPF decided */
static bool
decide_spf(const struct config *cfg, const struct spf_outcome *spf,
    const char *dmarc_note, struct policy_decision *out)
{
	char dom[TEXT_DOMAIN_MAX + 1], rej[256], tmp[256];
	enum action a;

	if (spf == NULL)
		return false;
	policy_safe_domain(dom, sizeof(dom), spf->domain);
	if (spf->result == SPFR_TEMPERROR && cfg->spf_fail_action != ACTION_ACCEPT &&
	    cfg->temperror_action == ACTION_TEMPFAIL) {
		out->action = ACTION_TEMPFAIL;
		snprintf(out->domain, sizeof(out->domain), "%s", dom);
		set_reply(cfg, out, "451", "4.7.24", "SPF", "Temporary DNS failure "
		    "evaluating SPF for %s, try again later", dom);
		set_reason(out, "spf=temperror (%s)%s", dom, dmarc_note);
		return true;
	}
	if (spf->result == SPFR_FAIL)
		a = cfg->spf_fail_action;
	else if (spf->result == SPFR_SOFTFAIL)
		a = cfg->spf_softfail_action;
	else
		return false;
	if (a == ACTION_ACCEPT)
		return false;
	snprintf(rej, sizeof(rej), "SPF check failed for %s", dom);
	snprintf(tmp, sizeof(tmp), "SPF check failed for %s, try again later", dom);
	snprintf(out->domain, sizeof(out->domain), "%s", dom);
	configured(cfg, out, a, "SPF", "5.7.23", rej, "4.7.1", tmp);
	set_reason(out, "spf=%s (%s)%s", spf->result == SPFR_FAIL ? "fail" : "softfail",
	    dom, dmarc_note);
	return true;
}

/* decide - rules 1-6 */
static void
decide(const struct config *cfg, const struct auth_results *in, bool honor,
    struct policy_decision *out)
{
	const struct dmarc_outcome *d = in->dmarc;
	const char *note = "";

	if (in->internal_error) {
		decide_internal(cfg, out);
		return;
	}
	if (d != NULL && decide_dmarc(cfg, d, honor, out)) {
		out->dmarc_decided = true;
		return;
	}
	if (d == NULL)
		note = ", dmarc not evaluated";
	else if (d->result == DMR_FAIL || d->result == DMR_TEMPERROR)
		note = ", dmarc not honoured";
	else
		note = ", no DMARC policy";
	if (decide_spf(cfg, in->spf_mailfrom, note, out))
		return;
	out->action = ACTION_ACCEPT;
	if (d != NULL && (d->result == DMR_FAIL || d->result == DMR_TEMPERROR))
		set_reason(out, "dmarc=%s not honoured",
		    d->result == DMR_FAIL ? "fail" : "temperror");
	else
		set_reason(out, "accept%s", note);
}

/* action_word - the action in the log's words */
static const char *
action_word(enum action a)
{
	switch (a) {
	case ACTION_ACCEPT:
		return "accept";
	case ACTION_QUARANTINE:
		return "quarantine";
	case ACTION_REJECT:
		return "reject";
	case ACTION_TEMPFAIL:
		return "tempfail";
	}
	return "accept";
}

/* adjusted_dmarc - the DMARC outcome as a monitor/-always rule sees it; true
 * when d was filled (the rule applies to this outcome) */
static bool
adjusted_dmarc(const struct pm_rule *r, const struct dmarc_outcome *in,
    struct dmarc_outcome *d)
{
	bool aligned_temp = in != NULL && in->result == DMR_TEMPERROR &&
	    in->policy_domain != NULL && (in->spf_temperror || in->dkim_temperror);

	if (r == NULL || in == NULL || (in->result != DMR_FAIL && !aligned_temp))
		return false;
	*d = *in;
	switch (r->action) {
	case PM_MONITOR:
		d->disposition = DMP_NONE;
		break;
	case PM_QUARANTINE_ALWAYS:
		if (d->disposition != DMP_REJECT)
			d->disposition = DMP_QUARANTINE;
		d->sampled_out = false;
		break;
	case PM_REJECT_ALWAYS:
		d->disposition = DMP_REJECT;
		d->sampled_out = false;
		break;
	default:
		return false;
	}
	return true;
}

/* to_accept - a plain accept, the old reason kept behind a prefix */
static void PRINTF_LIKE(2, 3)
to_accept(struct policy_decision *out, const char *fmt, ...)
{
	char orig[sizeof(out->reason)], pre[sizeof(out->reason)];
	va_list ap;

	memcpy(orig, out->reason, sizeof(orig));
	va_start(ap, fmt);
	vsnprintf(pre, sizeof(pre), fmt, ap);
	va_end(ap);
	out->action = ACTION_ACCEPT;
	out->add_quarantine_header = false;
	clear_reply(out);
	set_reason(out, "%s: %s", pre, orig);
}

/* decide_all - rules 1-6, the PolicyMap rule r (or none), tag-only */
static void
decide_all(const struct config *cfg, const struct auth_results *in,
    const struct pm_rule *r, struct policy_decision *out)
{
	struct auth_results local = *in;
	struct dmarc_outcome d;
	const char *from = NULL, *why = NULL;
	bool honor = cfg->dmarc_honor_policy;
	bool held;

	memset(out, 0, sizeof(*out));
	out->action = ACTION_ACCEPT;
	if (adjusted_dmarc(r, in->dmarc, &d)) {
		local.dmarc = &d;
		if (r->action != PM_MONITOR)
			honor = true;
	}
	decide(cfg, &local, honor, out);
	/* what the results call for; quarantine-by-header counts as quarantine */
	out->would_action = out->add_quarantine_header ? ACTION_QUARANTINE : out->action;
	held = out->action == ACTION_REJECT || out->action == ACTION_QUARANTINE ||
	    out->add_quarantine_header;

	if (r != NULL && r->action == PM_EXEMPT && !in->internal_error &&
	    (held || out->action == ACTION_TEMPFAIL)) {
		to_accept(out, "exempt");
		return;
	}
	if (r != NULL && r->action == PM_TAG_ONLY && held) {
		to_accept(out, "tag only");
		return;
	}
	if (in->dmarc != NULL && !in->dmarc->bad_from)
		from = in->dmarc->from_domain;
	if (in->tag_only_host)
		why = "client host listed";
	else if (str_domain_listed(cfg->tag_only_domains, from))
		why = "From domain listed";
	if (why != NULL && held)
		to_accept(out, "tag only (%s)", why);
}

/* policy_decide - the verdict for one message */
void
policy_decide(const struct config *cfg, const struct auth_results *in,
    struct policy_decision *out)
{
	char orig[sizeof(out->reason)];
	const struct pm_rule *r = in->pm_rule;

	decide_all(cfg, in, r, out);
	if (r != NULL) {
		struct policy_decision plain;

		decide_all(cfg, in, NULL, &plain);
		if (plain.action != out->action ||
		    plain.add_quarantine_header != out->add_quarantine_header) {
			out->pm_applied = r;
			memcpy(orig, out->reason, sizeof(orig));
			set_reason(out, "policymap %s %s: %s", r->key,
			    pm_action_name(r->action), orig);
		}
	}
	/* TrustedARCSealers: only what a DMARC failure decided, never SPF, DKIM or
	   errors (with HonorDMARCPolicy no an SPF reject is not DMARC's) */
	if (in->arc_sealer != NULL && in->dmarc != NULL && out->dmarc_decided &&
	    in->dmarc->result == DMR_FAIL && (out->action == ACTION_REJECT ||
	    out->action == ACTION_QUARANTINE || out->add_quarantine_header)) {
		memcpy(orig, out->reason, sizeof(orig));
		out->action = ACTION_ACCEPT;
		out->add_quarantine_header = false;
		out->arc_override = true;
		clear_reply(out);
		set_reason(out, "arc sealer %s: %s", in->arc_sealer, orig);
	} else if (in->arc_retry && in->dmarc != NULL && out->dmarc_decided &&
	    in->dmarc->result == DMR_FAIL &&
	    cfg->temperror_action == ACTION_TEMPFAIL && (out->action == ACTION_REJECT ||
	    out->action == ACTION_QUARANTINE || out->add_quarantine_header)) {
		memcpy(orig, out->reason, sizeof(orig));
		out->action = ACTION_TEMPFAIL;
		out->add_quarantine_header = false;
		set_reply(cfg, out, "451", "4.4.3", "ARC",
		    "Temporary DNS failure validating ARC, try again later");
		set_reason(out, "arc temperror, trusted sealer: %s", orig);
	}
	if (cfg->monitor_only && (out->action != ACTION_ACCEPT ||
	    out->add_quarantine_header)) {
		memcpy(orig, out->reason, sizeof(orig));
		out->action = ACTION_ACCEPT;
		out->add_quarantine_header = false;
		clear_reply(out);
		set_reason(out, "monitor only, would %s: %s",
		    action_word(out->would_action), orig);
	}
}
