/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	addrlist - RFC 5322 address-list parsing for the author domain
 * SYNOPSIS
 *	#include "addrlist.h"
 *	(see addrlist.h)
 * DESCRIPTION
 *	Owns the grammar of a From field value (RFC 5322 sections 3.4 and 4.4):
 *	comments (nested, with quoted-pairs), quoted strings, display names (also
 *	obsolete ones with '.'; an unquoted '@' in a display name is tolerated because
 *	the address is the one in angle brackets), groups ("name: a@x, b@x;", the name
 *	being words and dots only), empty list elements, obsolete routes
 *	("<@r1,@r2:a@x>"). Encoded words are atoms and stay untouched. Unbalanced
 *	quotes, comments, brackets or groups make the field unparseable. An address
 *	literal domain ("[192.0.2.1]") is refused. The domain of every mailbox, as
 *	written (atoms and dots, at most one final dot), goes to the caller's function,
 *	which normalises and compares (lib/dmarc). Nothing here knows DMARC.
 * SEE ALSO
 *	RFC 5322 sections 3.4 and 4.4.
 */
#include "autoconf.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "addrlist.h"
#include "util.h"

enum tok_kind { TK_ATOM, TK_QSTR, TK_DLIT, TK_SPECIAL };

struct tok {
	enum tok_kind kind;
	const char *p;
	size_t n;
};

struct toks {
	struct tok *v;
	size_t n, cap;
};

#define SPECIALS "()<>[]:;@\\,.\""

/* tok_push - append one token */
static void
tok_push(struct toks *t, enum tok_kind kind, const char *p, size_t n)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 32;
		t->v = xreallocarray(t->v, t->cap, sizeof(*t->v));
	}
	t->v[t->n].kind = kind;
	t->v[t->n].p = p;
	t->v[t->n].n = n;
	t->n++;
}

/* skip_delimited - past a quoted string or literal; NULL when unterminated */
static const char *
skip_delimited(const char *s, char close)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\') {
			if (*++s == '\0')
				return NULL;
		} else if (*s == close)
			return s;
	}
	return NULL;
}

/* tokenize - split a field value into atoms, quoted strings, literals, specials */
static int
tokenize(const char *s, struct toks *t)
{
	const char *e;
	int depth;

	while (*s != '\0') {
		if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n') {
			s++;
		} else if (*s == '(') {
			for (depth = 1, s++; *s != '\0' && depth > 0; s++) {
				if (*s == '\\') {
					if (s[1] == '\0')
						return -1;
					s++;
				} else if (*s == '(')
					depth++;
				else if (*s == ')')
					depth--;
			}
			if (depth > 0)
				return -1;
		} else if (*s == '"' || *s == '[') {
			if ((e = skip_delimited(s + 1, *s == '"' ? '"' : ']')) == NULL)
				return -1;
			tok_push(t, *s == '"' ? TK_QSTR : TK_DLIT, s + 1,
			    (size_t)(e - s - 1));
			s = e + 1;
		} else if (*s == ')' || *s == ']' || *s == '\\') {
			return -1;
		} else if (strchr(SPECIALS, *s) != NULL) {
			tok_push(t, TK_SPECIAL, s, 1);
			s++;
		} else {
			for (e = s; *e != '\0' && *e != ' ' && *e != '\t' &&
			    *e != '\r' && *e != '\n' && strchr(SPECIALS, *e) == NULL;
			    e++)
				;
			tok_push(t, TK_ATOM, s, (size_t)(e - s));
			s = e;
		}
	}
	return 0;
}

/* is_special - token is the special character c */
static bool
is_special(const struct tok *t, char c)
{
	return t->kind == TK_SPECIAL && t->p[0] == c;
}

struct list_state {
	addrlist_fn *fn;
	void *arg;
	size_t nmailbox;
	const char *why;
};

