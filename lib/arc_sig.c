/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * arc_sig.c - tag-lists, header canonicalization, key records and rsa-sha256
 *	verification for ARC signatures (see arc_sig.h)
 *
 * Owns the parts of RFC 6376 that ARC (RFC 8617 4.1.2, 4.1.3, 5.2: "canonicalization,
 * hash functions, and signature validation methods are imported from RFC 6376")
 * takes over and that libopendkim does not expose for other header field names:
 * the tag-list grammar (3.2), simple and relaxed header canonicalization (3.4.1,
 * 3.4.2), the key record (3.6.1) and RSASSA-PKCS1-v1_5 with SHA-256 (3.3.1) on
 * OpenSSL. Body canonicalization and body hashes stay in lib/dkim_body.c; base64
 * is lib/b64.c, shared with lib/dkim.c.
 *
 * Decisions: tag names and values are compared case-sensitively (RFC 6376 3.2);
 * a key record that cannot be used is skipped for the next one in the answer; a
 * key record with k= other than rsa, or an RSA key below MinimumKeyBits (RFC 8301
 * section 3.2 for DKIM; the same keys sign ARC sets), is permanent failure.
 * p= (a SubjectPublicKeyInfo, or a bare PKCS#1 RSAPublicKey as some publish) is
 * read with OpenSSL's generic DER parser (d2i_ASN1_SEQUENCE_ANY) down to n and e,
 * and the key is built with EVP_PKEY_fromdata: OpenSSL 3's d2i_PUBKEY goes
 * through its legacy and decoder layers, about 1 million instructions per key,
 * more than the two RSA verifications of an ARC set together (bench/arc.sh).
 */
#include "autoconf.h"

#include <arpa/nameser.h>
#include <stdio.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>

#include "arc_sig.h"
#include "b64.h"
#include "dns.h"
#include "util.h"

#define MAX_KEY_DER	2048		/* decoded p= bytes (8192-bit SPKI is ~1.1 KB) */

/* is_fws - folding whitespace bytes */
static bool
is_fws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* is_alpha - ASCII letter */
static bool
is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* is_digit - ASCII digit */
static bool
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* arc_tags_parse - an RFC 6376 3.2 tag-list into out; -1 on any error */
int
arc_tags_parse(const char *s, size_t len, struct arc_tags *out)
{
	size_t i = 0;

	out->n = 0;
	for (;;) {
		size_t ns, ne, vs, ve;
		struct arc_tag *t;

		while (i < len && is_fws((unsigned char)s[i]))
			i++;
		if (i >= len)
			return 0;	/* empty list, or after a final ';' */
		ns = i;
		if (!is_alpha((unsigned char)s[i]))
			return -1;
		while (i < len && (is_alpha((unsigned char)s[i]) ||
		    is_digit((unsigned char)s[i]) || s[i] == '_'))
			i++;
		ne = i;
		while (i < len && is_fws((unsigned char)s[i]))
			i++;
		if (i >= len || s[i] != '=')
			return -1;
		i++;
		while (i < len && is_fws((unsigned char)s[i]))
			i++;
		vs = i;
		while (i < len && s[i] != ';') {
			unsigned char c = (unsigned char)s[i];

			if (c < 0x20 && !is_fws(c))
				return -1;
			if (c == 0x7f)
				return -1;
			i++;
		}
		ve = i;
		while (ve > vs && is_fws((unsigned char)s[ve - 1]))
			ve--;
		if (ne - ns >= sizeof out->t[0].name || out->n >= ARC_MAX_TAGS)
			return -1;
		t = &out->t[out->n];
		memcpy(t->name, s + ns, ne - ns);
		t->name[ne - ns] = '\0';
		if (arc_tag_get(out, t->name) != NULL)
			return -1;	/* a tag named twice (RFC 6376 3.2) */
		t->v = s + vs;
		t->vlen = ve - vs;
		t->voff = vs;
		t->vend = ve;
		out->n++;
		if (i >= len)
			return 0;
		i++;			/* the ';' */
	}
}

/* arc_tag_get - the tag called name, or NULL */
const struct arc_tag *
arc_tag_get(const struct arc_tags *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->t[i].name, name) == 0)
			return &t->t[i];
	return NULL;
}

/* arc_tag_is - does the tag's value equal value exactly? */
bool
arc_tag_is(const struct arc_tag *t, const char *value)
{
	size_t n = strlen(value);

	return t != NULL && t->vlen == n && memcmp(t->v, value, n) == 0;
}

/* arc_domain_ok - a plausible d= or s= value: LDH (and '_') labels */
bool
arc_domain_ok(const char *s, size_t len)
{
	size_t label = 0;

	if (len == 0 || len > 253)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		if (!is_alpha(c) && !is_digit(c) && c != '-' && c != '_')
			return false;
		if (++label > 63)
			return false;
	}
	return label > 0;
}

