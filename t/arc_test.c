/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * arc_test.c - lib/arc and lib/arc_sig: chain rules on chains sealed here
 *
 * A small test-only sealer (RFC 8617 5.1: AAR, AMS over h= and the relaxed body
 * hash, AS over sets 1..i) signs with RSA keys made at start-up and published in
 * a zone resolver; then messages are changed, sets duplicated, left out or
 * stacked past 50, keys made to fail, and the validator's verdict, reason,
 * oldest-pass and sealer are checked. The canonicalization itself is checked
 * against an independent signer by t/arc_suite (ValiMail's suite); here the
 * primitives get their own vectors too.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "arc.h"
#include "arc_sig.h"
#include "arc_trust.h"
#include "b64.h"
#include "config.h"
#include "dkim_body.h"
#include "dmarc.h"
#include "dns.h"
#include "history.h"
#include "log.h"
#include "message.h"
#include "psl.h"
#include "tap.h"
#include "util.h"

#define MAXF	400

struct tmsg {
	char *f[MAXF];		/* "Name: value" (CRLF folding), top first */
	size_t n;
	char *body;		/* CRLF lines */
};

static EVP_PKEY *key1, *key2, *rogue;
static struct dns_resolver *zone;
static struct config *cfg;

/* tm_new - a plain message */
static struct tmsg *
tm_new(void)
{
	struct tmsg *t = xcalloc(1, sizeof *t);

	t->f[t->n++] = xstrdup("Received: from mx.d1.example by lists.example.org;\r\n"
	    "\tThu, 14 Jan 2015 15:01:30 -0800");
	t->f[t->n++] = xstrdup("From: John Q Doe <jqd@d1.example>");
	t->f[t->n++] = xstrdup("To: arc@example.net");
	t->f[t->n++] = xstrdup("Subject: Example  1 ");
	t->f[t->n++] = xstrdup("Date: Thu, 14 Jan 2015 15:00:01 -0800");
	t->body = xstrdup("Hey gang,\r\nThis is a  test message.\r\n--J.\r\n");
	return t;
}

/* tm_free - drop a message */
static void
tm_free(struct tmsg *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->f[i]);
	free(t->body);
	free(t);
}

/* tm_top - prepend a field */
static void
tm_top(struct tmsg *t, const char *field)
{
	if (t->n >= MAXF)
		bail("too many fields");
	memmove(t->f + 1, t->f, t->n * sizeof *t->f);
	t->f[0] = xstrdup(field);
	t->n++;
}

/* tm_set - replace the first field starting with prefix */
static void
tm_set(struct tmsg *t, const char *prefix, const char *field)
{
	for (size_t i = 0; i < t->n; i++)
		if (strncmp(t->f[i], prefix, strlen(prefix)) == 0) {
			free(t->f[i]);
			t->f[i] = xstrdup(field);
			return;
		}
	bail("no field %s", prefix);
}

/* find - index of the field named name with instance i (": i=N;" or "i=N;") */
static long
find(const struct tmsg *t, const char *name, unsigned inst)
{
	char want[16];

	snprintf(want, sizeof want, "i=%u;", inst);
	for (size_t k = 0; k < t->n; k++)
		if (strncmp(t->f[k], name, strlen(name)) == 0 &&
		    t->f[k][strlen(name)] == ':' && strstr(t->f[k], want) != NULL)
			return (long)k;
	return -1;
}

/* sign - base64 rsa-sha256 signature of data */
static void
sign(struct buf *out, EVP_PKEY *k, const struct buf *data)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char sig[1024];
	size_t len = sizeof sig;

	if (ctx == NULL || EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, k) != 1 ||
	    EVP_DigestSign(ctx, sig, &len, (const unsigned char *)data->data,
	    data->len) != 1)
		bail("signing failed");
	EVP_MD_CTX_free(ctx);
	b64_encode(out, sig, len);
}

/* body_hash - base64 relaxed SHA-256 body hash */
static void
body_hash(struct buf *out, const char *body)
{
	struct dkb *b = dkb_new();
	unsigned char d[64];
	int i = dkb_add(b, DKB_RELAXED, DKB_SHA256, -1, true);

	dkb_chunk(b, (const unsigned char *)body, strlen(body));
	dkb_final(b);
	b64_encode(out, d, dkb_digest(b, i, d));
	dkb_free(b);
}

/* seal_aar - add ARC set i, sealed by d/s with key k, saying cv; h= from hlist;
 * the AAR records results (the text after the authserv-id and its ';') */
