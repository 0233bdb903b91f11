/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * authres_test.c - unit tests for lib/authres (RFC 8601 Authentication-Results)
 * DESCRIPTION
 *	1. Recogniser: every field of $TESTDATA/authres/authres-doctest-headers.tsv
 *	   (python3-authres 1.2.0 doctests, Apache-2.0, see its COPYRIGHT file) and of
 *	   $TESTDATA/authres/rfc8601-appendix-b.txt (RFC 8601 Appendix B). The
 *	   expected authserv-id of each is written in the tables below by hand from
 *	   the RFC 8601 grammar (authserv-id = value, after optional CFWS); the
 *	   appendix file's own E: lines are checked against our table too.
 *	2. Hostile values: comments, folding, quoted and malformed ids, readings of
 *	   comments that disagree with the RFC, 8-bit and control bytes.
 *	3. Builder: exact field values for the DESIGN.md shape, the null sender,
 *	   every SPF, DKIM and DMARC result, hostile network text, and 3000-byte
 *	   values (every line under 998 bytes).
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "authres.h"
#include "tap.h"

/* in file order: the authserv-id of each data line of authres-doctest-headers.tsv */
static const char *doctest_ids[] = {
	"test.example.org", "test.example.org", "example.com", "example.com",
	"example.com", "example.com", "example.com", "example.com",
	"relay02.example.org", "example.com", "example.com", "example.com",
	"example.net", "example.net", "mail-router.example.net",
	"mail-router.example.net", "example.com", "example.com",
	"mail-router.example.net", "mail-router.example.net", "mail-router.example.net",
	"mail-router.example.net", "mail-router.example.net", "example.com",
	"example.com", "example.com", "example.com", "mail.bmsi.com", "mail.bmsi.com",
	"example.com", "example.net", "example.net", "mx.example.com", "example.net",
	"example.com", "example.com", "mail.example.org", "mail.example.org",
	"mail.example.org", "mail.example.org", "thehesiod.com",
};

/* field_value - the value after "Authentication-Results:" (any case) */
static const char *
field_value(const char *field)
{
	const char *colon = strchr(field, ':');

	if (colon == NULL || strncasecmp(field, "Authentication-Results", 22) != 0)
		return NULL;
	return colon + 1;
}

