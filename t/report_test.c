/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * report_test.c - lib/report: aggregate report XML, DKIM list, gzip, rua=, destinations, MIME
 * DESCRIPTION
 *	Table-driven. The XML is checked against the RFC 9990 Appendix A schema
 *	(t/data/report/rfc9990.xsd) with xmllint; without xmllint those checks print
 *	SKIP. gzip output is inflated with zlib here. Destination verification uses
 *	the zone DNS backend built from lines in this file; organizational domains
 *	come from t/data/dmarc/psl.dat. Expected values come from RFC 9990 (sections
 *	"Description of the content XML file", "Report Delivery", "Email",
 *	"Verifying External Destinations", Appendix A) and RFC 9989 section 4.7
 *	(the obsolete "!size"), written by hand.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "dns.h"
#include "history.h"
#include "psl.h"
#include "report.h"
#include "tap.h"

static bool have_xmllint;

/* contains - s holds needle */
static bool
contains(const char *s, const char *needle)
{
	return strstr(s, needle) != NULL;
}

/* validate - 1 when xmllint accepts xml against the schema, 0 when not, -1 no xmllint */
static int
validate(const char *xml, size_t len)
{
	const char *tmp = getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp";
	char path[1024], cmd[4096], line[512];
	FILE *f;
	int fd, rc;

	if (!have_xmllint)
		return -1;
	snprintf(path, sizeof(path), "%s/report_test.XXXXXX", tmp);
	if ((fd = mkstemp(path)) < 0)
		bail("mkstemp %s failed", path);
	if (write(fd, xml, len) != (ssize_t)len)
		bail("write %s failed", path);
	close(fd);
	snprintf(cmd, sizeof(cmd), "xmllint --noout --schema '%s' '%s' >'%s.out' 2>&1",
	    tap_path("TDATA", "report/rfc9990.xsd"), path, path);
	rc = system(cmd);
	if (rc != 0) {
		snprintf(cmd, sizeof(cmd), "%s.out", path);
		if ((f = fopen(cmd, "r")) != NULL) {
			while (fgets(line, sizeof(line), f) != NULL)
				diag("xmllint: %s", line);
			fclose(f);
		}
	}
	snprintf(cmd, sizeof(cmd), "%s.out", path);
	unlink(cmd);
	unlink(path);
	return rc == 0;
}

/* check_valid - one TAP line: the document validates (or SKIP) */
static void
check_valid(const struct buf *xml, const char *name)
{
	int v = validate(buf_str(xml), xml->len);

	if (v < 0)
		skip("xmllint not installed", "%s: validates against RFC 9990 schema", name);
	else
		ok(v == 1, "%s: validates against RFC 9990 schema", name);
}

static const char *errors2[] = { "first <error>", "second & last" };

/* base_meta - the report_meta most cases use */
static struct report_meta
base_meta(void)
{
	struct report_meta m;

	memset(&m, 0, sizeof(m));
	m.org_name = "Receiver Inc.";
	m.email = "dmarc-noreply@receiver.example";
	m.report_id = "r-20240101-1";
	m.begin = 1704067200;
	m.end = 1704153599;
	m.domain = "example.com";
	m.adkim = 'r';
	m.aspf = 's';
	m.p = "reject";
	m.sp = "quarantine";
	m.discovery_method = "treewalk";
	m.testing = "n";
	return m;
}

/* base_record - a plain passing record */
static struct report_record
base_record(void)
{
	struct report_record r;

	memset(&r, 0, sizeof(r));
	r.source_ip = "192.0.2.1";
	r.count = 3;
	r.disposition = "none";
	r.dkim_eval = "pass";
	r.spf_eval = "pass";
	r.envelope_from = "example.com";
	r.header_from = "example.com";
	r.dkim = "example.com/sel1/pass";
	r.spf_domain = "example.com";
	r.spf_scope = "mfrom";
	r.spf_result = "pass";
	return r;
}

/* --- XML: one table of single-record documents --- */

struct xml_case {
	const char *name;
	void (*tweak)(struct report_meta *, struct report_record *);
	const char *want[6];	/* substrings that must appear */
	const char *absent[6];	/* substrings that must not */
};

/* tw_none - the base report unchanged */
static void
tw_none(struct report_meta *m, struct report_record *r)
{
	(void)m;
	(void)r;
}

/* tw_ipv6 - a compressed IPv6 source */
static void
tw_ipv6(struct report_meta *m, struct report_record *r)
{
	(void)m;
	r->source_ip = "2001:DB8::1";
}

/* tw_ipv6_full - an IPv6 source with all groups */
static void
tw_ipv6_full(struct report_meta *m, struct report_record *r)
{
	(void)m;
	r->source_ip = "2001:db8:1:2:3:4:5:6";
}

/* tw_mapped - an IPv4-mapped IPv6 source */
static void
tw_mapped(struct report_meta *m, struct report_record *r)
{
	(void)m;
	r->source_ip = "::ffff:198.51.100.7";
}

/* tw_bad_ip - a source that is no address */
static void
tw_bad_ip(struct report_meta *m, struct report_record *r)
{
	(void)m;
	r->source_ip = "not-an-ip";
}

/* tw_optional - every optional element given */
static void
tw_optional(struct report_meta *m, struct report_record *r)
{
	m->extra_contact = "https://receiver.example/dmarc";
	m->errors = errors2;
	m->nerrors = 2;
	m->fo = "1:d";
	m->generator = "mailauth 9.9";
	r->envelope_to = "rcpt.example";
	r->reason_type = "mailing_list";
	r->reason_comment = "known list";
}

/* tw_rfc9990 - np=, t=y, PSL discovery */
static void
tw_rfc9990(struct report_meta *m, struct report_record *r)
{
	(void)r;
	m->np = "Reject";
	m->testing = "y";
	m->discovery_method = "psl";
}

/* tw_old_row - a row recorded before discovery method, np and testing were kept */
static void
tw_old_row(struct report_meta *m, struct report_record *r)
{
	(void)r;
	m->np = NULL;
	m->testing = NULL;
	m->discovery_method = NULL;
}

/* tw_bad_9990 - values of the new elements the schema cannot hold */
static void
tw_bad_9990(struct report_meta *m, struct report_record *r)
{
	(void)r;
	m->np = "drop";
	m->testing = "maybe";
	m->discovery_method = "dns";
}

/* tw_sampled_out - RFC 7489's sampled_out (our t=y rows before), SPF policy */
static void
tw_sampled_out(struct report_meta *m, struct report_record *r)
{
	(void)m;
	r->reason_type = "sampled_out";
	r->reason_comment = "t=y";
	r->spf_result = "policy";
}

/* tw_forwarded - RFC 7489's forwarded, which RFC 9990 dropped */
static void
tw_forwarded(struct report_meta *m, struct report_record *r)
{
	(void)m;
	r->reason_type = "forwarded";
}

/* tw_sp_null - sp absent, p in capitals, no alignment tags */
static void
tw_sp_null(struct report_meta *m, struct report_record *r)
{
	(void)r;
	m->sp = NULL;
	m->p = "QUARANTINE";
	m->adkim = 0;
	m->aspf = 'x';
}

/* tw_big_count - a large count on a failing record, SPF of a null path (HELO) */
static void
tw_big_count(struct report_meta *m, struct report_record *r)
{
	(void)m;
	r->count = 4000000000UL;
	r->disposition = "reject";
	r->dkim_eval = "fail";
	r->spf_eval = "fail";
	r->spf_result = "softfail";
	r->spf_scope = "helo";
}

/* tw_no_dkim - no signature and no MAIL FROM domain */
static void
tw_no_dkim(struct report_meta *m, struct report_record *r)
{
	(void)m;
	r->dkim = "";
	r->envelope_from = NULL;
}

