/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dkim_fields.c - header fields for lib/dkim.c: what is kept of them, the checks of
 * signature fields, what the library is given, the result fields they fill
 * SYNOPSIS
 *	see dkim.h (dkv_header, dkv_feed_raw) and dkim_int.h
 * DESCRIPTION
 *	Owns the header side of a DKIM verification (the decisions are listed in
 *	lib/dkim.c):
 *	- dkv_header keeps each field as "Name:value" with CRLF folding until dkv_eoh
 *	  (at most MaximumHeaderFields of them) and checks each DKIM-Signature field
 *	  itself: 8-bit or control bytes, a tag named twice (RFC 6376 3.2), an '=' in
 *	  i= or z= that does not start "=XX" (made '?', see qp_fix). More than
 *	  MaximumSignatureFields of them drop the library for the message.
 *	- dkh_hand_over gives lib/dkim_screen.c the fields and our screening reasons
 *	  and hands the library the header fields it selected, in their order.
 *	- The result fields: d=, s=, i=, a=, key bits and b= of a library signature
 *	  (dkh_fill_ids) or from our own parse of the field (dkh_fill_raw), attacker
 *	  text sanitized (DKV_MAX_TEXT bytes) and d= lowercased; dkh_unique_b cuts
 *	  every header.b= to the shortest prefix (at least 8) unique in the message.
 *	- dkv_feed_raw: a whole raw message (self-test, tests, tools).
 */
#include "autoconf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#include "dkim_int.h"
#include "util.h"

#define DKV_MIN_B	8		/* shortest header.b= prefix */

/* --- small helpers ------------------------------------------------------------ */

/* clean_dup - sanitized (and optionally lowercased) copy of attacker text */
static char *
clean_dup(const char *s, bool lower)
{
	struct buf b;

	buf_init(&b);
	str_sanitize(&b, s != NULL ? s : "", DKV_MAX_TEXT);
	if (lower && b.data != NULL)
		str_lower(b.data);
	return b.data != NULL ? buf_steal(&b) : xstrdup("");
}

/* alg_name - a= of a signature in words */
static const char *
alg_name(DKIM_SIGINFO *sig)
{
	dkim_alg_t alg = DKIM_SIGN_UNKNOWN;

	if (dkim_sig_getsignalg(sig, &alg) != DKIM_STAT_OK)
		alg = DKIM_SIGN_UNKNOWN;
	switch (alg) {
	case DKIM_SIGN_RSASHA1: return "rsa-sha1";
	case DKIM_SIGN_RSASHA256: return "rsa-sha256";
	case DKIM_SIGN_ED25519SHA256: return "ed25519-sha256";
	default: return NULL;
	}
}

/* --- header fields ------------------------------------------------------------ */

/* drop_library - stop verifying this message in libopendkim */
void
dkh_drop_library(struct dkv_msg *m)
{
	if (m->dkim != NULL) {
		dkim_free(m->dkim);
		m->dkim = NULL;
	}
}

/* tag_name - the name of the tag starting at p (blanks skipped) */
static size_t
tag_name(const char *p, const char **start)
{
	size_t n = 0;

	while (isspace((unsigned char)*p))
		p++;
	*start = p;
	while (isalnum((unsigned char)p[n]) || p[n] == '_')
		n++;
	return n;
}

/* qp_fix - turn every '=' in an i= or z= value that does not start "=XX" (two
 * uppercase hex digits, RFC 6376 2.11) into '?'; true when it changed one.
 * libopendkim's dkim_qp_decode() steps over the end of a value ending in "=" or
 * "=X" and reads (and copies) past its buffer: found by t/fuzz/fuzz_dkim. */
static bool
qp_fix(char *v, size_t len)
{
	bool changed = false;
	char *p = v, *end = v + len;

	while (p < end) {
		char *stop = memchr(p, ';', (size_t)(end - p));
		char *q = p;

		if (stop == NULL)
			stop = end;
		while (q < stop && isspace((unsigned char)*q))
			q++;
		if (q < stop && (*q == 'i' || *q == 'z')) {
			q++;
			while (q < stop && isspace((unsigned char)*q))
				q++;
			if (q < stop && *q == '=') {
				for (char *x = q + 1; x < stop; x++) {
					if (*x != '=')
						continue;
					if (x + 2 < stop && isxdigit((unsigned char)x[1]) &&
					    isxdigit((unsigned char)x[2]) &&
					    !islower((unsigned char)x[1]) &&
					    !islower((unsigned char)x[2]))
						continue;
					*x = '?';
					changed = true;
				}
			}
		}
		p = stop + 1;
	}
	return changed;
}

