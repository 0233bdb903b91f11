/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dmarc_test.c - lib/dmarc: From parsing, the DNS Tree Walk, alignment, tags
 * DESCRIPTION
 *	Table-driven. DNS comes from t/data/dmarc/dmarc.zone (zone backend); the
 *	DMARCOrgDomain psl mode takes organizational domains from the small list
 *	t/data/dmarc/psl.dat. The expected values are taken from RFC 9989 (section
 *	4.10 DNS Tree Walk, policy discovery and organizational domain rules, the tag
 *	definitions, Appendix A.6 on pct, the Appendix B.4 tree walk examples) and
 *	RFC 7489 for the psl mode, written by hand, not from the code's output.
 */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include "dmarc.h"
#include "dns.h"
#include "psl.h"
#include "tap.h"
#include "testlib.h"

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
	unsigned modes;			/* TW, PSL or BOTH */
	const char *from;
	enum spf_result spf;		/* SPFR_NONE with spf_domain NULL: no SPF outcome */
	const char *spf_domain;
	struct sig sig[2];
	bool np;			/* cfg->dmarc_np for this message */
	enum dmarc_result want;
	const char *policy_domain;	/* NULL: none */
	enum dmarc_policy applied, disposition;
	bool testing, spf_al, dkim_al;
	const char *reason;		/* exact reason, or NULL to skip */
	int queries;			/* DNS queries expected, 0: do not check, -1: none */
};

#define TW	1u			/* DMARCOrgDomain treewalk (RFC 9989) */
#define PSL	2u			/* DMARCOrgDomain psl (RFC 7489) */
#define BOTH	(TW | PSL)
#define NOSIG { { DKIMR_NONE, NULL }, { DKIMR_NONE, NULL } }
#define SIG1(r, d) { { r, d }, { DKIMR_NONE, NULL } }
#define SIG2(r1, d1, r2, d2) { { r1, d1 }, { r2, d2 } }
#define NOPOL NULL, DMP_UNSET, DMP_UNSET

/*
 * One table for both discovery modes. A row with TW or PSL alone holds where the
 * two differ, its name says why; query counts differ because the walk asks every
 * name up to the top-level domain (RFC 9989 section 4.10) and the PSL mode asks
 * at most the From domain and its PSL organizational domain.
 */
