/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_hdrtext.c - libFuzzer target: lib/hdrtext, the one writer of network text
 *	into our header fields
 *
 * The first input byte picks the flags (escaping, cut rule, plain forms), the
 * second the limit; the rest, NUL bytes included, is the text. Each of
 * hdr_quoted(), hdr_comment_text() and hdr_value() must write only printable
 * ASCII (no CR, LF or NUL), no bare quote or parenthesis and no trailing lone
 * backslash (t/fuzz/hdrcheck.h), stay within the length the limit allows, and,
 * with HDR_HEX | HDR_HEX_BACKSLASH and no cut, decode back to the input.
 * The whole-message writers on the same text: hdr_unstructured() writes printable
 * ASCII only and at most the limit; hdr_ldh_text() an empty or dot-atom text of
 * letters, digits, hyphens and dots; hdr_folded() of that unstructured text
 * unfolds (every LF but the last removed) back to "name:" and the value, every
 * continuation line starts with a space.
 */
#include "autoconf.h"

#include "fuzz.h"
#include "hdrcheck.h"
#include "hdrtext.h"

/* fail - report and crash (libFuzzer keeps the input) */
static void
fail(const char *what, const char *why, const struct buf *b)
{
	fprintf(stderr, "%s: %s: [%.*s]\n", what, why, (int)b->len, b->data);
	abort();
}

/* check_len - output bounded by the limit (5 bytes per escaped input byte) */
static void
check_len(const char *what, const struct buf *b, size_t len, size_t max, unsigned flags)
{
	size_t bound = (flags & HDR_CUT_OUTPUT) ? max + 5 + 3 + 2 :
	    5 * (len < max ? len : max) + 3 + 2;

	if (b->len > bound)
		fail(what, "longer than the limit allows", b);
}

/* check_roundtrip - HDR_HEX | HDR_HEX_BACKSLASH text decodes to the input */
static void
check_roundtrip(const char *what, const struct buf *b, size_t off, size_t end,
    const char *s, size_t len)
{
	char *dec = malloc(end - off + 1);
	size_t n = hdrcheck_decode(b->data + off, end - off, dec);

	if (n != len || memcmp(dec, s, len) != 0)
		fail(what, "does not decode to the input", b);
	free(dec);
}

FUZZ_QUIET_INIT

/* check_whole - the whole-message writers on the C string z */
static void
check_whole(const char *z, size_t max, bool dots)
{
	struct buf b, v;
	size_t i, n;

	buf_init(&b);
	buf_init(&v);
	buf_addc(&v, ' ');
	hdr_unstructured(&v, z, max);
	for (i = 0; i < v.len; i++)
		if (v.data[i] < 0x20 || v.data[i] >= 0x7f)
			fail("hdr_unstructured", "not printable ASCII", &v);
	if (v.len > max + 1)
		fail("hdr_unstructured", "longer than the limit", &v);

	hdr_ldh_text(&b, z, dots, max);
	for (i = 0; i < b.len; i++)
		if (!hdr_is_atext((unsigned char)b.data[i]) && b.data[i] != '.')
			fail("hdr_ldh_text", "not LDH text", &b);
	if ((b.len > 0 && !hdr_is_dot_atom(b.data, b.len)) || b.len > max + 1)
		fail("hdr_ldh_text", "not a dot-atom within the limit", &b);

	buf_reset(&b);
	hdr_folded(&b, "X", buf_str(&v));
	if (b.len == 0 || b.data[b.len - 1] != '\n')
		fail("hdr_folded", "not LF-terminated", &b);
	for (i = 0; i + 1 < b.len; i++)
		if (b.data[i] == '\n' && b.data[i + 1] != ' ')
			fail("hdr_folded", "continuation line without a leading space", &b);
	for (i = 0, n = 0; i < b.len; i++)
		if (b.data[i] != '\n')
			b.data[n++] = b.data[i];
	b.len = n;
	if (b.len != v.len + 2 || memcmp(b.data, "X:", 2) != 0 ||
	    memcmp(b.data + 2, v.data, v.len) != 0)
		fail("hdr_folded", "does not unfold to the value", &b);
	buf_free(&b);
	buf_free(&v);
}

/* LLVMFuzzerTestOneInput - the writers on one text */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned flags;
	size_t max, len;
	const char *s, *why;
	char *z;
	struct buf b;
	bool whole;

	if (size < 2)
		return 0;
	flags = data[0] & (HDR_HEX | HDR_HEX_BACKSLASH | HDR_PAIR_DQUOTE |
	    HDR_CUT_OUTPUT | HDR_PLAIN_TOKEN | HDR_PLAIN_ADDRESS | HDR_PLAIN_DOT_ATOM);
	max = data[1] == 255 ? 100000 : data[1];
	s = (const char *)data + 2;
	len = size - 2;
	whole = max == 100000 && (flags & HDR_HEX) && (flags & HDR_HEX_BACKSLASH);
	buf_init(&b);

	hdr_quoted(&b, s, len, max, flags);
	if (b.len < 2 || b.data[0] != '"' || b.data[b.len - 1] != '"')
		fail("hdr_quoted", "not one quoted-string", &b);
	if ((why = hdrcheck_text(b.data + 1, b.len - 2, '"', '"')) != NULL)
		fail("hdr_quoted", why, &b);
	check_len("hdr_quoted", &b, len, max, flags);
	if (whole)
		check_roundtrip("hdr_quoted", &b, 1, b.len - 1, s, len);

	buf_reset(&b);
	hdr_comment_text(&b, s, len, max, flags);
	if ((why = hdrcheck_text(b.data != NULL ? b.data : "", b.len, '(', ')')) != NULL)
		fail("hdr_comment_text", why, &b);
	check_len("hdr_comment_text", &b, len, max, flags);
	if (whole)
		check_roundtrip("hdr_comment_text", &b, 0, b.len, s, len);

	/* hdr_value takes a C string: the text up to its first NUL */
	z = fuzz_cstr((const uint8_t *)s, len);
	buf_reset(&b);
	hdr_value(&b, z, max, flags);
	if ((why = hdrcheck_value(b.data != NULL ? b.data : "", b.len)) != NULL)
		fail("hdr_value", why, &b);
	check_len("hdr_value", &b, strlen(z), max, flags);
	check_whole(z, max, (flags & HDR_HEX) != 0);
	free(z);
	buf_free(&b);
	return 0;
}
