/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * spf_test.c - lib/spf: results, identities, RFC 7208 limits across includes, DNS
 * errors, CVE-2023-42118 records, loopback, Received-SPF text, threads
 * DESCRIPTION
 *	Zones: $TDATA/spf/basic.zone and limits.zone (each line says what it is for);
 *	the CVE records are built here (thousands of bytes). Expected results come
 *	from RFC 7208, expected query counts from its section 4.6.4 (one query for the
 *	checked domain's record, one per DNS-querying term, plus the address lookups
 *	of MX/PTR names), never from running the code.
 */
#include "autoconf.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "log.h"
#include "spf.h"
#include "tap.h"
#include "testlib.h"
#include "util.h"

#define NONE	SPFR_NONE
#define NEUTRAL	SPFR_NEUTRAL
#define PASS	SPFR_PASS
#define FAIL	SPFR_FAIL
#define SOFT	SPFR_SOFTFAIL
#define TEMP	SPFR_TEMPERROR
#define PERM	SPFR_PERMERROR

struct scase {
	const char *ip, *helo, *mailfrom;
	bool helo_identity;
	enum spf_result want;
	const char *why;		/* what the case shows */
};

static const struct scase basic_cases[] = {
	{ "192.0.2.1", "mx.client.example", "user@pass.example", false, PASS, "ip4 match" },
	{ "198.51.100.9", "mx.client.example", "user@pass.example", false, FAIL, "-all" },
	{ "2001:db8:1::5", "mx.client.example", "user@pass.example", false, PASS, "ip6 match" },
	{ "2001:db8:2::5", "mx.client.example", "user@pass.example", false, FAIL, "ip6 no match" },
	{ "::ffff:192.0.2.1", "mx.client.example", "user@pass.example", false, PASS,
	  "IPv4-mapped IPv6 is IPv4 (5/9/2)" },
	{ "198.51.100.9", "mx.client.example", "user@soft.example", false, SOFT, "~all" },
	{ "198.51.100.9", "mx.client.example", "user@neutral.example", false, NEUTRAL, "?all" },
	{ "198.51.100.9", "mx.client.example", "user@nopolicy.example", false, NEUTRAL,
	  "empty record (4.7)" },
	{ "198.51.100.9", "mx.client.example", "user@other.example", false, NONE,
	  "TXT without v=spf1" },
	{ "198.51.100.9", "mx.client.example", "user@absent.example", false, NONE, "NXDOMAIN" },
	{ "192.0.2.1", "mx.client.example", "user@syntax.example", false, PERM, "bad ip4" },
	{ "192.0.2.1", "mx.client.example", "user@badmech.example", false, PERM,
	  "unknown mechanism" },
	{ "192.0.2.1", "mx.client.example", "user@two.example", false, PERM, "two records (4.5)" },
	{ "192.0.2.1", "mx.client.example", "user@split.example", false, PASS,
	  "strings concatenated (3.3)" },
	{ "192.0.2.1", "mx.client.example", "user@servfail.example", false, TEMP,
	  "SERVFAIL for the record" },
	{ "192.0.2.1", "mx.client.example", "user@timeout.example", false, TEMP,
	  "timeout for the record" },
	{ "192.0.2.1", "mx.client.example", "user@incfail.example", false, TEMP,
	  "SERVFAIL inside include (5.2)" },
	{ "192.0.2.1", "mx.client.example", "user@incnone.example", false, PERM,
	  "include of a domain without SPF (5.2)" },
	{ "192.0.2.1", "mx.client.example", "user@incpass.example", false, PASS, "include pass" },
	{ "198.51.100.9", "mx.client.example", "user@incpass.example", false, FAIL,
	  "include no match" },
	{ "192.0.2.1", "mx.client.example", "user@redir.example", false, PASS, "redirect" },
	{ "198.51.100.9", "mx.client.example", "user@redir.example", false, FAIL,
	  "redirect target's -all" },
	{ "192.0.2.26", "mx.client.example", "user@mx.example", false, PASS, "second MX" },
	{ "198.51.100.9", "mx.client.example", "user@mx.example", false, FAIL, "mx no match" },
	{ "192.0.2.25", "mx.client.example", "user@ptr.example", false, PASS, "validated PTR" },
	{ "192.0.2.26", "mx.client.example", "user@ptr.example", false, FAIL,
	  "PTR name outside the domain" },
	{ "198.51.100.9", "mx.client.example", "user@cidr0.example", false, PASS,
	  "a:/0 matches any address when the name has A records" },
	{ "198.51.100.9", "mx.client.example", "user@after.example", false, NEUTRAL,
	  "redirect ignored beside all (6.1)" },
	{ "198.51.100.9", "mx.client.example", "user@exp.example", false, FAIL,
	  "exp= does not change the result" },
	/* identities */
	{ "192.0.2.5", "mail.helo.example", "", true, PASS, "HELO identity" },
	{ "198.51.100.9", "mail.helo.example", "", true, FAIL, "HELO identity fail" },
	{ "192.0.2.5", "mail.helo.example", "", false, PASS, "null sender -> postmaster@HELO" },
	{ "192.0.2.5", "mail.helo.example", "<>", false, PASS, "<> is the null sender" },
	{ "192.0.2.5", "[192.0.2.5]", "", false, NONE, "HELO address literal (4.3)" },
	{ "192.0.2.5", "localhost", "", true, NONE, "HELO not a FQDN (4.3)" },
	{ "192.0.2.5", "192.0.2.5", "", true, NONE, "HELO bare address" },
	{ "192.0.2.5", "", "", false, NONE, "no HELO, null sender" },
	{ "192.0.2.1", "mx.client.example", "<user@pass.example>", false, PASS,
	  "angle brackets stripped" },
	{ "192.0.2.1", "mx.client.example", "@pass.example", false, PASS,
	  "no local-part: postmaster (4.3)" },
	{ "192.0.2.1", "mx.client.example", "user@PASS.Example.", false, PASS,
	  "case and final dot" },
	{ "192.0.2.1", "mx.client.example", "user@", false, NONE, "no domain" },
	{ "192.0.2.1", "mx.client.example", "user", false, NONE, "no @" },
	{ "192.0.2.1", "mx.client.example", "user@[192.0.2.1]", false, NONE,
	  "domain literal (4.3)" },
	{ "192.0.2.1", "mx.client.example", "user@a..pass.example", false, NONE,
	  "empty label (4.3)" },
	{ "not-an-ip", "mx.client.example", "user@pass.example", false, NONE,
	  "client address not an IP literal" },
	/* loopback: no free pass (libspf2 would say pass "localhost is always allowed") */
	{ "127.0.0.1", "localhost", "user@loop.example", false, FAIL, "127.0.0.1 evaluated" },
	{ "::1", "localhost", "user@loop.example", false, FAIL, "::1 evaluated" },
	{ "127.0.0.1", "localhost", "user@looppass.example", false, PASS,
	  "127.0.0.1 listed" },
};

