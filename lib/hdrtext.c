/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hdrtext.c - RFC 5322 / RFC 2045 tokens for the header fields we write
 * SYNOPSIS
 *	#include "hdrtext.h"
 *	(see hdrtext.h)
 * DESCRIPTION
 *	Owns the lexical side of writing attacker-controlled text into a header
 *	field: the character classes (RFC 5322 atext, RFC 2045 token), the plain
 *	forms (dot-atom-text, an LDH domain, local-part@domain with a dot-atom
 *	local-part), and the two escaped forms, quoted-string and comment text.
 *
 *	Escaping. In a quoted-string '"' and '\\' are quoted-pairs; in a comment
 *	'(' ')' '\\' (and '"' with HDR_PAIR_DQUOTE). A byte outside printable ASCII
 *	(controls, DEL, 8-bit, NUL) is '?' by default, or with HDR_HEX the four
 *	characters "\\xHH" (a quoted-pair backslash, then x and two upper-case hex
 *	digits), so a reader can tell what was there. With HDR_HEX_BACKSLASH a
 *	backslash of the input is written "\\x5C" as well, so a decoded "\\xHH" in
 *	raw network text is never ambiguous; without it, "\\\\". Nothing written is
 *	ever CR, LF or NUL, and no quote or parenthesis is ever left unescaped: the
 *	caller's closing '"' or ')' is the one that closes. RFC 5322 quoted-pair
 *	and ctext/qtext allow all of this, and 8-bit text (RFC 6532) is not
 *	written raw because the fields are read by filters that do not expect it.
 *
 *	Cutting. Values are cut, marked "...", so fields stay far below the 998-byte
 *	line limit: by default at max input bytes; with HDR_CUT_OUTPUT once more
 *	than max bytes were written (Received-SPF's historic rule).
 *
 *	Whole messages. The aggregate-report mail (lib/report.c) takes its header
 *	values from here too: unstructured text with '?' for what is not printable
 *	ASCII (From, To, Subject, the summary lines), LDH dot-atom text built from
 *	whatever a name holds (Message-ID's id-left and id-right), and the Subject's
 *	folding (RFC 5322 2.2.3: a fold is a line break before white space, at 78
 *	columns where a space allows it). It writes LF line ends, as report_mime()
 *	does throughout.
 *
 *	Callers: lib/authres.c (Authentication-Results), lib/received_spf.c
 *	(Received-SPF), lib/report.c (the aggregate-report mail and its mailto:
 *	dot-atom check). XML text is not here: lib/report.c's xml_text() is the one
 *	XML escaper, because XML 1.0 character data is another grammar (entities,
 *	the Char production, UTF-8 written as is) with the opposite rule for 8-bit
 *	text, and it never ends up in a header field. Base64 is lib/b64.c.
 * SEE ALSO
 *	RFC 5322 sections 3.2.1-3.2.4, RFC 2045 section 5.1, RFC 8601 section 2.2.
 */
#include "autoconf.h"

#include <stdio.h>
#include <string.h>

#include "hdrtext.h"

/* hdr_is_atext - RFC 5322 atext, ASCII only (no locale) */
bool
hdr_is_atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* hdr_is_token_char - RFC 2045 token characters (no CTL, SPACE or tspecial) */
bool
hdr_is_token_char(unsigned char c)
{
	if (c <= 0x20 || c >= 0x7f)
		return false;
	return strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

/* hdr_is_dot_atom - RFC 5322 dot-atom-text: atext runs separated by single dots */
bool
hdr_is_dot_atom(const char *s, size_t len)
{
	bool need = true;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (need)
				return false;
			need = true;
		} else if (hdr_is_atext((unsigned char)s[i])) {
			need = false;
		} else {
			return false;
		}
	}
	return len > 0 && !need;
}

/* is_ldh - letter, digit or hyphen */
static bool
is_ldh(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-';
}

/* hdr_is_ldh_domain - labels of letters, digits and inner hyphens, one final dot allowed */
bool
hdr_is_ldh_domain(const char *s, size_t len)
{
	size_t label = 0;

	if (len > 0 && s[len - 1] == '.')
		len--;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (label == 0 || s[i - 1] == '-')
				return false;
			label = 0;
		} else if (is_ldh((unsigned char)s[i])) {
			if (label++ == 0 && s[i] == '-')
				return false;
		} else {
			return false;
		}
	}
	return label > 0 && s[len - 1] != '-';
}

/* hdr_is_address - [dot-atom local-part]@LDH-domain (the local-part may be empty) */
bool
hdr_is_address(const char *s, size_t len)
{
	const char *at = memchr(s, '@', len);

	return at != NULL && (at == s || hdr_is_dot_atom(s, (size_t)(at - s))) &&
	    hdr_is_ldh_domain(at + 1, len - (size_t)(at - s) - 1);
}

