/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	dmarc_record - the DMARC record grammar and the DMARC URI list
 * SYNOPSIS
 *	#include "dmarc_record.h"
 *	(see dmarc_record.h)
 * DESCRIPTION
 *	Owns the text of a DMARC Policy Record (RFC 9989 section 4.7, the tag-value
 *	syntax of RFC 6376): the version test, the tags and their values, and the
 *	comma-separated URI list of rua= (the one splitter lib/report uses too).
 *	Record parsing is ours, not libopendmarc's: its parser takes any prefix of a
 *	keyword ("p=r" means reject, "p=" is skipped), turns "pct=abc" into 0, and
 *	drops the whole record for one bad rf= or fo= value. Here tags and keyword
 *	values are case-insensitive, the first occurrence of a tag counts, unknown tags
 *	(and the historic rf=, ri=) are ignored, invalid optional values take their
 *	default (adkim/aspf r, pct 100, t n, psd u); p=, sp= and np= invalid are
 *	flagged for discovery (lib/dmarc decides what they mean). pct is historic
 *	(RFC 9989 Appendix A.6): with no t= tag, pct=0 reads as t=y; any other value
 *	is kept only for reports. rua= and fo= values are kept for reports, cut at a
 *	separator when too long so no URI is kept half.
 *
 *	URI list: elements split at ',', blanks (SP, HTAB, CR, LF) trimmed, empty
 *	elements skipped; a trailing "!size" (RFC 7489; RFC 9989 removed it) is split
 *	off for those who still read it; the scheme is RFC 3986's; an element is a
 *	valid URI when scheme ":" is followed by at least one visible ASCII character
 *	and nothing else.
 * SEE ALSO
 *	RFC 9989 section 4.7 and 4.8, RFC 3986 section 3.1.
 */
#include "autoconf.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "dmarc_record.h"

/* is_wsp - RFC 5234 WSP */
static bool
is_wsp(int c)
{
	return c == ' ' || c == '\t';
}

/* version_end - length of a leading "v=DMARC1" (WSP allowed around '='), or 0 */
static size_t
version_end(const char *d, size_t len)
{
	size_t i = 0;

	if (len < 1 || (d[0] != 'v' && d[0] != 'V'))
		return 0;
	for (i = 1; i < len && is_wsp(d[i]); i++)
		;
	if (i >= len || d[i] != '=')
		return 0;
	for (i++; i < len && is_wsp(d[i]); i++)
		;
	if (len - i < 6 || strncasecmp(d + i, "DMARC1", 6) != 0)
		return 0;
	i += 6;
	if (i < len && d[i] != ';' && !is_wsp(d[i]))
		return 0;
	return i;
}

/* dmarc_record_is_v1 - TXT rdata starts with "v=DMARC1" (version_end() > 0) */
bool
dmarc_record_is_v1(const char *d, size_t len)
{
	return d != NULL && version_end(d, len) > 0;
}

/* word_eq - counted string equals word, case-insensitive */
static bool
word_eq(const char *p, size_t n, const char *word)
{
	return strlen(word) == n && strncasecmp(p, word, n) == 0;
}

/* policy_word - none/quarantine/reject or DMP_UNSET */
static enum dmarc_policy
policy_word(const char *p, size_t n)
{
	if (word_eq(p, n, "none"))
		return DMP_NONE;
	if (word_eq(p, n, "quarantine"))
		return DMP_QUARANTINE;
	if (word_eq(p, n, "reject"))
		return DMP_REJECT;
	return DMP_UNSET;
}

/* is_blank - blanks around the URIs of a list */
static bool
is_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* dmarc_uri_next - the next non-empty element of a DMARC URI list */
bool
dmarc_uri_next(const char **pp, const char *end, struct dmarc_uri *u)
{
	const char *p = *pp, *e, *bang = NULL;
	size_t n, i;

	for (;;) {
		if (p >= end)
			return false;
		for (e = p; e < end && *e != ','; e++)
			;
		*pp = e < end ? e + 1 : end;
		while (p < e && is_blank(*p))
			p++;
		while (e > p && is_blank(e[-1]))
			e--;
		if (e > p)
			break;
		p = *pp;
	}
	memset(u, 0, sizeof(*u));
	for (i = (size_t)(e - p); i > 0; i--)
		if (p[i - 1] == '!') {
			bang = p + i - 1;
			break;
		}
	n = (size_t)(e - p);
	if (bang != NULL) {
		u->size = bang + 1;
		u->size_len = (size_t)(e - bang - 1);
		n = (size_t)(bang - p);
		while (n > 0 && is_blank(p[n - 1]))
			n--;
	}
	u->uri = p;
	u->len = n;
	/* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) (RFC 3986 section 3.1) */
	for (i = 0; i < n && p[i] != ':'; i++)
		if (!(isalpha((unsigned char)p[i]) || (i > 0 &&
		    (isdigit((unsigned char)p[i]) || strchr("+-.", p[i]) != NULL))))
			break;
	if (i == 0 || i >= n || p[i] != ':')
		return true;
	u->scheme_len = i;
	u->valid = i + 1 < n;
	for (i++; i < n; i++)
		if ((unsigned char)p[i] <= ' ' || (unsigned char)p[i] >= 0x7f)
			u->valid = false;
	return true;
}

