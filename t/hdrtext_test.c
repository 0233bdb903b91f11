/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hdrtext_test.c - lib/hdrtext: tokens, quoted-strings, comments, value choice
 * DESCRIPTION
 *	Table-driven. The expected strings are written by hand from RFC 5322
 *	(atext, dot-atom-text, quoted-string, comment, quoted-pair) and RFC 2045
 *	(token), and from the escaping rules of hdrtext.h; every output is also read
 *	back by t/fuzz/hdrcheck.h (no CR, LF, NUL, bare quote or parenthesis, no
 *	trailing lone backslash), and HDR_HEX | HDR_HEX_BACKSLASH output must decode
 *	to the input. The whole-message writers (unstructured text, LDH text,
 *	folding) and lib/b64's MIME lines, which the aggregate-report mail writes
 *	with them, have their expected text from RFC 5322 2.2.3 and RFC 2045 6.8.
 */
#include "autoconf.h"

#include <string.h>

#include "b64.h"
#include "fuzz/hdrcheck.h"
#include "hdrtext.h"
#include "tap.h"

#define RAW	(HDR_HEX | HDR_HEX_BACKSLASH)

/* one call of a writer */
struct write_case {
	char fn;		/* 'q' hdr_quoted, 'c' hdr_comment_text, 'v' hdr_value */
	const char *in;
	size_t len;		/* 0: strlen(in) */
	size_t max;
	unsigned flags;
	const char *want;
};

