/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * b64.c - base64 decoding and encoding for DKIM and ARC tags (see b64.h)
 *
 * Shared by lib/dkim_key.c (key record rewrap), lib/dkim.c (bh= compared as text),
 * lib/arc_sig.c (b=, bh=, p=) and lib/report.c (the report's gzip part as a MIME
 * base64 body, b64_encode_lines); not by lib/dkim_screen.c, which decodes p= as
 * libopendkim does. Decoding skips blanks and '=' wherever they are: RFC 6376 3.5
 * allows FWS inside base64 tag values, and a misplaced '=' cannot make a wrong
 * signature pass.
 */
#include "autoconf.h"

#include <ctype.h>
#include <string.h>

#include "b64.h"

#define B64_LINE_BYTES	57	/* 76 characters of base64 */

/* b64val - value of one base64 digit, -1 for others */
static int
b64val(int c)
{
	static const char digits[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p;

	if (c == '\0' || (p = strchr(digits, c)) == NULL)
		return -1;
	return (int)(p - digits);
}

/* b64_decode - decode base64 skipping blanks; returns the length or -1 */
long
b64_decode(const char *in, size_t inlen, unsigned char *out, size_t outmax)
{
	unsigned acc = 0;
	int bits = 0;
	size_t n = 0;

	for (size_t i = 0; i < inlen; i++) {
		int v = b64val((unsigned char)in[i]);

		if (in[i] == '=' || isspace((unsigned char)in[i]))
			continue;
		if (v < 0)
			return -1;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n >= outmax)
				return -1;
			out[n++] = (unsigned char)(acc >> bits);
		}
	}
	return (long)n;
}

/* b64_encode - append base64 of p to b */
void
b64_encode(struct buf *b, const unsigned char *p, size_t n)
{
	static const char digits[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16;

		if (i + 1 < n)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		buf_addc(b, digits[(v >> 18) & 63]);
		buf_addc(b, digits[(v >> 12) & 63]);
		buf_addc(b, i + 1 < n ? digits[(v >> 6) & 63] : '=');
		buf_addc(b, i + 2 < n ? digits[v & 63] : '=');
	}
}

/* b64_encode_lines - append base64 of p in LF-terminated lines of 76 characters */
void
b64_encode_lines(struct buf *b, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i += B64_LINE_BYTES) {
		b64_encode(b, p + i, n - i < B64_LINE_BYTES ? n - i : B64_LINE_BYTES);
		buf_addc(b, '\n');
	}
}
