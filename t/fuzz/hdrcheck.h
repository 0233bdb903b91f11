/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hdrcheck.h - what lib/hdrtext must never write, checked from the outside
 * SYNOPSIS
 *	const char *hdrcheck_text(const char *s, size_t n, char open, char close);
 *	const char *hdrcheck_value(const char *s, size_t n);
 *	size_t hdrcheck_decode(const char *s, size_t n, char *out);
 * DESCRIPTION
 *	hdrcheck_text() reads s as the inside of a quoted-string (open = close = '"')
 *	or of a comment ('(' ')'): NULL when every byte is printable ASCII, every
 *	backslash starts a quoted-pair and no open or close byte stands bare, so the
 *	caller's closing byte is the one that closes; else what is wrong.
 *	hdrcheck_value() reads s as hdr_value() output: a quoted-string, or a plain
 *	value of atext, '.' and '@' only (no blank, quote, parenthesis or backslash).
 *	hdrcheck_decode() undoes the quoted-pairs and the "\\xHH" escapes of HDR_HEX
 *	text into out (n bytes at most) and returns its length.
 *	Used by t/fuzz/fuzz_hdrtext.c and t/hdrtext_test.c; written independently of
 *	lib/hdrtext.c (RFC 5322 sections 3.2.1 to 3.2.4).
 */
#ifndef MAILAUTH_HDRCHECK_H
#define MAILAUTH_HDRCHECK_H

#include <stddef.h>
#include <string.h>

/* hdrcheck_text - NULL when s is well-formed quoted-string or comment content */
static inline const char *
hdrcheck_text(const char *s, size_t n, char open, char close)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\0')
			return "NUL written";
		if (c == '\r' || c == '\n')
			return "CR or LF written";
		if (c < 0x20 || c >= 0x7f)
			return "byte outside printable ASCII written";
		if (c == '\\') {
			if (i + 1 >= n)
				return "backslash at the end (escapes the closing byte)";
			i++;
			continue;
		}
		if (c == (unsigned char)open || c == (unsigned char)close)
			return "unescaped quote or parenthesis";
	}
	return NULL;
}

/* hdrcheck_value - NULL when s is a quoted-string or a plain value */
static inline const char *
hdrcheck_value(const char *s, size_t n)
{
	if (n >= 2 && s[0] == '"' && s[n - 1] == '"')
		return hdrcheck_text(s + 1, n - 2, '"', '"');
	if (n == 0)
		return "empty plain value";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c >= 0x7f || strchr("\"()\\,;:<>[]", c) != NULL)
			return "plain value with a special, blank or non-ASCII byte";
	}
	return NULL;
}

/* hexdigit - value of an upper-case hex digit, or -1 */
static inline int
hexdigit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* hdrcheck_decode - the input back from HDR_HEX text */
static inline size_t
hdrcheck_decode(const char *s, size_t n, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n) {
			i++;
			if (s[i] == '\\' && i + 3 < n && s[i + 1] == 'x' &&
			    hexdigit(s[i + 2]) >= 0 && hexdigit(s[i + 3]) >= 0) {
				out[o++] = (char)(hexdigit(s[i + 2]) * 16 + hexdigit(s[i + 3]));
				i += 3;
				continue;
			}
		}
		out[o++] = s[i];
	}
	return o;
}

#endif
