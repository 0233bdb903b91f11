/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dkim_screen.c - which DKIM signatures and header fields libopendkim is given
 *
 * libopendkim's header selection costs (h= entries x header fields) for every
 * signature it was handed, ignored or not (dkim_canon_runheaders runs every header
 * canonicalization), and some inputs make dkim_eoh fail for the whole message: a
 * signature field whose text without b= exceeds its 64 KB buffer, a key name
 * s._domainkey.d over 256 bytes (dkim_get_key_dns). So we read the signature
 * fields ourselves first (see dkim_screen.h for the rules), give the library only
 * the signatures it should verify and only the header fields their h= can select,
 * and report the others on their own (RFC 6376 6.1: each signature is evaluated by
 * itself; a broken one is ignored). The limits are documented in mailauth.conf(5).
 */
#include "autoconf.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "dkim_screen.h"
#include "util.h"

/* one distinct header name the handed signatures cover, and how often at most */
struct need {
	const char *name;
	size_t len;
	unsigned count;
};

/* a table of needs, open addressing on the lowercased name */
struct needs {
	struct need *slot;
	size_t size;		/* power of two */
};

/* the fields of one name, bottom-up, with their running byte count */
struct fname {
	const char *name;
	size_t len;
	size_t n;
	size_t *cum;		/* cum[k]: bytes of the bottom-most k + 1 */
	unsigned used;		/* taken by the signature being measured */
};

/* a table of them, open addressing on the lowercased name */
struct fnames {
	struct fname *slot;
	size_t size;		/* power of two */
};

/* what we read of one signature field */
struct parsed {
	char *h;		/* h= without blanks */
	unsigned nsig;		/* DKIM-Signature entries in h= */
};

int
dks_align_rank(const char *d, const char *from)
{
	size_t dl, fl;

	if (d == NULL || from == NULL || *d == '\0' || *from == '\0')
		return 2;
	if (strcasecmp(d, from) == 0)
		return 0;
	if (strchr(d, '.') == NULL)
		return 2;		/* a bare TLD never counts as aligned */
	dl = strlen(d);
	fl = strlen(from);
	if (dl < fl && from[fl - dl - 1] == '.' && strcasecmp(from + fl - dl, d) == 0)
		return 1;
	if (fl < dl && d[dl - fl - 1] == '.' && strcasecmp(d + dl - fl, from) == 0)
		return 1;
	return 2;
}

char *
dks_tag(const char *v, const char *t)
{
	size_t tl = strlen(t);

	while (v != NULL && *v != '\0') {
		const char *p = v, *end;

		while (isspace((unsigned char)*p))
			p++;
		end = strchr(p, ';');
		if (strncmp(p, t, tl) == 0) {
			const char *q = p + tl;

			while (isspace((unsigned char)*q))
				q++;
			if (*q == '=') {
				struct buf b;

				buf_init(&b);
				for (q++; *q && (end == NULL || q < end); q++)
					if (!isspace((unsigned char)*q))
						buf_addc(&b, *q);
				if (b.data == NULL)
					return xstrdup("");
				return buf_steal(&b);
			}
		}
		v = end != NULL ? end + 1 : NULL;
	}
	return NULL;
}

/* has_tag - is tag t present; *empty tells whether its value is empty */
static bool
has_tag(const char *v, const char *t, bool *empty)
{
	char *x = dks_tag(v, t);

	if (x == NULL)
		return false;
	*empty = x[0] == '\0';
	free(x);
	return true;
}

/* incomplete - the first required tag missing or empty, in the library's order */
static bool
incomplete(const char *v, char *why, size_t len)
{
	static const char *const req[] = { "d", "s", "v", "a", "h", "bh", "b" };
	bool empty = false;

	for (size_t i = 0; i < NELEM(req); i++) {
		if (!has_tag(v, req[i], &empty)) {
			snprintf(why, len, "%s= missing", req[i]);
			return true;
		}
		if (empty && strcmp(req[i], "a") != 0) {
			snprintf(why, len, "%s= empty", req[i]);
			return true;
		}
	}
	return false;
}