struct lcase {
	const char *ip, *mailfrom;
	enum spf_result want;
	unsigned queries;	/* backend queries expected (RFC 7208 4.6.4 budget) */
	const char *reason;	/* substring of the reason, or NULL */
	const char *why;
};

static const struct lcase limit_cases[] = {
	{ "192.0.2.1", "u@c0.chain.example", PERM, 11, "DNS lookup limit of 10",
	  "12 nested includes: the record + 10 includes asked, the 11th refused" },
	{ "192.0.2.1", "u@top.ten.example", PASS, 11, NULL,
	  "10 nested includes: at the limit" },
	{ "192.0.2.1", "u@spread.example", PERM, 11, "DNS lookup limit of 10",
	  "11 terms over two includes" },
	{ "192.0.2.1", "u@void2.example", PASS, 3, NULL, "2 void lookups allowed" },
	{ "192.0.2.1", "u@void3.example", PERM, 4, "void lookups",
	  "3 void lookups (NXDOMAIN for a, mx, a)" },
	{ "192.0.2.1", "u@voidnodata.example", PERM, 4, "void lookups",
	  "NODATA counts as void" },
	{ "192.0.2.10", "u@mx10.example", PASS, 12, NULL, "10 MX names evaluated" },
	{ "192.0.2.10", "u@mx11.example", PERM, 2, "more than 10 MX",
	  "11 MX names: permerror, no address lookups" },
	{ "192.0.2.11", "u@ptr11.example", FAIL, 12, NULL,
	  "11 PTR names: the 11th ignored, NXDOMAIN hosts not void" },
	{ "192.0.2.1", "u@incfail.example", TEMP, 2, "failed temporarily",
	  "SERVFAIL inside include" },
	{ "192.0.2.1", "u@afail.example", TEMP, 2, "failed temporarily", "SERVFAIL for a:" },
	{ "192.0.2.1", "u@mxterms.example", PASS, 31, NULL,
	  "10 mx terms with 2 names each: 20 address lookups are not terms" },
	{ "192.0.2.1", "u@mxa10.example", PASS, 21, NULL,
	  "5 x (mx, a for its first name): 10 terms" },
	{ "192.0.2.1", "u@mxa11.example", PERM, 21, "DNS lookup limit of 10",
	  "the same + a for the second MX name: 11 terms" },
};

struct rcase {
	const char *rec;
	const char *ip;		/* the client */
	const char *want;	/* record handed to libspf2; NULL: syntax error */
};

#define C4 "192.0.2.1"
#define C6 "2001:db8::1"

