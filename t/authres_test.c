/*
 * authres_test.c - lib/authres: recognising authserv-ids (public examples and
 *	hostile forms) and the exact shape of the field we build
 *
 * The expected authserv-id of each public example is written here by hand from the
 * RFC 8601 grammar (the RFC appendix file carries its own hand-written E: lines).
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

/* test_rfc - RFC 8601 Appendix B fields against the file's own E: lines */
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
			const char *value = field_value(buf_str(&fields[ne]));
			char wbuf[256];

			snprintf(wbuf, sizeof wbuf, "%.*s", (int)wl, want);
			ok(value != NULL && authres_servid(value, id, sizeof id) == 0 &&
			    strcmp(id, wbuf) == 0, "RFC 8601 appendix B field %zu: %s",
			    ne + 1, wbuf);
			ne++;
		}
	}
	fclose(fp);
	is_int(9, (long)ne, "all nine appendix B fields checked");
	for (size_t i = 0; i < nf; i++)
		buf_free(&fields[i]);
}

static const struct {
	const char *value;
	bool ours;
} hostile[] = {
	{ "mx.example.net; spf=pass", true },
	{ " MX.Example.NET; dkim=pass", true },
	{ "(comment) mx.example.net; x", true },
	{ "(nested (comment) \\) x) mx.example.net;", true },
	{ "\"mx.example.net\"; spf=pass", true },
	{ "\"MX.EXAMPLE.NET.\"", true },
	{ "mx.example.net.; spf=pass", true },
	{ "mx.example.net", true },
	{ "mx.example.net 1; none", true },
	{ "mx.example.net garbage garbage", true },
	{ "mx.example.net (unterminated", true },
	{ "\r\n\tmx.example.net;\r\n\tspf=pass", true },
	{ "\n\tmx.example.net;\n\tspf=pass", true },
	{ "mx.example.net\xff\xfe; spf=pass", true },
	{ "mx.example.net/evil; dkim=pass", true },
	{ "mx.example.net@x; dkim=pass", true },
	{ "mx.example.net.evil; spf=pass", false },
	{ "evil mx.example.net; x", false },
	{ "evil.example; mx.example.net", false },
	{ "", false },
	{ "   \t ", false },
	{ "(mx.example.net) other.example; x", false },
	{ "(unterminated mx.example.net", false },
	{ "xmx.example.net;", false },
	{ "mx.example.ne;", false },
	{ ";mx.example.net", false },
	{ "\"mx.example.net.evil\"; x", false },
};

static void
test_hostile(void)
{
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
}

/* check_lines - no CR, no line of 998 bytes or more */
static bool
lines_ok(const char *s)
{
	size_t col = 0;

	for (; *s != '\0'; s++) {
		if (*s == '\r')
			return false;
		col = *s == '\n' ? 0 : col + 1;
		if (col >= 998)
			return false;
	}
	return true;
}

