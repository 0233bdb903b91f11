/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dns_test.c - lib/dns: zone backend, normalization, sessions, wire answers, threads,
 * and the unbound backend on local data (its real code path, no network)
 * DESCRIPTION
 *	Every query case is checked twice: the parsed answer, and the RFC 1035 reply
 *	dns_answer_wire() makes of it, read back with glibc's ns_parserr(). Answers are
 *	compared as text: A/AAAA as addresses, MX "PREF HOST", PTR/CNAME the host ("."
 *	for the root), TXT each character-string quoted with \DDD for bytes outside
 *	printable ASCII; several records joined by " | ".
 */
#include "autoconf.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <ctype.h>
#include <pthread.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "dns.h"
#include "dns_int.h"
#include "tap.h"
#include "testlib.h"
#include "util.h"

struct qcase {
	const char *name;
	int qtype;
	enum dns_status want;
	const char *text;	/* rendered records when DNS_OK */
};

static const struct qcase zone_cases[] = {
	{ "example.com", ns_t_txt, DNS_OK, "\"v=spf1 ip4:192.0.2.0/24 \" \"-all\"" },
	{ "EXAMPLE.COM.", ns_t_txt, DNS_OK, "\"v=spf1 ip4:192.0.2.0/24 \" \"-all\"" },
	{ "example.com", ns_t_mx, DNS_OK, "10 mx.example.com | 20 mx2.example.com" },
	{ "example.com", ns_t_a, DNS_OK, "192.0.2.1 | 192.0.2.2" },
	{ "example.com", ns_t_aaaa, DNS_OK, "2001:db8::1" },
	{ "mx.example.com", ns_t_a, DNS_OK, "192.0.2.25" },
	{ "mx.example.com", ns_t_txt, DNS_NODATA, NULL },
	{ "25.2.0.192.in-addr.arpa", ns_t_ptr, DNS_OK, "mx.example.com" },
	{ "esc.example", ns_t_txt, DNS_OK,
	  "\"say \\034hi\\034\" \"back\\092slash\" \"nul\\000byte\" \"\\255high\"" },
	{ "semi.example", ns_t_txt, DNS_OK, "\"a;b#c\"" },
	{ "bare.example", ns_t_txt, DNS_OK, "\"v=spf1\" \"-all\"" },
	{ "bare2.example", ns_t_txt, DNS_OK, "\"v=DMARC1;\" \"p=none\"" },
	{ "empty.example", ns_t_txt, DNS_OK, "\"\"" },
	{ "multi.example", ns_t_txt, DNS_OK, "\"first\" | \"second\"" },
	{ "nullmx.example", ns_t_mx, DNS_OK, "0 ." },
	{ "nosuch.example", ns_t_txt, DNS_NXDOMAIN, NULL },
	{ "example", ns_t_txt, DNS_NXDOMAIN, NULL },
	/* wildcards */
	{ "x.wild.example", ns_t_txt, DNS_OK, "\"wild\"" },
	{ "a.b.wild.example", ns_t_txt, DNS_OK, "\"wild\"" },
	{ "x.wild.example", ns_t_a, DNS_NODATA, NULL },
	{ "sub.wild.example", ns_t_txt, DNS_OK, "\"own\"" },
	{ "y.sub.wild.example", ns_t_txt, DNS_NXDOMAIN, NULL },
	{ "wild.example", ns_t_txt, DNS_NXDOMAIN, NULL },
	/* CNAME */
	{ "alias.example", ns_t_txt, DNS_OK, "\"v=spf1 ip4:192.0.2.0/24 \" \"-all\"" },
	{ "alias.example", ns_t_cname, DNS_OK, "example.com" },
	{ "alias2.example", ns_t_a, DNS_OK, "192.0.2.1 | 192.0.2.2" },
	{ "alias2.example", ns_t_cname, DNS_OK, "alias.example" },
	{ "loop1.example", ns_t_txt, DNS_TEMPFAIL, NULL },
	{ "dangling.example", ns_t_txt, DNS_NXDOMAIN, NULL },
	{ "hop1.example", ns_t_txt, DNS_OK, "\"end of chain\"" },
	{ "hop0.example", ns_t_txt, DNS_TEMPFAIL, NULL },
	{ "tobroken.example", ns_t_txt, DNS_TEMPFAIL, NULL },
	/* faults */
	{ "broken.example", ns_t_txt, DNS_TEMPFAIL, NULL },
	{ "broken.example", ns_t_a, DNS_TEMPFAIL, NULL },
	{ "slow.example", ns_t_txt, DNS_TEMPFAIL, NULL },
	{ "gone.example", ns_t_a, DNS_NXDOMAIN, NULL },
	{ "refused.example", ns_t_txt, DNS_PERMFAIL, NULL },
	{ "partial.example", ns_t_txt, DNS_TEMPFAIL, NULL },
	{ "partial.example", ns_t_a, DNS_OK, "192.0.2.9" },
	{ "slowtxt.example", ns_t_txt, DNS_TEMPFAIL, NULL },
	{ "slowtxt.example", ns_t_a, DNS_NODATA, NULL },
	{ "quoted.example", ns_t_txt, DNS_OK, "\"SERVFAIL\"" },
	/* invalid names: no query */
	{ "", ns_t_txt, DNS_PERMFAIL, NULL },
	{ ".", ns_t_txt, DNS_PERMFAIL, NULL },
	{ "example..com", ns_t_txt, DNS_PERMFAIL, NULL },
	{ ".example.com", ns_t_txt, DNS_PERMFAIL, NULL },
	{ "example.com..", ns_t_txt, DNS_PERMFAIL, NULL },
};

/* add_txt_string - render one character-string */
static void
add_txt_string(struct buf *b, const unsigned char *s, size_t len)
{
	size_t i;

	buf_addc(b, '"');
	for (i = 0; i < len; i++) {
		if (s[i] < 0x20 || s[i] > 0x7e || s[i] == '"' || s[i] == '\\')
			buf_printf(b, "\\%03u", s[i]);
		else
			buf_addc(b, s[i]);
	}
	buf_addc(b, '"');
}

