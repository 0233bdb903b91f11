/*
 * dmarc_test.c - lib/dmarc: From parsing, record discovery, alignment, pct, np=
 * DESCRIPTION
 *	Table-driven. DNS comes from t/data/dmarc/dmarc.zone (zone backend), the
 *	organizational domains from the small list t/data/dmarc/psl.dat. pct sampling
 *	is made deterministic with dmarc_engine_set_sampler(). The expected values are
 *	taken from RFC 7489 (sections 3.1, 6.3, 6.6.1, 6.6.3, 6.6.4) and DMARCbis np=,
 *	written by hand, not from the code's output.
 */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include <opendmarc/dmarc.h>

#include "dmarc.h"
#include "dns.h"
#include "psl.h"
#include "tap.h"

/* --- dmarc_from_domain --- */

struct from_case {
	const char *name;
	const char *v1, *v2;	/* v2 non-NULL: two From fields */
	int nfrom;		/* -1: count the non-NULL values */
	const char *want;	/* domain, or NULL for an error */
	const char *why;	/* expected reason (error) */
};

static const struct from_case from_cases[] = {
	{ "plain", "user@example.com", NULL, -1, "example.com", NULL },
	{ "angle", "<user@example.com>", NULL, -1, "example.com", NULL },
	{ "leading blank, folding", " John\r\n Doe\r\n <john@example.com>", NULL, -1,
	  "example.com", NULL },
	{ "quoted display name with @ , <", "\"Doe, John <x@evil.test>\" <john@example.com>",
	  NULL, -1, "example.com", NULL },
	{ "comment with @ , <", "John (at evil.test, x@evil.test <y@evil.test>) <john@example.com>",
	  NULL, -1, "example.com", NULL },
	{ "comments around addr-spec", "(c1) john@example.com (c2 (nested) )", NULL, -1,
	  "example.com", NULL },
	{ "quoted local part with @", "\"john@evil.test\"@example.com", NULL, -1,
	  "example.com", NULL },
	{ "quoted-pair in display name", "\"a \\\" b@evil.test\" <john@example.com>", NULL, -1,
	  "example.com", NULL },
	{ "obs-phrase with dots", "John Q. Public <john@example.com>", NULL, -1,
	  "example.com", NULL },
	{ "encoded word untouched", "=?utf-8?q?J=C3=B6rg?= <jorg@example.com>", NULL, -1,
	  "example.com", NULL },
	{ "obs-route", "<@relay.test,@r2.test:john@example.com>", NULL, -1,
	  "example.com", NULL },
	{ "group same domain", "Team: a@example.com, b@example.com;", NULL, -1,
	  "example.com", NULL },
	{ "group different domains", "Team: a@example.com, b@evil.test;", NULL, -1,
	  NULL, "From has several domains" },
	{ "two mailboxes same domain", "a@example.com, B <b@EXAMPLE.com>", NULL, -1,
	  "example.com", NULL },
	{ "two mailboxes different domains", "a@example.com, b@example.net", NULL, -1,
	  NULL, "From has several domains" },
	{ "empty list element", "a@example.com,,b@example.com", NULL, -1,
	  "example.com", NULL },
	{ "several From fields", "a@example.com", "b@example.com", -1, NULL,
	  "several From fields" },
	{ "no From field", NULL, NULL, 0, NULL, "no From field" },
	{ "empty group only", "undisclosed-recipients:;", NULL, -1, NULL,
	  "From has no address" },
	{ "empty value", "", NULL, -1, NULL, "From has no address" },
	{ "no @", "John Doe", NULL, -1, NULL, "From address has no domain" },
	{ "no domain after @", "john@", NULL, -1, NULL, "From address has no domain" },
	{ "empty angle address", "John <>", NULL, -1, NULL, "From has an empty address" },
	{ "IP literal", "john@[192.0.2.1]", NULL, -1, NULL,
	  "From domain is an address literal" },
	{ "IP literal in angle", "John <john@[IPv6:2001:db8::1]>", NULL, -1, NULL,
	  "From domain is an address literal" },
	{ "uppercase", "JOHN@EXAMPLE.COM", NULL, -1, "example.com", NULL },
	{ "trailing dot", "john@example.com.", NULL, -1, "example.com", NULL },
	{ "IDN U-label", "john@b\xc3\xbc" "cher.example", NULL, -1,
	  "xn--bcher-kva.example", NULL },
	{ "A-label kept", "john@XN--BCHER-KVA.example", NULL, -1,
	  "xn--bcher-kva.example", NULL },
	{ "invalid UTF-8 domain", "john@\xff\xfe.example", NULL, -1, NULL,
	  "From domain is not a valid domain name" },
	{ "empty label", "john@example..com", NULL, -1, NULL,
	  "From domain is not a valid domain name" },
	{ "leading hyphen", "john@-example.com", NULL, -1, NULL,
	  "From domain is not a valid domain name" },
	{ "underscore", "john@ex_ample.com", NULL, -1, NULL,
	  "From domain is not a valid domain name" },
	{ "numeric top label", "john@192.0.2.1", NULL, -1, NULL,
	  "From domain is not a valid domain name" },
	{ "label over 63", "john@aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com",
	  NULL, -1, NULL, "From domain is not a valid domain name" },
	{ "unbalanced quote", "\"John <john@example.com>", NULL, -1, NULL,
	  "unparseable From" },
	{ "unbalanced comment", "john@example.com (a (b c)", NULL, -1, NULL,
	  "unparseable From" },
	{ "stray close paren", "john@example.com )", NULL, -1, NULL, "unparseable From" },
	{ "unclosed angle", "John <john@example.com", NULL, -1, NULL, "unparseable From" },
	{ "stray close angle", "john@example.com>", NULL, -1, NULL, "unparseable From" },
	{ "two angle addresses", "<a@example.com> <b@example.com>", NULL, -1, NULL,
	  "unparseable From" },
	{ "unclosed literal", "john@[192.0.2.1", NULL, -1, NULL, "unparseable From" },
	{ "group without a name", ": a@example.com;", NULL, -1, NULL, "unparseable From" },
	{ "group named by an address", "<ceo@example.com>: x@evil.test;", NULL, -1, NULL,
	  "unparseable From" },
	{ "group named by a quoted string", "\"ceo@example.com\": x@evil.test;", NULL, -1,
	  "evil.test", NULL },
	{ "unterminated group", "Team: a@example.com", NULL, -1, NULL, "unparseable From" },
	{ "semicolon outside group", "a@example.com; b@example.com", NULL, -1, NULL,
	  "unparseable From" },
	{ "backslash at end of quote", "\"abc\\", NULL, -1, NULL, "unparseable From" },
	{ "two @ in addr-spec", "a@b@example.com", NULL, -1, NULL, "unparseable From" },
	{ "single label accepted", "root@localhost", NULL, -1, "localhost", NULL },
	{ "unquoted @ in display name: angle address counts",
	  "ceo@example.com <x@evil.test>", NULL, -1, "evil.test", NULL },
};

