/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * upstream.c - SPF and DKIM results from a trusted upstream Authentication-Results
 * SYNOPSIS
 *	see upstream.h
 * DESCRIPTION
 *	Behind a gateway or backup MX that already authenticated the mail, our own SPF
 *	check would only see the gateway's address. TrustedAuthservIDs names the
 *	authserv-ids of such hosts, TrustedRelays their addresses; message.c calls
 *	upstream_header() only for a client in TrustedRelays, so a client anywhere
 *	else can write any field it likes: it is never read here.
 *
 *	The trust boundary. A hop adds its fields above everything it received; what
 *	the sender wrote is below the Received field the first trusted hop added. So
 *	the only field read is the topmost Authentication-Results field of the
 *	header, and only when nothing but Received fields is above it (our own MTA's
 *	and the relay's) and its authserv-id (RFC reading, compared without case) is
 *	in TrustedAuthservIDs. Any other field first (Subject, DKIM-Signature, an
 *	Authentication-Results field of another id, ours included) closes the
 *	boundary: nothing is read. Trusted-id fields lower down are never read, so a
 *	forgery sitting below the relay's real field changes nothing. The one thing
 *	position cannot tell apart is a relay that adds no field of its own to a
 *	message whose topmost field is a sender's forgery; RFC 8601 section 5 makes
 *	the relay remove fields that claim its id, and the documentation says that
 *	TrustedAuthservIDs is only for relays that add their field to every message.
 *	In a chain of gateways the last one must carry the results (mailauth with
 *	TrustedAuthservIDs does: it writes the upstream results into its own field).
 *
 *	What is read. spf=RESULT with smtp.mailfrom (the first such result): the SPF
 *	result for the domain of that address (the value after the last '@', or the
 *	value itself when it has none). dkim=RESULT with header.d (or, without it, the
 *	domain of header.i), up to UPSTREAM_MAX_DKIM of them, with header.i, header.s,
 *	header.b and header.a when present. smtp.helo results, dmarc=, arc= and every
 *	other method are ignored: DMARC is computed here, from our own _dmarc lookup
 *	and alignment. A result word outside RFC 8601's registry for its method, or a
 *	domain that is not a valid name, drops that one result. A value that does not
 *	parse (unterminated comment or quoted-string, a missing '=', a property
 *	without ptype.property form, an authserv-id that authres.c reads otherwise)
 *	gives no results at all: in every failure less is used, never more.
 */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "authres.h"
#include "dmarc.h"
#include "upstream.h"
#include "util.h"

#define MAX_WORD	1024		/* bytes of one word kept */
#define MAX_NEST	32		/* comment nesting followed */

enum tok { TK_END, TK_ERR, TK_SEMI, TK_EQ, TK_WORD };

struct lexer {
	const char *p;
	char word[MAX_WORD];
};

/* hdr_name_is - field name equality, case-insensitive, blanks before ':' ignored */
bool
hdr_name_is(const char *name, const char *want)
{
	size_t n = strlen(name), w = strlen(want);

	while (n > 0 && (name[n - 1] == ' ' || name[n - 1] == '\t'))
		n--;
	return n == w && strncasecmp(name, want, n) == 0;
}

/* skip_cfws - blanks, line ends and (nested) comments; -1 on an unterminated one */
static int
skip_cfws(struct lexer *lx)
{
	for (;;) {
		unsigned depth = 0;

		while (*lx->p == ' ' || *lx->p == '\t' || *lx->p == '\r' || *lx->p == '\n')
			lx->p++;
		if (*lx->p != '(')
			return 0;
		do {
			if (*lx->p == '\0' || depth > MAX_NEST)
				return -1;
			if (*lx->p == '\\' && lx->p[1] != '\0')
				lx->p++;
			else if (*lx->p == '(')
				depth++;
			else if (*lx->p == ')')
				depth--;
			lx->p++;
		} while (depth > 0);
	}
}

/* is_word_char - bytes of an unquoted word: a token, '.', '@' and '/' included */
static bool
is_word_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && strchr("()\";=", c) == NULL;
}