/* render_answer - the records of an answer as text */
static void
render_answer(struct buf *b, const struct dns_answer *a)
{
	char ip[INET6_ADDRSTRLEN];
	size_t i, j;

	for (i = 0; i < a->n; i++) {
		const struct dns_rr *rr = &a->rr[i];

		if (i > 0)
			buf_adds(b, " | ");
		switch (a->qtype) {
		case ns_t_a:
			buf_adds(b, inet_ntop(AF_INET, &rr->u.a, ip, sizeof ip));
			break;
		case ns_t_aaaa:
			buf_adds(b, inet_ntop(AF_INET6, &rr->u.aaaa, ip, sizeof ip));
			break;
		case ns_t_mx:
			buf_printf(b, "%u %s", rr->u.mx.pref,
			    rr->u.mx.host[0] ? rr->u.mx.host : ".");
			break;
		case ns_t_ptr:
		case ns_t_cname:
			buf_adds(b, rr->u.host[0] ? rr->u.host : ".");
			break;
		case ns_t_txt:
			for (j = 0; j < rr->u.txt.nstrings; j++) {
				if (j > 0)
					buf_addc(b, ' ');
				add_txt_string(b, (const unsigned char *)
				    rr->u.txt.strings[j], rr->u.txt.lens[j]);
			}
			break;
		}
	}
}

/* txt_consistent - whether txt.data/len is the concatenation of the strings */
static bool
txt_consistent(const struct dns_answer *a)
{
	size_t i, j, off;

	if (a->qtype != ns_t_txt)
		return true;
	for (i = 0; i < a->n; i++) {
		const struct dns_rr *rr = &a->rr[i];

		off = 0;
		for (j = 0; j < rr->u.txt.nstrings; j++) {
			if (rr->u.txt.lens[j] > 255 ||
			    memcmp(rr->u.txt.data + off, rr->u.txt.strings[j],
			    rr->u.txt.lens[j]) != 0)
				return false;
			off += rr->u.txt.lens[j];
		}
		if (off != rr->u.txt.len || rr->u.txt.data[off] != '\0')
			return false;
	}
	return true;
}

/* same_name - whether a name as libresolv prints it is the dotted name want */
static bool
same_name(const char *printed, const char *want)
{
	unsigned char w1[NS_MAXCDNAME], w2[NS_MAXCDNAME];
	size_t len = strlen(want), pos = 0, start, i;

	if (len > 0 && want[len - 1] == '.')
		len--;
	for (start = 0; start < len; start = i + 1) {	/* labels by hand */
		for (i = start; i < len && want[i] != '.'; i++)
			;
		if (pos + 1 + (i - start) >= sizeof w2)
			return false;
		w2[pos++] = (unsigned char)(i - start);
		memcpy(w2 + pos, want + start, i - start);
		pos += i - start;
	}
	w2[pos++] = 0;
	if (ns_name_pton(printed, w1, sizeof w1) < 0)
		return false;
	for (i = 0; i < pos; i++)
		if (tolower(w1[i]) != tolower(w2[i]))
			return false;
	return true;
}

/* expand_raw - a (compressed) name in a reply as dotted text of raw label bytes */
static int
expand_raw(const unsigned char *pkt, size_t len, const unsigned char *src, char *out,
    size_t outlen)
{
	unsigned char wire[NS_MAXCDNAME];
	size_t pos = 0, o = 0;

	if (ns_name_unpack(pkt, pkt + len, src, wire, sizeof wire) < 0)
		return -1;
	while (wire[pos] != 0) {
		size_t l = wire[pos++];

		if (o + l + 2 > outlen)
			return -1;
		if (o > 0)
			out[o++] = '.';
		memcpy(out + o, wire + pos, l);
		o += l;
		pos += l;
	}
	out[o] = '\0';
	return 0;
}

/* render_wire - parse a reply with libresolv and render its answers; -1 if malformed */
static int
render_wire(struct buf *b, const unsigned char *pkt, size_t len, int qtype,
    const char *qname, int *rcode)
{
	ns_msg msg;
	ns_rr rr;
	char host[NS_MAXDNAME], ip[INET6_ADDRSTRLEN];
	int i, n;

	if (ns_initparse(pkt, (int)len, &msg) < 0 || ns_msg_count(msg, ns_s_qd) != 1 ||
	    ns_parserr(&msg, ns_s_qd, 0, &rr) < 0)
		return -1;
	if ((int)ns_rr_type(rr) != qtype || ns_rr_class(rr) != ns_c_in ||
	    !same_name(ns_rr_name(rr), qname))
		return -1;
	*rcode = ns_msg_getflag(msg, ns_f_rcode);
	if (!ns_msg_getflag(msg, ns_f_qr))
		return -1;
	n = ns_msg_count(msg, ns_s_an);
	for (i = 0; i < n; i++) {
		const unsigned char *rd;
		int rdlen;

		if (ns_parserr(&msg, ns_s_an, i, &rr) < 0 || (int)ns_rr_type(rr) != qtype ||
		    ns_rr_class(rr) != ns_c_in || !same_name(ns_rr_name(rr), qname))
			return -1;
		rd = ns_rr_rdata(rr);
		rdlen = ns_rr_rdlen(rr);
		if (i > 0)
			buf_adds(b, " | ");
		switch (qtype) {
		case ns_t_a:
			if (rdlen != 4)
				return -1;
			buf_adds(b, inet_ntop(AF_INET, rd, ip, sizeof ip));
			break;
		case ns_t_aaaa:
			if (rdlen != 16)
				return -1;
			buf_adds(b, inet_ntop(AF_INET6, rd, ip, sizeof ip));
			break;
		case ns_t_mx:
			if (rdlen < 3 || expand_raw(pkt, len, rd + 2, host,
			    sizeof host) < 0)
				return -1;
			buf_printf(b, "%u %s", ns_get16(rd), host[0] ? host : ".");
			break;
		case ns_t_ptr:
		case ns_t_cname:
			if (expand_raw(pkt, len, rd, host, sizeof host) < 0)
				return -1;
			buf_adds(b, host[0] ? host : ".");
			break;
		case ns_t_txt: {
			int off = 0;

			while (off < rdlen) {
				if (off > 0)
					buf_addc(b, ' ');
				if (off + 1 + rd[off] > rdlen)
					return -1;
				add_txt_string(b, rd + off + 1, rd[off]);
				off += 1 + rd[off];
			}
			break;
		}
		default:
			return -1;
		}
	}
	return 0;
}

/* want_rcode - the rcode a status must give on the wire */
static int
want_rcode(enum dns_status st)
{
	switch (st) {
	case DNS_NXDOMAIN:
		return ns_r_nxdomain;
	case DNS_TEMPFAIL:
		return ns_r_servfail;
	case DNS_PERMFAIL:
		return ns_r_refused;
	default:
		return ns_r_noerror;
	}
}