static void
seal_aar(struct tmsg *t, unsigned i, const char *d, const char *s, EVP_PKEY *k,
    const char *cv, const char *hlist, const char *results)
{
	struct buf f, data, bh;
	bool used[MAXF] = { false };

	buf_init(&f);
	buf_init(&data);
	buf_init(&bh);
	buf_printf(&f, "ARC-Authentication-Results: i=%u; %s;\r\n\t%s", i, d, results);
	tm_top(t, f.data);
	/* AMS */
	body_hash(&bh, t->body);
	buf_reset(&f);
	buf_printf(&f, "ARC-Message-Signature: i=%u; a=rsa-sha256; c=relaxed/relaxed;\r\n"
	    "\td=%s; s=%s; t=1600000000; h=%s;\r\n\tbh=%s; b=", i, d, s, hlist,
	    buf_str(&bh));
	for (const char *p = hlist; *p != '\0'; ) {
		size_t n = strcspn(p, ":");

		for (size_t j = t->n; j-- > 0; ) {
			if (used[j] || strncasecmp(t->f[j], p, n) != 0 || t->f[j][n] != ':')
				continue;
			used[j] = true;
			arc_canon_header(&data, t->f[j], strlen(t->f[j]), true);
			buf_adds(&data, "\r\n");
			break;
		}
		p += n + (p[n] == ':');
	}
	arc_canon_header(&data, f.data, f.len, true);
	sign(&f, k, &data);
	tm_top(t, f.data);
	/* AS */
	buf_reset(&data);
	buf_reset(&f);
	buf_printf(&f, "ARC-Seal: i=%u; a=rsa-sha256; cv=%s; d=%s; s=%s;\r\n"
	    "\tt=1600000000; b=", i, cv, d, s);
	for (unsigned j = 1; j <= i; j++) {
		long a = find(t, "ARC-Authentication-Results", j);
		long m = find(t, "ARC-Message-Signature", j);
		long as = find(t, "ARC-Seal", j);

		if (a < 0 || m < 0 || (j < i && as < 0))
			bail("set %u incomplete while sealing %u", j, i);
		arc_canon_header(&data, t->f[a], strlen(t->f[a]), true);
		buf_adds(&data, "\r\n");
		arc_canon_header(&data, t->f[m], strlen(t->f[m]), true);
		buf_adds(&data, "\r\n");
		if (j < i) {
			arc_canon_header(&data, t->f[as], strlen(t->f[as]), true);
			buf_adds(&data, "\r\n");
		}
	}
	arc_canon_header(&data, f.data, f.len, true);
	sign(&f, k, &data);
	tm_top(t, f.data);
	buf_free(&f);
	buf_free(&data);
	buf_free(&bh);
}

/* seal_h - add ARC set i with the usual AAR (aligned spf and dkim pass) */
static void
seal_h(struct tmsg *t, unsigned i, const char *d, const char *s, EVP_PKEY *k,
    const char *cv, const char *hlist)
{
	seal_aar(t, i, d, s, k, cv, hlist, "spf=pass smtp.mailfrom=jqd@d1.example;\r\n"
	    "\tdkim=pass header.d=d1.example");
}

/* seal - the usual set: key1 at s1._domainkey.example.org */
static void
seal(struct tmsg *t, unsigned i, const char *cv)
{
	seal_h(t, i, "example.org", "s1", key1, cv, "from:to:subject:date");
}

/* verify - run the validator over a message; the result is copied out */
static struct arc_result
verify(const struct tmsg *t, unsigned *queries)
{
	struct arc_msg *m = arc_msg_new(cfg);
	struct dns_session s;
	struct arc_result r;

	dns_session_init(&s, zone, 1000);
	for (size_t i = 0; i < t->n; i++) {
		const char *colon = strchr(t->f[i], ':');
		char *name = xstrndup(t->f[i], (size_t)(colon - t->f[i]));

		arc_header(m, name, colon + 1);
		free(name);
	}
	arc_eoh(m);
	if (arc_wants_body(m)) {
		/* in two chunks, split inside a line */
		size_t n = strlen(t->body), h = n / 2;

		arc_body(m, (const unsigned char *)t->body, h);
		arc_body(m, (const unsigned char *)t->body + h, n - h);
	}
	arc_eom(m, &s, time(NULL));
	r = *arc_result(m);
	if (queries != NULL)
		*queries = s.queries;
	arc_msg_free(m);
	return r;
}

/* publish_der - a k=rsa key record with p= the n bytes at der for name */
static void
publish_der(const char *name, const unsigned char *der, int n)
{
	struct buf line, err;

	if (n <= 0)
		bail("i2d failed");
	buf_init(&line);
	buf_init(&err);
	buf_printf(&line, "%s TXT \"v=DKIM1; k=rsa; p=", name);
	b64_encode(&line, der, (size_t)n);
	buf_adds(&line, "\"");
	if (dns_zone_add_line(zone, line.data, &err) != 0)
		bail("zone: %s", buf_str(&err));
	buf_free(&line);
	buf_free(&err);
}

/* publish - a key record for name in the zone */
static void
publish(const char *name, EVP_PKEY *k, bool pkcs1)
{
	unsigned char *der = NULL;
	int n = pkcs1 ? i2d_PublicKey(k, &der) : i2d_PUBKEY(k, &der);

	publish_der(name, der, n);
	OPENSSL_free(der);
}

/* publish_odd - p= values that are no RSA key: an RSA-PSS and an ed25519
 * SubjectPublicKeyInfo, key1's with a BIT STRING of 1 unused bit and with a
 * primitive identifier 0x10 in place of SEQUENCE's 0x30 (fuzz_arc_key), key1's
 * RSAPublicKey whose modulus lost its leading 00 byte (a negative INTEGER in
 * DER; OpenSSL's d2i_PublicKey reads the bytes unsigned, as key1's modulus) */