static const struct check_case check_cases[] = {
	/* alignment, relaxed (example.com: p=reject sp=quarantine) */
	{ "SPF pass same domain", BOTH, "a@example.com", SPFR_PASS, "example.com", NOSIG,
	  false, DMR_PASS, "example.com", DMP_REJECT, DMP_NONE, false, true, false,
	  "SPF aligned with example.com", 1 },
	{ "SPF pass sibling: walks news, example.com, com, mail", TW, "a@news.example.com",
	  SPFR_PASS, "mail.example.com", NOSIG, false, DMR_PASS, "example.com",
	  DMP_QUARANTINE, DMP_NONE, false, true, false, NULL, 4 },
	{ "SPF pass sibling (PSL)", PSL, "a@news.example.com", SPFR_PASS,
	  "mail.example.com", NOSIG, false, DMR_PASS, "example.com", DMP_QUARANTINE,
	  DMP_NONE, false, true, false, NULL, 2 },
	{ "DKIM pass sibling (relaxed)", BOTH, "a@news.example.com", SPFR_NONE, NULL,
	  SIG1(DKIMR_PASS, "mail.example.com"), false, DMR_PASS, "example.com",
	  DMP_QUARANTINE, DMP_NONE, false, false, true, "DKIM aligned with news.example.com", 0 },
	{ "DKIM pass parent", TW, "a@news.example.com", SPFR_NONE, NULL,
	  SIG1(DKIMR_PASS, "example.com"), false, DMR_PASS, "example.com",
	  DMP_QUARANTINE, DMP_NONE, false, false, true, NULL, 3 },
	{ "DKIM pass parent (PSL)", PSL, "a@news.example.com", SPFR_NONE, NULL,
	  SIG1(DKIMR_PASS, "example.com"), false, DMR_PASS, "example.com",
	  DMP_QUARANTINE, DMP_NONE, false, false, true, NULL, 2 },
	{ "DKIM pass child: its walk reuses example.com and com", TW, "a@example.com",
	  SPFR_NONE, NULL, SIG1(DKIMR_PASS, "a.b.example.com"), false, DMR_PASS,
	  "example.com", DMP_REJECT, DMP_NONE, false, false, true, NULL, 4 },
	{ "DKIM pass child (PSL)", PSL, "a@example.com", SPFR_NONE, NULL,
	  SIG1(DKIMR_PASS, "a.b.example.com"), false, DMR_PASS, "example.com",
	  DMP_REJECT, DMP_NONE, false, false, true, NULL, 1 },
	{ "both aligned", TW, "a@example.com", SPFR_PASS, "bounce.example.com",
	  SIG1(DKIMR_PASS, "EXAMPLE.com"), false, DMR_PASS, "example.com",
	  DMP_REJECT, DMP_NONE, false, true, true, "SPF and DKIM aligned with example.com", 3 },
	{ "both aligned (PSL)", PSL, "a@example.com", SPFR_PASS, "bounce.example.com",
	  SIG1(DKIMR_PASS, "EXAMPLE.com"), false, DMR_PASS, "example.com",
	  DMP_REJECT, DMP_NONE, false, true, true, NULL, 1 },
	{ "unrelated DKIM and SPF: outside example.com, no walk", TW, "a@example.com",
	  SPFR_PASS, "evil.test", SIG1(DKIMR_PASS, "evil.test"), false, DMR_FAIL,
	  "example.com", DMP_REJECT, DMP_REJECT, false, false, false,
	  "SPF and DKIM not aligned with example.com", 2 },
	{ "unrelated DKIM and SPF (PSL)", PSL, "a@example.com", SPFR_PASS, "evil.test",
	  SIG1(DKIMR_PASS, "evil.test"), false, DMR_FAIL, "example.com", DMP_REJECT,
	  DMP_REJECT, false, false, false, NULL, 1 },
	{ "lookalike domain", BOTH, "a@example.com", SPFR_PASS, "evil-example.com",
	  SIG1(DKIMR_PASS, "xexample.com"), false, DMR_FAIL, "example.com",
	  DMP_REJECT, DMP_REJECT, false, false, false, NULL, 0 },
	{ "aligned DKIM fails, second unrelated passes", BOTH, "a@example.com", SPFR_FAIL,
	  "example.com", SIG2(DKIMR_FAIL, "example.com", DKIMR_PASS, "evil.test"),
	  false, DMR_FAIL, "example.com", DMP_REJECT, DMP_REJECT, false, false, false, NULL, 0 },
	{ "second signature aligned passes", BOTH, "a@example.com", SPFR_NONE, NULL,
	  SIG2(DKIMR_FAIL, "example.com", DKIMR_PASS, "mail.example.com"), false,
	  DMR_PASS, "example.com", DMP_REJECT, DMP_NONE, false, false, true, NULL, 0 },
	{ "SPF softfail aligned does not pass", BOTH, "a@example.com", SPFR_SOFTFAIL,
	  "example.com", NOSIG, false, DMR_FAIL, "example.com", DMP_REJECT,
	  DMP_REJECT, false, false, false, NULL, 1 },
	{ "DKIM neutral does not pass", BOTH, "a@example.com", SPFR_NONE, NULL,
	  SIG1(DKIMR_NEUTRAL, "example.com"), false, DMR_FAIL, "example.com",
	  DMP_REJECT, DMP_REJECT, false, false, false, NULL, 1 },

	/* strict (example.net: adkim=s aspf=s): no walk for alignment */
	{ "strict DKIM exact", BOTH, "a@example.net", SPFR_NONE, NULL,
	  SIG1(DKIMR_PASS, "example.net"), false, DMR_PASS, "example.net", DMP_REJECT,
	  DMP_NONE, false, false, true, NULL, 1 },
	{ "strict DKIM parent of From", TW, "a@mail.example.net", SPFR_NONE, NULL,
	  SIG1(DKIMR_PASS, "example.net"), false, DMR_FAIL, "example.net", DMP_REJECT,
	  DMP_REJECT, false, false, false, NULL, 3 },
	{ "strict DKIM parent of From (PSL)", PSL, "a@mail.example.net", SPFR_NONE, NULL,
	  SIG1(DKIMR_PASS, "example.net"), false, DMR_FAIL, "example.net", DMP_REJECT,
	  DMP_REJECT, false, false, false, NULL, 2 },
	{ "strict DKIM child", BOTH, "a@example.net", SPFR_NONE, NULL,
	  SIG1(DKIMR_PASS, "mail.example.net"), false, DMR_FAIL, "example.net",
	  DMP_REJECT, DMP_REJECT, false, false, false, NULL, 1 },
	{ "strict SPF child", BOTH, "a@example.net", SPFR_PASS, "bounce.example.net", NOSIG,
	  false, DMR_FAIL, "example.net", DMP_REJECT, DMP_REJECT, false, false, false, NULL, 1 },
	{ "strict SPF exact, other case and final dot", BOTH, "a@example.net", SPFR_PASS,
	  "EXAMPLE.NET.", NOSIG, false, DMR_PASS, "example.net", DMP_REJECT, DMP_NONE,
	  false, true, false, NULL, 1 },
	{ "case-insensitive tags and values (adkim=S)", BOTH, "a@caps.test", SPFR_NONE, NULL,
	  SIG1(DKIMR_PASS, "sub.caps.test"), false, DMR_FAIL, "caps.test", DMP_REJECT,
	  DMP_REJECT, false, false, false, NULL, 1 },

	/* public suffixes (co.uk publishes psd=y) */
	{ "d=co.uk never aligns with victim.co.uk: psd=y makes victim.co.uk the org",
	  TW, "a@victim.co.uk", SPFR_PASS, "co.uk", SIG1(DKIMR_PASS, "co.uk"), false,
	  DMR_FAIL, "victim.co.uk", DMP_REJECT, DMP_REJECT, false, false, false, NULL, 2 },
	{ "d=co.uk never aligns with victim.co.uk (PSL)", PSL, "a@victim.co.uk", SPFR_PASS,
	  "co.uk", SIG1(DKIMR_PASS, "co.uk"), false, DMR_FAIL, "victim.co.uk",
	  DMP_REJECT, DMP_REJECT, false, false, false, NULL, 1 },
	{ "no record at victim2: the PSD record (psd=y) applies", TW,
	  "a@news.victim2.co.uk", SPFR_NONE, NULL, NOSIG, false, DMR_FAIL, "co.uk",
	  DMP_REJECT, DMP_REJECT, false, false, false, NULL, 3 },
	{ "no record at victim2 (PSL: RFC 7489 never asks _dmarc.co.uk)", PSL,
	  "a@news.victim2.co.uk", SPFR_NONE, NULL, NOSIG, false, DMR_NONE, NOPOL, false,
	  false, false, "no DMARC record for news.victim2.co.uk", 2 },
	{ "From is a public suffix: one lookup", BOTH, "a@co.uk", SPFR_NONE, NULL, NOSIG,
	  false, DMR_FAIL, "co.uk", DMP_REJECT, DMP_REJECT, false, false, false, NULL, 1 },
	{ "multi-label suffix: sp from example.co.uk", TW, "a@news.example.co.uk",
	  SPFR_NONE, NULL, SIG1(DKIMR_PASS, "evil.co.uk"), false, DMR_FAIL,
	  "example.co.uk", DMP_NONE, DMP_NONE, false, false, false, NULL, 3 },
	{ "multi-label suffix: sp from example.co.uk (PSL)", PSL, "a@news.example.co.uk",
	  SPFR_NONE, NULL, SIG1(DKIMR_PASS, "evil.co.uk"), false, DMR_FAIL,
	  "example.co.uk", DMP_NONE, DMP_NONE, false, false, false, NULL, 2 },
	{ "multi-label suffix: sibling aligns", BOTH, "a@news.example.co.uk", SPFR_NONE,
	  NULL, SIG1(DKIMR_PASS, "mail.example.co.uk"), false, DMR_PASS, "example.co.uk",
	  DMP_NONE, DMP_NONE, false, false, true, NULL, 0 },

	/* subdomain policy */
	{ "subdomain: sp applies", TW, "a@news.example.com", SPFR_NONE, NULL, NOSIG, false,
	  DMR_FAIL, "example.com", DMP_QUARANTINE, DMP_QUARANTINE, false, false, false,
	  NULL, 3 },
	{ "subdomain: sp applies (PSL)", PSL, "a@news.example.com", SPFR_NONE, NULL, NOSIG,
	  false, DMR_FAIL, "example.com", DMP_QUARANTINE, DMP_QUARANTINE, false, false,
	  false, NULL, 2 },
	{ "subdomain without sp: p applies", TW, "a@deep.sub.example.org", SPFR_NONE, NULL,
	  NOSIG, false, DMR_FAIL, "example.org", DMP_QUARANTINE, DMP_QUARANTINE, false,
	  false, false, NULL, 4 },
	{ "subdomain without sp: p applies (PSL)", PSL, "a@deep.sub.example.org", SPFR_NONE,
	  NULL, NOSIG, false, DMR_FAIL, "example.org", DMP_QUARANTINE, DMP_QUARANTINE,
	  false, false, false, NULL, 2 },

	/* policies and tags */
	{ "p=none", BOTH, "a@pnone.test", SPFR_NONE, NULL, NOSIG, false, DMR_FAIL,
	  "pnone.test", DMP_NONE, DMP_NONE, false, false, false, NULL, 1 },
	{ "p=quarantine", BOTH, "a@pquar.test", SPFR_NONE, NULL, NOSIG, false, DMR_FAIL,
	  "pquar.test", DMP_QUARANTINE, DMP_QUARANTINE, false, false, false, NULL, 1 },
	{ "p=reject without blanks", BOTH, "a@preject.test", SPFR_NONE, NULL, NOSIG, false,
	  DMR_FAIL, "preject.test", DMP_REJECT, DMP_REJECT, false, false, false, NULL, 1 },
	{ "record split over two strings", BOTH, "a@split.test", SPFR_NONE, NULL, NOSIG,
	  false, DMR_FAIL, "split.test", DMP_REJECT, DMP_REJECT, false, false, false, NULL, 1 },
	{ "bad rf/fo/ri ignored", BOTH, "a@rfbad.test", SPFR_NONE, NULL, NOSIG, false,
	  DMR_FAIL, "rfbad.test", DMP_REJECT, DMP_REJECT, false, false, false, NULL, 0 },
	{ "unknown tags, rf, ri and psd=maybe ignored", BOTH, "a@unknown.test", SPFR_NONE,
	  NULL, NOSIG, false, DMR_FAIL, "unknown.test", DMP_REJECT, DMP_REJECT, false,
	  false, false, NULL, 1 },
	{ "duplicate p: first counts", BOTH, "a@dup.test", SPFR_NONE, NULL, NOSIG, false,
	  DMR_FAIL, "dup.test", DMP_REJECT, DMP_REJECT, false, false, false, NULL, 0 },
	{ "t=y: reject applied as quarantine", BOTH, "a@trej.test", SPFR_NONE, NULL, NOSIG,
	  false, DMR_FAIL, "trej.test", DMP_REJECT, DMP_QUARANTINE, true, false, false,
	  NULL, 1 },
	{ "t=y: quarantine applied as none", BOTH, "a@tquar.test", SPFR_NONE, NULL, NOSIG,
	  false, DMR_FAIL, "tquar.test", DMP_QUARANTINE, DMP_NONE, true, false, false,
	  NULL, 1 },
	{ "t=n beats the historic pct=0", BOTH, "a@tno.test", SPFR_NONE, NULL, NOSIG, false,
	  DMR_FAIL, "tno.test", DMP_REJECT, DMP_REJECT, false, false, false, NULL, 1 },
	{ "t=maybe is the default n", BOTH, "a@tbad.test", SPFR_NONE, NULL, NOSIG, false,
	  DMR_FAIL, "tbad.test", DMP_REJECT, DMP_REJECT, false, false, false, NULL, 1 },

	/* pct is historic (RFC 9989 Appendix A.6): pct=0 is t=y, other values ignored */
	{ "pct=0 is t=y: reject -> quarantine", BOTH, "a@pct0.test", SPFR_NONE, NULL,
	  NOSIG, false, DMR_FAIL, "pct0.test", DMP_REJECT, DMP_QUARANTINE, true, false,
	  false, NULL, 0 },
	{ "pct=50 ignored: reject", BOTH, "a@pct50.test", SPFR_NONE, NULL, NOSIG, false,
	  DMR_FAIL, "pct50.test", DMP_REJECT, DMP_REJECT, false, false, false, NULL, 0 },
	{ "pct=50 ignored: quarantine", BOTH, "a@pct50q.test", SPFR_NONE, NULL, NOSIG,
	  false, DMR_FAIL, "pct50q.test", DMP_QUARANTINE, DMP_QUARANTINE, false, false,
	  false, NULL, 0 },
	{ "pct=100", BOTH, "a@pct100.test", SPFR_NONE, NULL, NOSIG, false,
	  DMR_FAIL, "pct100.test", DMP_REJECT, DMP_REJECT, false, false, false, NULL, 0 },
	{ "pct=abc ignored", BOTH, "a@pctbad.test", SPFR_NONE, NULL, NOSIG, false,
	  DMR_FAIL, "pctbad.test", DMP_REJECT, DMP_REJECT, false, false, false, NULL, 0 },
	{ "pct=0 but pass: pass", BOTH, "a@pct0.test", SPFR_PASS, "pct0.test", NOSIG,
	  false, DMR_PASS, "pct0.test", DMP_REJECT, DMP_NONE, true, true, false, NULL, 0 },

	/* record selection (RFC 9989 section 4.10 steps 2 and 6) */
	{ "several records at the From domain are discarded", TW, "a@multi.test",
	  SPFR_NONE, NULL, NOSIG, false, DMR_NONE, NOPOL, false, false, false,
	  "no DMARC record for multi.test", 2 },
	{ "several records at the From domain are discarded (PSL)", PSL, "a@multi.test",
	  SPFR_NONE, NULL, NOSIG, false, DMR_NONE, NOPOL, false, false, false,
	  "no DMARC record for multi.test", 1 },
	{ "several records at From, one at org: the org's", TW, "a@sub.multiorg.test",
	  SPFR_NONE, NULL, NOSIG, false, DMR_FAIL, "multiorg.test", DMP_REJECT,
	  DMP_REJECT, false, false, false, NULL, 3 },
	{ "several records at From, one at org: the org's (PSL)", PSL,
	  "a@sub.multiorg.test", SPFR_NONE, NULL, NOSIG, false, DMR_FAIL, "multiorg.test",
	  DMP_REJECT, DMP_REJECT, false, false, false, NULL, 2 },
	{ "one DMARC record among other TXT", BOTH, "a@multi2.test", SPFR_NONE, NULL, NOSIG,
	  false, DMR_FAIL, "multi2.test", DMP_REJECT, DMP_REJECT, false, false, false,
	  NULL, 1 },
	{ "v=DMARC10 is not DMARC", BOTH, "a@notdmarc.test", SPFR_NONE, NULL, NOSIG, false,
	  DMR_NONE, NOPOL, false, false, false, NULL, 0 },
	{ "v= not first is not DMARC", BOTH, "a@notdmarc2.test", SPFR_NONE, NULL, NOSIG,
	  false, DMR_NONE, NOPOL, false, false, false, NULL, 0 },
	{ "no record anywhere: the walk asks nothing.test and test", TW, "a@nothing.test",
	  SPFR_PASS, "nothing.test", NOSIG, false, DMR_NONE, NOPOL, false, true, false,
	  "no DMARC record for nothing.test", 2 },
	{ "no record anywhere (PSL)", PSL, "a@nothing.test", SPFR_PASS, "nothing.test",
	  NOSIG, false, DMR_NONE, NOPOL, false, true, false,
	  "no DMARC record for nothing.test", 1 },

	/* invalid p=, sp=, np= (RFC 9989 section 4.10.1) */
	{ "invalid p, no rua: none", BOTH, "a@badp.test", SPFR_NONE, NULL, NOSIG, false,
	  DMR_NONE, NOPOL, false, false, false,
	  "DMARC record at _dmarc.badp.test has no valid p= and no valid rua=", 0 },
	{ "invalid p with rua: p=none", BOTH, "a@badprua.test", SPFR_NONE, NULL, NOSIG,
	  false, DMR_FAIL, "badprua.test", DMP_NONE, DMP_NONE, false, false, false, NULL, 0 },
	{ "absent p with rua: p=none", BOTH, "a@nop.test", SPFR_NONE, NULL, NOSIG, false,
	  DMR_FAIL, "nop.test", DMP_NONE, DMP_NONE, false, false, false, NULL, 0 },
	{ "absent p, invalid rua: none", BOTH, "a@nopbadrua.test", SPFR_NONE, NULL, NOSIG,
	  false, DMR_NONE, NOPOL, false, false, false, NULL, 0 },
	{ "p=r is not reject", BOTH, "a@pshort.test", SPFR_NONE, NULL, NOSIG, false,
	  DMR_NONE, NOPOL, false, false, false, NULL, 0 },
	{ "invalid sp, no rua: none", BOTH, "a@badsp.test", SPFR_NONE, NULL, NOSIG, false,
	  DMR_NONE, NOPOL, false, false, false,
	  "DMARC record at _dmarc.badsp.test has an invalid sp= and no valid rua=", 0 },
	{ "invalid sp with rua: p=none", BOTH, "a@badsprua.test", SPFR_NONE, NULL, NOSIG,
	  false, DMR_FAIL, "badsprua.test", DMP_NONE, DMP_NONE, false, false, false, NULL, 0 },
	{ "invalid np, no rua: none", BOTH, "a@badnp.test", SPFR_NONE, NULL, NOSIG, false,
	  DMR_NONE, NOPOL, false, false, false,
	  "DMARC record at _dmarc.badnp.test has an invalid np= and no valid rua=", 0 },

	/* np= (on by default; "np off" is DMARCNonExistentPolicy no) */
	{ "np off: sp for a non-existent subdomain", TW, "a@ghost.np.test", SPFR_NONE,
	  NULL, NOSIG, false, DMR_FAIL, "np.test", DMP_QUARANTINE, DMP_QUARANTINE, false,
	  false, false, NULL, 3 },
	{ "np off: sp for a non-existent subdomain (PSL)", PSL, "a@ghost.np.test",
	  SPFR_NONE, NULL, NOSIG, false, DMR_FAIL, "np.test", DMP_QUARANTINE,
	  DMP_QUARANTINE, false, false, false, NULL, 2 },
	{ "np on: np for a non-existent subdomain", TW, "a@ghost.np.test", SPFR_NONE, NULL,
	  NOSIG, true, DMR_FAIL, "np.test", DMP_REJECT, DMP_REJECT, false, false, false,
	  NULL, 4 },
	{ "np on: np for a non-existent subdomain (PSL)", PSL, "a@ghost.np.test", SPFR_NONE,
	  NULL, NOSIG, true, DMR_FAIL, "np.test", DMP_REJECT, DMP_REJECT, false, false,
	  false, NULL, 3 },
	{ "np on: sp for an existing subdomain", BOTH, "a@exists.np.test", SPFR_NONE, NULL,
	  NOSIG, true, DMR_FAIL, "np.test", DMP_QUARANTINE, DMP_QUARANTINE, false, false,
	  false, NULL, 0 },
	{ "np on: the org domain itself uses p", BOTH, "a@np.test", SPFR_NONE, NULL, NOSIG,
	  true, DMR_FAIL, "np.test", DMP_REJECT, DMP_REJECT, false, false, false, NULL, 1 },
	{ "np on, no sp: np beats p=none", BOTH, "a@ghost.npnosp.test", SPFR_NONE, NULL,
	  NOSIG, true, DMR_FAIL, "npnosp.test", DMP_REJECT, DMP_REJECT, false, false, false,
	  NULL, 0 },
	{ "np on, existence lookup fails: sp", BOTH, "a@broken.npservfail.test", SPFR_NONE,
	  NULL, NOSIG, true, DMR_FAIL, "npservfail.test", DMP_NONE, DMP_NONE, false, false,
	  false, NULL, 0 },
	{ "np on, pass is still pass", BOTH, "a@ghost.np.test", SPFR_NONE, NULL,
	  SIG1(DKIMR_PASS, "np.test"), true, DMR_PASS, "np.test", DMP_REJECT, DMP_NONE,
	  false, false, true, NULL, 0 },

	/* DNS failures */
	{ "temperror at the From domain", BOTH, "a@tempf.test", SPFR_NONE, NULL, NOSIG,
	  false, DMR_TEMPERROR, NOPOL, false, false, false,
	  "DNS failure looking up _dmarc.tempf.test", 1 },
	{ "temperror at the org domain", BOTH, "a@sub.temporg.test", SPFR_NONE, NULL, NOSIG,
	  false, DMR_TEMPERROR, NOPOL, false, false, false,
	  "DNS failure looking up _dmarc.temporg.test", 2 },
	{ "temperror at From, record at org not used", BOTH, "a@x.tempok.test", SPFR_NONE,
	  NULL, NOSIG, false, DMR_TEMPERROR, NOPOL, false, false, false,
	  "DNS failure looking up _dmarc.x.tempok.test", 1 },

	/* --- the DNS Tree Walk, rule by rule (RFC 9989 section 4.10) --- */
	{ "walk finds a policy two levels up (sp)", TW, "a@x.y.two.test", SPFR_NONE, NULL,
	  NOSIG, false, DMR_FAIL, "two.test", DMP_QUARANTINE, DMP_QUARANTINE, false,
	  false, false, NULL, 4 },
	{ "policy two levels up (PSL: org two.test)", PSL, "a@x.y.two.test", SPFR_NONE,
	  NULL, NOSIG, false, DMR_FAIL, "two.test", DMP_QUARANTINE, DMP_QUARANTINE, false,
	  false, false, NULL, 2 },
	{ "NXDOMAIN at levels 0-2, record at level 3", TW, "a@a.b.c.two.test", SPFR_NONE,
	  NULL, NOSIG, false, DMR_FAIL, "two.test", DMP_QUARANTINE, DMP_QUARANTINE, false,
	  false, false, NULL, 5 },
	{ "NODATA at level 0, record at level 1", BOTH, "a@c.nd.test", SPFR_NONE, NULL,
	  NOSIG, false, DMR_FAIL, "nd.test", DMP_REJECT, DMP_REJECT, false, false, false,
	  NULL, 0 },
	{ "a record between From and the top one is not the policy (rule 3)", BOTH,
	  "a@a.mid.inter.test", SPFR_NONE, NULL, NOSIG, false, DMR_FAIL, "inter.test",
	  DMP_REJECT, DMP_REJECT, false, false, false, NULL, 0 },
	{ "psd=n stops the walk: mail.psdn.test is the org", TW, "a@a.mail.psdn.test",
	  SPFR_NONE, NULL, NOSIG, false, DMR_FAIL, "mail.psdn.test", DMP_QUARANTINE,
	  DMP_QUARANTINE, false, false, false, NULL, 2 },
	{ "psd=n (PSL knows only psdn.test)", PSL, "a@a.mail.psdn.test", SPFR_NONE, NULL,
	  NOSIG, false, DMR_FAIL, "psdn.test", DMP_REJECT, DMP_REJECT, false, false, false,
	  NULL, 2 },
	{ "psd=n: a sibling of the org does not align", TW, "a@mail.psdn.test", SPFR_NONE,
	  NULL, SIG1(DKIMR_PASS, "other.psdn.test"), false, DMR_FAIL, "mail.psdn.test",
	  DMP_QUARANTINE, DMP_QUARANTINE, false, false, false, NULL, 1 },
	{ "psd=n: a sibling aligns by the PSL, which ignores psd=", PSL, "a@mail.psdn.test",
	  SPFR_NONE, NULL, SIG1(DKIMR_PASS, "other.psdn.test"), false, DMR_PASS,
	  "mail.psdn.test", DMP_QUARANTINE, DMP_NONE, false, false, true, NULL, 1 },
	{ "B.4.3: SPF aligns under giant.bank.example, DKIM at mega does not", TW,
	  "a@giant.bank.example", SPFR_PASS, "mail.giant.bank.example",
	  SIG1(DKIMR_PASS, "mail.mega.bank.example"), false, DMR_PASS,
	  "giant.bank.example", DMP_QUARANTINE, DMP_NONE, false, true, false, NULL, 3 },
	{ "B.4.3 by the PSL, which does not know the PSD bank.example", PSL,
	  "a@giant.bank.example", SPFR_PASS, "mail.giant.bank.example",
	  SIG1(DKIMR_PASS, "mail.mega.bank.example"), false, DMR_PASS,
	  "giant.bank.example", DMP_QUARANTINE, DMP_NONE, false, true, true, NULL, 1 },
	{ "psd=y at the From domain: its own p", BOTH, "a@bank.example", SPFR_NONE, NULL,
	  NOSIG, true, DMR_FAIL, "bank.example", DMP_REJECT, DMP_REJECT, false, false,
	  false, NULL, 1 },
	{ "psd=y at the From domain: a child is its own org", TW, "a@bank.example",
	  SPFR_NONE, NULL, SIG1(DKIMR_PASS, "x.bank.example"), true, DMR_FAIL,
	  "bank.example", DMP_REJECT, DMP_REJECT, false, false, false, NULL, 2 },
	{ "psd=y one level up: PSD policy, From exists: p", TW, "a@x.bank.example",
	  SPFR_NONE, NULL, NOSIG, true, DMR_FAIL, "bank.example", DMP_REJECT, DMP_REJECT,
	  false, false, false, NULL, 3 },
	{ "psd=y two levels up: PSD policy, From exists: p", TW, "a@a.b.bank.example",
	  SPFR_NONE, NULL, NOSIG, true, DMR_FAIL, "bank.example", DMP_REJECT, DMP_REJECT,
	  false, false, false, NULL, 4 },
	{ "psd=y three levels up: NXDOMAIN From gets np", TW, "a@a.b.c.bank.example",
	  SPFR_NONE, NULL, NOSIG, true, DMR_FAIL, "bank.example", DMP_QUARANTINE,
	  DMP_QUARANTINE, false, false, false, NULL, 5 },
	{ "np= of a PSD on an NXDOMAIN subdomain", BOTH, "a@ghost.bank.example", SPFR_NONE,
	  NULL, NOSIG, true, DMR_FAIL, "bank.example", DMP_QUARANTINE, DMP_QUARANTINE,
	  false, false, false, NULL, 3 },
	{ "label limit: 13 labels ask 8 names, the 11-label record is skipped", TW,
	  "a@a.b.c.d.e.f.g.h.i.j.k.deep.test", SPFR_NONE, NULL, NOSIG, false, DMR_FAIL,
	  "deep.test", DMP_QUARANTINE, DMP_QUARANTINE, false, false, false, NULL, 8 },
	{ "label limit: 12 labels, same", TW, "a@x.c.d.e.f.g.h.i.j.k.deep.test", SPFR_NONE,
	  NULL, NOSIG, false, DMR_FAIL, "deep.test", DMP_QUARANTINE, DMP_QUARANTINE, false,
	  false, false, NULL, 8 },
	{ "label limit: a record at the From domain itself is always found", BOTH,
	  "a@c.d.e.f.g.h.i.j.k.deep.test", SPFR_NONE, NULL, NOSIG, false, DMR_FAIL,
	  "c.d.e.f.g.h.i.j.k.deep.test", DMP_NONE, DMP_NONE, false, false, false, NULL, 1 },
	{ "label limit: 8 labels ask 8 names", TW, "a@b.c.d.e.f.g.deep.test", SPFR_NONE,
	  NULL, NOSIG, false, DMR_FAIL, "deep.test", DMP_QUARANTINE, DMP_QUARANTINE, false,
	  false, false, NULL, 8 },
	{ "label limit: 7 labels ask 7 names", TW, "a@c.d.e.f.g.deep.test", SPFR_NONE,
	  NULL, NOSIG, false, DMR_FAIL, "deep.test", DMP_QUARANTINE, DMP_QUARANTINE, false,
	  false, false, NULL, 7 },
	{ "label limit (PSL: From and deep.test)", PSL, "a@a.b.c.d.e.f.g.h.i.j.k.deep.test",
	  SPFR_NONE, NULL, NOSIG, false, DMR_FAIL, "deep.test", DMP_QUARANTINE,
	  DMP_QUARANTINE, false, false, false, NULL, 2 },
	{ "TEMPFAIL at level 0", BOTH, "a@a.b.c.tf0.test", SPFR_NONE, NULL, NOSIG, false,
	  DMR_TEMPERROR, NOPOL, false, false, false,
	  "DNS failure looking up _dmarc.a.b.c.tf0.test", 1 },
	{ "TEMPFAIL at level 1", TW, "a@a.b.c.tf1.test", SPFR_NONE, NULL, NOSIG, false,
	  DMR_TEMPERROR, NOPOL, false, false, false,
	  "DNS failure looking up _dmarc.b.c.tf1.test", 2 },
	{ "TEMPFAIL at level 1 (PSL does not ask it)", PSL, "a@a.b.c.tf1.test", SPFR_NONE,
	  NULL, NOSIG, false, DMR_NONE, NOPOL, false, false, false, NULL, 2 },
	{ "TEMPFAIL at level 2", TW, "a@a.b.c.tf2.test", SPFR_NONE, NULL, NOSIG, false,
	  DMR_TEMPERROR, NOPOL, false, false, false,
	  "DNS failure looking up _dmarc.c.tf2.test", 3 },
	{ "TEMPFAIL at level 3 (the org domain)", BOTH, "a@a.b.c.tf3.test", SPFR_NONE, NULL,
	  NOSIG, false, DMR_TEMPERROR, NOPOL, false, false, false,
	  "DNS failure looking up _dmarc.tf3.test", 0 },
	{ "TEMPFAIL at the top-level domain, above a record", TW, "a@x.tf4.tfail",
	  SPFR_NONE, NULL, NOSIG, false, DMR_TEMPERROR, NOPOL, false, false, false,
	  "DNS failure looking up _dmarc.tfail", 3 },
	{ "TEMPFAIL at the TLD (PSL never asks it)", PSL, "a@x.tf4.tfail", SPFR_NONE, NULL,
	  NOSIG, false, DMR_FAIL, "tf4.tfail", DMP_REJECT, DMP_REJECT, false, false, false,
	  NULL, 2 },
	{ "TEMPFAIL walking an aligned DKIM d=: temperror, not fail", TW, "a@alg.test",
	  SPFR_NONE, NULL, SIG1(DKIMR_PASS, "sub.alg.test"), false, DMR_TEMPERROR,
	  "alg.test", DMP_REJECT, DMP_REJECT, false, false, false,
	  "temporary error checking an aligned DKIM identifier for alg.test", 3 },
	{ "the same by the PSL: aligned without a query", PSL, "a@alg.test", SPFR_NONE,
	  NULL, SIG1(DKIMR_PASS, "sub.alg.test"), false, DMR_PASS, "alg.test", DMP_REJECT,
	  DMP_NONE, false, false, true, NULL, 1 },
	{ "org domain of From unknown (TLD SERVFAIL), d= under another TLD: fail", TW,
	  "a@tf4.tfail", SPFR_NONE, NULL, SIG1(DKIMR_PASS, "evil.test"), false, DMR_FAIL,
	  "tf4.tfail", DMP_REJECT, DMP_REJECT, false, false, false, NULL, 2 },
	{ "org domain of From unknown (TLD SERVFAIL), d= under the same TLD: temperror",
	  TW, "a@tf4.tfail", SPFR_NONE, NULL, SIG1(DKIMR_PASS, "x.tfail"), false,
	  DMR_TEMPERROR, "tf4.tfail", DMP_REJECT, DMP_REJECT, false, false, false, NULL, 2 },
	{ "a PSD without psd=y is an org domain: d=evil.nopsd aligns", TW,
	  "a@victim.nopsd", SPFR_NONE, NULL, SIG1(DKIMR_PASS, "evil.nopsd"), false,
	  DMR_PASS, "nopsd", DMP_REJECT, DMP_NONE, false, false, true, NULL, 3 },
	{ "the same by the PSL: no record, not aligned", PSL, "a@victim.nopsd", SPFR_NONE,
	  NULL, SIG1(DKIMR_PASS, "evil.nopsd"), false, DMR_NONE, NOPOL, false, false,
	  false, NULL, 1 },
	{ "B.4.1: example.com and signing.example.com, both align", BOTH,
	  "a@example.com", SPFR_PASS, "example.com",
	  SIG1(DKIMR_PASS, "signing.example.com"), false, DMR_PASS, "example.com",
	  DMP_REJECT, DMP_NONE, false, true, true, NULL, 0 },
	{ "B.4.2: deep Author Domain, 8 queries then signing.example.com", TW,
	  "a@a.b.c.d.e.f.g.h.i.j.k.example.com", SPFR_PASS, "example.com",
	  SIG1(DKIMR_PASS, "signing.example.com"), false, DMR_PASS, "example.com",
	  DMP_QUARANTINE, DMP_NONE, false, true, true, NULL, 9 },

	/* From problems */
	{ "bad From: permerror", BOTH, "a@example.com, b@evil.test", SPFR_PASS,
	  "example.com", NOSIG, false, DMR_PERMERROR, NOPOL, false, false, false,
	  "From has several domains", -1 },
};