/* check_case - one query through session s: status, records, wire reply */
static void
check_case(struct dns_session *s, const struct qcase *c, const char *what)
{
	struct dns_answer *a = NULL;
	struct buf got, wire;
	unsigned char pkt[8192];
	size_t len = 0;
	int st, rcode = -1;
	char norm[256];

	buf_init(&got);
	buf_init(&wire);
	st = dns_query(s, c->name, c->qtype, &a);
	if (!ok(a != NULL && st == (int)a->status, "%s %s/%d: answer set, status returned",
	    what, c->name, c->qtype))
		return;
	is_string(dns_status_name(c->want), dns_status_name(a->status), "%s %s/%d: status",
	    what, c->name, c->qtype);
	render_answer(&got, a);
	is_string(c->want == DNS_OK ? c->text : "", buf_str(&got), "%s %s/%d: records",
	    what, c->name, c->qtype);
	ok(txt_consistent(a), "%s %s/%d: TXT data is the concatenation", what, c->name,
	    c->qtype);
	if (dns_name_normalize(c->name, norm, sizeof norm) == 0) {
		if (dns_answer_wire(a, c->name, c->qtype, pkt, sizeof pkt, &len) < 0 ||
		    render_wire(&wire, pkt, len, c->qtype, c->name, &rcode) < 0)
			ok(0, "%s %s/%d: wire reply parses", what, c->name, c->qtype);
		else {
			is_int(want_rcode(c->want), rcode, "%s %s/%d: wire rcode", what,
			    c->name, c->qtype);
			is_string(c->want == DNS_OK ? c->text : "", buf_str(&wire),
			    "%s %s/%d: wire records", what, c->name, c->qtype);
		}
	}
	buf_free(&got);
	buf_free(&wire);
	dns_answer_free(a);
}

/* zone_path - a fixture under t/data/dns */
static const char *
zone_path(const char *file)
{
	static char path[4096];

	snprintf(path, sizeof path, "%s", tap_path("TDATA", file));
	return path;
}

/* test_zone_file - every case of the table against t/data/dns/test.zone */
static struct dns_resolver *
test_zone_file(void)
{
	struct buf err;
	struct dns_resolver *r;
	struct dns_session s;
	unsigned valid = 0;
	size_t i;
	char norm[256];

	buf_init(&err);
	r = dns_zone_open(zone_path("dns/test.zone"), &err);
	if (!ok(r != NULL, "test.zone loads")) {
		diag("%s", buf_str(&err));
		bail("cannot go on without the zone");
	}
	is_string("", buf_str(&err), "test.zone: no errors");
	dns_session_init(&s, r, 2000);
	for (i = 0; i < NELEM(zone_cases); i++) {
		check_case(&s, &zone_cases[i], "zone");
		if (dns_name_normalize(zone_cases[i].name, norm, sizeof norm) == 0)
			valid++;
	}
	is_int(valid, s.queries, "queries counts only valid names (invalid: no query)");
	buf_free(&err);
	return r;
}

/* test_normalize - dns_name_normalize() cases */
static void
test_normalize(void)
{
	static const struct {
		const char *in;
		int rc;
		const char *out;
	} cases[] = {
		{ "Example.COM", 0, "example.com" },
		{ "example.com.", 0, "example.com" },
		{ "_dmarc.Example.com.", 0, "_dmarc.example.com" },
		{ "*.Wild.example", 0, "*.wild.example" },
		{ "a", 0, "a" },
		{ "", -1, NULL },
		{ ".", -1, NULL },
		{ "a..b", -1, NULL },
		{ ".a", -1, NULL },
		{ "a.b..", -1, NULL },
	};
	char out[256], small[4];
	size_t i;

	for (i = 0; i < NELEM(cases); i++) {
		int rc = dns_name_normalize(cases[i].in, out, sizeof out);

		is_int(cases[i].rc, rc, "normalize \"%s\": rc", cases[i].in);
		if (cases[i].rc == 0)
			is_string(cases[i].out, out, "normalize \"%s\"", cases[i].in);
	}
	is_int(-1, dns_name_normalize("example.com", small, sizeof small),
	    "normalize: output buffer too small is an error");
}

/* test_add_line - long strings, raw 8-bit bytes, long names through dns_zone_add_line */
static void
test_add_line(void)
{
	struct dns_resolver *r = dns_zone_new();
	struct dns_session s;
	struct buf line, want, err;
	char *x300 = tl_repeat("x", 300), *y600 = tl_repeat("y", 600);
	char *l63 = tl_repeat("a", 63), *l64 = tl_repeat("a", 64);
	char *l61 = tl_repeat("d", 61), *l62 = tl_repeat("d", 62);
	char *x255 = tl_repeat("x", 255), *x45 = tl_repeat("x", 45);
	char *y255 = tl_repeat("y", 255), *y90 = tl_repeat("y", 90);
	char n253[300], n254[300], n63[300], n64[300];
	struct qcase c;

	buf_init(&line);
	buf_init(&want);
	buf_init(&err);
	snprintf(n253, sizeof n253, "%s.%s.%s.%s", l63, l63, l63, l61);
	snprintf(n254, sizeof n254, "%s.%s.%s.%s", l63, l63, l63, l62);
	snprintf(n63, sizeof n63, "%s.example", l63);
	snprintf(n64, sizeof n64, "%s.example", l64);
	is_int(253, (long)strlen(n253), "253-byte name built");

	buf_printf(&line, "long.example TXT \"%s\" \"short\"", x300);
	is_int(0, dns_zone_add_line(r, buf_str(&line), &err), "add 300-byte TXT string");
	buf_reset(&line);
	buf_printf(&line, "long.example TXT %s", y600);
	is_int(0, dns_zone_add_line(r, buf_str(&line), &err), "add 600-byte bare TXT word");
	is_int(0, dns_zone_add_line(r, "raw.example TXT \"caf\xc3\xa9\"", &err),
	    "add TXT with raw 8-bit bytes");
	buf_reset(&line);
	buf_printf(&line, "%s. TXT \"253\"", n253);
	is_int(0, dns_zone_add_line(r, buf_str(&line), &err), "add a 253-byte name");
	buf_reset(&line);
	buf_printf(&line, "%s TXT \"254\"", n254);
	is_int(-1, dns_zone_add_line(r, buf_str(&line), &err), "a 254-byte name is refused");
	buf_reset(&line);
	buf_printf(&line, "%s TXT \"64\"", n64);
	is_int(-1, dns_zone_add_line(r, buf_str(&line), &err), "a 64-byte label is refused");
	ok(err.len > 0, "refusals explain themselves in err");
	is_int(-1, dns_zone_add_line(NULL, "a.example A 192.0.2.1", NULL),
	    "add_line on NULL resolver fails");

	dns_session_init(&s, r, 1000);
	buf_printf(&want, "\"%s\" \"%s\" \"short\" | \"%s\" \"%s\" \"%s\"", x255, x45, y255,
	    y255, y90);
	c = (struct qcase){ "long.example", ns_t_txt, DNS_OK, buf_str(&want) };
	check_case(&s, &c, "long");
	c = (struct qcase){ "raw.example", ns_t_txt, DNS_OK, "\"caf\\195\\169\"" };
	check_case(&s, &c, "8bit");
	c = (struct qcase){ n253, ns_t_txt, DNS_OK, "\"253\"" };
	check_case(&s, &c, "253");
	c = (struct qcase){ n254, ns_t_txt, DNS_PERMFAIL, NULL };
	check_case(&s, &c, "254");
	c = (struct qcase){ n63, ns_t_txt, DNS_NXDOMAIN, NULL };
	check_case(&s, &c, "label63");
	c = (struct qcase){ n64, ns_t_txt, DNS_PERMFAIL, NULL };
	check_case(&s, &c, "label64");
	is_int(4, s.queries, "only the 4 valid names were queried");

	dns_resolver_free(r);
	buf_free(&line);
	buf_free(&want);
	buf_free(&err);
	free(x300); free(y600); free(l63); free(l64); free(l61); free(l62);
	free(x255); free(x45); free(y255); free(y90);
}