/* addr_spec - local-part "@" domain from tokens [a, b); hands the domain to fn */
static int
addr_spec(const struct tok *v, size_t a, size_t b, struct list_state *st)
{
	char raw[1024];
	size_t at = b, i, n = 0;
	bool want_word;

	for (i = a; i < b; i++)
		if (is_special(&v[i], '@'))
			at = i;
	if (at == b) {
		st->why = "From address has no domain";
		return -1;
	}
	if (at == a) {
		st->why = "unparseable From";
		return -1;
	}
	/* local-part: word *("." word), obsolete forms tolerated */
	for (i = a; i < at; i++) {
		if (v[i].kind != TK_ATOM && v[i].kind != TK_QSTR &&
		    !is_special(&v[i], '.')) {
			st->why = "unparseable From";
			return -1;
		}
	}
	if (at + 1 == b) {
		st->why = "From address has no domain";
		return -1;
	}
	if (v[at + 1].kind == TK_DLIT) {
		st->why = "From domain is an address literal";
		return -1;
	}
	/* domain: atom *("." atom) with at most one final dot */
	want_word = true;
	for (i = at + 1; i < b; i++) {
		if (v[i].kind == TK_ATOM && want_word) {
			if (n + v[i].n >= sizeof(raw))
				goto bad;
			memcpy(raw + n, v[i].p, v[i].n);
			n += v[i].n;
			want_word = false;
		} else if (is_special(&v[i], '.') && !want_word) {
			if (n + 1 >= sizeof(raw))
				goto bad;
			raw[n++] = '.';
			want_word = true;
		} else if (v[i].kind == TK_DLIT) {
			st->why = "From domain is an address literal";
			return -1;
		} else
			goto bad;
	}
	if (n == 0)
		goto bad;
	raw[n] = '\0';
	if (st->fn(raw, st->arg, &st->why) != 0)
		return -1;
	st->nmailbox++;
	return 0;
bad:
	st->why = "From domain is not a valid domain name";
	return -1;
}

/* mailbox - name-addr or addr-spec from tokens [a, b) */
static int
mailbox(const struct tok *v, size_t a, size_t b, struct list_state *st)
{
	size_t i, lt = b, gt = b, in;

	if (a == b)
		return 0;	/* empty list element (obs-addr-list) */
	for (i = a; i < b; i++) {
		if (is_special(&v[i], '<') && lt == b)
			lt = i;
		else if (is_special(&v[i], '>') && lt != b && gt == b)
			gt = i;
	}
	if (lt == b)
		return addr_spec(v, a, b, st);
	/* display name: words, '.' (obs-phrase), a stray '@' tolerated */
	for (i = a; i < lt; i++)
		if (v[i].kind == TK_DLIT) {
			st->why = "unparseable From";
			return -1;
		}
	if (gt == b || gt + 1 != b) {
		st->why = "unparseable From";
		return -1;
	}
	/* obs-route: skip "@a,@b:" */
	in = lt + 1;
	for (i = lt + 1; i < gt; i++)
		if (is_special(&v[i], ':'))
			in = i + 1;
	if (in == gt) {
		st->why = "From has an empty address";
		return -1;
	}
	return addr_spec(v, in, gt, st);
}

/* phrase - tokens [a, b) are a non-empty display name (words and dots) */
static bool
phrase(const struct tok *v, size_t a, size_t b)
{
	size_t i;

	if (a == b)
		return false;
	for (i = a; i < b; i++)
		if (v[i].kind != TK_ATOM && v[i].kind != TK_QSTR && !is_special(&v[i], '.'))
			return false;
	return true;
}

/* parse_list - one field value into st */
static int
parse_list(const char *value, struct list_state *st)
{
	struct toks t = { NULL, 0, 0 };
	size_t i, start = 0;
	bool in_angle = false, in_group = false;
	int rc = -1;

	if (tokenize(value, &t) != 0) {
		st->why = "unparseable From";
		goto out;
	}
	st->why = "unparseable From";
	for (i = 0; i < t.n; i++) {
		const struct tok *k = &t.v[i];

		if (k->kind != TK_SPECIAL)
			continue;
		switch (k->p[0]) {
		case '<':
			if (in_angle)
				goto out;
			in_angle = true;
			break;
		case '>':
			if (!in_angle)
				goto out;
			in_angle = false;
			break;
		case ':':
			if (in_angle)
				break;	/* obs-route */
			if (in_group || !phrase(t.v, start, i))
				goto out;
			in_group = true;	/* display-name ":" group-list */
			start = i + 1;
			break;
		case ',':
			if (in_angle)
				break;	/* obs-route */
			if (mailbox(t.v, start, i, st) != 0)
				goto out;
			start = i + 1;
			break;
		case ';':
			if (in_angle || !in_group)
				goto out;
			if (mailbox(t.v, start, i, st) != 0)
				goto out;
			in_group = false;
			start = i + 1;
			break;
		}
	}
	if (in_angle || in_group)
		goto out;
	if (mailbox(t.v, start, t.n, st) != 0)
		goto out;
	rc = 0;
out:
	free(t.v);
	return rc;
}

/* addrlist_parse - every mailbox of one address-list value to fn */
int
addrlist_parse(const char *value, addrlist_fn *fn, void *arg, size_t *nmailbox,
    const char **why)
{
	struct list_state st;
	int rc;

	memset(&st, 0, sizeof(st));
	st.fn = fn;
	st.arg = arg;
	rc = parse_list(value, &st);
	*nmailbox = st.nmailbox;
	*why = rc == 0 ? NULL : st.why;
	return rc;
}
