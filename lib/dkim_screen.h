/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dkim_screen.h - which DKIM signatures and header fields libopendkim is given
 * SYNOPSIS
 *	size_t dks_select(const struct dks_field *f, size_t nf, struct dks_sig *s,
 *	    size_t ns, const char *from_domain, const struct dks_limits *lim,
 *	    bool *fed);
 *	int dks_align_rank(const char *d, const char *from);
 *	char *dks_tag(const char *value, const char *tag);
 *	int dks_rsa_exponent_bits(const char *rec, size_t len);
 * DESCRIPTION
 *	dks_select() decides, before the library sees anything, the work it will
 *	do. f is every header field of the message in order (text "Name:value" with
 *	CRLF folding, namelen the bytes before the colon; sig >= 0 for DKIM-Signature
 *	fields: the index into s). Each s[i] with state DKS_NEW on entry (the caller
 *	may have set DKS_SCREENED with a reason already) ends DKS_SCREENED (permerror,
 *	reason: field over DKS_MAX_FIELD bytes, a required tag missing or empty, h=
 *	over DKS_MAX_HLIST bytes or over lim->max_signed entries, key name over 253
 *	bytes, h= selecting over DKS_MAX_COVERED bytes of header fields, or h=
 *	covering a DKIM-Signature field that cannot be given), DKS_OVER
 *	(neutral, over lim->max_sigs) or DKS_HANDED (verified by the library).
 *	Candidates are taken by dks_align_rank, header order within a rank; a
 *	signature whose h= names DKIM-Signature k times brings the bottom-most k
 *	DKIM-Signature fields along (s[j].fed, counted against max_sigs; those that
 *	are DKS_SCREENED are given but must be ignored). fed[] (nf entries) marks the
 *	fields to give: the fed signature fields, and for every header name the
 *	bottom-most n fields where n is the most times one handed signature's h=
 *	names it. The library's header selection (each h= entry takes the bottom-most
 *	unused field of that name) then picks exactly the fields it would pick from
 *	the whole header, at a cost bounded by max_sigs x max_signed x fed fields.
 *	Returns the number of fed fields.
 *	dks_align_rank(): 0 d= is the From domain, 1 parent or child of it (label
 *	boundary, no Public Suffix List, a d= without a dot never), 2 other.
 *	dks_tag(): the value of a tag in a tag-list, blanks removed ("" if absent);
 *	the caller frees it.
 *	dks_rsa_exponent_bits(): the bit length of the public exponent of the RSA
 *	key in a DKIM key record's p= (SubjectPublicKeyInfo or bare PKCS#1), 0 when
 *	the record holds no RSA key that parses.
 */
#ifndef MAILAUTH_DKIM_SCREEN_H
#define MAILAUTH_DKIM_SCREEN_H

#include <stdbool.h>
#include <stddef.h>

#define DKS_MAX_FIELD	32768	/* signature field bytes (library: 64 KB buffer) */
#define DKS_MAX_HLIST	4095	/* h= bytes (library: copies 4095 of them) */
#define DKS_MAX_KEYNAME	253	/* s._domainkey.d (RFC 1035; library fails >256) */
#define DKS_MAX_COVERED	(1024 * 1024)	/* header bytes one signature hashes */

enum dks_state { DKS_NEW = 0, DKS_HANDED, DKS_SCREENED, DKS_OVER };

struct dks_field {
	const char *text;
	size_t len;
	size_t namelen;
	int sig;		/* index into the signatures, -1 other fields */
};

struct dks_sig {
	size_t field;		/* index into the fields */
	enum dks_state state;
	bool fed;		/* its field is given to the library */
	int rank;
	unsigned nh;		/* h= entries */
	char reason[128];	/* DKS_SCREENED */
};

struct dks_limits {
	unsigned max_sigs;	/* signature fields given at most */
	unsigned max_signed;	/* h= entries per signature */
};

size_t dks_select(const struct dks_field *f, size_t nf, struct dks_sig *s, size_t ns,
    const char *from_domain, const struct dks_limits *lim, bool *fed);
int dks_align_rank(const char *d, const char *from);
char *dks_tag(const char *value, const char *tag);
int dks_rsa_exponent_bits(const char *rec, size_t len);

#endif