/* test_check - the dmarc_check table, in each discovery mode it names */
static void
test_check(struct dmarc_engine *e, struct dns_resolver *r)
{
	struct config cfg;
	size_t i, j;
	unsigned m;

	for (i = 0; i < NELEM(check_cases); i++)
	for (m = TW; m <= PSL; m <<= 1) {
		const struct check_case *c = &check_cases[i];
		struct dkv_result sigs[2];
		const struct dkv_result *sigp[2];
		struct spf_outcome spf;
		struct dmarc_input in;
		struct dmarc_outcome out;
		struct dns_session s;
		const char *fv[1];
		const char *mn = m == TW ? "treewalk" : "psl";

		if ((c->modes & m) == 0)
			continue;
		memset(&cfg, 0, sizeof(cfg));
		cfg.dmarc_np = c->np;
		cfg.dmarc_org_domain = m == TW ? DMD_TREEWALK : DMD_PSL;
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
		in.cfg = &cfg;
		dns_session_init(&s, r, 1000);
		dmarc_check(e, &s, &in, &out);

		is_string(dmarc_result_name(c->want), dmarc_result_name(out.result),
		    "%s [%s]: result", c->name, mn);
		is_string(c->policy_domain, out.policy_domain, "%s [%s]: policy domain",
		    c->name, mn);
		is_int(c->applied, out.applied, "%s [%s]: applied policy", c->name, mn);
		is_int(c->disposition, out.disposition, "%s [%s]: disposition", c->name, mn);
		is_int(c->testing, out.testing, "%s [%s]: testing", c->name, mn);
		is_int(c->spf_al, out.spf_aligned, "%s [%s]: SPF aligned", c->name, mn);
		is_int(c->dkim_al, out.dkim_aligned, "%s [%s]: DKIM aligned", c->name, mn);
		is_int(c->want == DMR_PERMERROR, out.bad_from, "%s [%s]: bad_from", c->name, mn);
		is_int(m == TW ? DMD_TREEWALK : DMD_PSL, out.discovery, "%s [%s]: discovery",
		    c->name, mn);
		ok(out.reason != NULL && out.reason[0] != '\0', "%s [%s]: has a reason",
		    c->name, mn);
		if (c->reason != NULL)
			is_string(c->reason, out.reason, "%s [%s]: reason", c->name, mn);
		if (c->queries > 0)
			is_int(c->queries, (long)s.queries, "%s [%s]: DNS queries", c->name, mn);
		else if (c->queries < 0)
			is_int(0, (long)s.queries, "%s [%s]: no DNS query", c->name, mn);
		dmarc_outcome_clear(&out);
	}
}

