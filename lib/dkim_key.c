/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dkim_key.c - DKIM key records for lib/dkim.c: PKCS#1 rewrap, the per-message key
 * cache, the self-test's keys
 * SYNOPSIS
 *	see dkim_int.h
 * DESCRIPTION
 *	Owns what happens to a key record between lib/dns and libopendkim (the
 *	decisions are listed in lib/dkim.c):
 *	- A p= that is a bare PKCS#1 RSAPublicKey (the wording of RFC 6376 3.6.1) is
 *	  rewrapped as a SubjectPublicKeyInfo, the only form the library accepts; the
 *	  TXT answer is copied with the new record cut into 255-byte strings.
 *	- Each key name is queried once per message (struct keyent in dkv_msg), with
 *	  the largest RSA public exponent length of its records (lib/dkim_screen.c
 *	  reads it as the library would decode p=), so that no key over
 *	  DKV_MAX_EXP_BITS reaches the library (lib/dkim_dns.c).
 *	- The built-in self-test message of dkv_engine_new and its two key records
 *	  (t/data/dkim/gen.py --warmup), answered without lib/dns.
 */
#include "autoconf.h"

#include <arpa/nameser.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "b64.h"
#include "dkim_int.h"
#include "util.h"

/* --- the built-in self-test message (t/data/dkim/gen.py --warmup) ----------------- */

static const char warm_rsa_key[] =
	"v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAn5485b+JKjokJcNQJyiveaiHGQAy5MkC3EF89Hr7v6gko7rNGxvAm+RHTGddDkZgA/lwPyGCK4ECbZGj3agqtGDtgIhQQOuoLRxfzt9bjgcdgLiJ0hvGHSMoqEwA0RgaqPc9RewDqPbiDH6//MTScrZX8JcIX39qJMkVgHaCs6tQ8fxyLJz0lq/BtZmkGugklEcmh7ziwLUYY7OF7lrcRQNjh93MZF7bMhaY9nBMnlbugZ19hI6knHAk4hsxVrEg94xGunlHLBlLcR8hi2bMlntyvDH8wxnmH/sQTXLIBHGBTidElZUncMkAZxMvGkRA60hiaLLAWk7svoR5Rp7FDwIDAQAB";
static const char warm_ed_key[] =
	"v=DKIM1; k=ed25519; p=bAq3HYztycvvLJPZ8GDdRWlFi+2Y9/B44P1qcBXDKRQ=";
const char dkk_warm_msg[] =
	"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=warmup.invalid;\r\n"
	" i=@warmup.invalid; q=dns/txt; s=r; t=1795388273; h=from : subject :\r\n"
	" date; bh=tnmwSv4xVL0L3oSxGlFWakjcitGMyVQnYcdPatSgnQE=;\r\n"
	" b=JkuExfXquIdcqxyCDGiYWHixWv0JYCHh3PWy7hH9vmu7yBHF4y73PS0Yow76K9YeQPgqd\r\n"
	" wsxMcE+s+4aMlsv30FoxKrY8tTcqqcysAouAwBgZZgS+qsHBKloLea2p1/cAPVmR2cyMu0a\r\n"
	" ouzRIEsXAeo0sf9D/nfuUzLnSg9hP2VzbtQfxiXoNYcLJfXKu0c3bwNSt3dA3AyZfaaF7W3\r\n"
	" mOiGHJ7YpXGPumkPIg8bvzRvWGWfJaKoyLFZ4WowzkaQy9iZwATiSWzVmd65Sdev6vqe8XR\r\n"
	" 8rWlRxk2rWDnkGZhH0EEsHF/EQfhAj/vimKXLx+hk+PMCsZTz9jeP5tjMzjA==\r\n"
	"DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;\r\n"
	" d=warmup.invalid; i=@warmup.invalid; q=dns/txt; s=e; t=1795388273;\r\n"
	" h=from : subject : date;\r\n"
	" bh=tnmwSv4xVL0L3oSxGlFWakjcitGMyVQnYcdPatSgnQE=;\r\n"
	" b=iLwoHm+KyhL3jTqMCCM7nggbD1EW98NAv54YZ7TGsZ1LmVxpUvrmYYtS/RbNB2V+aQ77P\r\n"
	" wGV//g95TAdUc5QCw==\r\n"
	"From: <self-test@warmup.invalid>\r\n"
	"Subject: self-test\r\n"
	"Date: Mon, 02 Nov 2026 10:00:00 +0000\r\n"
	"\r\n"
	"self-test\r\n";