/* test_from - the From parsing table plus hostile sizes */
static void
test_from(void)
{
	char out[256], *big;
	const char *why, *vals[2];
	size_t i;
	int rc;

	for (i = 0; i < NELEM(from_cases); i++) {
		const struct from_case *c = &from_cases[i];
		size_t n;

		vals[0] = c->v1;
		vals[1] = c->v2;
		n = c->nfrom >= 0 ? (size_t)c->nfrom : (c->v2 != NULL ? 2 : 1);
		why = "unset";
		rc = dmarc_from_domain(vals, n, out, sizeof(out), &why);
		if (c->want != NULL) {
			is_int(0, rc, "From %s: accepted", c->name);
			is_string(c->want, out, "From %s: domain", c->name);
		} else {
			is_int(-1, rc, "From %s: refused", c->name);
			is_string(c->why, why, "From %s: reason", c->name);
		}
	}

	/* 100 KB display name */
	big = xmalloc(100 * 1024 + 64);
	memset(big, 'A', 100 * 1024);
	strcpy(big + 100 * 1024, " <john@example.com>");
	vals[0] = big;
	rc = dmarc_from_domain(vals, 1, out, sizeof(out), &why);
	ok(rc == 0 && strcmp(out, "example.com") == 0, "From 100 KB display name");
	/* 100 KB of open comments, quotes, angle brackets */
	memset(big, '(', 100 * 1024);
	big[100 * 1024] = '\0';
	is_int(-1, dmarc_from_domain(vals, 1, out, sizeof(out), &why),
	    "From 100 KB of '(' refused");
	memset(big, '<', 100 * 1024);
	is_int(-1, dmarc_from_domain(vals, 1, out, sizeof(out), &why),
	    "From 100 KB of '<' refused");
	for (i = 0; i < 100 * 1024; i++)
		big[i] = (char)(0x80 | (i & 0x7f));
	is_int(-1, dmarc_from_domain(vals, 1, out, sizeof(out), &why),
	    "From 100 KB of 8-bit bytes refused");
	/* 100 KB of mailboxes of the same domain */
	big[0] = '\0';
	for (i = 0; i + 20 < 100 * 1024; i += 16)
		memcpy(big + i, "a@example.com,  ", 16);
	memcpy(big + i, "a@example.com", 14);
	rc = dmarc_from_domain(vals, 1, out, sizeof(out), &why);
	ok(rc == 0 && strcmp(out, "example.com") == 0, "From 100 KB of mailboxes");
	free(big);

	/* output buffer too small */
	vals[0] = "john@example.com";
	is_int(-1, dmarc_from_domain(vals, 1, out, 5, &why), "From domain longer than out");
}

/* --- dmarc_aligned --- */

struct align_case {
	const char *id, *from;
	char mode;
	bool want;
};

static const struct align_case align_cases[] = {
	{ "example.com", "example.com", 's', true },
	{ "EXAMPLE.COM.", "example.com", 's', true },
	{ "mail.example.com", "example.com", 's', false },
	{ "mail.example.com", "example.com", 'r', true },
	{ "example.com", "news.example.com", 'r', true },
	{ "mail.example.com", "news.example.com", 'r', true },	/* siblings */
	{ "mail.example.com", "news.example.com", 's', false },
	{ "a.b.example.com", "c.example.com", 'r', true },
	{ "example.net", "example.com", 'r', false },
	{ "evil-example.com", "example.com", 'r', false },
	{ "co.uk", "victim.co.uk", 'r', false },		/* public suffix */
	{ "victim.co.uk", "co.uk", 'r', false },
	{ "other.co.uk", "victim.co.uk", 'r', false },
	{ "mail.example.co.uk", "news.example.co.uk", 'r', true },
	{ "example.co.uk", "news.example.co.uk", 'r', true },
	{ "co.uk", "co.uk", 'r', true },			/* identical names */
	{ "foo.bar.ck", "x.foo.bar.ck", 'r', true },		/* *.ck */
	{ "a.bar.ck", "b.bar.ck", 'r', false },
	{ "www.ck", "x.www.ck", 'r', true },			/* !www.ck */
	{ "xn--bcher-kva.example", "b\xc3\xbc" "cher.example", 's', true },
	{ "", "example.com", 'r', false },
	{ "ex_ample.com", "example.com", 'r', false },
};