/* test_bad_zone - every bad line reported as FILE:LINE, good lines not */
static void
test_bad_zone(void)
{
	static const int bad[] = { 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14 };
	static const int good[] = { 1, 2, 9 };
	struct buf err, pfx;
	struct dns_resolver *r;
	const char *path = zone_path("dns/bad.zone");
	size_t i, nl = 0;
	const char *p;

	buf_init(&err);
	buf_init(&pfx);
	r = dns_zone_open(path, &err);
	ok(r == NULL, "bad.zone is refused");
	dns_resolver_free(r);
	for (p = buf_str(&err); *p != '\0'; p++)
		nl += *p == '\n';
	is_int(NELEM(bad), nl, "bad.zone: one error line per bad line");
	for (i = 0; i < NELEM(bad); i++) {
		buf_reset(&pfx);
		buf_printf(&pfx, "%s:%d: ", path, bad[i]);
		ok(strstr(buf_str(&err), buf_str(&pfx)) != NULL, "bad.zone line %d reported",
		    bad[i]);
	}
	for (i = 0; i < NELEM(good); i++) {
		buf_reset(&pfx);
		buf_printf(&pfx, "%s:%d: ", path, good[i]);
		ok(strstr(buf_str(&err), buf_str(&pfx)) == NULL,
		    "bad.zone line %d not reported", good[i]);
	}
	buf_reset(&err);
	r = dns_zone_open(zone_path("dns/no-such-file.zone"), &err);
	ok(r == NULL && strstr(buf_str(&err), "no-such-file.zone") != NULL,
	    "missing zone file: NULL and the path in err");
	buf_free(&err);
	buf_free(&pfx);
}

/* test_deadline - past the deadline: TEMPFAIL without asking the backend */
static void
test_deadline(struct dns_resolver *r)
{
	struct dns_session s;
	struct dns_answer *a = NULL;

	dns_session_init(&s, r, 1000);
	ok(!dns_session_expired(&s), "a new session has no deadline");
	dns_session_set_deadline(&s, 3600 * 1000);
	ok(!dns_session_expired(&s), "a deadline an hour away has not passed");
	is_int(DNS_OK, dns_query(&s, "example.com", ns_t_txt, &a), "query before deadline");
	dns_answer_free(a);
	is_int(1, s.queries, "one query counted");
	dns_session_set_deadline(&s, 0);
	ok(dns_session_expired(&s), "a deadline of 0 ms has passed");
	a = NULL;
	is_int(DNS_TEMPFAIL, dns_query(&s, "example.com", ns_t_txt, &a),
	    "query after deadline: TEMPFAIL");
	ok(a != NULL && a->status == DNS_TEMPFAIL && a->n == 0, "answer set, no records");
	dns_answer_free(a);
	is_int(1, s.queries, "expired query did not reach the backend");
	is_int(1, s.tempfails, "expired query counted as a tempfail");
}

/* test_timeout_wait - TIMEOUT without the instant switch waits, then TEMPFAIL */
static void
test_timeout_wait(struct dns_resolver *r)
{
	struct dns_session s;
	struct dns_answer *a = NULL;

	unsetenv("MAILAUTH_ZONE_TIMEOUT_INSTANT");
	dns_session_init(&s, r, 20);
	is_int(DNS_TEMPFAIL, dns_query(&s, "slow.example", ns_t_txt, &a),
	    "TIMEOUT waits for the query timeout, then TEMPFAIL");
	dns_answer_free(a);
	a = NULL;
	dns_session_init(&s, r, 60000);
	dns_session_set_deadline(&s, 20);
	is_int(DNS_TEMPFAIL, dns_query(&s, "slowtxt.example", ns_t_txt, &a),
	    "per-type TIMEOUT bounded by the session deadline: TEMPFAIL");
	dns_answer_free(a);
	is_int(1, s.tempfails, "tempfail counted");
	setenv("MAILAUTH_ZONE_TIMEOUT_INSTANT", "1", 1);
}

/* test_wire_small - every buffer shorter than the reply gives -1 */
static void
test_wire_small(struct dns_resolver *r)
{
	static const struct {
		const char *name;
		int qtype;
	} cases[] = {
		{ "example.com", ns_t_txt }, { "example.com", ns_t_mx },
		{ "nosuch.example", ns_t_txt }, { "esc.example", ns_t_txt },
	};
	struct dns_session s;
	unsigned char pkt[8192];
	size_t i, len, n, bad;

	dns_session_init(&s, r, 1000);
	for (i = 0; i < NELEM(cases); i++) {
		struct dns_answer *a = NULL;

		dns_query(&s, cases[i].name, cases[i].qtype, &a);
		if (!ok(dns_answer_wire(a, cases[i].name, cases[i].qtype, pkt, sizeof pkt,
		    &len) == 0, "wire %s/%d fits 8192", cases[i].name, cases[i].qtype)) {
			dns_answer_free(a);
			continue;
		}
		for (bad = 0, n = 0; n < len; n++)
			if (dns_answer_wire(a, cases[i].name, cases[i].qtype, pkt, n,
			    NULL) != -1)
				bad++;
		is_int(0, bad, "wire %s/%d: every buflen < %zu gives -1", cases[i].name,
		    cases[i].qtype, len);
		dns_answer_free(a);
	}
}

struct thread_arg {
	struct dns_resolver *r;
	const struct qcase *cases;
	size_t ncases;
	unsigned rounds;
	unsigned mismatches;
	unsigned checked;
};

