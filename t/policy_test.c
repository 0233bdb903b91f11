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
#define NOSPF -1, NULL
#define NODMARC -1, DMP_UNSET, NULL

static const struct pcase cases[] = {
	/* DMARC decides */
	{ "dmarc pass", "", false, SPFR_PASS, "example.com", DMR_PASS, DMP_NONE,
	  "example.com", "", A, A, false, "", "", "", "dmarc=pass" },
	{ "dmarc reject", "", false, NOSPF, DMR_FAIL, DMP_REJECT, "example.com", "",
	  R, R, false, "550", "5.7.26", "Rejected by DMARC policy for example.com",
	  "dmarc=fail dis=reject" },
	{ "dmarc quarantine, hold", "", false, NOSPF, DMR_FAIL, DMP_QUARANTINE,
	  "example.com", "", Q, Q, false, "", "", "", "dis=quarantine" },
	{ "dmarc quarantine, header", "qmode=header", false, NOSPF, DMR_FAIL,
	  DMP_QUARANTINE, "example.com", "", A, Q, true, "", "", "", "dis=quarantine" },
	{ "dmarc fail p=none", "", false, NOSPF, DMR_FAIL, DMP_NONE, "example.com", "",
	  A, A, false, "", "", "", "dis=none" },
	{ "t=y: reject applied as quarantine", "", false, NOSPF, DMR_FAIL,
	  DMP_QUARANTINE, "example.com", "testing", Q, Q, false, "", "", "",
	  "dis=quarantine, t=y" },
	{ "t=y: quarantine applied as none", "", false, NOSPF, DMR_FAIL, DMP_NONE,
	  "example.com", "testing", A, A, false, "", "", "", "dis=none, t=y" },
	{ "dmarc none: accept", "", false, SPFR_PASS, "example.com", DMR_NONE, DMP_UNSET,
	  "example.com", "", A, A, false, "", "", "", "no DMARC policy" },

	/* bad From */
	{ "bad From, reject", "", false, NOSPF, DMR_PERMERROR, DMP_UNSET, NULL, "badfrom",
	  R, R, false, "550", "5.7.1", "Message has no valid From header (several From fields)",
	  "bad From" },
	{ "bad From, accept", "badfrom=accept", false, NOSPF, DMR_PERMERROR, DMP_UNSET,
	  NULL, "badfrom", A, A, false, "", "", "", "bad From" },
	{ "bad From, quarantine", "badfrom=quarantine", false, NOSPF, DMR_PERMERROR,
	  DMP_UNSET, NULL, "badfrom", Q, Q, false, "", "", "", "bad From" },
	{ "bad From, tempfail", "badfrom=tempfail", false, NOSPF, DMR_PERMERROR,
	  DMP_UNSET, NULL, "badfrom", T, T, false, "451", "4.7.0",
	  "Message has no valid From header (several From fields), try again later",
	  "bad From" },
	{ "bad From beats SPF fail action", "spffail=quarantine", false, SPFR_FAIL,
	  "example.com", DMR_PERMERROR, DMP_UNSET, NULL, "badfrom", R, R, false, "550",
	  "5.7.1", "Message has no valid From header (several From fields)", "bad From" },

	/* temperror */
	{ "dmarc temperror, tempfail", "", false, NOSPF, DMR_TEMPERROR, DMP_UNSET,
	  "example.com", "", T, T, false, "451", "4.4.3",
	  "Temporary DNS failure evaluating DMARC for example.com, try again later",
	  "dmarc=temperror" },
	{ "dmarc temperror, accept", "temperror=accept", false, NOSPF, DMR_TEMPERROR,
	  DMP_UNSET, "example.com", "", A, A, false, "", "", "", "dmarc=temperror" },
	/* an aligned identifier's temperror: lib/dmarc says temperror, policy known */
	{ "reject but aligned SPF temperror", "", false, SPFR_TEMPERROR, "example.com",
	  DMR_TEMPERROR, DMP_REJECT, "example.com", "policy spftemp", T, T, false, "451",
	  "4.7.24", "Temporary DNS failure evaluating SPF for example.com, try again later",
	  "dmarc=temperror dis=reject, aligned SPF temperror" },
	{ "quarantine but aligned DKIM temperror", "", false, NOSPF, DMR_TEMPERROR,
	  DMP_QUARANTINE, "example.com", "policy dkimtemp", T, T, false, "451", "4.4.3",
	  "Temporary DNS failure evaluating DKIM for example.com, try again later",
	  "dmarc=temperror dis=quarantine, aligned DKIM temperror" },
	{ "aligned temperror, TempErrorAction accept: the policy is not applied",
	  "temperror=accept", false, NOSPF, DMR_TEMPERROR, DMP_REJECT, "example.com",
	  "policy spftemp", A, A, false, "", "", "", "dmarc=temperror dis=reject" },
	{ "aligned temperror under p=none: accept", "", false, NOSPF, DMR_TEMPERROR,
	  DMP_NONE, "example.com", "policy spftemp", A, A, false, "", "", "",
	  "dmarc=temperror dis=none" },

	/* monitor only */
	{ "monitor: reject", "monitor", false, NOSPF, DMR_FAIL, DMP_REJECT, "example.com",
	  "", A, R, false, "", "", "", "monitor only, would reject" },
	{ "monitor: quarantine header", "monitor qmode=header", false, NOSPF, DMR_FAIL,
	  DMP_QUARANTINE, "example.com", "", A, Q, false, "", "", "",
	  "monitor only, would quarantine" },
	{ "monitor: temperror", "monitor", false, NOSPF, DMR_TEMPERROR, DMP_UNSET,
	  "example.com", "", A, T, false, "", "", "", "monitor only, would tempfail" },
	{ "monitor: internal error", "monitor", true, NOSPF, NODMARC, "", A, T, false,
	  "", "", "", "monitor only" },
	{ "monitor: pass stays plain", "monitor", false, NOSPF, DMR_PASS, DMP_NONE,
	  "example.com", "", A, A, false, "", "", "", "dmarc=pass" },

	/* HonorDMARCPolicy no */
	{ "not honoured: reject only tagged", "honor=no", false, NOSPF, DMR_FAIL,
	  DMP_REJECT, "example.com", "", A, A, false, "", "", "", "not honoured" },
	{ "not honoured: temperror only tagged", "honor=no", false, NOSPF, DMR_TEMPERROR,
	  DMP_UNSET, "example.com", "", A, A, false, "", "", "", "not honoured" },
	{ "not honoured: SPF fail action applies", "honor=no spffail=reject", false,
	  SPFR_FAIL, "bounce.example.com", DMR_FAIL, DMP_REJECT, "example.com", "", R, R,
	  false, "550", "5.7.23", "SPF check failed for bounce.example.com", "spf=fail" },
	{ "not honoured: pass still protects from SPF action", "honor=no spffail=reject",
	  false, SPFR_FAIL, "bounce.example.com", DMR_PASS, DMP_NONE, "example.com", "", A,
	  A, false, "", "", "", "dmarc=pass" },

	/* tag only */
	{ "tag-only domain, exact", "tagdom", false, NOSPF, DMR_FAIL, DMP_REJECT,
	  "example.com", "", A, R, false, "", "", "", "tag only (From domain listed)" },
	{ "tag-only domain, subdomain", "tagdom", false, NOSPF, DMR_FAIL, DMP_REJECT,
	  "news.EXAMPLE.com", "", A, R, false, "", "", "", "tag only" },
	{ "tag-only domain, dotted entry", "tagdom", false, NOSPF, DMR_FAIL,
	  DMP_QUARANTINE, "a.example.org", "", A, Q, false, "", "", "", "tag only" },
	{ "tag-only domain, lookalike not listed", "tagdom", false, NOSPF, DMR_FAIL,
	  DMP_REJECT, "notexample.com", "", R, R, false, "550", "5.7.26",
	  "Rejected by DMARC policy for notexample.com", "dis=reject" },
	{ "tag-only domain, parent not listed", "tagdom", false, NOSPF, DMR_FAIL,
	  DMP_REJECT, "com", "", R, R, false, "550", "5.7.26",
	  "Rejected by DMARC policy for com", "dis=reject" },
	{ "tag-only host", "", false, NOSPF, DMR_FAIL, DMP_REJECT, "example.net",
	  "taghost", A, R, false, "", "", "", "tag only (client host listed)" },
	{ "tag-only host, quarantine header", "qmode=header", false, NOSPF, DMR_FAIL,
	  DMP_QUARANTINE, "example.net", "taghost", A, Q, false, "", "", "", "tag only" },
	{ "tag-only host, tempfail stays", "", false, NOSPF, DMR_TEMPERROR, DMP_UNSET,
	  "example.net", "taghost", T, T, false, "451", "4.4.3",
	  "Temporary DNS failure evaluating DMARC for example.net, try again later",
	  "dmarc=temperror" },
	{ "tag-only host, bad From", "", false, NOSPF, DMR_PERMERROR, DMP_UNSET, NULL,
	  "badfrom taghost", A, R, false, "", "", "", "tag only" },
	{ "tag-only host, SPF fail reject", "spffail=reject", false, SPFR_FAIL,
	  "example.net", NODMARC, "taghost", A, R, false, "", "", "", "tag only" },

	/* TrustedARCSealers (message.c sets arc_sealer / arc_retry from lib/arc_trust) */
	{ "trusted ARC sealer, dmarc reject", "", false, NOSPF, DMR_FAIL, DMP_REJECT,
	  "example.net", "arcsealer", A, R, false, "", "", "",
	  "arc sealer lists.example: dmarc=fail dis=reject" },
	{ "trusted ARC sealer, quarantine header", "qmode=header", false, NOSPF, DMR_FAIL,
	  DMP_QUARANTINE, "example.net", "arcsealer", A, Q, false, "", "", "",
	  "arc sealer lists.example" },
	{ "trusted ARC sealer, SPF fail reject without DMARC", "spffail=reject", false,
	  SPFR_FAIL, "example.net", DMR_NONE, DMP_UNSET, "example.net", "arcsealer", R, R,
	  false, "550", "5.7.23", "SPF check failed for example.net", "spf=fail" },
	{ "trusted ARC sealer, dmarc temperror stays", "", false, NOSPF, DMR_TEMPERROR,
	  DMP_UNSET, "example.net", "arcsealer", T, T, false, "451", "4.4.3",
	  "Temporary DNS failure evaluating DMARC for example.net, try again later",
	  "dmarc=temperror" },
	{ "trusted sealer's chain failed temporarily", "", false, NOSPF, DMR_FAIL,
	  DMP_REJECT, "example.net", "arcretry", T, R, false, "451", "4.4.3",
	  "Temporary DNS failure validating ARC, try again later", "arc temperror" },
	{ "chain failed temporarily, TempErrorAction accept", "temperror=accept", false,
	  NOSPF, DMR_FAIL, DMP_REJECT, "example.net", "arcretry", R, R, false, "550",
	  "5.7.26", "Rejected by DMARC policy for example.net", "dmarc=fail" },

	/* SPF actions when DMARC did not decide */
	{ "SPF fail reject, no DMARC record", "spffail=reject", false, SPFR_FAIL,
	  "bounce.example.com", DMR_NONE, DMP_UNSET, "example.com", "", R, R, false, "550",
	  "5.7.23", "SPF check failed for bounce.example.com", "spf=fail" },
	{ "SPF fail reject, DMARC not evaluated", "spffail=reject", false, SPFR_FAIL,
	  "bounce.example.com", NODMARC, "", R, R, false, "550", "5.7.23",
	  "SPF check failed for bounce.example.com", "dmarc not evaluated" },
	{ "SPF fail reject, DMARC fail p=none decided", "spffail=reject", false, SPFR_FAIL,
	  "bounce.example.com", DMR_FAIL, DMP_NONE, "example.com", "", A, A, false, "", "",
	  "", "dis=none" },
	{ "SPF fail reject, DMARC pass decided", "spffail=reject", false, SPFR_FAIL,
	  "bounce.example.com", DMR_PASS, DMP_NONE, "example.com", "", A, A, false, "", "",
	  "", "dmarc=pass" },
	{ "SPF fail, default action none", "", false, SPFR_FAIL, "bounce.example.com",
	  DMR_NONE, DMP_UNSET, "example.com", "", A, A, false, "", "", "", "accept" },
	{ "SPF fail quarantine, header mode", "spffail=quarantine qmode=header", false,
	  SPFR_FAIL, "bounce.example.com", DMR_NONE, DMP_UNSET, "example.com", "", A, Q,
	  true, "", "", "", "spf=fail" },
	{ "SPF softfail quarantine", "spfsoft=quarantine", false, SPFR_SOFTFAIL,
	  "bounce.example.com", DMR_NONE, DMP_UNSET, "example.com", "", Q, Q, false, "",
	  "", "", "spf=softfail" },
	{ "SPF softfail reject", "spfsoft=reject", false, SPFR_SOFTFAIL,
	  "bounce.example.com", NODMARC, "", R, R, false, "550", "5.7.23",
	  "SPF check failed for bounce.example.com", "spf=softfail" },
	{ "SPF softfail, default none", "spffail=reject", false, SPFR_SOFTFAIL,
	  "bounce.example.com", DMR_NONE, DMP_UNSET, "example.com", "", A, A, false, "",
	  "", "", "accept" },
	{ "SPF neutral with fail=reject", "spffail=reject", false, SPFR_NEUTRAL,
	  "bounce.example.com", DMR_NONE, DMP_UNSET, "example.com", "", A, A, false, "",
	  "", "", "accept" },
	{ "SPF temperror with fail=reject", "spffail=reject", false, SPFR_TEMPERROR,
	  "bounce.example.com", DMR_NONE, DMP_UNSET, "example.com", "", T, T, false, "451",
	  "4.7.24", "Temporary DNS failure evaluating SPF for bounce.example.com, try again later",
	  "spf=temperror" },
	{ "SPF temperror, fail action none", "", false, SPFR_TEMPERROR,
	  "bounce.example.com", DMR_NONE, DMP_UNSET, "example.com", "", A, A, false, "", "",
	  "", "accept" },
	{ "SPF temperror, TempErrorAction accept", "spffail=reject temperror=accept",
	  false, SPFR_TEMPERROR, "bounce.example.com", DMR_NONE, DMP_UNSET, "example.com",
	  "", A, A, false, "", "", "", "accept" },
	{ "SPF fail reject, DMARC reject wins with its text", "spffail=reject", false,
	  SPFR_FAIL, "bounce.example.com", DMR_FAIL, DMP_REJECT, "example.com", "", R, R,
	  false, "550", "5.7.26", "Rejected by DMARC policy for example.com", "dmarc=fail" },

	/* internal error */
	{ "internal error, tempfail", "", true, NOSPF, NODMARC, "", T, T, false, "451",
	  "4.3.0", "Temporary local problem, try again later", "internal error" },
	{ "internal error, accept", "internal=accept", true, NOSPF, NODMARC, "", A, A,
	  false, "", "", "", "internal error" },
	{ "internal error beats DMARC reject", "", true, NOSPF, DMR_FAIL, DMP_REJECT,
	  "example.com", "", T, T, false, "451", "4.3.0",
	  "Temporary local problem, try again later", "internal error" },

	/* hostile domains in reply texts */
	{ "domain sanitised in text", "", false, NOSPF, DMR_FAIL, DMP_REJECT,
	  "ev%il\r\nx_y.example", "", R, R, false, "550", "5.7.26",
	  "Rejected by DMARC policy for ev?il??x?y.example", "dis=reject" },
	{ "SPF domain sanitised in text", "spffail=reject", false, SPFR_FAIL,
	  "a%n%s\n.example", NODMARC, "", R, R, false, "550", "5.7.23",
	  "SPF check failed for a?n?s?.example", "spf=fail" },
	{ "missing domain", "", false, NOSPF, DMR_FAIL, DMP_REJECT, NULL, "", R, R, false,
	  "550", "5.7.26", "Rejected by DMARC policy for unknown", "dis=reject" },

	/* RejectReplyText / TempfailReplyText templates (tmpl) */
	{ "template, DMARC reject", "tmpl", false, NOSPF, DMR_FAIL, DMP_REJECT,
	  "example.com", "", R, R, false, "550", "5.7.26",
	  "DMARC: Rejected by DMARC policy for example.com (see "
	  "https://mx.example.net/why?d=example.com)", "dis=reject" },
	{ "template, hostile domain", "tmpl", false, NOSPF, DMR_FAIL, DMP_REJECT,
	  "ev%il\r\nx_y.example", "", R, R, false, "550", "5.7.26",
	  "DMARC: Rejected by DMARC policy for ev?il??x?y.example (see "
	  "https://mx.example.net/why?d=ev?il??x?y.example)", "dis=reject" },
	{ "template, SPF fail reject", "tmpl spffail=reject", false, SPFR_FAIL,
	  "bounce.example.com", NODMARC, "", R, R, false, "550", "5.7.23",
	  "SPF: SPF check failed for bounce.example.com (see "
	  "https://mx.example.net/why?d=bounce.example.com)", "spf=fail" },
	{ "template, SPF temperror", "tmpl spffail=reject", false, SPFR_TEMPERROR,
	  "bounce.example.com", DMR_NONE, DMP_UNSET, "example.com", "", T, T, false,
	  "451", "4.7.24", "Deferred (SPF, bounce.example.com): Temporary DNS failure "
	  "evaluating SPF for bounce.example.com, try again later", "spf=temperror" },
	{ "template, DMARC temperror", "tmpl", false, NOSPF, DMR_TEMPERROR, DMP_UNSET,
	  "example.com", "", T, T, false, "451", "4.4.3",
	  "Deferred (DMARC, example.com): Temporary DNS failure evaluating DMARC for "
	  "example.com, try again later", "dmarc=temperror" },
	{ "template, internal error", "tmpl", true, NOSPF, NODMARC, "", T, T, false,
	  "451", "4.3.0", "Deferred (local, unknown): Temporary local problem, try "
	  "again later", "internal error" },
	{ "template, bad From", "tmpl", false, NOSPF, DMR_PERMERROR, DMP_UNSET, NULL,
	  "badfrom", R, R, false, "550", "5.7.1", "From: Message has no valid From "
	  "header (several From fields) (see https://mx.example.net/why?d=unknown)",
	  "bad From" },
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
		struct policy_input in;
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