/* test_aligned - RFC 7489 section 3.1 with our PSL */
static void
test_aligned(const struct psl *psl)
{
	size_t i;

	for (i = 0; i < NELEM(align_cases); i++) {
		const struct align_case *c = &align_cases[i];

		is_int(c->want, dmarc_aligned(psl, c->id, c->from, c->mode),
		    "aligned %s vs From %s (%c)", c->id, c->from, c->mode);
	}
}

/* --- dmarc_check --- */

struct sig {
	enum dkim_result r;
	const char *d;
};

struct check_case {
	const char *name;
	const char *from;
	enum spf_result spf;		/* SPFR_NONE with spf_domain NULL: no SPF outcome */
	const char *spf_domain;
	struct sig sig[2];
	unsigned draw;			/* sampler value */
	bool np;			/* cfg->dmarc_np for this message */
	enum dmarc_result want;
	const char *policy_domain;	/* NULL: none */
	enum dmarc_policy applied, disposition;
	bool sampled_out, spf_al, dkim_al;
	const char *reason;		/* exact reason, or NULL to skip */
	int queries;			/* DNS queries expected, 0: do not check */
};

#define NOSIG { { DKIMR_NONE, NULL }, { DKIMR_NONE, NULL } }
#define SIG1(r, d) { { r, d }, { DKIMR_NONE, NULL } }

