/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dkim_test.c - lib/dkim on our own signed fixtures (t/data/dkim, made by gen.py)
 *
 * Every fixture is verified against the zone t/data/dkim/keys.zone. Cases: RSA
 * 1024/2048, ed25519, dual signatures, altered body and header, rsa-sha1, 512-bit
 * key, NXDOMAIN, SERVFAIL on one of two signatures, revoked/empty/non-DKIM keys,
 * two TXT records, t=y, l= (report and fail policy), x= expired, t= in the future,
 * the signature limit (12 signatures, N=5: 5 key lookups, aligned first), the field
 * limit, hostile fields, a 50 MB streamed body and a 10 MB line (RSS growth checked
 * in a child process), and 8 threads on one engine. Issue 14: a key with a 2047-bit
 * public exponent (permerror, never verified) and the exponent lengths the screen
 * reads; signatures that made dkim_eoh fail for the whole message (a 246-byte d=,
 * a 70 KB field) or that are screened (h= over 4095 bytes, over 100 entries, or
 * covering an unverifiable field) next to a good aligned one, which still passes.
 *
 * Body hashes (lib/dkim_body): vectors made with /usr/bin/python3's dkim module
 * (RFC 6376 canonicalization, whole bodies), each also fed split at every offset;
 * random well-formed bodies in random chunks against a naive whole-buffer RFC
 * implementation here; random bodies with bare CR and LF bytes, in random chunks,
 * against libopendkim itself (it signs them: bh= of its signature), which is what
 * decided our verdicts before we hashed bodies ourselves. l= coverage is counted
 * on the body as hashed: bare-CR bodies whose l= (libopendkim's own count) covers
 * it all are not "body length limited".
 */
#include "autoconf.h"

#include <arpa/nameser.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <opendkim/dkim.h>

#include "config.h"
#include "dkim.h"
#include "dkim_body.h"
#include "dkim_screen.h"
#include "dns.h"
#include "tap.h"
#include "testlib.h"
#include "util.h"

static struct dns_resolver *zone;

/* slurp - a fixture file */
static unsigned char *
slurp(const char *name, size_t *len)
{
	char *p = tl_slurp(tap_path("TDATA", name), len);

	if (p == NULL)
		bail("cannot open %s", tap_path("TDATA", name));
	return (unsigned char *)p;
}

/* verify_mem - a whole message through a new dkv_msg; caller frees */
static struct dkv_msg *
verify_mem(struct dkv_engine *e, const struct config *c, const unsigned char *p,
    size_t n, const char *from, struct dns_session *s)
{
	struct dkv_msg *m = dkv_msg_new(e, c, "test");

	dns_session_init(s, zone, 5000);
	dkv_feed_raw(m, s, from, p, n);
	dkv_eom(m, s);
	return m;
}

/* verify_file - a fixture through a new dkv_msg; caller frees */
static struct dkv_msg *
verify_file(struct dkv_engine *e, const struct config *c, const char *name,
    struct dns_session *s)
{
	size_t n;
	unsigned char *p = slurp(name, &n);
	struct dkv_msg *m = verify_mem(e, c, p, n, NULL, s);

	free(p);
	return m;
}

static const struct single {
	const char *file;
	size_t nres;
	size_t idx;
	enum dkim_result want;
	const char *reason;	/* substring of the reason */
	const char *selector;
	const char *alg;
	unsigned bits;
	int testing;		/* -1 = don't care */
	int limited;
} singles[] = {
	{ "dkim/good-rsa2048.eml", 1, 0, DKIMR_PASS, "2048-bit rsa-sha256", "rsa2048", "rsa-sha256", 2048, 0, 0 },
	{ "dkim/good-rsa1024.eml", 1, 0, DKIMR_PASS, "1024-bit rsa-sha256", "rsa1024", "rsa-sha256", 1024, 0, 0 },
	{ "dkim/good-ed25519.eml", 1, 0, DKIMR_PASS, "ed25519-sha256", "ed25519", "ed25519-sha256", 0, 0, 0 },
	{ "dkim/simple.eml", 1, 0, DKIMR_PASS, "2048-bit rsa-sha256", "rsa2048", "rsa-sha256", 2048, 0, 0 },
	{ "dkim/dual.eml", 2, 0, DKIMR_PASS, "2048-bit rsa-sha256", "rsa2048", "rsa-sha256", 2048, 0, 0 },
	{ "dkim/dual.eml", 2, 1, DKIMR_PASS, "ed25519-sha256", "ed25519", "ed25519-sha256", 0, 0, 0 },
	{ "dkim/body-altered.eml", 1, 0, DKIMR_FAIL, "body hash mismatch", "rsa2048", "rsa-sha256", 2048, -1, 0 },
	{ "dkim/header-altered.eml", 1, 0, DKIMR_FAIL, "signature did not verify", "rsa2048", "rsa-sha256", 2048, -1, 0 },
	{ "dkim/rsa-sha1.eml", 1, 0, DKIMR_FAIL, "rsa-sha1 not accepted (RFC 8301)", "rsa2048", "rsa-sha1", 2048, -1, 0 },
	{ "dkim/rsa512.eml", 1, 0, DKIMR_POLICY, "512-bit key below minimum 1024", "rsa512", "rsa-sha256", 512, -1, 0 },
	{ "dkim/nokey.eml", 1, 0, DKIMR_PERMERROR, "no key record", "missing", "rsa-sha256", 0, -1, 0 },
	{ "dkim/servfail2.eml", 2, 0, DKIMR_TEMPERROR, "DNS temporary error", "broken", "rsa-sha256", 0, -1, 0 },
	{ "dkim/servfail2.eml", 2, 1, DKIMR_PASS, "2048-bit rsa-sha256", "rsa2048", "rsa-sha256", 2048, 0, 0 },
	{ "dkim/revoked.eml", 1, 0, DKIMR_PERMERROR, "key revoked", "revoked", "rsa-sha256", 0, -1, 0 },
	{ "dkim/emptykey.eml", 1, 0, DKIMR_PERMERROR, "key record unusable", "empty", "rsa-sha256", 0, -1, 0 },
	{ "dkim/notdkim.eml", 1, 0, DKIMR_PERMERROR, "not v=DKIM1", "notdkim", "rsa-sha256", 0, -1, 0 },
	{ "dkim/hsha1.eml", 1, 0, DKIMR_PERMERROR, "does not allow the signature's hash", "hsha1", "rsa-sha256", 0, -1, 0 },
	{ "dkim/pkcs1.eml", 1, 0, DKIMR_PASS, "2048-bit rsa-sha256", "pkcs1", "rsa-sha256", 2048, 0, 0 },
	{ "dkim/twotxt.eml", 1, 0, DKIMR_PERMERROR, "several key records", "twotxt", "rsa-sha256", 0, -1, 0 },
	{ "dkim/testkey.eml", 1, 0, DKIMR_PASS, "testing key (t=y)", "testing", "rsa-sha256", 2048, 1, 0 },
	{ "dkim/expired.eml", 1, 0, DKIMR_FAIL, "signature expired", "rsa2048", "rsa-sha256", 0, -1, 0 },
	{ "dkim/future.eml", 1, 0, DKIMR_PERMERROR, "in the future", "rsa2048", "rsa-sha256", 0, -1, 0 },
	/* a 2047-bit public exponent (verifies ~100 times slower): never verified */
	{ "dkim/hugee.eml", 1, 0, DKIMR_PERMERROR, "RSA key exponent of 2047 bits, over 31", "hugee", "rsa-sha256", 0, -1, 0 },
	{ "dkim/lbody.eml", 1, 0, DKIMR_PASS, "2048-bit rsa-sha256, body length limit", "rsa2048", "rsa-sha256", 2048, 0, 1 },
	{ "dkim/lbody-exact.eml", 1, 0, DKIMR_PASS, "2048-bit rsa-sha256", "rsa2048", "rsa-sha256", 2048, 0, 0 },
};

/* DNSSEC reporting: the same fixtures with the zone backend's validation marks */
static const char *const dnssec_marks[] = {
	"rsa2048._domainkey.example.com DNSSEC SECURE",
	"ed25519._domainkey.example.com DNSSEC INSECURE",
	"rsa1024._domainkey.example.com DNSSEC BOGUS",
	"testing._domainkey.example.com DNSSEC BOGUS",
};

static const struct dnssec_case {
	const char *file;
	size_t idx;
	enum dkim_result want;
	enum dns_sec sec;
	const char *reason;	/* the whole reason */
} dnssec_cases[] = {
	{ "dkim/good-rsa2048.eml", 0, DKIMR_PASS, DNSSEC_SECURE,
	  "2048-bit rsa-sha256, key DNSSEC-secure" },
	{ "dkim/good-ed25519.eml", 0, DKIMR_PASS, DNSSEC_INSECURE,
	  "ed25519-sha256, key DNSSEC-insecure" },
	{ "dkim/good-rsa1024.eml", 0, DKIMR_TEMPERROR, DNSSEC_BOGUS,
	  "key failed DNSSEC validation" },
	{ "dkim/testkey.eml", 0, DKIMR_TEMPERROR, DNSSEC_BOGUS,
	  "key failed DNSSEC validation" },
	{ "dkim/body-altered.eml", 0, DKIMR_FAIL, DNSSEC_SECURE,
	  "body hash mismatch, key DNSSEC-secure" },
	{ "dkim/lbody.eml", 0, DKIMR_PASS, DNSSEC_SECURE,
	  "2048-bit rsa-sha256, body length limit, key DNSSEC-secure" },
	{ "dkim/dual.eml", 0, DKIMR_PASS, DNSSEC_SECURE,
	  "2048-bit rsa-sha256, key DNSSEC-secure" },
	{ "dkim/dual.eml", 1, DKIMR_PASS, DNSSEC_INSECURE,
	  "ed25519-sha256, key DNSSEC-insecure" },
	{ "dkim/servfail2.eml", 0, DKIMR_TEMPERROR, DNSSEC_UNKNOWN,
	  "key lookup failed (DNS temporary error)" },
	{ "dkim/servfail2.eml", 1, DKIMR_PASS, DNSSEC_SECURE,
	  "2048-bit rsa-sha256, key DNSSEC-secure" },
	/* revoked._domainkey.example.com is not marked: nothing said */
	{ "dkim/revoked.eml", 0, DKIMR_PERMERROR, DNSSEC_UNKNOWN,
	  "key revoked (empty p=)" },
};

/* test_dnssec - key DNSSEC state in the reason; bogus keys are temperror */
static void
test_dnssec(struct dkv_engine *e, const struct config *c)
{
	struct dns_resolver *plain = zone;
	struct buf err;
	size_t i;

	buf_init(&err);
	zone = dns_zone_open(tap_path("TDATA", "dkim/keys.zone"), &err);
	if (zone == NULL)
		bail("zone: %s", buf_str(&err));
	for (i = 0; i < NELEM(dnssec_marks); i++)
		if (dns_zone_add_line(zone, dnssec_marks[i], &err) < 0)
			bail("zone line %s: %s", dnssec_marks[i], buf_str(&err));
	ok(dns_zone_add_line(zone, "x.example DNSSEC MAYBE", &err) < 0,
	    "zone: DNSSEC takes SECURE, INSECURE or BOGUS only");
	for (i = 0; i < NELEM(dnssec_cases); i++) {
		const struct dnssec_case *t = &dnssec_cases[i];
		struct dns_session s;
		struct dkv_msg *m = verify_file(e, c, t->file, &s);
		const struct dkv_result *r = dkv_result(m, t->idx);

		if (!ok(r != NULL, "dnssec %s[%zu]: a result", t->file, t->idx)) {
			dkv_msg_free(m);
			continue;
		}
		is_string(dkim_result_name(t->want), dkim_result_name(r->result),
		    "dnssec %s[%zu]: %s", t->file, t->idx, dkim_result_name(t->want));
		is_int(t->sec, r->key_sec, "dnssec %s[%zu]: key_sec", t->file, t->idx);
		is_string(t->reason, r->reason, "dnssec %s[%zu]: reason", t->file, t->idx);
		dkv_msg_free(m);
	}
	dns_resolver_free(zone);
	zone = plain;
	/* without validation marks the same keys say nothing about DNSSEC */
	for (i = 0; i < NELEM(dnssec_cases); i++) {
		struct dns_session s;
		struct dkv_msg *m = verify_file(e, c, dnssec_cases[i].file, &s);
		const struct dkv_result *r = dkv_result(m, dnssec_cases[i].idx);

		ok(r != NULL && r->key_sec == DNSSEC_UNKNOWN &&
		    strstr(r->reason, "DNSSEC") == NULL,
		    "no validation %s[%zu]: nothing said (%s)", dnssec_cases[i].file,
		    dnssec_cases[i].idx, r != NULL ? r->reason : "no result");
		dkv_msg_free(m);
	}
	buf_free(&err);
}

/* check_single - one row of singles[] on engine e */
static void
check_single(struct dkv_engine *e, const struct config *c, const struct single *t)
{
	struct dns_session s;
	struct dkv_msg *m = verify_file(e, c, t->file, &s);
	const struct dkv_result *r;

	if (!is_int((long)t->nres, (long)dkv_nresults(m), "%s: %zu results", t->file,
	    t->nres) || (r = dkv_result(m, t->idx)) == NULL) {
		dkv_msg_free(m);
		return;
	}
	if (!is_string(dkim_result_name(t->want), dkim_result_name(r->result),
	    "%s[%zu]: %s", t->file, t->idx, dkim_result_name(t->want)))
		diag("    reason: %s", r->reason);
	ok(strstr(r->reason, t->reason) != NULL, "%s[%zu]: reason \"%s\" has \"%s\"",
	    t->file, t->idx, r->reason, t->reason);
	is_string(t->selector, r->selector, "%s[%zu]: s=", t->file, t->idx);
	is_string(t->alg, r->algorithm, "%s[%zu]: algorithm", t->file, t->idx);
	if (t->bits > 0 || t->want == DKIMR_PASS)
		is_int(t->bits, r->key_bits, "%s[%zu]: key bits", t->file, t->idx);
	if (t->testing >= 0)
		is_int(t->testing, r->testing, "%s[%zu]: testing flag", t->file, t->idx);
	is_int(t->limited, r->body_length_limited, "%s[%zu]: body length limited",
	    t->file, t->idx);
	ok(strlen(r->b) >= 8, "%s[%zu]: header.b= has at least 8 characters (%s)",
	    t->file, t->idx, r->b);
	dkv_msg_free(m);
}

/* test_identity - the fields of a plain pass */
static void
test_identity(struct dkv_engine *e, const struct config *c)
{
	struct dns_session s;
	struct dkv_msg *m = verify_file(e, c, "dkim/good-rsa2048.eml", &s);
	const struct dkv_result *r = dkv_result(m, 0);

	ok(dkv_has_signatures(m), "signed message has signatures");
	if (r != NULL) {
		is_string("example.com", r->domain, "header.d");
		is_string("@example.com", r->identity, "header.i");
		is_int(8, (long)strlen(r->b), "lone signature: header.b= is 8 characters");
	}
	is_int(1, s.queries, "one key lookup");
	dkv_msg_free(m);

	m = verify_file(e, c, "dkim/dual.eml", &s);
	if (dkv_nresults(m) == 2)
		ok(strcmp(dkv_result(m, 0)->b, dkv_result(m, 1)->b) != 0,
		    "dual: header.b= prefixes differ (%s, %s)", dkv_result(m, 0)->b,
		    dkv_result(m, 1)->b);
	dkv_msg_free(m);
}

/* test_policies - l= fail policy, a higher MinimumKeyBits, LF line ends */
static void
test_policies(const struct config *base)
{
	struct config c = *base;
	struct buf err;
	struct dkv_engine *e;
	struct dns_session s;
	struct dkv_msg *m;
	unsigned char *p, *q;
	size_t n, k = 0;

	buf_init(&err);
	c.dkim_body_length = DKIM_L_FAIL;
	c.dkim_min_key_bits = 2048;
	e = dkv_engine_new(&c, &err);
	ok(e != NULL, "engine with MinimumKeyBits 2048 and BodyLengthPolicy fail %s",
	    buf_str(&err));
	if (e == NULL)
		return;
	m = verify_file(e, &c, "dkim/lbody.eml", &s);
	is_string("fail", dkim_result_name(dkv_result(m, 0)->result),
	    "l= with appended content under BodyLengthPolicy fail: fail");
	dkv_msg_free(m);
	m = verify_file(e, &c, "dkim/lbody-exact.eml", &s);
	is_string("pass", dkim_result_name(dkv_result(m, 0)->result),
	    "l= covering the whole body under BodyLengthPolicy fail: pass");
	dkv_msg_free(m);
	m = verify_file(e, &c, "dkim/good-rsa1024.eml", &s);
	is_string("policy", dkim_result_name(dkv_result(m, 0)->result),
	    "1024-bit key with MinimumKeyBits 2048: policy");
	is_string("1024-bit key below minimum 2048", dkv_result(m, 0)->reason,
	    "1024-bit key: reason");
	dkv_msg_free(m);
	m = verify_file(e, &c, "dkim/good-ed25519.eml", &s);
	is_string("pass", dkim_result_name(dkv_result(m, 0)->result),
	    "ed25519 is exempt from MinimumKeyBits");
	dkv_msg_free(m);
	dkv_engine_free(e);

	/* the same message with bare LF line ends (header folding included) */
	p = slurp("dkim/good-rsa2048.eml", &n);
	q = xmalloc(n);
	for (size_t i = 0; i < n; i++)
		if (p[i] != '\r')
			q[k++] = p[i];
	e = dkv_engine_new(base, &err);
	m = verify_mem(e, base, q, k, NULL, &s);
	is_string("pass", dkim_result_name(dkv_result(m, 0)->result),
	    "bare LF folding and line ends are converted to CRLF");
	dkv_msg_free(m);
	dkv_engine_free(e);
	free(p);
	free(q);
	buf_free(&err);
}

/* test_limit - 12 signatures, N=5: aligned first, 5 lookups, 7 neutral */
static void
test_limit(struct dkv_engine *e, const struct config *c)
{
	static const int verified[] = { 0, 1, 7, 9, 11 };	/* 8, 10, 12 aligned */
	struct dns_session s;
	struct dkv_msg *m = verify_file(e, c, "dkim/many12.eml", &s);
	size_t npass = 0, nneutral = 0;

	is_int(12, (long)dkv_nresults(m), "12 signatures: 12 results");
	is_int(5, s.queries, "12 signatures, N=5: exactly 5 key lookups");
	for (size_t i = 0; i < dkv_nresults(m); i++) {
		const struct dkv_result *r = dkv_result(m, i);
		bool want = false;

		for (size_t j = 0; j < NELEM(verified); j++)
			want |= verified[j] == (int)i;
		if (r->result == DKIMR_PASS)
			npass++;
		if (r->result == DKIMR_NEUTRAL &&
		    strcmp(r->reason, "not verified: over the limit of 5 signatures") == 0)
			nneutral++;
		is_string(want ? "pass" : "neutral", dkim_result_name(r->result),
		    "signature %zu (d=%s): %s", i + 1, r->domain, want ? "verified" :
		    "over the limit");
		for (size_t j = 0; j < i; j++)
			if (strcmp(dkv_result(m, j)->b, r->b) == 0)
				ok(0, "header.b= %s of %zu repeats %zu", r->b, i + 1, j + 1);
	}
	is_int(5, (long)npass, "5 pass");
	is_int(7, (long)nneutral, "7 neutral \"over the limit of 5 signatures\"");
	dkv_msg_free(m);

	/* another From domain: its own signature comes first */
	{
		size_t n;
		unsigned char *p = slurp("dkim/many12.eml", &n);

		m = verify_mem(e, c, p, n, "other6.example", &s);
		is_int(5, s.queries, "From other6.example: 5 lookups");
		is_string("pass", dkim_result_name(dkv_result(m, 5)->result),
		    "From other6.example: its signature (6th) is verified");
		is_string("neutral", dkim_result_name(dkv_result(m, 7)->result),
		    "From other6.example: example.com signature (8th) is over the limit");
		dkv_msg_free(m);
		free(p);
	}
}

/* sig_field - the DKIM-Signature field of a fixture (up to the next field) */
static char *
sig_field(const char *file)
{
	size_t n, end = 0;
	unsigned char *p = slurp(file, &n);
	char *f;

	while (end < n) {
		while (end < n && p[end] != '\n')
			end++;
		end++;
		if (end >= n || (p[end] != ' ' && p[end] != '\t'))
			break;
	}
	f = xstrndup((char *)p, end);
	free(p);
	return f;
}

/* test_too_many - more than MaximumSignatureFields: one permerror, no lookups */
static void
test_too_many(struct dkv_engine *e, const struct config *c)
{
	char *sig = sig_field("dkim/good-rsa2048.eml");
	size_t n;
	unsigned char *rest = slurp("dkim/good-rsa2048.eml", &n);
	struct buf msg;
	struct dns_session s;
	struct dkv_msg *m;

	buf_init(&msg);
	for (int i = 0; i < 51; i++)
		buf_adds(&msg, sig);
	buf_add(&msg, rest + strlen(sig), n - strlen(sig));
	m = verify_mem(e, c, (unsigned char *)msg.data, msg.len, NULL, &s);
	is_int(1, (long)dkv_nresults(m), "51 signature fields: one result");
	if (dkv_nresults(m) == 1) {
		is_string("permerror", dkim_result_name(dkv_result(m, 0)->result),
		    "51 signature fields: permerror");
		is_string("too many signatures (51)", dkv_result(m, 0)->reason,
		    "51 signature fields: reason");
	}
	is_int(0, s.queries, "51 signature fields: no key lookup");
	dkv_msg_free(m);

	/* thousands of fields: still one result, nothing kept beyond the limit */
	buf_reset(&msg);
	for (int i = 0; i < 5000; i++)
		buf_adds(&msg, sig);
	buf_add(&msg, rest + strlen(sig), n - strlen(sig));
	m = verify_mem(e, c, (unsigned char *)msg.data, msg.len, NULL, &s);
	ok(dkv_nresults(m) == 1 && strcmp(dkv_result(m, 0)->reason,
	    "too many signatures (5000)") == 0 && s.queries == 0,
	    "5000 signature fields: one permerror \"too many signatures (5000)\", no lookup");
	dkv_msg_free(m);

	/* 50 copies of one signature are within the limit: 5 verified, key shared */
	buf_reset(&msg);
	for (int i = 0; i < 50; i++)
		buf_adds(&msg, sig);
	buf_add(&msg, rest + strlen(sig), n - strlen(sig));
	m = verify_mem(e, c, (unsigned char *)msg.data, msg.len, NULL, &s);
	is_int(50, (long)dkv_nresults(m), "50 signature fields: 50 results");
	ok(s.queries <= 5, "50 signature fields: at most 5 lookups (%u)", s.queries);
	dkv_msg_free(m);
	buf_free(&msg);
	free(rest);
	free(sig);
}

/* poison_field - a complete signature field (the library sets it up) with tags */
static void
poison_field(struct buf *b, const char *d, const char *h, const char *extra)
{
	buf_printf(b, "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=%s;\r\n"
	    " s=rsa2048; h=%s;%s\r\n bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;\r\n"
	    " b=AAAABBBBCCCCDDDD\r\n", d, h, extra);
}

/*
 * test_poison - one broken signature next to a good aligned one: the broken one is
 * permerror on its own, the good one still passes (RFC 6376 6.1). The first two
 * made dkim_eoh fail for the whole message: a key name s._domainkey.d over the
 * library's 256 bytes (d= a valid 246-byte name), a field over its 64 KB buffer.
 */
static void
test_poison(struct dkv_engine *e, const struct config *c)
{
	static const char *const what[] = { "a 246-byte d=", "a 70 KB field",
		"an h= of 4,204 bytes", "an h= of 150 entries", "an h= selecting 1.2 MB" };
	static const char *const want[] = { "key name longer than 253 bytes",
		"signature field longer than 32768 bytes", "h= longer than 4095 bytes",
		"h= names 150 header fields, more than 100",
		"bytes of header fields, more than 1048576" };
	size_t n;
	unsigned char *rest = slurp("dkim/good-rsa2048.eml", &n);
	struct buf msg, d, h;
	struct dns_session s;

	buf_init(&msg);
	buf_init(&d);
	buf_init(&h);
	for (size_t i = 0; i < NELEM(what); i++) {
		struct dkv_msg *m;

		buf_reset(&msg);
		buf_reset(&d);
		buf_reset(&h);
		switch (i) {
		case 0:		/* 63 + 63 + 63 + 54 bytes and three dots */
			for (int l = 0; l < 4; l++) {
				for (int k = 0; k < (l < 3 ? 63 : 54); k++)
					buf_addc(&d, (char)('a' + l));
				if (l < 3)
					buf_addc(&d, '.');
			}
			poison_field(&msg, buf_str(&d), "from", "");
			break;
		case 1:
			buf_adds(&d, " pad=");
			for (int k = 0; k < 70000; k++)
				buf_addc(&d, 'x');
			buf_addc(&d, ';');
			poison_field(&msg, "example.net", "from", buf_str(&d));
			break;
		case 2:
			buf_adds(&h, "from");
			for (int k = 0; k < 1050; k++)
				buf_adds(&h, ":abc");
			poison_field(&msg, "example.net", buf_str(&h), "");
			break;
		case 3:
			buf_adds(&h, "from");
			for (int k = 1; k < 150; k++)
				buf_adds(&h, ":x");
			poison_field(&msg, "example.net", buf_str(&h), "");
			break;
		case 4:		/* 20 fields of 60 KB, all named */
			buf_adds(&h, "from");
			for (int k = 0; k < 20; k++)
				buf_adds(&h, ":x-big");
			poison_field(&msg, "example.net", buf_str(&h), "");
			for (int k = 0; k < 20; k++) {
				buf_adds(&msg, "X-Big: ");
				for (int x = 0; x < 60000; x++)
					buf_addc(&msg, 'y');
				buf_adds(&msg, "\r\n");
			}
			break;
		}
		buf_add(&msg, rest, n);
		m = verify_mem(e, c, (unsigned char *)msg.data, msg.len, NULL, &s);
		if (!is_int(2, (long)dkv_nresults(m), "poison %s: two results", what[i]))
			goto next;
		ok(dkv_result(m, 0)->result == DKIMR_PERMERROR &&
		    strstr(dkv_result(m, 0)->reason, want[i]) != NULL,
		    "poison %s: permerror \"%s\" (%s)", what[i], want[i],
		    dkv_result(m, 0)->reason);
		is_string("pass", dkim_result_name(dkv_result(m, 1)->result),
		    "poison %s: the good aligned signature still passes (%s)", what[i],
		    dkv_result(m, 1)->reason);
next:
		dkv_msg_free(m);
	}

	/* a signature whose h= covers the 70 KB field (DKIM-Signature twice:
	 * the bottom-most two) cannot be given to the library either */
	{
		struct dkv_msg *m;

		buf_reset(&msg);
		buf_reset(&d);
		poison_field(&msg, "example.net", "from:dkim-signature:dkim-signature", "");
		buf_adds(&d, " pad=");
		for (int k = 0; k < 70000; k++)
			buf_addc(&d, 'x');
		buf_addc(&d, ';');
		poison_field(&msg, "example.net", "from", buf_str(&d));
		buf_add(&msg, rest, n);
		m = verify_mem(e, c, (unsigned char *)msg.data, msg.len, NULL, &s);
		ok(dkv_nresults(m) == 3 && dkv_result(m, 0)->result == DKIMR_PERMERROR &&
		    strstr(dkv_result(m, 0)->reason, "h= covers a DKIM-Signature field "
		    "that cannot be verified") != NULL && dkv_result(m, 2)->result ==
		    DKIMR_PASS, "h= covering the 70 KB field: permerror on its own, the "
		    "good signature passes (%s)", dkv_nresults(m) ? dkv_result(m, 0)->reason :
		    "no result");
		dkv_msg_free(m);
	}
	buf_free(&msg);
	buf_free(&d);
	buf_free(&h);
	free(rest);
}

/* key_record - the TXT record of a key in keys.zone; caller frees */
static char *
key_record(const char *name)
{
	struct dns_session s;
	struct dns_answer *a;
	char *rec = NULL;

	dns_session_init(&s, zone, 5000);
	if (dns_query(&s, name, ns_t_txt, &a) == DNS_OK && a->n == 1)
		rec = xstrdup(a->rr[0].u.txt.data);
	dns_answer_free(a);
	return rec != NULL ? rec : xstrdup("");
}

/* test_exponent - RSA public exponent lengths as the screen reads them */
static void
test_exponent(void)
{
	static const struct { const char *name; int bits; } keys[] = {
		{ "rsa2048._domainkey.example.com", 17 },
		{ "pkcs1._domainkey.example.com", 17 },		/* bare PKCS#1 */
		{ "hugee._domainkey.example.com", 2047 },
		{ "ed25519._domainkey.example.com", 0 },
		{ "revoked._domainkey.example.com", 0 },
	};
	char *rec, *p;
	struct buf b;

	for (size_t i = 0; i < NELEM(keys); i++) {
		rec = key_record(keys[i].name);
		is_int(keys[i].bits, dks_rsa_exponent_bits(rec, strlen(rec)),
		    "exponent bits of %s", keys[i].name);
		free(rec);
	}
	/* bytes outside the base64 alphabet are skipped, as libopendkim does */
	rec = key_record("hugee._domainkey.example.com");
	buf_init(&b);
	p = strstr(rec, "p=");
	if (p != NULL) {
		buf_add(&b, rec, (size_t)(p - rec) + 10);
		buf_adds(&b, "!*");
		buf_adds(&b, p + 10);
	}
	is_int(2047, dks_rsa_exponent_bits(buf_str(&b), b.len),
	    "exponent bits with junk inside p=");
	buf_free(&b);
	free(rec);
}

/* test_hostile - malformed fields, junk, no From: a result per field, no crash */
static void
test_hostile(struct dkv_engine *e, const struct config *base)
{
	static const struct { const char *field, *reason; } junk[] = {
		{ "DKIM-Signature: garbage\r\n", "d= missing" },
		{ "DKIM-Signature:\r\n", "d= missing" },
		{ "DKIM-Signature: v=1; a=rsa-sha256; d=; s=\r\n", "d= empty" },
		{ "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=rsa2048; b=;;;;\r\n", "h= missing" },
		{ "DKIM-Signature: v=1; a=rsa-sha512; d=example.com; s=rsa2048; h=from; bh=AAAA; b=AAAA\r\n", "unknown algorithm" },
		{ "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; d=example.net; s=rsa2048; h=from; bh=AAAA; b=AAAA\r\n", "tag appears twice" },
		{ "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=rsa2048; h=from; H=to; bh=AAAA; b=AAAA\r\n", "tag appears twice" },
		{ "DKIM-Signature: v=1; a=rsa-sha256; d=\xff\xfe.example; s=\x80; h=from; bh=AAAA; b=AAAA\r\n", "8-bit" },
		{ "DKIM-Signature: v=1; a=rsa-sha256; c=bogus/bogus; d=example.com; s=rsa2048; h=from; bh=AAAA; b=AAAA\r\n", "canonicalization" },
		{ "DKIM-Signature: v=2; a=rsa-sha256; d=example.com; s=rsa2048; h=from; bh=AAAA; b=AAAA\r\n", "version" },
		{ "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=rsa2048; h=to; bh=AAAA; b=AAAA\r\n", "h= does not include From" },
		{ "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=rsa2048; l=-5; h=from; bh=AAAA; b=AAAA\r\n", "invalid l=" },
		{ "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=a..b; h=from; bh=AAAA; b=AAAA\r\n", "no key record" },
		{ "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=rsa2048; t=99999999999999999999999; h=from; bh=AAAA; b=AAAA\r\n", "future" },
		{ "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; i=@evil.example; s=rsa2048; h=from; bh=AAAA; b=AAAA\r\n", "i= is not within d=" },
		{ "DKIM-Signature: =====;=;=;\r\n", "d= missing" },
	};
	struct config c = *base;
	size_t n;
	unsigned char *rest = slurp("dkim/good-rsa2048.eml", &n);
	char *sig = sig_field("dkim/good-rsa2048.eml");
	struct buf msg;
	struct dns_session s;
	struct dkv_msg *m;
	size_t bad = 0;

	c.dkim_max_fields = 100;
	c.dkim_max_sigs = 20;
	buf_init(&msg);
	for (size_t i = 0; i < NELEM(junk); i++)
		buf_adds(&msg, junk[i].field);
	buf_adds(&msg, "DKIM-Signature: v=1; d=");	/* one very long field */
	for (int i = 0; i < 20000; i++)
		buf_adds(&msg, "abcde");
	buf_adds(&msg, "\r\n");
	buf_add(&msg, rest, n);
	m = verify_mem(e, &c, (unsigned char *)msg.data, msg.len, NULL, &s);
	is_int((long)NELEM(junk) + 2, (long)dkv_nresults(m),
	    "hostile fields: one result per signature field");
	for (size_t i = 0; i < dkv_nresults(m); i++) {
		const struct dkv_result *r = dkv_result(m, i);

		if (i + 1 == dkv_nresults(m))
			is_string("pass", dkim_result_name(r->result),
			    "hostile fields: the good signature still passes");
		else if (r->result == DKIMR_PASS)
			bad++;
		if (i < NELEM(junk))
			ok(r->result == DKIMR_PERMERROR && strstr(r->reason, junk[i].reason),
			    "hostile field %zu: permerror \"%s\" (%s)", i + 1, junk[i].reason,
			    r->reason);
		else if (i == NELEM(junk))
			is_string("permerror", dkim_result_name(r->result),
			    "hostile field: 100 KB d= is permerror (%s)", r->reason);
		for (const char *p = r->domain; *p; p++)
			if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
				bad++;
	}
	is_int(0, (long)bad, "hostile fields: none passes, results are printable");
	dkv_msg_free(m);

	/* 8-bit junk inside an otherwise good signature field */
	buf_reset(&msg);
	buf_add(&msg, sig, strlen(sig) - 2);
	buf_adds(&msg, "; z=\xc3\xa9\r\n");
	buf_add(&msg, rest + strlen(sig), n - strlen(sig));
	m = verify_mem(e, base, (unsigned char *)msg.data, msg.len, NULL, &s);
	ok(dkv_nresults(m) == 1 && dkv_result(m, 0)->result == DKIMR_PERMERROR,
	    "8-bit bytes in a signature field: permerror (%s)",
	    dkv_nresults(m) ? dkv_result(m, 0)->reason : "no result");
	dkv_msg_free(m);

	/* no From field at all */
	buf_reset(&msg);
	for (size_t i = 0; i < n; i++) {
		if ((i == 0 || rest[i - 1] == '\n') && strncmp((char *)rest + i, "From:", 5) == 0) {
			while (i < n && rest[i] != '\n')
				i++;
			continue;
		}
		buf_addc(&msg, rest[i]);
	}
	m = verify_mem(e, base, (unsigned char *)msg.data, msg.len, NULL, &s);
	ok(dkv_nresults(m) == 1 && dkv_result(m, 0)->result != DKIMR_PASS,
	    "no From field: one result, not pass (%s: %s)",
	    dkv_nresults(m) ? dkim_result_name(dkv_result(m, 0)->result) : "-",
	    dkv_nresults(m) ? dkv_result(m, 0)->reason : "no result");
	dkv_msg_free(m);

	/* no signature at all */
	m = verify_mem(e, base, rest + strlen(sig), n - strlen(sig), NULL, &s);
	ok(!dkv_has_signatures(m) && dkv_nresults(m) == 0 && s.queries == 0,
	    "unsigned message: no signatures, no results, no lookups");
	dkv_msg_free(m);
	buf_free(&msg);
	free(rest);
	free(sig);
}

/* --- body hashes ---------------------------------------------------------------- */

static const struct bodyvec {
	const char *name;
	const char *body;
	size_t len;
	enum dkb_canon canon;
	enum dkb_hash hash;
	long long limit;
	long long wrote;
	const char *b64;	/* /usr/bin/python3 dkim.canonicalization + hashlib */
} bodyvecs[] = {
	{ "empty", "", 0, DKB_SIMPLE, DKB_SHA256, -1LL, 2, "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=" },
	{ "empty", "", 0, DKB_SIMPLE, DKB_SHA1, -1LL, 2, "uoq1oCgLlTqpdDX/iUbLy7J1Wic=" },
	{ "empty", "", 0, DKB_SIMPLE, DKB_SHA256, 0LL, 0, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" },
	{ "empty", "", 0, DKB_SIMPLE, DKB_SHA256, 1LL, 1, "nR4OLZRZ0GUjrRPiikCTwjFrqv567Fsl8w66LhE1mcQ=" },
	{ "empty", "", 0, DKB_SIMPLE, DKB_SHA256, 5LL, 2, "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=" },
	{ "empty", "", 0, DKB_SIMPLE, DKB_SHA256, 2LL, 2, "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=" },
	{ "empty", "", 0, DKB_SIMPLE, DKB_SHA256, 5LL, 2, "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=" },
	{ "empty", "", 0, DKB_RELAXED, DKB_SHA256, -1LL, 0, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" },
	{ "empty", "", 0, DKB_RELAXED, DKB_SHA1, -1LL, 0, "2jmj7l5rSw0yVb/vlWAYkK/YBwk=" },
	{ "empty", "", 0, DKB_RELAXED, DKB_SHA256, 0LL, 0, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" },
	{ "empty", "", 0, DKB_RELAXED, DKB_SHA256, 1LL, 0, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" },
	{ "empty", "", 0, DKB_RELAXED, DKB_SHA256, 5LL, 0, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" },
	{ "empty", "", 0, DKB_RELAXED, DKB_SHA256, 0LL, 0, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" },
	{ "empty", "", 0, DKB_RELAXED, DKB_SHA256, 3LL, 0, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" },
	{ "only CRLFs", "\r\n\r\n\r\n", 6, DKB_SIMPLE, DKB_SHA256, -1LL, 2, "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=" },
	{ "only CRLFs", "\r\n\r\n\r\n", 6, DKB_SIMPLE, DKB_SHA1, -1LL, 2, "uoq1oCgLlTqpdDX/iUbLy7J1Wic=" },
	{ "only CRLFs", "\r\n\r\n\r\n", 6, DKB_SIMPLE, DKB_SHA256, 0LL, 0, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" },
	{ "only CRLFs", "\r\n\r\n\r\n", 6, DKB_SIMPLE, DKB_SHA256, 1LL, 1, "nR4OLZRZ0GUjrRPiikCTwjFrqv567Fsl8w66LhE1mcQ=" },
	{ "only CRLFs", "\r\n\r\n\r\n", 6, DKB_SIMPLE, DKB_SHA256, 5LL, 2, "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=" },
	{ "only CRLFs", "\r\n\r\n\r\n", 6, DKB_SIMPLE, DKB_SHA256, 2LL, 2, "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=" },
	{ "only CRLFs", "\r\n\r\n\r\n", 6, DKB_SIMPLE, DKB_SHA256, 5LL, 2, "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=" },
	{ "only CRLFs", "\r\n\r\n\r\n", 6, DKB_RELAXED, DKB_SHA256, -1LL, 0, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" },
	{ "only CRLFs", "\r\n\r\n\r\n", 6, DKB_RELAXED, DKB_SHA1, -1LL, 0, "2jmj7l5rSw0yVb/vlWAYkK/YBwk=" },
	{ "only CRLFs", "\r\n\r\n\r\n", 6, DKB_RELAXED, DKB_SHA256, 0LL, 0, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" },
	{ "only CRLFs", "\r\n\r\n\r\n", 6, DKB_RELAXED, DKB_SHA256, 1LL, 0, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" },
	{ "only CRLFs", "\r\n\r\n\r\n", 6, DKB_RELAXED, DKB_SHA256, 5LL, 0, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" },
	{ "only CRLFs", "\r\n\r\n\r\n", 6, DKB_RELAXED, DKB_SHA256, 0LL, 0, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" },
	{ "only CRLFs", "\r\n\r\n\r\n", 6, DKB_RELAXED, DKB_SHA256, 3LL, 0, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" },
	{ "one line", "Hello, world.\r\n", 15, DKB_SIMPLE, DKB_SHA256, -1LL, 15, "cYt+oiQVrRxPZobI0aHq9G01XoWfS96s0wd+I/mdOgU=" },
	{ "one line", "Hello, world.\r\n", 15, DKB_SIMPLE, DKB_SHA1, -1LL, 15, "InMRP9xiopA85943fMJd+5+SgnI=" },
	{ "one line", "Hello, world.\r\n", 15, DKB_SIMPLE, DKB_SHA256, 0LL, 0, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" },
	{ "one line", "Hello, world.\r\n", 15, DKB_SIMPLE, DKB_SHA256, 1LL, 1, "RL165g9Hj64QYeEadzn0uU0dr5F5gtM7b8igGmP4nCE=" },
	{ "one line", "Hello, world.\r\n", 15, DKB_SIMPLE, DKB_SHA256, 5LL, 5, "GF+NsyJx/iX1Yab8k4suJkMG7DBO2lGAB9F2SCY4GWk=" },
	{ "one line", "Hello, world.\r\n", 15, DKB_SIMPLE, DKB_SHA256, 15LL, 15, "cYt+oiQVrRxPZobI0aHq9G01XoWfS96s0wd+I/mdOgU=" },
	{ "one line", "Hello, world.\r\n", 15, DKB_SIMPLE, DKB_SHA256, 18LL, 15, "cYt+oiQVrRxPZobI0aHq9G01XoWfS96s0wd+I/mdOgU=" },
	{ "one line", "Hello, world.\r\n", 15, DKB_RELAXED, DKB_SHA256, -1LL, 15, "cYt+oiQVrRxPZobI0aHq9G01XoWfS96s0wd+I/mdOgU=" },
	{ "one line", "Hello, world.\r\n", 15, DKB_RELAXED, DKB_SHA1, -1LL, 15, "InMRP9xiopA85943fMJd+5+SgnI=" },
	{ "one line", "Hello, world.\r\n", 15, DKB_RELAXED, DKB_SHA256, 0LL, 0, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" },
	{ "one line", "Hello, world.\r\n", 15, DKB_RELAXED, DKB_SHA256, 1LL, 1, "RL165g9Hj64QYeEadzn0uU0dr5F5gtM7b8igGmP4nCE=" },
	{ "one line", "Hello, world.\r\n", 15, DKB_RELAXED, DKB_SHA256, 5LL, 5, "GF+NsyJx/iX1Yab8k4suJkMG7DBO2lGAB9F2SCY4GWk=" },
	{ "one line", "Hello, world.\r\n", 15, DKB_RELAXED, DKB_SHA256, 15LL, 15, "cYt+oiQVrRxPZobI0aHq9G01XoWfS96s0wd+I/mdOgU=" },
	{ "one line", "Hello, world.\r\n", 15, DKB_RELAXED, DKB_SHA256, 18LL, 15, "cYt+oiQVrRxPZobI0aHq9G01XoWfS96s0wd+I/mdOgU=" },
	{ "trailing empty lines", "a\r\n\r\n\r\n", 7, DKB_SIMPLE, DKB_SHA256, -1LL, 3, "jkYhN5eG70Kk/sFVzVJcKR3X2zwf3jR4Ui9PYcA/0b0=" },
	{ "trailing empty lines", "a\r\n\r\n\r\n", 7, DKB_SIMPLE, DKB_SHA1, -1LL, 3, "dkwWr0bdTxXtsF7MVZW1DL43FOo=" },
	{ "trailing empty lines", "a\r\n\r\n\r\n", 7, DKB_SIMPLE, DKB_SHA256, 0LL, 0, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" },
	{ "trailing empty lines", "a\r\n\r\n\r\n", 7, DKB_SIMPLE, DKB_SHA256, 1LL, 1, "ypeBEsobvcr6wjGzmiPcTaeG7/gUfE5yuYB3ha/uSLs=" },
	{ "trailing empty lines", "a\r\n\r\n\r\n", 7, DKB_SIMPLE, DKB_SHA256, 5LL, 3, "jkYhN5eG70Kk/sFVzVJcKR3X2zwf3jR4Ui9PYcA/0b0=" },
	{ "trailing empty lines", "a\r\n\r\n\r\n", 7, DKB_SIMPLE, DKB_SHA256, 3LL, 3, "jkYhN5eG70Kk/sFVzVJcKR3X2zwf3jR4Ui9PYcA/0b0=" },
	{ "trailing empty lines", "a\r\n\r\n\r\n", 7, DKB_SIMPLE, DKB_SHA256, 6LL, 3, "jkYhN5eG70Kk/sFVzVJcKR3X2zwf3jR4Ui9PYcA/0b0=" },
	{ "trailing empty lines", "a\r\n\r\n\r\n", 7, DKB_RELAXED, DKB_SHA256, -1LL, 3, "jkYhN5eG70Kk/sFVzVJcKR3X2zwf3jR4Ui9PYcA/0b0=" },
	{ "trailing empty lines", "a\r\n\r\n\r\n", 7, DKB_RELAXED, DKB_SHA1, -1LL, 3, "dkwWr0bdTxXtsF7MVZW1DL43FOo=" },
	{ "trailing empty lines", "a\r\n\r\n\r\n", 7, DKB_RELAXED, DKB_SHA256, 0LL, 0, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" },
	{ "trailing empty lines", "a\r\n\r\n\r\n", 7, DKB_RELAXED, DKB_SHA256, 1LL, 1, "ypeBEsobvcr6wjGzmiPcTaeG7/gUfE5yuYB3ha/uSLs=" },
	{ "trailing empty lines", "a\r\n\r\n\r\n", 7, DKB_RELAXED, DKB_SHA256, 5LL, 3, "jkYhN5eG70Kk/sFVzVJcKR3X2zwf3jR4Ui9PYcA/0b0=" },
	{ "trailing empty lines", "a\r\n\r\n\r\n", 7, DKB_RELAXED, DKB_SHA256, 3LL, 3, "jkYhN5eG70Kk/sFVzVJcKR3X2zwf3jR4Ui9PYcA/0b0=" },
	{ "trailing empty lines", "a\r\n\r\n\r\n", 7, DKB_RELAXED, DKB_SHA256, 6LL, 3, "jkYhN5eG70Kk/sFVzVJcKR3X2zwf3jR4Ui9PYcA/0b0=" },
	{ "inner empty lines", "a\r\n\r\n\r\nb\r\n", 10, DKB_SIMPLE, DKB_SHA256, -1LL, 10, "SFh8erZISrt6Jo0tTtk8EO/1BfDisAl/Ht6k37OJmgk=" },
	{ "inner empty lines", "a\r\n\r\n\r\nb\r\n", 10, DKB_SIMPLE, DKB_SHA1, -1LL, 10, "wOFyjDnRysTnPhtxQKAgl0w5j40=" },
	{ "inner empty lines", "a\r\n\r\n\r\nb\r\n", 10, DKB_SIMPLE, DKB_SHA256, 0LL, 0, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" },
	{ "inner empty lines", "a\r\n\r\n\r\nb\r\n", 10, DKB_SIMPLE, DKB_SHA256, 1LL, 1, "ypeBEsobvcr6wjGzmiPcTaeG7/gUfE5yuYB3ha/uSLs=" },
	{ "inner empty lines", "a\r\n\r\n\r\nb\r\n", 10, DKB_SIMPLE, DKB_SHA256, 5LL, 5, "HOFMUF4jloroVaaXEeljh0WClNPt4Ta4/+DHRZS1PaA=" },
	{ "inner empty lines", "a\r\n\r\n\r\nb\r\n", 10, DKB_SIMPLE, DKB_SHA256, 10LL, 10, "SFh8erZISrt6Jo0tTtk8EO/1BfDisAl/Ht6k37OJmgk=" },
	{ "inner empty lines", "a\r\n\r\n\r\nb\r\n", 10, DKB_SIMPLE, DKB_SHA256, 13LL, 10, "SFh8erZISrt6Jo0tTtk8EO/1BfDisAl/Ht6k37OJmgk=" },
	{ "inner empty lines", "a\r\n\r\n\r\nb\r\n", 10, DKB_RELAXED, DKB_SHA256, -1LL, 10, "SFh8erZISrt6Jo0tTtk8EO/1BfDisAl/Ht6k37OJmgk=" },
	{ "inner empty lines", "a\r\n\r\n\r\nb\r\n", 10, DKB_RELAXED, DKB_SHA1, -1LL, 10, "wOFyjDnRysTnPhtxQKAgl0w5j40=" },
	{ "inner empty lines", "a\r\n\r\n\r\nb\r\n", 10, DKB_RELAXED, DKB_SHA256, 0LL, 0, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" },
	{ "inner empty lines", "a\r\n\r\n\r\nb\r\n", 10, DKB_RELAXED, DKB_SHA256, 1LL, 1, "ypeBEsobvcr6wjGzmiPcTaeG7/gUfE5yuYB3ha/uSLs=" },
	{ "inner empty lines", "a\r\n\r\n\r\nb\r\n", 10, DKB_RELAXED, DKB_SHA256, 5LL, 5, "HOFMUF4jloroVaaXEeljh0WClNPt4Ta4/+DHRZS1PaA=" },
	{ "inner empty lines", "a\r\n\r\n\r\nb\r\n", 10, DKB_RELAXED, DKB_SHA256, 10LL, 10, "SFh8erZISrt6Jo0tTtk8EO/1BfDisAl/Ht6k37OJmgk=" },
	{ "inner empty lines", "a\r\n\r\n\r\nb\r\n", 10, DKB_RELAXED, DKB_SHA256, 13LL, 10, "SFh8erZISrt6Jo0tTtk8EO/1BfDisAl/Ht6k37OJmgk=" },
	{ "trailing WSP", "a \t \r\nb\t\r\n", 10, DKB_SIMPLE, DKB_SHA256, -1LL, 10, "AHvVTkfRb8Wz0LNcu1Wpgwu79rqaCC+EBSSplPskoLc=" },
	{ "trailing WSP", "a \t \r\nb\t\r\n", 10, DKB_SIMPLE, DKB_SHA1, -1LL, 10, "e9LUrFGLOp5Wnr91Tw730EvTYwk=" },
	{ "trailing WSP", "a \t \r\nb\t\r\n", 10, DKB_SIMPLE, DKB_SHA256, 0LL, 0, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" },
	{ "trailing WSP", "a \t \r\nb\t\r\n", 10, DKB_SIMPLE, DKB_SHA256, 1LL, 1, "ypeBEsobvcr6wjGzmiPcTaeG7/gUfE5yuYB3ha/uSLs=" },
	{ "trailing WSP", "a \t \r\nb\t\r\n", 10, DKB_SIMPLE, DKB_SHA256, 5LL, 5, "ZYY/Dc/gSoJmYuSmmEVMPTe+xqfstVMKz+FFzJPPBhE=" },
	{ "trailing WSP", "a \t \r\nb\t\r\n", 10, DKB_SIMPLE, DKB_SHA256, 10LL, 10, "AHvVTkfRb8Wz0LNcu1Wpgwu79rqaCC+EBSSplPskoLc=" },
	{ "trailing WSP", "a \t \r\nb\t\r\n", 10, DKB_SIMPLE, DKB_SHA256, 13LL, 10, "AHvVTkfRb8Wz0LNcu1Wpgwu79rqaCC+EBSSplPskoLc=" },
	{ "trailing WSP", "a \t \r\nb\t\r\n", 10, DKB_RELAXED, DKB_SHA256, -1LL, 6, "WAVb3Mc3h+uIx4028LSTnpxdwcOtF+JcyFpoM88aDKs=" },
	{ "trailing WSP", "a \t \r\nb\t\r\n", 10, DKB_RELAXED, DKB_SHA1, -1LL, 6, "ct2C7mlotV0YM1l+LW4WOKEAwuo=" },
	{ "trailing WSP", "a \t \r\nb\t\r\n", 10, DKB_RELAXED, DKB_SHA256, 0LL, 0, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" },
	{ "trailing WSP", "a \t \r\nb\t\r\n", 10, DKB_RELAXED, DKB_SHA256, 1LL, 1, "ypeBEsobvcr6wjGzmiPcTaeG7/gUfE5yuYB3ha/uSLs=" },
	{ "trailing WSP", "a \t \r\nb\t\r\n", 10, DKB_RELAXED, DKB_SHA256, 5LL, 5, "RkyMe67pbJZK5dULh8vEfsS46Pg21stD1BLaIn6xXJo=" },
	{ "trailing WSP", "a \t \r\nb\t\r\n", 10, DKB_RELAXED, DKB_SHA256, 6LL, 6, "WAVb3Mc3h+uIx4028LSTnpxdwcOtF+JcyFpoM88aDKs=" },
	{ "trailing WSP", "a \t \r\nb\t\r\n", 10, DKB_RELAXED, DKB_SHA256, 9LL, 6, "WAVb3Mc3h+uIx4028LSTnpxdwcOtF+JcyFpoM88aDKs=" },
	{ "WSP runs", "  a  \t b\t\tc \r\n \t\r\nd\r\n", 21, DKB_SIMPLE, DKB_SHA256, -1LL, 21, "YlMvpyEYFtPquZgyNF291dGsLsH54Hpvq64YSnrtx3Y=" },
	{ "WSP runs", "  a  \t b\t\tc \r\n \t\r\nd\r\n", 21, DKB_SIMPLE, DKB_SHA1, -1LL, 21, "LF95f7Fn4MrWU9CGeFId1bRBSMM=" },
	{ "WSP runs", "  a  \t b\t\tc \r\n \t\r\nd\r\n", 21, DKB_SIMPLE, DKB_SHA256, 0LL, 0, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" },
	{ "WSP runs", "  a  \t b\t\tc \r\n \t\r\nd\r\n", 21, DKB_SIMPLE, DKB_SHA256, 1LL, 1, "Nqnn8clbgv+5l0PgxcTOldg8mkMKrFn4TvPL+rYUUGg=" },
	{ "WSP runs", "  a  \t b\t\tc \r\n \t\r\nd\r\n", 21, DKB_SIMPLE, DKB_SHA256, 5LL, 5, "uNXAciJG/a581djFBpNk3XAupr4dAqt2q+dC1k5Bcu0=" },
	{ "WSP runs", "  a  \t b\t\tc \r\n \t\r\nd\r\n", 21, DKB_SIMPLE, DKB_SHA256, 21LL, 21, "YlMvpyEYFtPquZgyNF291dGsLsH54Hpvq64YSnrtx3Y=" },
	{ "WSP runs", "  a  \t b\t\tc \r\n \t\r\nd\r\n", 21, DKB_SIMPLE, DKB_SHA256, 24LL, 21, "YlMvpyEYFtPquZgyNF291dGsLsH54Hpvq64YSnrtx3Y=" },
	{ "WSP runs", "  a  \t b\t\tc \r\n \t\r\nd\r\n", 21, DKB_RELAXED, DKB_SHA256, -1LL, 13, "PwN66yb7rWdvVUmqqbMa0V4JbyerFQE6fU0OroK2DDE=" },
	{ "WSP runs", "  a  \t b\t\tc \r\n \t\r\nd\r\n", 21, DKB_RELAXED, DKB_SHA1, -1LL, 13, "KB3nCRqo8crEgeAQVtnJNMeguRE=" },
	{ "WSP runs", "  a  \t b\t\tc \r\n \t\r\nd\r\n", 21, DKB_RELAXED, DKB_SHA256, 0LL, 0, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" },
	{ "WSP runs", "  a  \t b\t\tc \r\n \t\r\nd\r\n", 21, DKB_RELAXED, DKB_SHA256, 1LL, 1, "Nqnn8clbgv+5l0PgxcTOldg8mkMKrFn4TvPL+rYUUGg=" },
	{ "WSP runs", "  a  \t b\t\tc \r\n \t\r\nd\r\n", 21, DKB_RELAXED, DKB_SHA256, 5LL, 5, "MfPV8yiKABd1VTbKay6MJln5vpzhytwBPcIWrG05wUM=" },
	{ "WSP runs", "  a  \t b\t\tc \r\n \t\r\nd\r\n", 21, DKB_RELAXED, DKB_SHA256, 13LL, 13, "PwN66yb7rWdvVUmqqbMa0V4JbyerFQE6fU0OroK2DDE=" },
	{ "WSP runs", "  a  \t b\t\tc \r\n \t\r\nd\r\n", 21, DKB_RELAXED, DKB_SHA256, 16LL, 13, "PwN66yb7rWdvVUmqqbMa0V4JbyerFQE6fU0OroK2DDE=" },
	{ "WSP-only lines at end", "x\r\n \r\n\t\t\r\n", 10, DKB_SIMPLE, DKB_SHA256, -1LL, 10, "A0ZpjPqBL+/wqnchsHIkEnMlYxa0JVpmzaF71U+4HF0=" },
	{ "WSP-only lines at end", "x\r\n \r\n\t\t\r\n", 10, DKB_SIMPLE, DKB_SHA1, -1LL, 10, "9/dMh8lXxpyhing63ieidJeHw+8=" },
	{ "WSP-only lines at end", "x\r\n \r\n\t\t\r\n", 10, DKB_SIMPLE, DKB_SHA256, 0LL, 0, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" },
	{ "WSP-only lines at end", "x\r\n \r\n\t\t\r\n", 10, DKB_SIMPLE, DKB_SHA256, 1LL, 1, "LXEWQrcmsEQBYnyp+6wy9chTD7GQPMTbAiWHF5IaSIE=" },
	{ "WSP-only lines at end", "x\r\n \r\n\t\t\r\n", 10, DKB_SIMPLE, DKB_SHA256, 5LL, 5, "biI0GBqrXVD0GnDHV7O5TY+bMS7YK7iyAgKaRNDuRFE=" },
	{ "WSP-only lines at end", "x\r\n \r\n\t\t\r\n", 10, DKB_SIMPLE, DKB_SHA256, 10LL, 10, "A0ZpjPqBL+/wqnchsHIkEnMlYxa0JVpmzaF71U+4HF0=" },
	{ "WSP-only lines at end", "x\r\n \r\n\t\t\r\n", 10, DKB_SIMPLE, DKB_SHA256, 13LL, 10, "A0ZpjPqBL+/wqnchsHIkEnMlYxa0JVpmzaF71U+4HF0=" },
	{ "WSP-only lines at end", "x\r\n \r\n\t\t\r\n", 10, DKB_RELAXED, DKB_SHA256, -1LL, 3, "s14J+iztnrytnRYzb7lhFG/jS/vrxWJnnahfijFMnco=" },
	{ "WSP-only lines at end", "x\r\n \r\n\t\t\r\n", 10, DKB_RELAXED, DKB_SHA1, -1LL, 3, "tXvATNGZQGf/D0nHduX3VT067tQ=" },
	{ "WSP-only lines at end", "x\r\n \r\n\t\t\r\n", 10, DKB_RELAXED, DKB_SHA256, 0LL, 0, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" },
	{ "WSP-only lines at end", "x\r\n \r\n\t\t\r\n", 10, DKB_RELAXED, DKB_SHA256, 1LL, 1, "LXEWQrcmsEQBYnyp+6wy9chTD7GQPMTbAiWHF5IaSIE=" },
	{ "WSP-only lines at end", "x\r\n \r\n\t\t\r\n", 10, DKB_RELAXED, DKB_SHA256, 5LL, 3, "s14J+iztnrytnRYzb7lhFG/jS/vrxWJnnahfijFMnco=" },
	{ "WSP-only lines at end", "x\r\n \r\n\t\t\r\n", 10, DKB_RELAXED, DKB_SHA256, 3LL, 3, "s14J+iztnrytnRYzb7lhFG/jS/vrxWJnnahfijFMnco=" },
	{ "WSP-only lines at end", "x\r\n \r\n\t\t\r\n", 10, DKB_RELAXED, DKB_SHA256, 6LL, 3, "s14J+iztnrytnRYzb7lhFG/jS/vrxWJnnahfijFMnco=" },
	{ "long-ish", "line 0  with\tsome   blanks \r\nline 1  with\tsome   blanks \r\nline 2  with\tsome   blanks \r\nline 3  with\tsome   blanks \r\nline 4  with\tsome   blanks \r\nline 5  with\tsome   blanks \r\nline 6  with\tsome   blanks \r\nline 7  with\tsome   blanks \r\nline 8  with\tsome   blanks \r\nline 9  with\tsome   blanks \r\nline 10  with\tsome   blanks \r\nline 11  with\tsome   blanks \r\nline 12  with\tsome   blanks \r\nline 13  with\tsome   blanks \r\nline 14  with\tsome   blanks \r\nline 15  with\tsome   blanks \r\nline 16  with\tsome   blanks \r\nline 17  with\tsome   blanks \r\nline 18  with\tsome   blanks \r\nline 19  with\tsome   blanks \r\nline 20  with\tsome   blanks \r\nline 21  with\tsome   blanks \r\nline 22  with\tsome   blanks \r\nline 23  with\tsome   blanks \r\nline 24  with\tsome   blanks \r\nline 25  with\tsome   blanks \r\nline 26  with\tsome   blanks \r\nline 27  with\tsome   blanks \r\nline 28  with\tsome   blanks \r\nline 29  with\tsome   blanks \r\nline 30  with\tsome   blanks \r\nline 31  with\tsome   blanks \r\nline 32  with\tsome   blanks \r\nline 33  with\tsome   blanks \r\nline 34  with\tsome   blanks \r\nline 35  with\tsome   blanks \r\nline 36  with\tsome   blanks \r\nline 37  with\tsome   blanks \r\nline 38  with\tsome   blanks \r\nline 39  with\tsome   blanks \r\n\r\n\r\n", 1194, DKB_SIMPLE, DKB_SHA256, -1LL, 1190, "Yejgfxqarb1qGeHVTydnObOZbQxwdtRQ6zE1kUOKuU8=" },
	{ "long-ish", "line 0  with\tsome   blanks \r\nline 1  with\tsome   blanks \r\nline 2  with\tsome   blanks \r\nline 3  with\tsome   blanks \r\nline 4  with\tsome   blanks \r\nline 5  with\tsome   blanks \r\nline 6  with\tsome   blanks \r\nline 7  with\tsome   blanks \r\nline 8  with\tsome   blanks \r\nline 9  with\tsome   blanks \r\nline 10  with\tsome   blanks \r\nline 11  with\tsome   blanks \r\nline 12  with\tsome   blanks \r\nline 13  with\tsome   blanks \r\nline 14  with\tsome   blanks \r\nline 15  with\tsome   blanks \r\nline 16  with\tsome   blanks \r\nline 17  with\tsome   blanks \r\nline 18  with\tsome   blanks \r\nline 19  with\tsome   blanks \r\nline 20  with\tsome   blanks \r\nline 21  with\tsome   blanks \r\nline 22  with\tsome   blanks \r\nline 23  with\tsome   blanks \r\nline 24  with\tsome   blanks \r\nline 25  with\tsome   blanks \r\nline 26  with\tsome   blanks \r\nline 27  with\tsome   blanks \r\nline 28  with\tsome   blanks \r\nline 29  with\tsome   blanks \r\nline 30  with\tsome   blanks \r\nline 31  with\tsome   blanks \r\nline 32  with\tsome   blanks \r\nline 33  with\tsome   blanks \r\nline 34  with\tsome   blanks \r\nline 35  with\tsome   blanks \r\nline 36  with\tsome   blanks \r\nline 37  with\tsome   blanks \r\nline 38  with\tsome   blanks \r\nline 39  with\tsome   blanks \r\n\r\n\r\n", 1194, DKB_SIMPLE, DKB_SHA1, -1LL, 1190, "3EMTxW4shoNAsLvZv39y/WQbWyQ=" },
	{ "long-ish", "line 0  with\tsome   blanks \r\nline 1  with\tsome   blanks \r\nline 2  with\tsome   blanks \r\nline 3  with\tsome   blanks \r\nline 4  with\tsome   blanks \r\nline 5  with\tsome   blanks \r\nline 6  with\tsome   blanks \r\nline 7  with\tsome   blanks \r\nline 8  with\tsome   blanks \r\nline 9  with\tsome   blanks \r\nline 10  with\tsome   blanks \r\nline 11  with\tsome   blanks \r\nline 12  with\tsome   blanks \r\nline 13  with\tsome   blanks \r\nline 14  with\tsome   blanks \r\nline 15  with\tsome   blanks \r\nline 16  with\tsome   blanks \r\nline 17  with\tsome   blanks \r\nline 18  with\tsome   blanks \r\nline 19  with\tsome   blanks \r\nline 20  with\tsome   blanks \r\nline 21  with\tsome   blanks \r\nline 22  with\tsome   blanks \r\nline 23  with\tsome   blanks \r\nline 24  with\tsome   blanks \r\nline 25  with\tsome   blanks \r\nline 26  with\tsome   blanks \r\nline 27  with\tsome   blanks \r\nline 28  with\tsome   blanks \r\nline 29  with\tsome   blanks \r\nline 30  with\tsome   blanks \r\nline 31  with\tsome   blanks \r\nline 32  with\tsome   blanks \r\nline 33  with\tsome   blanks \r\nline 34  with\tsome   blanks \r\nline 35  with\tsome   blanks \r\nline 36  with\tsome   blanks \r\nline 37  with\tsome   blanks \r\nline 38  with\tsome   blanks \r\nline 39  with\tsome   blanks \r\n\r\n\r\n", 1194, DKB_SIMPLE, DKB_SHA256, 0LL, 0, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" },
	{ "long-ish", "line 0  with\tsome   blanks \r\nline 1  with\tsome   blanks \r\nline 2  with\tsome   blanks \r\nline 3  with\tsome   blanks \r\nline 4  with\tsome   blanks \r\nline 5  with\tsome   blanks \r\nline 6  with\tsome   blanks \r\nline 7  with\tsome   blanks \r\nline 8  with\tsome   blanks \r\nline 9  with\tsome   blanks \r\nline 10  with\tsome   blanks \r\nline 11  with\tsome   blanks \r\nline 12  with\tsome   blanks \r\nline 13  with\tsome   blanks \r\nline 14  with\tsome   blanks \r\nline 15  with\tsome   blanks \r\nline 16  with\tsome   blanks \r\nline 17  with\tsome   blanks \r\nline 18  with\tsome   blanks \r\nline 19  with\tsome   blanks \r\nline 20  with\tsome   blanks \r\nline 21  with\tsome   blanks \r\nline 22  with\tsome   blanks \r\nline 23  with\tsome   blanks \r\nline 24  with\tsome   blanks \r\nline 25  with\tsome   blanks \r\nline 26  with\tsome   blanks \r\nline 27  with\tsome   blanks \r\nline 28  with\tsome   blanks \r\nline 29  with\tsome   blanks \r\nline 30  with\tsome   blanks \r\nline 31  with\tsome   blanks \r\nline 32  with\tsome   blanks \r\nline 33  with\tsome   blanks \r\nline 34  with\tsome   blanks \r\nline 35  with\tsome   blanks \r\nline 36  with\tsome   blanks \r\nline 37  with\tsome   blanks \r\nline 38  with\tsome   blanks \r\nline 39  with\tsome   blanks \r\n\r\n\r\n", 1194, DKB_SIMPLE, DKB_SHA256, 1LL, 1, "rKyGwOYJypBvYysOLazMsrd9IrBiHyDr7OGkg1uT9vA=" },
	{ "long-ish", "line 0  with\tsome   blanks \r\nline 1  with\tsome   blanks \r\nline 2  with\tsome   blanks \r\nline 3  with\tsome   blanks \r\nline 4  with\tsome   blanks \r\nline 5  with\tsome   blanks \r\nline 6  with\tsome   blanks \r\nline 7  with\tsome   blanks \r\nline 8  with\tsome   blanks \r\nline 9  with\tsome   blanks \r\nline 10  with\tsome   blanks \r\nline 11  with\tsome   blanks \r\nline 12  with\tsome   blanks \r\nline 13  with\tsome   blanks \r\nline 14  with\tsome   blanks \r\nline 15  with\tsome   blanks \r\nline 16  with\tsome   blanks \r\nline 17  with\tsome   blanks \r\nline 18  with\tsome   blanks \r\nline 19  with\tsome   blanks \r\nline 20  with\tsome   blanks \r\nline 21  with\tsome   blanks \r\nline 22  with\tsome   blanks \r\nline 23  with\tsome   blanks \r\nline 24  with\tsome   blanks \r\nline 25  with\tsome   blanks \r\nline 26  with\tsome   blanks \r\nline 27  with\tsome   blanks \r\nline 28  with\tsome   blanks \r\nline 29  with\tsome   blanks \r\nline 30  with\tsome   blanks \r\nline 31  with\tsome   blanks \r\nline 32  with\tsome   blanks \r\nline 33  with\tsome   blanks \r\nline 34  with\tsome   blanks \r\nline 35  with\tsome   blanks \r\nline 36  with\tsome   blanks \r\nline 37  with\tsome   blanks \r\nline 38  with\tsome   blanks \r\nline 39  with\tsome   blanks \r\n\r\n\r\n", 1194, DKB_SIMPLE, DKB_SHA256, 5LL, 5, "co0m4OQyOyLqktmepZvkO8MnyCF0n7Myl6ZODiITJ5U=" },
	{ "long-ish", "line 0  with\tsome   blanks \r\nline 1  with\tsome   blanks \r\nline 2  with\tsome   blanks \r\nline 3  with\tsome   blanks \r\nline 4  with\tsome   blanks \r\nline 5  with\tsome   blanks \r\nline 6  with\tsome   blanks \r\nline 7  with\tsome   blanks \r\nline 8  with\tsome   blanks \r\nline 9  with\tsome   blanks \r\nline 10  with\tsome   blanks \r\nline 11  with\tsome   blanks \r\nline 12  with\tsome   blanks \r\nline 13  with\tsome   blanks \r\nline 14  with\tsome   blanks \r\nline 15  with\tsome   blanks \r\nline 16  with\tsome   blanks \r\nline 17  with\tsome   blanks \r\nline 18  with\tsome   blanks \r\nline 19  with\tsome   blanks \r\nline 20  with\tsome   blanks \r\nline 21  with\tsome   blanks \r\nline 22  with\tsome   blanks \r\nline 23  with\tsome   blanks \r\nline 24  with\tsome   blanks \r\nline 25  with\tsome   blanks \r\nline 26  with\tsome   blanks \r\nline 27  with\tsome   blanks \r\nline 28  with\tsome   blanks \r\nline 29  with\tsome   blanks \r\nline 30  with\tsome   blanks \r\nline 31  with\tsome   blanks \r\nline 32  with\tsome   blanks \r\nline 33  with\tsome   blanks \r\nline 34  with\tsome   blanks \r\nline 35  with\tsome   blanks \r\nline 36  with\tsome   blanks \r\nline 37  with\tsome   blanks \r\nline 38  with\tsome   blanks \r\nline 39  with\tsome   blanks \r\n\r\n\r\n", 1194, DKB_SIMPLE, DKB_SHA256, 1190LL, 1190, "Yejgfxqarb1qGeHVTydnObOZbQxwdtRQ6zE1kUOKuU8=" },
	{ "long-ish", "line 0  with\tsome   blanks \r\nline 1  with\tsome   blanks \r\nline 2  with\tsome   blanks \r\nline 3  with\tsome   blanks \r\nline 4  with\tsome   blanks \r\nline 5  with\tsome   blanks \r\nline 6  with\tsome   blanks \r\nline 7  with\tsome   blanks \r\nline 8  with\tsome   blanks \r\nline 9  with\tsome   blanks \r\nline 10  with\tsome   blanks \r\nline 11  with\tsome   blanks \r\nline 12  with\tsome   blanks \r\nline 13  with\tsome   blanks \r\nline 14  with\tsome   blanks \r\nline 15  with\tsome   blanks \r\nline 16  with\tsome   blanks \r\nline 17  with\tsome   blanks \r\nline 18  with\tsome   blanks \r\nline 19  with\tsome   blanks \r\nline 20  with\tsome   blanks \r\nline 21  with\tsome   blanks \r\nline 22  with\tsome   blanks \r\nline 23  with\tsome   blanks \r\nline 24  with\tsome   blanks \r\nline 25  with\tsome   blanks \r\nline 26  with\tsome   blanks \r\nline 27  with\tsome   blanks \r\nline 28  with\tsome   blanks \r\nline 29  with\tsome   blanks \r\nline 30  with\tsome   blanks \r\nline 31  with\tsome   blanks \r\nline 32  with\tsome   blanks \r\nline 33  with\tsome   blanks \r\nline 34  with\tsome   blanks \r\nline 35  with\tsome   blanks \r\nline 36  with\tsome   blanks \r\nline 37  with\tsome   blanks \r\nline 38  with\tsome   blanks \r\nline 39  with\tsome   blanks \r\n\r\n\r\n", 1194, DKB_SIMPLE, DKB_SHA256, 1193LL, 1190, "Yejgfxqarb1qGeHVTydnObOZbQxwdtRQ6zE1kUOKuU8=" },
	{ "long-ish", "line 0  with\tsome   blanks \r\nline 1  with\tsome   blanks \r\nline 2  with\tsome   blanks \r\nline 3  with\tsome   blanks \r\nline 4  with\tsome   blanks \r\nline 5  with\tsome   blanks \r\nline 6  with\tsome   blanks \r\nline 7  with\tsome   blanks \r\nline 8  with\tsome   blanks \r\nline 9  with\tsome   blanks \r\nline 10  with\tsome   blanks \r\nline 11  with\tsome   blanks \r\nline 12  with\tsome   blanks \r\nline 13  with\tsome   blanks \r\nline 14  with\tsome   blanks \r\nline 15  with\tsome   blanks \r\nline 16  with\tsome   blanks \r\nline 17  with\tsome   blanks \r\nline 18  with\tsome   blanks \r\nline 19  with\tsome   blanks \r\nline 20  with\tsome   blanks \r\nline 21  with\tsome   blanks \r\nline 22  with\tsome   blanks \r\nline 23  with\tsome   blanks \r\nline 24  with\tsome   blanks \r\nline 25  with\tsome   blanks \r\nline 26  with\tsome   blanks \r\nline 27  with\tsome   blanks \r\nline 28  with\tsome   blanks \r\nline 29  with\tsome   blanks \r\nline 30  with\tsome   blanks \r\nline 31  with\tsome   blanks \r\nline 32  with\tsome   blanks \r\nline 33  with\tsome   blanks \r\nline 34  with\tsome   blanks \r\nline 35  with\tsome   blanks \r\nline 36  with\tsome   blanks \r\nline 37  with\tsome   blanks \r\nline 38  with\tsome   blanks \r\nline 39  with\tsome   blanks \r\n\r\n\r\n", 1194, DKB_RELAXED, DKB_SHA256, -1LL, 1030, "XwwaYu3kq2xFg76BlYzzkZamacegu2zhCYD9+5vr2iE=" },
	{ "long-ish", "line 0  with\tsome   blanks \r\nline 1  with\tsome   blanks \r\nline 2  with\tsome   blanks \r\nline 3  with\tsome   blanks \r\nline 4  with\tsome   blanks \r\nline 5  with\tsome   blanks \r\nline 6  with\tsome   blanks \r\nline 7  with\tsome   blanks \r\nline 8  with\tsome   blanks \r\nline 9  with\tsome   blanks \r\nline 10  with\tsome   blanks \r\nline 11  with\tsome   blanks \r\nline 12  with\tsome   blanks \r\nline 13  with\tsome   blanks \r\nline 14  with\tsome   blanks \r\nline 15  with\tsome   blanks \r\nline 16  with\tsome   blanks \r\nline 17  with\tsome   blanks \r\nline 18  with\tsome   blanks \r\nline 19  with\tsome   blanks \r\nline 20  with\tsome   blanks \r\nline 21  with\tsome   blanks \r\nline 22  with\tsome   blanks \r\nline 23  with\tsome   blanks \r\nline 24  with\tsome   blanks \r\nline 25  with\tsome   blanks \r\nline 26  with\tsome   blanks \r\nline 27  with\tsome   blanks \r\nline 28  with\tsome   blanks \r\nline 29  with\tsome   blanks \r\nline 30  with\tsome   blanks \r\nline 31  with\tsome   blanks \r\nline 32  with\tsome   blanks \r\nline 33  with\tsome   blanks \r\nline 34  with\tsome   blanks \r\nline 35  with\tsome   blanks \r\nline 36  with\tsome   blanks \r\nline 37  with\tsome   blanks \r\nline 38  with\tsome   blanks \r\nline 39  with\tsome   blanks \r\n\r\n\r\n", 1194, DKB_RELAXED, DKB_SHA1, -1LL, 1030, "gomOPLeFiV8yir/WNvGDYLDcFrE=" },
	{ "long-ish", "line 0  with\tsome   blanks \r\nline 1  with\tsome   blanks \r\nline 2  with\tsome   blanks \r\nline 3  with\tsome   blanks \r\nline 4  with\tsome   blanks \r\nline 5  with\tsome   blanks \r\nline 6  with\tsome   blanks \r\nline 7  with\tsome   blanks \r\nline 8  with\tsome   blanks \r\nline 9  with\tsome   blanks \r\nline 10  with\tsome   blanks \r\nline 11  with\tsome   blanks \r\nline 12  with\tsome   blanks \r\nline 13  with\tsome   blanks \r\nline 14  with\tsome   blanks \r\nline 15  with\tsome   blanks \r\nline 16  with\tsome   blanks \r\nline 17  with\tsome   blanks \r\nline 18  with\tsome   blanks \r\nline 19  with\tsome   blanks \r\nline 20  with\tsome   blanks \r\nline 21  with\tsome   blanks \r\nline 22  with\tsome   blanks \r\nline 23  with\tsome   blanks \r\nline 24  with\tsome   blanks \r\nline 25  with\tsome   blanks \r\nline 26  with\tsome   blanks \r\nline 27  with\tsome   blanks \r\nline 28  with\tsome   blanks \r\nline 29  with\tsome   blanks \r\nline 30  with\tsome   blanks \r\nline 31  with\tsome   blanks \r\nline 32  with\tsome   blanks \r\nline 33  with\tsome   blanks \r\nline 34  with\tsome   blanks \r\nline 35  with\tsome   blanks \r\nline 36  with\tsome   blanks \r\nline 37  with\tsome   blanks \r\nline 38  with\tsome   blanks \r\nline 39  with\tsome   blanks \r\n\r\n\r\n", 1194, DKB_RELAXED, DKB_SHA256, 0LL, 0, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" },
	{ "long-ish", "line 0  with\tsome   blanks \r\nline 1  with\tsome   blanks \r\nline 2  with\tsome   blanks \r\nline 3  with\tsome   blanks \r\nline 4  with\tsome   blanks \r\nline 5  with\tsome   blanks \r\nline 6  with\tsome   blanks \r\nline 7  with\tsome   blanks \r\nline 8  with\tsome   blanks \r\nline 9  with\tsome   blanks \r\nline 10  with\tsome   blanks \r\nline 11  with\tsome   blanks \r\nline 12  with\tsome   blanks \r\nline 13  with\tsome   blanks \r\nline 14  with\tsome   blanks \r\nline 15  with\tsome   blanks \r\nline 16  with\tsome   blanks \r\nline 17  with\tsome   blanks \r\nline 18  with\tsome   blanks \r\nline 19  with\tsome   blanks \r\nline 20  with\tsome   blanks \r\nline 21  with\tsome   blanks \r\nline 22  with\tsome   blanks \r\nline 23  with\tsome   blanks \r\nline 24  with\tsome   blanks \r\nline 25  with\tsome   blanks \r\nline 26  with\tsome   blanks \r\nline 27  with\tsome   blanks \r\nline 28  with\tsome   blanks \r\nline 29  with\tsome   blanks \r\nline 30  with\tsome   blanks \r\nline 31  with\tsome   blanks \r\nline 32  with\tsome   blanks \r\nline 33  with\tsome   blanks \r\nline 34  with\tsome   blanks \r\nline 35  with\tsome   blanks \r\nline 36  with\tsome   blanks \r\nline 37  with\tsome   blanks \r\nline 38  with\tsome   blanks \r\nline 39  with\tsome   blanks \r\n\r\n\r\n", 1194, DKB_RELAXED, DKB_SHA256, 1LL, 1, "rKyGwOYJypBvYysOLazMsrd9IrBiHyDr7OGkg1uT9vA=" },
	{ "long-ish", "line 0  with\tsome   blanks \r\nline 1  with\tsome   blanks \r\nline 2  with\tsome   blanks \r\nline 3  with\tsome   blanks \r\nline 4  with\tsome   blanks \r\nline 5  with\tsome   blanks \r\nline 6  with\tsome   blanks \r\nline 7  with\tsome   blanks \r\nline 8  with\tsome   blanks \r\nline 9  with\tsome   blanks \r\nline 10  with\tsome   blanks \r\nline 11  with\tsome   blanks \r\nline 12  with\tsome   blanks \r\nline 13  with\tsome   blanks \r\nline 14  with\tsome   blanks \r\nline 15  with\tsome   blanks \r\nline 16  with\tsome   blanks \r\nline 17  with\tsome   blanks \r\nline 18  with\tsome   blanks \r\nline 19  with\tsome   blanks \r\nline 20  with\tsome   blanks \r\nline 21  with\tsome   blanks \r\nline 22  with\tsome   blanks \r\nline 23  with\tsome   blanks \r\nline 24  with\tsome   blanks \r\nline 25  with\tsome   blanks \r\nline 26  with\tsome   blanks \r\nline 27  with\tsome   blanks \r\nline 28  with\tsome   blanks \r\nline 29  with\tsome   blanks \r\nline 30  with\tsome   blanks \r\nline 31  with\tsome   blanks \r\nline 32  with\tsome   blanks \r\nline 33  with\tsome   blanks \r\nline 34  with\tsome   blanks \r\nline 35  with\tsome   blanks \r\nline 36  with\tsome   blanks \r\nline 37  with\tsome   blanks \r\nline 38  with\tsome   blanks \r\nline 39  with\tsome   blanks \r\n\r\n\r\n", 1194, DKB_RELAXED, DKB_SHA256, 5LL, 5, "co0m4OQyOyLqktmepZvkO8MnyCF0n7Myl6ZODiITJ5U=" },
	{ "long-ish", "line 0  with\tsome   blanks \r\nline 1  with\tsome   blanks \r\nline 2  with\tsome   blanks \r\nline 3  with\tsome   blanks \r\nline 4  with\tsome   blanks \r\nline 5  with\tsome   blanks \r\nline 6  with\tsome   blanks \r\nline 7  with\tsome   blanks \r\nline 8  with\tsome   blanks \r\nline 9  with\tsome   blanks \r\nline 10  with\tsome   blanks \r\nline 11  with\tsome   blanks \r\nline 12  with\tsome   blanks \r\nline 13  with\tsome   blanks \r\nline 14  with\tsome   blanks \r\nline 15  with\tsome   blanks \r\nline 16  with\tsome   blanks \r\nline 17  with\tsome   blanks \r\nline 18  with\tsome   blanks \r\nline 19  with\tsome   blanks \r\nline 20  with\tsome   blanks \r\nline 21  with\tsome   blanks \r\nline 22  with\tsome   blanks \r\nline 23  with\tsome   blanks \r\nline 24  with\tsome   blanks \r\nline 25  with\tsome   blanks \r\nline 26  with\tsome   blanks \r\nline 27  with\tsome   blanks \r\nline 28  with\tsome   blanks \r\nline 29  with\tsome   blanks \r\nline 30  with\tsome   blanks \r\nline 31  with\tsome   blanks \r\nline 32  with\tsome   blanks \r\nline 33  with\tsome   blanks \r\nline 34  with\tsome   blanks \r\nline 35  with\tsome   blanks \r\nline 36  with\tsome   blanks \r\nline 37  with\tsome   blanks \r\nline 38  with\tsome   blanks \r\nline 39  with\tsome   blanks \r\n\r\n\r\n", 1194, DKB_RELAXED, DKB_SHA256, 1030LL, 1030, "XwwaYu3kq2xFg76BlYzzkZamacegu2zhCYD9+5vr2iE=" },
	{ "long-ish", "line 0  with\tsome   blanks \r\nline 1  with\tsome   blanks \r\nline 2  with\tsome   blanks \r\nline 3  with\tsome   blanks \r\nline 4  with\tsome   blanks \r\nline 5  with\tsome   blanks \r\nline 6  with\tsome   blanks \r\nline 7  with\tsome   blanks \r\nline 8  with\tsome   blanks \r\nline 9  with\tsome   blanks \r\nline 10  with\tsome   blanks \r\nline 11  with\tsome   blanks \r\nline 12  with\tsome   blanks \r\nline 13  with\tsome   blanks \r\nline 14  with\tsome   blanks \r\nline 15  with\tsome   blanks \r\nline 16  with\tsome   blanks \r\nline 17  with\tsome   blanks \r\nline 18  with\tsome   blanks \r\nline 19  with\tsome   blanks \r\nline 20  with\tsome   blanks \r\nline 21  with\tsome   blanks \r\nline 22  with\tsome   blanks \r\nline 23  with\tsome   blanks \r\nline 24  with\tsome   blanks \r\nline 25  with\tsome   blanks \r\nline 26  with\tsome   blanks \r\nline 27  with\tsome   blanks \r\nline 28  with\tsome   blanks \r\nline 29  with\tsome   blanks \r\nline 30  with\tsome   blanks \r\nline 31  with\tsome   blanks \r\nline 32  with\tsome   blanks \r\nline 33  with\tsome   blanks \r\nline 34  with\tsome   blanks \r\nline 35  with\tsome   blanks \r\nline 36  with\tsome   blanks \r\nline 37  with\tsome   blanks \r\nline 38  with\tsome   blanks \r\nline 39  with\tsome   blanks \r\n\r\n\r\n", 1194, DKB_RELAXED, DKB_SHA256, 1033LL, 1030, "XwwaYu3kq2xFg76BlYzzkZamacegu2zhCYD9+5vr2iE=" },
};

/* b64 - base64 of a digest */
static void
b64(const unsigned char *p, size_t n, char *out)
{
	EVP_EncodeBlock((unsigned char *)out, p, (int)n);
}

/* dkb_run - one body through a fresh dkb, chunks cut at cuts[]; base64 digest */
static long long
dkb_run(const unsigned char *p, size_t n, const size_t *cuts, size_t ncuts,
    enum dkb_canon c, enum dkb_hash h, long long limit, char *out)
{
	struct dkb *b = dkb_new();
	int i = dkb_add(b, c, h, limit, true);
	unsigned char dg[64];
	size_t prev = 0, dl;
	long long wrote;

	(void)dkb_add(b, c == DKB_SIMPLE ? DKB_RELAXED : DKB_SIMPLE, h, -1, true);
	for (size_t k = 0; k <= ncuts; k++) {
		size_t cut = k < ncuts ? cuts[k] : n;

		dkb_chunk(b, p + prev, cut - prev);
		prev = cut;
	}
	dkb_final(b);
	dl = dkb_digest(b, i, dg);
	b64(dg, dl, out);
	wrote = dkb_wrote(b, i);
	dkb_free(b);
	return wrote;
}

/* test_body_vectors - python's digests, whole and split at every offset */
static void
test_body_vectors(void)
{
	for (size_t i = 0; i < NELEM(bodyvecs); i++) {
		const struct bodyvec *v = &bodyvecs[i];
		char got[128];
		long long wrote = dkb_run((const unsigned char *)v->body, v->len, NULL, 0,
		    v->canon, v->hash, v->limit, got);
		int bad = 0;

		is_string(v->b64, got, "body %s, %s %s l=%lld: digest", v->name,
		    v->canon == DKB_SIMPLE ? "simple" : "relaxed",
		    v->hash == DKB_SHA1 ? "sha1" : "sha256", v->limit);
		is_int(v->wrote, wrote, "body %s, %s l=%lld: %lld octets hashed", v->name,
		    v->canon == DKB_SIMPLE ? "simple" : "relaxed", v->limit, v->wrote);
		for (size_t cut = 0; cut <= v->len; cut++) {
			size_t cuts[2] = { cut, cut + (cut + 1 < v->len ? 1 : 0) };

			dkb_run((const unsigned char *)v->body, v->len, cuts, 2, v->canon,
			    v->hash, v->limit, got);
			if (strcmp(got, v->b64) != 0)
				bad++;
		}
		is_int(0, bad, "body %s, %s l=%lld: same digest split at each offset",
		    v->name, v->canon == DKB_SIMPLE ? "simple" : "relaxed", v->limit);
	}
}

static unsigned long long rng_state = 0x9e3779b97f4a7c15ULL;

/* rng - xorshift64, deterministic */
static unsigned
rng(unsigned n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (unsigned)(rng_state % n);
}

/* naive_canon - RFC 6376 3.4.3/3.4.4 on a whole body of CRLF lines */
static void
naive_canon(const unsigned char *p, size_t n, bool relaxed, struct buf *out)
{
	size_t i = 0;

	buf_reset(out);
	while (i < n) {
		size_t e = i;
		struct buf line;

		while (e + 1 < n && !(p[e] == '\r' && p[e + 1] == '\n'))
			e++;
		if (e + 1 >= n)
			e = n;		/* last line without CRLF */
		buf_init(&line);
		for (size_t k = i; k < e; k++) {
			bool wsp = p[k] == ' ' || p[k] == '\t';

			if (relaxed && wsp) {
				while (k + 1 < e && (p[k + 1] == ' ' || p[k + 1] == '\t'))
					k++;
				if (k + 1 < e)
					buf_addc(&line, ' ');
				continue;
			}
			buf_addc(&line, (char)p[k]);
		}
		buf_add(out, line.data != NULL ? line.data : "", line.len);
		buf_add(out, "\r\n", 2);
		buf_free(&line);
		i = e + 2;
	}
	while (out->len >= 2 && (out->len == 2 || memcmp(out->data + out->len - 4,
	    "\r\n\r\n", 4) == 0) && memcmp(out->data + out->len - 2, "\r\n", 2) == 0)
		out->len -= 2;
	if (!relaxed && out->len == 0)
		buf_add(out, "\r\n", 2);
}

/* test_body_naive - random CRLF bodies in random chunks against naive_canon */
static void
test_body_naive(void)
{
	static const char *const parts[] = { "a", "bc", " ", "\t", "  ", "\r\n", "\r\n",
		"\r\n\r\n", " \r\n", "x\t \r\n", "word" };
	int bad = 0, runs = 0;
	struct buf body, want;

	buf_init(&body);
	buf_init(&want);
	for (int iter = 0; iter < 3000; iter++) {
		unsigned np = rng(30);
		size_t cuts[4];
		unsigned nc = rng(5);
		bool relaxed = rng(2) == 1;
		long long limit = rng(3) == 0 ? (long long)rng(60) : -1;
		unsigned char dg[EVP_MAX_MD_SIZE];
		unsigned dl = 0;
		char w[128], got[128];
		size_t wl;

		buf_reset(&body);
		for (unsigned k = 0; k < np; k++)
			buf_adds(&body, parts[rng(NELEM(parts))]);
		if (body.len > 0 && body.data[body.len - 1] != '\n')
			buf_adds(&body, "\r\n");	/* as dkv_eom makes it */
		for (unsigned k = 0; k < nc; k++)
			cuts[k] = body.len ? rng((unsigned)body.len + 1) : 0;
		for (unsigned k = 1; k < nc; k++)	/* sort */
			for (unsigned j = k; j > 0 && cuts[j - 1] > cuts[j]; j--) {
				size_t t = cuts[j];

				cuts[j] = cuts[j - 1];
				cuts[j - 1] = t;
			}
		naive_canon((const unsigned char *)body.data, body.len, relaxed, &want);
		wl = limit >= 0 && (size_t)limit < want.len ? (size_t)limit : want.len;
		EVP_Digest(want.data != NULL ? want.data : "", wl, dg, &dl, EVP_sha256(), NULL);
		b64(dg, dl, w);
		if (dkb_run((const unsigned char *)(body.data != NULL ? body.data : ""),
		    body.len, cuts, nc, relaxed ? DKB_RELAXED : DKB_SIMPLE, DKB_SHA256,
		    limit, got) != (long long)wl || strcmp(w, got) != 0) {
			if (bad++ == 0)
				diag("first difference: %s body of %zu bytes, l=%lld",
				    relaxed ? "relaxed" : "simple", body.len, limit);
		}
		runs++;
	}
	is_int(0, bad, "%d random CRLF bodies in random chunks: digests as RFC 6376 "
	    "(naive whole-buffer canonicalization)", runs);
	buf_free(&body);
	buf_free(&want);
}

/* lib_bh - bh= that libopendkim signs for this body, fed in these chunks; 1 when
 * it refused the body (SYNTAX), -1 on other errors */
static int
lib_bh(DKIM_LIB *lib, const char *key, const unsigned char *p, size_t n,
    const size_t *cuts, size_t ncuts, bool relaxed, bool sha1, long long limit,
    char *out, size_t outlen)
{
	DKIM_STAT st;
	DKIM *d = dkim_sign(lib, (const u_char *)"t", NULL, (dkim_sigkey_t)key,
	    (const u_char *)"s", (const u_char *)"example.org", DKIM_CANON_SIMPLE,
	    relaxed ? DKIM_CANON_RELAXED : DKIM_CANON_SIMPLE,
	    sha1 ? DKIM_SIGN_RSASHA1 : DKIM_SIGN_RSASHA256,
	    limit < 0 ? (ssize_t)-1 : (ssize_t)limit, &st);
	u_char hdr[4096];
	char *bh, *w = out;
	size_t prev = 0;
	int ret = -1;

	if (d == NULL)
		return -1;
	if (dkim_header(d, (u_char *)"From: a@example.org", 19) != DKIM_STAT_OK ||
	    dkim_eoh(d) != DKIM_STAT_OK)
		goto done;
	for (size_t k = 0; k <= ncuts; k++) {
		size_t cut = k < ncuts ? cuts[k] : n;

		if (cut > prev)
			(void)dkim_body(d, (u_char *)p + prev, cut - prev);
		prev = cut;
	}
	st = dkim_eom(d, NULL);
	if (st == DKIM_STAT_SYNTAX) {
		ret = 1;
		goto done;
	}
	if (st != DKIM_STAT_OK ||
	    dkim_getsighdr(d, hdr, sizeof hdr, strlen("DKIM-Signature: ")) != DKIM_STAT_OK ||
	    (bh = strstr((char *)hdr, "bh=")) == NULL)
		goto done;
	for (bh += 3; *bh && *bh != ';' && (size_t)(w - out) + 1 < outlen; bh++)
		if (*bh != ' ' && *bh != '\t' && *bh != '\r' && *bh != '\n')
			*w++ = *bh;
	*w = '\0';
	ret = 0;
done:
	dkim_free(d);
	return ret;
}

/* signer_setup - libopendkim with these flags, ready to sign with rsa1024's key
 * (returned, NUL-terminated) */
static unsigned char *
signer_setup(DKIM_LIB *lib, unsigned flags)
{
	unsigned char *key;
	size_t keylen;

	if (lib == NULL)
		bail("dkim_init");
	(void)dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags, sizeof flags);
	key = slurp("dkim/keys/rsa1024.pem", &keylen);
	key = xrealloc(key, keylen + 1);
	key[keylen] = '\0';
	return key;
}

/* test_body_library - bodies with bare CR and LF: the same as libopendkim hashes */
static void
test_body_library(void)
{
	static const char *const parts[] = { "a", " ", "\t", "\r", "\n", "\r\n", "\r\n",
		"\r\r", "\r \r\n", " \r", "\r\n\r\n", "b\r\n" };
	unsigned char *key;
	DKIM_LIB *lib = dkim_init(NULL, NULL);
	unsigned flags = 0;
	int bad = 0, syn = 0, bare = 0, runs = 0, libfail = 0;
	struct buf body;

	key = signer_setup(lib, flags);
	buf_init(&body);
	for (int iter = 0; iter < 2500; iter++) {
		unsigned np = rng(16);
		size_t cuts[4];
		unsigned nc = rng(5);
		bool relaxed = rng(2) == 1, sha1 = rng(8) == 0, lib_syntax, our_syntax;
		long long limit = rng(4) == 0 ? (long long)rng(40) : -1;
		char want[128], got[128];
		int r;

		buf_reset(&body);
		for (unsigned k = 0; k < np; k++)
			buf_adds(&body, parts[rng(NELEM(parts))]);
		for (unsigned k = 0; k < nc; k++)
			cuts[k] = body.len ? rng((unsigned)body.len + 1) : 0;
		for (unsigned k = 1; k < nc; k++)
			for (unsigned j = k; j > 0 && cuts[j - 1] > cuts[j]; j--) {
				size_t t = cuts[j];

				cuts[j] = cuts[j - 1];
				cuts[j - 1] = t;
			}
		/* as dkv_eom: a body not ending in LF gets CRLF (or LF), as a chunk */
		if (body.len > 0 && body.data[body.len - 1] != '\n') {
			bool cr = body.data[body.len - 1] == '\r';

			if (nc < NELEM(cuts))
				cuts[nc++] = body.len;
			buf_adds(&body, cr ? "\n" : "\r\n");
		}
		for (size_t k = 0; k < body.len; k++)
			if ((body.data[k] == '\r' && (k + 1 == body.len || body.data[k + 1] != '\n')) ||
			    (body.data[k] == '\n' && (k == 0 || body.data[k - 1] != '\r'))) {
				bare++;
				break;
			}
		r = lib_bh(lib, (const char *)key, (const unsigned char *)(body.data ? body.data : ""),
		    body.len, cuts, nc, relaxed, sha1, limit, want, sizeof want);
		if (r < 0) {
			libfail++;
			continue;
		}
		lib_syntax = r == 1;
		/* lib/dkim.c's rule for the library's refusal */
		our_syntax = relaxed && body.len > 0 && (body.len < 2 ||
		    body.data[body.len - 2] != '\r');
		runs++;
		syn += lib_syntax;
		if (lib_syntax != our_syntax) {
			if (bad++ == 0)
				diag("first difference: refusal lib %d ours %d", lib_syntax,
				    our_syntax);
			continue;
		}
		if (lib_syntax)
			continue;
		dkb_run((const unsigned char *)(body.data ? body.data : ""), body.len, cuts,
		    nc, relaxed ? DKB_RELAXED : DKB_SIMPLE, sha1 ? DKB_SHA1 : DKB_SHA256,
		    limit, got);
		if (strcmp(want, got) != 0 && bad++ == 0) {
			struct buf d;

			buf_init(&d);
			str_sanitize(&d, body.data, 400);
			diag("first difference: %s %s l=%lld cuts %u: lib %s ours %s body %s",
			    relaxed ? "relaxed" : "simple", sha1 ? "sha1" : "sha256", limit,
			    nc, want, got, buf_str(&d));
			buf_free(&d);
		}
	}
	is_int(0, libfail, "libopendkim signed every random body");
	ok(bare > 500 && syn > 20, "random bodies: %d with bare CR or LF, %d refused", bare,
	    syn);
	is_int(0, bad, "%d random bodies with bare CR/LF in random chunks: digests and "
	    "refusals as libopendkim's", runs);
	buf_free(&body);
	free(key);
	dkim_close(lib);
}

/*
 * test_bare_cr_length - l= coverage is counted on the body we hash. Bodies with a
 * bare CR, signed by libopendkim with the l= it counts itself (SIGNLEN): its count
 * is the length of what it hashed (lib/dkim_body's), not the RFC-literal length
 * (naive_canon: a bare CR is a line byte), which the length counter lib/dkim.c
 * kept beside lib/dkim_body counted. That counter saw content past l= where none
 * was hashed or left out: "body length limit", and fail under BodyLengthPolicy
 * fail. Now the message passes with no limit noted.
 */
static void
test_bare_cr_length(const struct config *base)
{
	static const struct {
		const char *body;
		bool relaxed;
	} cases[] = {
		{ "a\rb\r\n", true },		/* relaxed drops a CR before a word byte */
		{ "x\r\n\r\r\n", false },	/* simple: a line of CR only is empty */
	};
	struct config c = *base;
	DKIM_LIB *lib = dkim_init(NULL, NULL);
	unsigned flags = DKIM_LIBFLAGS_SIGNLEN;
	struct dkv_engine *e;
	struct buf err, naive, msg;
	unsigned char *key;

	key = signer_setup(lib, flags);
	buf_init(&err);
	buf_init(&naive);
	buf_init(&msg);
	c.dkim_body_length = DKIM_L_FAIL;
	e = dkv_engine_new(&c, &err);
	if (e == NULL)
		bail("engine with BodyLengthPolicy fail: %s", buf_str(&err));
	for (size_t i = 0; i < NELEM(cases); i++) {
		const char *body = cases[i].body;
		size_t blen = strlen(body);
		const char *kind = cases[i].relaxed ? "relaxed" : "simple";
		DKIM_STAT st;
		DKIM *d = dkim_sign(lib, (const u_char *)"t", NULL, (dkim_sigkey_t)key,
		    (const u_char *)"rsa1024", (const u_char *)"example.com",
		    DKIM_CANON_RELAXED, cases[i].relaxed ? DKIM_CANON_RELAXED :
		    DKIM_CANON_SIMPLE, DKIM_SIGN_RSASHA256, (ssize_t)-1, &st);
		u_char hdr[4096];
		const char *l;
		long long lib_l = -1, ours;
		char dg[128];
		struct dns_session s;
		struct dkv_msg *m;
		const struct dkv_result *r;

		if (d == NULL || dkim_header(d, (u_char *)"From: a@example.com", 19) !=
		    DKIM_STAT_OK || dkim_eoh(d) != DKIM_STAT_OK ||
		    dkim_body(d, (u_char *)body, blen) != DKIM_STAT_OK ||
		    dkim_eom(d, NULL) != DKIM_STAT_OK ||
		    dkim_getsighdr(d, hdr, sizeof hdr, strlen("DKIM-Signature: ")) !=
		    DKIM_STAT_OK)
			bail("libopendkim could not sign the %s bare-CR body", kind);
		dkim_free(d);
		if ((l = strstr((char *)hdr, " l=")) != NULL)
			lib_l = strtoll(l + 3, NULL, 10);
		naive_canon((const unsigned char *)body, blen, cases[i].relaxed, &naive);
		ours = dkb_run((const unsigned char *)body, blen, NULL, 0, cases[i].relaxed ?
		    DKB_RELAXED : DKB_SIMPLE, DKB_SHA256, -1, dg);
		ok(lib_l >= 0 && (long long)naive.len != lib_l,
		    "%s body with a bare CR: libopendkim's l=%lld is not the RFC-literal "
		    "length %zu (the old length counter's)", kind, lib_l, naive.len);
		is_int(lib_l, ours, "%s body with a bare CR: lib/dkim_body hashes l= octets",
		    kind);
		buf_reset(&msg);
		buf_printf(&msg, "DKIM-Signature: %s\r\nFrom: a@example.com\r\n\r\n%s",
		    (char *)hdr, body);
		m = verify_mem(e, &c, (const unsigned char *)msg.data, msg.len, NULL, &s);
		r = dkv_result(m, 0);
		if (r == NULL) {
			ok(0, "%s body with a bare CR: a result", kind);
		} else {
			is_string("pass", dkim_result_name(r->result), "%s body with a bare "
			    "CR, l= its whole canonical body, BodyLengthPolicy fail: pass "
			    "(%s)", kind, r->reason);
			is_int(0, r->body_length_limited, "%s body with a bare CR: l= leaves "
			    "nothing unsigned", kind);
		}
		dkv_msg_free(m);
	}
	dkv_engine_free(e);
	buf_free(&err);
	buf_free(&naive);
	buf_free(&msg);
	free(key);
	dkim_close(lib);
}

/* maxrss_kb - peak resident set size so far */
static long
maxrss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/*
 * memory_child - in a fresh child: headers of a good message, then total bytes of
 * body in 64 KB chunks (lines of 78 characters, or one line without CRLF); writes
 * "growth_kb result reason" to fd
 */
static void
memory_child(struct dkv_engine *e, const struct config *c, size_t total, bool one_line,
    int fd)
{
	size_t n, hl = 0;
	unsigned char *p = slurp("dkim/good-rsa2048.eml", &n);
	unsigned char chunk[65536];
	struct dns_session s;
	struct dkv_msg *m;
	long before;
	char out[512];

	while (hl + 3 < n && memcmp(p + hl, "\r\n\r\n", 4) != 0)
		hl++;
	for (size_t i = 0; i < sizeof chunk; i++)
		chunk[i] = one_line ? 'x' : (i % 80 == 78 ? '\r' : i % 80 == 79 ? '\n' : 'a');
	m = dkv_msg_new(e, c, "mem");
	dns_session_init(&s, zone, 5000);
	dkv_feed_raw(m, &s, NULL, p, hl + 4);	/* headers and the empty line */
	before = maxrss_kb();
	for (size_t done = 0; done < total; done += sizeof chunk)
		dkv_body(m, chunk, sizeof chunk);
	dkv_eom(m, &s);
	snprintf(out, sizeof out, "%ld %s %s\n", maxrss_kb() - before,
	    dkv_nresults(m) ? dkim_result_name(dkv_result(m, 0)->result) : "none",
	    dkv_nresults(m) ? dkv_result(m, 0)->reason : "");
	if (write(fd, out, strlen(out)) < 0)
		_exit(2);
	dkv_msg_free(m);
	free(p);
}

/* test_memory - RSS growth of a 50 MB body and of a 10 MB line, in children */
static void
test_memory(struct dkv_engine *e, const struct config *c)
{
	static const struct { size_t total; bool one_line; const char *what, *want, *reason; }
	cases[] = {
		{ 50u << 20, false, "50 MB body in 64 KB chunks", "fail", "body hash mismatch" },
		{ 10u << 20, true, "one 10 MB line without CRLF", "permerror",
		  "body line longer than" },
	};

	for (size_t i = 0; i < NELEM(cases); i++) {
		int pfd[2];
		pid_t pid;
		char buf[512] = "";
		long growth = -1;
		char res[32] = "", *reason;
		ssize_t got;

		if (pipe(pfd) != 0)
			bail("pipe");
		pid = fork();
		if (pid == 0) {
			close(pfd[0]);
			memory_child(e, c, cases[i].total, cases[i].one_line, pfd[1]);
			_exit(0);
		}
		close(pfd[1]);
		got = read(pfd[0], buf, sizeof buf - 1);
		close(pfd[0]);
		waitpid(pid, NULL, 0);
		if (got > 0)
			buf[got] = '\0';
		sscanf(buf, "%ld %31s", &growth, res);
		reason = strchr(buf, ' ') ? strchr(strchr(buf, ' ') + 1, ' ') : NULL;
		ok(growth >= 0 && growth < 20 * 1024, "%s: RSS growth %ld KB < 20 MB",
		    cases[i].what, growth);
		is_string(cases[i].want, res, "%s: %s", cases[i].what, cases[i].want);
		ok(reason != NULL && strstr(reason, cases[i].reason) != NULL,
		    "%s: reason has \"%s\"", cases[i].what, cases[i].reason);
	}
}

struct thread_arg {
	struct dkv_engine *e;
	const struct config *c;
	unsigned char *msgs[3];
	size_t lens[3];
	int wrong;
};

/* thread_main - verify the same three messages many times */
static void *
thread_main(void *arg)
{
	struct thread_arg *t = arg;

	for (int iter = 0; iter < 40; iter++) {
		for (int k = 0; k < 3; k++) {
			struct dns_session s;
			struct dkv_msg *m = verify_mem(t->e, t->c, t->msgs[k], t->lens[k],
			    NULL, &s);
			size_t np = 0;

			for (size_t i = 0; i < dkv_nresults(m); i++)
				np += dkv_result(m, i)->result == DKIMR_PASS;
			/* dual: 2 pass; servfail2: 1 pass; many12: 5 pass */
			if (np != (size_t)(k == 0 ? 2 : k == 1 ? 1 : 5))
				t->wrong++;
			dkv_msg_free(m);
		}
	}
	return NULL;
}

/* test_threads - 8 threads on one engine */
static void
test_threads(struct dkv_engine *e, const struct config *c)
{
	static const char *const files[3] = { "dkim/dual.eml", "dkim/servfail2.eml",
		"dkim/many12.eml" };
	struct thread_arg args[8];
	pthread_t th[8];
	int wrong = 0, started = 0;

	for (int i = 0; i < 8; i++) {
		args[i].e = e;
		args[i].c = c;
		args[i].wrong = 0;
		for (int k = 0; k < 3; k++)
			args[i].msgs[k] = slurp(files[k], &args[i].lens[k]);
		if (pthread_create(&th[i], NULL, thread_main, &args[i]) == 0)
			started++;
	}
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < 8; i++) {
		wrong += args[i].wrong;
		for (int k = 0; k < 3; k++)
			free(args[i].msgs[k]);
	}
	is_int(8, started, "8 threads started");
	is_int(0, wrong, "8 threads x 120 verifications on one engine: all as expected");
}

int
main(void)
{
	struct config c;
	struct buf err;
	struct dkv_engine *e;

	setenv("MAILAUTH_ZONE_TIMEOUT_INSTANT", "1", 1);
	tl_dkim_cfg(&c);
	buf_init(&err);
	zone = dns_zone_open(tap_path("TDATA", "dkim/keys.zone"), &err);
	if (zone == NULL)
		bail("zone: %s", buf_str(&err));
	e = dkv_engine_new(&c, &err);
	if (!ok(e != NULL, "engine and self-test verification %s", buf_str(&err)))
		bail("no engine");

	for (size_t i = 0; i < NELEM(singles); i++)
		check_single(e, &c, &singles[i]);
	test_identity(e, &c);
	test_dnssec(e, &c);
	test_policies(&c);
	test_limit(e, &c);
	test_too_many(e, &c);
	test_hostile(e, &c);
	test_poison(e, &c);
	test_exponent();
	test_body_vectors();
	test_body_naive();
	test_body_library();
	test_bare_cr_length(&c);
	test_memory(e, &c);
	test_threads(e, &c);

	is_string("none", dkim_result_name(DKIMR_NONE), "result name none");
	is_string("policy", dkim_result_name(DKIMR_POLICY), "result name policy");
	is_string("temperror", dkim_result_name(DKIMR_TEMPERROR), "result name temperror");

	dkv_engine_free(e);
	dns_resolver_free(zone);
	buf_free(&err);
	return done_testing();
}