static void
publish_odd(void)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA-PSS", NULL);
	EVP_PKEY *pss = NULL, *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	unsigned char *der = NULL;
	int n;

	if (ctx == NULL || EVP_PKEY_keygen_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 1024) != 1 ||
	    EVP_PKEY_generate(ctx, &pss) != 1)
		pss = NULL;
	EVP_PKEY_CTX_free(ctx);
	if (pss == NULL || ed == NULL)
		bail("RSA-PSS or ed25519 key generation failed");
	n = i2d_PUBKEY(pss, &der);
	publish_der("pss._domainkey.example.org", der, n);
	OPENSSL_free(der);
	der = NULL;
	n = i2d_PUBKEY(ed, &der);
	publish_der("edspki._domainkey.example.org", der, n);
	OPENSSL_free(der);
	der = NULL;
	/* 30 81 9f, 30 0d (rsaEncryption, NULL), 03 81 8d 00 (unused bits) ... */
	n = i2d_PUBKEY(key1, &der);
	if (n < 22 || der[18] != 0x03 || der[19] != 0x81 || der[21] != 0x00)
		bail("unexpected SubjectPublicKeyInfo layout of a 1024-bit key");
	der[21] = 0x01;
	publish_der("bitsleft._domainkey.example.org", der, n);
	der[21] = 0x00;
	der[0] = 0x10;		/* SEQUENCE's number, primitive: no SEQUENCE */
	publish_der("primitive._domainkey.example.org", der, n);
	OPENSSL_free(der);
	der = NULL;
	/* 30 81 89, 02 81 81 00 (n, positive) ...: drop the 00, n turns negative */
	n = i2d_PublicKey(key1, &der);
	if (n < 8 || der[3] != 0x02 || der[4] != 0x81 || der[5] != 0x81 ||
	    der[6] != 0x00 || (der[7] & 0x80) == 0)
		bail("unexpected RSAPublicKey layout of a 1024-bit key");
	der[2]--;
	der[5]--;
	memmove(der + 6, der + 7, (size_t)n - 7);
	publish_der("negative._domainkey.example.org", der, n - 1);
	OPENSSL_free(der);
	EVP_PKEY_free(pss);
	EVP_PKEY_free(ed);
}

/* zone_line - one more zone entry */
static void
zone_line(const char *l)
{
	struct buf err;

	buf_init(&err);
	if (dns_zone_add_line(zone, l, &err) != 0)
		bail("zone: %s", buf_str(&err));
	buf_free(&err);
}

/* has - does the reason contain s? */
static bool
has(const struct arc_result *r, const char *s)
{
	return strstr(r->reason, s) != NULL;
}

/* test_primitives - tag-lists, canonicalization, domain syntax */
static void
test_primitives(void)
{
	struct arc_tags t;
	struct buf b;
	static const char tl[] = " a = rsa-sha256 ;\r\n\tb=ab\r\n cd ; bh=x;";

	ok(arc_tags_parse(tl, strlen(tl), &t) == 0 && t.n == 3 &&
	    arc_tag_is(arc_tag_get(&t, "a"), "rsa-sha256") &&
	    arc_tag_get(&t, "b")->vlen == 7, "tag-list: FWS around = and ;, trailing ;");
	ok(arc_tags_parse("a=1;;b=2", 8, &t) != 0, "tag-list: empty tag-spec refused");
	ok(arc_tags_parse("a=1; a=2", 8, &t) != 0, "tag-list: repeated tag refused");
	ok(arc_tags_parse("1a=1", 4, &t) != 0, "tag-list: tag name must start ALPHA");
	ok(arc_tags_parse("a=1; b", 6, &t) != 0, "tag-list: tag without = refused");
	ok(arc_tags_parse("A=1", 3, &t) == 0 && arc_tag_get(&t, "a") == NULL,
	    "tag-list: names are case-sensitive");
	ok(arc_domain_ok("s1._x-y.example.org", 19) && !arc_domain_ok("a..b", 4) &&
	    !arc_domain_ok("example.", 8) && !arc_domain_ok("***", 3),
	    "d=/s= syntax");
	buf_init(&b);
	arc_canon_header(&b, "SuBject \t:  a \t b\r\n\t c  ", 24, true);
	is_string("subject:a b c", buf_str(&b), "relaxed header canonicalization");
	buf_reset(&b);
	arc_canon_header(&b, "SuBject : a\r\n b ", 16, false);
	is_string("SuBject : a\r\n b ", buf_str(&b), "simple header canonicalization");
	buf_free(&b);
}

