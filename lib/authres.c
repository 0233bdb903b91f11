/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * authres.c - Authentication-Results (RFC 8601): our field, and forged ones
 * SYNOPSIS
 *	bool authres_claims_id(const char *value, const char *authserv_id);
 *	int authres_servid(const char *value, char *out, size_t outlen);
 *	void authres_build(struct buf *out, const char *authserv_id,
 *	    const struct auth_results *in, bool arc_override);
 *	void authres_quote_value(struct buf *out, const char *s);
 * DESCRIPTION
 *	Recognising. The authserv-id is the first value after optional CFWS: a token
 *	(RFC 2045) or a quoted-string. CFWS is blanks, CR and LF in any arrangement
 *	(bare LF folding included) and comments, nested, with quoted-pairs. The token
 *	ends at the first byte that is not a token character, so a forger's
 *	"mx.example.net/evil", "mx.example.net@x", "mx.example.net\xff" or
 *	"mx.example.net (unterminated" count as claiming mx.example.net, and so does a
 *	field without any ';'. authres_servid() gives that RFC reading.
 *	authres_claims_id() is deliberately wider. The rule: a field is ours, and is
 *	deleted, whenever any plausible reading of its start names our id. The
 *	readings are the RFC one and the sloppier ones others are known to use, in
 *	any mix: comments that do not nest; backslash not escaping inside comments;
 *	control and 8-bit bytes, such as a UTF-8 no-break space, taken for blanks;
 *	and a "squashed" reading that drops every double quote (so "" before or
 *	after the id, or "our""id", vanish; blanks inside quotes stay part of the
 *	id; a quote never closed is dropped as a stray), takes a backslash outside quotes as
 *	escaping the next byte, and skips comments anywhere outside quotes (so
 *	"our(x)id" is ourid), the id then running to a blank, ';' or other
 *	non-token byte outside quotes. The id found is compared case-insensitively
 *	with every trailing dot and surrounding blanks ignored ("ourid.." and
 *	"ourid." are ourid), and a version after it ("ourid 1") is no part of it.
 *	So "(a(b) mx.example.net; dkim=pass", an unterminated comment by the RFC but our
 *	id to a reader that does not nest comments, is ours too, and so is
 *	""mx.example.net. Deleting one malformed field too many is harmless; keeping
 *	one that a downstream reader takes for ours is not (CVE-2020-12272 was such
 *	a parser disagreement in OpenDKIM/OpenDMARC). A field whose first value is
 *	anything else ("evil mx.example.net", "mx.example.net.evil",
 *	"xmx.example.net") is not ours. t/fuzz/fuzz_authres.c checks the rule: our
 *	id with random such decorations is always recognised.
 *	Values are C strings: whatever follows a NUL byte was never seen by the milter.
 *
 *	Building. authres_build() writes "ID;" and one result per line, folded with
 *	LF + TAB (libmilter and Postfix make that CRLF + TAB), results separated by
 *	';', in this order: SPF MAIL FROM (smtp.mailfrom = the full checked address,
 *	postmaster@HELO for the null sender), SPF HELO (smtp.helo), DKIM (one result
 *	per signature, or "dkim=none" when DKIM was evaluated and found none), DMARC;
 *	"ID; none" when nothing was evaluated. SPF shows its reason in a comment only
 *	for temperror and permerror (the other reasons only repeat the result), and
 *	for a result taken from a trusted upstream (spf_upstream: "from trusted
 *	upstream ID", lib/upstream.c). DKIM
 *	shows its reason. DMARC pass and fail show "(p=P sp=SP dis=D)": sp= is the
 *	policy that applies to subdomains, i.e. p when no sp= was published, so the
 *	shape never changes; "pct=N sampled out" is added when pct sampling downgraded
 *	the disposition; other DMARC results show the reason. ARC (RFC 8617 6, after
 *	DMARC) shows "(N sets, sealed by D)" for pass with smtp.remote-ip and
 *	header.oldest-pass (when determined; ", trusted: DMARC policy not applied"
 *	when TrustedARCSealers let a DMARC failure go: arc_override), the reason for
 *	fail (", temporary DNS failure" when a key lookup failed temporarily: RFC 8617
 *	5.2.1 makes it fail all the same) with smtp.remote-ip, and nothing more for
 *	none; no arc= at all after an internal error. header.b is always a
 *	quoted-string (base64 has '/', '+' and '=').
 *	Network text (addresses, HELO, domains, selectors) is written by
 *	authres_quote_value(): as is when it is a token or a local-part@domain with a
 *	dot-atom local-part and an LDH domain, else as a quoted-string with '"' and
 *	'\\' escaped. Reasons go into comments with '(' ')' '\\' escaped. Control and
 *	8-bit bytes become '?' everywhere, so no CR or LF ever gets into the field.
 *	The tokens and the escaping are lib/hdrtext's (shared with Received-SPF).
 *	A property that would take the line past WRAP_AT columns goes to a new line
 *	(LF + TAB + two blanks, the DESIGN.md shape); values are cut at MAX_VALUE bytes
 *	and comments at MAX_COMMENT bytes, marked "...", so even fully escaped ones
 *	keep every line far below the 998-byte limit of RFC 5322.
 */
#include "autoconf.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "authres.h"
#include "hdrtext.h"

#define MAX_VALUE	400	/* bytes of one network value written */
#define MAX_COMMENT	200	/* bytes of one reason written */
#define WRAP_AT		85	/* break before a property past this column (TAB counts 1) */
#define ID_MAX		1024	/* authserv-id bytes compared */

#define READ_NEST	0x01	/* comments nest */
#define READ_QPAIR	0x02	/* backslash escapes inside comments */
#define READ_JUNK	0x04	/* control and 8-bit bytes count as blanks */
#define READ_SQUASH	0x08	/* quotes dropped, escapes and comments anywhere */
#define READ_RFC	(READ_NEST | READ_QPAIR)

/* is_blank - a blank under the reading how (CR and LF included: folding) */
static bool
is_blank(char c, unsigned how)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
	    ((how & READ_JUNK) && c != '\0' &&
	    ((unsigned char)c < 0x20 || (unsigned char)c >= 0x7f));
}