static const struct check_case check_cases[] = {
	/* alignment, relaxed (example.com: p=reject sp=quarantine) */
	{ "SPF pass same domain", "a@example.com", SPFR_PASS, "example.com", NOSIG, 0,
	  false, DMR_PASS, "example.com", DMP_REJECT, DMP_NONE, false, true, false,
	  "SPF aligned with example.com", 1 },
	{ "SPF pass sibling (relaxed)", "a@news.example.com", SPFR_PASS,
	  "mail.example.com", NOSIG, 0, false, DMR_PASS, "example.com", DMP_QUARANTINE,
	  DMP_NONE, false, true, false, NULL, 2 },
	{ "DKIM pass sibling (relaxed)", "a@news.example.com", SPFR_NONE, NULL,
	  SIG1(DKIMR_PASS, "mail.example.com"), 0, false, DMR_PASS, "example.com",
	  DMP_QUARANTINE, DMP_NONE, false, false, true, "DKIM aligned with news.example.com", 0 },
	{ "DKIM pass parent", "a@news.example.com", SPFR_NONE, NULL,
	  SIG1(DKIMR_PASS, "example.com"), 0, false, DMR_PASS, "example.com",
	  DMP_QUARANTINE, DMP_NONE, false, false, true, NULL, 0 },
	{ "DKIM pass child", "a@example.com", SPFR_NONE, NULL,
	  SIG1(DKIMR_PASS, "a.b.example.com"), 0, false, DMR_PASS, "example.com",
	  DMP_REJECT, DMP_NONE, false, false, true, NULL, 0 },
	{ "both aligned", "a@example.com", SPFR_PASS, "bounce.example.com",
	  SIG1(DKIMR_PASS, "EXAMPLE.com"), 0, false, DMR_PASS, "example.com",
	  DMP_REJECT, DMP_NONE, false, true, true, "SPF and DKIM aligned with example.com", 0 },
	{ "unrelated DKIM and SPF", "a@example.com", SPFR_PASS, "evil.test",
	  SIG1(DKIMR_PASS, "evil.test"), 0, false, DMR_FAIL, "example.com",
	  DMP_REJECT, DMP_REJECT, false, false, false,
	  "SPF and DKIM not aligned with example.com", 0 },
	{ "lookalike domain", "a@example.com", SPFR_PASS, "evil-example.com",
	  SIG1(DKIMR_PASS, "xexample.com"), 0, false, DMR_FAIL, "example.com",
	  DMP_REJECT, DMP_REJECT, false, false, false, NULL, 0 },
	{ "aligned DKIM fails, second unrelated passes", "a@example.com", SPFR_FAIL,
	  "example.com", { { DKIMR_FAIL, "example.com" }, { DKIMR_PASS, "evil.test" } }, 0,
	  false, DMR_FAIL, "example.com", DMP_REJECT, DMP_REJECT, false, false, false, NULL, 0 },
	{ "second signature aligned passes", "a@example.com", SPFR_NONE, NULL,
	  { { DKIMR_FAIL, "example.com" }, { DKIMR_PASS, "mail.example.com" } }, 0, false,
	  DMR_PASS, "example.com", DMP_REJECT, DMP_NONE, false, false, true, NULL, 0 },
	{ "SPF softfail aligned does not pass", "a@example.com", SPFR_SOFTFAIL,
	  "example.com", NOSIG, 0, false, DMR_FAIL, "example.com", DMP_REJECT,
	  DMP_REJECT, false, false, false, NULL, 0 },
	{ "DKIM neutral does not pass", "a@example.com", SPFR_NONE, NULL,
	  SIG1(DKIMR_NEUTRAL, "example.com"), 0, false, DMR_FAIL, "example.com",
	  DMP_REJECT, DMP_REJECT, false, false, false, NULL, 0 },

	/* strict (example.net: adkim=s aspf=s) */
	{ "strict DKIM exact", "a@example.net", SPFR_NONE, NULL,
	  SIG1(DKIMR_PASS, "example.net"), 0, false, DMR_PASS, "example.net", DMP_REJECT,
	  DMP_NONE, false, false, true, NULL, 0 },
	{ "strict DKIM parent of From", "a@mail.example.net", SPFR_NONE, NULL,
	  SIG1(DKIMR_PASS, "example.net"), 0, false, DMR_FAIL, "example.net", DMP_REJECT,
	  DMP_REJECT, false, false, false, NULL, 0 },
	{ "strict DKIM child", "a@example.net", SPFR_NONE, NULL,
	  SIG1(DKIMR_PASS, "mail.example.net"), 0, false, DMR_FAIL, "example.net",
	  DMP_REJECT, DMP_REJECT, false, false, false, NULL, 0 },
	{ "strict SPF child", "a@example.net", SPFR_PASS, "bounce.example.net", NOSIG, 0,
	  false, DMR_FAIL, "example.net", DMP_REJECT, DMP_REJECT, false, false, false, NULL, 0 },
	{ "strict SPF exact, other case and final dot", "a@example.net", SPFR_PASS,
	  "EXAMPLE.NET.", NOSIG, 0, false, DMR_PASS, "example.net", DMP_REJECT, DMP_NONE,
	  false, true, false, NULL, 0 },
	{ "case-insensitive tags and values (adkim=S)", "a@caps.test", SPFR_NONE, NULL,
	  SIG1(DKIMR_PASS, "sub.caps.test"), 0, false, DMR_FAIL, "caps.test", DMP_REJECT,
	  DMP_REJECT, false, false, false, NULL, 0 },

	/* public suffixes */
	{ "d=co.uk never aligns with victim.co.uk", "a@victim.co.uk", SPFR_PASS, "co.uk",
	  SIG1(DKIMR_PASS, "co.uk"), 0, false, DMR_FAIL, "victim.co.uk", DMP_REJECT,
	  DMP_REJECT, false, false, false, NULL, 1 },
	{ "no record at victim: _dmarc.co.uk is not asked", "a@news.victim2.co.uk",
	  SPFR_NONE, NULL, NOSIG, 0, false, DMR_NONE, NULL, DMP_UNSET, DMP_UNSET, false,
	  false, false, "no DMARC record for news.victim2.co.uk", 2 },
	{ "From is a public suffix: one lookup", "a@co.uk", SPFR_NONE, NULL, NOSIG, 0,
	  false, DMR_FAIL, "co.uk", DMP_REJECT, DMP_REJECT, false, false, false, NULL, 1 },
	{ "multi-label suffix: sp from example.co.uk", "a@news.example.co.uk", SPFR_NONE,
	  NULL, SIG1(DKIMR_PASS, "evil.co.uk"), 0, false, DMR_FAIL, "example.co.uk",
	  DMP_NONE, DMP_NONE, false, false, false, NULL, 2 },
	{ "multi-label suffix: sibling aligns", "a@news.example.co.uk", SPFR_NONE, NULL,
	  SIG1(DKIMR_PASS, "mail.example.co.uk"), 0, false, DMR_PASS, "example.co.uk",
	  DMP_NONE, DMP_NONE, false, false, true, NULL, 0 },

	/* subdomain policy */
	{ "subdomain: sp applies", "a@news.example.com", SPFR_NONE, NULL, NOSIG, 0, false,
	  DMR_FAIL, "example.com", DMP_QUARANTINE, DMP_QUARANTINE, false, false, false,
	  NULL, 2 },
	{ "subdomain without sp: p applies", "a@deep.sub.example.org", SPFR_NONE, NULL,
	  NOSIG, 0, false, DMR_FAIL, "example.org", DMP_QUARANTINE, DMP_QUARANTINE, false,
	  false, false, NULL, 2 },

	/* policies */
	{ "p=none", "a@pnone.test", SPFR_NONE, NULL, NOSIG, 0, false, DMR_FAIL,
	  "pnone.test", DMP_NONE, DMP_NONE, false, false, false, NULL, 0 },
	{ "p=quarantine", "a@pquar.test", SPFR_NONE, NULL, NOSIG, 0, false, DMR_FAIL,
	  "pquar.test", DMP_QUARANTINE, DMP_QUARANTINE, false, false, false, NULL, 0 },
	{ "p=reject without blanks", "a@preject.test", SPFR_NONE, NULL, NOSIG, 0, false,
	  DMR_FAIL, "preject.test", DMP_REJECT, DMP_REJECT, false, false, false, NULL, 0 },
	{ "record split over two strings", "a@split.test", SPFR_NONE, NULL, NOSIG, 0,
	  false, DMR_FAIL, "split.test", DMP_REJECT, DMP_REJECT, false, false, false, NULL, 0 },
	{ "bad rf/fo/ri ignored", "a@rfbad.test", SPFR_NONE, NULL, NOSIG, 0, false,
	  DMR_FAIL, "rfbad.test", DMP_REJECT, DMP_REJECT, false, false, false, NULL, 0 },
	{ "duplicate p: first counts", "a@dup.test", SPFR_NONE, NULL, NOSIG, 0, false,
	  DMR_FAIL, "dup.test", DMP_REJECT, DMP_REJECT, false, false, false, NULL, 0 },

	/* pct */
	{ "pct=0 reject -> quarantine", "a@pct0.test", SPFR_NONE, NULL, NOSIG, 0, false,
	  DMR_FAIL, "pct0.test", DMP_REJECT, DMP_QUARANTINE, true, false, false, NULL, 0 },
	{ "pct=50 draw 49 applies", "a@pct50.test", SPFR_NONE, NULL, NOSIG, 49, false,
	  DMR_FAIL, "pct50.test", DMP_REJECT, DMP_REJECT, false, false, false, NULL, 0 },
	{ "pct=50 draw 50 -> quarantine", "a@pct50.test", SPFR_NONE, NULL, NOSIG, 50, false,
	  DMR_FAIL, "pct50.test", DMP_REJECT, DMP_QUARANTINE, true, false, false, NULL, 0 },
	{ "pct=50 quarantine draw 99 -> none", "a@pct50q.test", SPFR_NONE, NULL, NOSIG, 99,
	  false, DMR_FAIL, "pct50q.test", DMP_QUARANTINE, DMP_NONE, true, false, false,
	  NULL, 0 },
	{ "pct=50 quarantine draw 0 applies", "a@pct50q.test", SPFR_NONE, NULL, NOSIG, 0,
	  false, DMR_FAIL, "pct50q.test", DMP_QUARANTINE, DMP_QUARANTINE, false, false,
	  false, NULL, 0 },
	{ "pct=100 draw 99 applies", "a@pct100.test", SPFR_NONE, NULL, NOSIG, 99, false,
	  DMR_FAIL, "pct100.test", DMP_REJECT, DMP_REJECT, false, false, false, NULL, 0 },
	{ "pct=abc ignored (100)", "a@pctbad.test", SPFR_NONE, NULL, NOSIG, 99, false,
	  DMR_FAIL, "pctbad.test", DMP_REJECT, DMP_REJECT, false, false, false, NULL, 0 },
	{ "pct=0 but pass: no sampling", "a@pct0.test", SPFR_PASS, "pct0.test", NOSIG, 99,
	  false, DMR_PASS, "pct0.test", DMP_REJECT, DMP_NONE, false, true, false, NULL, 0 },

	/* record selection */
	{ "several records: none, no org lookup", "a@multi.test", SPFR_NONE, NULL, NOSIG, 0,
	  false, DMR_NONE, NULL, DMP_UNSET, DMP_UNSET, false, false, false,
	  "several DMARC records at _dmarc.multi.test", 1 },
	{ "several records at From, one at org: none", "a@sub.multiorg.test", SPFR_NONE,
	  NULL, NOSIG, 0, false, DMR_NONE, NULL, DMP_UNSET, DMP_UNSET, false, false, false,
	  NULL, 1 },
	{ "one DMARC record among other TXT", "a@multi2.test", SPFR_NONE, NULL, NOSIG, 0,
	  false, DMR_FAIL, "multi2.test", DMP_REJECT, DMP_REJECT, false, false, false,
	  NULL, 0 },
	{ "v=DMARC10 is not DMARC", "a@notdmarc.test", SPFR_NONE, NULL, NOSIG, 0, false,
	  DMR_NONE, NULL, DMP_UNSET, DMP_UNSET, false, false, false, NULL, 0 },
	{ "v= not first is not DMARC", "a@notdmarc2.test", SPFR_NONE, NULL, NOSIG, 0, false,
	  DMR_NONE, NULL, DMP_UNSET, DMP_UNSET, false, false, false, NULL, 0 },
	{ "no record anywhere", "a@nothing.test", SPFR_PASS, "nothing.test", NOSIG, 0, false,
	  DMR_NONE, NULL, DMP_UNSET, DMP_UNSET, false, true, false,
	  "no DMARC record for nothing.test", 1 },

	/* invalid p= / sp= (RFC 7489 section 6.6.3 step 6) */
	{ "invalid p, no rua: none", "a@badp.test", SPFR_NONE, NULL, NOSIG, 0, false,
	  DMR_NONE, NULL, DMP_UNSET, DMP_UNSET, false, false, false,
	  "DMARC record at _dmarc.badp.test has no valid p= and no valid rua=", 0 },
	{ "invalid p with rua: p=none", "a@badprua.test", SPFR_NONE, NULL, NOSIG, 0, false,
	  DMR_FAIL, "badprua.test", DMP_NONE, DMP_NONE, false, false, false, NULL, 0 },
	{ "absent p with rua: p=none", "a@nop.test", SPFR_NONE, NULL, NOSIG, 0, false,
	  DMR_FAIL, "nop.test", DMP_NONE, DMP_NONE, false, false, false, NULL, 0 },
	{ "absent p, invalid rua: none", "a@nopbadrua.test", SPFR_NONE, NULL, NOSIG, 0,
	  false, DMR_NONE, NULL, DMP_UNSET, DMP_UNSET, false, false, false, NULL, 0 },
	{ "p=r is not reject", "a@pshort.test", SPFR_NONE, NULL, NOSIG, 0, false,
	  DMR_NONE, NULL, DMP_UNSET, DMP_UNSET, false, false, false, NULL, 0 },
	{ "invalid sp, no rua: none", "a@badsp.test", SPFR_NONE, NULL, NOSIG, 0, false,
	  DMR_NONE, NULL, DMP_UNSET, DMP_UNSET, false, false, false,
	  "DMARC record at _dmarc.badsp.test has an invalid sp= and no valid rua=", 0 },
	{ "invalid sp with rua: p=none", "a@badsprua.test", SPFR_NONE, NULL, NOSIG, 0,
	  false, DMR_FAIL, "badsprua.test", DMP_NONE, DMP_NONE, false, false, false, NULL, 0 },

	/* DMARCbis np= */
	{ "np off: sp for a non-existent subdomain", "a@ghost.np.test", SPFR_NONE, NULL,
	  NOSIG, 0, false, DMR_FAIL, "np.test", DMP_QUARANTINE, DMP_QUARANTINE, false,
	  false, false, NULL, 2 },
	{ "np on: np for a non-existent subdomain", "a@ghost.np.test", SPFR_NONE, NULL,
	  NOSIG, 0, true, DMR_FAIL, "np.test", DMP_REJECT, DMP_REJECT, false, false, false,
	  NULL, 3 },
	{ "np on: sp for an existing subdomain", "a@exists.np.test", SPFR_NONE, NULL,
	  NOSIG, 0, true, DMR_FAIL, "np.test", DMP_QUARANTINE, DMP_QUARANTINE, false, false,
	  false, NULL, 3 },
	{ "np on: the org domain itself uses p", "a@np.test", SPFR_NONE, NULL, NOSIG, 0,
	  true, DMR_FAIL, "np.test", DMP_REJECT, DMP_REJECT, false, false, false, NULL, 1 },
	{ "np on, no sp: np beats p=none", "a@ghost.npnosp.test", SPFR_NONE, NULL, NOSIG, 0,
	  true, DMR_FAIL, "npnosp.test", DMP_REJECT, DMP_REJECT, false, false, false, NULL, 3 },
	{ "np on, existence lookup fails: sp", "a@broken.npservfail.test", SPFR_NONE, NULL,
	  NOSIG, 0, true, DMR_FAIL, "npservfail.test", DMP_NONE, DMP_NONE, false, false,
	  false, NULL, 3 },
	{ "np on, pass is still pass", "a@ghost.np.test", SPFR_NONE, NULL,
	  SIG1(DKIMR_PASS, "np.test"), 0, true, DMR_PASS, "np.test", DMP_REJECT, DMP_NONE,
	  false, false, true, NULL, 0 },

	/* DNS failures */
	{ "temperror at the From domain", "a@tempf.test", SPFR_NONE, NULL, NOSIG, 0, false,
	  DMR_TEMPERROR, NULL, DMP_UNSET, DMP_UNSET, false, false, false,
	  "DNS failure looking up _dmarc.tempf.test", 1 },
	{ "temperror at the org domain", "a@sub.temporg.test", SPFR_NONE, NULL, NOSIG, 0,
	  false, DMR_TEMPERROR, NULL, DMP_UNSET, DMP_UNSET, false, false, false,
	  "DNS failure looking up _dmarc.temporg.test", 2 },
	{ "temperror at From, record at org not used", "a@x.tempok.test", SPFR_NONE, NULL,
	  NOSIG, 0, false, DMR_TEMPERROR, NULL, DMP_UNSET, DMP_UNSET, false, false, false,
	  "DNS failure looking up _dmarc.x.tempok.test", 1 },

	/* From problems */
	{ "bad From: permerror", "a@example.com, b@evil.test", SPFR_PASS, "example.com",
	  NOSIG, 0, false, DMR_PERMERROR, NULL, DMP_UNSET, DMP_UNSET, false, false, false,
	  "From has several domains", -1 },
};