/* next_name - the next non-empty ':'-separated entry of h= at *p */
static bool
next_name(const char **p, const char **name, size_t *len)
{
	while (**p == ':')
		(*p)++;
	if (**p == '\0')
		return false;
	*name = *p;
	while (**p != '\0' && **p != ':')
		(*p)++;
	*len = (size_t)(*p - *name);
	return true;
}

/* name_hash - FNV-1a of a lowercased name */
static size_t
name_hash(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)tolower((unsigned char)s[i]);
		h *= 1099511628211ULL;
	}
	return (size_t)h;
}

/* need_find - the slot of a name (empty slot if absent) */
static struct need *
need_find(const struct needs *t, const char *name, size_t len)
{
	size_t i = name_hash(name, len) & (t->size - 1);

	while (t->slot[i].name != NULL && (t->slot[i].len != len ||
	    strncasecmp(t->slot[i].name, name, len) != 0))
		i = (i + 1) & (t->size - 1);
	return &t->slot[i];
}

/* field_name_len - a field's name without trailing blanks (the library's length) */
static size_t
field_name_len(const struct dks_field *f)
{
	size_t n = f->namelen;

	while (n > 0 && isspace((unsigned char)f->text[n - 1]))
		n--;
	return n;
}

/* fname_find - the slot of a name (empty slot if absent) */
static struct fname *
fname_find(const struct fnames *t, const char *name, size_t len)
{
	size_t i = name_hash(name, len) & (t->size - 1);

	while (t->slot[i].name != NULL && (t->slot[i].len != len ||
	    strncasecmp(t->slot[i].name, name, len) != 0))
		i = (i + 1) & (t->size - 1);
	return &t->slot[i];
}

/* fnames_build - every field by name, bottom-up */
static void
fnames_build(struct fnames *t, const struct dks_field *f, size_t nf)
{
	t->size = 16;
	while (t->size < 2 * nf + 2)
		t->size *= 2;
	t->slot = xcalloc(t->size, sizeof *t->slot);
	for (size_t j = nf; j > 0; j--) {
		size_t nl = field_name_len(&f[j - 1]);
		struct fname *e = fname_find(t, f[j - 1].text, nl);

		if (e->name == NULL) {
			e->name = f[j - 1].text;
			e->len = nl;
		}
		e->cum = xreallocarray(e->cum, e->n + 1, sizeof *e->cum);
		e->cum[e->n] = (e->n > 0 ? e->cum[e->n - 1] : 0) + f[j - 1].len;
		e->n++;
	}
}

/* fnames_free - the table */
static void
fnames_free(struct fnames *t)
{
	for (size_t i = 0; i < t->size; i++)
		free(t->slot[i].cum);
	free(t->slot);
}

/* covered - header bytes a signature's h= selects (each entry takes the
 * bottom-most unused field of its name), as the library will hash them */
static size_t
covered(struct fnames *t, const char *h)
{
	const char *q = h, *name;
	size_t len, total = 0;
	struct fname *e;

	while (next_name(&q, &name, &len)) {
		e = fname_find(t, name, len);
		if (e->name == NULL || e->used >= e->n)
			continue;
		total += e->cum[e->used] - (e->used > 0 ? e->cum[e->used - 1] : 0);
		e->used++;
	}
	for (q = h; next_name(&q, &name, &len);)
		fname_find(t, name, len)->used = 0;
	return total;
}