/* RFC 7208 section 12 syntax, and the equivalent records libspf2 is given */
static const struct rcase record_cases[] = {
	{ "v=spf1", C4, "v=spf1" },
	{ "v=spf1 ip4:192.0.2.0/24 -all", C4, "v=spf1 all" },
	{ "v=spf1 ip4:192.0.2.0/24 -all", "192.0.3.1", "v=spf1 -all" },
	{ "v=spf1 -ip4:192.0.2.7/24 ~all", C4, "v=spf1 -all" },
	{ "v=spf1 ip4:192.0.2.2 ip4:192.0.2.1/32 -all", C4, "v=spf1 all" },
	{ "v=spf1 ip4:192.0.2.0/24 ?ip6:2001:db8::/32 -all", C6, "v=spf1 ?all" },
	{ "v=spf1 ip6:2001:db8::/33 ip6:2001:db9::/32 -all", C6, "v=spf1 all" },
	{ "v=spf1 ip6:2001:db8:8000::/33 -all", C6, "v=spf1 -all" },
	{ "V=SPF1   A:Example.COM/24//64  ~ALL  ", C4,
	  "v=spf1 A:Example.COM/24//64 ~ALL" },
	{ "v=spf1 redirect=_spf.example.com ip4:192.0.2.9", C4,
	  "v=spf1 redirect=_spf.example.com" },
	{ "v=spf1 redirect=_spf.example.com ip4:192.0.2.1", C4, "v=spf1 all" },
	{ "v=spf1 redirect=_spf.example.com -all", C4, "v=spf1 -all" },
	{ "v=spf1 -all exp=explain.%{d} moo.cow-far_out=man:dog/cat", C4,
	  "v=spf1 -all" },
	{ "v=spf1 a -all mx include:x.example", C4, "v=spf1 a -all" },
	{ "v=spf1 ip4:0.0.0.0/0 ?ip6:::/0", C4, "v=spf1 all" },
	{ "v=spf1 ip4:0.0.0.0/0 ?ip6:::/0", C6, "v=spf1 ?all" },
	{ "v=spf1 -a/0 mx:mx.example.com//0", C4,
	  "v=spf1 -a:%{d}.MARK mx:mx.example.com" },
	{ "v=spf1 -a/0 mx:mx.example.com.//0", C6,
	  "v=spf1 -a mx:mx.example.com.MARK" },
	{ "v=spf1 a:%{l1r-}.%{d2}.x.example exists:%{ir}.%{v}._spf.%{D} ptr:%{h}", C4,
	  "v=spf1 a:%{l1r-}.%{d2}.x.example exists:%{ir}.%{v}._spf.%{D} ptr:%{h}" },
	{ "v=spf1 a:foo:bar/baz.example.com include:foo.xn--zckzah", C4,
	  "v=spf1 a:foo:bar/baz.example.com include:foo.xn--zckzah" },
	/* 11 DNS terms are the most that can be evaluated (4.6.4): then "?all",
	 * at which libspf2 stops with its lookup-limit permerror */
	{ "v=spf1 a a a a a a mx mx mx mx mx ip4:192.0.2.1 a redirect=x.example", C4,
	  "v=spf1 a a a a a a mx mx mx mx mx ?all" },
	{ "v=spf1 a a a a a a mx mx mx mx mx redirect=x.example", C4,
	  "v=spf1 a a a a a a mx mx mx mx mx redirect=x.example" },
	{ "v=spf1 a a a a a ip4:198.51.100.1 a a a a a a -all", C4,
	  "v=spf1 a a a a a a a a a a a ?all" },
	/* syntax errors (each a permerror), also after what is written */
	{ "v=spf1 ip4:192.0.2.300", C4, NULL },
	{ "v=spf1 -all ip4:192.0.2.300", C4, NULL },
	{ "v=spf1 ip4:192.0.2.1 frobnicate", C4, NULL },
	{ "v=spf1 ip4:192.0.02.1", C4, NULL },
	/* a run of digits longer than an int holds (no signed overflow: UBSan) */
	{ "v=spf1 ip4:4.22222222222222222222222.0.0/24", C4, NULL },
	{ "v=spf1 ip4:192.0.2.1/032", C4, NULL },
	{ "v=spf1 ip4:192.0.2.1/33", C4, NULL },
	{ "v=spf1 ip4:192.0.2.1//32", C4, NULL },
	{ "v=spf1 ip6:2001:db8::/129", C4, NULL },
	{ "v=spf1 ip6::CAFE::BABE", C4, NULL },
	{ "v=spf1 a:example.com/24/64", C4, NULL },
	{ "v=spf1 a:111.222.33.44", C4, NULL },
	{ "v=spf1 a:museum.", C4, NULL },
	{ "v=spf1 a:example.-com", C4, NULL },
	{ "v=spf1 a:", C4, NULL },
	{ "v=spf1 include", C4, NULL },
	{ "v=spf1 include:example.com/24", C4, NULL },
	{ "v=spf1 exists:%{a}.example.com", C4, NULL },
	{ "v=spf1 exists:%{d0}.example.com", C4, NULL },
	{ "v=spf1 exists:%{r}.example.com", C4, NULL },
	{ "v=spf1 exists:%(ir).example.com", C4, NULL },
	{ "v=spf1 ptr/24", C4, NULL },
	{ "v=spf1 -all.", C4, NULL },
	{ "v=spf1 redirect:example.com", C4, NULL },
	{ "v=spf1 redirect=a.example redirect=b.example", C4, NULL },
	{ "v=spf1 exp=a.example exp=b.example -all", C4, NULL },
	{ "v=spf1 exp= -all", C4, NULL },
	{ "v=spf1 1up=foo", C4, NULL },
	{ "v=spf1 foo=%abc", C4, NULL },
	{ "v=spf1 -redirect=example.com", C4, NULL },
	{ "v=spf1 frobnicate", C4, NULL },
};