/* test_chains - RFC 8617 5.2 on sealed chains */
static void
test_chains(void)
{
	struct tmsg *t;
	struct arc_result r;
	unsigned q;

	t = tm_new();
	r = verify(t, &q);
	ok(r.cv == ARC_NONE && r.nsets == 0 && q == 0, "no ARC fields: none, no DNS");
	seal(t, 1, "none");
	r = verify(t, NULL);
	ok(r.cv == ARC_PASS && r.oldest_pass == 0 && strcmp(r.sealer, "example.org") == 0,
	    "one set: pass, oldest-pass 0, sealer example.org (%s)", r.reason);
	seal(t, 2, "pass");
	r = verify(t, &q);
	ok(r.cv == ARC_PASS && r.nsets == 2 && r.oldest_pass == 0,
	    "two sets: pass (%s)", r.reason);
	is_int(1, q, "one key lookup for both sets and both kinds (cached)");
	tm_free(t);

	/* a later change breaks the newest AMS */
	t = tm_new();
	seal(t, 1, "none");
	tm_set(t, "Subject:", "Subject: changed after sealing");
	r = verify(t, NULL);
	ok(r.cv == ARC_FAIL && has(&r, "ARC-Message-Signature i=1"),
	    "Subject changed after the newest seal: fail (%s)", r.reason);
	tm_free(t);
	t = tm_new();
	seal(t, 1, "none");
	free(t->body);
	t->body = xstrdup("Hey gang,\r\nThis is a changed test message.\r\n");
	r = verify(t, NULL);
	ok(r.cv == ARC_FAIL && has(&r, "body hash mismatch"),
	    "body changed after the newest seal: fail (%s)", r.reason);
	/* a list changes the body and seals again: the chain passes, oldest-pass 2 */
	seal(t, 2, "pass");
	r = verify(t, NULL);
	ok(r.cv == ARC_PASS && r.oldest_pass == 2,
	    "body changed, then sealed again: pass, oldest-pass 2 (%d)", r.oldest_pass);
	tm_free(t);

	/* cv=fail propagation */
	t = tm_new();
	seal(t, 1, "none");
	seal(t, 2, "fail");
	r = verify(t, NULL);
	ok(r.cv == ARC_FAIL && has(&r, "i=2 says cv=fail"), "newest cv=fail: fail (%s)",
	    r.reason);
	seal(t, 3, "pass");
	r = verify(t, NULL);
	ok(r.cv == ARC_FAIL && has(&r, "i=2: cv= is not pass"),
	    "cv=fail below a cv=pass seal: still fail (%s)", r.reason);
	tm_free(t);
	t = tm_new();
	seal(t, 1, "pass");
	r = verify(t, NULL);
	ok(r.cv == ARC_FAIL && has(&r, "cv= is not none"), "i=1 with cv=pass: fail");
	tm_free(t);

	/* instance gaps and duplicates */
	t = tm_new();
	seal(t, 1, "none");
	seal(t, 2, "pass");
	seal(t, 3, "pass");
	{
		long k = find(t, "ARC-Seal", 2);

		free(t->f[k]);
		memmove(t->f + k, t->f + k + 1, (t->n - (size_t)k - 1) * sizeof *t->f);
		t->n--;
	}
	r = verify(t, NULL);
	ok(r.cv == ARC_FAIL && has(&r, "i=2 has no ARC-Seal"), "gap at i=2: fail (%s)",
	    r.reason);
	tm_free(t);
	t = tm_new();
	seal(t, 1, "none");
	tm_top(t, t->f[find(t, "ARC-Authentication-Results", 1)]);
	r = verify(t, NULL);
	ok(r.cv == ARC_FAIL && has(&r, "more than one ARC-Authentication-Results"),
	    "duplicate AAR i=1: fail (%s)", r.reason);
	tm_free(t);
	t = tm_new();
	seal(t, 1, "none");
	tm_top(t, "ARC-Seal: i=3; a=rsa-sha256; cv=pass; d=example.org; s=s1; b=AAAA");
	r = verify(t, NULL);
	ok(r.cv == ARC_FAIL && r.nsets == 3 && has(&r, "i=2 has no"),
	    "a lone seal at i=3 above a chain of 1: fail (%s)", r.reason);
	tm_free(t);

	/* 50 sets pass, a 51st is fail */
	t = tm_new();
	for (unsigned i = 1; i <= 50; i++)
		seal(t, i, i == 1 ? "none" : "pass");
	r = verify(t, &q);
	ok(r.cv == ARC_PASS && r.nsets == 50 && r.oldest_pass == 0,
	    "50 sets: pass (%s)", r.reason);
	seal(t, 51, "pass");
	r = verify(t, &q);
	ok(r.cv == ARC_FAIL && has(&r, "more than 50") && q == 0,
	    "51 sets: fail without any DNS query (%s)", r.reason);
	tm_free(t);
	/* each set with a key of its own: 32 distinct keys pass, 33 are too many */
	t = tm_new();
	for (unsigned i = 1; i <= 33; i++) {
		char sel[16];

		snprintf(sel, sizeof sel, "k%u", i);
		seal_h(t, i, "example.org", sel, key1, i == 1 ? "none" : "pass", "from");
		if (i == 32) {
			r = verify(t, &q);
			ok(r.cv == ARC_PASS && q == 32, "32 sets, 32 keys: pass (%u queries, %s)",
			    q, r.reason);
		}
	}
	r = verify(t, &q);
	ok(r.cv == ARC_FAIL && has(&r, "more than 32 distinct keys") && q == 32,
	    "33 sets, 33 keys: fail after 32 lookups (%u, %s)", q, r.reason);
	tm_free(t);
	t = tm_new();
	tm_top(t, "ARC-Authentication-Results: i=051; x.example; none");
	r = verify(t, NULL);
	ok(r.cv == ARC_FAIL && has(&r, "without a valid i="), "i=051: fail (%s)",
	    r.reason);
	tm_free(t);
}