/* thread_main - query every case many times; count wrong answers (no TAP here) */
static void *
thread_main(void *p)
{
	struct thread_arg *t = p;
	struct dns_session s;
	struct buf got;
	unsigned k;
	size_t i;

	buf_init(&got);
	dns_session_init(&s, t->r, 1000);
	dns_cur = &s;
	for (k = 0; k < t->rounds; k++)
		for (i = 0; i < t->ncases; i++) {
			const struct qcase *c = &t->cases[i];
			struct dns_answer *a = NULL;

			dns_query(dns_cur, c->name, c->qtype, &a);
			buf_reset(&got);
			render_answer(&got, a);
			if (a->status != c->want ||
			    strcmp(buf_str(&got), c->want == DNS_OK ? c->text : "") != 0)
				t->mismatches++;
			t->checked++;
			dns_answer_free(a);
		}
	dns_cur = NULL;
	buf_free(&got);
	return NULL;
}

/* test_threads - 8 threads share one resolver */
static void
test_threads(struct dns_resolver *r, const struct qcase *cases, size_t ncases,
    unsigned rounds, const char *what)
{
	struct thread_arg args[8];
	pthread_t tid[8];
	unsigned checked = 0, mismatches = 0, started = 0;
	size_t i;

	for (i = 0; i < NELEM(args); i++) {
		args[i] = (struct thread_arg){ r, cases, ncases, rounds, 0, 0 };
		if (pthread_create(&tid[i], NULL, thread_main, &args[i]) != 0)
			break;
		started++;
	}
	for (i = 0; i < started; i++) {
		pthread_join(tid[i], NULL);
		checked += args[i].checked;
		mismatches += args[i].mismatches;
	}
	is_int(8, started, "%s threads: 8 started", what);
	is_int(8 * rounds * ncases, checked, "%s threads: every answer checked", what);
	is_int(0, mismatches, "%s threads: no wrong answer", what);
	ok(dns_cur == NULL, "%s threads: dns_cur is per thread (main untouched)", what);
}

/* test_open - dns_open() picks the backend from the configuration */
static void
test_open(void)
{
	struct config cfg;
	struct buf err;
	struct dns_resolver *r;
	struct dns_session s;
	struct dns_answer *a = NULL;

	buf_init(&err);
	memset(&cfg, 0, sizeof cfg);
	cfg.dns_backend = DNS_BACKEND_ZONE;
	cfg.dns_zone_file = xstrdup(zone_path("dns/test.zone"));
	r = dns_open(&cfg, &err);
	ok(r != NULL, "dns_open zone");
	dns_session_init(&s, r, 1000);
	is_int(DNS_OK, dns_query(&s, "mx.example.com", ns_t_a, &a), "dns_open zone answers");
	dns_answer_free(a);
	dns_resolver_free(r);
	free(cfg.dns_zone_file);
	cfg.dns_zone_file = xstrdup("");
	r = dns_open(&cfg, &err);
	ok(r == NULL && err.len > 0, "dns_open zone without DNSZoneFile fails with a reason");
	dns_resolver_free(r);
	free(cfg.dns_zone_file);
	buf_free(&err);
	dns_resolver_free(NULL);
	dns_answer_free(NULL);
	a = NULL;
	is_int(DNS_TEMPFAIL, dns_query(NULL, "example.com", ns_t_txt, &a),
	    "dns_query without a session: TEMPFAIL, answer set");
	ok(a != NULL, "answer set even without a session");
	dns_answer_free(a);
}

static const char *const ub_records[] = {
	"ex.test. 300 IN TXT \"v=spf1 \" \"-all\"",
	"ex.test. 300 IN A 192.0.2.1",
	"ex.test. 300 IN AAAA 2001:db8::1",
	"ex.test. 300 IN MX 10 mx.ex.test.",
	"mx.ex.test. 300 IN A 192.0.2.25",
	"25.2.0.192.in-addr.arpa. 300 IN PTR mx.ex.test.",
	"nul.ex.test. 300 IN TXT \"a\\000b\" \"\\255\"",
	"two.ex.test. 300 IN TXT \"one\"",
	"two.ex.test. 300 IN TXT \"two\"",
	"alias.ex.test. 300 IN CNAME ex.test.",
	"sp\\032ace.ex.test. 300 IN TXT \"space\"",
	"back\\092slash.ex.test. 300 IN TXT \"backslash\"",
	"dot\\.inside.ex.test. 300 IN TXT \"dot\"",
	"odd.ex.test. 300 IN PTR a\\032b\\092c.ex.test.",
	"dotty.ex.test. 300 IN PTR a\\.b.ex.test.",
	"dotty.ex.test. 300 IN MX 5 a\\000b.ex.test.",
	NULL,
};

static const struct qcase ub_cases[] = {
	{ "ex.test", ns_t_txt, DNS_OK, "\"v=spf1 \" \"-all\"" },
	{ "EX.test.", ns_t_a, DNS_OK, "192.0.2.1" },
	{ "ex.test", ns_t_aaaa, DNS_OK, "2001:db8::1" },
	{ "ex.test", ns_t_mx, DNS_OK, "10 mx.ex.test" },
	{ "25.2.0.192.in-addr.arpa", ns_t_ptr, DNS_OK, "mx.ex.test" },
	{ "nul.ex.test", ns_t_txt, DNS_OK, "\"a\\000b\" \"\\255\"" },
	{ "alias.ex.test", ns_t_cname, DNS_OK, "ex.test" },
	{ "mx.ex.test", ns_t_txt, DNS_NODATA, NULL },
	{ "nosuch.ex.test", ns_t_txt, DNS_NXDOMAIN, NULL },
	{ "nosuch.test", ns_t_a, DNS_NXDOMAIN, NULL },
	{ "a..test", ns_t_a, DNS_PERMFAIL, NULL },
	{ "sp ace.ex.test", ns_t_txt, DNS_OK, "\"space\"" },
	{ "back\\slash.ex.test", ns_t_txt, DNS_OK, "\"backslash\"" },
	{ "dot.inside.ex.test", ns_t_txt, DNS_NXDOMAIN, NULL },
	{ "odd.ex.test", ns_t_ptr, DNS_OK, "a b\\c.ex.test" },
	{ "dotty.ex.test", ns_t_ptr, DNS_NODATA, NULL },	/* '.' in a label: skipped */
	{ "dotty.ex.test", ns_t_mx, DNS_NODATA, NULL },	/* NUL in a label: skipped */
};

struct race_arg {
	struct dns_resolver *r;
	unsigned rounds;
	unsigned answered, timedout, wrong;
};