/* --- PKCS#1 rewrap ----------------------------------------------------------- */

/* der_len - append a DER length */
static size_t
der_len(unsigned char *out, size_t len)
{
	if (len < 128) {
		out[0] = (unsigned char)len;
		return 1;
	}
	if (len < 256) {
		out[0] = 0x81;
		out[1] = (unsigned char)len;
		return 2;
	}
	out[0] = 0x82;
	out[1] = (unsigned char)(len >> 8);
	out[2] = (unsigned char)len;
	return 3;
}

/*
 * pkcs1_to_spki - rewrite a key record whose p= is a PKCS#1 RSAPublicKey as one
 * with a SubjectPublicKeyInfo; NULL when nothing is to be done
 */
static char *
pkcs1_to_spki(const char *rec, size_t len)
{
	static const unsigned char algid[] = { 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86,
		0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00 };
	unsigned char der[1200], out[1300];
	const char *p = NULL, *end;
	size_t hl, o = 0, bitlen, seqlen;
	long n;
	struct buf b;

	/* find the p= tag at a tag boundary */
	for (size_t i = 0; i + 1 < len; i++) {
		size_t j = i;

		if (i > 0 && rec[i - 1] != ';')
			continue;
		while (j < len && isspace((unsigned char)rec[j]))
			j++;
		if (j + 1 < len && rec[j] == 'p') {
			size_t k = j + 1;

			while (k < len && isspace((unsigned char)rec[k]))
				k++;
			if (k < len && rec[k] == '=') {
				p = rec + k + 1;
				break;
			}
		}
	}
	if (p == NULL)
		return NULL;
	end = memchr(p, ';', len - (size_t)(p - rec));
	if (end == NULL)
		end = rec + len;
	n = b64_decode(p, (size_t)(end - p), der, sizeof der);
	if (n < 4 || der[0] != 0x30)
		return NULL;
	hl = (der[1] & 0x80) ? 2 + (der[1] & 0x7f) : 2;
	if (hl >= (size_t)n || der[hl] != 0x02)
		return NULL;		/* not SEQUENCE { INTEGER ... }: leave it */
	bitlen = (size_t)n + 1;
	seqlen = sizeof algid + 1 + (bitlen < 128 ? 1 : bitlen < 256 ? 2 : 3) + bitlen;
	out[o++] = 0x30;
	o += der_len(out + o, seqlen);
	memcpy(out + o, algid, sizeof algid);
	o += sizeof algid;
	out[o++] = 0x03;
	o += der_len(out + o, bitlen);
	out[o++] = 0x00;
	memcpy(out + o, der, (size_t)n);
	o += (size_t)n;
	buf_init(&b);
	buf_add(&b, rec, (size_t)(p - rec));
	b64_encode(&b, out, o);
	buf_add(&b, end, (size_t)(rec + len - end));
	return buf_steal(&b);
}

/* fix_keys - copy of a TXT answer with PKCS#1 keys rewrapped; NULL if unchanged */
struct dns_answer *
dkk_fix_keys(const struct dns_answer *a)
{
	struct dns_answer *c = NULL;

	for (size_t i = 0; i < a->n; i++) {
		char *fixed = pkcs1_to_spki(a->rr[i].u.txt.data, a->rr[i].u.txt.len);
		struct dns_rr *rr;
		size_t len, ns;

		if (fixed == NULL)
			continue;
		if (c == NULL) {
			c = xcalloc(1, sizeof *c);
			*c = *a;
			c->rr = xcalloc(a->n, sizeof *c->rr);
			memcpy(c->rr, a->rr, a->n * sizeof *c->rr);
		}
		rr = &c->rr[i];
		len = strlen(fixed);
		ns = len / 255 + 1;
		rr->u.txt.data = fixed;
		rr->u.txt.len = len;
		rr->u.txt.nstrings = ns;
		rr->u.txt.strings = xcalloc(ns, sizeof(char *));
		rr->u.txt.lens = xcalloc(ns, sizeof(size_t));
		for (size_t k = 0; k < ns; k++) {
			size_t off = k * 255, l = len - off < 255 ? len - off : 255;

			rr->u.txt.strings[k] = xstrndup(fixed + off, l);
			rr->u.txt.lens[k] = l;
		}
	}
	return c;
}