/*
 * has_dup_tag - RFC 6376 3.2: a tag-list with a repeated tag name is invalid.
 * Names are compared ignoring case, as libopendkim does (its last "H=" would
 * replace "h="); a list of more than 64 tags counts as repeating one.
 */
static bool
has_dup_tag(const char *v)
{
	const char *names[64];
	size_t lens[64], n = 0;

	for (const char *p = v; p != NULL && *p != '\0';) {
		const char *start;
		size_t l = tag_name(p, &start);

		for (size_t i = 0; l > 0 && i < n; i++)
			if (lens[i] == l && strncasecmp(names[i], start, l) == 0)
				return true;
		if (l > 0 && n == NELEM(names))
			return true;
		if (l > 0) {
			names[n] = start;
			lens[n++] = l;
		}
		p = strchr(p, ';');
		if (p != NULL)
			p++;
	}
	return false;
}

void
dkv_header(struct dkv_msg *m, const char *name, const char *value)
{
	struct buf f;
	struct hfield *h;
	bool is_sig;

	if (m == NULL || name == NULL || *name == '\0' || m->eoh_done)
		return;
	if (value == NULL)
		value = "";
	is_sig = strcasecmp(name, "DKIM-Signature") == 0;
	if (is_sig) {
		m->nfields++;
		if (m->nfields > m->max_fields) {
			m->too_many = true;
			dkh_drop_library(m);
			return;
		}
		m->raw[m->nfields - 1].value = xstrndup(value, DKV_MAX_RAW);
		for (const unsigned char *p = (const unsigned char *)value; *p; p++)
			if (*p >= 0x7f || (*p < 0x20 && *p != '\t' && *p != '\r' &&
			    *p != '\n'))
				m->raw[m->nfields - 1].junk = true;
		m->raw[m->nfields - 1].dup = has_dup_tag(value);
	}
	if (m->dkim == NULL)
		return;
	/* kept until dkv_eoh decides what the library gets; past the limit no
	 * signature is verified, so nothing more is kept */
	if (++m->nheaders > m->max_headers)
		m->hdr_overflow = true;
	if (m->hdr_overflow)
		return;
	buf_init(&f);
	buf_adds(&f, name);
	buf_addc(&f, ':');
	for (const char *p = value; *p != '\0'; p++) {
		if (*p == '\n' && (p == value || p[-1] != '\r'))
			buf_addc(&f, '\r');
		buf_addc(&f, *p);
	}
	if (is_sig && qp_fix(f.data + strlen(name) + 1, f.len - strlen(name) - 1))
		m->raw[m->nfields - 1].badqp = true;
	if (m->nhf % 64 == 0)
		m->hf = xreallocarray(m->hf, m->nhf + 64, sizeof *m->hf);
	h = &m->hf[m->nhf++];
	h->len = f.len;
	h->namelen = strlen(name);
	h->sig = is_sig ? (int)m->nfields - 1 : -1;
	h->text = buf_steal(&f);
}

/* free_fields - the kept header fields, once the library has its share */
void
dkh_free_fields(struct dkv_msg *m)
{
	for (size_t i = 0; i < m->nhf; i++)
		free(m->hf[i].text);
	free(m->hf);
	m->hf = NULL;
	m->nhf = 0;
}

/* screen_reason - our own permerror for a signature field, or NULL */
static const char *
screen_reason(const struct rawsig *r)
{
	if (r->junk)
		return "8-bit or control bytes in the signature field";
	if (r->badqp)
		return "malformed quoted-printable in i= or z=";
	if (r->dup)
		return "a tag appears twice in the signature field (or over 64 tags)";
	return NULL;
}

/*
 * hand_over - decide what the library gets (lib/dkim_screen.c) and give it those
 * header fields, in their order; returns the number of signatures given
 */
