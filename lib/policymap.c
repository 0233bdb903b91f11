/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * policymap.c - the PolicyMap file: parsing, checking and matching (see policymap.h)
 *
 * The map is read once per configuration snapshot (lib/message.c engine_new) and is
 * immutable afterwards, so matching needs no lock. Lines are kept in file order;
 * matching is a linear scan (maps are hand-written and short: a few hundred lines
 * cost well under a microsecond per candidate key). What an action does to a
 * verdict is decided in lib/policy.c; this file only says which rule applies.
 */
#include "autoconf.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "netlist.h"
#include "policymap.h"

#define PM_MAX_LINE	4096		/* longer lines are refused */

struct pm_line {
	struct pm_rule rule;
	bool is_ip;			/* KEY ip:NETWORK */
	unsigned prefix;		/* ip: its prefix length, IPv4 counted as IPv4 */
	struct netlist *net;		/* ip: the network; domain: client=, or NULL */
	char *client;			/* client= as written (duplicate test), or NULL */
};

struct policymap {
	struct pm_line *lines;
	size_t n;
};

static const struct {
	const char *word;
	enum pm_action action;
} actions[] = {
	{ "exempt", PM_EXEMPT },
	{ "monitor", PM_MONITOR },
	{ "tag-only", PM_TAG_ONLY },
	{ "quarantine-always", PM_QUARANTINE_ALWAYS },
	{ "reject-always", PM_REJECT_ALWAYS },
};

/* pm_action_name - the map's word for an action */
const char *
pm_action_name(enum pm_action a)
{
	for (size_t i = 0; i < NELEM(actions); i++)
		if (actions[i].action == a)
			return actions[i].word;
	return "none";
}