/* tw_two_dkim - two signatures, the second without selector */
static void
tw_two_dkim(struct report_meta *m, struct report_record *r)
{
	(void)m;
	r->dkim = "example.com/s1/pass esp.example//temperror";
}

/* tw_pass - RFC 9990's "pass": no action, DMARC pass under an enforcing policy */
static void
tw_pass(struct report_meta *m, struct report_record *r)
{
	(void)m;
	r->disposition = "Pass";
}

/* tw_fallbacks - values the schema cannot hold */
static void
tw_fallbacks(struct report_meta *m, struct report_record *r)
{
	m->p = "bogus";
	r->disposition = "delete";
	r->dkim_eval = "maybe";
	r->spf_eval = NULL;
	r->spf_scope = "pra";
	r->spf_result = "unknown";
	r->reason_type = "vip_sender";
	r->dkim = "example.com/s1/error2";
}

/* tw_spf_error - the RFC's "error" alias, a comment without a type */
static void
tw_spf_error(struct report_meta *m, struct report_record *r)
{
	(void)m;
	r->spf_result = "error";
	r->reason_type = NULL;
	r->reason_comment = "comment only";
}

/* tw_nulls - NULL in required fields */
static void
tw_nulls(struct report_meta *m, struct report_record *r)
{
	m->org_name = NULL;
	m->fo = NULL;
	r->header_from = NULL;
	r->spf_domain = NULL;
	r->spf_result = NULL;
	r->dkim = NULL;
}

static const struct xml_case xml_cases[] = {
	{ "plain record", tw_none,
	  { "?>\n<feedback xmlns=\"urn:ietf:params:xml:ns:dmarc-2.0\">\n  <version>1.0</version>",
	    "<count>3</count>", "<source_ip>192.0.2.1</source_ip>",
	    "<selector>sel1</selector>", "<begin>1704067200</begin>",
	    "<scope>mfrom</scope>" },
	  { "<envelope_to>", "<extra_contact_info>", "<error>", "<reason>", "<generator>",
	    "<pct>" } },
	{ "policy as published", tw_none,
	  { "<domain>example.com</domain>", "<adkim>r</adkim>", "<aspf>s</aspf>",
	    "<p>reject</p>", "<sp>quarantine</sp>",
	    "<discovery_method>treewalk</discovery_method>" },
	  { "<np>", NULL } },
	{ "testing n", tw_none, { "<testing>n</testing>" }, { "<testing>y" } },
	{ "np, t=y and PSL discovery", tw_rfc9990,
	  { "<np>reject</np>", "<testing>y</testing>",
	    "<discovery_method>psl</discovery_method>" },
	  { "<testing>n", "treewalk" } },
	{ "old row: no discovery method, np or testing", tw_old_row,
	  { "<p>reject</p>", "<sp>quarantine</sp>" },
	  { "<discovery_method>", "<testing>", "<np>" } },
	{ "new elements outside the schema left out", tw_bad_9990,
	  { "<p>reject</p>" },
	  { "<discovery_method>", "<testing>", "<np>", "drop", "maybe", "dns" } },
	{ "RFC 7489 sampled_out is policy_test_mode", tw_sampled_out,
	  { "<type>policy_test_mode</type>", "<comment>t=y</comment>",
	    "<result>policy</result>" },
	  { "sampled_out" } },
	{ "RFC 7489 forwarded is other", tw_forwarded,
	  { "<type>other</type>", "<comment>forwarded</comment>" },
	  { "<type>forwarded" } },
	{ "fo NULL is the RFC default 0", tw_none, { "<fo>0</fo>", "<end>1704153599</end>" },
	  { NULL } },
	{ "IPv6 written with eight groups", tw_ipv6,
	  { "<source_ip>2001:db8:0:0:0:0:0:1</source_ip>" }, { "::" } },
	{ "full IPv6 kept", tw_ipv6_full, { "<source_ip>2001:db8:1:2:3:4:5:6</source_ip>" },
	  { NULL } },
	{ "IPv4-mapped IPv6 as IPv4", tw_mapped, { "<source_ip>198.51.100.7</source_ip>" },
	  { "ffff" } },
	{ "unparseable source_ip", tw_bad_ip, { "<source_ip>0.0.0.0</source_ip>" },
	  { "not-an-ip" } },
	{ "optional elements present", tw_optional,
	  { "<extra_contact_info>https://receiver.example/dmarc</extra_contact_info>",
	    "<error>first &lt;error&gt;; second &amp; last</error>",
	    "<envelope_to>rcpt.example</envelope_to>",
	    "<type>mailing_list</type>", "<comment>known list</comment>",
	    "<generator>mailauth 9.9</generator>" },
	  { NULL } },
	{ "fo as published", tw_optional, { "<fo>1:d</fo>" }, { "<fo>0</fo>" } },
	{ "sp NULL is p, alignment left out", tw_sp_null,
	  { "<p>quarantine</p>", "<sp>quarantine</sp>" }, { "<adkim>", "<aspf>" } },
	{ "large count, failing record", tw_big_count,
	  { "<count>4000000000</count>", "<disposition>reject</disposition>",
	    "<dkim>fail</dkim>", "<spf>fail</spf>", "<result>softfail</result>",
	    "<scope>mfrom</scope>" },
	  { "<scope>helo" } },
	{ "no DKIM signature, no envelope_from", tw_no_dkim,
	  { "<envelope_from></envelope_from>", "<spf>\n" }, { "<dkim>\n" } },
	{ "two DKIM signatures in order", tw_two_dkim,
	  { "<domain>example.com</domain>\n        <selector>s1</selector>",
	    "<domain>esp.example</domain>\n        <selector></selector>\n"
	    "        <result>temperror</result>" },
	  { NULL } },
	{ "disposition pass (RFC 9990 ActionDispositionType)", tw_pass,
	  { "<disposition>pass</disposition>" }, { "<disposition>none" } },
	{ "values outside the schema replaced", tw_fallbacks,
	  { "<p>none</p>", "<disposition>none</disposition>",
	    "<dkim>fail</dkim>", "<spf>fail</spf>", "<scope>mfrom</scope>",
	    "<result>temperror</result>" },
	  { "bogus", "delete", "maybe", "pra", NULL } },
	{ "unknown override type kept as comment", tw_fallbacks,
	  { "<type>other</type>", "<comment>vip_sender</comment>",
	    "<result>permerror</result>" },
	  { NULL } },
	{ "comment without type", tw_spf_error,
	  { "<type>other</type>", "<comment>comment only</comment>",
	    "<result>permerror</result>" },
	  { NULL } },
	{ "required elements present when NULL", tw_nulls,
	  { "<org_name></org_name>", "<header_from></header_from>", "<fo>0</fo>",
	    "<spf>\n        <domain></domain>", "<result>none</result>" },
	  { "<dkim>\n" } },
};

/* test_xml_cases - each single-record document validates and holds its values */
static void
test_xml_cases(void)
{
	size_t i, k;

	for (i = 0; i < NELEM(xml_cases); i++) {
		const struct xml_case *c = &xml_cases[i];
		struct report_meta m = base_meta();
		struct report_record r = base_record();
		struct buf x;

		buf_init(&x);
		c->tweak(&m, &r);
		report_xml(&x, &m, &r, 1);
		check_valid(&x, c->name);
		for (k = 0; k < NELEM(c->want) && c->want[k] != NULL; k++)
			ok(contains(buf_str(&x), c->want[k]), "%s: has %s", c->name, c->want[k]);
		for (k = 0; k < NELEM(c->absent) && c->absent[k] != NULL; k++)
			ok(!contains(buf_str(&x), c->absent[k]), "%s: no %s", c->name,
			    c->absent[k]);
		buf_free(&x);
	}
}