/* next_tok - the next token; a word (or quoted-string's content) in lx->word */
static enum tok
next_tok(struct lexer *lx)
{
	size_t n = 0;
	bool quoted = false;

	if (skip_cfws(lx) != 0)
		return TK_ERR;
	if (*lx->p == '\0')
		return TK_END;
	if (*lx->p == ';' || *lx->p == '=')
		return *lx->p++ == ';' ? TK_SEMI : TK_EQ;
	if (*lx->p == '"') {
		for (lx->p++; *lx->p != '"'; lx->p++) {
			if (*lx->p == '\\' && lx->p[1] != '\0')
				lx->p++;
			if (*lx->p == '\0' || n >= sizeof lx->word - 1)
				return TK_ERR;
			lx->word[n++] = *lx->p;
		}
		lx->p++;	/* a quoted local-part goes on with "@domain" */
		quoted = true;
	}
	while (is_word_char((unsigned char)*lx->p)) {
		if (n >= sizeof lx->word - 1)
			return TK_ERR;
		lx->word[n++] = *lx->p++;
	}
	if (n == 0 && !quoted)
		return TK_ERR;		/* a control or 8-bit byte */
	lx->word[n] = '\0';
	return TK_WORD;
}

/* spf_word - RFC 8601 2.7.2 SPF result words */
static int
spf_word(const char *w, enum spf_result *r)
{
	static const struct { const char *w; enum spf_result r; } t[] = {
		{ "none", SPFR_NONE }, { "neutral", SPFR_NEUTRAL }, { "pass", SPFR_PASS },
		{ "fail", SPFR_FAIL }, { "softfail", SPFR_SOFTFAIL },
		{ "temperror", SPFR_TEMPERROR }, { "permerror", SPFR_PERMERROR },
	};

	for (size_t i = 0; i < NELEM(t); i++)
		if (strcasecmp(w, t[i].w) == 0)
			return *r = t[i].r, 0;
	return -1;
}

/* dkim_word - RFC 8601 2.7.1 DKIM result words */
static int
dkim_word(const char *w, enum dkim_result *r)
{
	static const struct { const char *w; enum dkim_result r; } t[] = {
		{ "none", DKIMR_NONE }, { "pass", DKIMR_PASS }, { "fail", DKIMR_FAIL },
		{ "policy", DKIMR_POLICY }, { "neutral", DKIMR_NEUTRAL },
		{ "temperror", DKIMR_TEMPERROR }, { "permerror", DKIMR_PERMERROR },
	};

	for (size_t i = 0; i < NELEM(t); i++)
		if (strcasecmp(w, t[i].w) == 0)
			return *r = t[i].r, 0;
	return -1;
}

/* domain_of - the normalised domain of "local@domain", "@domain" or "domain" */
static char *
domain_of(const char *addr)
{
	char out[256];
	const char *at = strrchr(addr, '@');

	if (dmarc_domain_normalize(at != NULL ? at + 1 : addr, out, sizeof out) != 0)
		return NULL;
	return xstrdup(out);
}

struct resinfo {
	char method[64], result[64];
	char *mailfrom, *d, *i, *s, *b, *a;
};

/* resinfo_clear - free a result's properties */
static void
resinfo_clear(struct resinfo *ri)
{
	free(ri->mailfrom);
	free(ri->d);
	free(ri->i);
	free(ri->s);
	free(ri->b);
	free(ri->a);
	memset(ri, 0, sizeof *ri);
}

/* keep_prop - remember the properties that are used */
static void
keep_prop(struct resinfo *ri, const char *name, const char *value)
{
	static const struct { const char *name; size_t off; } t[] = {
		{ "smtp.mailfrom", offsetof(struct resinfo, mailfrom) },
		{ "header.d", offsetof(struct resinfo, d) },
		{ "header.i", offsetof(struct resinfo, i) },
		{ "header.s", offsetof(struct resinfo, s) },
		{ "header.b", offsetof(struct resinfo, b) },
		{ "header.a", offsetof(struct resinfo, a) },
	};

	for (size_t k = 0; k < NELEM(t); k++) {
		char **f = (char **)((char *)ri + t[k].off);

		if (strcasecmp(name, t[k].name) == 0 && *f == NULL)
			*f = xstrdup(value);
	}
}

/* use_resinfo - add one parsed result to u when it is one we use */
static void
use_resinfo(struct upstream *u, const struct resinfo *ri)
{
	char reason[320];

	snprintf(reason, sizeof reason, "from trusted upstream %s", u->id);
	if (strcasecmp(ri->method, "spf") == 0 && !u->have_spf && ri->mailfrom != NULL) {
		enum spf_result r;
		char *dom;

		if (spf_word(ri->result, &r) != 0 || (dom = domain_of(ri->mailfrom)) == NULL)
			return;
		u->spf.result = r;
		u->spf.domain = dom;
		u->spf.sender = xstrdup(ri->mailfrom);
		u->spf.reason = xstrdup(reason);
		u->have_spf = true;
	} else if (strcasecmp(ri->method, "dkim") == 0 && u->ndkim < UPSTREAM_MAX_DKIM) {
		struct dkv_result *d = &u->dkim[u->ndkim];
		enum dkim_result r;
		char *dom;

		if (dkim_word(ri->result, &r) != 0)
			return;
		dom = domain_of(ri->d != NULL ? ri->d : ri->i != NULL ? ri->i : "");
		if (dom == NULL)
			return;
		memset(d, 0, sizeof *d);
		d->result = r;
		d->domain = dom;
		if (ri->i != NULL)
			d->identity = xstrdup(ri->i);
		else
			str_set_printf(&d->identity, "@%s", dom);
		d->selector = ri->s != NULL ? xstrdup(ri->s) : NULL;
		d->b = ri->b != NULL ? xstrdup(ri->b) : NULL;
		d->algorithm = ri->a != NULL ? xstrdup(ri->a) : NULL;
		d->reason = xstrdup(reason);
		u->ndkim++;
	}
}