/* test_keys - key lookups: temporary and permanent failures, bad keys */
static void
test_keys(void)
{
	struct tmsg *t;
	struct arc_result r;

	t = tm_new();
	seal_h(t, 1, "tempfail.example", "s1", key1, "none", "from:to");
	r = verify(t, NULL);
	ok(r.cv == ARC_FAIL && r.temporary && has(&r, "failed temporarily"),
	    "SERVFAIL on the key: fail (RFC 8617 5.2.1), marked temporary (%s)",
	    r.reason);
	tm_free(t);
	t = tm_new();
	seal_h(t, 1, "nokey.example", "s1", key1, "none", "from:to");
	r = verify(t, NULL);
	ok(r.cv == ARC_FAIL && !r.temporary && has(&r, "no key record"),
	    "no key record: fail, permanent (%s)", r.reason);
	tm_free(t);
	/* AMS key fine, seal key times out: still temporary */
	t = tm_new();
	seal(t, 1, "none");
	seal_h(t, 2, "tempfail.example", "s1", key1, "pass", "from:to");
	r = verify(t, NULL);
	ok(r.cv == ARC_FAIL && r.temporary, "temporary failure in step 4 of set 2");
	tm_free(t);
	/* PKCS#1 key records are read */
	t = tm_new();
	seal_h(t, 1, "example.org", "pkcs1", key2, "none", "from:to");
	r = verify(t, NULL);
	ok(r.cv == ARC_PASS, "bare PKCS#1 RSAPublicKey in p=: pass (%s)", r.reason);
	tm_free(t);
	/* a key record for another key: a forged seal under a real domain */
	t = tm_new();
	seal_h(t, 1, "example.org", "s1", rogue, "none", "from:to");
	r = verify(t, NULL);
	ok(r.cv == ARC_FAIL && has(&r, "does not verify"),
	    "set signed with a key that is not the domain's: fail (%s)", r.reason);
	tm_free(t);
	/* an honest first set, then a forged newest seal claiming the same domain */
	t = tm_new();
	seal(t, 1, "none");
	seal_h(t, 2, "example.org", "s1", rogue, "pass", "from:to");
	r = verify(t, NULL);
	ok(r.cv == ARC_FAIL && r.sealer[0] == '\0',
	    "forged newest set under a real sealer's name: fail, no sealer (%s)",
	    r.reason);
	tm_free(t);
	/* revoked and undersized keys */
	t = tm_new();
	seal_h(t, 1, "example.org", "revoked", key1, "none", "from:to");
	r = verify(t, NULL);
	ok(r.cv == ARC_FAIL && has(&r, "revoked"), "empty p=: fail (%s)", r.reason);
	tm_free(t);
	t = tm_new();
	seal_h(t, 1, "example.org", "ed", key1, "none", "from:to");
	r = verify(t, NULL);
	ok(r.cv == ARC_FAIL && has(&r, "not rsa"), "k=ed25519 key: fail (%s)", r.reason);
	tm_free(t);
	/* p= read down to n and e (lib/arc_sig.c): only rsaEncryption, whole bytes,
	 * a positive modulus */
	static const char *const odd[] = { "pss", "edspki", "bitsleft", "primitive",
	    "negative" };
	for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
		t = tm_new();
		seal_h(t, 1, "example.org", odd[i], key1, "none", "from:to");
		r = verify(t, NULL);
		ok(r.cv == ARC_FAIL && has(&r, "not an RSA public key"),
		    "k=rsa, p= %s: fail (%s)", odd[i], r.reason);
		tm_free(t);
	}
}

/* test_fields - field rules: algorithms, h=, header limits */
static void
test_fields(void)
{
	struct tmsg *t;
	struct arc_result r;
	struct buf b;
	long k;

	t = tm_new();
	seal(t, 1, "none");
	k = find(t, "ARC-Message-Signature", 1);
	buf_init(&b);
	buf_add(&b, t->f[k], (size_t)(strstr(t->f[k], "rsa-sha256") - t->f[k]));
	buf_adds(&b, "ed25519-sha256");
	buf_adds(&b, strstr(t->f[k], "rsa-sha256") + 10);
	free(t->f[k]);
	t->f[k] = buf_steal(&b);
	r = verify(t, NULL);
	ok(r.cv == ARC_FAIL && has(&r, "algorithm not accepted"),
	    "AMS a= other than rsa-sha256: fail (%s)", r.reason);
	tm_free(t);
	t = tm_new();
	seal_h(t, 1, "example.org", "s1", key1, "none", "from:arc-seal:to");
	r = verify(t, NULL);
	ok(r.cv == ARC_FAIL && has(&r, "h= includes ARC-Seal"),
	    "AMS h= naming ARC-Seal: fail (%s)", r.reason);
	tm_free(t);
	t = tm_new();
	seal_h(t, 1, "example.org", "s1", key1, "none", "from:to:x-absent:subject");
	tm_top(t, "X-Later: added below no signature");
	r = verify(t, NULL);
	ok(r.cv == ARC_PASS, "h= naming an absent field, unrelated field added: pass");
	tm_free(t);
	t = tm_new();
	seal_h(t, 1, "example.org", "s1", key1, "none", "from:to:x-absent:subject");
	tm_top(t, "X-Absent: now present");
	r = verify(t, NULL);
	ok(r.cv == ARC_FAIL, "h= naming an absent field that is then added: fail");
	tm_free(t);
	/* header past the limit with ARC fields present */
	t = tm_new();
	seal(t, 1, "none");
	{
		struct arc_msg *m = arc_msg_new(cfg);
		struct dns_session s;
		char *big = xmalloc(70000);

		memset(big, 'x', 69999);
		big[69999] = '\0';
		dns_session_init(&s, zone, 1000);
		for (size_t i = 0; i < t->n; i++) {
			char *c = strchr(t->f[i], ':');
			char *name = xstrndup(t->f[i], (size_t)(c - t->f[i]));

			arc_header(m, name, c + 1);
			free(name);
		}
		for (int i = 0; i < 20; i++)
			arc_header(m, "X-Big", big);
		arc_eoh(m);
		arc_eom(m, &s, time(NULL));
		ok(arc_result(m)->cv == ARC_FAIL && strstr(arc_result(m)->reason,
		    "header over") != NULL && !arc_wants_body(m),
		    "1.4 MB of header fields with a chain: fail, nothing kept for the body");
		arc_msg_free(m);
		free(big);
	}
	tm_free(t);
	/* h= length: every name is looked for among all the kept fields, so the
	 * names are bounded as for DKIM (MaximumSignedFields) */
	{
		struct buf h;

		buf_init(&h);
		buf_adds(&h, "from:to");
		for (unsigned i = 2; i < cfg->dkim_max_signed; i++)
			buf_adds(&h, ":x-absent");
		t = tm_new();
		seal_h(t, 1, "example.org", "s1", key1, "none", buf_str(&h));
		r = verify(t, NULL);
		ok(r.cv == ARC_PASS, "AMS h= naming MaximumSignedFields (%u) fields: pass "
		    "(%s)", cfg->dkim_max_signed, r.reason);
		tm_free(t);
		buf_adds(&h, "::subject");
		t = tm_new();
		seal_h(t, 1, "example.org", "s1", key1, "none", buf_str(&h));
		r = verify(t, NULL);
		ok(r.cv == ARC_FAIL && has(&r, "more than"),
		    "AMS h= naming one field more: fail (%s)", r.reason);
		tm_free(t);
		buf_free(&h);
	}
}