/* test_walk_budget - many identifiers under one org domain: at most 32 queries */
static void
test_walk_budget(struct dmarc_engine *e, struct dns_resolver *r)
{
	const char *fv[1] = { "x@example.com" };
	struct dkv_result sigs[12];
	const struct dkv_result *sigp[12];
	char names[12][64];
	struct dmarc_input in;
	struct dmarc_outcome out;
	struct dns_session s;
	size_t i;

	memset(&in, 0, sizeof(in));
	memset(sigs, 0, sizeof(sigs));
	for (i = 0; i < 12; i++) {
		snprintf(names[i], sizeof(names[i]), "q%zu.r%zu.s%zu.t%zu.example.com",
		    i, i, i, i);
		sigs[i].result = DKIMR_TEMPERROR;
		sigs[i].domain = names[i];
		sigp[i] = &sigs[i];
	}
	in.from_values = fv;
	in.nfrom = 1;
	in.dkim = sigp;
	in.ndkim = 12;
	dns_session_init(&s, r, 1000);
	dmarc_check(e, &s, &in, &out);
	is_int(32, (long)s.queries, "walk budget: 12 identifiers ask 32 names, no more");
	is_string("temperror", dmarc_result_name(out.result),
	    "walk budget: identifiers left unwalked are unknown: temperror");
	ok(out.dkim_temperror, "walk budget: DKIM temperror hint");
	dmarc_outcome_clear(&out);
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
	is_int(50, out.pct, "pct50.test: pct=50 reported as published");
	ok(!out.testing, "pct50.test: not testing");
	is_int('u', out.psd, "pct50.test: psd absent is u");
	dmarc_outcome_clear(&out);

	fv[0] = "x@x.bank.example";
	dns_session_init(&s, r, 1000);
	dmarc_check(e, &s, &in, &out);
	is_int('y', out.psd, "x.bank.example: the PSD record's psd=y");
	ok(out.found_at_org, "x.bank.example: record not at the From domain");
	is_int(DMD_TREEWALK, out.discovery, "default discovery is the tree walk");
	dmarc_outcome_clear(&out);

	fv[0] = "x@a.mail.psdn.test";
	dns_session_init(&s, r, 1000);
	dmarc_check(e, &s, &in, &out);
	is_int('n', out.psd, "a.mail.psdn.test: psd=n");
	dmarc_outcome_clear(&out);

	fv[0] = "x@trej.test";
	dns_session_init(&s, r, 1000);
	dmarc_check(e, &s, &in, &out);
	ok(out.testing, "trej.test: t=y is testing");
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
	is_int(DMR_TEMPERROR, out.result, "aligned SPF temperror: result temperror");
	is_int(DMP_REJECT, out.disposition, "aligned SPF temperror: disposition kept");
	ok(out.spf_temperror, "aligned SPF temperror flagged");
	ok(!out.dkim_temperror, "unaligned DKIM temperror not flagged");
	dmarc_outcome_clear(&out);

	spf.domain = "evil.test";
	sig.domain = "mail.example.com";
	dns_session_init(&s, r, 1000);
	dmarc_check(e, &s, &in, &out);
	ok(!out.spf_temperror, "unaligned SPF temperror not flagged");
	ok(out.dkim_temperror, "aligned DKIM temperror flagged");
	is_int(DMR_TEMPERROR, out.result, "aligned DKIM temperror: result temperror");
	dmarc_outcome_clear(&out);

	spf.domain = "evil.test";
	sig.domain = "evil.test";
	dns_session_init(&s, r, 1000);
	dmarc_check(e, &s, &in, &out);
	is_int(DMR_FAIL, out.result, "unaligned temperrors only: result fail");
	dmarc_outcome_clear(&out);
}

