/*
 * authres.c - Authentication-Results (RFC 8601): our field, and forged ones
 *
 * Recognising: the authserv-id is the first value after optional CFWS. The token
 * ends at the first byte that is not an RFC 2045 token character, so a forger's
 * "mx.example.net/evil" or "mx.example.net@x" counts as claiming mx.example.net:
 * some reader would stop there, and deleting one field too many is harmless while
 * keeping a forged one is not (CVE-2020-12272 was such a parser disagreement).
 *
 * Building: one result per line, folded with LF + TAB (libmilter and Postfix turn
 * that into CRLF + TAB), lines longer than WRAP_AT characters broken before a
 * property with LF + TAB + two blanks (the shape of DESIGN.md). Network text is written as a token or dot-atom address when it is one,
 * else as a quoted-string; comments have '(' ')' '\\' escaped; control and 8-bit
 * bytes become '?'; values are cut at MAX_VALUE bytes so no line reaches 998.
 */
#include "autoconf.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "authres.h"

#define MAX_VALUE	400	/* bytes of one network value written */
#define MAX_COMMENT	200	/* bytes of one reason written */
#define WRAP_AT		85	/* break before a property past this column (TAB counts 1) */

/* is_token_char - RFC 2045 token characters (no CTL, SPACE or tspecial) */
static bool
is_token_char(unsigned char c)
{
	if (c <= 0x20 || c >= 0x7f)
		return false;
	return strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

/* skip_cfws - blanks, line breaks and (nested (comments)) */
static const char *
skip_cfws(const char *p)
{
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (*p != '(')
			return p;
		for (int depth = 0; *p != '\0'; p++) {
			if (*p == '\\' && p[1] != '\0') {
				p++;
			} else if (*p == '(') {
				depth++;
			} else if (*p == ')' && --depth == 0) {
				p++;
				break;
			}
		}
	}
}

int
authres_servid(const char *value, char *out, size_t outlen)
{
	const char *p = skip_cfws(value);
	size_t n = 0;

	if (outlen == 0)
		return -1;
	if (*p == '"') {
		for (p++; *p != '\0' && *p != '"'; p++) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			if (n + 1 < outlen)
				out[n++] = *p;
		}
	} else {
		for (; is_token_char((unsigned char)*p); p++)
			if (n + 1 < outlen)
				out[n++] = *p;
	}
	out[n] = '\0';
	return n > 0 ? 0 : -1;
}

/* same_id - case-insensitive, a final dot on either side ignored */
static bool
same_id(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la > 0 && a[la - 1] == '.')
		la--;
	if (lb > 0 && b[lb - 1] == '.')
		lb--;
	return la == lb && la > 0 && strncasecmp(a, b, la) == 0;
}

bool
authres_claims_id(const char *value, const char *authserv_id)
{
	char id[1024];

	if (value == NULL || authserv_id == NULL)
		return false;
	return authres_servid(value, id, sizeof id) == 0 && same_id(id, authserv_id);
}

/* is_dot_atom - RFC 5322 dot-atom (atext runs separated by single dots) */
static bool
is_dot_atom(const char *s, size_t len)
{
	bool need = true;

	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (need)
				return false;
			need = true;
		} else if (isalnum(c) || strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL) {
			need = false;
		} else {
			return false;
		}
	}
	return !need;
}

/* plain_value - writable without quotes: a token, or local@domain of dot-atoms */
static bool
plain_value(const char *s, size_t len)
{
	const char *at = memchr(s, '@', len);
	size_t i;

	if (at == NULL) {
		for (i = 0; i < len; i++)
			if (!is_token_char((unsigned char)s[i]))
				return false;
		return len > 0;
	}
	if (memchr(at + 1, '@', len - (size_t)(at - s) - 1) != NULL)
		return false;
	return (at == s || is_dot_atom(s, (size_t)(at - s))) &&
	    is_dot_atom(at + 1, len - (size_t)(at - s) - 1) &&
	    strpbrk(at + 1, "/=?") == NULL;
}

/* add_escaped - len bytes of s: specials as quoted-pairs, control and 8-bit as '?' */
static void
add_escaped(struct buf *out, const char *s, size_t len, const char *specials)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c != '\0' && strchr(specials, c) != NULL) {
			buf_addc(out, '\\');
			buf_addc(out, c);
		} else if (c < 0x20 || c >= 0x7f) {
			buf_addc(out, '?');
		} else {
			buf_addc(out, c);
		}
	}
}

void
authres_quote_value(struct buf *out, const char *s)
{
	size_t len = strlen(s);
	bool cut = len > MAX_VALUE;

	if (cut)
		len = MAX_VALUE;
	if (!cut && plain_value(s, len)) {
		buf_add(out, s, len);
		return;
	}
	buf_addc(out, '"');
	add_escaped(out, s, len, "\"\\");
	if (cut)
		buf_adds(out, "...");
	buf_addc(out, '"');
}