size_t
dkh_hand_over(struct dkv_msg *m, const char *from_domain)
{
	struct dks_field *f = xcalloc(m->nhf ? m->nhf : 1, sizeof *f);
	struct dks_sig *sg = xcalloc(m->nfields, sizeof *sg);
	bool *fed = xcalloc(m->nhf ? m->nhf : 1, sizeof *fed);
	struct dks_limits lim = { m->max_sigs, m->max_signed };

	for (size_t i = 0; i < m->nhf; i++) {
		f[i].text = m->hf[i].text;
		f[i].len = m->hf[i].len;
		f[i].namelen = m->hf[i].namelen;
		f[i].sig = m->hf[i].sig;
		if (f[i].sig >= 0)
			sg[f[i].sig].field = i;
	}
	for (unsigned i = 0; i < m->nfields; i++) {
		const char *why = screen_reason(&m->raw[i]);

		if (why != NULL) {
			sg[i].state = DKS_SCREENED;
			snprintf(sg[i].reason, sizeof sg[i].reason, "%s", why);
		}
	}
	(void)dks_select(f, m->nhf, sg, m->nfields, from_domain, &lim, fed);
	m->fedsig = xcalloc(m->nfields, sizeof *m->fedsig);
	for (unsigned i = 0; i < m->nfields; i++) {
		m->raw[i].scr = sg[i];
		if (sg[i].fed) {
			m->fedsig[m->nfedsig++] = i;
			m->work.sigs++;
			m->work.entries += sg[i].nh;
		}
	}
	for (size_t i = 0; i < m->nhf; i++) {
		if (!fed[i])
			continue;
		m->work.fields++;
		/* a failure concerns this field only: it is reported at dkv_eom */
		(void)dkim_header(m->dkim, (unsigned char *)m->hf[i].text, m->hf[i].len);
	}
	free(f);
	free(sg);
	free(fed);
	return m->nfedsig;
}

/* --- result fields from the signature fields ---------------------------------- */

/* fill_ids - domain, identity, selector, algorithm, key bits of a signature */
void
dkh_fill_ids(struct dkv_msg *m, DKIM_SIGINFO *sig, struct dkv_result *r)
{
	unsigned char id[DKIM_MAXHEADER + 1];
	unsigned int bits = 0;
	const char *a = (const char *)dkim_sig_gettagvalue(sig, false, (u_char *)"a");
	const char *d = (const char *)dkim_sig_getdomain(sig);

	r->domain = clean_dup(d, true);
	r->selector = clean_dup((const char *)dkim_sig_getselector(sig), false);
	if (dkim_sig_getidentity(m->dkim, sig, id, sizeof id) == DKIM_STAT_OK && id[0])
		r->identity = clean_dup((const char *)id, false);
	else {
		struct buf b;

		buf_init(&b);
		buf_addc(&b, '@');
		buf_adds(&b, r->domain);
		r->identity = buf_steal(&b);
	}
	if (a == NULL && (dkim_sig_getflags(sig) & DKIM_SIGFLAG_PROCESSED) != 0)
		a = alg_name(sig);
	r->algorithm = clean_dup(a, true);
	if ((dkim_sig_getflags(sig) & DKIM_SIGFLAG_IGNORE) == 0 &&
	    dkim_sig_getkeysize(sig, &bits) == DKIM_STAT_OK)
		r->key_bits = bits;
	r->b = clean_dup((const char *)dkim_sig_gettagvalue(sig, false, (u_char *)"b"),
	    false);
}

/* raw_tag - value of tag t in a raw signature field ("" if absent) */
static char *
raw_tag(const char *v, const char *t)
{
	char *x = dks_tag(v, t);

	return x != NULL ? x : xstrdup("");
}

/* fill_raw - a result from our own parse of a signature field */
void
dkh_fill_raw(struct dkv_result *r, const struct rawsig *raw)
{
	const char *v = raw != NULL ? raw->value : NULL;
	char *d = raw_tag(v, "d"), *s = raw_tag(v, "s"), *b = raw_tag(v, "b");
	char *a = raw_tag(v, "a"), *i = raw_tag(v, "i");

	r->domain = clean_dup(d, true);
	r->selector = clean_dup(s, false);
	r->b = clean_dup(b, false);
	r->algorithm = clean_dup(a, true);
	if (*i != '\0') {
		r->identity = clean_dup(i, false);
	} else {
		struct buf t;

		buf_init(&t);
		buf_addc(&t, '@');
		buf_adds(&t, r->domain);
		r->identity = buf_steal(&t);
	}
	free(d);
	free(s);
	free(b);
	free(a);
	free(i);
}