/* test_records - spf_record_rewrite() on its own */
static void
test_records(void)
{
	size_t i;

	for (i = 0; i < NELEM(record_cases); i++) {
		const struct rcase *c = &record_cases[i];
		unsigned char addr[16];
		int family = strchr(c->ip, ':') != NULL ? AF_INET6 : AF_INET;
		struct buf out;
		const char *why;

		if (inet_pton(family, c->ip, addr) != 1)
			bail("bad test address %s", c->ip);
		buf_init(&out);
		why = spf_record_rewrite(c->rec, strlen(c->rec), family, addr, "MARK", &out);
		if (c->want == NULL)
			ok(why != NULL, "syntax error: [%s] (%s)", c->rec, why ? why : "accepted");
		else if (ok(why == NULL, "valid: [%s] for %s%s%s", c->rec, c->ip,
		    why ? ": " : "", why ? why : ""))
			is_string(c->want, buf_str(&out), "  handed to libspf2 as [%s]", c->want);
		buf_free(&out);
	}
}

/* open_zone - a zone from $TDATA/spf; bails out when it does not load */
static struct dns_resolver *
open_zone(const char *name)
{
	struct buf err;
	struct dns_resolver *r;
	char rel[64];

	snprintf(rel, sizeof rel, "spf/%s", name);
	buf_init(&err);
	if ((r = dns_zone_open(tap_path("TDATA", rel), &err)) == NULL)
		bail("zone %s: %s", name, buf_str(&err));
	buf_free(&err);
	return r;
}

/* test_basic - every result and identity rule */
static void
test_basic(struct spf_engine *e, struct dns_resolver *z)
{
	size_t i;

	for (i = 0; i < NELEM(basic_cases); i++) {
		const struct scase *c = &basic_cases[i];
		struct dns_session s;
		struct spf_outcome o;

		dns_session_init(&s, z, 1000);
		spf_check(e, &s, c->ip, c->helo, c->mailfrom, c->helo_identity, &o);
		if (!is_string(spf_result_name(c->want), spf_result_name(o.result),
		    "%s: %s %s helo=%s from=<%s>", c->why, c->ip,
		    c->helo_identity ? "helo" : "mailfrom", c->helo, c->mailfrom))
			diag("    reason: %s", o.reason);
		ok(o.reason != NULL && o.reason[0] != '\0', "%s: has a reason", c->why);
		spf_outcome_clear(&o);
	}
}

/* test_outcome_fields - domain, sender, identity flags */
static void
test_outcome_fields(struct spf_engine *e, struct dns_resolver *z)
{
	struct dns_session s;
	struct spf_outcome o;

	dns_session_init(&s, z, 1000);
	spf_check(e, &s, "192.0.2.5", "Mail.Helo.Example", "", false, &o);
	is_string("postmaster@mail.helo.example", o.sender, "null sender: sender");
	is_string("mail.helo.example", o.domain, "null sender: domain");
	ok(o.helo_identity && o.null_sender, "null sender: helo identity, null_sender");
	is_string("Mail.Helo.Example", o.helo, "helo kept as given");
	spf_outcome_clear(&o);

	spf_check(e, &s, "192.0.2.5", "mail.helo.example", "", true, &o);
	ok(o.helo_identity && !o.null_sender, "HELO check: helo identity, not null sender");
	spf_outcome_clear(&o);

	spf_check(e, &s, "192.0.2.1", "x.example", "<Some.One@PASS.example>", false, &o);
	is_string("Some.One@pass.example", o.sender, "sender: local-part kept, domain lower");
	is_string("pass.example", o.domain, "domain");
	is_string("192.0.2.1", o.ip, "ip");
	is_string("192.0.2.1 is permitted by pass.example", o.reason, "pass reason");
	ok(!o.helo_identity, "MAIL FROM identity");
	spf_outcome_clear(&o);

	spf_check(e, &s, "198.51.100.9", "x.example", "a@pass.example", false, &o);
	is_string("198.51.100.9 is not permitted by pass.example", o.reason, "fail reason");
	spf_outcome_clear(&o);

	spf_check(e, &s, "192.0.2.1", "x.example", "a@two.example", false, &o);
	ok(o.reason != NULL && strstr(o.reason, "more than one SPF record") != NULL,
	    "two records: reason says so (%s)", o.reason);
	spf_outcome_clear(&o);

	spf_check(e, &s, "192.0.2.1", "x.example", "a@syntax.example", false, &o);
	ok(o.reason != NULL && strstr(o.reason, "syntax error") != NULL,
	    "syntax error: reason says so (%s)", o.reason);
	spf_outcome_clear(&o);

	/* the explanation record is never fetched: one query for the record only */
	dns_session_init(&s, z, 1000);
	spf_check(e, &s, "198.51.100.9", "x.example", "a@exp.example", false, &o);
	is_int(1, s.queries, "exp=: the explanation TXT is not looked up");
	spf_outcome_clear(&o);

	/* deadline already passed: temperror without waiting */
	dns_session_init(&s, z, 1000);
	dns_session_set_deadline(&s, 0);
	spf_check(e, &s, "192.0.2.1", "x.example", "a@pass.example", false, &o);
	is_string("temperror", spf_result_name(o.result), "deadline passed: temperror");
	ok(o.reason != NULL && strstr(o.reason, "ran out of time") != NULL,
	    "deadline reason (%s)", o.reason);
	is_int(0, s.queries, "deadline passed: no query reached the backend");
	spf_outcome_clear(&o);
}

