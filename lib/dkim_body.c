/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dkim_body.c - DKIM body canonicalization and body hashes, streaming
 * SYNOPSIS
 *	see dkim_body.h
 * DESCRIPTION
 *	Each canonicalizer (struct canon) turns body chunks into output that is kept
 *	as a reference to the chunk while it stays contiguous with the input (a run),
 *	or copied into a small stage for the bytes that are not in the input (CRLF,
 *	SP, withheld CR, pending empty lines). Runs and stage are handed to the hash
 *	states of that canonicalization (struct sink), each cut at its l= limit.
 *
 *	The line state follows libopendkim's body canonicalization (see dkim_body.h):
 *	- simple: lastchar, blankline and the number of pending empty lines persist;
 *	  within one chunk "wrote" and "wlen" are the start and counted bytes of the
 *	  line so far (a bare LF is not counted). A line ending writes wlen + 1 bytes
 *	  from wrote; the chunk's end writes the rest but a last CR, which is written
 *	  when the next chunk does not start with LF. The library's 4096-byte hash
 *	  buffer is tracked (flushed) only for its "nothing written yet: hash CRLF"
 *	  rule at the end.
 *	- relaxed: st 0 line start or after a word that ended in whitespace, 1 in
 *	  whitespace, 2 after CR, 3 in a word. Word bytes are written at once: the
 *	  library holds them until the next blank or CRLF, which gives the same bytes
 *	  (no empty line can become pending in between). It refuses a body whose
 *	  last word has no CRLF (a bare LF last); lib/dkim.c sees that itself.
 * SPDX-License-Identifier: ISC
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "dkim_body.h"
#include "log.h"
#include "util.h"

#define LIB_HASHBUF	4096		/* libopendkim's DKIM_HASHBUFSIZE */
#define STAGE		4096

struct sink {
	enum dkb_canon canon;
	enum dkb_hash hash;
	long long limit;		/* < 0: none */
	EVP_MD_CTX *md;			/* NULL: count only */
	long long wrote;
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned dlen;
};

struct canon {
	bool used;
	/* line state */
	unsigned char lastchar;
	bool blankline;
	unsigned long long blanks;	/* empty lines pending */
	int st;				/* relaxed */
	const unsigned char *wsp;	/* relaxed: start of the blanks, this chunk */
	size_t wsplen;
	size_t cached;			/* simple: the library's hash buffer */
	bool flushed;
	/* output */
	const unsigned char *run;
	size_t runlen;
	unsigned char stage[STAGE];
	size_t stagelen;
};

struct dkb {
	struct sink *sink;
	size_t nsink;
	struct canon c[2];
	bool done;
};

static const unsigned char crlf[] = "\r\n";

struct dkb *
dkb_new(void)
{
	struct dkb *b = xcalloc(1, sizeof *b);

	for (int i = 0; i < 2; i++)
		b->c[i].blankline = true;
	return b;
}

int
dkb_add(struct dkb *b, enum dkb_canon c, enum dkb_hash h, long long limit, bool hash)
{
	struct sink *s;

	if (limit < 0)
		limit = -1;
	for (size_t i = 0; i < b->nsink; i++) {
		s = &b->sink[i];
		if (s->canon == c && s->hash == h && s->limit == limit) {
			if (hash && s->md == NULL) {
				s->md = EVP_MD_CTX_new();
				if (s->md == NULL || EVP_DigestInit_ex(s->md,
				    h == DKB_SHA1 ? EVP_sha1() : EVP_sha256(), NULL) != 1)
					fatal("EVP_DigestInit_ex failed");
			}
			return (int)i;
		}
	}
	b->sink = xreallocarray(b->sink, b->nsink + 1, sizeof *b->sink);
	s = &b->sink[b->nsink];
	memset(s, 0, sizeof *s);
	s->canon = c;
	s->hash = h;
	s->limit = limit;
	if (hash) {
		s->md = EVP_MD_CTX_new();
		if (s->md == NULL || EVP_DigestInit_ex(s->md,
		    h == DKB_SHA1 ? EVP_sha1() : EVP_sha256(), NULL) != 1)
			fatal("EVP_DigestInit_ex failed");
	}
	b->c[c].used = true;
	return (int)b->nsink++;
}

/* to_sinks - canonicalized bytes to every state of canonicalization c */
static void
to_sinks(struct dkb *b, enum dkb_canon c, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < b->nsink; i++) {
		struct sink *s = &b->sink[i];
		size_t k = n;

		if (s->canon != c)
			continue;
		if (s->limit >= 0 && (unsigned long long)(s->limit - s->wrote) < k)
			k = (size_t)(s->limit - s->wrote);
		if (k == 0)
			continue;
		if (s->md != NULL)
			(void)EVP_DigestUpdate(s->md, p, k);
		s->wrote += (long long)k;
	}
}