/* unescape - \r \n \t \\ as the TSV writes them */
static void
unescape(char *s)
{
	char *o = s;

	for (; *s != '\0'; s++) {
		if (*s == '\\' && (s[1] == 'r' || s[1] == 'n' || s[1] == 't' || s[1] == '\\')) {
			s++;
			*o++ = *s == 'r' ? '\r' : *s == 'n' ? '\n' : *s == 't' ? '\t' : '\\';
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

/* test_doctest - every field of the python3-authres doctest file */
static void
test_doctest(void)
{
	FILE *fp = fopen(tap_path("TESTDATA", "authres/authres-doctest-headers.tsv"), "r");
	char line[8192], id[256];
	size_t n = 0;

	if (fp == NULL)
		bail("cannot open authres-doctest-headers.tsv");
	while (fgets(line, sizeof line, fp) != NULL) {
		char *field;
		const char *value;

		if (line[0] == '#' || strncmp(line, "kind\t", 5) == 0)
			continue;
		line[strcspn(line, "\n")] = '\0';
		if ((field = strrchr(line, '\t')) == NULL)
			continue;
		unescape(++field);
		value = field_value(field);
		if (n >= NELEM(doctest_ids)) {
			ok(0, "more doctest lines than expected ids");
			break;
		}
		ok(value != NULL && authres_servid(value, id, sizeof id) == 0 &&
		    strcmp(id, doctest_ids[n]) == 0, "doctest #%zu: authserv-id %s",
		    n + 1, doctest_ids[n]);
		ok(value != NULL && authres_claims_id(value, doctest_ids[n]) &&
		    !authres_claims_id(value, "mx.test.example"),
		    "doctest #%zu: claims %s only", n + 1, doctest_ids[n]);
		n++;
	}
	fclose(fp);
	is_int((long)NELEM(doctest_ids), (long)n, "every doctest line checked");
}

/*
 * RFC 8601 Appendix B: the authserv-id of each field, in file order, read by hand
 * from the RFC text (B.2 "example.org 1", B.3-B.5 "example.com" x5, B.6
 * "example.com" then "example.net", B.7 "foo.example.net (foobar) 1 (baz)").
 */
static const char *rfc_ids[] = {
	"example.org", "example.com", "example.com", "example.com", "example.com",
	"example.com", "example.com", "example.net", "foo.example.net",
};

/* test_rfc - RFC 8601 Appendix B fields: our table, and the file's own E: lines */
static void
test_rfc(void)
{
	FILE *fp = fopen(tap_path("TESTDATA", "authres/rfc8601-appendix-b.txt"), "r");
	char line[1024], id[256];
	struct buf fields[16];
	size_t nf = 0, ne = 0;

	if (fp == NULL)
		bail("cannot open rfc8601-appendix-b.txt");
	while (fgets(line, sizeof line, fp) != NULL) {
		if (strncmp(line, "H: ", 3) == 0 && nf < NELEM(fields)) {
			buf_init(&fields[nf]);
			buf_adds(&fields[nf++], line + 3);
		} else if ((line[0] == ' ' || line[0] == '\t') && nf > 0) {
			buf_adds(&fields[nf - 1], line);
		} else if (strncmp(line, "E: authserv-id=", 15) == 0 && ne < nf) {
			const char *want = line + 15;
			size_t wl = strcspn(want, " \n");

			is_int((long)strlen(rfc_ids[ne]), (long)wl,
			    "appendix B E: line %zu agrees with our table", ne + 1);
			ok(strncmp(want, rfc_ids[ne], wl) == 0,
			    "appendix B E: line %zu names %s", ne + 1, rfc_ids[ne]);
			ne++;
		}
	}
	fclose(fp);
	is_int((long)NELEM(rfc_ids), (long)nf, "all nine appendix B fields read");
	is_int((long)NELEM(rfc_ids), (long)ne, "one E: line per field");
	for (size_t i = 0; i < nf && i < NELEM(rfc_ids); i++) {
		const char *value = field_value(buf_str(&fields[i]));

		ok(value != NULL && authres_servid(value, id, sizeof id) == 0 &&
		    strcmp(id, rfc_ids[i]) == 0, "RFC 8601 appendix B field %zu: %s",
		    i + 1, rfc_ids[i]);
		ok(value != NULL && authres_claims_id(value, rfc_ids[i]) &&
		    !authres_claims_id(value, "mx.example.net"),
		    "RFC 8601 appendix B field %zu: claims %s only", i + 1, rfc_ids[i]);
	}
	for (size_t i = 0; i < nf; i++)
		buf_free(&fields[i]);
}

/* Whether each value claims "mx.example.net" (expected results by hand). */
static const struct {
	const char *value;
	bool ours;
} hostile[] = {
	/* well-formed */
	{ "mx.example.net; spf=pass", true },
	{ " MX.Example.NET; dkim=pass", true },
	{ "mx.example.net 1; none", true },
	{ "mx.example.net.; spf=pass", true },
	{ "\"mx.example.net\"; spf=pass", true },
	{ "\"MX.EXAMPLE.NET.\"", true },
	{ "\"mx.exa\\mple.net\"; x", true },
	/* comments and folding before the id */
	{ "(comment) mx.example.net; x", true },
	{ "(x)mx.example.net; x", true },
	{ "(nested (comment) \\) x) mx.example.net;", true },
	{ "\r\n\tmx.example.net;\r\n\tspf=pass", true },
	{ "\n\tmx.example.net;\n\tspf=pass", true },
	{ "\n mx.example.net", true },
	{ " (a)\n\t(b (c))\r\n mx.example.net ; x", true },
	/* malformed after the id: still ours */
	{ "mx.example.net", true },
	{ "mx.example.net garbage garbage", true },
	{ "mx.example.net (unterminated", true },
	{ "mx.example.net; spf=pass (unterminated", true },
	{ "mx.example.net\xff\xfe; spf=pass", true },
	{ "mx.example.net\x01; spf=pass", true },
	{ "mx.example.net/evil; dkim=pass", true },
	{ "mx.example.net@x; dkim=pass", true },
	{ "mx.example.net,other.example; dkim=pass", true },
	{ "\"mx.example.net", true },
	{ "\" mx.example.net \"; x", true },
	{ "\"mx.example.net\r\n\"; x", true },
	/* a NUL ends the C string the milter is given: only what is before it counts */
	{ "mx.example.net\0; spf=pass", true },
	{ "evil\0mx.example.net; spf=pass", false },
	/* readers that disagree with RFC comment rules must not see our id either */
	{ "(a(b) mx.example.net; dkim=pass", true },
	{ "(a\\) mx.example.net; dkim=pass", true },
	{ "\xc2\xa0mx.example.net; dkim=pass", true },
	{ "\x80(x) mx.example.net; dkim=pass", true },
	/* more plausible spellings of our id: all ours (issue: "ourid.." and
	 * ""ourid" were kept) */
	{ "mx.example.net..; spf=pass", true },
	{ "mx.example.net...", true },
	{ "\"mx.example.net..\"; x", true },
	{ "\"\"mx.example.net; dkim=pass", true },
	{ "\"\" mx.example.net; dkim=pass", true },
	{ "mx.example.net\"\"; dkim=pass", true },
	{ "\"mx.exa\"\"mple.net\"; x", true },
	{ "mx.exa\"\"mple.net; x", true },
	{ "mx\".example.\"net; x", true },
	{ "mx.exa(c)mple.net; x", true },
	{ "mx.example(c).net; x", true },
	{ "mx.example.net(c).; x", true },
	{ "mx.exa\\mple.net; x", true },
	{ "\\mx.example.net; x", true },
	{ "(c)\"\"\r\n\t\"MX.Example.Net.\" 1; x", true },
	{ "mx.example.net 1; spf=pass", true },
	{ "mx.example.net\r\n 1; spf=pass", true },
	{ "\"mx.example.net\" 1; spf=pass", true },
	{ "\xc2\xa0\"\"mx.example.net..; x", true },
	{ "(a(b)\"\"mx.example.net; x", true },
	{ "\"mx.example.net; spf=pass", true },
	/* not ours */
	{ "mx.example.net.evil; spf=pass", false },
	{ "mx.example.net.evil..; spf=pass", false },
	{ "\"\"mx.example.net.evil; spf=pass", false },
	{ "\"\"xmx.example.net; spf=pass", false },
	{ "x\"\"mx.example.net; spf=pass", false },
	{ "mx.example.netx; spf=pass", false },
	{ "mx.example.net-evil; spf=pass", false },
	{ "sub.mx.example.net; spf=pass", false },
	{ "\"mx.example.net evil\"; spf=pass", false },
	{ "\"evil\"\"\" mx.example.net; x", false },
	{ "(mx.example.net)evil; x", false },
	{ "evil(mx.example.net); x", false },
	{ "evil \"\"mx.example.net; x", false },
	{ "evil mx.example.net; x", false },
	{ "evil.example; mx.example.net", false },
	{ "", false },
	{ "   \t ", false },
	{ "\r\n", false },
	{ "(mx.example.net) other.example; x", false },
	{ "(unterminated mx.example.net", false },
	{ "(a\\) b) other.example; mx.example.net", false },
	{ "xmx.example.net;", false },
	{ "mx.example.ne;", false },
	{ "mx-example.net;", false },
	{ ";mx.example.net", false },
	{ "\"mx.example.net.evil\"; x", false },
	{ "\"evil\" mx.example.net; x", false },
	{ "example.net; mx.example.net", false },
};

/* test_hostile - the hostile table, then the arguments */
static void
test_hostile(void)
{
	char id[64];

	for (size_t i = 0; i < NELEM(hostile); i++) {
		struct buf shown;

		buf_init(&shown);
		str_sanitize(&shown, hostile[i].value, 60);
		is_int(hostile[i].ours, authres_claims_id(hostile[i].value, "mx.example.net"),
		    "%s ours: \"%s\"", hostile[i].ours ? "is" : "not", buf_str(&shown));
		buf_free(&shown);
	}
	ok(authres_claims_id("mx.example.net; x", "MX.example.net."), "our id with a dot");
	ok(!authres_claims_id(NULL, "mx.example.net") &&
	    !authres_claims_id("x", NULL), "NULL arguments are not ours");
	ok(!authres_claims_id("mx.example.net; x", ""), "an empty id of ours matches nothing");

	is_int(0, authres_servid(" (c) \"Quoted\\\"Id\" 1; none", id, sizeof id),
	    "servid of a quoted id");
	is_string("Quoted\"Id", id, "servid: quoted-pair removed, case kept");
	is_int(0, authres_servid("mx.example.net/x", id, sizeof id), "servid stops at '/'");
	is_string("mx.example.net", id, "servid: token part only");
	is_int(0, authres_servid("abcdefgh;", id, 5), "servid into a 5-byte buffer");
	is_string("abcd", id, "servid: cut to the buffer");
	is_int(-1, authres_servid("x", id, 0), "servid into no buffer is -1");
	is_int(-1, authres_servid("(only a comment)", id, sizeof id), "servid: none");
	is_int(-1, authres_servid("; spf=pass", id, sizeof id), "servid: ';' first");
	is_int(-1, authres_servid("(a(b) mx.example.net;", id, sizeof id),
	    "servid (RFC reading): unterminated nested comment has no id");
}

/* lines_ok - LF only as folding (followed by TAB), no CR, every line under 998 bytes */
static bool
lines_ok(const char *s)
{
	size_t col = 0;

	for (; *s != '\0'; s++) {
		if (*s == '\r' || (*s == '\n' && s[1] != '\t'))
			return false;
		col = *s == '\n' ? 0 : col + 1;
		if (col >= 998)
			return false;
	}
	return true;
}

/* build - authres_build into a fresh string (static buffer ring of 1) */
static const char *
build(struct buf *b, const char *id, const struct auth_results *in)
{
	buf_reset(b);
	authres_build(b, id, in, false);
	return buf_str(b);
}

/* test_build_design - the DESIGN.md target shape and "none" */
static void
test_build_design(struct buf *b)
{
	struct spf_outcome mf = { .result = SPFR_PASS, .sender = "bounce@news.example.com",
	    .domain = "news.example.com", .helo = "out1.example.com",
	    .reason = "192.0.2.1 is permitted by news.example.com" };
	struct spf_outcome helo = { .result = SPFR_NONE, .helo_identity = true,
	    .helo = "out1.example.com", .sender = "postmaster@out1.example.com",
	    .reason = "out1.example.com has no SPF record" };
	struct dkv_result d1 = { .result = DKIMR_PASS, .domain = "example.com",
	    .identity = "@example.com", .selector = "s1", .b = "Ab12Cd34",
	    .reason = "2048-bit rsa-sha256" };
	struct dkv_result d2 = { .result = DKIMR_FAIL, .domain = "esp.example",
	    .identity = "", .selector = "k1", .b = "Zz90Yy87",
	    .reason = "body hash mismatch" };
	const struct dkv_result *two[] = { &d1, &d2 };
	struct dmarc_outcome dm = { .result = DMR_PASS, .from_domain = "example.com",
	    .p = DMP_REJECT, .sp = DMP_REJECT, .applied = DMP_REJECT,
	    .disposition = DMP_NONE };
	struct auth_results in = { .spf_mailfrom = &mf, .spf_helo = &helo, .dkim = two,
	    .ndkim = 2, .dkim_evaluated = true, .dmarc = &dm };

	is_string("mx.example.net;\n"
	    "\tspf=pass smtp.mailfrom=bounce@news.example.com;\n"
	    "\tspf=none smtp.helo=out1.example.com;\n"
	    "\tdkim=pass (2048-bit rsa-sha256) header.d=example.com header.i=@example.com\n"
	    "\t  header.s=s1 header.b=\"Ab12Cd34\";\n"
	    "\tdkim=fail (body hash mismatch) header.d=esp.example header.s=k1 header.b=\"Zz90Yy87\";\n"
	    "\tdmarc=pass (p=reject sp=reject dis=none) header.from=example.com",
	    build(b, "mx.example.net", &in), "the DESIGN.md target shape");

	in.dmarc = NULL;
	in.spf_helo = NULL;
	is_string("mx.example.net;\n"
	    "\tspf=pass smtp.mailfrom=bounce@news.example.com;\n"
	    "\tdkim=pass (2048-bit rsa-sha256) header.d=example.com header.i=@example.com\n"
	    "\t  header.s=s1 header.b=\"Ab12Cd34\";\n"
	    "\tdkim=fail (body hash mismatch) header.d=esp.example header.s=k1 header.b=\"Zz90Yy87\"",
	    build(b, "mx.example.net", &in), "no DMARC, no HELO check: no dmarc= and no smtp.helo");

	in.dkim_evaluated = false;
	is_string("mx.example.net;\n\tspf=pass smtp.mailfrom=bounce@news.example.com",
	    build(b, "mx.example.net", &in), "DKIM not evaluated: no dkim= at all");

	in.ndkim = 0;
	in.dkim_evaluated = true;
	in.spf_mailfrom = NULL;
	is_string("mx.example.net;\n\tdkim=none", build(b, "mx.example.net", &in),
	    "DKIM evaluated without signatures: dkim=none");

	memset(&in, 0, sizeof in);
	is_string("mx.example.net; none", build(b, "mx.example.net", &in), "nothing evaluated");
	ok(authres_claims_id(build(b, "my server", &in), "my server") &&
	    authres_claims_id(build(b, "a\\b\"c", &in), "a\\b\"c") &&
	    !authres_claims_id(build(b, "my server", &in), "my"),
	    "our own field with a quoted authserv-id is recognised as ours");
	is_string("\"my server\"; none", build(b, "my server", &in),
	    "authserv-id quoted when it is not a token");
	is_string("\"postmaster@mx.example.net\"; none",
	    build(b, "postmaster@mx.example.net", &in),
	    "authserv-id is never written in address form");
}

/* test_build_null_sender - smtp.mailfrom=postmaster@HELO for MAIL FROM:<> */
static void
test_build_null_sender(struct buf *b)
{
	struct spf_outcome ns = { .result = SPFR_PASS, .helo_identity = true,
	    .null_sender = true, .domain = "out1.example.com",
	    .sender = "postmaster@out1.example.com", .helo = "out1.example.com" };
	struct spf_outcome ns2 = { .result = SPFR_SOFTFAIL, .helo_identity = true,
	    .null_sender = true, .helo = "Out1.Example.COM" };
	struct spf_outcome hl = { .result = SPFR_PASS, .helo_identity = true,
	    .sender = "postmaster@out1.example.com", .helo = "out1.example.com" };
	struct auth_results in = { .spf_mailfrom = &ns, .spf_helo = &hl };

	is_string("mx.example.net;\n"
	    "\tspf=pass smtp.mailfrom=postmaster@out1.example.com;\n"
	    "\tspf=pass smtp.helo=out1.example.com",
	    build(b, "mx.example.net", &in), "null sender: postmaster@HELO");
	in.spf_mailfrom = &ns2;
	in.spf_helo = NULL;
	is_string("mx.example.net;\n\tspf=softfail smtp.mailfrom=postmaster@Out1.Example.COM",
	    build(b, "mx.example.net", &in), "null sender without sender: built from HELO");
}

/* test_build_spf - every SPF result for MAIL FROM */
static void
test_build_spf(struct buf *b)
{
	static const struct {
		enum spf_result r;
		const char *want;
	} t[] = {
		{ SPFR_NONE, "mx.example.net;\n\tspf=none smtp.mailfrom=a@example.org" },
		{ SPFR_NEUTRAL, "mx.example.net;\n\tspf=neutral smtp.mailfrom=a@example.org" },
		{ SPFR_PASS, "mx.example.net;\n\tspf=pass smtp.mailfrom=a@example.org" },
		{ SPFR_FAIL, "mx.example.net;\n\tspf=fail smtp.mailfrom=a@example.org" },
		{ SPFR_SOFTFAIL, "mx.example.net;\n\tspf=softfail smtp.mailfrom=a@example.org" },
		{ SPFR_TEMPERROR,
		  "mx.example.net;\n\tspf=temperror (a reason) smtp.mailfrom=a@example.org" },
		{ SPFR_PERMERROR,
		  "mx.example.net;\n\tspf=permerror (a reason) smtp.mailfrom=a@example.org" },
	};
	struct spf_outcome o = { .sender = "a@example.org", .domain = "example.org",
	    .reason = "a reason" };
	struct auth_results in = { .spf_mailfrom = &o };

	for (size_t i = 0; i < NELEM(t); i++) {
		o.result = t[i].r;
		is_string(t[i].want, build(b, "mx.example.net", &in), "spf result %zu", i);
	}
}

/* test_build_dkim - every DKIM result with its reason */
static void
test_build_dkim(struct buf *b)
{
	static const struct {
		enum dkim_result r;
		const char *reason;
		const char *want;
	} t[] = {
		{ DKIMR_NONE, "no signature",
		  "mx.example.net;\n\tdkim=none (no signature) header.d=d.example header.s=s header.b=\"b1\"" },
		{ DKIMR_PASS, "1024-bit rsa-sha256",
		  "mx.example.net;\n\tdkim=pass (1024-bit rsa-sha256) header.d=d.example header.s=s header.b=\"b1\"" },
		{ DKIMR_FAIL, "signature mismatch",
		  "mx.example.net;\n\tdkim=fail (signature mismatch) header.d=d.example header.s=s header.b=\"b1\"" },
		{ DKIMR_NEUTRAL, "not verified: over the limit of 5",
		  "mx.example.net;\n\tdkim=neutral (not verified: over the limit of 5) header.d=d.example header.s=s\n"
		  "\t  header.b=\"b1\"" },
		{ DKIMR_POLICY, "rsa-sha1 not accepted",
		  "mx.example.net;\n\tdkim=policy (rsa-sha1 not accepted) header.d=d.example header.s=s header.b=\"b1\"" },
		{ DKIMR_TEMPERROR, "key lookup timed out",
		  "mx.example.net;\n\tdkim=temperror (key lookup timed out) header.d=d.example header.s=s "
		  "header.b=\"b1\"" },
		{ DKIMR_PERMERROR, "no key (NXDOMAIN)",
		  "mx.example.net;\n\tdkim=permerror (no key \\(NXDOMAIN\\)) header.d=d.example header.s=s "
		  "header.b=\"b1\"" },
		{ DKIMR_PASS, NULL,
		  "mx.example.net;\n\tdkim=pass header.d=d.example header.s=s header.b=\"b1\"" },
	};
	struct dkv_result r = { .domain = "d.example", .identity = "", .selector = "s",
	    .b = "b1" };
	const struct dkv_result *one[] = { &r };
	struct auth_results in = { .dkim = one, .ndkim = 1, .dkim_evaluated = true };

	for (size_t i = 0; i < NELEM(t); i++) {
		r.result = t[i].r;
		r.reason = (char *)t[i].reason;
		is_string(t[i].want, build(b, "mx.example.net", &in), "dkim result %zu", i);
	}
	r = (struct dkv_result){ .result = DKIMR_PERMERROR, .domain = "",
	    .reason = "malformed signature field" };
	is_string("mx.example.net;\n\tdkim=permerror (malformed signature field)",
	    build(b, "mx.example.net", &in), "dkim: unparseable signature, no properties");
	r = (struct dkv_result){ .result = DKIMR_PASS, .domain = "d.example",
	    .identity = "user@sub.d.example", .selector = "s", .b = "a+b/c=" };
	is_string("mx.example.net;\n\tdkim=pass header.d=d.example header.i=user@sub.d.example "
	    "header.s=s\n\t  header.b=\"a+b/c=\"",
	    build(b, "mx.example.net", &in), "dkim: i= with a local part, base64 b= quoted");
}

/* test_build_dmarc - DMARC results and the policy comment */
static void
test_build_dmarc(struct buf *b)
{
	static const struct {
		struct dmarc_outcome o;
		const char *want;
	} t[] = {
		{ { .result = DMR_PASS, .from_domain = "example.com", .p = DMP_NONE,
		    .disposition = DMP_NONE },
		  "mx.example.net;\n\tdmarc=pass (p=none sp=none dis=none) header.from=example.com" },
		{ { .result = DMR_FAIL, .from_domain = "example.com", .p = DMP_REJECT,
		    .sp = DMP_QUARANTINE, .applied = DMP_REJECT, .disposition = DMP_REJECT },
		  "mx.example.net;\n\tdmarc=fail (p=reject sp=quarantine dis=reject) header.from=example.com" },
		{ { .result = DMR_FAIL, .from_domain = "a.example.com", .p = DMP_REJECT,
		    .sp = DMP_QUARANTINE, .applied = DMP_QUARANTINE,
		    .disposition = DMP_QUARANTINE, .found_at_org = true },
		  "mx.example.net;\n\tdmarc=fail (p=reject sp=quarantine dis=quarantine) "
		  "header.from=a.example.com" },
		{ { .result = DMR_FAIL, .from_domain = "example.org", .p = DMP_QUARANTINE,
		    .sp = DMP_UNSET, .applied = DMP_QUARANTINE, .disposition = DMP_NONE,
		    .pct = 50, .sampled_out = true },
		  "mx.example.net;\n\tdmarc=fail (p=quarantine sp=quarantine dis=none pct=50 sampled out)\n"
		  "\t  header.from=example.org" },
		{ { .result = DMR_NONE, .from_domain = "example.com",
		    .reason = "no DMARC record" },
		  "mx.example.net;\n\tdmarc=none (no DMARC record) header.from=example.com" },
		{ { .result = DMR_TEMPERROR, .from_domain = "example.com",
		    .reason = "DNS lookup failed" },
		  "mx.example.net;\n\tdmarc=temperror (DNS lookup failed) header.from=example.com" },
		{ { .result = DMR_PERMERROR, .bad_from = true, .reason = "several From fields" },
		  "mx.example.net;\n\tdmarc=permerror (several From fields)" },
	};
	struct auth_results in = { 0 };

	for (size_t i = 0; i < NELEM(t); i++) {
		in.dmarc = &t[i].o;
		is_string(t[i].want, build(b, "mx.example.net", &in), "dmarc case %zu", i);
	}
}

/* test_build_hostile - network text that is not a token, and reasons with specials */
static void
test_build_hostile(struct buf *b)
{
	struct spf_outcome mf = { .result = SPFR_NONE,
	    .sender = "postmaster@a\"b (c)\r\nX: y" };
	struct spf_outcome hh = { .result = SPFR_PERMERROR, .helo = "a\"b (c)\r\nX: y",
	    .reason = "HELO name \"a\"b (c)\r\nX: y\" is not a domain" };
	struct dkv_result d = { .result = DKIMR_TEMPERROR, .domain = "example.org",
	    .selector = "sel ector", .b = "ab\r\ncd", .reason = "key (DNS) \xff failure\\" };
	const struct dkv_result *one[] = { &d };
	struct auth_results in = { .spf_mailfrom = &mf, .spf_helo = &hh, .dkim = one,
	    .ndkim = 1, .dkim_evaluated = true };

	is_string("mx.example.net;\n"
	    "\tspf=none smtp.mailfrom=\"postmaster@a\\\"b (c)??X: y\";\n"
	    "\tspf=permerror (HELO name \"a\"b \\(c\\)??X: y\" is not a domain)\n"
	    "\t  smtp.helo=\"a\\\"b (c)??X: y\";\n"
	    "\tdkim=temperror (key \\(DNS\\) ? failure\\\\) header.d=example.org header.s=\"sel ector\"\n"
	    "\t  header.b=\"ab??cd\"",
	    build(b, "mx.example.net", &in), "quotes, parens, CR LF, 8-bit");

	mf.sender = "j\xc3\xb6rg@example.com";
	hh = (struct spf_outcome){ .result = SPFR_NONE, .helo = "h\xc3\xa9lo.example" };
	d = (struct dkv_result){ .result = DKIMR_FAIL, .domain = "evil.example; dkim=pass",
	    .selector = "s\xff\"1", .b = "x" };
	is_string("mx.example.net;\n"
	    "\tspf=none smtp.mailfrom=\"j??rg@example.com\";\n"
	    "\tspf=none smtp.helo=\"h??lo.example\";\n"
	    "\tdkim=fail header.d=\"evil.example; dkim=pass\" header.s=\"s?\\\"1\" header.b=\"x\"",
	    build(b, "mx.example.net", &in), "8-bit in mailfrom, helo, selector; ';' in a domain");

	mf.sender = "a..b@example.com";
	hh.helo = "[192.0.2.1]";
	d = (struct dkv_result){ .result = DKIMR_PASS, .domain = "exa_mple.com",
	    .identity = "@exa_mple.com", .selector = "s", .b = "x" };
	is_string("mx.example.net;\n"
	    "\tspf=none smtp.mailfrom=\"a..b@example.com\";\n"
	    "\tspf=none smtp.helo=\"[192.0.2.1]\";\n"
	    "\tdkim=pass header.d=exa_mple.com header.i=\"@exa_mple.com\" header.s=s header.b=\"x\"",
	    build(b, "mx.example.net", &in), "not a dot-atom, address literal, '_' in a domain");

	memset(&in, 0, sizeof in);
	is_string("\"mx?example\\\"net\"; none", build(b, "mx\nexample\"net", &in),
	    "authserv-id with LF and quote");
}

/* test_build_long - 3000-byte values of every kind; long valid values on their own line */
static void
test_build_long(struct buf *b)
{
	static const char fill[] = { 'a', ' ', '"', '(', '\\', '\xff', '\n', ';' };
	struct buf v, dom, want;
	struct spf_outcome mf = { .result = SPFR_TEMPERROR };
	struct spf_outcome hh = { .result = SPFR_PERMERROR };
	struct dkv_result d = { .result = DKIMR_PERMERROR };
	struct dmarc_outcome dm = { .result = DMR_TEMPERROR };
	const struct dkv_result *one[] = { &d };
	struct auth_results in = { .spf_mailfrom = &mf, .spf_helo = &hh, .dkim = one,
	    .ndkim = 1, .dkim_evaluated = true, .dmarc = &dm };
	char id[64];

	buf_init(&v);
	buf_init(&dom);
	buf_init(&want);
	for (size_t k = 0; k < NELEM(fill); k++) {
		buf_reset(&v);
		for (int i = 0; i < 3000; i++)
			buf_addc(&v, fill[k]);
		buf_adds(&v, "@example.com");
		mf.sender = mf.reason = hh.helo = hh.reason = v.data;
		d.domain = d.identity = d.selector = d.b = d.reason = v.data;
		dm.from_domain = dm.reason = v.data;
		build(b, "mx.example.net", &in);
		ok(lines_ok(buf_str(b)), "3000 x '%s': every line under 998 bytes, LF only "
		    "before TAB, no CR", fill[k] == '\n' ? "\\n" : fill[k] == '\xff' ? "\\xff" :
		    (char[]){ fill[k], '\0' });
		ok(strstr(buf_str(b), "...\"") != NULL && strstr(buf_str(b), "...)") != NULL,
		    "3000 x '%s': values and comments cut and marked", fill[k] == '\n' ? "\\n" :
		    fill[k] == '\xff' ? "\\xff" : (char[]){ fill[k], '\0' });
		ok(authres_servid(buf_str(b), id, sizeof id) == 0 &&
		    strcmp(id, "mx.example.net") == 0 && authres_claims_id(buf_str(b),
		    "mx.example.net"), "our own field is recognised as ours");
	}

	/* a 253-byte LDH domain is written whole, on a line of its own */
	for (int i = 0; i < 4; i++)
		buf_printf(&dom, "%s%.*s", i ? "." : "", i < 3 ? 63 : 61,
		    "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabc");
	is_int(253, (long)dom.len, "253-byte domain built");
	buf_printf(&v, "%s", "");
	buf_reset(&v);
	buf_printf(&v, "someone@%s", dom.data);
	mf = (struct spf_outcome){ .result = SPFR_PASS, .sender = v.data };
	memset(&in, 0, sizeof in);
	in.spf_mailfrom = &mf;
	buf_printf(&want, "mx.example.net;\n\tspf=pass\n\t  smtp.mailfrom=someone@%s", dom.data);
	is_string(buf_str(&want), build(b, "mx.example.net", &in),
	    "long address: not cut, on its own line");
	buf_free(&v);
	buf_free(&dom);
	buf_free(&want);
}

/* test_quote_value - authres_quote_value alone */
static void
test_quote_value(struct buf *b)
{
	static const struct {
		const char *in, *want;
	} t[] = {
		{ "plain.example", "plain.example" },
		{ "user.name+tag@example.com", "user.name+tag@example.com" },
		{ "@example.com", "@example.com" },
		{ "user@example.com.", "user@example.com." },
		{ "\"quoted local\"@example.com", "\"\\\"quoted local\\\"@example.com\"" },
		{ "a@b@example.com", "\"a@b@example.com\"" },
		{ "user@-bad.example", "\"user@-bad.example\"" },
		{ "user@bad-.example", "\"user@bad-.example\"" },
		{ "user@a..example", "\"user@a..example\"" },
		{ "user@", "\"user@\"" },
		{ ".user@example.com", "\".user@example.com\"" },
		{ "a/b", "\"a/b\"" },
		{ "a=b", "\"a=b\"" },
		{ "back\\slash", "\"back\\\\slash\"" },
		{ "tab\there", "\"tab?here\"" },
		{ "", "\"\"" },
	};

	for (size_t i = 0; i < NELEM(t); i++) {
		buf_reset(b);
		authres_quote_value(b, t[i].in);
		is_string(t[i].want, buf_str(b), "quote_value case %zu", i);
	}
}

/* test_build_arc - arc= after dmarc=: pass, override, fail, temporary, none */
static void
test_build_arc(struct buf *b)
{
	struct dmarc_outcome dm = { .result = DMR_FAIL, .from_domain = "example.com",
	    .p = DMP_REJECT, .sp = DMP_REJECT, .applied = DMP_REJECT,
	    .disposition = DMP_REJECT };
	struct arc_result ar = { .cv = ARC_PASS, .nsets = 2, .oldest_pass = 0,
	    .sealer = "lists.example.org" };
	struct auth_results in = { .dmarc = &dm, .arc = &ar, .remote_ip = "192.0.2.7" };

	is_string("mx.example.net;\n"
	    "\tdmarc=fail (p=reject sp=reject dis=reject) header.from=example.com;\n"
	    "\tarc=pass (2 sets, sealed by lists.example.org) smtp.remote-ip=192.0.2.7\n"
	    "\t  header.oldest-pass=0",
	    build(b, "mx.example.net", &in), "arc=pass with remote-ip and oldest-pass");
	buf_reset(b);
	authres_build(b, "mx.example.net", &in, true);
	ok(strstr(buf_str(b), "dmarc=fail (p=reject") != NULL &&
	    strstr(buf_str(b), "(2 sets, sealed by lists.example.org, trusted: DMARC "
	    "policy not applied)") != NULL, "TrustedARCSealers: dmarc=fail kept, sealer named");
	ar.oldest_pass = -1;
	ok(strstr(build(b, "mx.example.net", &in), "oldest-pass") == NULL,
	    "oldest-pass undetermined: not written");
	ar.cv = ARC_FAIL;
	ar.temporary = true;
	snprintf(ar.reason, sizeof ar.reason, "ARC-Seal i=1: key lookup for "
	    "s._domainkey.d (x) failed temporarily");
	is_string("mx.example.net;\n\tarc=fail (ARC-Seal i=1: key lookup for "
	    "s._domainkey.d \\(x\\) failed temporarily, temporary DNS failure)\n"
	    "\t  smtp.remote-ip=192.0.2.7",
	    build(b, "mx.example.net", &(struct auth_results){ .arc = &ar,
	    .remote_ip = "192.0.2.7" }), "arc=fail: reason escaped, temporary named");
	ar.cv = ARC_NONE;
	is_string("mx.example.net;\n\tarc=none",
	    build(b, "mx.example.net", &(struct auth_results){ .arc = &ar,
	    .remote_ip = "192.0.2.7" }), "arc=none: no properties");
	ar.cv = ARC_PASS;
	ok(strstr(build(b, "mx.example.net", &(struct auth_results){ .arc = &ar,
	    .remote_ip = "192.0.2.7", .internal_error = true }), "arc=") == NULL,
	    "after an internal error: no arc= (the chain was not fully checked)");
}

/* main - recogniser tables, then the builder */
int
main(void)
{
	struct buf b;

	test_doctest();
	test_rfc();
	test_hostile();
	buf_init(&b);
	test_build_design(&b);
	test_build_null_sender(&b);
	test_build_spf(&b);
	test_build_dkim(&b);
	test_build_dmarc(&b);
	test_build_arc(&b);
	test_build_hostile(&b);
	test_build_long(&b);
	test_quote_value(&b);
	buf_free(&b);
	return done_testing();
}