/* test_limits - RFC 7208 4.6.4 with exact query counts */
static void
test_limits(struct spf_engine *e, struct dns_resolver *z)
{
	size_t i;

	for (i = 0; i < NELEM(limit_cases); i++) {
		const struct lcase *c = &limit_cases[i];
		struct dns_session s;
		struct spf_outcome o;

		dns_session_init(&s, z, 1000);
		spf_check(e, &s, c->ip, "mx.client.example", c->mailfrom, false, &o);
		if (!is_string(spf_result_name(c->want), spf_result_name(o.result), "%s",
		    c->why))
			diag("    reason: %s", o.reason);
		is_int(c->queries, s.queries, "%s: queries", c->why);
		if (c->reason != NULL)
			ok(o.reason != NULL && strstr(o.reason, c->reason) != NULL,
			    "%s: reason \"%s\"", c->why, o.reason);
		spf_outcome_clear(&o);
	}
}

/* zone_txt - add "NAME TXT "text"" (text has no quotes or backslashes) */
static void
zone_txt(struct dns_resolver *z, const char *name, const char *text)
{
	struct buf line, err;

	buf_init(&line);
	buf_init(&err);
	buf_printf(&line, "%s TXT \"%s\"", name, text);
	if (dns_zone_add_line(z, buf_str(&line), &err) < 0)
		bail("zone line for %s: %s", name, buf_str(&err));
	buf_free(&line);
	buf_free(&err);
}

/* test_cve - CVE-2023-42118 records never reach libspf2's compiler */
static void
test_cve(struct spf_engine *e)
{
	struct dns_resolver *z = dns_zone_new();
	char *macros = tl_repeat("%{d}", 127), *lit5000 = tl_repeat("x", 5000),
	    *lit500 = tl_repeat("x", 500), *rec, *exp, *ok511, *bad512;
	struct dns_session s;
	struct spf_outcome o;
	size_t n;

	/* the attack record: 127 macros and a ~5000-byte literal in one term */
	rec = xmalloc(strlen(macros) + strlen(lit5000) + 32);
	sprintf(rec, "v=spf1 a:%s%s -all", macros, lit5000);
	zone_txt(z, "cve.example", rec);
	zone_txt(z, "inc.example", "v=spf1 include:cve.example -all");
	/* the exp= variant: explanation of 127 macros + 500 bytes */
	exp = xmalloc(strlen(macros) + strlen(lit500) + 1);
	sprintf(exp, "%s%s", macros, lit500);
	zone_txt(z, "cveexp.example", "v=spf1 -all exp=explain.cveexp.example");
	zone_txt(z, "explain.cveexp.example", exp);
	/* the boundary: a 511-byte term passes the filter, 512 does not (an unknown
	 * modifier: valid, and without effect on the result, RFC 7208 6) */
	n = 511 - strlen("foo=");
	ok511 = xmalloc(600);
	bad512 = xmalloc(600);
	snprintf(ok511, 600, "v=spf1 -all foo=%.*s", (int)n, lit5000);
	snprintf(bad512, 600, "v=spf1 -all foo=%.*s", (int)n + 1, lit5000);
	zone_txt(z, "ok511.example", ok511);
	zone_txt(z, "bad512.example", bad512);

	dns_session_init(&s, z, 1000);
	spf_check(e, &s, "192.0.2.1", "x.example", "a@cve.example", false, &o);
	is_string("permerror", spf_result_name(o.result), "CVE-2023-42118 record: permerror");
	ok(o.reason != NULL && strstr(o.reason, "hostile SPF record") != NULL,
	    "CVE record: reason \"%s\"", o.reason);
	ok(s.spf_hostile, "CVE record: session marked hostile");
	spf_outcome_clear(&o);

	dns_session_init(&s, z, 1000);
	spf_check(e, &s, "192.0.2.1", "x.example", "a@inc.example", false, &o);
	is_string("permerror", spf_result_name(o.result), "CVE record via include: permerror");
	spf_outcome_clear(&o);

	dns_session_init(&s, z, 1000);
	spf_check(e, &s, "192.0.2.1", "x.example", "a@cveexp.example", false, &o);
	is_string("fail", spf_result_name(o.result),
	    "CVE exp= variant: the process survives, -all gives fail (exp= ignored)");
	is_int(1, s.queries, "CVE exp= variant: the explanation is never fetched");
	spf_outcome_clear(&o);

	dns_session_init(&s, z, 1000);
	spf_check(e, &s, "192.0.2.1", "x.example", "a@ok511.example", false, &o);
	if (!is_string("fail", spf_result_name(o.result), "511-byte term: evaluated (fail)"))
		diag("    reason: %s", o.reason);
	spf_outcome_clear(&o);
	spf_check(e, &s, "192.0.2.1", "x.example", "a@bad512.example", false, &o);
	is_string("permerror", spf_result_name(o.result), "512-byte term: permerror");
	ok(o.reason != NULL && strstr(o.reason, "hostile") != NULL,
	    "512-byte term: our filter (%s)", o.reason);
	spf_outcome_clear(&o);

	free(macros);
	free(lit5000);
	free(lit500);
	free(rec);
	free(exp);
	free(ok511);
	free(bad512);
	dns_resolver_free(z);
}