/* test_xml_several - several records, in order, one document */
static void
test_xml_several(void)
{
	struct report_meta m = base_meta();
	struct report_record r[4];
	struct buf x;
	const char *p, *q;
	size_t i;

	for (i = 0; i < NELEM(r); i++)
		r[i] = base_record();
	r[1].source_ip = "2001:db8::25";
	r[1].count = 1;
	r[2].source_ip = "203.0.113.9";
	r[2].count = 17;
	r[2].dkim = "";
	r[3].count = 0;
	buf_init(&x);
	buf_adds(&x, "");
	report_xml(&x, &m, r, NELEM(r));
	check_valid(&x, "four records");
	for (i = 0, p = buf_str(&x); (p = strstr(p, "<record>")) != NULL; p++)
		i++;
	is_int(4, (long)i, "four records: four <record> elements");
	p = strstr(buf_str(&x), "<count>3</count>");
	q = strstr(buf_str(&x), "<count>17</count>");
	ok(p != NULL && q != NULL && p < q, "four records: in the given order");
	ok(contains(buf_str(&x), "<count>0</count>"), "four records: a count of 0 as given");
	ok(x.len > 0 && buf_str(&x)[x.len - 1] == '\n', "four records: ends with a newline");
	buf_free(&x);

	/* appending keeps what is in the buffer */
	buf_init(&x);
	buf_adds(&x, "PREFIX");
	report_xml(&x, &m, r, 1);
	ok(strncmp(buf_str(&x), "PREFIX<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 45) == 0,
	    "report_xml appends after existing text");
	buf_free(&x);
}

/* --- XML: hostile strings --- */

struct hostile_case {
	const char *name;
	const char *in;
	const char *want;	/* escaped form that must appear (in org_name) */
	const char *absent;	/* raw bytes that must not appear, or NULL */
};

static const struct hostile_case hostile_cases[] = {
	{ "markup", "<b>&x;</b>", "&lt;b&gt;&amp;x;&lt;/b&gt;", "<b>" },
	{ "quotes", "a\"b'c", "a&quot;b&apos;c", "a\"b" },
	{ "closing tag", "</org_name><org_name>", "&lt;/org_name&gt;&lt;org_name&gt;", NULL },
	{ "CDATA end", "]]>", "]]&gt;", "]]>" },
	{ "C0 controls", "a\x01\x08\x0b\x0c\x1b" "b", "a\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
	  "\xef\xbf\xbd\xef\xbf\xbd" "b", "\x1b" },
	{ "TAB and LF kept, CR as reference", "a\tb\nc\rd", "a\tb\nc&#13;d", "\r" },
	{ "lone 8-bit bytes", "x\xff\xfe\x80y", "x\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdy", "\xff" },
	{ "overlong slash", "\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd", "\xc0" },
	{ "overlong three-byte", "\xe0\x80\xaf", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd",
	  "\xe0" },
	{ "UTF-16 surrogate", "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", "\xed" },
	{ "U+FFFE non-character", "<\xef\xbf\xbe>", "&lt;\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd&gt;",
	  "\xef\xbf\xbe" },
	{ "beyond U+10FFFF", "\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
	  "\xef\xbf\xbd", "\xf4" },
	{ "truncated sequence", "ab\xe2\x82", "ab\xef\xbf\xbd\xef\xbf\xbd", "\xe2" },
	{ "valid UTF-8 kept", "J\xc3\xb6rg \xe2\x82\xac \xf0\x9f\x93\xa7",
	  "J\xc3\xb6rg \xe2\x82\xac \xf0\x9f\x93\xa7", NULL },
	{ "DEL kept (an XML Char)", "a\x7f" "b", "a\x7f" "b", NULL },
};

/* test_xml_hostile - hostile text is escaped or replaced, and still validates */
static void
test_xml_hostile(void)
{
	size_t i;

	for (i = 0; i < NELEM(hostile_cases); i++) {
		const struct hostile_case *c = &hostile_cases[i];
		struct report_meta m = base_meta();
		struct report_record r = base_record();
		const char *errs[1];
		struct buf x, want;

		errs[0] = c->in;
		m.org_name = c->in;
		m.report_id = c->in;
		m.extra_contact = c->in;
		m.errors = errs;
		m.nerrors = 1;
		m.domain = c->in;
		m.fo = c->in;
		r.header_from = c->in;
		r.envelope_from = c->in;
		r.envelope_to = c->in;
		r.reason_type = "other";
		r.reason_comment = c->in;
		r.spf_domain = c->in;
		buf_init(&x);
		buf_init(&want);
		hist_dkim_encode(&want, c->in, c->in, "pass");
		r.dkim = buf_str(&want);
		report_xml(&x, &m, &r, 1);
		check_valid(&x, c->name);
		buf_reset(&want);
		buf_printf(&want, "<org_name>%s</org_name>", c->want);
		ok(contains(buf_str(&x), buf_str(&want)), "%s: escaped in org_name", c->name);
		buf_reset(&want);
		buf_printf(&want, "<selector>%s</selector>", c->want);
		ok(contains(buf_str(&x), buf_str(&want)), "%s: escaped in DKIM selector",
		    c->name);
		if (c->absent != NULL)
			ok(!contains(buf_str(&x), c->absent), "%s: raw bytes gone", c->name);
		buf_free(&x);
		buf_free(&want);
	}
}

/* --- DKIM list --- */

struct dkim_sig { const char *d, *s, *r; };

static const struct dkim_sig dkim_sigs[] = {
	{ "example.com", "sel-1", "pass" },
	{ "Sub.Example.ORG", "2024_01.k", "fail" },
	{ "", "", "none" },
	{ "a b/c%d", "x y", "temperror" },
	{ "\x01\x7f\xff\xfe", "\xc3\xa9", "permerror" },
	{ "d", "", "policy" },
	{ "%41", "%", "neutral" },
};

/* test_xml_dkim_order - 150 signatures: RFC 9990's order of preference (strict
 * pass, relaxed pass, other pass, the rest in stored order), at most 100 written */
static void
test_xml_dkim_order(const struct psl *psl)
{
	struct report_meta m = base_meta();
	struct report_record r = base_record();
	struct buf list, x, want;
	const char *p;
	size_t i, n;

	buf_init(&list);
	buf_init(&x);
	buf_init(&want);
	/* 147 failures around the three passes, which come late in the message */
	for (i = 0; i < 147; i++) {
		char sel[16];

		snprintf(sel, sizeof sel, "f%zu", i);
		hist_dkim_encode(&list, i % 2 ? "example.com" : "other.example", sel,
		    i % 3 ? "fail" : "neutral");
		if (i == 120)
			hist_dkim_encode(&list, "esp.example", "other", "pass");
		if (i == 130)
			hist_dkim_encode(&list, "mail.example.com", "relaxed", "pass");
		if (i == 140)
			hist_dkim_encode(&list, "Example.COM", "strict", "pass");
	}
	r.dkim = buf_str(&list);
	is_int(150, (long)report_dkim_decode(r.dkim, NULL, NULL, NULL),
	    "dkim order: 150 signatures stored");
	m.psl = psl;
	report_xml(&x, &m, &r, 1);
	check_valid(&x, "dkim order: 150 signatures");
	for (n = 0, p = buf_str(&x); (p = strstr(p, "<dkim>\n")) != NULL; p++)
		n++;
	is_int(REPORT_DKIM_MAX, (long)n, "dkim order: %d of 150 written",
	    REPORT_DKIM_MAX);
	buf_adds(&want, "<auth_results>\n"
	    "      <dkim>\n        <domain>Example.COM</domain>\n"
	    "        <selector>strict</selector>\n        <result>pass</result>\n"
	    "      </dkim>\n"
	    "      <dkim>\n        <domain>mail.example.com</domain>\n"
	    "        <selector>relaxed</selector>\n        <result>pass</result>\n"
	    "      </dkim>\n"
	    "      <dkim>\n        <domain>esp.example</domain>\n"
	    "        <selector>other</selector>\n        <result>pass</result>\n"
	    "      </dkim>\n"
	    "      <dkim>\n        <domain>other.example</domain>\n"
	    "        <selector>f0</selector>\n        <result>neutral</result>\n"
	    "      </dkim>\n"
	    "      <dkim>\n        <domain>example.com</domain>\n"
	    "        <selector>f1</selector>\n        <result>fail</result>\n");
	ok(contains(buf_str(&x), buf_str(&want)), "dkim order: strict, relaxed, other "
	    "pass, then the failures from the first");
	ok(contains(buf_str(&x), "<selector>f96</selector>") &&
	    !contains(buf_str(&x), "<selector>f97</selector>"),
	    "dkim order: the last 50 failures are left out (f96 is the 100th)");
	/* without a PSL the relaxed pass is only "another pass": after esp.example */
	buf_reset(&x);
	m.psl = NULL;
	report_xml(&x, &m, &r, 1);
	p = strstr(buf_str(&x), "<selector>relaxed</selector>");
	ok(p != NULL && strstr(buf_str(&x), "<selector>other</selector>") < p &&
	    strstr(buf_str(&x), "<selector>strict</selector>") <
	    strstr(buf_str(&x), "<selector>other</selector>"),
	    "dkim order without a PSL: strict, then other passes in stored order");
	buf_free(&list);
	buf_free(&x);
	buf_free(&want);
}

/* test_dkim_roundtrip - encode a list, decode it back field by field */
static void
test_dkim_roundtrip(void)
{
	char **d = NULL, **s = NULL, **r = NULL;
	const char *p;
	struct buf enc;
	size_t i, n, spaces = 0;
	bool clean = true;

	buf_init(&enc);
	for (i = 0; i < NELEM(dkim_sigs); i++)
		hist_dkim_encode(&enc, dkim_sigs[i].d, dkim_sigs[i].s, dkim_sigs[i].r);
	for (p = buf_str(&enc); *p != '\0'; p++) {
		if (*p == ' ')
			spaces++;
		else if (!(((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("._-%/", *p) != NULL))
			clean = false;
	}
	ok(clean, "dkim encode: only [A-Za-z0-9._-%%/] and spaces");
	is_int(NELEM(dkim_sigs) - 1, (long)spaces, "dkim encode: one space between signatures");
	is_string("example.com/sel-1/pass Sub.Example.ORG/2024_01.k/fail //none "
	    "a%20b%2Fc%25d/x%20y/temperror %01%7F%FF%FE/%C3%A9/permerror d//policy "
	    "%2541/%25/neutral", buf_str(&enc), "dkim encode: exact text");
	n = report_dkim_decode(buf_str(&enc), &d, &s, &r);
	is_int(NELEM(dkim_sigs), (long)n, "dkim decode: count");
	for (i = 0; i < n && i < NELEM(dkim_sigs); i++) {
		is_string(dkim_sigs[i].d, d[i], "dkim decode %zu: domain", i);
		is_string(dkim_sigs[i].s, s[i], "dkim decode %zu: selector", i);
		is_string(dkim_sigs[i].r, r[i], "dkim decode %zu: result", i);
	}
	ok(n > 0 && d[n] == NULL && s[n] == NULL && r[n] == NULL,
	    "dkim decode: arrays NULL-terminated");
	report_dkim_free(d, s, r, n);

	buf_reset(&enc);
	hist_dkim_encode(&enc, NULL, NULL, NULL);
	is_string("//", buf_str(&enc), "dkim encode: NULL fields are empty");
	buf_free(&enc);
}

struct decode_case {
	const char *name, *enc;
	size_t want;
	const char *d0, *s0, *r0;	/* first signature, when want > 0 */
};

static const struct decode_case decode_cases[] = {
	{ "empty", "", 0, NULL, NULL, NULL },
	{ "NULL", NULL, 0, NULL, NULL, NULL },
	{ "blanks only", "   ", 0, NULL, NULL, NULL },
	{ "one slash: skipped", "a/b", 0, NULL, NULL, NULL },
	{ "three slashes: skipped", "a/b/c/d x/y/pass", 1, "x", "y", "pass" },
	{ "runs of spaces", "  a/b/pass    c/d/fail ", 2, "a", "b", "pass" },
	{ "bad escapes stay literal", "%zz/%4/%00", 1, "%zz", "%4", "%00" },
	{ "lowercase hex decodes", "%c3%a9/s/pass", 1, "\xc3\xa9", "s", "pass" },
};

/* test_dkim_decode - malformed stored lists */
static void
test_dkim_decode(void)
{
	size_t i, n;

	for (i = 0; i < NELEM(decode_cases); i++) {
		const struct decode_case *c = &decode_cases[i];
		char **d = (char **)1, **s = (char **)1, **r = (char **)1;

		n = report_dkim_decode(c->enc, &d, &s, &r);
		is_int((long)c->want, (long)n, "dkim decode %s: count", c->name);
		if (c->want == 0)
			ok(d == NULL && s == NULL && r == NULL, "dkim decode %s: arrays NULL",
			    c->name);
		else if (n > 0) {
			is_string(c->d0, d[0], "dkim decode %s: domain", c->name);
			is_string(c->s0, s[0], "dkim decode %s: selector", c->name);
			is_string(c->r0, r[0], "dkim decode %s: result", c->name);
		}
		report_dkim_free(d, s, r, n);
	}
	{
		char **r = NULL;

		n = report_dkim_decode("a/b/pass c/d/fail", NULL, NULL, &r);
		ok(n == 2 && r != NULL && strcmp(r[1], "fail") == 0,
		    "dkim decode: only the arrays asked for");
		report_dkim_free(NULL, NULL, r, n);
	}
}

/* --- gzip --- */

/* gunzip - inflate a gzip member; 0 and out filled, or -1 */
static int
gunzip(const unsigned char *in, size_t len, struct buf *out)
{
	unsigned char chunk[4096];
	z_stream zs;
	int rc;

	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, 15 + 16) != Z_OK)
		return -1;
	zs.next_in = (unsigned char *)in;
	zs.avail_in = (unsigned)len;
	do {
		zs.next_out = chunk;
		zs.avail_out = sizeof(chunk);
		rc = inflate(&zs, Z_NO_FLUSH);
		if (rc != Z_OK && rc != Z_STREAM_END) {
			inflateEnd(&zs);
			return -1;
		}
		buf_add(out, chunk, sizeof(chunk) - zs.avail_out);
	} while (rc != Z_STREAM_END);
	rc = zs.avail_in == 0 ? 0 : -1;	/* nothing after the member */
	inflateEnd(&zs);
	return rc;
}

/* test_gzip - round trips of several sizes, the RFC 1952 header */
static void
test_gzip(void)
{
	static const size_t sizes[] = { 0, 1, 100, 70000, 1000003 };
	unsigned long x = 12345;
	size_t i, k;

	for (i = 0; i < NELEM(sizes); i++) {
		unsigned char *data = xmalloc(sizes[i] + 1);
		struct buf gz, back;
		const unsigned char *g;

		for (k = 0; k < sizes[i]; k++) {
			x = x * 1103515245 + 12345;	/* half text, half noise */
			data[k] = k % 2 ? (unsigned char)(x >> 16) : (unsigned char)("<record>"[k % 8]);
		}
		buf_init(&gz);
		buf_init(&back);
		is_int(0, report_gzip(data, sizes[i], &gz), "gzip %zu bytes: returns 0", sizes[i]);
		g = (const unsigned char *)gz.data;
		ok(gz.len >= 18 && g[0] == 0x1f && g[1] == 0x8b && g[2] == 8,
		    "gzip %zu bytes: magic 1f 8b, method deflate", sizes[i]);
		ok(gz.len >= 18 && g[4] == 0 && g[5] == 0 && g[6] == 0 && g[7] == 0,
		    "gzip %zu bytes: mtime 0", sizes[i]);
		ok(gunzip(g, gz.len, &back) == 0 && back.len == sizes[i] &&
		    (sizes[i] == 0 || memcmp(back.data, data, sizes[i]) == 0),
		    "gzip %zu bytes: inflates back to the input", sizes[i]);
		buf_free(&gz);
		buf_free(&back);
		free(data);
	}
	{
		struct buf gz, back;

		buf_init(&gz);
		buf_init(&back);
		buf_adds(&gz, "HEAD");
		report_gzip("hello", 5, &gz);
		ok(gz.len > 4 && memcmp(gz.data, "HEAD", 4) == 0 &&
		    gunzip((const unsigned char *)gz.data + 4, gz.len - 4, &back) == 0 &&
		    strcmp(buf_str(&back), "hello") == 0, "gzip appends after existing bytes");
		buf_free(&gz);
		buf_free(&back);
	}
}

/* --- rua= --- */

struct rua_want {
	const char *uri;
	bool usable;
	const char *address, *domain;	/* NULL: expected NULL */
	const char *why;		/* prefix of the reason, when not usable */
};

struct rua_case {
	const char *name, *rua;
	size_t n;
	struct rua_want w[3];
};

static const struct rua_case rua_cases[] = {
	{ "plain mailto", "mailto:a@x.example", 1,
	  { { "mailto:a@x.example", true, "a@x.example", "x.example", NULL } } },
	{ "obsolete size 10m ignored", "mailto:a@x.example!10m", 1,
	  { { "mailto:a@x.example", true, "a@x.example", "x.example", NULL } } },
	{ "obsolete size 50k ignored", "mailto:a@x.example!50k", 1,
	  { { "mailto:a@x.example", true, "a@x.example", "x.example", NULL } } },
	{ "obsolete size 2g ignored", "mailto:a@x.example!2g", 1,
	  { { "mailto:a@x.example", true, "a@x.example", "x.example", NULL } } },
	{ "obsolete size 1t ignored", "mailto:a@x.example!1t", 1,
	  { { "mailto:a@x.example", true, "a@x.example", "x.example", NULL } } },
	{ "obsolete size uppercase unit ignored", "mailto:a@x.example!3M", 1,
	  { { "mailto:a@x.example", true, "a@x.example", "x.example", NULL } } },
	{ "obsolete size plain digits are bytes ignored", "mailto:a@x.example!4096", 1,
	  { { "mailto:a@x.example", true, "a@x.example", "x.example", NULL } } },
	{ "several URIs with spaces", " mailto:a@x.example , mailto:b@y.example!1k,\tmailto:c@z.example ", 3,
	  { { "mailto:a@x.example", true, "a@x.example", "x.example", NULL },
	    { "mailto:b@y.example", true, "b@y.example", "y.example", NULL },
	    { "mailto:c@z.example", true, "c@z.example", "z.example", NULL } } },
	{ "not a size: unencoded !", "mailto:a@x.example!10x", 1,
	  { { "mailto:a@x.example", false, NULL, NULL, "unencoded \"!\"" } } },
	{ "unit without digits", "mailto:a@x.example!k", 1,
	  { { "mailto:a@x.example", false, NULL, NULL, "unencoded \"!\"" } } },
	{ "empty size", "mailto:a@x.example!", 1,
	  { { "mailto:a@x.example", false, NULL, NULL, "unencoded \"!\"" } } },
	{ "obsolete size 0 ignored", "mailto:a@x.example!0", 1,
	  { { "mailto:a@x.example", true, "a@x.example", "x.example", NULL } } },
	{ "obsolete size beyond 2^64 ignored", "mailto:a@x.example!99999999999999999999", 1,
	  { { "mailto:a@x.example", true, "a@x.example", "x.example", NULL } } },
	{ "obsolete size beyond 2^64 by unit ignored", "mailto:a@x.example!16777216t", 1,
	  { { "mailto:a@x.example", true, "a@x.example", "x.example", NULL } } },
	{ "https not usable", "https://reports.example/dmarc", 1,
	  { { "https://reports.example/dmarc", false, NULL, NULL,
	      "unsupported URI scheme \"https\"" } } },
	{ "https beside mailto", "https://r.example/x!5m, mailto:a@x.example", 2,
	  { { "https://r.example/x", false, NULL, NULL, "unsupported URI scheme" },
	    { "mailto:a@x.example", true, "a@x.example", "x.example", NULL } } },
	{ "percent-encoded address", "mailto:dmarc%2Brua@X.Example", 1,
	  { { "mailto:dmarc%2Brua@X.Example", true, "dmarc+rua@x.example", "x.example",
	      NULL } } },
	{ "encoded bang in local part", "mailto:a%21b@x.example!1k", 1,
	  { { "mailto:a%21b@x.example", true, "a!b@x.example", "x.example", NULL } } },
	{ "encoded comma: two addresses", "mailto:a@x.example%2Cb@y.example", 1,
	  { { "mailto:a@x.example%2Cb@y.example", false, NULL, NULL,
	      "several addresses" } } },
	{ "query dropped", "mailto:a@x.example?subject=hi", 1,
	  { { "mailto:a@x.example?subject=hi", true, "a@x.example", "x.example", NULL } } },
	{ "uppercase scheme", "MAILTO:a@x.example", 1,
	  { { "MAILTO:a@x.example", true, "a@x.example", "x.example", NULL } } },
	{ "IDN domain to A-label", "mailto:a@b%C3%BCcher.example", 1,
	  { { "mailto:a@b%C3%BCcher.example", true, "a@xn--bcher-kva.example",
	      "xn--bcher-kva.example", NULL } } },
	{ "garbage", "garbage", 1, { { "garbage", false, NULL, NULL, "not a URI" } } },
	{ "scheme only", "mailto:", 1,
	  { { "mailto:", false, NULL, NULL, "mailto: URI without an address" } } },
	{ "no domain", "mailto:abuse", 1,
	  { { "mailto:abuse", false, NULL, NULL, "mailto: address without a domain" } } },
	{ "no local part", "mailto:@x.example", 1,
	  { { "mailto:@x.example", false, NULL, NULL, "mailto: address without a local" } } },
	{ "bad percent-encoding", "mailto:a%zz@x.example", 1,
	  { { "mailto:a%zz@x.example", false, NULL, NULL, "invalid percent-encoding" } } },
	{ "encoded CRLF", "mailto:a%0D%0ABcc:%20v@x.example", 1,
	  { { "mailto:a%0D%0ABcc:%20v@x.example", false, NULL, NULL,
	      "unsupported mailto: local part" } } },
	{ "quoted local part", "mailto:%22a%20b%22@x.example", 1,
	  { { "mailto:%22a%20b%22@x.example", false, NULL, NULL,
	      "unsupported mailto: local part" } } },
	{ "address literal", "mailto:a@[192.0.2.1]", 1,
	  { { "mailto:a@[192.0.2.1]", false, NULL, NULL, "invalid mailto: domain" } } },
	{ "bad domain", "mailto:a@x..example", 1,
	  { { "mailto:a@x..example", false, NULL, NULL, "invalid mailto: domain" } } },
	{ "digit-first scheme", "1mailto:a@x.example", 1,
	  { { "1mailto:a@x.example", false, NULL, NULL, "not a URI" } } },
	{ "empty elements skipped", ",, mailto:a@x.example ,", 1,
	  { { "mailto:a@x.example", true, "a@x.example", "x.example", NULL } } },
	{ "empty value", "", 0, { { NULL, false, NULL, NULL, NULL } } },
	{ "NULL value", NULL, 0, { { NULL, false, NULL, NULL, NULL } } },
};

/* test_rua - the rua= table */
static void
test_rua(void)
{
	size_t i, k, n;

	for (i = 0; i < NELEM(rua_cases); i++) {
		const struct rua_case *c = &rua_cases[i];
		struct report_uri *u = (struct report_uri *)1;

		n = report_parse_rua(c->rua, &u);
		is_int((long)c->n, (long)n, "rua %s: count", c->name);
		if (c->n == 0)
			ok(u == NULL, "rua %s: no array", c->name);
		for (k = 0; k < n && k < c->n; k++) {
			const struct rua_want *w = &c->w[k];

			is_string(w->uri, u[k].uri, "rua %s #%zu: uri", c->name, k);
			is_int(w->usable, u[k].usable, "rua %s #%zu: usable", c->name, k);
			is_string(w->address, u[k].address, "rua %s #%zu: address", c->name, k);
			is_string(w->domain, u[k].domain, "rua %s #%zu: domain", c->name, k);
			if (w->usable)
				ok(u[k].why == NULL, "rua %s #%zu: no reason", c->name, k);
			else
				ok(u[k].why != NULL && strncmp(u[k].why, w->why, strlen(w->why)) == 0,
				    "rua %s #%zu: reason \"%s\" (got \"%s\")", c->name, k, w->why,
				    u[k].why != NULL ? u[k].why : "(null)");
		}
		report_uris_free(u, n);
	}
}

/* --- destinations --- */

struct ext_case { const char *policy, *dest; bool want; const char *name; };

static const struct ext_case ext_cases[] = {
	{ "example.com", "example.com", false, "same domain" },
	{ "example.com", "mail.example.com", false, "destination is a subdomain" },
	{ "news.example.com", "reports.example.com", false, "sibling subdomains" },
	{ "EXAMPLE.com.", "Reports.Example.COM", false, "case and final dot" },
	{ "example.com", "example.net", true, "different organization" },
	{ "example.com", "example.com.evil.test", true, "lookalike under another suffix" },
	{ "example.co.uk", "reports.example.co.uk", false, "multi-label suffix, same org" },
	{ "example.co.uk", "other.co.uk", true, "multi-label suffix, other org" },
	{ "co.uk", "example.co.uk", true, "public suffix against a registrable name" },
	{ "co.uk", "co.uk", false, "public suffix against itself" },
	{ "a.b.ck", "c.b.ck", true, "wildcard suffix: different orgs" },
	{ "www.ck", "x.www.ck", false, "wildcard exception is an org" },
	{ "example.com", NULL, true, "NULL destination" },
	{ NULL, "example.com", true, "NULL policy domain" },
	{ "exa mple.com", "exa mple.com", true, "invalid name" },
};

/* test_external - report_dest_external */
static void
test_external(const struct psl *psl)
{
	size_t i;

	for (i = 0; i < NELEM(ext_cases); i++)
		is_int(ext_cases[i].want,
		    report_dest_external(psl, ext_cases[i].policy, ext_cases[i].dest),
		    "external: %s", ext_cases[i].name);
	is_int(false, report_dest_external(NULL, "example.com", "EXAMPLE.COM"),
	    "external without a PSL: same name");
	is_int(true, report_dest_external(NULL, "example.com", "mail.example.com"),
	    "external without a PSL: names compare as themselves");
}

static const char *const auth_zone[] = {
	"example.com._report._dmarc.rua.example.net TXT \"v=DMARC1\"",
	"example.org._report._dmarc.rua.example.net TXT \"v=DMARC1; rua=mailto:x@rua.example.net\"",
	"spf.test._report._dmarc.rua.example.net TXT \"v=spf1 -all\"",
	"v10.test._report._dmarc.rua.example.net TXT \"v=DMARC10\"",
	"mixed.test._report._dmarc.rua.example.net TXT \"hello\"",
	"mixed.test._report._dmarc.rua.example.net TXT \"v = DMARC1 ;\"",
	"split.test._report._dmarc.rua.example.net TXT \"v=DMA\" \"RC1\"",
	"nodata.test._report._dmarc.rua.example.net A 192.0.2.1",
	"fail.test._report._dmarc.rua.example.net SERVFAIL",
	"slow.test._report._dmarc.rua.example.net TIMEOUT",
	"refused.test._report._dmarc.rua.example.net REFUSED",
	"*._report._dmarc.wild.example TXT \"v=DMARC1\"",
	"two.test._report._dmarc.rua.example.net TXT \"v=DMARC1\"",
	"two.test._report._dmarc.rua.example.net TXT \"hello; rua=mailto:no@rua.example.net\"",
	"two.test._report._dmarc.rua.example.net TXT \"v=DMARC1; rua=mailto:y@rua.example.net\"",
	"away.test._report._dmarc.rua.example.net TXT \"v=DMARC1; rua=mailto:z@evil.example\"",
	"empty.test._report._dmarc.rua.example.net TXT \"v=DMARC1; rua=\"",
};

struct auth_case {
	const char *policy, *dest;
	int want;
	const char *name;
	const char *rua;		/* the confirming record's rua=, or NULL */
};

static const struct auth_case auth_cases[] = {
	{ "example.com", "rua.example.net", 1, "v=DMARC1 record", NULL },
	{ "example.org", "rua.example.net", 1, "record with more tags",
	  "mailto:x@rua.example.net" },
	{ "EXAMPLE.COM.", "Rua.Example.Net.", 1, "names normalised", NULL },
	{ "mixed.test", "rua.example.net", 1, "one DMARC1 record among others", NULL },
	{ "split.test", "rua.example.net", 1, "record split in character-strings",
	  NULL },
	{ "other.test", "rua.example.net", 0, "NXDOMAIN", NULL },
	{ "nodata.test", "rua.example.net", 0, "NODATA", NULL },
	{ "spf.test", "rua.example.net", 0, "TXT that is not DMARC1", NULL },
	{ "v10.test", "rua.example.net", 0, "v=DMARC10 is not DMARC1", NULL },
	{ "fail.test", "rua.example.net", -1, "SERVFAIL", NULL },
	{ "slow.test", "rua.example.net", -1, "timeout", NULL },
	{ "refused.test", "rua.example.net", 0, "REFUSED is not temporary", NULL },
	{ "any.example", "wild.example", 1, "wildcard authorization", NULL },
	{ "bad name", "rua.example.net", 0, "invalid policy domain: no query", NULL },
	{ "two.test", "rua.example.net", 1, "rua= of the first DMARC1 record that has one",
	  "mailto:y@rua.example.net" },
	{ "away.test", "rua.example.net", 1, "rua= at another host given as found",
	  "mailto:z@evil.example" },
	{ "empty.test", "rua.example.net", 1, "empty rua= is no override", NULL },
};

/* test_authorized - report_dest_authorized through the zone backend */
static void
test_authorized(void)
{
	struct dns_resolver *z = dns_zone_new();
	struct dns_session s;
	struct buf err;
	size_t i;
	int rc;

	buf_init(&err);
	setenv("MAILAUTH_ZONE_TIMEOUT_INSTANT", "1", 1);
	for (i = 0; i < NELEM(auth_zone); i++)
		if (dns_zone_add_line(z, auth_zone[i], &err) != 0)
			bail("zone line %s: %s", auth_zone[i], buf_str(&err));
	for (i = 0; i < NELEM(auth_cases); i++) {
		char *rua = (char *)"unset";

		dns_session_init(&s, z, 1000);
		rc = report_dest_authorized(&s, auth_cases[i].policy, auth_cases[i].dest,
		    &rua);
		is_int(auth_cases[i].want, rc, "authorized: %s", auth_cases[i].name);
		is_int(strcmp(auth_cases[i].policy, "bad name") == 0 ? 0 : 1, (long)s.queries,
		    "authorized: %s: DNS queries", auth_cases[i].name);
		is_string(auth_cases[i].rua != NULL ? auth_cases[i].rua : "(null)",
		    rua != NULL ? rua : "(null)", "authorized: %s: rua=", auth_cases[i].name);
		free(rua);
		/* without the out parameter the answer is the same */
		dns_session_init(&s, z, 1000);
		is_int(auth_cases[i].want, report_dest_authorized(&s, auth_cases[i].policy,
		    auth_cases[i].dest, NULL), "authorized: %s: rua not asked",
		    auth_cases[i].name);
	}
	dns_resolver_free(z);
	buf_free(&err);
}

/* RFC 9990 "Verifying External Destinations" step 9 and the paragraph after it */
static const struct override_case {
	const char *dest, *rua;
	size_t want;
	const char *addrs;		/* the addresses, joined by ' ' */
	const char *name;
} override_cases[] = {
	{ "rua.example.net", "mailto:a@rua.example.net", 1, "a@rua.example.net",
	  "one URI at the destination host replaces it" },
	{ "rua.example.net", " mailto:a@rua.example.net , mailto:b@RUA.Example.NET. ", 2,
	  "a@rua.example.net b@rua.example.net", "two URIs at the host, names normalised" },
	{ "Rua.Example.Net", "mailto:a@rua.example.net!10m", 1, "a@rua.example.net",
	  "obsolete size ignored, destination normalised" },
	{ "rua.example.net", "mailto:a@rua.example.net,mailto:b@evil.example", 0, "",
	  "one URI at another host: none at all" },
	{ "rua.example.net", "mailto:a@sub.rua.example.net", 0, "",
	  "a subdomain is another host" },
	{ "rua.example.net", "mailto:a@example.net", 0, "",
	  "the parent domain is another host" },
	{ "rua.example.net", "https://rua.example.net/dmarc", 0, "",
	  "a host that cannot be told (other scheme)" },
	{ "rua.example.net", "mailto:bad..local@rua.example.net", 0, "",
	  "a malformed URI" },
	{ "rua.example.net", " , ", 0, "", "no URI" },
	{ NULL, "mailto:a@rua.example.net", 0, "", "no destination host" },
};

/* test_override - report_dest_override */
static void
test_override(void)
{
	static struct report_uri sentinel;
	struct report_uri *u;
	const char *why;
	struct buf got;
	size_t i, k, n;

	buf_init(&got);
	for (i = 0; i < NELEM(override_cases); i++) {
		const struct override_case *c = &override_cases[i];

		u = &sentinel;		/* must be replaced */
		why = "unset";
		n = report_dest_override(c->dest, c->rua, &u, &why);
		is_int((long)c->want, (long)n, "override: %s: URIs", c->name);
		buf_reset(&got);
		for (k = 0; k < n; k++)
			buf_printf(&got, "%s%s", k ? " " : "", u[k].address);
		is_string(c->addrs, buf_str(&got), "override: %s: addresses", c->name);
		if (c->want == 0)
			ok(u == NULL && why != NULL && strcmp(why, "unset") != 0,
			    "override: %s: nothing returned, why: %s", c->name,
			    why != NULL ? why : "(null)");
		else
			ok(why == NULL, "override: %s: no reason", c->name);
		report_uris_free(u, n);
	}
	buf_free(&got);
}

/* --- file name --- */

struct fn_case {
	const char *name, *receiver, *domain, *id;
	long long begin, end;
	const char *want;
};

static const struct fn_case fn_cases[] = {
	{ "RFC example form", "mail.receiver.example", "example.com", NULL,
	  1013662812, 1013749130, "mail.receiver.example!example.com!1013662812!1013749130.xml.gz" },
	{ "with unique id", "mail.receiver.example", "example.com", "abc123",
	  1013662812, 1013749130,
	  "mail.receiver.example!example.com!1013662812!1013749130!abc123.xml.gz" },
	{ "unique id keeps letters and digits", "r.example", "d.example", "2024-01/01.x!",
	  1, 2, "r.example!d.example!1!2!20240101x.xml.gz" },
	{ "empty unique id left out", "r.example", "d.example", "--", 1, 2,
	  "r.example!d.example!1!2.xml.gz" },
	{ "names lowercased", "MX.Receiver.Example", "Example.COM", NULL, 0, 86399,
	  "mx.receiver.example!example.com!0!86399.xml.gz" },
	{ "hostile names", "a!b/../c", "x\"y\r\n z", NULL, 5, 6,
	  "a_b_.._c!x_y___z!5!6.xml.gz" },
};

/* test_filename - report_filename */
static void
test_filename(void)
{
	size_t i;

	for (i = 0; i < NELEM(fn_cases); i++) {
		const struct fn_case *c = &fn_cases[i];
		struct buf b;

		buf_init(&b);
		report_filename(&b, c->receiver, c->domain, c->begin, c->end, c->id);
		is_string(c->want, buf_str(&b), "filename: %s", c->name);
		buf_free(&b);
	}
}

/* --- MIME --- */

/* b64val - value of a base64 character, or -1 */
static int
b64val(int c)
{
	const char *tab = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c != '\0' ? strchr(tab, c) : NULL;

	return p != NULL ? (int)(p - tab) : -1;
}

/* b64_decode - decode [p, end) ignoring LF; -1 on a bad character or a long line */
static int
b64_decode(const char *p, const char *end, struct buf *out)
{
	unsigned long v = 0;
	int bits = 0, col = 0;

	for (; p < end; p++) {
		if (*p == '\n') {
			col = 0;
			continue;
		}
		if (++col > 76)
			return -1;
		if (*p == '=')
			continue;
		if (b64val(*p) < 0)
			return -1;
		v = (v << 6) | (unsigned long)b64val(*p);
		if ((bits += 6) >= 8) {
			bits -= 8;
			buf_addc(out, (int)((v >> bits) & 0xff));
		}
	}
	return 0;
}

/* header_section - the message up to its first blank line */
static void
header_section(const char *msg, struct buf *out)
{
	const char *e = strstr(msg, "\n\n");

	buf_add(out, msg, e != NULL ? (size_t)(e - msg) + 1 : strlen(msg));
}

/* unfolded_header - the value of the first field called name, unfolded */
static void
unfolded_header(const char *hdrs, const char *name, struct buf *out)
{
	const char *p = hdrs;
	size_t n = strlen(name);

	while (p != NULL && *p != '\0') {
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			for (p += n + 1; *p != '\0'; p++) {
				if (*p == '\n' && p[1] != ' ' && p[1] != '\t')
					return;
				if (*p != '\n')
					buf_addc(out, *p);
			}
			return;
		}
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
}

/* mime_for - the message for m with this gz payload */
static void
mime_for(struct buf *msg, const struct report_meta *m, const char *receiver,
    const struct buf *gz, const char *fn)
{
	report_mime(msg, "DMARC reports <dmarc-noreply@receiver.example>",
	    "rua@example.com", receiver, m, fn, gz->data, gz->len, 1704153600);
}

/* test_mime - report_mime structure, payload, and header safety */
static void
test_mime(void)
{
	struct report_meta m = base_meta();
	struct report_record r = base_record();
	struct buf xml, gz, msg, hdrs, v, back, fn;
	const char *p, *q, *line;
	bool bad;

	buf_init(&xml);
	buf_init(&gz);
	buf_init(&msg);
	buf_init(&hdrs);
	buf_init(&v);
	buf_init(&back);
	buf_init(&fn);
	report_xml(&xml, &m, &r, 1);
	if (report_gzip(xml.data, xml.len, &gz) != 0)
		bail("report_gzip failed");
	report_filename(&fn, "receiver.example", m.domain, m.begin, m.end, "r1");
	mime_for(&msg, &m, "receiver.example", &gz, buf_str(&fn));
	header_section(buf_str(&msg), &hdrs);

	ok(strchr(buf_str(&msg), '\r') == NULL, "mime: no CR anywhere");
	ok(strncmp(buf_str(&msg), "From: DMARC reports <dmarc-noreply@receiver.example>\n", 52) == 0,
	    "mime: starts with From");
	ok(contains(buf_str(&hdrs), "\nTo: rua@example.com\n"), "mime: To");
	ok(contains(buf_str(&hdrs), "\nDate: Tue, 02 Jan 2024 00:00:00 +0000\n"),
	    "mime: Date in RFC 5322 form, UTC");
	ok(contains(buf_str(&hdrs), "\nMessage-ID: <") &&
	    contains(buf_str(&hdrs), "@receiver.example>\n"), "mime: Message-ID");
	unfolded_header(buf_str(&hdrs), "Subject", &v);
	is_string(" Report Domain: example.com Submitter: receiver.example "
	    "Report-ID: <r-20240101-1>", buf_str(&v), "mime: Subject as RFC 9990 \"Email\"");
	ok(contains(buf_str(&msg), "DMARC aggregate report (RFC 9990)"),
	    "mime: the summary names RFC 9990");
	ok(contains(buf_str(&hdrs), "\nMIME-Version: 1.0\n"), "mime: MIME-Version");
	ok(contains(buf_str(&hdrs), "\nContent-Type: multipart/mixed;"), "mime: multipart/mixed");
	ok(contains(buf_str(&msg), "\nContent-Type: text/plain"), "mime: text/plain part");
	ok(contains(buf_str(&msg), "\nContent-Type: application/gzip;"), "mime: gzip part");
	buf_reset(&v);
	buf_printf(&v, "\nContent-Disposition: attachment;\n filename=\"%s\"\n", buf_str(&fn));
	ok(contains(buf_str(&msg), buf_str(&v)), "mime: Content-Disposition attachment; filename");
	ok(contains(buf_str(&msg), "\nContent-Transfer-Encoding: base64\n"), "mime: base64");

	/* the attachment decodes back to the gzip bytes */
	p = strstr(buf_str(&msg), "Content-Disposition: attachment;");
	p = p != NULL ? strstr(p, "\n\n") : NULL;
	q = p != NULL ? strstr(p, "\n--=_") : NULL;
	ok(p != NULL && q != NULL && b64_decode(p + 2, q + 1, &back) == 0 &&
	    back.len == gz.len && memcmp(back.data, gz.data, gz.len) == 0,
	    "mime: base64 decodes to the gzip bytes, lines of at most 76");
	for (bad = false, line = p != NULL ? p + 2 : ""; line < q; line = strchr(line, '\n') + 1)
		if (strchr(line, '\n') - line != 76 && strchr(line, '\n') + 1 < q)
			bad = true;
	ok(!bad && p != NULL, "mime: every base64 line but the last has 76 characters");
	{
		size_t len = msg.len;

		ok(len > 0 && buf_str(&msg)[len - 1] == '\n' && len > 3 &&
		    contains(buf_str(&msg) + len - 40 > buf_str(&msg) ? buf_str(&msg) + len - 40 :
		    buf_str(&msg), "--\n"), "mime: ends with the closing boundary");
	}
	for (bad = false, line = buf_str(&hdrs); *line != '\0'; line = strchr(line, '\n') + 1)
		if (strchr(line, '\n') - line > 78)
			bad = true;
	ok(!bad, "mime: header lines within 78 columns");

	/* hostile names cannot add header lines or boundaries */
	{
		static const char *const evil[] = {
			"evil.example\nBcc: victim@example.net",
			"evil.example\r\nBcc: victim@example.net",
			"evil.example\rBcc: victim@example.net",
			"x\n\n--=_mailauth_0_0\nContent-Type: text/html",
			"\xc3\xa9vil\x00.example",
		};
		size_t i, n;

		for (i = 0; i < NELEM(evil); i++) {
			struct report_meta hm = base_meta();

			hm.domain = evil[i];
			hm.report_id = evil[i];
			buf_reset(&msg);
			buf_reset(&hdrs);
			report_mime(&msg, "f@receiver.example", "rua@example.com", evil[i], &hm,
			    evil[i], gz.data, gz.len, 1704153600);
			header_section(buf_str(&msg), &hdrs);
			ok(!contains(buf_str(&msg), "\nBcc:"), "mime hostile %zu: no Bcc line", i);
			ok(strchr(buf_str(&msg), '\r') == NULL, "mime hostile %zu: no CR", i);
			for (bad = false, line = buf_str(&hdrs); *line != '\0';
			    line = strchr(line, '\n') + 1)
				if (!(line[0] == ' ' || strncmp(line, "From: ", 6) == 0 ||
				    strncmp(line, "To: ", 4) == 0 ||
				    strncmp(line, "Date: ", 6) == 0 ||
				    strncmp(line, "Message-ID: ", 12) == 0 ||
				    strncmp(line, "Subject:", 8) == 0 ||
				    strncmp(line, "MIME-Version: ", 14) == 0 ||
				    strncmp(line, "Auto-Submitted: ", 16) == 0 ||
				    strncmp(line, "Content-Type: ", 14) == 0))
					bad = true;
			ok(!bad, "mime hostile %zu: only our header fields", i);
			ok(!contains(buf_str(&msg), "\nContent-Type: text/html"),
			    "mime hostile %zu: no extra part", i);
			for (n = 0, line = buf_str(&msg); *line != '\0'; line = strchr(line, '\n') + 1)
				if (strncmp(line, "--", 2) == 0)
					n++;
			is_int(3, (long)n, "mime hostile %zu: two delimiters and the close only", i);
			for (bad = false, p = buf_str(&msg); *p != '\0'; p++)
				if ((unsigned char)*p >= 0x80)
					bad = true;
			ok(!bad, "mime hostile %zu: ASCII only", i);
		}
	}

	/* long names fold the Subject, and it unfolds to the same text */
	{
		struct report_meta lm = base_meta();
		char longdom[200];

		memset(longdom, 'a', sizeof(longdom) - 1);
		longdom[sizeof(longdom) - 1] = '\0';
		memcpy(longdom + sizeof(longdom) - 9, ".example", 8);
		lm.domain = longdom;
		buf_reset(&msg);
		buf_reset(&hdrs);
		buf_reset(&v);
		report_mime(&msg, "f@r.example", "rua@example.com", "receiver.example", &lm,
		    "f.xml.gz", "x", 1, 0);
		header_section(buf_str(&msg), &hdrs);
		unfolded_header(buf_str(&hdrs), "Subject", &v);
		ok(contains(buf_str(&hdrs), "\n Submitter: receiver.example"),
		    "mime: long Subject folded before Submitter");
		buf_reset(&back);
		buf_printf(&back, " Report Domain: %s Submitter: receiver.example "
		    "Report-ID: <r-20240101-1>", longdom);
		is_string(buf_str(&back), buf_str(&v), "mime: folded Subject unfolds unchanged");
	}
	buf_free(&xml);
	buf_free(&gz);
	buf_free(&msg);
	buf_free(&hdrs);
	buf_free(&v);
	buf_free(&back);
	buf_free(&fn);
}

int
main(void)
{
	struct buf err;
	struct psl *psl;

	have_xmllint = system("command -v xmllint >/dev/null 2>&1") == 0;
	if (!have_xmllint)
		diag("xmllint not found: schema checks are skipped");
	buf_init(&err);
	test_xml_cases();
	test_xml_several();
	test_xml_hostile();
	test_dkim_roundtrip();
	test_dkim_decode();
	test_gzip();
	test_rua();
	if ((psl = psl_load(tap_path("TDATA", "dmarc/psl.dat"), &err)) == NULL)
		bail("psl_load: %s", buf_str(&err));
	test_external(psl);
	test_xml_dkim_order(psl);
	psl_free(psl);
	test_authorized();
	test_override();
	test_filename();
	test_mime();
	buf_free(&err);
	return done_testing();
}
