/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dns_zone.c - the "zone" DNS backend: answers from an in-memory zone file (tests, offline)
 * SYNOPSIS
 *	struct dns_resolver *dns_zone_new(void);
 *	int dns_zone_add_line(struct dns_resolver *r, const char *line, struct buf *err);
 *	struct dns_resolver *dns_zone_open(const char *path, struct buf *err);
 * DESCRIPTION
 *	The syntax is the one in dns.h: one record or fault per line, an optional TTL
 *	and class IN between name and type. A comment starts at a '#' or ';' that
 *	begins a word outside quotes (so bare TXT words like "v=DMARC1;" keep theirs). TXT takes one or more character-strings,
 *	quoted (with \" \\ \DDD and \X escapes, so NUL and 8-bit bytes can be written) or
 *	bare words; a string longer than 255 bytes is kept as consecutive 255-byte
 *	character-strings, as it would travel on the wire. Several records of one type
 *	at one name keep their order. A CNAME may not share its name with other data.
 *
 *	Lookup: an exact name first; otherwise the nearest "*.ANCESTOR" wildcard, walking
 *	up from the parent, stopping at the first ancestor that has entries of its own
 *	(RFC 4592 closest encloser; empty non-terminals are not modelled). A name-wide
 *	fault wins over records; then a per-type fault; then CNAME is followed for other
 *	types. A CNAME chain longer than 8 hops (which includes every loop) is
 *	DNS_TEMPFAIL, what a recursive resolver reports (SERVFAIL) for it.
 *	"NAME DNSSEC SECURE|INSECURE|BOGUS" (tests of DNSSEC reporting) marks the
 *	answers for NAME (the last name of a CNAME chain) with that state; BOGUS makes
 *	them DNS_TEMPFAIL without records, as a validating resolver answers. Unmarked
 *	answers are DNSSEC_UNKNOWN (no validation).
 *
 *	Loading (dns_zone_new + dns_zone_add_line, or dns_zone_open) must finish before
 *	the resolver is shared; afterwards the table is only read, so queries from many
 *	threads need no lock. dns_zone_open() reports every bad line as
 *	"FILE:LINE: message\n" in err and then returns NULL.
 * DIAGNOSTICS
 *	A TIMEOUT entry sleeps until the query's deadline (query timeout bounded by the
 *	session deadline) unless MAILAUTH_ZONE_TIMEOUT_INSTANT is set in the environment.
 */
#include "autoconf.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "dns.h"
#include "dns_int.h"
#include "util.h"

#define CNAME_MAX_HOPS	8

enum zfault { ZF_NONE = 0, ZF_SERVFAIL, ZF_TIMEOUT, ZF_NXDOMAIN, ZF_REFUSED };

struct zrec {
	int type;
	struct dns_rr rr;
};

struct ztfault {
	int type;
	enum zfault fault;
};

struct znode {
	struct znode *next;
	char *name;
	struct zrec *rec;
	size_t nrec;
	struct ztfault *tf;
	size_t ntf;
	enum zfault fault;
	enum dns_sec sec;		/* "NAME DNSSEC SECURE|INSECURE|BOGUS" */
	bool has_cname;
};

struct zone {
	struct znode **tab;
	size_t nbuckets;
	size_t nnodes;
};

struct token {
	char *s;
	size_t len;
	bool quoted;
};

static const struct {
	const char *name;
	int type;
} ztypes[] = {
	{ "A", ns_t_a }, { "AAAA", ns_t_aaaa }, { "MX", ns_t_mx },
	{ "PTR", ns_t_ptr }, { "CNAME", ns_t_cname }, { "TXT", ns_t_txt },
};

static const struct {
	const char *name;
	enum zfault fault;
} zfaults[] = {
	{ "SERVFAIL", ZF_SERVFAIL }, { "TIMEOUT", ZF_TIMEOUT },
	{ "NXDOMAIN", ZF_NXDOMAIN }, { "REFUSED", ZF_REFUSED },
};