/* strip_blanks - b= values compared without folding */
static void
strip_blanks(char *s)
{
	char *w = s;

	for (; *s; s++)
		if (!isspace((unsigned char)*s))
			*w++ = *s;
	*w = '\0';
}

/* unique_b - cut each b= to the shortest prefix (>= 8) unique in this message */
void
dkh_unique_b(struct dkv_msg *m)
{
	size_t *need = xcalloc(m->nres ? m->nres : 1, sizeof *need);

	for (size_t i = 0; i < m->nres; i++)
		strip_blanks(m->res[i].b);
	for (size_t i = 0; i < m->nres; i++) {
		need[i] = DKV_MIN_B;
		for (size_t j = 0; j < m->nres; j++) {
			const char *x = m->res[i].b, *y = m->res[j].b;
			size_t c = 0;

			if (i == j || strcmp(x, y) == 0)
				continue;
			while (x[c] && x[c] == y[c])
				c++;
			if (c + 1 > need[i])
				need[i] = c + 1;
		}
	}
	for (size_t i = 0; i < m->nres; i++)
		if (strlen(m->res[i].b) > need[i])
			m->res[i].b[need[i]] = '\0';
	free(need);
}

/* --- whole messages (self-test, tests, tools) ----------------------------------- */

/* crude_from_domain - domain after the last '@' of the first From field */
static void
crude_from_domain(const char *value, char *out, size_t len)
{
	const char *at = strrchr(value, '@');
	size_t n = 0;

	out[0] = '\0';
	if (at == NULL)
		return;
	for (at++; *at && n + 1 < len && !strchr(" \t\r\n>;,", *at); at++)
		out[n++] = (char)tolower((unsigned char)*at);
	out[n] = '\0';
}

int
dkv_feed_raw(struct dkv_msg *m, struct dns_session *s, const char *from_domain,
    const unsigned char *p, size_t n)
{
	size_t i = 0;
	char fromd[256] = "";
	bool have_from = false;
	struct buf chunk;

	if (m == NULL)
		return -1;
	/* header fields: "Name:value" with folded continuation lines */
	while (i < n && p[i] != '\r' && p[i] != '\n') {
		size_t start = i, colon = 0, end;
		char *name, *value;

		for (;;) {
			while (i < n && p[i] != '\n')
				i++;
			if (i < n)
				i++;
			if (i >= n || (p[i] != ' ' && p[i] != '\t'))
				break;
		}
		end = i;
		while (end > start && (p[end - 1] == '\n' || p[end - 1] == '\r'))
			end--;
		while (start + colon < end && p[start + colon] != ':')
			colon++;
		if (start + colon >= end)
			continue;	/* not a header field: skipped */
		name = xstrndup((const char *)p + start, colon);
		value = xstrndup((const char *)p + start + colon + 1, end - start - colon - 1);
		while (*name && isspace((unsigned char)name[strlen(name) - 1]))
			name[strlen(name) - 1] = '\0';
		if (!have_from && strcasecmp(name, "From") == 0) {
			crude_from_domain(value, fromd, sizeof fromd);
			have_from = true;
		}
		dkv_header(m, name, value);
		free(name);
		free(value);
	}
	if (i < n && p[i] == '\r')
		i++;
	if (i < n && p[i] == '\n')
		i++;
	dkv_eoh(m, s, from_domain != NULL ? from_domain : fromd);
	/* body: bare LF becomes CRLF, fed in chunks */
	buf_init(&chunk);
	for (; i < n; i++) {
		if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
			buf_addc(&chunk, '\r');
		buf_addc(&chunk, p[i]);
		if (chunk.len >= 65536) {
			dkv_body(m, (const unsigned char *)chunk.data, chunk.len);
			buf_reset(&chunk);
		}
	}
	if (chunk.len > 0)
		dkv_body(m, (const unsigned char *)chunk.data, chunk.len);
	buf_free(&chunk);
	return 0;
}