/* parse_sig - read one signature field; screen it when it cannot be given */
static void
parse_sig(const struct dks_field *f, struct dks_sig *s, struct parsed *p,
    const char *from, const struct dks_limits *lim, bool *unhandable)
{
	const char *value = f->text + f->namelen + 1, *q, *name;
	char *d, *sel;
	size_t dl, len;

	p->h = NULL;
	p->nsig = 0;
	*unhandable = false;
	if (s->state != DKS_NEW && s->state != DKS_SCREENED)
		return;
	if (f->len > DKS_MAX_FIELD) {
		snprintf(s->reason, sizeof s->reason,
		    "signature field longer than %u bytes", DKS_MAX_FIELD);
		s->state = DKS_SCREENED;
		*unhandable = true;
		return;
	}
	p->h = dks_tag(value, "h");
	if (p->h == NULL)
		p->h = xstrdup("");
	for (q = p->h; next_name(&q, &name, &len);) {
		s->nh++;
		if (len == 14 && strncasecmp(name, "DKIM-Signature", 14) == 0)
			p->nsig++;
	}
	if (strlen(p->h) > DKS_MAX_HLIST || s->nh > lim->max_signed) {
		if (strlen(p->h) > DKS_MAX_HLIST)
			snprintf(s->reason, sizeof s->reason,
			    "h= longer than %u bytes", DKS_MAX_HLIST);
		else
			snprintf(s->reason, sizeof s->reason, "h= names %u header "
			    "fields, more than %u", s->nh, lim->max_signed);
		s->state = DKS_SCREENED;
		*unhandable = true;
		return;
	}
	if (s->state == DKS_SCREENED)
		return;
	if (incomplete(value, s->reason, sizeof s->reason)) {
		s->state = DKS_SCREENED;
		return;
	}
	d = dks_tag(value, "d");
	sel = dks_tag(value, "s");
	dl = strlen(d);
	if (dl > 0 && d[dl - 1] == '.')
		dl--;
	if (strlen(sel) + strlen("._domainkey.") + dl > DKS_MAX_KEYNAME) {
		snprintf(s->reason, sizeof s->reason,
		    "no key record: key name longer than %u bytes", DKS_MAX_KEYNAME);
		s->state = DKS_SCREENED;
	}
	s->rank = dks_align_rank(d, from);
	free(d);
	free(sel);
}

/* bottom_sigs - mark in want[] the bottom-most k signature fields */
static void
bottom_sigs(const struct dks_sig *s, size_t ns, unsigned k, bool *want)
{
	for (size_t j = ns; j > 0 && k > 0; j--, k--)
		want[j - 1] = true;
	(void)s;
}

/*
 * take - try to add signature i to the fed set: itself and the bottom-most
 * signature fields that it and the fed ones cover; false when that is over the
 * limit (over) or covers a field that cannot be given (blocked)
 */
static bool
take(struct dks_sig *s, size_t ns, const struct parsed *p, const bool *unhandable,
    size_t i, unsigned *k, const struct dks_limits *lim, bool *blocked)
{
	bool *want = xcalloc(ns, sizeof *want);
	unsigned nk = *k > p[i].nsig ? *k : p[i].nsig, count;
	bool grew = true;

	*blocked = false;
	/* a signature brought along may cover more DKIM-Signature fields itself */
	while (grew) {
		grew = false;
		memset(want, 0, ns * sizeof *want);
		bottom_sigs(s, ns, nk, want);
		for (size_t j = 0; j < ns; j++)
			if (want[j] && p[j].nsig > nk && !unhandable[j]) {
				nk = p[j].nsig;
				grew = true;
			}
	}
	want[i] = true;
	count = 0;
	for (size_t j = 0; j < ns; j++) {
		if (!want[j] && !s[j].fed)
			continue;
		count++;
		if (want[j] && j != i && unhandable[j])
			*blocked = true;
	}
	if (*blocked || count > lim->max_sigs) {
		free(want);
		return false;
	}
	for (size_t j = 0; j < ns; j++) {
		if (!want[j])
			continue;
		s[j].fed = true;
		if (s[j].state == DKS_NEW)
			s[j].state = DKS_HANDED;
	}
	*k = nk;
	free(want);
	return true;
}

/* add_needs - every name of a handed signature's h=, at its largest count */
static void
add_needs(struct needs *t, const char *h)
{
	const char *q = h, *name;
	size_t len;

	while (next_name(&q, &name, &len)) {
		const char *r = h, *n2;
		size_t l2;
		unsigned c = 0;
		struct need *e = need_find(t, name, len);

		if (e->name != NULL && e->count == UINT32_MAX)
			continue;
		for (; next_name(&r, &n2, &l2);)
			if (l2 == len && strncasecmp(n2, name, len) == 0)
				c++;
		if (e->name == NULL) {
			e->name = name;
			e->len = len;
		}
		if (c > e->count)
			e->count = c;
	}
}