/* zone_big - add NAME TXT "v=spf1" + n terms "ip4:10.H.L.1" (or ip6
 * 2001:db8:N::/48) + tail */
static void
zone_big(struct dns_resolver *z, const char *name, unsigned n, bool v6, const char *tail)
{
	struct buf b;
	unsigned i;

	buf_init(&b);
	buf_adds(&b, "v=spf1");
	for (i = 0; i < n; i++)
		if (v6)
			buf_printf(&b, " ip6:2001:db8:%x::/48", i + 1);
		else
			buf_printf(&b, " ip4:10.%u.%u.1", i / 200, i % 200);
	buf_printf(&b, " %s", tail);
	zone_txt(z, name, buf_str(&b));
	buf_free(&b);
}

/* big_case - one evaluation against the big-record zone */
static void
big_case(struct spf_engine *e, struct dns_resolver *z, const char *ip,
    const char *from, enum spf_result want, unsigned queries, const char *why)
{
	struct dns_session s;
	struct spf_outcome o;

	dns_session_init(&s, z, 1000);
	spf_check(e, &s, ip, "x.example", from, false, &o);
	if (!is_string(spf_result_name(want), spf_result_name(o.result), "%s: %s from %s",
	    why, ip, from))
		diag("    reason: %s", o.reason);
	if (queries > 0)
		is_int(queries, s.queries, "%s: %u queries", why, queries);
	spf_outcome_clear(&o);
}

/* test_big_records - more terms than libspf2 compiles (it kept ~64 ip4 or ~25 ip6
 * terms, and a lost -all made fail neutral): results as RFC 7208 gives them */