/* skip_comment - past the comment that starts at p ('('), as the reading says */
static const char *
skip_comment(const char *p, unsigned how)
{
	for (int depth = 0; *p != '\0'; p++) {
		if (*p == '\\' && (how & READ_QPAIR) && p[1] != '\0') {
			p++;
		} else if (*p == '(') {
			if (depth == 0 || (how & READ_NEST))
				depth++;
		} else if (*p == ')' && --depth == 0) {
			return p + 1;
		}
	}
	return p;
}

/* skip_cfws - blanks, CR, LF and comments as the reading says */
static const char *
skip_cfws(const char *p, unsigned how)
{
	for (;;) {
		while (is_blank(*p, how))
			p++;
		if (*p != '(')
			return p;
		p = skip_comment(p, how);
	}
}

/* read_squashed - the squashed reading (READ_SQUASH, see the top of this file) */
static int
read_squashed(const char *p, unsigned how, char *out, size_t outlen)
{
	size_t n = 0;
	bool quoted = false, started = false;

	while (*p != '\0') {
		char c = *p;

		if (c == '"') {
			/* a quote that is never closed is dropped as a stray */
			quoted = !quoted && strchr(p + 1, '"') != NULL;
			p++;
			continue;
		}
		if (quoted) {
			if (c == '\\' && p[1] != '\0')
				c = *++p;
			else if (c == '\r' || c == '\n') {
				p++;
				continue;	/* folding inside the quoted-string */
			}
		} else if (c == '(') {
			p = skip_comment(p, how);
			continue;
		} else if (is_blank(c, how)) {
			if (started)
				break;
			p++;
			continue;
		} else if (c == '\\' && p[1] != '\0') {
			c = *++p;
		} else if (!hdr_is_token_char((unsigned char)c)) {
			break;
		}
		started = true;
		if (n + 1 < outlen)
			out[n++] = c;
		p++;
	}
	out[n] = '\0';
	return n > 0 ? 0 : -1;
}

/* read_servid - the authserv-id under one reading into out; 0, or -1 if none */
static int
read_servid(const char *value, unsigned how, char *out, size_t outlen)
{
	const char *p;
	size_t n = 0;

	if (outlen == 0)
		return -1;
	if (how & READ_SQUASH)
		return read_squashed(value, how, out, outlen);
	p = skip_cfws(value, how);
	if (*p == '"') {
		for (p++; *p != '\0' && *p != '"'; p++) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			else if (*p == '\r' || *p == '\n')
				continue;	/* folding inside the quoted-string */
			if (n + 1 < outlen)
				out[n++] = *p;
		}
	} else {
		for (; hdr_is_token_char((unsigned char)*p); p++)
			if (n + 1 < outlen)
				out[n++] = *p;
	}
	out[n] = '\0';
	return n > 0 ? 0 : -1;
}

/* authres_servid - the authserv-id of a field value (RFC reading) */
int
authres_servid(const char *value, char *out, size_t outlen)
{
	if (value == NULL || out == NULL)
		return -1;
	return read_servid(value, READ_RFC, out, outlen);
}

/* same_id - case-insensitive, blanks around and final dots on either side ignored */
static bool
same_id(const char *a, const char *b)
{
	size_t la, lb;

	a += strspn(a, " \t");
	b += strspn(b, " \t");
	la = strlen(a);
	lb = strlen(b);
	while (la > 0 && (a[la - 1] == ' ' || a[la - 1] == '\t'))
		la--;
	while (lb > 0 && (b[lb - 1] == ' ' || b[lb - 1] == '\t'))
		lb--;
	while (la > 0 && a[la - 1] == '.')
		la--;
	while (lb > 0 && b[lb - 1] == '.')
		lb--;
	return la == lb && la > 0 && strncasecmp(a, b, la) == 0;
}