static struct dns_answer *zone_query(void *be, const char *name, int qtype,
    const struct timespec *deadline);
static void zone_destroy(void *be);

static const struct dns_ops zone_ops = { "zone", zone_query, zone_destroy };

/* hash - FNV-1a of a name */
static size_t
hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (size_t)h;
}

/* zone_find - the node of a normalized name, or NULL */
static const struct znode *
zone_find(const struct zone *z, const char *name)
{
	const struct znode *n;

	for (n = z->tab[hash(name) & (z->nbuckets - 1)]; n != NULL; n = n->next)
		if (strcmp(n->name, name) == 0)
			return n;
	return NULL;
}

/* zone_grow - double the bucket array */
static void
zone_grow(struct zone *z)
{
	size_t nb = z->nbuckets * 2, i;
	struct znode **tab = xcalloc(nb, sizeof *tab);

	for (i = 0; i < z->nbuckets; i++) {
		struct znode *n, *next;

		for (n = z->tab[i]; n != NULL; n = next) {
			size_t b = hash(n->name) & (nb - 1);

			next = n->next;
			n->next = tab[b];
			tab[b] = n;
		}
	}
	free(z->tab);
	z->tab = tab;
	z->nbuckets = nb;
}

/* zone_node - the node of a name, created when absent */
static struct znode *
zone_node(struct zone *z, const char *name)
{
	struct znode *n = (struct znode *)zone_find(z, name);
	size_t b;

	if (n != NULL)
		return n;
	if (z->nnodes >= z->nbuckets)
		zone_grow(z);
	n = xcalloc(1, sizeof *n);
	n->name = xstrdup(name);
	b = hash(name) & (z->nbuckets - 1);
	n->next = z->tab[b];
	z->tab[b] = n;
	z->nnodes++;
	return n;
}

/* zone_destroy - free every node */
static void
zone_destroy(void *be)
{
	struct zone *z = be;
	size_t i, j;

	for (i = 0; i < z->nbuckets; i++) {
		struct znode *n, *next;

		for (n = z->tab[i]; n != NULL; n = next) {
			next = n->next;
			for (j = 0; j < n->nrec; j++)
				dns_rr_clear(&n->rec[j].rr, n->rec[j].type);
			free(n->rec);
			free(n->tf);
			free(n->name);
			free(n);
		}
	}
	free(z->tab);
	free(z);
}

/* dns_zone_new - an empty zone resolver (every name NXDOMAIN) */
struct dns_resolver *
dns_zone_new(void)
{
	struct zone *z = xcalloc(1, sizeof *z);

	z->nbuckets = 64;
	z->tab = xcalloc(z->nbuckets, sizeof *z->tab);
	return dns_resolver_new(&zone_ops, z);
}

/* tokens_free - free a token array */
static void
tokens_free(struct token *t, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(t[i].s);
	free(t);
}

/* tokenize - split a line into words and quoted strings, escapes decoded */
static int
tokenize(const char *line, struct token **out, size_t *nout, const char **why)
{
	struct token *t = NULL;
	size_t n = 0;
	const char *p = line;
	struct buf b;

	buf_init(&b);
	for (;;) {
		bool quoted = false;

		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (*p == '\0' || *p == '#' || *p == ';')
			break;
		if (*p == '"') {
			quoted = true;
			p++;
		}
		buf_reset(&b);
		buf_adds(&b, "");
		for (;;) {
			if (*p == '\0') {
				if (quoted) {
					*why = "unterminated quoted string";
					goto fail;
				}
				break;
			}
			if (quoted && *p == '"') {
				p++;
				break;
			}
			if (!quoted && (*p == ' ' || *p == '\t' || *p == '\r' ||
			    *p == '\n' || *p == '"'))
				break;
			if (*p == '\\') {
				p++;
				if (isdigit((unsigned char)p[0]) &&
				    isdigit((unsigned char)p[1]) &&
				    isdigit((unsigned char)p[2])) {
					int v = (p[0] - '0') * 100 + (p[1] - '0') * 10 +
					    (p[2] - '0');

					if (v > 255) {
						*why = "escape \\DDD above 255";
						goto fail;
					}
					buf_addc(&b, v);
					p += 3;
					continue;
				}
				if (*p == '\0') {
					*why = "backslash at end of line";
					goto fail;
				}
			}
			buf_addc(&b, (unsigned char)*p++);
		}
		t = xreallocarray(t, n + 1, sizeof *t);
		t[n].len = b.len;
		t[n].quoted = quoted;
		t[n].s = xmalloc(b.len + 1);
		memcpy(t[n].s, b.data, b.len + 1);
		n++;
	}
	buf_free(&b);
	*out = t;
	*nout = n;
	return 0;
fail:
	buf_free(&b);
	tokens_free(t, n);
	return -1;
}