static const struct write_case writes[] = {
	/* quoted-string: '"' and '\\' as quoted-pairs, the rest '?' or \\xHH */
	{ 'q', "plain", 0, 100, 0, "\"plain\"" },
	{ 'q', "", 0, 100, 0, "\"\"" },
	{ 'q', "a\"b\\c", 0, 100, 0, "\"a\\\"b\\\\c\"" },
	{ 'q', "a\r\nb", 0, 100, 0, "\"a??b\"" },
	{ 'q', "nul\0x", 5, 100, 0, "\"nul?x\"" },
	{ 'q', "\xc3\xa9\x7f", 0, 100, 0, "\"???\"" },
	{ 'q', "a\r\nb", 0, 100, HDR_HEX, "\"a\\\\x0D\\\\x0Ab\"" },
	{ 'q', "b\\s", 0, 100, HDR_HEX, "\"b\\\\s\"" },
	{ 'q', "b\\s", 0, 100, RAW, "\"b\\\\x5Cs\"" },
	{ 'q', "q\"", 0, 100, RAW, "\"q\\\"\"" },
	{ 'q', "nul\0", 4, 100, RAW, "\"nul\\\\x00\"" },
	/* cut at max input bytes, or once more than max bytes were written */
	{ 'q', "abcdef", 0, 4, 0, "\"abcd...\"" },
	{ 'q', "abcd", 0, 4, 0, "\"abcd\"" },
	{ 'q', "\"\"\"\"\"", 0, 2, 0, "\"\\\"\\\"...\"" },
	{ 'q', "abcdef", 0, 4, HDR_CUT_OUTPUT, "\"abcd...\"" },
	{ 'q', "abcd", 0, 4, HDR_CUT_OUTPUT, "\"abcd\"" },
	{ 'q', "\xff\xff", 0, 4, RAW | HDR_CUT_OUTPUT, "\"\\\\xFF...\"" },
	/* comment text: '(' ')' '\\' as quoted-pairs, '"' only with HDR_PAIR_DQUOTE */
	{ 'c', "why (nested (x)) not", 0, 100, 0, "why \\(nested \\(x\\)\\) not" },
	{ 'c', "))((", 0, 100, 0, "\\)\\)\\(\\(" },
	{ 'c', "say \"hi\"", 0, 100, 0, "say \"hi\"" },
	{ 'c', "say \"hi\"", 0, 100, HDR_PAIR_DQUOTE, "say \\\"hi\\\"" },
	{ 'c', "tail\\", 0, 100, 0, "tail\\\\" },
	{ 'c', "tail\\", 0, 100, RAW, "tail\\\\x5C" },
	{ 'c', "a\tb\n", 0, 100, HDR_HEX, "a\\\\x09b\\\\x0A" },
	{ 'c', "abcdef", 0, 3, 0, "abc..." },
	{ 'c', "((((", 0, 3, HDR_CUT_OUTPUT, "\\(\\(..." },
	/* value: plain when a form flags allow fits max, else quoted */
	{ 'v', "pass", 0, 100, HDR_PLAIN_TOKEN, "pass" },
	{ 'v', "mx.example.net", 0, 100, HDR_PLAIN_TOKEN, "mx.example.net" },
	{ 'v', "a/b", 0, 100, HDR_PLAIN_TOKEN, "\"a/b\"" },
	{ 'v', "a/b", 0, 100, HDR_PLAIN_DOT_ATOM, "a/b" },
	{ 'v', "user@example.com", 0, 100, HDR_PLAIN_TOKEN, "\"user@example.com\"" },
	{ 'v', "user@example.com", 0, 100, HDR_PLAIN_TOKEN | HDR_PLAIN_ADDRESS,
	  "user@example.com" },
	{ 'v', "@example.com", 0, 100, HDR_PLAIN_ADDRESS, "@example.com" },
	{ 'v', "a..b@example.com", 0, 100, HDR_PLAIN_ADDRESS, "\"a..b@example.com\"" },
	{ 'v', "a@-bad.example", 0, 100, HDR_PLAIN_ADDRESS, "\"a@-bad.example\"" },
	{ 'v', "a@b_c.example", 0, 100, HDR_PLAIN_ADDRESS, "\"a@b_c.example\"" },
	{ 'v', "", 0, 100, HDR_PLAIN_TOKEN | HDR_PLAIN_DOT_ATOM, "\"\"" },
	{ 'v', ".lead", 0, 100, HDR_PLAIN_DOT_ATOM, "\".lead\"" },
	{ 'v', "has space", 0, 100, HDR_PLAIN_TOKEN | HDR_PLAIN_DOT_ATOM, "\"has space\"" },
	{ 'v', "2001:db8::1", 0, 100, RAW | HDR_PLAIN_DOT_ATOM, "\"2001:db8::1\"" },
	{ 'v', "abcdef", 0, 5, HDR_PLAIN_TOKEN, "\"abcde...\"" },
	{ 'v', "abcde", 0, 5, HDR_PLAIN_TOKEN, "abcde" },
	{ 'v', "x\r\ny", 0, 100, RAW | HDR_PLAIN_TOKEN | HDR_CUT_OUTPUT,
	  "\"x\\\\x0D\\\\x0Ay\"" },
};

/* test_writes - each writer on the table; the output also read back */
static void
test_writes(void)
{
	struct buf b;

	buf_init(&b);
	for (size_t i = 0; i < NELEM(writes); i++) {
		const struct write_case *w = &writes[i];
		size_t len = w->len != 0 ? w->len : strlen(w->in);
		const char *why;

		buf_reset(&b);
		if (w->fn == 'q')
			hdr_quoted(&b, w->in, len, w->max, w->flags);
		else if (w->fn == 'c')
			hdr_comment_text(&b, w->in, len, w->max, w->flags);
		else
			hdr_value(&b, w->in, w->max, w->flags);
		is_string(w->want, buf_str(&b), "%c row %zu (flags %#x, max %zu)", w->fn, i,
		    w->flags, w->max);
		if (w->fn == 'c')
			why = hdrcheck_text(buf_str(&b), b.len, '(', ')');
		else
			why = hdrcheck_value(buf_str(&b), b.len);
		ok(why == NULL, "%c row %zu: well-formed (%s)", w->fn, i, why ? why : "yes");
	}
	buf_free(&b);
}

