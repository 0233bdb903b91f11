/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hdrtext.h - RFC 5322 / RFC 2045 tokens for the header fields we write
 * SYNOPSIS
 *	bool hdr_is_atext(unsigned char c);
 *	bool hdr_is_token_char(unsigned char c);
 *	bool hdr_is_dot_atom(const char *s, size_t len);
 *	bool hdr_is_ldh_domain(const char *s, size_t len);
 *	bool hdr_is_address(const char *s, size_t len);
 *	void hdr_quoted(struct buf *out, const char *s, size_t len, size_t max,
 *	    unsigned flags);
 *	void hdr_comment_text(struct buf *out, const char *s, size_t len, size_t max,
 *	    unsigned flags);
 *	void hdr_value(struct buf *out, const char *s, size_t max, unsigned flags);
void hdr_unstructured(struct buf *out, const char *s, size_t max);
void hdr_ldh_text(struct buf *out, const char *s, bool dots, size_t max);
void hdr_folded(struct buf *out, const char *name, const char *value);
 *	void hdr_unstructured(struct buf *out, const char *s, size_t max);
 *	void hdr_ldh_text(struct buf *out, const char *s, bool dots, size_t max);
 *	void hdr_folded(struct buf *out, const char *name, const char *value);
 * DESCRIPTION
 *	The one place where text that came from the network becomes part of a header
 *	field we write. hdr_quoted() writes a quoted-string, hdr_comment_text() the
 *	inside of a comment (the caller writes the parentheses), hdr_value() the
 *	value as is when it has one of the plain forms flags allow, else quoted.
 *	Whatever the input, no CR, LF or NUL is written, every '"' in a quoted-string
 *	and every '(' ')' in a comment is a quoted-pair, and every backslash starts a
 *	quoted-pair, so the output always closes where the caller closes it. len is
 *	the input length (NUL bytes in it are escaped like control bytes); max the
 *	limit described at HDR_CUT_OUTPUT, "..." marking a cut.
 *
 *	For the fields of a message we write whole (the aggregate-report mail):
 *	hdr_unstructured() appends at most max bytes of s (up to its NUL) with every
 *	byte outside printable ASCII written '?', no cut mark; hdr_ldh_text() keeps
 *	only the letters, digits and hyphens of s, and with dots its dots when one
 *	stands between two kept runs (a leading, trailing or repeated dot is
 *	dropped): always a dot-atom-text or empty; it stops once max bytes are
 *	written (one more when a dot came before the last byte). hdr_folded()
 *	appends "name:" value and LF, folding (LF before the space) where the next
 *	space-started word would pass column 78; value must be printable ASCII and
 *	should start with a space. A NULL s is "".
 */
#ifndef MAILAUTH_HDRTEXT_H
#define MAILAUTH_HDRTEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

/* escaping of control and 8-bit bytes (and of the backslash) */
#define HDR_HEX			0x01	/* control and 8-bit bytes as "\\xHH", else '?' */
#define HDR_HEX_BACKSLASH	0x02	/* '\\' as "\\x5C" (raw network text), else "\\\\" */
#define HDR_PAIR_DQUOTE		0x04	/* comments: '"' as a quoted-pair too */
/* where max applies: HDR_CUT_OUTPUT: "..." and stop once more than max bytes were
 * written (the opening quote counts); else: at most max input bytes, "..." when
 * there were more */
#define HDR_CUT_OUTPUT		0x08
/* hdr_value: the plain forms written without quotes */
#define HDR_PLAIN_TOKEN		0x10	/* an RFC 2045 token */
#define HDR_PLAIN_ADDRESS	0x20	/* [dot-atom]@LDH-domain */
#define HDR_PLAIN_DOT_ATOM	0x40	/* an RFC 5322 dot-atom-text */

bool hdr_is_atext(unsigned char c);
bool hdr_is_token_char(unsigned char c);
bool hdr_is_dot_atom(const char *s, size_t len);
bool hdr_is_ldh_domain(const char *s, size_t len);
bool hdr_is_address(const char *s, size_t len);
void hdr_quoted(struct buf *out, const char *s, size_t len, size_t max, unsigned flags);
void hdr_comment_text(struct buf *out, const char *s, size_t len, size_t max,
    unsigned flags);
void hdr_value(struct buf *out, const char *s, size_t max, unsigned flags);
void hdr_unstructured(struct buf *out, const char *s, size_t max);
void hdr_ldh_text(struct buf *out, const char *s, bool dots, size_t max);
void hdr_folded(struct buf *out, const char *name, const char *value);

#endif