/* word_is - whether a token is the unquoted word w (any case, no NUL inside) */
static bool
word_is(const struct token *t, const char *w)
{
	return !t->quoted && strlen(t->s) == t->len && strcasecmp(t->s, w) == 0;
}

/* parse_host - a host name token into normalized text; "." is the root "" */
static int
parse_host(const struct token *t, char *host, size_t hostlen)
{
	if (t->quoted || strlen(t->s) != t->len)
		return -1;
	if (strcmp(t->s, ".") == 0) {
		host[0] = '\0';
		return 0;
	}
	return dns_name_normalize(t->s, host, hostlen);
}

/* add_txt - store a TXT record, cutting strings into 255-byte character-strings */
static void
add_txt(struct dns_rr *rr, const struct token *t, size_t n)
{
	const char **strs = NULL;
	size_t *lens = NULL, ns = 0, i, off;

	for (i = 0; i < n; i++) {
		off = 0;
		do {
			size_t chunk = t[i].len - off > 255 ? 255 : t[i].len - off;

			strs = xreallocarray(strs, ns + 1, sizeof *strs);
			lens = xreallocarray(lens, ns + 1, sizeof *lens);
			strs[ns] = t[i].s + off;
			lens[ns++] = chunk;
			off += chunk;
		} while (off < t[i].len);
	}
	dns_rr_set_txt(rr, strs, lens, ns);
	free(strs);
	free(lens);
}

/* parse_rdata - fill rr from the tokens after the type; NULL or why not */
static const char *
parse_rdata(int type, const struct token *t, size_t n, struct dns_rr *rr)
{
	unsigned long pref;
	char *end;

	if (type == ns_t_txt) {
		if (n == 0)
			return "TXT needs at least one string";
		add_txt(rr, t, n);
		return NULL;
	}
	if (n == 0)
		return "missing data";
	if ((type == ns_t_mx && n != 2) || (type != ns_t_mx && n != 1))
		return "extra words after the data";
	switch (type) {
	case ns_t_a:
		if (t[0].quoted || inet_pton(AF_INET, t[0].s, &rr->u.a) != 1)
			return "bad IPv4 address";
		return NULL;
	case ns_t_aaaa:
		if (t[0].quoted || inet_pton(AF_INET6, t[0].s, &rr->u.aaaa) != 1)
			return "bad IPv6 address";
		return NULL;
	case ns_t_mx:
		errno = 0;
		pref = strtoul(t[0].s, &end, 10);
		if (t[0].quoted || !isdigit((unsigned char)t[0].s[0]) || *end != '\0' ||
		    errno != 0 || pref > 65535)
			return "bad MX preference";
		rr->u.mx.pref = (uint16_t)pref;
		if (parse_host(&t[1], rr->u.mx.host, sizeof rr->u.mx.host) < 0)
			return "bad MX host name";
		return NULL;
	default:
		if (parse_host(&t[0], rr->u.host, sizeof rr->u.host) < 0)
			return "bad host name";
		return NULL;
	}
}