/* vouch_in - arc_trust_vouch on a message validated here, organizational
 * domains found as mode (DMARCOrgDomain) finds them */
static bool
vouch_in(enum dmarc_discovery mode, const struct tmsg *t, const char *from, char *why,
    size_t wl, struct buf *comment)
{
	struct arc_msg *m = arc_msg_new(cfg);
	struct dns_session s;
	char *trusted[] = { (char *)"example.org", NULL };
	struct buf err;
	struct psl *psl;
	struct dmarc_engine *dmarc;
	bool v;

	buf_init(&err);
	if ((psl = psl_load(cfg->psl_file, &err)) == NULL ||
	    (dmarc = dmarc_engine_new(cfg, psl, &err)) == NULL)
		bail("psl, dmarc: %s", buf_str(&err));
	dns_session_init(&s, zone, 1000);
	for (size_t i = 0; i < t->n; i++) {
		const char *colon = strchr(t->f[i], ':');
		char *name = xstrndup(t->f[i], (size_t)(colon - t->f[i]));

		arc_header(m, name, colon + 1);
		free(name);
	}
	arc_eoh(m);
	arc_body(m, (const unsigned char *)t->body, strlen(t->body));
	arc_eom(m, &s, time(NULL));
	v = arc_trust_vouch(m, trusted, dmarc, &s, mode, from, 'r', 'r', why, wl);
	if (comment != NULL)
		arc_trust_comment(m, comment);
	arc_msg_free(m);
	dmarc_engine_free(dmarc);
	psl_free(psl);
	buf_free(&err);
	return v;
}

/* vouch - the same with the Public Suffix List (no DMARC records needed) */
static bool
vouch(const struct tmsg *t, const char *from, char *why, size_t wl, struct buf *comment)
{
	return vouch_in(DMD_PSL, t, from, why, wl, comment);
}

