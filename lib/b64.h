/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * b64.h - base64 (RFC 2045 alphabet) as DKIM and ARC tags and MIME bodies carry it
 * SYNOPSIS
 *	long b64_decode(const char *in, size_t inlen, unsigned char *out,
 *	    size_t outmax);
 *	void b64_encode(struct buf *b, const unsigned char *p, size_t n);
void b64_encode_lines(struct buf *b, const unsigned char *p, size_t n);
 *	void b64_encode_lines(struct buf *b, const unsigned char *p, size_t n);
 * DESCRIPTION
 *	b64_decode() decodes in, skipping blanks (folding whitespace is allowed inside
 *	b=, bh= and p= values, RFC 6376 3.5) and '=' padding; any other byte outside
 *	the alphabet, or more than outmax output bytes, gives -1; else the number of
 *	bytes written. b64_encode() appends the padded base64 of p to b.
 *	b64_encode_lines() does the same as a MIME body (RFC 2045 6.8): lines of 76
 *	characters (the last one shorter), each ended by LF; nothing for n == 0.
 */
#ifndef MAILAUTH_B64_H
#define MAILAUTH_B64_H

#include <stddef.h>

#include "util.h"

long b64_decode(const char *in, size_t inlen, unsigned char *out, size_t outmax);
void b64_encode(struct buf *b, const unsigned char *p, size_t n);
void b64_encode_lines(struct buf *b, const unsigned char *p, size_t n);

#endif