/* parse_line - apply one zone line; NULL or why it is wrong */
static const char *
parse_line(struct zone *z, const char *line)
{
	struct token *t = NULL;
	size_t n = 0, i = 1, k;
	const char *why = NULL;
	char name[256];
	unsigned long ttl = DNS_DEFAULT_TTL;
	int type = 0;
	struct znode *node;
	struct dns_rr rr;

	if (tokenize(line, &t, &n, &why) < 0)
		return why;
	if (n == 0)
		goto out;
	if (t[0].quoted || strlen(t[0].s) != t[0].len ||
	    dns_name_normalize(t[0].s, name, sizeof name) < 0) {
		why = "bad owner name";
		goto out;
	}
	if (i < n && !t[i].quoted && isdigit((unsigned char)t[i].s[0])) {
		char *end;

		errno = 0;
		ttl = strtoul(t[i].s, &end, 10);
		if (*end != '\0' || errno != 0 || ttl > 0x7fffffffUL) {
			why = "bad TTL";
			goto out;
		}
		i++;
	}
	if (i < n && word_is(&t[i], "IN"))
		i++;
	if (i >= n) {
		why = "missing type";
		goto out;
	}
	for (k = 0; k < NELEM(zfaults); k++)
		if (word_is(&t[i], zfaults[k].name)) {
			if (i + 1 != n) {
				why = "extra words after the fault";
				goto out;
			}
			zone_node(z, name)->fault = zfaults[k].fault;
			goto out;
		}
	if (word_is(&t[i], "DNSSEC")) {
		if (n - i == 2 && word_is(&t[i + 1], "SECURE"))
			zone_node(z, name)->sec = DNSSEC_SECURE;
		else if (n - i == 2 && word_is(&t[i + 1], "INSECURE"))
			zone_node(z, name)->sec = DNSSEC_INSECURE;
		else if (n - i == 2 && word_is(&t[i + 1], "BOGUS"))
			zone_node(z, name)->sec = DNSSEC_BOGUS;
		else
			why = "DNSSEC takes SECURE, INSECURE or BOGUS";
		goto out;
	}
	for (k = 0; k < NELEM(ztypes); k++)
		if (word_is(&t[i], ztypes[k].name))
			type = ztypes[k].type;
	if (type == 0) {
		why = "unknown type (want TXT A AAAA MX PTR CNAME or a fault)";
		goto out;
	}
	i++;
	if (n - i == 1 && (word_is(&t[i], "SERVFAIL") || word_is(&t[i], "TIMEOUT"))) {
		node = zone_node(z, name);
		node->tf = xreallocarray(node->tf, node->ntf + 1, sizeof *node->tf);
		node->tf[node->ntf].type = type;
		node->tf[node->ntf++].fault = word_is(&t[i], "TIMEOUT") ?
		    ZF_TIMEOUT : ZF_SERVFAIL;
		goto out;
	}
	memset(&rr, 0, sizeof rr);
	rr.ttl = (uint32_t)ttl;
	if ((why = parse_rdata(type, t + i, n - i, &rr)) != NULL)
		goto out;
	node = zone_node(z, name);
	if (node->has_cname || (type == ns_t_cname && node->nrec > 0)) {
		dns_rr_clear(&rr, type);
		why = "CNAME and other data at one name";
		goto out;
	}
	node->rec = xreallocarray(node->rec, node->nrec + 1, sizeof *node->rec);
	node->rec[node->nrec].type = type;
	node->rec[node->nrec++].rr = rr;
	if (type == ns_t_cname)
		node->has_cname = true;
out:
	tokens_free(t, n);
	return why;
}

/* dns_zone_add_line - add one zone line; 0, or -1 with the reason appended to err */
int
dns_zone_add_line(struct dns_resolver *r, const char *line, struct buf *err)
{
	const char *why;

	if (r == NULL || r->ops != &zone_ops) {
		if (err != NULL)
			buf_adds(err, "not a zone resolver\n");
		return -1;
	}
	if ((why = parse_line(r->be, line)) == NULL)
		return 0;
	if (err != NULL)
		buf_printf(err, "%s\n", why);
	return -1;
}