/* flush_out - pending output (run or stage) to the sinks */
static void
flush_out(struct dkb *b, enum dkb_canon c)
{
	struct canon *e = &b->c[c];

	if (e->runlen > 0)
		to_sinks(b, c, e->run, e->runlen);
	e->run = NULL;
	e->runlen = 0;
	if (e->stagelen > 0)
		to_sinks(b, c, e->stage, e->stagelen);
	e->stagelen = 0;
}

/* out_ref - output that is a piece of the current chunk */
static void
out_ref(struct dkb *b, enum dkb_canon c, const unsigned char *p, size_t n)
{
	struct canon *e = &b->c[c];

	if (n == 0)
		return;
	if (e->runlen > 0 && e->run + e->runlen == p) {
		e->runlen += n;
		return;
	}
	flush_out(b, c);
	e->run = p;
	e->runlen = n;
}

/* out_copy - output bytes that are not (all) in the current chunk */
static void
out_copy(struct dkb *b, enum dkb_canon c, const unsigned char *p, size_t n)
{
	struct canon *e = &b->c[c];

	if (e->runlen > 0)
		flush_out(b, c);
	while (n > 0) {
		size_t k = STAGE - e->stagelen < n ? STAGE - e->stagelen : n;

		memcpy(e->stage + e->stagelen, p, k);
		e->stagelen += k;
		p += k;
		n -= k;
		if (e->stagelen == STAGE)
			flush_out(b, c);
	}
}

/* lib_track - one call of the library's dkim_canon_buffer() (simple only) */
static void
lib_track(struct canon *e, size_t n)
{
	if (e->flushed)
		return;
	if (n == 0) {
		if (e->cached > 0)
			e->flushed = true;
		return;
	}
	if (e->cached + n > LIB_HASHBUF) {
		if (e->cached > 0)
			e->flushed = true;
		e->cached = 0;
	}
	if (n >= LIB_HASHBUF)
		e->flushed = true;
	else
		e->cached += n;
}

/* flush_blanks - the pending empty lines, CRLF each */
static void
flush_blanks(struct dkb *b, enum dkb_canon c)
{
	struct canon *e = &b->c[c];

	for (unsigned long long i = 0; c == DKB_SIMPLE && i < e->blanks && !e->flushed; i++)
		lib_track(e, 2);
	while (e->blanks > 0) {
		unsigned char two[2 * 512];
		unsigned long long k = e->blanks < 512 ? e->blanks : 512;

		for (unsigned long long i = 0; i < k; i++)
			memcpy(two + 2 * i, crlf, 2);
		out_copy(b, c, two, (size_t)(2 * k));
		e->blanks -= k;
	}
}

/* s_out - simple: a write of the library, from the chunk or constant */
static void
s_out(struct dkb *b, const unsigned char *p, size_t n, bool ref)
{
	lib_track(&b->c[DKB_SIMPLE], n);
	if (ref)
		out_ref(b, DKB_SIMPLE, p, n);
	else
		out_copy(b, DKB_SIMPLE, p, n);
}

/* next_crlf - first CR or LF in [p, end), or end; *nl caches the next LF */
static const unsigned char *
next_crlf(const unsigned char *p, const unsigned char *end, const unsigned char **nl)
{
	const unsigned char *cr;

	if (*nl == NULL || *nl < p) {
		*nl = memchr(p, '\n', (size_t)(end - p));
		if (*nl == NULL)
			*nl = end;
	}
	cr = memchr(p, '\r', (size_t)(*nl - p));
	return cr != NULL ? cr : *nl;
}

/* simple_chunk - RFC 6376 3.4.3, as libopendkim does it for this chunk */
static void
simple_chunk(struct dkb *b, const unsigned char *p, size_t n)
{
	struct canon *e = &b->c[DKB_SIMPLE];
	const unsigned char *start = p, *end = p + n, *wrote = p, *nl = NULL;
	size_t wlen = 0;

	while (p < end) {
		unsigned char ch = *p;

		if (ch != '\r' && ch != '\n') {
			const unsigned char *stop = next_crlf(p, end, &nl);

			if (p == start && e->lastchar == '\r')
				s_out(b, (const unsigned char *)"\r", 1, false);
			if (e->blanks > 0)
				flush_blanks(b, DKB_SIMPLE);
			e->blankline = false;
			wlen += (size_t)(stop - p);
			e->lastchar = stop[-1];
			p = stop;
			continue;
		}
		if (ch == '\r') {
			if (p == start && e->lastchar == '\r')
				s_out(b, (const unsigned char *)"\r", 1, false);
			wlen++;
		} else if (e->lastchar == '\r') {
			if (e->blankline)
				e->blanks++;
			else if (wlen == 1 || p == start)
				s_out(b, crlf, 2, false);
			else
				s_out(b, wrote, wlen + 1, true);
			wrote = p + 1;
			wlen = 0;
			e->blankline = true;
		}
		e->lastchar = ch;
		p++;
	}
	if (wlen > 0 && wrote[wlen - 1] == '\r')
		wlen--;
	s_out(b, wrote, wlen, true);
	flush_out(b, DKB_SIMPLE);
}