/* race_main - queries whose deadline passes while the answer is on its way */
static void *
race_main(void *p)
{
	static const long delay_ns[] = { -1000000, 0, 10000, 50000, 100000, 300000,
	    1000000, 5000000 };
	struct race_arg *t = p;
	unsigned k;

	for (k = 0; k < t->rounds; k++) {
		const struct qcase *c = &ub_cases[k % 5];
		struct timespec dl;
		struct dns_answer *a;
		struct buf got;
		long ns = delay_ns[k % NELEM(delay_ns)];

		clock_gettime(CLOCK_MONOTONIC, &dl);
		dl.tv_nsec += ns;
		while (dl.tv_nsec >= 1000000000L) {
			dl.tv_sec++;
			dl.tv_nsec -= 1000000000L;
		}
		while (dl.tv_nsec < 0) {
			dl.tv_sec--;
			dl.tv_nsec += 1000000000L;
		}
		a = t->r->ops->query(t->r->be, c->name, c->qtype, &dl);
		buf_init(&got);
		render_answer(&got, a);
		if (a->status == DNS_TEMPFAIL && a->n == 0)
			t->timedout++;
		else if (a->status == DNS_OK && strcmp(buf_str(&got), c->text) == 0)
			t->answered++;
		else
			t->wrong++;
		buf_free(&got);
		dns_answer_free(a);
	}
	return NULL;
}

/* test_unbound_local - the unbound backend answering from local data */
static void
test_unbound_local(void)
{
	struct buf err;
	struct dns_resolver *r;
	struct dns_session s;
	struct race_arg args[8];
	pthread_t tid[8];
	unsigned answered = 0, timedout = 0, wrong = 0, started = 0;
	size_t i;
	static const char *const bad[] = { "ex.test. IN A not-an-address", NULL };

	buf_init(&err);
	r = dns_unbound_open_local(ub_records, &err);
	if (!ok(r != NULL, "unbound local resolver opens")) {
		diag("%s", buf_str(&err));
		buf_free(&err);
		return;
	}
	dns_session_init(&s, r, 5000);
	for (i = 0; i < NELEM(ub_cases); i++)
		check_case(&s, &ub_cases[i], "unbound");
	{
		struct dns_answer *a = NULL;
		struct buf got;

		buf_init(&got);
		is_int(DNS_OK, dns_query(&s, "two.ex.test", ns_t_txt, &a),
		    "unbound: two TXT records");
		render_answer(&got, a);
		ok(strcmp(buf_str(&got), "\"one\" | \"two\"") == 0 ||
		    strcmp(buf_str(&got), "\"two\" | \"one\"") == 0,
		    "unbound: both TXT records (%s)", buf_str(&got));
		dns_answer_free(a);
		buf_free(&got);
	}

	test_threads(r, ub_cases, NELEM(ub_cases), 50, "unbound");
	dns_unbound_cache_limit(r, 0);	/* every race query goes to libunbound */
	for (i = 0; i < NELEM(args); i++) {
		args[i] = (struct race_arg){ r, 600, 0, 0, 0 };
		if (pthread_create(&tid[i], NULL, race_main, &args[i]) != 0)
			break;
		started++;
	}
	for (i = 0; i < started; i++) {
		pthread_join(tid[i], NULL);
		answered += args[i].answered;
		timedout += args[i].timedout;
		wrong += args[i].wrong;
	}
	is_int(8, started, "unbound race: 8 threads");
	is_int(8 * 600, answered + timedout, "unbound race: every query answered or timed out");
	is_int(0, wrong, "unbound race: no wrong answer");
	diag("unbound race: %u answered, %u timed out and cancelled", answered, timedout);
	dns_resolver_free(r);

	buf_reset(&err);
	r = dns_unbound_open_local(bad, &err);
	ok(r == NULL && err.len > 0, "unbound local: bad record refused with a reason");
	dns_resolver_free(r);
	buf_free(&err);
}

/* same_answer - a and b equal field by field (status, type, sec, every record in
 * order, TXT strings and lengths) and sharing no memory; the first difference is
 * described in why */
static bool
same_answer(const struct dns_answer *a, const struct dns_answer *b, struct buf *why)
{
	size_t i, k;

	buf_reset(why);
	if (a == NULL || b == NULL || a == b) {
		buf_adds(why, "missing or shared answer");
		return false;
	}
	if (a->status != b->status || a->qtype != b->qtype || a->sec != b->sec ||
	    a->n != b->n) {
		buf_printf(why, "status %d/%d qtype %d/%d sec %d/%d n %zu/%zu", a->status,
		    b->status, a->qtype, b->qtype, a->sec, b->sec, a->n, b->n);
		return false;
	}
	if (a->n > 0 && a->rr == b->rr) {
		buf_adds(why, "records shared");
		return false;
	}
	for (i = 0; i < a->n; i++) {
		const struct dns_rr *x = &a->rr[i], *y = &b->rr[i];
		bool same = x->ttl == y->ttl;

		switch (a->qtype) {
		case ns_t_a:
			same = same && memcmp(&x->u.a, &y->u.a, sizeof x->u.a) == 0;
			break;
		case ns_t_aaaa:
			same = same && memcmp(&x->u.aaaa, &y->u.aaaa, sizeof x->u.aaaa) == 0;
			break;
		case ns_t_mx:
			same = same && x->u.mx.pref == y->u.mx.pref &&
			    strcmp(x->u.mx.host, y->u.mx.host) == 0;
			break;
		case ns_t_ptr:
		case ns_t_cname:
			same = same && strcmp(x->u.host, y->u.host) == 0;
			break;
		case ns_t_txt:
			same = same && x->u.txt.len == y->u.txt.len &&
			    x->u.txt.data != y->u.txt.data &&
			    memcmp(x->u.txt.data, y->u.txt.data, x->u.txt.len + 1) == 0 &&
			    x->u.txt.nstrings == y->u.txt.nstrings &&
			    x->u.txt.strings != y->u.txt.strings &&
			    x->u.txt.lens != y->u.txt.lens;
			for (k = 0; same && k < x->u.txt.nstrings; k++)
				same = x->u.txt.lens[k] == y->u.txt.lens[k] &&
				    x->u.txt.strings[k] != y->u.txt.strings[k] &&
				    memcmp(x->u.txt.strings[k], y->u.txt.strings[k],
				    x->u.txt.lens[k] + 1) == 0;
			break;
		default:
			same = false;
		}
		if (!same) {
			buf_printf(why, "record %zu differs", i);
			return false;
		}
	}
	return true;
}

static const char *const cache_records[] = {
	"test. 3600 IN SOA ns.test. host.test. 1 3600 600 86400 3600",
	"c.test. 300 IN TXT \"v=spf1 \" \"a\\000b\" \"\" \"\\255\"",
	"c.test. 300 IN TXT \"second\"",
	"c.test. 300 IN MX 10 mx1.c.test.",
	"c.test. 300 IN MX 20 mx2.c.test.",
	"c.test. 300 IN A 192.0.2.7",
	"c.test. 300 IN AAAA 2001:db8::7",
	"7.2.0.192.in-addr.arpa. 300 IN PTR c.test.",
	"long.c.test. 86400 IN TXT \"long\"",
	"short.c.test. 10 IN TXT \"short\"",
	"zero.c.test. 0 IN TXT \"zero\"",
	"e1.c.test. 300 IN A 192.0.2.11",
	"e2.c.test. 300 IN A 192.0.2.12",
	"e3.c.test. 300 IN A 192.0.2.13",
	NULL,
};

