/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * arc_trust.c - TrustedARCSealers: when a validated ARC chain overrides DMARC
 *	(see arc_trust.h)
 *
 * Owns the reading of a trusted sealer's ARC-Authentication-Results (RFC 8617
 * 4.1.1: an authres-payload, RFC 8601 2.2) and the rule of RFC 8617 7.2 ("Internet
 * Mail Handlers MAY inform local policy decisions ... that experience
 * authentication failure due to intermediate processing"): only a chain that
 * validated, sealed last by a listed domain, whose own AAR says the message
 * authenticated for its From domain when it reached that sealer. What the AAR
 * says is believed only because the sealer is trusted and its seal over that AAR
 * verified; nothing from an untrusted or broken chain is ever read.
 * The AAR is read leniently (comments dropped, a method's /version ignored,
 * quoted values unquoted); an unparseable result counts as no result.
 */
#include "autoconf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arc.h"
#include "arc_sig.h"
#include "arc_trust.h"
#include "dmarc.h"
#include "util.h"

#define MAX_AAR		8192		/* AAR bytes read */
#define MAX_PROPS	16

struct resinfo {
	char method[32], result[32];
	size_t nprops;
	char *pname[MAX_PROPS];		/* "header.d" ... */
	char *pval[MAX_PROPS];
};

/* flatten - copy of an AAR value with comments and line ends as blanks */
static char *
flatten(const char *v, size_t len)
{
	char *o = xmalloc(len + 1);
	int depth = 0;
	bool quote = false;

	for (size_t i = 0; i < len; i++) {
		char c = v[i];

		if (c == '\\' && i + 1 < len && (quote || depth > 0)) {
			o[i] = depth > 0 ? ' ' : c;
			i++;
			o[i] = depth > 0 ? ' ' : v[i];
			continue;
		}
		if (!quote && c == '(')
			depth++;
		if (depth == 0 && c == '"')
			quote = !quote;
		o[i] = depth > 0 || c == '\r' || c == '\n' || c == '\t' ? ' ' : c;
		if (!quote && c == ')' && depth > 0)
			depth--;
	}
	o[len] = '\0';
	return o;
}

/* next_seg - the next ';'-separated segment (quotes respected); NULL at the end */
static char *
next_seg(char **p)
{
	char *s = *p, *q;
	bool quote = false;

	if (s == NULL)
		return NULL;
	for (q = s; *q != '\0'; q++) {
		if (quote && *q == '\\' && q[1] != '\0')
			q++;		/* a quoted-pair: '"' or ';' as text */
		else if (*q == '"')
			quote = !quote;
		else if (*q == ';' && !quote)
			break;
	}
	if (*q == ';') {
		*q = '\0';
		*p = q + 1;
	} else {
		*p = NULL;
	}
	return str_trim(s);
}

/* next_word - the next blank-separated word at *p, a quoted-string kept whole
 * (its blanks and quoted-pairs are text); NULL at the end */
static char *
next_word(char **p)
{
	char *s = *p, *q;
	bool quote = false;

	while (*s == ' ')
		s++;
	if (*s == '\0')
		return NULL;
	for (q = s; *q != '\0' && (quote || *q != ' '); q++) {
		if (quote && *q == '\\' && q[1] != '\0')
			q++;
		else if (*q == '"')
			quote = !quote;
	}
	if (*q != '\0')
		*q++ = '\0';
	*p = q;
	return s;
}

/* unquote - a value that is one whole quoted-string, in place, without its quotes
 * and quoted-pairs; any other value as it is */
static char *
unquote(char *v)
{
	char *r, *o = v;

	if (*v != '"')
		return v;
	for (r = v + 1; *r != '\0' && *r != '"'; r++)
		if (*r == '\\' && r[1] != '\0')
			r++;
	if (*r != '"' || r[1] != '\0')
		return v;	/* e.g. "local"@domain: kept as written */
	for (r = v + 1; *r != '"'; r++) {
		if (*r == '\\')
			r++;
		*o++ = *r;
	}
	*o = '\0';
	return v;
}

/* parse_res - one resinfo "method[/v]=result ptype.prop=value ..." */
static bool
parse_res(char *seg, struct resinfo *r)
{
	char *tok, *save = seg, *eq, *slash;

	memset(r, 0, sizeof *r);
	if ((tok = next_word(&save)) == NULL || (eq = strchr(tok, '=')) == NULL)
		return false;
	*eq = '\0';
	if ((slash = strchr(tok, '/')) != NULL)
		*slash = '\0';
	strlcpy(r->method, str_lower(str_trim(tok)), sizeof r->method);
	strlcpy(r->result, str_lower(str_trim(eq + 1)), sizeof r->result);
	while ((tok = next_word(&save)) != NULL && r->nprops < MAX_PROPS) {
		if ((eq = strchr(tok, '=')) == NULL)
			continue;
		*eq = '\0';
		r->pname[r->nprops] = str_lower(tok);
		r->pval[r->nprops] = unquote(eq + 1);
		r->nprops++;
	}
	return r->method[0] != '\0';
}

/* prop - a property's value, or NULL */
static const char *
prop(const struct resinfo *r, const char *name)
{
	for (size_t i = 0; i < r->nprops; i++)
		if (strcmp(r->pname[i], name) == 0)
			return r->pval[i];
	return NULL;
}

typedef bool res_fn(const struct resinfo *r, void *arg);

/* each_result - call fn for each result of AAR i until it returns true */
static bool
each_result(const struct arc_msg *m, unsigned i, res_fn *fn, void *arg)
{
	size_t len;
	const char *v = arc_field_value(m, ARC_AAR, i, &len);
	char *copy, *p, *seg;
	bool hit = false;
	int n = 0;

	if (v == NULL)
		return false;
	copy = flatten(v, len < MAX_AAR ? len : MAX_AAR);
	p = copy;
	while (!hit && (seg = next_seg(&p)) != NULL) {
		struct resinfo r;

		if (n++ < 2)
			continue;	/* "i=N" and the authserv-id */
		if (parse_res(seg, &r))
			hit = fn(&r, arg);
	}
	free(copy);
	return hit;
}

struct vouch {
	const struct dmarc_engine *dmarc;
	struct dmarc_walk *walk;
	enum dmarc_discovery mode;
	const char *from;
	char adkim, aspf;
	char *why;
	size_t wl;
};

/* domain_of - the domain of an address or of "@domain" */
static const char *
domain_of(const char *s)
{
	const char *at = s != NULL ? strrchr(s, '@') : NULL;

	return at != NULL ? at + 1 : s;
}

/* vouch_one - is this result an authentication of the From domain? */
static bool
vouch_one(const struct resinfo *r, void *arg)
{
	struct vouch *v = arg;
	const char *d;
	char norm[256];

	if (strcmp(r->result, "pass") != 0)
		return false;
	if (strcmp(r->method, "dmarc") == 0) {
		d = prop(r, "header.from");
		if (d != NULL && dmarc_domain_normalize(d, norm, sizeof norm) == 0 &&
		    strcmp(norm, v->from) == 0) {
			snprintf(v->why, v->wl, "dmarc=pass header.from=%s", norm);
			return true;
		}
	} else if (strcmp(r->method, "dkim") == 0) {
		d = prop(r, "header.d");
		if (d == NULL)
			d = domain_of(prop(r, "header.i"));
		if (d != NULL && dmarc_domain_normalize(d, norm, sizeof norm) == 0 &&
		    dmarc_id_aligned(v->dmarc, v->walk, v->mode, norm, v->from,
		    v->adkim) > 0) {
			snprintf(v->why, v->wl, "dkim=pass header.d=%s", norm);
			return true;
		}
	} else if (strcmp(r->method, "spf") == 0) {
		d = domain_of(prop(r, "smtp.mailfrom"));
		if (d != NULL && dmarc_domain_normalize(d, norm, sizeof norm) == 0 &&
		    dmarc_id_aligned(v->dmarc, v->walk, v->mode, norm, v->from,
		    v->aspf) > 0) {
			snprintf(v->why, v->wl, "spf=pass smtp.mailfrom domain %s", norm);
			return true;
		}
	}
	return false;
}

/* listed - is d one of the trusted names? */
static bool
listed(char *const *trusted, const char *d)
{
	for (; trusted != NULL && *trusted != NULL; trusted++) {
		size_t n = strlen(*trusted);

		if (n > 0 && (*trusted)[n - 1] == '.')
			n--;
		if (n > 0 && strlen(d) == n && strncasecmp(*trusted, d, n) == 0)
			return true;
	}
	return false;
}

/* signs_from - does the newest AMS list From in h=? */
static bool
signs_from(const struct arc_msg *m, unsigned n)
{
	size_t len;
	const char *v = arc_field_value(m, ARC_AMS, n, &len);
	struct arc_tags t;
	const struct arc_tag *h;

	if (v == NULL || arc_tags_parse(v, len, &t) != 0 ||
	    (h = arc_tag_get(&t, "h")) == NULL)
		return false;
	for (size_t i = 0; i < h->vlen; ) {
		size_t j = i, a, b;

		while (j < h->vlen && h->v[j] != ':')
			j++;
		for (a = i; a < j && isspace((unsigned char)h->v[a]); a++)
			;
		for (b = j; b > a && isspace((unsigned char)h->v[b - 1]); b--)
			;
		if (b - a == 4 && strncasecmp(h->v + a, "from", 4) == 0)
			return true;
		i = j + 1;
	}
	return false;
}

/* arc_trust_vouch - may this chain override a DMARC failure of from_domain? */
bool
arc_trust_vouch(const struct arc_msg *m, char *const *trusted,
    const struct dmarc_engine *dmarc, struct dns_session *dns,
    enum dmarc_discovery mode, const char *from_domain, char adkim, char aspf,
    char *why, size_t whylen)
{
	const struct arc_result *r = m != NULL ? arc_result(m) : NULL;
	struct vouch v = { dmarc, NULL, mode, from_domain, adkim, aspf, why, whylen };
	bool hit;

	snprintf(why, whylen, "no validated ARC chain");
	if (r == NULL || r->cv != ARC_PASS || from_domain == NULL || *from_domain == '\0')
		return false;
	if (!listed(trusted, r->sealer)) {
		snprintf(why, whylen, "sealer %s not trusted", r->sealer);
		return false;
	}
	if (!signs_from(m, r->nsets)) {
		snprintf(why, whylen, "newest ARC-Message-Signature does not sign From");
		return false;
	}
	v.walk = dmarc_walk_new(dns);
	hit = each_result(m, r->nsets, vouch_one, &v);
	dmarc_walk_free(v.walk);
	if (!hit) {
		snprintf(why, whylen, "sealer %s recorded no pass aligned with %s",
		    r->sealer, from_domain);
		return false;
	}
	return true;
}

/* remote_ip - smtp.remote-ip or smtp.client-ip of a result */
static bool
remote_ip(const struct resinfo *r, void *arg)
{
	const char *ip = prop(r, "smtp.remote-ip");

	if (ip == NULL)
		ip = prop(r, "smtp.client-ip");
	if (ip == NULL)
		return false;
	str_sanitize(arg, ip, 64);
	return true;
}

/* arc_trust_comment - "arc=pass as[N].d=D as[N].s=S ..." (RFC 8617 7.2.2) */
void
arc_trust_comment(const struct arc_msg *m, struct buf *out)
{
	const struct arc_result *r = arc_result(m);
	struct buf ip;

	buf_printf(out, "arc=%s", arc_cv_name(r->cv));
	for (unsigned i = r->nsets; r->cv == ARC_PASS && i >= 1; i--) {
		size_t len;
		const char *v = arc_field_value(m, ARC_AS, i, &len);
		struct arc_tags t;
		const struct arc_tag *d, *s;

		if (v == NULL || arc_tags_parse(v, len, &t) != 0 ||
		    (d = arc_tag_get(&t, "d")) == NULL || (s = arc_tag_get(&t, "s")) == NULL)
			continue;
		buf_printf(out, " as[%u].d=%.*s as[%u].s=%.*s", i, (int)d->vlen, d->v, i,
		    (int)s->vlen, s->v);
	}
	buf_init(&ip);
	if (r->cv == ARC_PASS && each_result(m, 1, remote_ip, &ip))
		buf_printf(out, " remote-ip[1]=%s", buf_str(&ip));
	buf_free(&ip);
}

/* arc_trust_retry - failed on a temporary DNS error, newest seal claims trusted d= */
bool
arc_trust_retry(const struct arc_msg *m, char *const *trusted)
{
	const struct arc_result *r = m != NULL ? arc_result(m) : NULL;

	return r != NULL && r->cv == ARC_FAIL && r->temporary && r->claimed[0] != '\0' &&
	    listed(trusted, r->claimed);
}