/* parse_resinfo - "method[/v]=result *(ptype.property=value)"; the next token
 * after it (SEMI or END) in *after */
static int
parse_resinfo(struct lexer *lx, struct resinfo *ri, enum tok *after)
{
	enum tok t;
	char name[64];

	strlcpy(ri->method, lx->word, sizeof ri->method);
	ri->method[strcspn(ri->method, "/")] = '\0';
	if (next_tok(lx) != TK_EQ || next_tok(lx) != TK_WORD)
		return -1;
	strlcpy(ri->result, lx->word, sizeof ri->result);
	while ((t = next_tok(lx)) == TK_WORD) {
		if (strlen(lx->word) >= sizeof name ||
		    (strchr(lx->word, '.') == NULL && strcasecmp(lx->word, "reason") != 0))
			return -1;
		strlcpy(name, lx->word, sizeof name);
		if (next_tok(lx) != TK_EQ || next_tok(lx) != TK_WORD)
			return -1;
		keep_prop(ri, name, lx->word);
	}
	if (t != TK_SEMI && t != TK_END)
		return -1;
	*after = t;
	return 0;
}

/* upstream_parse - the results of one trusted field value (u->id already set) */
int
upstream_parse(const char *value, struct upstream *u)
{
	struct lexer lx = { .p = value };
	char rfc_id[256];
	enum tok t;

	if (next_tok(&lx) != TK_WORD || authres_servid(value, rfc_id, sizeof rfc_id) != 0 ||
	    strcasecmp(rfc_id, lx.word) != 0)
		return -1;
	t = next_tok(&lx);
	if (t == TK_WORD)		/* authres-version */
		t = next_tok(&lx);
	if (t == TK_END)
		return 0;
	if (t != TK_SEMI)
		return -1;
	if ((t = next_tok(&lx)) == TK_WORD && strcasecmp(lx.word, "none") == 0) {
		if (next_tok(&lx) == TK_END)
			return 0;
		goto bad;
	}
	while (t == TK_WORD) {
		struct resinfo ri;
		enum tok after;

		memset(&ri, 0, sizeof ri);
		if (parse_resinfo(&lx, &ri, &after) != 0) {
			resinfo_clear(&ri);
			goto bad;
		}
		use_resinfo(u, &ri);
		resinfo_clear(&ri);
		if (after == TK_END)
			return 0;
		t = next_tok(&lx);
	}
	if (t == TK_END)
		return 0;	/* a final ';' */
bad:
	upstream_clear(u);
	return -1;
}

/* upstream_header - one field, top to bottom: read the topmost A-R if trusted */
void
upstream_header(struct upstream *u, char *const *trusted_ids, const char *name,
    const char *value)
{
	char id[256];

	if (u->done || hdr_name_is(name, "Received"))
		return;
	u->done = true;		/* whatever it is, nothing below is read */
	if (!hdr_name_is(name, "Authentication-Results") || trusted_ids == NULL ||
	    authres_servid(value, id, sizeof id) != 0)
		return;
	for (char *const *w = trusted_ids; *w != NULL; w++)
		if (strcasecmp(*w, id) == 0) {
			strlcpy(u->id, id, sizeof u->id);
			if (upstream_parse(value, u) != 0)
				u->id[0] = '\0';	/* upstream_parse cleared u */
			u->done = true;
			return;
		}
}

/* upstream_clear - free the results and start over */
void
upstream_clear(struct upstream *u)
{
	if (u->have_spf)
		spf_outcome_clear(&u->spf);
	for (size_t i = 0; i < u->ndkim; i++) {
		struct dkv_result *d = &u->dkim[i];

		free(d->domain);
		free(d->identity);
		free(d->selector);
		free(d->b);
		free(d->algorithm);
		free(d->reason);
	}
	memset(u, 0, sizeof *u);
}
