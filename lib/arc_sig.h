/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * arc_sig.h - the DKIM-shaped primitives ARC (RFC 8617) signatures need
 * SYNOPSIS
 *	int arc_tags_parse(const char *s, size_t len, struct arc_tags *out);
 *	const struct arc_tag *arc_tag_get(const struct arc_tags *t, const char *name);
 *	bool arc_tag_is(const struct arc_tag *t, const char *value);
 *	bool arc_domain_ok(const char *s, size_t len);
 *	void arc_canon_header(struct buf *out, const char *field, size_t len,
 *	    bool relaxed);
 *	int arc_key_fetch(struct dns_session *s, const char *selector,
 *	    const char *domain, unsigned min_bits, struct arc_key *out,
 *	    char *why, size_t whylen);
 *	void arc_key_clear(struct arc_key *k);
 *	bool arc_rsa_verify(const struct arc_key *k, const void *data, size_t len,
 *	    const unsigned char *sig, size_t siglen);
 * DESCRIPTION
 *	arc_tags_parse() reads an RFC 6376 3.2 tag-list (FWS around names, '=' and
 *	';' allowed, one trailing ';' allowed, tag names ALPHA *(ALPHA / DIGIT / "_"),
 *	case-sensitive, each at most once, values of VALCHAR with inner FWS): 0, or -1
 *	for any syntax error, a repeated tag or more than ARC_MAX_TAGS tags. Each tag
 *	points into s (value without surrounding FWS; voff/vend: where the value
 *	starts and ends in s, for removing b=). arc_tag_is() compares a value
 *	exactly (case-sensitive). arc_domain_ok() checks a d= or s= value: dot-separated
 *	labels of letters, digits, '-' and '_' (RFC 6376 "sub-domain" plus the
 *	underscore selectors use), 1-63 bytes each, 253 bytes in all, no empty label.
 *	arc_canon_header() appends the RFC 6376 3.4.1 (simple) or 3.4.2 (relaxed)
 *	form of one field "Name:value" (CRLF folding inside, no final CRLF) to out,
 *	without a final CRLF.
 *	arc_key_fetch() looks up selector._domainkey.domain TXT through s and takes
 *	the first usable RFC 6376 3.6.1 key record: v= (if any) "DKIM1" and first,
 *	k= rsa (the default), h= (if any) listing sha256, s= (if any) "*" or "email",
 *	p= a SubjectPublicKeyInfo or a bare PKCS#1 RSAPublicKey (the wording of RFC
 *	6376 3.6.1; read directly, no rewrap needed with OpenSSL); the RSA key must
 *	have at least min_bits. Returns 0 with out set, 1 for a temporary DNS failure,
 *	-1 for anything permanent; why says what in words.
 *	arc_rsa_verify() checks an RSASSA-PKCS1-v1_5 SHA-256 signature (rsa-sha256,
 *	RFC 6376 3.3.1) of data.
 */
#ifndef MAILAUTH_ARC_SIG_H
#define MAILAUTH_ARC_SIG_H

#include <stdbool.h>
#include <stddef.h>

#include "dns.h"
#include "util.h"

#define ARC_MAX_TAGS	32

struct arc_tag {
	char name[16];
	const char *v;		/* value, into the parsed text (not NUL-terminated) */
	size_t vlen;
	size_t voff, vend;	/* value's [start, end) in the parsed text */
};

struct arc_tags {
	size_t n;
	struct arc_tag t[ARC_MAX_TAGS];
};

struct arc_key {
	void *pkey;		/* EVP_PKEY */
	unsigned bits;
};

int arc_tags_parse(const char *s, size_t len, struct arc_tags *out);
const struct arc_tag *arc_tag_get(const struct arc_tags *t, const char *name);
bool arc_tag_is(const struct arc_tag *t, const char *value);
bool arc_domain_ok(const char *s, size_t len);
void arc_canon_header(struct buf *out, const char *field, size_t len, bool relaxed);
int arc_key_fetch(struct dns_session *s, const char *selector, const char *domain,
    unsigned min_bits, struct arc_key *out, char *why, size_t whylen);
void arc_key_clear(struct arc_key *k);
bool arc_rsa_verify(const struct arc_key *k, const void *data, size_t len,
    const unsigned char *sig, size_t siglen);

#endif