/* rua_valid - at least one valid URI in the list */
static bool
rua_valid(const char *p, size_t n)
{
	const char *end = p + n;
	struct dmarc_uri u;

	while (dmarc_uri_next(&p, end, &u))
		if (u.valid)
			return true;
	return false;
}

/* keep_value - copy a tag value for reports; one too long is cut at the last
 * separator that fits, so no URI or option is ever kept half */
static void
keep_value(char *dst, size_t size, const char *v, size_t n, char sep)
{
	if (n >= size) {
		for (n = size - 1; n > 0 && v[n] != sep; n--)
			;
	}
	memcpy(dst, v, n);
	dst[n] = '\0';
}

/* dmarc_record_parse - RFC 9989 section 4.7 tag-list into r */
void
dmarc_record_parse(const char *d, size_t len, struct dmarc_rec *r)
{
	size_t i, start, eq, ts, te, vs, ve;
	bool psd_seen = false;

	memset(r, 0, sizeof(*r));
	r->pct = 100;
	r->psd = 'u';
	r->adkim = r->aspf = 'r';
	start = version_end(d, len);
	while (start < len) {
		for (i = start; i < len && d[i] != ';'; i++)
			;
		/* one tag-spec in [start, i) */
		for (eq = start; eq < i && d[eq] != '='; eq++)
			;
		for (ts = start; ts < eq && is_wsp(d[ts]); ts++)
			;
		for (te = eq; te > ts && is_wsp(d[te - 1]); te--)
			;
		for (vs = eq + 1; vs < i && is_wsp(d[vs]); vs++)
			;
		for (ve = i; ve > vs && is_wsp(d[ve - 1]); ve--)
			;
		if (eq < i && te > ts) {
			const char *t = d + ts, *v = d + vs;
			size_t tn = te - ts, vn = ve > vs ? ve - vs : 0;

			if (word_eq(t, tn, "p") && !r->p_seen) {
				r->p_seen = true;
				r->p = policy_word(v, vn);
				r->p_bad = r->p == DMP_UNSET;
			} else if (word_eq(t, tn, "sp") && !r->sp_seen) {
				r->sp_seen = true;
				r->sp = policy_word(v, vn);
				r->sp_bad = r->sp == DMP_UNSET;
			} else if (word_eq(t, tn, "np") && !r->np_seen) {
				r->np_seen = true;
				r->np = policy_word(v, vn);
				r->np_bad = r->np == DMP_UNSET;
			} else if (word_eq(t, tn, "psd") && !psd_seen) {
				psd_seen = true;
				if (word_eq(v, vn, "y") || word_eq(v, vn, "n"))
					r->psd = (char)tolower((unsigned char)v[0]);
			} else if (word_eq(t, tn, "t") && !r->t_seen) {
				r->t_seen = true;
				r->testing = word_eq(v, vn, "y");
			} else if (word_eq(t, tn, "adkim") && !r->adkim_seen) {
				r->adkim_seen = true;
				if (word_eq(v, vn, "s") || word_eq(v, vn, "r"))
					r->adkim = (char)tolower((unsigned char)v[0]);
			} else if (word_eq(t, tn, "aspf") && !r->aspf_seen) {
				r->aspf_seen = true;
				if (word_eq(v, vn, "s") || word_eq(v, vn, "r"))
					r->aspf = (char)tolower((unsigned char)v[0]);
			} else if (word_eq(t, tn, "pct") && !r->pct_seen) {
				unsigned n = 0;
				size_t k;

				r->pct_seen = true;
				for (k = 0; k < vn && k < 4 && isdigit((unsigned char)v[k]); k++)
					n = n * 10 + (unsigned)(v[k] - '0');
				if (vn >= 1 && vn <= 3 && k == vn && n <= 100)
					r->pct = n;
			} else if (word_eq(t, tn, "rua") && r->rua[0] == '\0') {
				r->rua_valid = rua_valid(v, vn);
				keep_value(r->rua, sizeof r->rua, v, vn, ',');
			} else if (word_eq(t, tn, "fo") && r->fo[0] == '\0') {
				keep_value(r->fo, sizeof r->fo, v, vn, ':');
			}
		}
		start = i + 1;
	}
	/* RFC 9989 Appendix A.6 (pct is historic): t=y stands for what pct=0 meant,
	   any other pct= value is ignored */
	if (!r->t_seen && r->pct_seen && r->pct == 0)
		r->testing = true;
}