/* authres_claims_id - whether any known reading of value finds authserv_id */
bool
authres_claims_id(const char *value, const char *authserv_id)
{
	static const unsigned readings[] = {
		READ_RFC, READ_QPAIR, READ_NEST, 0,
		READ_JUNK | READ_RFC, READ_JUNK | READ_QPAIR, READ_JUNK | READ_NEST, READ_JUNK,
		READ_SQUASH | READ_RFC, READ_SQUASH | READ_QPAIR, READ_SQUASH | READ_NEST,
		READ_SQUASH, READ_SQUASH | READ_JUNK | READ_RFC,
		READ_SQUASH | READ_JUNK | READ_QPAIR, READ_SQUASH | READ_JUNK | READ_NEST,
		READ_SQUASH | READ_JUNK,
	};
	char id[ID_MAX];

	if (value == NULL || authserv_id == NULL)
		return false;
	for (size_t i = 0; i < NELEM(readings); i++)
		if (read_servid(value, readings[i], id, sizeof id) == 0 &&
		    same_id(id, authserv_id))
			return true;
	return false;
}

/* quote_value - as authres_quote_value; tokens_only: no local@domain form */
static void
quote_value(struct buf *out, const char *s, bool tokens_only)
{
	hdr_value(out, s, MAX_VALUE, HDR_PLAIN_TOKEN | (tokens_only ? 0 : HDR_PLAIN_ADDRESS));
}

/* authres_quote_value - s as an RFC 8601 pvalue: token, address or quoted-string */
void
authres_quote_value(struct buf *out, const char *s)
{
	quote_value(out, s != NULL ? s : "", false);
}

/* add_comment - " (text)" with the comment's specials escaped */
static void
add_comment(struct buf *out, const char *text)
{
	if (text == NULL || *text == '\0')
		return;
	buf_adds(out, " (");
	hdr_comment_text(out, text, strnlen(text, MAX_COMMENT + 1), MAX_COMMENT, 0);
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
			buf_addc(&piece, hdr_is_token_char((unsigned char)*p) ||
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

/* start_result - begin "method=result (comment)" */
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

/* add_spf_mailfrom - the MAIL FROM result; the null sender is postmaster@HELO; an
 * upstream result shows where it came from */
static void
add_spf_mailfrom(struct buf *out, struct arline *l, bool *first,
    const struct spf_outcome *o, bool upstream)
{
	struct buf addr;

	buf_init(&addr);
	if (o->sender != NULL && *o->sender != '\0')
		buf_adds(&addr, o->sender);
	else if (o->helo != NULL && *o->helo != '\0')
		buf_printf(&addr, "postmaster@%s", o->helo);
	start_result(l, "spf", spf_result_name(o->result),
	    upstream ? o->reason : spf_comment(o));
	add_prop(l, "smtp.mailfrom", buf_str(&addr), false);
	end_result(out, l, first);
	buf_free(&addr);
}

/* add_dmarc - the DMARC result with its policy comment */
static void
add_dmarc(struct buf *out, struct arline *l, bool *first, const struct dmarc_outcome *d)
{
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
	start_result(l, "dmarc", dmarc_result_name(d->result), buf_str(&c));
	add_prop(l, "header.from", d->from_domain, false);
	end_result(out, l, first);
	buf_free(&c);
}

/* add_arc - the ARC chain validation status (RFC 8617 section 6) */
static void
add_arc(struct buf *out, struct arline *l, bool *first, const struct arc_result *a,
    const char *ip, bool override)
{
	struct buf c;
	char op[16];

	buf_init(&c);
	if (a->cv == ARC_PASS)
		buf_printf(&c, "%u set%s, sealed by %s%s", a->nsets, a->nsets == 1 ? "" : "s",
		    a->sealer, override ? ", trusted: DMARC policy not applied" : "");
	else if (a->cv == ARC_FAIL)
		buf_printf(&c, "%s%s", a->reason, a->temporary ?
		    ", temporary DNS failure" : "");
	start_result(l, "arc", arc_cv_name(a->cv), buf_str(&c));
	if (a->cv != ARC_NONE)
		add_prop(l, "smtp.remote-ip", ip, false);
	if (a->cv == ARC_PASS && a->oldest_pass >= 0) {
		snprintf(op, sizeof op, "%d", a->oldest_pass);
		add_prop(l, "header.oldest-pass", op, false);
	}
	end_result(out, l, first);
	buf_free(&c);
}

/* authres_build - the value of our one Authentication-Results field */
void
authres_build(struct buf *out, const char *authserv_id, const struct auth_results *in,
    bool arc_override)
{
	struct arline l;
	bool first = true;

	buf_init(&l.text);
	quote_value(out, authserv_id != NULL ? authserv_id : "", true);
	buf_addc(out, ';');
	if (in->spf_mailfrom != NULL)
		add_spf_mailfrom(out, &l, &first, in->spf_mailfrom, in->spf_upstream);
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
	if (in->dmarc != NULL)
		add_dmarc(out, &l, &first, in->dmarc);
	if (in->arc != NULL && !in->internal_error)
		add_arc(out, &l, &first, in->arc, in->remote_ip, arc_override);
	if (first)
		buf_adds(out, " none");
	buf_free(&l.text);
}