/* domain_ok - an ASCII host name: LDH and '_' labels of 1..63, at most 253 */
static bool
domain_ok(const char *d)
{
	size_t label = 0, total = strlen(d);

	if (total == 0 || total > 253)
		return false;
	for (const char *p = d; ; p++) {
		if (*p == '.' || *p == '\0') {
			if (label == 0 || label > 63)
				return false;
			if (*p == '\0')
				return true;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
			return false;
		label++;
	}
}

/* ip_prefix - the prefix length a network word denotes (IPv4-mapped as IPv4) */
static unsigned
ip_prefix(const char *w)
{
	char tmp[INET6_ADDRSTRLEN + 8];
	unsigned char a[16];
	const char *slash = strchr(w, '/');
	size_t n = slash != NULL ? (size_t)(slash - w) : strlen(w);
	unsigned max = 128, p;

	if (n >= sizeof tmp)
		return 0;
	memcpy(tmp, w, n);
	tmp[n] = '\0';
	if (inet_pton(AF_INET, tmp, a) == 1)
		max = 32;
	p = slash != NULL ? (unsigned)strtoul(slash + 1, NULL, 10) : max;
	if (max == 128 && inet_pton(AF_INET6, tmp, a) == 1 &&
	    memcmp(a, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0 && p >= 96)
		p -= 96;			/* ::ffff:a.b.c.d/N is IPv4 /N-96 */
	return p;
}

/* split_words - words of a line separated by blanks; returns the count */
static size_t
split_words(char *s, char **w, size_t max)
{
	size_t n = 0;

	for (char *tok = strtok(s, " \t"); tok != NULL; tok = strtok(NULL, " \t"))
		if (n < max)
			w[n++] = tok;
		else
			return max + 1;
	return n;
}

/* parse_nets - a comma-separated network list into a netlist (NULL: err has why) */
static struct netlist *
parse_nets(const char *text, struct buf *why)
{
	char *copy = xstrdup(text), *save = NULL;
	char **words = xcalloc(strlen(text) + 2, sizeof *words);
	size_t n = 0;
	struct netlist *nl;

	for (char *t = strtok_r(copy, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save))
		words[n++] = t;
	if (n == 0) {
		buf_adds(why, "no network given");
		nl = NULL;
	} else
		nl = netlist_parse(words, why);
	free(words);
	free(copy);
	return nl;
}

/* line_error - one "FILE:LINE: message" */
static void PRINTF_LIKE(4, 5)
line_error(struct buf *err, const char *path, unsigned line, const char *fmt, ...)
{
	va_list ap;

	buf_printf(err, "%s:%u: ", path, line);
	va_start(ap, fmt);
	buf_vprintf(err, fmt, ap);
	va_end(ap);
	buf_addc(err, '\n');
}

/* find_action - the action for a word; 0 when unknown */
static enum pm_action
find_action(const char *w)
{
	for (size_t i = 0; i < NELEM(actions); i++)
		if (strcasecmp(actions[i].word, w) == 0)
			return actions[i].action;
	return 0;
}

/* duplicate - an earlier line with the same key and client= */
static const struct pm_line *
duplicate(const struct policymap *pm, const struct pm_line *l)
{
	for (size_t i = 0; i < pm->n; i++) {
		const struct pm_line *o = &pm->lines[i];

		if (strcmp(o->rule.key, l->rule.key) != 0)
			continue;
		if ((o->client == NULL) != (l->client == NULL))
			continue;
		if (o->client == NULL || strcasecmp(o->client, l->client) == 0)
			return o;
	}
	return NULL;
}

/* parse_key - fill the key part of l; -1 with a message in why */
static int
parse_key(struct pm_line *l, const char *key, struct buf *why)
{
	if (strncasecmp(key, "ip:", 3) == 0) {
		l->is_ip = true;
		if ((l->net = parse_nets(key + 3, why)) == NULL)
			return -1;
		if (strchr(key + 3, ',') != NULL) {
			buf_adds(why, "an ip: key names one network");
			return -1;
		}
		l->prefix = ip_prefix(key + 3);
	} else {
		const char *d = key[0] == '.' ? key + 1 : key;

		for (const char *p = d; *p != '\0'; p++)
			if ((unsigned char)*p >= 0x80) {
				buf_printf(why, "\"%s\": write an internationalized domain "
				    "in A-labels (xn--...)", key);
				return -1;
			}
		if (!domain_ok(d)) {
			buf_printf(why, "\"%s\" is not a domain, .domain or ip:NETWORK", key);
			return -1;
		}
	}
	l->rule.key = str_lower(xstrdup(key));
	return 0;
}

/* parse_options - the words after the action; -1 with a message in why */
static int
parse_options(struct pm_line *l, char **w, size_t n, struct buf *why)
{
	for (size_t i = 0; i < n; i++) {
		if (strncasecmp(w[i], "client=", 7) != 0) {
			buf_printf(why, "unknown option \"%s\" (known: client=NET,...)", w[i]);
			return -1;
		}
		if (l->is_ip) {
			buf_adds(why, "client= is for domain lines (an ip: line is a client "
			    "rule already)");
			return -1;
		}
		if (l->client != NULL) {
			buf_adds(why, "client= given twice");
			return -1;
		}
		if ((l->net = parse_nets(w[i] + 7, why)) == NULL)
			return -1;
		l->client = xstrdup(w[i] + 7);
	}
	return 0;
}

/* line_free - what one line owns */
static void
line_free(struct pm_line *l)
{
	free(l->rule.key);
	free(l->client);
	netlist_free(l->net);
}

/* parse_line - one non-comment line; adds it to pm, or appends an error */
static void
parse_line(struct policymap *pm, char *text, const char *path, unsigned lineno,
    struct buf *err)
{
	char *w[8];
	size_t n = split_words(text, w, NELEM(w));
	struct pm_line l;
	const struct pm_line *dup;
	struct buf why;

	if (n == 0)
		return;
	if (n > NELEM(w)) {
		line_error(err, path, lineno, "too many words");
		return;
	}
	if (n < 2) {
		line_error(err, path, lineno, "\"%s\" has no action (one of exempt, "
		    "monitor, tag-only, quarantine-always, reject-always)", w[0]);
		return;
	}
	memset(&l, 0, sizeof l);
	l.rule.line = lineno;
	buf_init(&why);
	if (parse_key(&l, w[0], &why) != 0) {
		line_error(err, path, lineno, "%s", buf_str(&why));
		goto fail;
	}
	if ((l.rule.action = find_action(w[1])) == 0) {
		line_error(err, path, lineno, "unknown action \"%s\" (one of exempt, monitor, "
		    "tag-only, quarantine-always, reject-always)", w[1]);
		goto fail;
	}
	if (parse_options(&l, w + 2, n - 2, &why) != 0) {
		line_error(err, path, lineno, "%s", buf_str(&why));
		goto fail;
	}
	if ((dup = duplicate(pm, &l)) != NULL) {
		line_error(err, path, lineno, "\"%s\"%s%s is already set at line %u",
		    l.rule.key, l.client != NULL ? " client=" : "",
		    l.client != NULL ? l.client : "", dup->rule.line);
		goto fail;
	}
	pm->lines = xreallocarray(pm->lines, pm->n + 1, sizeof *pm->lines);
	pm->lines[pm->n++] = l;
	buf_free(&why);
	return;
fail:
	line_free(&l);
	buf_free(&why);
}

/* policymap_read - parse and check an open map file */
struct policymap *
policymap_read(FILE *fp, const char *path, struct buf *err)
{
	struct policymap *pm = xcalloc(1, sizeof *pm);
	char *line = NULL;
	size_t cap = 0, errlen = err->len;
	ssize_t got;
	unsigned lineno = 0;

	while ((got = getline(&line, &cap, fp)) != -1) {
		char *p;

		lineno++;
		if (got > PM_MAX_LINE) {
			line_error(err, path, lineno, "line longer than %d bytes", PM_MAX_LINE);
			continue;
		}
		if (memchr(line, '\0', (size_t)got) != NULL) {
			line_error(err, path, lineno, "NUL byte in line");
			continue;
		}
		line[strcspn(line, "\r\n")] = '\0';
		p = line + strspn(line, " \t");
		if (*p == '#' || *p == '\0')
			continue;
		parse_line(pm, p, path, lineno, err);
	}
	if (ferror(fp))
		buf_printf(err, "%s: read error: %s\n", path, strerror(errno));
	free(line);
	if (err->len != errlen) {
		policymap_free(pm);
		return NULL;
	}
	return pm;
}

/* policymap_load - open, read and check a map file */
struct policymap *
policymap_load(const char *path, struct buf *err)
{
	struct policymap *pm;
	FILE *fp;

	if ((fp = fopen(path, "r")) == NULL) {
		buf_printf(err, "%s: cannot open: %s\n", path, strerror(errno));
		return NULL;
	}
	pm = policymap_read(fp, path, err);
	fclose(fp);
	return pm;
}

/* policymap_free - release a map (NULL is a no-op) */
void
policymap_free(struct policymap *pm)
{
	if (pm == NULL)
		return;
	for (size_t i = 0; i < pm->n; i++)
		line_free(&pm->lines[i]);
	free(pm->lines);
	free(pm);
}

/* key_match - the domain lines of one key: client= lines first, then the plain one */
static const struct pm_rule *
key_match(const struct policymap *pm, const char *key, const char *ip)
{
	const struct pm_line *plain = NULL;

	for (size_t i = 0; i < pm->n; i++) {
		const struct pm_line *l = &pm->lines[i];

		if (l->is_ip || strcasecmp(l->rule.key, key) != 0)
			continue;
		if (l->client == NULL)
			plain = l;
		else if (ip != NULL && netlist_match(l->net, ip))
			return &l->rule;
	}
	return plain != NULL ? &plain->rule : NULL;
}

/* domain_match - exact key, then ".parent" keys from the longest */
static const struct pm_rule *
domain_match(const struct policymap *pm, const char *d, const char *ip)
{
	const struct pm_rule *r;
	char key[260];
	size_t n = strlen(d);

	if (n == 0 || n >= sizeof key - 1)
		return NULL;
	memcpy(key, d, n + 1);
	if (key[n - 1] == '.')
		key[--n] = '\0';
	if ((r = key_match(pm, key, ip)) != NULL)
		return r;
	for (const char *p = strchr(key, '.'); p != NULL; p = strchr(p + 1, '.'))
		if ((r = key_match(pm, p, ip)) != NULL)
			return r;
	return NULL;
}

/* policymap_match - the rule for this message, or NULL */
const struct pm_rule *
policymap_match(const struct policymap *pm, const char *from_domain,
    const char *client_ip)
{
	const struct pm_line *best = NULL;
	const struct pm_rule *r;

	if (pm == NULL)
		return NULL;
	if (from_domain != NULL && (r = domain_match(pm, from_domain, client_ip)) != NULL)
		return r;
	if (client_ip == NULL)
		return NULL;
	for (size_t i = 0; i < pm->n; i++) {
		const struct pm_line *l = &pm->lines[i];

		if (l->is_ip && netlist_match(l->net, client_ip) &&
		    (best == NULL || l->prefix > best->prefix))
			best = l;
	}
	return best != NULL ? &best->rule : NULL;
}