static const struct cache_case {
	struct qcase q;
	bool cached;
} cache_cases[] = {
	{ { "c.test", ns_t_txt, DNS_OK, NULL }, true },	/* two records, any order */
	{ { "c.test", ns_t_mx, DNS_OK, NULL }, true },
	{ { "c.test", ns_t_a, DNS_OK, "192.0.2.7" }, true },
	{ { "c.test", ns_t_aaaa, DNS_OK, "2001:db8::7" }, true },
	{ { "7.2.0.192.in-addr.arpa", ns_t_ptr, DNS_OK, "c.test" }, true },
	{ { "long.c.test", ns_t_txt, DNS_OK, "\"long\"" }, true },
	{ { "nosuch.c.test", ns_t_txt, DNS_NXDOMAIN, NULL }, true },
	{ { "long.c.test", ns_t_a, DNS_NODATA, NULL }, true },
	{ { "zero.c.test", ns_t_txt, DNS_OK, "\"zero\"" }, false },	/* TTL 0 */
};

static const struct qcase cache_thread_cases[] = {
	{ "c.test", ns_t_a, DNS_OK, "192.0.2.7" },
	{ "C.TEST.", ns_t_a, DNS_OK, "192.0.2.7" },
	{ "c.test", ns_t_aaaa, DNS_OK, "2001:db8::7" },
	{ "7.2.0.192.in-addr.arpa", ns_t_ptr, DNS_OK, "c.test" },
	{ "long.c.test", ns_t_txt, DNS_OK, "\"long\"" },
	{ "zero.c.test", ns_t_txt, DNS_OK, "\"zero\"" },
	{ "e1.c.test", ns_t_a, DNS_OK, "192.0.2.11" },
	{ "e2.c.test", ns_t_a, DNS_OK, "192.0.2.12" },
	{ "e3.c.test", ns_t_a, DNS_OK, "192.0.2.13" },
	{ "gone.c.test", ns_t_txt, DNS_NXDOMAIN, NULL },
	{ "long.c.test", ns_t_a, DNS_NODATA, NULL },
};

/* ask - one query through a fresh session; the answer (caller frees) */
static struct dns_answer *
ask(struct dns_resolver *r, const char *name, int qtype)
{
	struct dns_session s;
	struct dns_answer *a = NULL;

	dns_session_init(&s, r, 5000);
	dns_query(&s, name, qtype, &a);
	return a;
}

/* cached_after - whether a query of name/qtype is now a cache hit; *st its status */
static bool
cached_after(struct dns_resolver *r, const char *name, int qtype, int *st)
{
	unsigned long before = dns_unbound_cache_hits(r);
	struct dns_answer *a = ask(r, name, qtype);

	*st = a->status;
	dns_answer_free(a);
	return dns_unbound_cache_hits(r) == before + 1;
}