/* arc_canon_header - one field in simple or relaxed form, no final CRLF */
void
arc_canon_header(struct buf *out, const char *field, size_t len, bool relaxed)
{
	const char *colon = memchr(field, ':', len);
	size_t nlen, i;
	bool space = false, any = false;

	if (!relaxed || colon == NULL) {
		buf_add(out, field, len);
		return;
	}
	/* name: lowercase, no blanks before the colon */
	nlen = (size_t)(colon - field);
	while (nlen > 0 && (field[nlen - 1] == ' ' || field[nlen - 1] == '\t'))
		nlen--;
	for (i = 0; i < nlen; i++) {
		char c = field[i];

		buf_addc(out, c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	buf_addc(out, ':');
	/* value: unfolded, blank runs to one SP, none at either end */
	for (i = (size_t)(colon - field) + 1; i < len; i++) {
		char c = field[i];

		if (c == '\r' || c == '\n')
			continue;
		if (c == ' ' || c == '\t') {
			space = true;
			continue;
		}
		if (space && any)
			buf_addc(out, ' ');
		space = false;
		any = true;
		buf_addc(out, c);
	}
}

/* seq_any - the elements of one DER SEQUENCE of len bytes at p, or NULL.
 * The identifier must be 0x30 (universal 16, constructed): the parser also takes
 * a primitive 0x10, which is no SEQUENCE and which d2i_PUBKEY refuses. */
static STACK_OF(ASN1_TYPE) *
seq_any(const unsigned char *p, long len)
{
	return len >= 2 && p[0] == 0x30 ? d2i_ASN1_SEQUENCE_ANY(NULL, &p, len) : NULL;
}

/* rsa_ints - n and e of a DER RSAPublicKey (RFC 8017 A.1.1), both positive;
 * false with *n and *e NULL when it is none */
static bool
rsa_ints(const unsigned char *p, long len, BIGNUM **n, BIGNUM **e)
{
	STACK_OF(ASN1_TYPE) *seq = seq_any(p, len);
	const ASN1_TYPE *a, *b;
	bool good = false;

	*n = *e = NULL;
	if (seq != NULL && sk_ASN1_TYPE_num(seq) == 2) {
		a = sk_ASN1_TYPE_value(seq, 0);
		b = sk_ASN1_TYPE_value(seq, 1);
		if (a->type == V_ASN1_INTEGER && b->type == V_ASN1_INTEGER &&
		    (*n = ASN1_INTEGER_to_BN(a->value.integer, NULL)) != NULL &&
		    (*e = ASN1_INTEGER_to_BN(b->value.integer, NULL)) != NULL)
			good = !BN_is_negative(*n) && !BN_is_zero(*n) &&
			    !BN_is_negative(*e) && !BN_is_zero(*e);
	}
	sk_ASN1_TYPE_pop_free(seq, ASN1_TYPE_free);
	if (!good) {
		BN_free(*n);
		BN_free(*e);
		*n = *e = NULL;
	}
	return good;
}

/* spki_rsa - n and e of a DER SubjectPublicKeyInfo (RFC 5280 4.1) whose
 * algorithm is rsaEncryption (RFC 8017 A.1; its parameters are not read);
 * false with *n and *e NULL when it is none */
static bool
spki_rsa(const unsigned char *p, long len, BIGNUM **n, BIGNUM **e)
{
	STACK_OF(ASN1_TYPE) *spki = seq_any(p, len), *alg = NULL;
	const ASN1_TYPE *a, *k;
	const ASN1_BIT_STRING *bits;
	bool good = false;

	*n = *e = NULL;

	if (spki == NULL || sk_ASN1_TYPE_num(spki) != 2)
		goto out;
	a = sk_ASN1_TYPE_value(spki, 0);
	k = sk_ASN1_TYPE_value(spki, 1);
	if (a->type != V_ASN1_SEQUENCE || k->type != V_ASN1_BIT_STRING)
		goto out;
	/* an ANY SEQUENCE holds its whole encoding, tag and length included */
	alg = seq_any(a->value.sequence->data, a->value.sequence->length);
	if (alg == NULL || sk_ASN1_TYPE_num(alg) < 1 || sk_ASN1_TYPE_num(alg) > 2 ||
	    sk_ASN1_TYPE_value(alg, 0)->type != V_ASN1_OBJECT ||
	    OBJ_obj2nid(sk_ASN1_TYPE_value(alg, 0)->value.object) != NID_rsaEncryption)
		goto out;
	bits = k->value.bit_string;
	if ((bits->flags & ASN1_STRING_FLAG_BITS_LEFT) && (bits->flags & 0x07) != 0)
		goto out;		/* not a whole number of bytes */
	good = rsa_ints(bits->data, bits->length, n, e);
out:
	sk_ASN1_TYPE_pop_free(alg, ASN1_TYPE_free);
	sk_ASN1_TYPE_pop_free(spki, ASN1_TYPE_free);
	return good;
}

/* rsa_pkey - the RSA public key (n, e), or NULL */
static EVP_PKEY *
rsa_pkey(const BIGNUM *n, const BIGNUM *e)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *k = NULL;

	if (bld != NULL && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) == 1 &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) == 1 &&
	    (params = OSSL_PARAM_BLD_to_param(bld)) != NULL &&
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) != NULL &&
	    EVP_PKEY_fromdata_init(ctx) == 1 &&
	    EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_PUBLIC_KEY, params) != 1)
		k = NULL;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	return k;
}