/* test_vouch - what a trusted sealer's chain must show (lib/arc_trust.c) */
static void
test_vouch(void)
{
	struct tmsg *t = tm_new();
	char why[200];
	struct buf c;

	buf_init(&c);
	seal(t, 1, "none");
	seal(t, 2, "pass");
	ok(vouch(t, "d1.example", why, sizeof why, &c) &&
	    strcmp(why, "spf=pass smtp.mailfrom domain d1.example") == 0,
	    "trusted sealer's AAR has an aligned spf=pass (%s)", why);
	is_string("arc=pass as[2].d=example.org as[2].s=s1 as[1].d=example.org "
	    "as[1].s=s1", buf_str(&c), "report comment lists every seal (RFC 8617 7.2.2)");
	ok(vouch(t, "sub.d1.example", why, sizeof why, NULL),
	    "relaxed alignment: a subdomain From is vouched for (%s)", why);
	ok(!vouch(t, "other.example", why, sizeof why, NULL) &&
	    strstr(why, "no pass aligned with other.example") != NULL,
	    "another From domain is not vouched for (%s)", why);
	tm_free(t);
	t = tm_new();
	seal_h(t, 1, "example.org", "s1", key1, "none", "to:subject:date");
	ok(!vouch(t, "d1.example", why, sizeof why, NULL) &&
	    strstr(why, "does not sign From") != NULL,
	    "newest AMS not signing From: no vouching (%s)", why);
	tm_free(t);
	t = tm_new();
	seal_h(t, 1, "example.net", "s1", key1, "none", "from:to");
	ok(!vouch(t, "d1.example", why, sizeof why, NULL) &&
	    strstr(why, "sealer example.net not trusted") != NULL,
	    "valid chain, sealer not listed (%s)", why);
	tm_free(t);
	/* a quoted value in the trusted AAR holds what the sender wrote (a quoted
	 * local-part, RFC 8601 2.2 value = quoted-string): its quoted-pairs, ';' and
	 * blanks are text, never another result or property */
	t = tm_new();
	seal_aar(t, 1, "example.org", "s1", key1, "none", "from:to",
	    "spf=pass smtp.mailfrom=\"\\\"x; dmarc=pass header.from=victim.example; "
	    "y=\\\"@d1.example\"");
	ok(!vouch(t, "victim.example", why, sizeof why, NULL),
	    "';' after a quoted-pair '\\\"' inside a quoted value starts no result (%s)",
	    why);
	ok(vouch(t, "d1.example", why, sizeof why, NULL) &&
	    strcmp(why, "spf=pass smtp.mailfrom domain d1.example") == 0,
	    "... the value is the whole quoted-string (%s)", why);
	tm_free(t);
	t = tm_new();
	seal_aar(t, 1, "example.org", "s1", key1, "none", "from:to",
	    "dkim=pass header.i=\"x header.d=victim.example y@d1.example\" "
	    "header.d=d1.example");
	ok(!vouch(t, "victim.example", why, sizeof why, NULL),
	    "a blank inside a quoted value starts no property (%s)", why);
	ok(vouch(t, "d1.example", why, sizeof why, NULL),
	    "... header.d is the one written as a property (%s)", why);
	tm_free(t);
	/* relaxed alignment as DMARC found it: psd.example publishes psd=y (a
	 * public suffix the PSL does not list), so a sibling below it is another
	 * organization for the Tree Walk; with the PSL both are psd.example */
	t = tm_new();
	seal_aar(t, 1, "example.org", "s1", key1, "none", "from:to",
	    "dkim=pass header.d=attacker.psd.example; spf=pass "
	    "smtp.mailfrom=x@attacker.psd.example");
	ok(!vouch_in(DMD_TREEWALK, t, "victim.psd.example", why, sizeof why, NULL),
	    "Tree Walk: a psd=y sibling's pass is not aligned (%s)", why);
	ok(vouch_in(DMD_PSL, t, "victim.psd.example", why, sizeof why, NULL),
	    "... with DMARCOrgDomain psl it is, as DMARC itself finds (%s)", why);
	ok(vouch_in(DMD_TREEWALK, t, "sub.attacker.psd.example", why, sizeof why,
	    NULL), "Tree Walk: the org domain's subdomain is aligned (%s)", why);
	tm_free(t);
	buf_free(&c);
}

/* list_of - a NULL-terminated option list of one word, or empty */
static char **
list_of(const char *w)
{
	char **l = xcalloc(2, sizeof *l);

	if (w != NULL)
		l[0] = xstrdup(w);
	return l;
}

/* run_eml - one saved message of t/data/message through the whole engine */
static void
run_eml(struct engine *eng, const char *file, struct msg_verdict *v)
{
	char path[4096];
	struct msg *m = msg_new(eng);
	FILE *fp;

	snprintf(path, sizeof path, "%s%s", tap_path("TDATA", "message/"), file);
	if ((fp = fopen(path, "r")) == NULL)
		bail("cannot open %s", path);
	msg_connect(m, "198.51.100.7", "list.example.com");
	msg_helo(m, "list.example.com");
	memset(v, 0, sizeof *v);
	msg_envfrom(m, "<x@example.com>", NULL, v);
	msg_feed_file(m, fp);
	fclose(fp);
	msg_eom(m, v);
	msg_free(m);
}