/* fixed_draw - deterministic pct sampling */
static unsigned
fixed_draw(void *arg)
{
	return *(const unsigned *)arg;
}

/* test_check - the dmarc_check table */
static void
test_check(struct dmarc_engine *e, struct dns_resolver *r)
{
	struct config cfg_np;
	size_t i, j;

	memset(&cfg_np, 0, sizeof(cfg_np));
	cfg_np.dmarc_np = true;
	for (i = 0; i < NELEM(check_cases); i++) {
		const struct check_case *c = &check_cases[i];
		struct dkv_result sigs[2];
		const struct dkv_result *sigp[2];
		struct spf_outcome spf;
		struct dmarc_input in;
		struct dmarc_outcome out;
		struct dns_session s;
		const char *fv[1];
		unsigned draw = c->draw;

		memset(&in, 0, sizeof(in));
		memset(&spf, 0, sizeof(spf));
		memset(sigs, 0, sizeof(sigs));
		fv[0] = c->from;
		in.ip = "192.0.2.99";
		in.from_values = fv;
		in.nfrom = 1;
		if (c->spf_domain != NULL) {
			spf.result = c->spf;
			spf.domain = (char *)c->spf_domain;
			in.spf_mailfrom = &spf;
		}
		for (j = 0; j < 2 && c->sig[j].d != NULL; j++) {
			sigs[j].result = c->sig[j].r;
			sigs[j].domain = (char *)c->sig[j].d;
			sigp[j] = &sigs[j];
		}
		in.dkim = sigp;
		in.ndkim = j;
		in.cfg = c->np ? &cfg_np : NULL;
		dmarc_engine_set_sampler(e, fixed_draw, &draw);
		dns_session_init(&s, r, 1000);
		dmarc_check(e, &s, &in, &out);

		is_string(dmarc_result_name(c->want), dmarc_result_name(out.result),
		    "%s: result", c->name);
		is_string(c->policy_domain, out.policy_domain, "%s: policy domain", c->name);
		is_int(c->applied, out.applied, "%s: applied policy", c->name);
		is_int(c->disposition, out.disposition, "%s: disposition", c->name);
		is_int(c->sampled_out, out.sampled_out, "%s: sampled out", c->name);
		is_int(c->spf_al, out.spf_aligned, "%s: SPF aligned", c->name);
		is_int(c->dkim_al, out.dkim_aligned, "%s: DKIM aligned", c->name);
		is_int(c->want == DMR_PERMERROR, out.bad_from, "%s: bad_from", c->name);
		ok(out.reason != NULL && out.reason[0] != '\0', "%s: has a reason", c->name);
		if (c->reason != NULL)
			is_string(c->reason, out.reason, "%s: reason", c->name);
		if (c->queries > 0)
			is_int(c->queries, (long)s.queries, "%s: DNS queries", c->name);
		else if (c->queries < 0)
			is_int(0, (long)s.queries, "%s: no DNS query", c->name);
		dmarc_outcome_clear(&out);
	}
	dmarc_engine_set_sampler(e, NULL, NULL);
}