/* put_byte - one input byte: as is, as a quoted-pair (pair) or replaced */
static void
put_byte(struct buf *out, unsigned char c, bool pair, unsigned flags)
{
	bool hex_bs = c == '\\' && (flags & HDR_HEX_BACKSLASH);

	if (pair && !hex_bs) {
		buf_addc(out, '\\');
		buf_addc(out, c);
	} else if (hex_bs || c < 0x20 || c >= 0x7f || c == '\\') {
		if (flags & HDR_HEX)
			buf_printf(out, "\\\\x%02X", c);
		else
			buf_addc(out, '?');
	} else {
		buf_addc(out, c);
	}
}

/* put_text - len bytes of s escaped; specials: the quoted-pair bytes; start:
 * where output counting begins (HDR_CUT_OUTPUT) */
static void
put_text(struct buf *out, const char *s, size_t len, size_t max, unsigned flags,
    const char *specials, size_t start)
{
	bool cut = false;

	if (!(flags & HDR_CUT_OUTPUT) && len > max) {
		len = max;
		cut = true;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((flags & HDR_CUT_OUTPUT) && out->len - start > max) {
			cut = true;
			break;
		}
		put_byte(out, c, c != '\0' && strchr(specials, c) != NULL, flags);
	}
	if (cut)
		buf_adds(out, "...");
}

/* hdr_quoted - s as an RFC 5322 quoted-string */
void
hdr_quoted(struct buf *out, const char *s, size_t len, size_t max, unsigned flags)
{
	size_t start = out->len;

	buf_addc(out, '"');
	put_text(out, s != NULL ? s : "", s != NULL ? len : 0, max, flags, "\"\\", start);
	buf_addc(out, '"');
}

/* hdr_comment_text - s as the inside of an RFC 5322 comment */
void
hdr_comment_text(struct buf *out, const char *s, size_t len, size_t max, unsigned flags)
{
	put_text(out, s != NULL ? s : "", s != NULL ? len : 0, max, flags,
	    (flags & HDR_PAIR_DQUOTE) ? "()\\\"" : "()\\", out->len);
}

/* plain_form - whether s is one of the plain forms flags allow */
static bool
plain_form(const char *s, size_t len, unsigned flags)
{
	bool token = len > 0;

	for (size_t i = 0; i < len && token; i++)
		token = hdr_is_token_char((unsigned char)s[i]);
	return ((flags & HDR_PLAIN_TOKEN) && token) ||
	    ((flags & HDR_PLAIN_ADDRESS) && hdr_is_address(s, len)) ||
	    ((flags & HDR_PLAIN_DOT_ATOM) && hdr_is_dot_atom(s, len));
}

/* hdr_value - s as is when it has a plain form flags allow and fits max, else quoted */
void
hdr_value(struct buf *out, const char *s, size_t max, unsigned flags)
{
	size_t len;

	if (s == NULL)
		s = "";
	len = (flags & HDR_CUT_OUTPUT) ? strlen(s) : strnlen(s, max + 1);
	if (len <= max && plain_form(s, len, flags))
		buf_add(out, s, len);
	else
		hdr_quoted(out, s, len, max, flags);
}

/* hdr_unstructured - at most max bytes of s as RFC 5322 unstructured text */
void
hdr_unstructured(struct buf *out, const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");

	for (size_t i = 0; p[i] != '\0' && i < max; i++)
		buf_addc(out, p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '?');
}

/* hdr_ldh_text - the letters, digits and hyphens of s, with single inner dots when
 * dots; at most max bytes */
void
hdr_ldh_text(struct buf *out, const char *s, bool dots, size_t max)
{
	const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
	size_t start = out->len;
	bool dot = false;

	for (; *p != '\0' && out->len - start < max; p++) {
		if (is_ldh(*p)) {
			if (dot && out->len > start)
				buf_addc(out, '.');
			dot = false;
			buf_addc(out, *p);
		} else if (*p == '.' && dots)
			dot = true;
	}
}

/* hdr_folded - "name:value" and LF, folded before each space that would pass column 78 */
void
hdr_folded(struct buf *out, const char *name, const char *value)
{
	size_t head = strlen(name) + 1, col = head, wl;
	const char *p = value, *sp;

	buf_adds(out, name);
	buf_addc(out, ':');
	while (*p != '\0') {
		sp = strchr(p + 1, ' ');
		wl = sp != NULL ? (size_t)(sp - p) : strlen(p);	/* p starts at ' ' */
		if (col + wl > 78 && col > head) {
			buf_addc(out, '\n');
			col = 0;
		}
		buf_add(out, p, wl);
		col += wl;
		p += wl;
	}
	buf_addc(out, '\n');
}