size_t
dks_select(const struct dks_field *f, size_t nf, struct dks_sig *s, size_t ns,
    const char *from, const struct dks_limits *lim, bool *fed)
{
	struct parsed *p = xcalloc(ns ? ns : 1, sizeof *p);
	bool *unhandable = xcalloc(ns ? ns : 1, sizeof *unhandable);
	struct needs t;
	struct fnames names;
	unsigned k = 0, nnames = 0;
	size_t nfed = 0, bytes;

	memset(fed, 0, nf * sizeof *fed);
	for (size_t i = 0; i < ns; i++)
		parse_sig(&f[s[i].field], &s[i], &p[i], from, lim, &unhandable[i]);
	/* long field values: the library hashes what each h= selects */
	fnames_build(&names, f, nf);
	for (size_t i = 0; i < ns; i++) {
		if (s[i].state != DKS_NEW ||
		    (bytes = covered(&names, p[i].h)) <= DKS_MAX_COVERED)
			continue;
		snprintf(s[i].reason, sizeof s[i].reason, "h= selects %zu bytes of "
		    "header fields, more than %u", bytes, DKS_MAX_COVERED);
		s[i].state = DKS_SCREENED;
	}
	fnames_free(&names);
	for (int rank = 0; rank <= 2; rank++) {
		for (size_t i = 0; i < ns; i++) {
			bool blocked;

			if (s[i].state != DKS_NEW || s[i].rank != rank)
				continue;
			if (take(s, ns, p, unhandable, i, &k, lim, &blocked))
				continue;
			if (blocked) {
				snprintf(s[i].reason, sizeof s[i].reason, "h= covers a "
				    "DKIM-Signature field that cannot be verified");
				s[i].state = DKS_SCREENED;
			} else {
				s[i].state = DKS_OVER;
			}
		}
	}
	/* the fields the handed signatures' h= can select: bottom-most first */
	for (size_t i = 0; i < ns; i++)
		if (s[i].state == DKS_HANDED)
			nnames += s[i].nh;
	t.size = 16;
	while (t.size < 2 * (size_t)nnames + 2)
		t.size *= 2;
	t.slot = xcalloc(t.size, sizeof *t.slot);
	for (size_t i = 0; i < ns; i++)
		if (s[i].state == DKS_HANDED)
			add_needs(&t, p[i].h);
	for (size_t j = nf; j > 0; j--) {
		const struct dks_field *x = &f[j - 1];
		struct need *e;

		if (x->sig >= 0) {
			fed[j - 1] = s[x->sig].fed;
		} else {
			e = need_find(&t, x->text, field_name_len(x));
			if (e->name != NULL && e->count > 0) {
				e->count--;
				fed[j - 1] = true;
			}
		}
		if (fed[j - 1])
			nfed++;
	}
	for (size_t i = 0; i < ns; i++)
		free(p[i].h);
	free(t.slot);
	free(p);
	free(unhandable);
	return nfed;
}

/* der_next - one DER element at *p (before end): tag, content; false if malformed
 * or not in the definite, at most 3-byte length forms keys use */
static bool
der_next(const unsigned char **p, const unsigned char *end, int *tag,
    const unsigned char **body, size_t *len)
{
	const unsigned char *q = *p;
	size_t n;

	if (end - q < 2)
		return false;
	*tag = *q++;
	n = *q++;
	if (n & 0x80) {
		size_t k = n & 0x7f;

		if (k == 0 || k > 3 || (size_t)(end - q) < k)
			return false;
		for (n = 0; k > 0; k--)
			n = (n << 8) | *q++;
	}
	if ((size_t)(end - q) < n)
		return false;
	*body = q;
	*len = n;
	*p = q + n;
	return true;
}