/* test_outcome_fields - published tags are reported as published */
static void
test_outcome_fields(struct dmarc_engine *e, struct dns_resolver *r)
{
	const char *fv[1] = { "x@ghost.np.test" };
	struct dmarc_input in;
	struct dmarc_outcome out;
	struct dns_session s;

	memset(&in, 0, sizeof(in));
	in.from_values = fv;
	in.nfrom = 1;
	dns_session_init(&s, r, 1000);
	dmarc_check(e, &s, &in, &out);
	is_int(DMP_REJECT, out.p, "np.test: p as published");
	is_int(DMP_QUARANTINE, out.sp, "np.test: sp as published");
	is_int(DMP_REJECT, out.np, "np.test: np as published");
	is_int(100, out.pct, "np.test: pct default 100");
	is_int('r', out.adkim, "np.test: adkim default r");
	is_int('r', out.aspf, "np.test: aspf default r");
	ok(out.found_at_org, "np.test: found at the organizational domain");
	is_string("ghost.np.test", out.from_domain, "np.test: from_domain");
	dmarc_outcome_clear(&out);

	fv[0] = "x@example.net";
	dns_session_init(&s, r, 1000);
	dmarc_check(e, &s, &in, &out);
	is_int('s', out.adkim, "example.net: adkim=s");
	is_int('s', out.aspf, "example.net: aspf=s");
	is_int(DMP_UNSET, out.sp, "example.net: sp absent");
	is_int(DMP_UNSET, out.np, "example.net: np absent");
	ok(!out.found_at_org, "example.net: found at the From domain");
	dmarc_outcome_clear(&out);

	fv[0] = "x@pct50.test";
	dns_session_init(&s, r, 1000);
	dmarc_check(e, &s, &in, &out);
	is_int(50, out.pct, "pct50.test: pct=50");
	dmarc_outcome_clear(&out);
}