/* test_override - TrustedARCSealers through message and policy */
static void
test_override(void)
{
	enum { REJECT, OVERRIDE, RETRY };
	static const struct {
		const char *file, *trusted;
		int want;
		bool keyfail;		/* s1._domainkey.example.com SERVFAILs */
		const char *what;
	} cases[] = {
		{ "arc-forwarded.eml", "example.com", OVERRIDE, false,
		  "trusted sealer saw DKIM and DMARC pass" },
		{ "arc-forwarded.eml", "EXAMPLE.COM.", OVERRIDE, false,
		  "trusted name in any case, final dot" },
		{ "arc-forwarded.eml", "other.example", REJECT, false, "sealer not trusted" },
		{ "arc-forwarded.eml", "lists.example.com", REJECT, false,
		  "the AAR's authserv-id is not the sealer's d=" },
		{ "arc-forwarded.eml", NULL, REJECT, false, "no TrustedARCSealers" },
		{ "arc-broken.eml", "example.com", REJECT, false, "chain broken after the seal" },
		{ "arc-unauth.eml", "example.com", REJECT, false,
		  "trusted sealer recorded no aligned pass" },
		{ "arc-forged.eml", "example.com", REJECT, false,
		  "seal claiming the trusted domain without its key" },
		{ "reject-unsigned.eml", "example.com", REJECT, false, "no ARC chain at all" },
		{ "arc-forwarded.eml", "example.com", RETRY, true,
		  "trusted sealer's key lookup fails temporarily" },
		{ "arc-forwarded.eml", "other.example", REJECT, true,
		  "untrusted sealer's key lookup fails temporarily" },
	};
	struct buf err;
	char zpath[] = "/tmp/arc_test.zone.XXXXXX";
	FILE *src, *dst;
	int fd;
	char line[4096];

	buf_init(&err);
	/* test.zone with the sealer's key answering SERVFAIL */
	if ((fd = mkstemp(zpath)) < 0 || (dst = fdopen(fd, "w")) == NULL ||
	    (src = fopen(tap_path("TDATA", "message/test.zone"), "r")) == NULL)
		bail("temporary zone");
	while (fgets(line, sizeof line, src) != NULL)
		fputs(line, dst);
	fputs("s1._domainkey.example.com SERVFAIL\n", dst);
	fclose(src);
	fclose(dst);

	for (size_t i = 0; i < NELEM(cases); i++) {
		struct config *c = cfg_defaults();
		struct engine *eng;
		struct msg_verdict v;
		const char *ar;

		c->dns_backend = DNS_BACKEND_ZONE;
		free(c->dns_zone_file);
		c->dns_zone_file = xstrdup(cases[i].keyfail ? zpath :
		    tap_path("TDATA", "message/test.zone"));
		free(c->authserv_id);
		c->authserv_id = xstrdup("mx.test.example");
		c->history_store = STORE_SQLITE;	/* the row is built, not stored */
		for (char **w = c->arc_trusted_sealers; w != NULL && *w != NULL; w++)
			free(*w);
		free(c->arc_trusted_sealers);
		c->arc_trusted_sealers = list_of(cases[i].trusted);
		if ((eng = engine_new(c, &err)) == NULL)
			bail("engine_new: %s", buf_str(&err));
		run_eml(eng, cases[i].file, &v);
		ar = v.authres != NULL ? v.authres : "";
		if (cases[i].want == RETRY) {
			ok(v.action == ACTION_TEMPFAIL && strcmp(v.smtp_code, "451") == 0 &&
			    strstr(ar, "arc=fail (") != NULL &&
			    strstr(ar, "temporary DNS failure") != NULL &&
			    strstr(v.log_line, "arc=fail") != NULL && v.history == NULL,
			    "%s: %s: 451, arc=fail says temporary, no report row",
			    cases[i].file, cases[i].what);
		} else if (cases[i].want == OVERRIDE) {
			ok(v.action == ACTION_ACCEPT && strstr(ar, "dmarc=fail (p=reject") &&
			    strstr(ar, "arc=pass (1 set, sealed by example.com, trusted: "
			    "DMARC policy not applied)") != NULL &&
			    strstr(v.log_line, " dmarc=fail ") != NULL &&
			    strstr(v.log_line, "override=arc sealer=example.com") != NULL,
			    "%s: %s: accepted, dmarc=fail kept, sealer named", cases[i].file,
			    cases[i].what);
			ok(v.history != NULL && strcmp(v.history->disposition, "none") == 0 &&
			    v.history->reason_type != NULL &&
			    strcmp(v.history->reason_type, "trusted_forwarder") == 0 &&
			    v.history->reason_comment != NULL &&
			    strcmp(v.history->reason_comment,
			    "arc=pass as[1].d=example.com as[1].s=s1") == 0,
			    "%s: history row trusted_forwarder \"%s\"", cases[i].file,
			    v.history != NULL && v.history->reason_comment != NULL ?
			    v.history->reason_comment : "");
		} else {
			ok(v.action == ACTION_REJECT && strstr(v.log_line, "override=") == NULL &&
			    strstr(ar, "trusted") == NULL,
			    "%s: %s: rejected, no override", cases[i].file, cases[i].what);
		}
		msg_verdict_clear(&v);
		engine_unref(eng);
		cfg_unref(c);
	}
	unlink(zpath);
	buf_free(&err);
}

int
main(void)
{
	struct buf err;

	setenv("MAILAUTH_ZONE_TIMEOUT_INSTANT", "1", 1);
	log_open("arc_test", LOG_MAIL, true);
	log_set_level(LOG_ERR);
	plan(0);
	cfg = cfg_defaults();
	buf_init(&err);
	if ((key1 = EVP_RSA_gen(1024)) == NULL || (key2 = EVP_RSA_gen(2048)) == NULL ||
	    (rogue = EVP_RSA_gen(1024)) == NULL)
		bail("RSA key generation failed");
	zone = dns_zone_new();
	publish("s1._domainkey.example.org", key1, false);
	publish("pkcs1._domainkey.example.org", key2, true);
	publish("s1._domainkey.example.net", key1, false);
	for (int i = 1; i <= 33; i++) {
		char name[64];

		snprintf(name, sizeof name, "k%d._domainkey.example.org", i);
		publish(name, key1, false);
	}
	publish_odd();
	zone_line("s1._domainkey.tempfail.example SERVFAIL");
	zone_line("_dmarc.psd.example TXT \"v=DMARC1; p=reject; psd=y\"");
	zone_line("_dmarc.attacker.psd.example TXT \"v=DMARC1; p=reject\"");
	zone_line("revoked._domainkey.example.org TXT \"v=DKIM1; k=rsa; p=\"");
	zone_line("ed._domainkey.example.org TXT \"v=DKIM1; k=ed25519; "
	    "p=bAq3HYztycvvLJPZ8GDdRWlFi+2Y9/B44P1qcBXDKRQ=\"");
	test_primitives();
	test_chains();
	test_keys();
	test_fields();
	test_vouch();
	test_override();
	dns_resolver_free(zone);
	EVP_PKEY_free(key1);
	EVP_PKEY_free(key2);
	EVP_PKEY_free(rogue);
	cfg_unref(cfg);
	buf_free(&err);
	return done_testing();
}