/* add_comment - " (text)" with the comment's specials escaped */
static void
add_comment(struct buf *out, const char *text)
{
	size_t len;

	if (text == NULL || *text == '\0')
		return;
	buf_adds(out, " (");
	len = strnlen(text, MAX_COMMENT + 1);
	add_escaped(out, text, len > MAX_COMMENT ? MAX_COMMENT : len, "()\\");
	if (len > MAX_COMMENT)
		buf_adds(out, "...");
	buf_addc(out, ')');
}

/* line state: the result being written, then appended to the field */
struct arline {
	struct buf text;
	size_t col;		/* bytes on the current physical line */
};

/* add_prop - " name=value", broken onto a new line when it would run long */
static void
add_prop(struct arline *l, const char *name, const char *value, bool quote_always)
{
	struct buf piece;

	if (value == NULL || *value == '\0')
		return;
	buf_init(&piece);
	buf_printf(&piece, "%s=", name);
	if (quote_always) {
		buf_addc(&piece, '"');
		for (const char *p = value; *p != '\0' && p - value < MAX_VALUE; p++)
			buf_addc(&piece, is_token_char((unsigned char)*p) ||
			    strchr("/=+", *p) != NULL ? *p : '?');
		buf_addc(&piece, '"');
	} else {
		authres_quote_value(&piece, value);
	}
	if (l->col + 1 + piece.len > WRAP_AT) {
		buf_adds(&l->text, "\n\t  ");
		l->col = 3;
	} else {
		buf_addc(&l->text, ' ');
		l->col++;
	}
	buf_add(&l->text, piece.data, piece.len);
	l->col += piece.len;
	buf_free(&piece);
}

/* start_result - begin "\n\tmethod=result (comment)" */
static void
start_result(struct arline *l, const char *method, const char *result,
    const char *comment)
{
	buf_reset(&l->text);
	buf_printf(&l->text, "%s=%s", method, result);
	add_comment(&l->text, comment);
	l->col = 1 + l->text.len;
}

/* end_result - append the finished result to the field */
static void
end_result(struct buf *out, struct arline *l, bool *first)
{
	buf_adds(out, *first ? "\n\t" : ";\n\t");
	buf_add(out, l->text.data, l->text.len);
	*first = false;
}

/* spf_comment - reasons worth showing (errors) */
static const char *
spf_comment(const struct spf_outcome *o)
{
	return o->result == SPFR_TEMPERROR || o->result == SPFR_PERMERROR ? o->reason : NULL;
}

void
authres_build(struct buf *out, const char *authserv_id, const struct authres_input *in)
{
	struct arline l;
	bool first = true;
	const struct dmarc_outcome *d = in->dmarc;

	buf_init(&l.text);
	authres_quote_value(out, authserv_id);
	buf_addc(out, ';');
	if (in->spf_mailfrom != NULL) {
		const struct spf_outcome *o = in->spf_mailfrom;

		start_result(&l, "spf", spf_result_name(o->result), spf_comment(o));
		add_prop(&l, "smtp.mailfrom", o->sender, false);
		end_result(out, &l, &first);
	}
	if (in->spf_helo != NULL) {
		const struct spf_outcome *o = in->spf_helo;

		start_result(&l, "spf", spf_result_name(o->result), spf_comment(o));
		add_prop(&l, "smtp.helo", o->helo, false);
		end_result(out, &l, &first);
	}
	if (in->dkim_evaluated && in->ndkim == 0) {
		start_result(&l, "dkim", "none", NULL);
		end_result(out, &l, &first);
	}
	for (size_t i = 0; in->dkim_evaluated && i < in->ndkim; i++) {
		const struct dkv_result *r = in->dkim[i];

		start_result(&l, "dkim", dkim_result_name(r->result), r->reason);
		add_prop(&l, "header.d", r->domain, false);
		add_prop(&l, "header.i", r->identity, false);
		add_prop(&l, "header.s", r->selector, false);
		add_prop(&l, "header.b", r->b, true);
		end_result(out, &l, &first);
	}
	if (d != NULL) {
		struct buf c;

		buf_init(&c);
		if (d->result == DMR_PASS || d->result == DMR_FAIL) {
			enum dmarc_policy sp = d->sp != DMP_UNSET ? d->sp : d->p;

			buf_printf(&c, "p=%s sp=%s dis=%s", dmarc_policy_name(d->p),
			    dmarc_policy_name(sp), d->result == DMR_PASS ? "none" :
			    dmarc_policy_name(d->disposition));
			if (d->sampled_out)
				buf_printf(&c, " pct=%u sampled out", d->pct);
		} else if (d->reason != NULL) {
			buf_adds(&c, d->reason);
		}
		start_result(&l, "dmarc", dmarc_result_name(d->result), buf_str(&c));
		add_prop(&l, "header.from", d->from_domain, false);
		end_result(out, &l, &first);
		buf_free(&c);
	}
	if (first)
		buf_adds(out, " none");
	buf_free(&l.text);
}