/* r_sp - relaxed: the SP that stands for a run of blanks before p */
static void
r_sp(struct dkb *b, const unsigned char *p)
{
	struct canon *e = &b->c[DKB_RELAXED];

	if (e->wsp != NULL && e->wsplen == 1 && e->wsp + 1 == p && *e->wsp == ' ')
		out_ref(b, DKB_RELAXED, e->wsp, 1);
	else
		out_copy(b, DKB_RELAXED, (const unsigned char *)" ", 1);
}

/* relaxed_chunk - RFC 6376 3.4.4, as libopendkim does it */
static void
relaxed_chunk(struct dkb *b, const unsigned char *p, size_t n)
{
	struct canon *e = &b->c[DKB_RELAXED];
	const unsigned char *start = p, *end = p + n;

	e->wsp = NULL;
	while (p < end) {
		unsigned char ch = *p;

		if (ch == ' ' || ch == '\t') {
			if (e->st == 2 && e->blanks > 0)
				flush_blanks(b, DKB_RELAXED);	/* even on an empty line */
			if (e->st != 1) {
				e->wsp = p;
				e->wsplen = 0;
			}
			e->st = 1;
			if (e->wsp != NULL)
				e->wsplen++;
			p++;
			continue;
		}
		if (ch == '\r') {
			if (e->st == 2) {
				/* the earlier CR is a byte of the line */
				if (e->blanks > 0)
					flush_blanks(b, DKB_RELAXED);
				e->blankline = false;
				if (p > start)
					out_ref(b, DKB_RELAXED, p - 1, 1);
				else
					out_copy(b, DKB_RELAXED, (const unsigned char *)"\r", 1);
			}
			e->st = 2;
			p++;
			continue;
		}
		if (ch == '\n' && e->st == 2) {
			if (e->blankline) {
				e->blanks++;
			} else {
				if (e->blanks > 0)
					flush_blanks(b, DKB_RELAXED);
				if (p > start)
					out_ref(b, DKB_RELAXED, p - 1, 2);
				else
					out_copy(b, DKB_RELAXED, crlf, 2);
				e->blankline = true;
			}
			e->st = 0;
			p++;
			continue;
		}
		/* a word: up to the next blank or CR (LF is a word byte here) */
		{
			const unsigned char *q = p + 1;

			while (q < end && *q != ' ' && *q != '\t' && *q != '\r')
				q++;
			if (e->blanks > 0)
				flush_blanks(b, DKB_RELAXED);
			if (e->st == 1)
				r_sp(b, p);
			/* st 2: the CR before is dropped */
			e->blankline = false;
			e->st = 3;
			out_ref(b, DKB_RELAXED, p, (size_t)(q - p));
			p = q;
		}
	}
	e->wsp = NULL;
	flush_out(b, DKB_RELAXED);
}

void
dkb_chunk(struct dkb *b, const unsigned char *p, size_t n)
{
	if (b == NULL || b->done || n == 0)
		return;
	if (b->c[DKB_SIMPLE].used)
		simple_chunk(b, p, n);
	if (b->c[DKB_RELAXED].used)
		relaxed_chunk(b, p, n);
}

void
dkb_final(struct dkb *b)
{
	if (b == NULL || b->done)
		return;
	b->done = true;
	/* simple: nothing written yet (the library's count) -> CRLF */
	if (b->c[DKB_SIMPLE].used && !b->c[DKB_SIMPLE].flushed) {
		to_sinks(b, DKB_SIMPLE, crlf, 2);
	}
	for (size_t i = 0; i < b->nsink; i++) {
		struct sink *s = &b->sink[i];

		if (s->md != NULL && EVP_DigestFinal_ex(s->md, s->digest, &s->dlen) != 1)
			s->dlen = 0;
	}
}

size_t
dkb_digest(const struct dkb *b, int i, unsigned char *out)
{
	if (b == NULL || !b->done || i < 0 || (size_t)i >= b->nsink)
		return 0;
	memcpy(out, b->sink[i].digest, b->sink[i].dlen);
	return b->sink[i].dlen;
}

long long
dkb_wrote(const struct dkb *b, int i)
{
	if (b == NULL || i < 0 || (size_t)i >= b->nsink)
		return 0;
	return b->sink[i].wrote;
}

void
dkb_free(struct dkb *b)
{
	if (b == NULL)
		return;
	for (size_t i = 0; i < b->nsink; i++)
		EVP_MD_CTX_free(b->sink[i].md);
	free(b->sink);
	free(b);
}