static void
test_big_records(struct spf_engine *e)
{
	static const unsigned sizes[] = { 63, 64, 65, 200 };
	struct dns_resolver *z = dns_zone_new();
	struct buf name, err, rec;
	size_t i;

	buf_init(&name);
	buf_init(&err);
	buf_init(&rec);
	for (i = 0; i < NELEM(sizes); i++) {
		buf_reset(&name);
		buf_printf(&name, "big%u.example", sizes[i]);
		zone_big(z, buf_str(&name), sizes[i], false, "-all");
	}
	zone_txt(z, "inc200.example", "v=spf1 include:big200.example -all");
	zone_txt(z, "incpass200.example", "v=spf1 include:pass200.example -all");
	zone_big(z, "pass200.example", 200, false, "+all");
	zone_big(z, "redir200.example", 200, false, "redirect=target.example");
	zone_txt(z, "target.example", "v=spf1 ip4:198.51.100.0/24 -all");
	zone_txt(z, "toredir200.example", "v=spf1 redirect=big200.example");
	zone_big(z, "big6.example", 40, true, "-all");
	/* 10 a: terms with long names (each exists, none matches) and -all:
	 * 10 DNS terms are allowed, but libspf2 cannot hold them compiled */
	buf_adds(&rec, "v=spf1");
	for (i = 0; i < 10; i++)
		buf_printf(&rec, " a:host%zu.a-rather-long-label-for-an-spf-test.w.example", i);
	buf_adds(&rec, " -all");
	zone_txt(z, "long.example", buf_str(&rec));
	if (dns_zone_add_line(z, "*.w.example A 192.0.2.200", &err) < 0)
		bail("zone: %s", buf_str(&err));

	for (i = 0; i < NELEM(sizes); i++) {
		char from[64], last[32];
		unsigned n = sizes[i] - 1;

		snprintf(from, sizeof from, "u@big%u.example", sizes[i]);
		snprintf(last, sizeof last, "10.%u.%u.1", n / 200, n % 200);
		buf_reset(&name);
		buf_printf(&name, "%u ip4 terms, -all: no match", sizes[i]);
		big_case(e, z, "198.51.100.1", from, FAIL, 1, buf_str(&name));
		buf_reset(&name);
		buf_printf(&name, "%u ip4 terms: the last one matches", sizes[i]);
		big_case(e, z, last, from, PASS, 1, buf_str(&name));
	}
	big_case(e, z, "10.0.100.1", "u@big200.example", PASS, 1,
	    "200 terms: the 101st matches");
	big_case(e, z, "10.0.0.1", "u@big200.example", PASS, 1,
	    "200 terms: the first matches");
	big_case(e, z, "198.51.100.1", "u@inc200.example", FAIL, 2,
	    "include of a 200-term record that fails: -all");
	big_case(e, z, "10.0.150.1", "u@inc200.example", PASS, 2,
	    "include of a 200-term record, 151st term matches");
	big_case(e, z, "198.51.100.1", "u@incpass200.example", PASS, 2,
	    "include of 200 terms then +all: pass");
	big_case(e, z, "198.51.100.1", "u@redir200.example", PASS, 2,
	    "200 terms then redirect=: the redirect target passes");
	big_case(e, z, "203.0.113.1", "u@redir200.example", FAIL, 2,
	    "200 terms then redirect=: the redirect target's -all");
	big_case(e, z, "10.0.199.1", "u@redir200.example", PASS, 1,
	    "200 terms then redirect=: the 200th term matches, no redirect");
	big_case(e, z, "198.51.100.1", "u@toredir200.example", FAIL, 2,
	    "redirect= to a 200-term record: its -all");
	big_case(e, z, "2001:db8:28:1::5", "u@big6.example", PASS, 1,
	    "40 ip6 terms: the 40th matches");
	big_case(e, z, "2001:db8:ffff::5", "u@big6.example", FAIL, 1,
	    "40 ip6 terms, -all: no match");
	big_case(e, z, "198.51.100.1", "u@long.example", PERM, 1,
	    "10 long a: terms that libspf2 cannot hold: permerror, not neutral");
	{
		struct dns_session s;
		struct spf_outcome o;

		dns_session_init(&s, z, 1000);
		spf_check(e, &s, "198.51.100.1", "x.example", "u@long.example", false, &o);
		ok(o.reason != NULL && strstr(o.reason, "too large") != NULL,
		    "long a: terms: reason \"%s\"", o.reason);
		spf_outcome_clear(&o);
	}
	buf_free(&name);
	buf_free(&err);
	buf_free(&rec);
	dns_resolver_free(z);
}

/* one_line_clean - no CR/LF/8-bit/CTL, balanced comments and quotes, < 998 bytes */
static bool
one_line_clean(const char *h, const char **why)
{
	int depth = 0;
	bool quoted = false;
	const char *p;

	if (strlen(h) >= 998) {
		*why = "too long";
		return false;
	}
	for (p = h; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (c < 0x20 || c > 0x7e) {
			*why = "CTL or 8-bit byte";
			return false;
		}
		if (c == '\\') {
			if (!quoted && depth == 0) {
				*why = "backslash outside quotes and comments";
				return false;
			}
			if (*++p == '\0')
				break;
			continue;
		}
		if (quoted) {
			if (c == '"')
				quoted = false;
		} else if (c == '"' && depth == 0)
			quoted = true;
		else if (c == '(')
			depth++;
		else if (c == ')' && --depth < 0) {
			*why = "unbalanced ')'";
			return false;
		}
	}
	if (quoted || depth != 0) {
		*why = quoted ? "unterminated quoted-string" : "unclosed comment";
		return false;
	}
	return true;
}