/* test_uri_list - dmarc_uri_next: the one rua= splitter (lib/report uses it too) */
static void
test_uri_list(void)
{
	static const struct {
		const char *list;
		size_t n;			/* elements */
		const char *first;		/* first URI, without !size */
		const char *size;		/* its size text, or NULL */
		size_t scheme;			/* its scheme length */
		bool valid;
	} cases[] = {
		{ "mailto:a@example.com", 1, "mailto:a@example.com", NULL, 6, true },
		{ " mailto:a@x.test !10m , mailto:b@x.test", 2, "mailto:a@x.test", "10m",
		  6, true },
		{ ",,\r\n https://r.example/x ,", 1, "https://r.example/x", NULL, 5, true },
		{ "mailto:", 1, "mailto:", NULL, 6, false },
		{ "not a uri", 1, "not a uri", NULL, 0, false },
		{ "1mailto:a@b", 1, "1mailto:a@b", NULL, 0, false },
		{ "mailto:a b@c", 1, "mailto:a b@c", NULL, 6, false },
		{ "x+y.z-1:rest!", 1, "x+y.z-1:rest", "", 7, true },
		{ "", 0, NULL, NULL, 0, false },
	};
	size_t i, n;

	for (i = 0; i < NELEM(cases); i++) {
		const char *p = cases[i].list, *end = p + strlen(p);
		struct dmarc_uri u, first;
		char buf[64];

		memset(&first, 0, sizeof(first));
		for (n = 0; dmarc_uri_next(&p, end, &u); n++)
			if (n == 0)
				first = u;
		is_int((long)cases[i].n, (long)n, "uri list \"%s\": elements", cases[i].list);
		if (cases[i].first == NULL)
			continue;
		snprintf(buf, sizeof(buf), "%.*s", (int)first.len, first.uri);
		is_string(cases[i].first, buf, "uri list \"%s\": first URI", cases[i].list);
		if (cases[i].size != NULL) {
			snprintf(buf, sizeof(buf), "%.*s", (int)first.size_len, first.size);
			is_string(cases[i].size, buf, "uri list \"%s\": size", cases[i].list);
		} else
			ok(first.size == NULL, "uri list \"%s\": no size", cases[i].list);
		is_int((long)cases[i].scheme, (long)first.scheme_len, "uri list \"%s\": scheme",
		    cases[i].list);
		is_int(cases[i].valid, first.valid, "uri list \"%s\": valid", cases[i].list);
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
	test_uri_list();
	tl_dmarc_fixture(&psl, &r, &e);
	test_aligned(psl);
	memset(&cfg, 0, sizeof(cfg));
	ok(dmarc_engine_new(&cfg, NULL, &err) == NULL, "engine without a PSL refused");
	test_check(e, r);
	test_outcome_fields(e, r);
	test_temperror_hints(e, r);
	test_walk_budget(e, r);
	dmarc_engine_free(e);
	dns_resolver_free(r);
	psl_free(psl);
	buf_free(&err);
	return done_testing();
}