/* rsa_e_bits - exponent bit length of SEQUENCE { INTEGER n, INTEGER e } at p */
static int
rsa_e_bits(const unsigned char *p, size_t n)
{
	const unsigned char *end = p + n, *b, *q;
	size_t len;
	int tag, bits;

	if (!der_next(&p, end, &tag, &b, &len) || tag != 0x30)
		return -1;
	q = b;
	end = b + len;
	if (!der_next(&q, end, &tag, &b, &len) || tag != 0x02 ||
	    !der_next(&q, end, &tag, &b, &len) || tag != 0x02 || len == 0)
		return -1;
	while (len > 1 && *b == 0) {
		b++;
		len--;
	}
	for (bits = 8; bits > 0 && (*b & (1u << (bits - 1))) == 0; bits--)
		;
	return (int)(len - 1) * 8 + bits;
}

/* spki_e_bits - the same inside a SubjectPublicKeyInfo; -1 if it is not one */
static int
spki_e_bits(const unsigned char *p, size_t n)
{
	const unsigned char *end = p + n, *b, *q;
	size_t len;
	int tag;

	if (!der_next(&p, end, &tag, &b, &len) || tag != 0x30)
		return -1;
	q = b;
	end = b + len;
	if (!der_next(&q, end, &tag, &b, &len) || tag != 0x30 ||
	    !der_next(&q, end, &tag, &b, &len) || tag != 0x03 || len < 2 || *b != 0)
		return -1;
	return rsa_e_bits(b + 1, len - 1);
}

/* openssl_e_bits - what OpenSSL reads (slow: its decoders), for what we cannot */
static int
openssl_e_bits(const unsigned char *der, int n)
{
	const unsigned char *q = der;
	EVP_PKEY *pk = d2i_PUBKEY(NULL, &q, n);
	BIGNUM *e = NULL;
	int bits = 0;

	if (pk == NULL) {
		q = der;
		pk = d2i_PublicKey(EVP_PKEY_RSA, NULL, &q, n);
	}
	if (pk != NULL && EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA &&
	    EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &e) == 1)
		bits = BN_num_bits(e);
	BN_free(e);
	EVP_PKEY_free(pk);
	return bits;
}

/*
 * lib_b64 - base64 decoded as libopendkim does (dkim_base64_decode): up to the
 * first '=', bytes outside the alphabet skipped; -1 if incomplete. Not
 * lib/b64.c's b64_decode, whose rules are ours (any other byte than blanks and
 * '=' refuses the value, '=' is skipped wherever it is, a dangling digit is
 * dropped): the exponent must be read from the key the library will decode, or
 * a p= with a stray byte would reach it unscreened (t/dkim_test "junk inside p=").
 */
static long
lib_b64(const char *in, unsigned char *out)
{
	static const char digits[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned long acc = 0;
	int count = 0;
	long n = 0;

	for (; *in != '=' && *in != '\0'; in++) {
		const char *d = strchr(digits, *in);

		if (d == NULL)
			continue;
		acc = (acc << 6) | (unsigned long)(d - digits);
		if (++count == 4) {
			out[n++] = (unsigned char)(acc >> 16);
			out[n++] = (unsigned char)(acc >> 8);
			out[n++] = (unsigned char)acc;
			acc = 0;
			count = 0;
		}
	}
	if (count == 1)
		return -1;
	if (count == 2)
		out[n++] = (unsigned char)(acc >> 4);
	if (count == 3) {
		out[n++] = (unsigned char)(acc >> 10);
		out[n++] = (unsigned char)(acc >> 2);
	}
	return n;
}

int
dks_rsa_exponent_bits(const char *rec, size_t len)
{
	char *b64 = dks_tag(rec, "p");
	unsigned char *der;
	int n, bits;

	(void)len;
	if (b64 == NULL || b64[0] == '\0' || strlen(b64) > 16384) {
		free(b64);
		return 0;
	}
	der = xmalloc(strlen(b64) / 4 * 3 + 3);
	n = (int)lib_b64(b64, der);
	free(b64);
	if (n <= 0 || der[0] != 0x30) {
		free(der);		/* not DER: no RSA key (ed25519 keys are raw) */
		return 0;
	}
	/* our strict reading of the usual forms; anything else as OpenSSL reads it */
	if ((bits = spki_e_bits(der, (size_t)n)) < 0 &&
	    (bits = rsa_e_bits(der, (size_t)n)) < 0)
		bits = openssl_e_bits(der, n);
	free(der);
	return bits;
}