/* key_from_record - the RSA key of one key record; NULL with why when unusable */
static EVP_PKEY *
key_from_record(const char *rec, size_t len, const char **why)
{
	struct arc_tags t;
	const struct arc_tag *v, *k, *h, *sv, *p;
	unsigned char der[MAX_KEY_DER];
	BIGNUM *rn = NULL, *re = NULL;
	EVP_PKEY *pkey = NULL;
	long n;

	if (arc_tags_parse(rec, len, &t) != 0) {
		*why = "key record syntax error";
		return NULL;
	}
	v = arc_tag_get(&t, "v");
	if (v != NULL && (v != &t.t[0] || !arc_tag_is(v, "DKIM1"))) {
		*why = "key record v= is not DKIM1";
		return NULL;
	}
	k = arc_tag_get(&t, "k");
	if (k != NULL && !arc_tag_is(k, "rsa")) {
		*why = "key type is not rsa";
		return NULL;
	}
	h = arc_tag_get(&t, "h");
	if (h != NULL) {
		bool found = false;

		for (size_t i = 0; i < h->vlen; ) {
			size_t j = i;

			while (j < h->vlen && h->v[j] != ':')
				j++;
			size_t a = i, b = j;

			while (a < b && is_fws((unsigned char)h->v[a]))
				a++;
			while (b > a && is_fws((unsigned char)h->v[b - 1]))
				b--;
			if (b - a == 6 && memcmp(h->v + a, "sha256", 6) == 0)
				found = true;
			i = j + 1;
		}
		if (!found) {
			*why = "key record h= excludes sha256";
			return NULL;
		}
	}
	sv = arc_tag_get(&t, "s");
	if (sv != NULL && memchr(sv->v, '*', sv->vlen) == NULL &&
	    (sv->vlen < 5 || memmem(sv->v, sv->vlen, "email", 5) == NULL)) {
		*why = "key record not for email";
		return NULL;
	}
	p = arc_tag_get(&t, "p");
	if (p == NULL) {
		*why = "key record without p=";
		return NULL;
	}
	if (p->vlen == 0) {
		*why = "key revoked";
		return NULL;
	}
	n = b64_decode(p->v, p->vlen, der, sizeof der);
	if (n <= 0) {
		*why = "key p= is not base64";
		return NULL;
	}
	if (spki_rsa(der, n, &rn, &re) || rsa_ints(der, n, &rn, &re))
		pkey = rsa_pkey(rn, re);
	BN_free(rn);
	BN_free(re);
	if (pkey == NULL)
		*why = "key p= is not an RSA public key";
	return pkey;
}

/* arc_key_fetch - the RSA key of selector._domainkey.domain */
int
arc_key_fetch(struct dns_session *s, const char *selector, const char *domain,
    unsigned min_bits, struct arc_key *out, char *why, size_t whylen)
{
	struct dns_answer *a = NULL;
	const char *reason = "no key record";
	char name[600];
	int st;

	memset(out, 0, sizeof *out);
	snprintf(name, sizeof name, "%s._domainkey.%s", selector, domain);
	st = dns_query(s, name, ns_t_txt, &a);
	if (st == DNS_TEMPFAIL) {
		snprintf(why, whylen, "key lookup for %s failed temporarily", name);
		dns_answer_free(a);
		return 1;
	}
	if (st != DNS_OK || a->n == 0) {
		snprintf(why, whylen, "no key record at %s", name);
		dns_answer_free(a);
		return -1;
	}
	for (size_t i = 0; i < a->n; i++) {
		EVP_PKEY *k = key_from_record(a->rr[i].u.txt.data, a->rr[i].u.txt.len,
		    &reason);
		unsigned bits;

		if (k == NULL)
			continue;
		bits = (unsigned)EVP_PKEY_get_bits(k);
		if (bits < min_bits) {
			EVP_PKEY_free(k);
			snprintf(why, whylen, "%u-bit key below minimum %u", bits, min_bits);
			dns_answer_free(a);
			return -1;
		}
		out->pkey = k;
		out->bits = bits;
		dns_answer_free(a);
		return 0;
	}
	snprintf(why, whylen, "%s (%s)", reason, name);
	dns_answer_free(a);
	return -1;
}

/* arc_key_clear - free a key */
void
arc_key_clear(struct arc_key *k)
{
	EVP_PKEY_free(k->pkey);
	k->pkey = NULL;
	k->bits = 0;
}

/* arc_rsa_verify - rsa-sha256 signature check */
bool
arc_rsa_verify(const struct arc_key *k, const void *data, size_t len,
    const unsigned char *sig, size_t siglen)
{
	EVP_MD_CTX *ctx;
	bool good = false;

	if (k->pkey == NULL || siglen == 0)
		return false;
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return false;
	if (EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, k->pkey) == 1 &&
	    EVP_DigestVerify(ctx, sig, siglen, data, len) == 1)
		good = true;
	EVP_MD_CTX_free(ctx);
	return good;
}