/* free_fixed - free what fix_keys made (rr entries it did not touch are borrowed) */
void
dkk_free_fixed(struct dns_answer *c, const struct dns_answer *orig)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n; i++) {
		struct dns_rr *rr = &c->rr[i];

		if (rr->u.txt.data == orig->rr[i].u.txt.data)
			continue;
		for (size_t k = 0; k < rr->u.txt.nstrings; k++)
			free(rr->u.txt.strings[k]);
		free(rr->u.txt.strings);
		free(rr->u.txt.lens);
		free(rr->u.txt.data);
	}
	free(c->rr);
	free(c);
}

/* warm_answer - the built-in key records of the self-test */
void
dkk_warm_answer(const char *qname, struct dns_answer *a, struct dns_rr *rr,
    char **strs, size_t *lens)
{
	const char *rec = NULL;

	memset(a, 0, sizeof *a);
	a->qtype = ns_t_txt;
	a->status = DNS_NXDOMAIN;
	if (strcasecmp(qname, "r._domainkey.warmup.invalid") == 0)
		rec = warm_rsa_key;
	else if (strcasecmp(qname, "e._domainkey.warmup.invalid") == 0)
		rec = warm_ed_key;
	if (rec == NULL)
		return;
	memset(rr, 0, sizeof *rr);
	a->status = DNS_OK;
	a->n = 1;
	a->rr = rr;
	rr->u.txt.data = (char *)rec;
	rr->u.txt.len = strlen(rec);
	rr->u.txt.nstrings = (rr->u.txt.len + 254) / 255;
	rr->u.txt.strings = strs;
	rr->u.txt.lens = lens;
	for (size_t k = 0; k < rr->u.txt.nstrings; k++) {
		size_t off = k * 255, l = rr->u.txt.len - off;

		strs[k] = (char *)rec + off;	/* dns_answer_wire uses lens */
		lens[k] = l < 255 ? l : 255;
	}
}

/* --- the per-message key cache ----------------------------------------------- */

/* key_find - the key answer already fetched for qname in this message, or NULL */
struct keyent *
dkk_find(struct dkv_msg *m, const char *qname)
{
	for (size_t i = 0; i < m->nkeys; i++)
		if (strcmp(m->keys[i].qname, qname) == 0)
			return &m->keys[i];
	return NULL;
}

/*
 * key_fetch - a key record from lib/dns, once per message and name; timeout_ms
 * (0: the session's query timeout) bounds this query. Notes the largest RSA
 * public exponent found, so that no such key reaches the library.
 */
struct keyent *
dkk_fetch(struct dkv_msg *m, struct dns_session *s, const char *qname,
    unsigned timeout_ms)
{
	struct keyent *k = dkk_find(m, qname);
	unsigned saved = s->query_timeout_ms;

	if (k != NULL)
		return k;
	m->keys = xreallocarray(m->keys, m->nkeys + 1, sizeof *m->keys);
	k = &m->keys[m->nkeys++];
	memset(k, 0, sizeof *k);
	k->qname = xstrdup(qname);
	if (timeout_ms > 0)
		s->query_timeout_ms = timeout_ms;
	dns_query(s, qname, ns_t_txt, &k->a);
	s->query_timeout_ms = saved;
	if (k->a->status == DNS_OK && k->a->qtype == ns_t_txt)
		for (size_t i = 0; i < k->a->n; i++) {
			int bits = dks_rsa_exponent_bits(k->a->rr[i].u.txt.data,
			    k->a->rr[i].u.txt.len);

			if (bits > k->ebits)
				k->ebits = bits;
		}
	return k;
}

/* key_ebits - the RSA exponent bit length of the key fetched for a signature */
int
dkk_ebits(struct dkv_msg *m, DKIM_SIGINFO *sig)
{
	char qname[DKIM_MAXHOSTNAMELEN + 2];
	const char *d = (const char *)dkim_sig_getdomain(sig);
	const char *sel = (const char *)dkim_sig_getselector(sig);
	struct keyent *k;

	if (d == NULL || sel == NULL)
		return 0;
	snprintf(qname, sizeof qname, "%s._domainkey.%s", sel, d);
	k = dkk_find(m, qname);
	return k != NULL ? k->ebits : 0;
}