/* test_every_byte - every byte value alone and in runs, every flag set */
static void
test_every_byte(void)
{
	static const unsigned flagsets[] = { 0, HDR_HEX, RAW, HDR_PAIR_DQUOTE,
		RAW | HDR_PAIR_DQUOTE, HDR_CUT_OUTPUT, RAW | HDR_CUT_OUTPUT };
	struct buf b;
	char in[3], dec[64];
	int bad = 0, undecoded = 0;

	buf_init(&b);
	for (size_t f = 0; f < NELEM(flagsets); f++) {
		for (int c = 0; c < 256; c++) {
			memset(in, c, sizeof in);
			buf_reset(&b);
			hdr_quoted(&b, in, sizeof in, 100, flagsets[f]);
			if (b.len < 2 || b.data[0] != '"' || b.data[b.len - 1] != '"' ||
			    hdrcheck_text(b.data + 1, b.len - 2, '"', '"') != NULL)
				bad++;
			if ((flagsets[f] & RAW) == RAW &&
			    (hdrcheck_decode(b.data + 1, b.len - 2, dec) != sizeof in ||
			    memcmp(dec, in, sizeof in) != 0))
				undecoded++;
			buf_reset(&b);
			hdr_comment_text(&b, in, sizeof in, 100, flagsets[f]);
			if (hdrcheck_text(buf_str(&b), b.len, '(', ')') != NULL)
				bad++;
			if ((flagsets[f] & RAW) == RAW &&
			    (hdrcheck_decode(b.data, b.len, dec) != sizeof in ||
			    memcmp(dec, in, sizeof in) != 0))
				undecoded++;
		}
	}
	is_int(0, bad, "every byte value, every flag set: well-formed quoted-string and comment");
	is_int(0, undecoded, "HDR_HEX | HDR_HEX_BACKSLASH output decodes to the input");
	buf_free(&b);
}

/* test_classes - the token tests */
static void
test_classes(void)
{
	static const struct {
		const char *s;
		bool dot_atom, ldh, address;
	} t[] = {
		{ "example.com", true, true, false },
		{ "example.com.", false, true, false },
		{ "a.b", true, true, false },
		{ "a..b", false, false, false },
		{ ".a", false, false, false },
		{ "a.", false, true, false },
		{ "-a.example", true, false, false },
		{ "a-.example", true, false, false },
		{ "x_y", true, false, false },
		{ "o'neil+tag@example.com", false, false, true },
		{ "@example.com", false, false, true },
		{ "a@b@c", false, false, false },
		{ "\"q\"@example.com", false, false, false },
		{ "", false, false, false },
	};

	for (size_t i = 0; i < NELEM(t); i++) {
		size_t n = strlen(t[i].s);

		is_int(t[i].dot_atom, hdr_is_dot_atom(t[i].s, n), "dot-atom \"%s\"", t[i].s);
		is_int(t[i].ldh, hdr_is_ldh_domain(t[i].s, n), "LDH domain \"%s\"", t[i].s);
		is_int(t[i].address, hdr_is_address(t[i].s, n), "address \"%s\"", t[i].s);
	}
	ok(hdr_is_atext('!') && hdr_is_atext('~') && !hdr_is_atext('.') &&
	    !hdr_is_atext('@') && !hdr_is_atext('\0') && !hdr_is_atext(0xe9),
	    "atext: RFC 5322 specials, NUL and 8-bit are not atext");
	ok(hdr_is_token_char('.') && hdr_is_token_char('-') && !hdr_is_token_char('/') &&
	    !hdr_is_token_char('=') && !hdr_is_token_char(' ') && !hdr_is_token_char(0x7f),
	    "token: RFC 2045 tspecials, SPACE and CTL are not token characters");
}

