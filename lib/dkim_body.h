/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dkim_body.h - DKIM body canonicalization and body hashes, streaming
 * SYNOPSIS
 *	struct dkb *dkb_new(void);
 *	int dkb_add(struct dkb *b, enum dkb_canon c, enum dkb_hash h, long long limit,
 *	    bool hash);
 *	void dkb_chunk(struct dkb *b, const unsigned char *p, size_t n);
 *	void dkb_final(struct dkb *b);
 *	size_t dkb_digest(const struct dkb *b, int i, unsigned char *out);
 *	long long dkb_wrote(const struct dkb *b, int i);
 *	void dkb_free(struct dkb *b);
 * DESCRIPTION
 *	One state per distinct (canonicalization, hash, l= limit) asked for with
 *	dkb_add before the first chunk (same triple, same index; limit < 0 is "no
 *	l="; hash false only counts). Body chunks go through one canonicalizer per
 *	canonicalization, whose output reaches every state of that canonicalization
 *	in blocks (runs of the input, not bytes). Memory does not depend on the body
 *	size: relaxed keeps pending blank-line and whitespace state, never data.
 *	dkb_final ends the body: dkb_digest writes the digest (20 or 32 bytes) and
 *	returns its length; dkb_wrote is the number of canonicalized octets hashed
 *	(at most the limit).
 *
 *	The output is byte for byte what libopendkim 2.11 (without FIXCRLF) hashes for
 *	the same chunks, because our verdicts must stay the ones it gave when it hashed
 *	bodies itself. On bodies whose CR and LF bytes only come as CRLF pairs that is
 *	RFC 6376 3.4.3 and 3.4.4 exactly, whatever the chunking (trailing empty lines
 *	removed; simple: an empty body is CRLF; relaxed: empty is empty, whitespace runs
 *	become one SP, none at line ends). Bare CR and LF bytes are not canonicalized
 *	as the RFC reads, but as the library does: relaxed drops a CR followed by
 *	anything but CR or LF (and whitespace just before it) and flushes pending
 *	empty lines when CR is followed by whitespace; simple takes a line holding only
 *	CR bytes for an empty line, writes a CR ending one chunk before the empty lines
 *	pending, and a bare LF is not written while it still counts towards the bytes
 *	of its line that are copied; the RFC's rule that simple hashes CRLF for an
 *	empty body follows the library's hash buffer, so a body ending in a bare LF
 *	whose output was never flushed gets CRLF appended. t/dkim_test checks all of
 *	this against libopendkim itself.
 */
#ifndef MAILAUTH_DKIM_BODY_H
#define MAILAUTH_DKIM_BODY_H

#include <stdbool.h>
#include <stddef.h>

enum dkb_canon {
	DKB_SIMPLE = 0,
	DKB_RELAXED,
};

enum dkb_hash {
	DKB_SHA1 = 0,
	DKB_SHA256,
};

struct dkb;

struct dkb *dkb_new(void);
int dkb_add(struct dkb *b, enum dkb_canon c, enum dkb_hash h, long long limit,
    bool hash);
void dkb_chunk(struct dkb *b, const unsigned char *p, size_t n);
void dkb_final(struct dkb *b);
size_t dkb_digest(const struct dkb *b, int i, unsigned char *out);
long long dkb_wrote(const struct dkb *b, int i);
void dkb_free(struct dkb *b);

#endif