/* dns_zone_open - load a zone file; NULL with every error in err */
struct dns_resolver *
dns_zone_open(const char *path, struct buf *err)
{
	struct dns_resolver *r;
	FILE *fp;
	char *line = NULL;
	size_t cap = 0;
	unsigned long lineno = 0;
	int errors = 0;
	const char *why;

	if ((fp = fopen(path, "r")) == NULL) {
		if (err != NULL)
			buf_printf(err, "%s: cannot open: %s\n", path, strerror(errno));
		return NULL;
	}
	r = dns_zone_new();
	while (getline(&line, &cap, fp) != -1) {
		lineno++;
		if ((why = parse_line(r->be, line)) != NULL) {
			errors++;
			if (err != NULL)
				buf_printf(err, "%s:%lu: %s\n", path, lineno, why);
		}
	}
	if (ferror(fp)) {
		errors++;
		if (err != NULL)
			buf_printf(err, "%s: %s\n", path, strerror(errno));
	}
	free(line);
	fclose(fp);
	if (errors > 0) {
		dns_resolver_free(r);
		return NULL;
	}
	return r;
}

/* zone_wildcard - the wildcard node covering a name without a node of its own */
static const struct znode *
zone_wildcard(const struct zone *z, const char *name)
{
	char wild[258];
	const char *parent = strchr(name, '.');
	const struct znode *n;

	for (;;) {
		snprintf(wild, sizeof wild, parent == NULL ? "*" : "*.%s",
		    parent == NULL ? "" : parent + 1);
		if ((n = zone_find(z, wild)) != NULL)
			return n;
		if (parent == NULL || zone_find(z, parent + 1) != NULL)
			return NULL;	/* the closest encloser has no wildcard */
		parent = strchr(parent + 1, '.');
	}
}

/* fault_answer - the answer a fault gives */
static struct dns_answer *
fault_answer(enum zfault f, int qtype, const struct timespec *deadline)
{
	switch (f) {
	case ZF_NXDOMAIN:
		return dns_answer_new(DNS_NXDOMAIN, qtype);
	case ZF_REFUSED:
		return dns_answer_new(DNS_PERMFAIL, qtype);
	case ZF_TIMEOUT:
		if (getenv("MAILAUTH_ZONE_TIMEOUT_INSTANT") == NULL)
			while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME,
			    deadline, NULL) == EINTR)
				;
		return dns_answer_new(DNS_TEMPFAIL, qtype);
	default:
		return dns_answer_new(DNS_TEMPFAIL, qtype);
	}
}

/* zone_query - answer from the table, following CNAMEs */
static struct dns_answer *
zone_query(void *be, const char *qname, int qtype, const struct timespec *deadline)
{
	const struct zone *z = be;
	const struct znode *n;
	const char *name = qname;
	struct dns_answer *a;
	size_t i, hops = 0;

	for (;;) {
		if ((n = zone_find(z, name)) == NULL &&
		    (n = zone_wildcard(z, name)) == NULL)
			return dns_answer_new(DNS_NXDOMAIN, qtype);
		if (n->fault != ZF_NONE)
			return fault_answer(n->fault, qtype, deadline);
		for (i = 0; i < n->ntf; i++)
			if (n->tf[i].type == qtype)
				return fault_answer(n->tf[i].fault, qtype, deadline);
		if (!n->has_cname || qtype == ns_t_cname)
			break;
		if (++hops > CNAME_MAX_HOPS)
			return dns_answer_new(DNS_TEMPFAIL, qtype);
		name = n->rec[0].rr.u.host;
	}
	a = dns_answer_new(DNS_NODATA, qtype);
	a->sec = n->sec;
	if (n->sec == DNSSEC_BOGUS) {
		a->status = DNS_TEMPFAIL;	/* what a validating resolver says */
		return a;
	}
	for (i = 0; i < n->nrec; i++)
		if (n->rec[i].type == qtype)
			dns_rr_copy(dns_answer_add(a), &n->rec[i].rr, qtype);
	if (a->n > 0)
		a->status = DNS_OK;
	return a;
}