/* test_whole_message - hdr_unstructured, hdr_ldh_text, hdr_folded, b64_encode_lines */
static void
test_whole_message(void)
{
	static const struct {
		const char *in;
		bool dots;
		size_t max;
		const char *want;
	} ldh[] = {
		{ "Mail.Example.COM", true, 255, "Mail.Example.COM" },
		{ "..a..b..", true, 255, "a.b" },
		{ "a.b", false, 255, "ab" },
		{ "r<e>p\"o(r)t@id_1 \xc3\xa9.-x", true, 255, "reportid1.-x" },
		{ "abcdef", false, 4, "abcd" },
		{ "ab.cd", true, 3, "ab.c" },	/* the dot does not count */
		{ "", true, 255, "" },
	};
	unsigned char bin[120];
	char want[200];
	struct buf b;

	buf_init(&b);
	hdr_unstructured(&b, "a\r\nb\tc\\d\"\x7f\xe9~", 100);
	is_string("a??b?c\\d\"??~", buf_str(&b),
	    "unstructured: CR, LF, TAB, DEL, 8-bit as '?'; backslash and quote kept");
	buf_reset(&b);
	hdr_unstructured(&b, "abcdef", 3);
	hdr_unstructured(&b, NULL, 3);
	is_string("abc", buf_str(&b), "unstructured: at most max bytes, no cut mark; NULL empty");
	for (size_t i = 0; i < NELEM(ldh); i++) {
		buf_reset(&b);
		hdr_ldh_text(&b, ldh[i].in, ldh[i].dots, ldh[i].max);
		is_string(ldh[i].want, buf_str(&b), "LDH text row %zu", i);
		ok(b.len == 0 || hdr_is_dot_atom(b.data, b.len), "LDH text row %zu: dot-atom", i);
	}

	buf_reset(&b);
	hdr_folded(&b, "Subject", " short value");
	is_string("Subject: short value\n", buf_str(&b), "folded: short value on one line");
	buf_reset(&b);
	hdr_folded(&b, "Subject", " Report Domain: example.com Submitter: "
	    "receiver.example.net Report-ID: <0123456789abcdef>");
	is_string("Subject: Report Domain: example.com Submitter: receiver.example.net"
	    " Report-ID:\n <0123456789abcdef>\n", buf_str(&b),
	    "folded: up to column 78, then before the space whose word would pass it");
	buf_reset(&b);
	memset(want, 'x', 90);
	want[0] = ' ';
	want[90] = '\0';
	hdr_folded(&b, "S", want);
	ok(b.len == 2 + 90 + 1 && strchr(buf_str(&b), '\n') == b.data + b.len - 1,
	    "folded: a first word longer than the line is not folded before");

	for (size_t i = 0; i < sizeof bin; i++)
		bin[i] = (unsigned char)(i * 7 + 1);
	buf_reset(&b);
	b64_encode_lines(&b, bin, 0);
	is_int(0, (long)b.len, "base64 lines: nothing for no data");
	buf_reset(&b);
	b64_encode_lines(&b, (const unsigned char *)"foob", 4);
	is_string("Zm9vYg==\n", buf_str(&b), "base64 lines: padded, LF-terminated");
	buf_reset(&b);
	b64_encode_lines(&b, bin, 57);
	ok(b.len == 77 && b.data[76] == '\n', "base64 lines: 57 bytes are one full line");
	buf_reset(&b);
	b64_encode_lines(&b, bin, sizeof bin);
	ok(b.len == 76 + 1 + 76 + 1 + 8 + 1 && b.data[76] == '\n' && b.data[153] == '\n' &&
	    b.data[b.len - 1] == '\n', "base64 lines: 76 characters each, the last shorter");
	{
		unsigned char dec[sizeof bin];

		is_int((long)sizeof bin, b64_decode(b.data, b.len, dec, sizeof dec),
		    "base64 lines: decode to the input length");
		ok(memcmp(dec, bin, sizeof bin) == 0, "base64 lines: decode to the input");
	}
	buf_free(&b);
}

int
main(void)
{
	test_classes();
	test_writes();
	test_every_byte();
	test_whole_message();
	return done_testing();
}