/* test_unbound_cache - the unbound backend's answer cache */
static void
test_unbound_cache(void)
{
	struct dns_answer *miss[NELEM(cache_cases)], *hit[NELEM(cache_cases)];
	struct buf err, why, got;
	struct dns_resolver *r;
	unsigned long h;
	size_t i;
	int st;

	buf_init(&err);
	buf_init(&why);
	buf_init(&got);
	r = dns_unbound_open_local(cache_records, &err);
	if (!ok(r != NULL, "cache: unbound local resolver opens")) {
		diag("%s", buf_str(&err));
		buf_free(&err);
		return;
	}
	is_int(0, dns_unbound_cache_hits(r), "cache: no hit before any query");
	for (i = 0; i < NELEM(cache_cases); i++) {
		const struct cache_case *c = &cache_cases[i];

		h = dns_unbound_cache_hits(r);
		miss[i] = ask(r, c->q.name, c->q.qtype);
		is_int(h, dns_unbound_cache_hits(r), "cache: first %s/%d is a miss",
		    c->q.name, c->q.qtype);
		is_int(c->q.want, miss[i]->status, "cache: %s/%d status", c->q.name,
		    c->q.qtype);
		if (c->q.text != NULL) {
			buf_reset(&got);
			render_answer(&got, miss[i]);
			is_string(c->q.text, buf_str(&got), "cache: %s/%d records",
			    c->q.name, c->q.qtype);
		}
		hit[i] = ask(r, c->q.name, c->q.qtype);
		is_int(h + (c->cached ? 1 : 0), dns_unbound_cache_hits(r),
		    "cache: second %s/%d %s", c->q.name, c->q.qtype,
		    c->cached ? "is a hit" : "is not cached");
		ok(same_answer(miss[i], hit[i], &why), "cache: %s/%d same on hit and miss%s%s",
		    c->q.name, c->q.qtype, why.len ? ": " : "", buf_str(&why));
	}
	/* the multi-record answers, checked for content (either record order) */
	buf_reset(&got);
	render_answer(&got, miss[0]);
	ok(strcmp(buf_str(&got), "\"v=spf1 \" \"a\\000b\" \"\" \"\\255\" | \"second\"") == 0 ||
	    strcmp(buf_str(&got), "\"second\" | \"v=spf1 \" \"a\\000b\" \"\" \"\\255\"") == 0,
	    "cache: TXT multi-string records (%s)", buf_str(&got));
	ok(miss[0]->n == 2 && (miss[0]->rr[0].u.txt.nstrings == 4 ||
	    miss[0]->rr[1].u.txt.nstrings == 4), "cache: TXT 4 strings kept");
	buf_reset(&got);
	render_answer(&got, miss[1]);
	ok(strcmp(buf_str(&got), "10 mx1.c.test | 20 mx2.c.test") == 0 ||
	    strcmp(buf_str(&got), "20 mx2.c.test | 10 mx1.c.test") == 0,
	    "cache: MX records (%s)", buf_str(&got));

	/* with the cache off every answer is a fresh one: the same as the hits */
	dns_unbound_cache_limit(r, 0);
	h = dns_unbound_cache_hits(r);
	for (i = 0; i < NELEM(cache_cases); i++) {
		struct dns_answer *fresh = ask(r, cache_cases[i].q.name,
		    cache_cases[i].q.qtype);

		ok(same_answer(fresh, hit[i], &why), "cache: %s/%d hit equals a fresh query%s%s",
		    cache_cases[i].q.name, cache_cases[i].q.qtype, why.len ? ": " : "",
		    buf_str(&why));
		dns_answer_free(fresh);
		dns_answer_free(miss[i]);
		dns_answer_free(hit[i]);
	}
	is_int(h, dns_unbound_cache_hits(r), "cache: off: no hit");
	dns_unbound_cache_limit(r, 8192);

	/* expiry on the cache's own clock, moved forward: margins of seconds */
	ok(!cached_after(r, "short.c.test", ns_t_txt, &st), "cache: TTL 10: miss");
	dns_unbound_cache_advance(r, 5);
	ok(cached_after(r, "short.c.test", ns_t_txt, &st), "cache: TTL 10, 5 s on: hit");
	dns_unbound_cache_advance(r, 10);
	ok(!cached_after(r, "short.c.test", ns_t_txt, &st) && st == DNS_OK,
	    "cache: TTL 10, 15 s on: expired, asked again, DNS_OK");
	ok(cached_after(r, "short.c.test", ns_t_txt, &st), "cache: kept again");

	ok(!cached_after(r, "long.c.test", ns_t_txt, &st), "cache: TTL 86400: miss");
	dns_unbound_cache_advance(r, 290);
	ok(cached_after(r, "long.c.test", ns_t_txt, &st), "cache: TTL 86400, 290 s on: hit");
	dns_unbound_cache_advance(r, 20);
	ok(!cached_after(r, "long.c.test", ns_t_txt, &st) && st == DNS_OK,
	    "cache: TTL 86400 capped at 300 s: expired at 310 s");

	ok(!cached_after(r, "gone.c.test", ns_t_txt, &st) && st == DNS_NXDOMAIN,
	    "cache: NXDOMAIN: miss");
	dns_unbound_cache_advance(r, 50);
	ok(cached_after(r, "gone.c.test", ns_t_txt, &st) && st == DNS_NXDOMAIN,
	    "cache: NXDOMAIN, 50 s on: hit");
	dns_unbound_cache_advance(r, 20);
	ok(!cached_after(r, "gone.c.test", ns_t_txt, &st) && st == DNS_NXDOMAIN,
	    "cache: NXDOMAIN (negative TTL 3600) capped at 60 s: expired at 70 s");

	/* bounded: with room for 2 the oldest goes */
	dns_unbound_cache_limit(r, 2);
	ok(!cached_after(r, "e1.c.test", ns_t_a, &st), "cache: limit 2: e1 miss");
	ok(!cached_after(r, "e2.c.test", ns_t_a, &st), "cache: limit 2: e2 miss");
	ok(!cached_after(r, "e3.c.test", ns_t_a, &st), "cache: limit 2: e3 miss");
	ok(cached_after(r, "e3.c.test", ns_t_a, &st) && st == DNS_OK,
	    "cache: limit 2: e3 hit");
	ok(cached_after(r, "e2.c.test", ns_t_a, &st), "cache: limit 2: e2 hit");
	ok(!cached_after(r, "e1.c.test", ns_t_a, &st) && st == DNS_OK,
	    "cache: limit 2: e1 (oldest) was dropped, answered again");

	/* 8 threads, same and different names, through a cache that keeps evicting
	 * (limit 3) and then through a roomy one */
	h = dns_unbound_cache_hits(r);
	dns_unbound_cache_limit(r, 3);
	test_threads(r, cache_thread_cases, NELEM(cache_thread_cases), 40, "unbound cache (3)");
	dns_unbound_cache_limit(r, 8192);
	test_threads(r, cache_thread_cases, NELEM(cache_thread_cases), 40, "unbound cache");
	ok(dns_unbound_cache_hits(r) > h, "cache: threads were served from the cache (%lu hits)",
	    dns_unbound_cache_hits(r) - h);
	dns_resolver_free(r);
	buf_free(&err);
	buf_free(&why);
	buf_free(&got);
}

/* test_unbound_config - forwarders and trust anchors from the configuration */
static void
test_unbound_config(void)
{
	char *fwd_dead[] = { "127.0.0.1@1", NULL };
	char *fwd_bad[] = { "not-an-address", NULL };
	struct config cfg;
	struct buf err;
	struct dns_resolver *r;
	struct dns_session s;
	struct dns_answer *a = NULL;

	buf_init(&err);
	memset(&cfg, 0, sizeof cfg);
	cfg.dns_backend = DNS_BACKEND_UNBOUND;
	cfg.dns_forwarders = fwd_dead;
	r = dns_open(&cfg, &err);
	if (ok(r != NULL, "unbound with forwarder 127.0.0.1@1 opens")) {
		dns_session_init(&s, r, 1500);
		is_int(DNS_TEMPFAIL, dns_query(&s, "example.com", ns_t_txt, &a),
		    "unreachable forwarder: TEMPFAIL");
		dns_answer_free(a);
		a = NULL;
		is_int(DNS_TEMPFAIL, dns_query(&s, "example.org", ns_t_a, &a),
		    "unreachable forwarder, second query: TEMPFAIL");
		dns_answer_free(a);
		a = NULL;
		is_int(DNS_TEMPFAIL, dns_query(&s, "example.com", ns_t_txt, &a),
		    "unreachable forwarder, same query again: TEMPFAIL");
		dns_answer_free(a);
		is_int(0, dns_unbound_cache_hits(r), "TEMPFAIL is never cached");
		dns_resolver_free(r);
	} else
		diag("%s", buf_str(&err));
	buf_reset(&err);
	cfg.dns_forwarders = fwd_bad;
	r = dns_open(&cfg, &err);
	ok(r == NULL && strstr(buf_str(&err), "not-an-address") != NULL,
	    "bad forwarder refused, named in err");
	dns_resolver_free(r);
	buf_reset(&err);
	cfg.dns_forwarders = NULL;
	cfg.dns_trust_anchor = "no-such-dir/root.key";
	r = dns_open(&cfg, &err);
	ok(r == NULL && strstr(buf_str(&err), "root.key") != NULL,
	    "unreadable trust anchor refused, named in err");
	dns_resolver_free(r);
	buf_free(&err);
}

int
main(void)
{
	struct dns_resolver *r;

	setenv("MAILAUTH_ZONE_TIMEOUT_INSTANT", "1", 1);
	plan(0);
	test_normalize();
	r = test_zone_file();
	test_add_line();
	test_bad_zone();
	test_deadline(r);
	test_timeout_wait(r);
	test_wire_small(r);
	test_threads(r, zone_cases, NELEM(zone_cases), 200, "zone");
	dns_resolver_free(r);
	test_open();
	test_unbound_local();
	test_unbound_cache();
	test_unbound_config();
	return done_testing();
}