/* test_temperror_hints - an aligned identity's temperror is reported */
static void
test_temperror_hints(struct dmarc_engine *e, struct dns_resolver *r)
{
	const char *fv[1] = { "x@example.com" };
	struct dkv_result sig;
	const struct dkv_result *sigp[1] = { &sig };
	struct spf_outcome spf;
	struct dmarc_input in;
	struct dmarc_outcome out;
	struct dns_session s;

	memset(&in, 0, sizeof(in));
	memset(&spf, 0, sizeof(spf));
	memset(&sig, 0, sizeof(sig));
	in.from_values = fv;
	in.nfrom = 1;
	in.spf_mailfrom = &spf;
	in.dkim = sigp;
	in.ndkim = 1;
	spf.result = SPFR_TEMPERROR;
	spf.domain = "bounce.example.com";
	sig.result = DKIMR_TEMPERROR;
	sig.domain = "evil.test";
	dns_session_init(&s, r, 1000);
	dmarc_check(e, &s, &in, &out);
	is_int(DMR_FAIL, out.result, "temperror hints: result fail");
	ok(out.spf_temperror, "aligned SPF temperror flagged");
	ok(!out.dkim_temperror, "unaligned DKIM temperror not flagged");
	dmarc_outcome_clear(&out);

	spf.domain = "evil.test";
	sig.domain = "mail.example.com";
	dns_session_init(&s, r, 1000);
	dmarc_check(e, &s, &in, &out);
	ok(!out.spf_temperror, "unaligned SPF temperror not flagged");
	ok(out.dkim_temperror, "aligned DKIM temperror flagged");
	dmarc_outcome_clear(&out);
}