/* test_received - Received-SPF values */
static void
test_received(struct spf_engine *e, struct dns_resolver *z)
{
	static const char *const hostile[] = {
		"evil.example\r\nX-Injected: yes",
		"a(b)c)d((e",
		"quote\"here\\and\"there",
		"8bit-\xc3\xa9\xff.example",
		"paren) ; receiver=attacker.example; identity=helo (",
	};
	struct dns_session s;
	struct spf_outcome o;
	struct buf h;
	const char *why = "";
	size_t i;
	char *longhelo;

	buf_init(&h);
	dns_session_init(&s, z, 1000);
	spf_check(e, &s, "192.0.2.1", "mx.example.com", "user@pass.example", false, &o);
	spf_received_header(&o, "mx.example.net", &h);
	is_string("pass (mx.example.net: domain of user@pass.example designates 192.0.2.1 "
	    "as permitted sender) client-ip=192.0.2.1; envelope-from=\"user@pass.example\"; "
	    "helo=mx.example.com; receiver=mx.example.net; identity=mailfrom", buf_str(&h),
	    "Received-SPF for a pass (RFC 7208 9.1)");
	spf_outcome_clear(&o);

	buf_reset(&h);
	spf_check(e, &s, "2001:db8:1::5", "mail.helo.example", "", true, &o);
	spf_received_header(&o, "mx.example.net", &h);
	ok(strstr(buf_str(&h), "client-ip=\"2001:db8:1::5\";") != NULL &&
	    strstr(buf_str(&h), "identity=helo") != NULL,
	    "IPv6 client-ip quoted (':' is not atext), identity=helo: %s", buf_str(&h));
	spf_outcome_clear(&o);

	for (i = 0; i < NELEM(hostile); i++) {
		buf_reset(&h);
		spf_check(e, &s, "198.51.100.9", hostile[i], "", false, &o);
		spf_received_header(&o, "mx.example.net", &h);
		ok(one_line_clean(buf_str(&h), &why), "hostile HELO %zu stays one clean line "
		    "(%s): %s", i, why, buf_str(&h));
		ok(strstr(buf_str(&h), "; receiver=mx.example.net; identity=mailfrom") != NULL,
		    "hostile HELO %zu: our receiver and identity at the end", i);
		spf_outcome_clear(&o);

		buf_reset(&h);
		spf_check(e, &s, "198.51.100.9", "x.example", hostile[i], false, &o);
		spf_received_header(&o, "mx.example.net", &h);
		ok(one_line_clean(buf_str(&h), &why), "hostile MAIL FROM %zu stays one clean "
		    "line (%s): %s", i, why, buf_str(&h));
		spf_outcome_clear(&o);
	}
	longhelo = tl_repeat("\r\n(\"\xff", 2000);
	buf_reset(&h);
	spf_check(e, &s, "198.51.100.9", longhelo, longhelo, false, &o);
	spf_received_header(&o, longhelo, &h);
	ok(one_line_clean(buf_str(&h), &why), "8000-byte hostile HELO, MAIL FROM and "
	    "receiver: clean line of %zu bytes (%s)", h.len, why);
	spf_outcome_clear(&o);
	free(longhelo);
	buf_free(&h);
}

struct thr {
	struct spf_engine *e;
	struct dns_resolver *z;
	int rounds;
	int mismatches;
};

/* thread_main - many evaluations of the basic cases on the shared engine */
static void *
thread_main(void *arg)
{
	struct thr *t = arg;
	int r;
	size_t i;

	for (r = 0; r < t->rounds; r++)
		for (i = 0; i < NELEM(basic_cases); i++) {
			const struct scase *c = &basic_cases[i];
			struct dns_session s;
			struct spf_outcome o;

			dns_session_init(&s, t->z, 1000);
			spf_check(t->e, &s, c->ip, c->helo, c->mailfrom, c->helo_identity,
			    &o);
			if (o.result != c->want)
				t->mismatches++;
			spf_outcome_clear(&o);
		}
	return NULL;
}

/* test_threads - 8 threads on one engine and one resolver */
static void
test_threads(struct spf_engine *e, struct dns_resolver *z)
{
	struct thr t[8];
	pthread_t tid[8];
	int i, bad = 0, started = 0;

	for (i = 0; i < 8; i++) {
		t[i].e = e;
		t[i].z = z;
		t[i].rounds = 20;
		t[i].mismatches = 0;
		if (pthread_create(&tid[i], NULL, thread_main, &t[i]) == 0)
			started++;
		else
			tid[i] = 0;
	}
	for (i = 0; i < 8; i++)
		if (tid[i] != 0) {
			pthread_join(tid[i], NULL);
			bad += t[i].mismatches;
		}
	is_int(8, started, "8 threads started");
	is_int(0, bad, "8 threads x 20 rounds x %zu cases: no result differs",
	    NELEM(basic_cases));
}

int
main(void)
{
	struct spf_engine *e;
	struct dns_resolver *basic, *limits;
	struct buf err;

	setenv("MAILAUTH_ZONE_TIMEOUT_INSTANT", "1", 1);
	log_open("spf_test", LOG_MAIL, true);
	log_set_level(LOG_WARNING);
	plan(0);
	buf_init(&err);
	ok(spf_engine_new("", &err) == NULL && err.len > 0, "empty receiver refused");
	buf_reset(&err);
	if ((e = spf_engine_new("mx.example.net", &err)) == NULL)
		bail("spf_engine_new: %s", buf_str(&err));
	basic = open_zone("basic.zone");
	limits = open_zone("limits.zone");

	test_records();
	test_basic(e, basic);
	test_outcome_fields(e, basic);
	test_limits(e, limits);
	test_cve(e);
	test_big_records(e);
	test_received(e, basic);
	test_threads(e, basic);
	is_string("softfail", spf_result_name(SPFR_SOFTFAIL), "result names");

	dns_resolver_free(basic);
	dns_resolver_free(limits);
	spf_engine_free(e);
	buf_free(&err);
	return done_testing();
}
