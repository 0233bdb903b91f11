/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * psl.c - Public Suffix List reader and organizational domains (see psl.h)
 * SYNOPSIS
 *	struct psl *psl_load(const char *path, struct buf *err);
 *	void psl_free(struct psl *p);
 *	int psl_org_domain(const struct psl *p, const char *domain, char *out, size_t outlen);
 *	bool psl_is_public_suffix(const struct psl *p, const char *domain);
 * DESCRIPTION
 *	Reads the Mozilla list format (https://publicsuffix.org/list/): one rule per line,
 *	a line is read up to its first whitespace, "//" starts a comment line, blank lines
 *	are ignored; "*." makes a wildcard rule, "!" an exception rule. The ICANN and
 *	PRIVATE sections are both used. Rules are stored as lowercase A-labels (U-labels
 *	go through libidn2, UTS #46 non-transitional) in one open-addressing hash set
 *	keyed by the rule's domain with a bit per rule kind: "*.ck" sets the wildcard bit
 *	of "ck", "!www.ck" the exception bit of "www.ck". A wildcard is only supported as
 *	the leftmost label, as in every list published so far; other uses of "*" and "!"
 *	are logged and skipped, like labels that cannot be converted.
 *
 *	Lookup follows the list's formal algorithm: a matching exception rule prevails
 *	(public suffix = the rule minus its leftmost label), else the longest matching
 *	rule, else the implicit "*" (the last label). The registrable domain is the
 *	public suffix plus one label. Inputs are lowercased, lose one trailing dot and
 *	have U-labels converted to A-labels; empty labels (leading dot, ".."), labels
 *	over 63 bytes, names over 253 bytes and control characters are rejected.
 *	Lookups allocate only for non-ASCII input (libidn2); the set is never written
 *	after psl_load(), so any number of threads may look up concurrently.
 * DIAGNOSTICS
 *	psl_load() returns NULL with "PATH: cannot open: reason" (or a read error) in
 *	err. Invalid rules are logged at LOG_WARNING with PATH:LINE and skipped.
 */
#include "autoconf.h"

#include <errno.h>
#include <idn2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "psl.h"

#define PSL_NAME_MAX	253		/* presentation form, no trailing dot */
#define PSL_LABEL_MAX	63
#define PSL_LABELS_MAX	127		/* 253 bytes hold at most 127 labels */
#define PSL_INPUT_MAX	1024		/* UTF-8 input bytes accepted before IDNA */

#define RULE_NORMAL	0x01		/* "name" */
#define RULE_WILD	0x02		/* "*.name" */
#define RULE_EXCEPT	0x04		/* "!name" */

struct psl_entry {
	uint32_t hash;
	uint32_t off;			/* into names; 0 = empty slot */
	uint16_t len;
	uint8_t flags;
};

struct psl {
	struct psl_entry *tab;
	size_t cap;			/* power of two */
	size_t count;
	char *names;			/* NUL-separated names; offset 0 is unused */
	size_t names_len, names_cap;
};

/* hash_name - FNV-1a over a name */
static uint32_t
hash_name(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	while (n-- > 0) {
		h ^= (unsigned char)*s++;
		h *= 16777619u;
	}
	return h;
}

/* set_find - the slot holding name, or the empty slot where it would go */
static struct psl_entry *
set_find(const struct psl *p, const char *s, size_t n, uint32_t h)
{
	size_t i = h & (p->cap - 1);
	struct psl_entry *e;

	for (;;) {
		e = &p->tab[i];
		if (e->off == 0)
			return e;
		if (e->hash == h && e->len == n && memcmp(p->names + e->off, s, n) == 0)
			return e;
		i = (i + 1) & (p->cap - 1);
	}
}

/* set_flags - the rule bits stored for a name, 0 when none */
static unsigned
set_flags(const struct psl *p, const char *s, size_t n)
{
	const struct psl_entry *e;

	if (p->cap == 0)
		return 0;
	e = set_find(p, s, n, hash_name(s, n));
	return e->off == 0 ? 0 : e->flags;
}

/* set_grow - double the table and rehash */
static void
set_grow(struct psl *p)
{
	struct psl_entry *old = p->tab, *e;
	size_t oldcap = p->cap, i;

	p->cap = oldcap == 0 ? 1024 : oldcap * 2;
	p->tab = xcalloc(p->cap, sizeof *p->tab);
	for (i = 0; i < oldcap; i++) {
		if (old[i].off == 0)
			continue;
		e = set_find(p, p->names + old[i].off, old[i].len, old[i].hash);
		*e = old[i];
	}
	free(old);
}

/* set_add - add rule bits to a name, storing the name on first use */
static void
set_add(struct psl *p, const char *s, size_t n, unsigned flags)
{
	struct psl_entry *e;
	uint32_t h = hash_name(s, n);

	if ((p->count + 1) * 2 > p->cap)
		set_grow(p);
	e = set_find(p, s, n, h);
	if (e->off == 0) {
		if (p->names_len + n + 1 > p->names_cap) {
			p->names_cap = (p->names_len + n + 1) * 2;
			p->names = xrealloc(p->names, p->names_cap);
		}
		memcpy(p->names + p->names_len, s, n);
		p->names[p->names_len + n] = '\0';
		e->off = (uint32_t)p->names_len;
		e->len = (uint16_t)n;
		e->hash = h;
		p->names_len += n + 1;
		p->count++;
	}
	e->flags |= flags;
}

/* normalize - lowercase A-label form of a name into out (PSL_NAME_MAX + 1 bytes); length or -1 */
static int
normalize(const char *in, size_t n, char *out)
{
	char tmp[PSL_INPUT_MAX + 1];
	char *ace = NULL;
	const char *src = in;
	size_t i, label = 0;
	bool ascii = true, dot = false;

	if (n > 0 && in[n - 1] == '.')
		n--, dot = true;
	if (n == 0 || n > PSL_INPUT_MAX)
		return -1;
	for (i = 0; i < n; i++)
		if ((unsigned char)in[i] >= 0x80)
			ascii = false;
	if (!ascii) {
		memcpy(tmp, in, n);
		tmp[n] = '\0';
		if (idn2_to_ascii_8z(tmp, &ace, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL) !=
		    IDN2_OK)
			return -1;
		src = ace;
		n = strlen(ace);
		if (!dot && n > 0 && ace[n - 1] == '.')	/* ideographic full stop U+3002 */
			n--;
	}
	if (n == 0 || n > PSL_NAME_MAX) {
		idn2_free(ace);
		return -1;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)src[i];

		if (c == '.') {
			if (label == 0)
				break;
			label = 0;
		} else if (c <= 0x20 || c >= 0x7f || ++label > PSL_LABEL_MAX) {
			break;
		}
		out[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : (char)c;
	}
	idn2_free(ace);
	if (i < n || label == 0)
		return -1;
	out[n] = '\0';
	return (int)n;
}

/* add_rule - parse one rule token; false if it is invalid */
static bool
add_rule(struct psl *p, const char *tok, size_t n)
{
	char name[PSL_NAME_MAX + 1];
	unsigned flags = RULE_NORMAL;
	int len;

	if (n > 0 && tok[0] == '!') {
		flags = RULE_EXCEPT;
		tok++, n--;
	} else if (n >= 2 && tok[0] == '*' && tok[1] == '.') {
		flags = RULE_WILD;
		tok += 2, n -= 2;
	}
	if (n > 0 && tok[n - 1] == '.')	/* "com." is not a rule */
		return false;
	if ((len = normalize(tok, n, name)) < 0 ||
	    strpbrk(name, "*!") != NULL)
		return false;
	if (flags == RULE_EXCEPT && strchr(name, '.') == NULL)
		return false;		/* "!tld" would leave no public suffix */
	set_add(p, name, (size_t)len, flags);
	return true;
}

/* psl_load - read a list file into a new set */
struct psl *
psl_load(const char *path, struct buf *err)
{
	struct psl *p;
	FILE *fp;
	char *line = NULL;
	size_t linecap = 0, n;
	unsigned long lineno = 0;
	ssize_t got;

	if ((fp = fopen(path, "r")) == NULL) {
		buf_printf(err, "%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	p = xcalloc(1, sizeof *p);
	p->names_cap = 65536;
	p->names = xmalloc(p->names_cap);
	p->names[0] = '\0';
	p->names_len = 1;
	set_grow(p);
	while ((got = getline(&line, &linecap, fp)) != -1) {
		char *tok = line;

		lineno++;
		(void)got;
		tok += strspn(tok, " \t\r\n\v\f");
		n = strcspn(tok, " \t\r\n\v\f");
		if (n == 0 || (n >= 2 && tok[0] == '/' && tok[1] == '/'))
			continue;
		if (!add_rule(p, tok, n)) {
			struct buf b;

			tok[n] = '\0';
			buf_init(&b);
			str_sanitize(&b, tok, 80);
			log_msg(LOG_WARNING, "%s:%lu: ignoring invalid rule \"%s\"", path,
			    lineno, buf_str(&b));
			buf_free(&b);
		}
	}
	free(line);
	if (ferror(fp)) {
		buf_printf(err, "%s: read error: %s", path, strerror(errno));
		fclose(fp);
		psl_free(p);
		return NULL;
	}
	fclose(fp);
	return p;
}

/* psl_free - release a set; NULL is a no-op */
void
psl_free(struct psl *p)
{
	if (p == NULL)
		return;
	free(p->tab);
	free(p->names);
	free(p);
}

/*
 * suffix_labels - normalize domain into name, return the number of labels of its
 * public suffix and of name (via *nlabels) and the label offsets; -1 if invalid
 */
static int
suffix_labels(const struct psl *p, const char *domain, char *name, size_t *starts,
    size_t *nlabels)
{
	size_t nl = 0, i, rest, match = 0, exc = 0;
	unsigned flags;
	int len;

	if (p == NULL || domain == NULL ||
	    (len = normalize(domain, strlen(domain), name)) < 0)
		return -1;
	starts[nl++] = 0;
	for (i = 0; i < (size_t)len; i++)
		if (name[i] == '.')
			starts[nl++] = i + 1;
	for (i = 0; i < nl; i++) {
		rest = nl - i;
		flags = set_flags(p, name + starts[i], (size_t)len - starts[i]);
		if ((flags & RULE_EXCEPT) && exc == 0)
			exc = rest;
		if ((flags & RULE_NORMAL) && rest > match)
			match = rest;
		if ((flags & RULE_WILD) && i > 0 && rest + 1 > match)
			match = rest + 1;
	}
	*nlabels = nl;
	if (exc > 0)
		return (int)(exc - 1);
	return match > 0 ? (int)match : 1;
}

/* psl_org_domain - registrable domain of domain into out */
int
psl_org_domain(const struct psl *p, const char *domain, char *out, size_t outlen)
{
	char name[PSL_NAME_MAX + 1];
	size_t starts[PSL_LABELS_MAX + 1], nl, len;
	const char *org;
	int ps;

	if (out != NULL && outlen > 0)
		out[0] = '\0';
	if (out == NULL || (ps = suffix_labels(p, domain, name, starts, &nl)) < 0 ||
	    (size_t)ps >= nl)
		return -1;
	org = name + starts[nl - (size_t)ps - 1];
	len = strlen(org);
	if (len >= outlen)
		return -1;
	memcpy(out, org, len + 1);
	return 0;
}

/* psl_is_public_suffix - whether domain is itself a public suffix */
bool
psl_is_public_suffix(const struct psl *p, const char *domain)
{
	char name[PSL_NAME_MAX + 1];
	size_t starts[PSL_LABELS_MAX + 1], nl;
	int ps;

	if ((ps = suffix_labels(p, domain, name, starts, &nl)) < 0)
		return false;
	return (size_t)ps >= nl;
}