/* test_library_agrees - libopendmarc parses the valid records as we do */
static void
test_library_agrees(struct dmarc_engine *e, struct dns_resolver *r)
{
	static const struct {
		const char *domain, *record;
	} recs[] = {
		{ "example.com", "v=DMARC1; p=reject; sp=quarantine; rua=mailto:agg@example.com" },
		{ "example.net", "v=DMARC1; p=reject; adkim=s; aspf=s" },
		{ "pquar.test", "v=DMARC1; p=quarantine" },
		{ "pct50.test", "v=DMARC1; p=reject; pct=50" },
		{ "pct0.test", "v=DMARC1; p=reject; pct=0" },
		{ "pnone.test", "v=DMARC1; p=none" },
	};
	size_t i;

	for (i = 0; i < NELEM(recs); i++) {
		DMARC_POLICY_T *pctx;
		struct dmarc_input in;
		struct dmarc_outcome out;
		struct dns_session s;
		const char *fv[1];
		char from[300];
		int lp = 0, lsp = 0, lpct = 0, ladkim = 0, laspf = 0;

		snprintf(from, sizeof(from), "x@%s", recs[i].domain);
		fv[0] = from;
		memset(&in, 0, sizeof(in));
		in.from_values = fv;
		in.nfrom = 1;
		dns_session_init(&s, r, 1000);
		dmarc_check(e, &s, &in, &out);

		pctx = opendmarc_policy_connect_init((u_char *)"192.0.2.1", 0);
		if (pctx == NULL ||
		    opendmarc_policy_store_dmarc(pctx, (u_char *)recs[i].record,
		    (u_char *)recs[i].domain, NULL) != DMARC_PARSE_OKAY) {
			ok(0, "libopendmarc parses %s", recs[i].record);
		} else {
			opendmarc_policy_fetch_p(pctx, &lp);
			opendmarc_policy_fetch_sp(pctx, &lsp);
			opendmarc_policy_fetch_pct(pctx, &lpct);
			opendmarc_policy_fetch_adkim(pctx, &ladkim);
			opendmarc_policy_fetch_aspf(pctx, &laspf);
			is_int(lp == DMARC_RECORD_P_REJECT ? DMP_REJECT :
			    lp == DMARC_RECORD_P_QUARANTINE ? DMP_QUARANTINE :
			    lp == DMARC_RECORD_P_NONE ? DMP_NONE : DMP_UNSET, out.p,
			    "%s: p agrees with libopendmarc", recs[i].domain);
			is_int(lsp == DMARC_RECORD_P_REJECT ? DMP_REJECT :
			    lsp == DMARC_RECORD_P_QUARANTINE ? DMP_QUARANTINE :
			    lsp == DMARC_RECORD_P_NONE ? DMP_NONE : DMP_UNSET, out.sp,
			    "%s: sp agrees with libopendmarc", recs[i].domain);
			is_int(lpct, (long)out.pct, "%s: pct agrees with libopendmarc",
			    recs[i].domain);
			is_int(ladkim, out.adkim, "%s: adkim agrees with libopendmarc",
			    recs[i].domain);
			is_int(laspf, out.aspf, "%s: aspf agrees with libopendmarc",
			    recs[i].domain);
		}
		if (pctx != NULL)
			opendmarc_policy_connect_shutdown(pctx);
		dmarc_outcome_clear(&out);
	}
}

/* test_names - result and policy words */
static void
test_names(void)
{
	is_string("none", dmarc_result_name(DMR_NONE), "result name none");
	is_string("pass", dmarc_result_name(DMR_PASS), "result name pass");
	is_string("fail", dmarc_result_name(DMR_FAIL), "result name fail");
	is_string("temperror", dmarc_result_name(DMR_TEMPERROR), "result name temperror");
	is_string("permerror", dmarc_result_name(DMR_PERMERROR), "result name permerror");
	is_string("none", dmarc_policy_name(DMP_UNSET), "policy name unset");
	is_string("none", dmarc_policy_name(DMP_NONE), "policy name none");
	is_string("quarantine", dmarc_policy_name(DMP_QUARANTINE), "policy name quarantine");
	is_string("reject", dmarc_policy_name(DMP_REJECT), "policy name reject");
}

int
main(void)
{
	struct buf err;
	struct psl *psl;
	struct dns_resolver *r;
	struct dmarc_engine *e;
	struct config cfg;

	buf_init(&err);
	test_from();
	test_names();
	if ((psl = psl_load(tap_path("TDATA", "dmarc/psl.dat"), &err)) == NULL)
		bail("psl_load: %s", buf_str(&err));
	test_aligned(psl);
	if ((r = dns_zone_open(tap_path("TDATA", "dmarc/dmarc.zone"), &err)) == NULL)
		bail("dns_zone_open: %s", buf_str(&err));
	memset(&cfg, 0, sizeof(cfg));
	ok(dmarc_engine_new(&cfg, NULL, &err) == NULL, "engine without a PSL refused");
	if ((e = dmarc_engine_new(&cfg, psl, &err)) == NULL)
		bail("dmarc_engine_new: %s", buf_str(&err));
	test_check(e, r);
	test_outcome_fields(e, r);
	test_temperror_hints(e, r);
	test_library_agrees(e, r);
	dmarc_engine_free(e);
	dns_resolver_free(r);
	psl_free(psl);
	buf_free(&err);
	return done_testing();
}