static void
test_build(void)
{
	struct spf_outcome mf = { .result = SPFR_PASS, .sender = "bounce@news.example.com" };
	struct spf_outcome helo = { .result = SPFR_NONE, .helo = "out1.example.com" };
	struct dkv_result d1 = { .result = DKIMR_PASS, .domain = "example.com",
	    .identity = "@example.com", .selector = "s1", .b = "Ab12Cd34",
	    .reason = "2048-bit rsa-sha256" };
	struct dkv_result d2 = { .result = DKIMR_FAIL, .domain = "esp.example",
	    .identity = "", .selector = "k1", .b = "Zz90Yy87",
	    .reason = "body hash mismatch" };
	struct dkv_result d3 = { .result = DKIMR_TEMPERROR, .domain = "example.org",
	    .selector = "sel ector", .b = "abcdefgh", .reason = "key (DNS) \xff failure\\" };
	const struct dkv_result *two[] = { &d1, &d2 }, *one[] = { &d3 };
	struct dmarc_outcome dm = { .result = DMR_PASS, .from_domain = "example.com",
	    .p = DMP_REJECT, .sp = DMP_REJECT, .disposition = DMP_NONE };
	struct dmarc_outcome dq = { .result = DMR_FAIL, .from_domain = "example.org",
	    .p = DMP_QUARANTINE, .sp = DMP_UNSET, .disposition = DMP_NONE, .pct = 50,
	    .sampled_out = true };
	struct dmarc_outcome bad = { .result = DMR_PERMERROR, .bad_from = true,
	    .reason = "several From fields" };
	struct spf_outcome hmf = { .result = SPFR_NONE,
	    .sender = "postmaster@a\"b (c)\r\nX: y" };
	struct spf_outcome hh = { .result = SPFR_NONE, .helo = "a\"b (c)\r\nX: y" };
	struct spf_outcome terr = { .result = SPFR_TEMPERROR, .sender = "x@example.org",
	    .reason = "DNS timeout" };
	struct authres_input in;
	struct buf b, longaddr;

	buf_init(&b);
	memset(&in, 0, sizeof in);
	in.spf_mailfrom = &mf;
	in.spf_helo = &helo;
	in.dkim = two;
	in.ndkim = 2;
	in.dkim_evaluated = true;
	in.dmarc = &dm;
	authres_build(&b, "mx.example.net", &in);
	is_string("mx.example.net;\n"
	    "\tspf=pass smtp.mailfrom=bounce@news.example.com;\n"
	    "\tspf=none smtp.helo=out1.example.com;\n"
	    "\tdkim=pass (2048-bit rsa-sha256) header.d=example.com header.i=@example.com\n"
	    "\t  header.s=s1 header.b=\"Ab12Cd34\";\n"
	    "\tdkim=fail (body hash mismatch) header.d=esp.example header.s=k1 header.b=\"Zz90Yy87\";\n"
	    "\tdmarc=pass (p=reject sp=reject dis=none) header.from=example.com",
	    buf_str(&b), "the DESIGN.md target shape");

	buf_reset(&b);
	memset(&in, 0, sizeof in);
	authres_build(&b, "mx.example.net", &in);
	is_string("mx.example.net; none", buf_str(&b), "nothing evaluated");

	buf_reset(&b);
	in.dmarc = &bad;
	authres_build(&b, "mx.example.net", &in);
	is_string("mx.example.net;\n\tdmarc=permerror (several From fields)", buf_str(&b),
	    "bad From");

	buf_reset(&b);
	memset(&in, 0, sizeof in);
	in.spf_mailfrom = &hmf;
	in.spf_helo = &hh;
	in.dkim_evaluated = true;
	authres_build(&b, "mx.example.net", &in);
	is_string("mx.example.net;\n"
	    "\tspf=none smtp.mailfrom=\"postmaster@a\\\"b (c)??X: y\";\n"
	    "\tspf=none smtp.helo=\"a\\\"b (c)??X: y\";\n"
	    "\tdkim=none", buf_str(&b), "hostile HELO quoted, dkim=none");

	buf_reset(&b);
	memset(&in, 0, sizeof in);
	in.spf_mailfrom = &terr;
	in.dkim = one;
	in.ndkim = 1;
	in.dkim_evaluated = true;
	in.dmarc = &dq;
	authres_build(&b, "mx.example.net", &in);
	is_string("mx.example.net;\n"
	    "\tspf=temperror (DNS timeout) smtp.mailfrom=x@example.org;\n"
	    "\tdkim=temperror (key \\(DNS\\) ? failure\\\\) header.d=example.org header.s=\"sel ector\"\n"
	    "\t  header.b=\"abcdefgh\";\n"
	    "\tdmarc=fail (p=quarantine sp=quarantine dis=none pct=50 sampled out)\n"
	    "\t  header.from=example.org",
	    buf_str(&b), "comments escaped, quoted selector, wrapped, pct noted");

	buf_init(&longaddr);
	for (int i = 0; i < 3000; i++)
		buf_addc(&longaddr, i % 50 == 0 ? ' ' : 'a');
	buf_adds(&longaddr, "@example.com");
	mf.sender = longaddr.data;
	helo.helo = longaddr.data;
	d1.reason = longaddr.data;
	d1.selector = longaddr.data;
	memset(&in, 0, sizeof in);
	in.spf_mailfrom = &mf;
	in.spf_helo = &helo;
	in.dkim = two;
	in.ndkim = 2;
	in.dkim_evaluated = true;
	buf_reset(&b);
	authres_build(&b, "mx.example.net", &in);
	ok(lines_ok(buf_str(&b)), "3000-byte values: every line under 998 bytes, no CR");
	ok(strstr(buf_str(&b), "...\"") != NULL, "long values are cut and marked");

	buf_reset(&b);
	authres_quote_value(&b, "plain.example");
	is_string("plain.example", buf_str(&b), "token stays plain");
	buf_reset(&b);
	authres_quote_value(&b, "user.name+tag@example.com");
	is_string("user.name+tag@example.com", buf_str(&b), "dot-atom address stays plain");
	buf_reset(&b);
	authres_quote_value(&b, "\"quoted local\"@example.com");
	is_string("\"\\\"quoted local\\\"@example.com\"", buf_str(&b), "quoted local part");
	buf_reset(&b);
	authres_quote_value(&b, "");
	is_string("\"\"", buf_str(&b), "empty value quoted");
	buf_reset(&b);
	authres_build(&b, "my server", &(struct authres_input){ 0 });
	is_string("\"my server\"; none", buf_str(&b), "authserv-id quoted when needed");
	buf_free(&b);
	buf_free(&longaddr);
}

int
main(void)
{
	test_doctest();
	test_rfc();
	test_hostile();
	test_build();
	return done_testing();
}
