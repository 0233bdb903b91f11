/*
 * spf_suite.c - the OpenSPF conformance suites (RFC 7208, and RFC 4408 where still
 * valid) run through lib/spf as the milter runs it
 * SYNOPSIS
 *	TESTDATA=t/testdata ./t/spf_suite
 * DESCRIPTION
 *	Reads $TESTDATA/openspf-rfc7208/rfc7208-tests.yml and rfc4408-tests.yml with
 *	libyaml. Each YAML document is one scenario: its zonedata becomes a zone
 *	resolver (dns_zone_add_line, every token quoted with \DDD escapes), each test
 *	one spf_check() of the MAIL FROM identity (an empty mailfrom is the null
 *	sender, which checks postmaster@HELO). Suite conventions: an SPF-type record is
 *	served as TXT only when its name has no TXT record (Debian's libspf2 queries
 *	TXT only); TIMEOUT makes every query of that name time out (instantly, via
 *	MAILAUTH_ZONE_TIMEOUT_INSTANT). Explanations are not compared: lib/spf never
 *	fetches them (see spf.c).
 *
 *	One TAP line per test, "FILE:scenario/test: got X, accept [..]". Known
 *	deviations are listed in the tables below with their reason and reported with
 *	todo(); in rfc4408-tests.yml, tests whose expectation RFC 7208 changed are
 *	judged by the RFC 7208 result given in the table.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "dns.h"
#include "spf.h"
#include "tap.h"
#include "util.h"

/* A known deviation of ours from the suite's expectation. */
struct deviation {
	const char *file;	/* "rfc7208" or "rfc4408" */
	const char *test;
	const char *reason;
};

static const struct deviation deviations[] = {
	{ NULL, NULL, NULL }
};

/* An RFC 4408 expectation that RFC 7208 changed: judged by the new one. */
struct changed {
	const char *test;
	const char *results;	/* accepted results, space separated */
	const char *reason;
};

static const struct changed changed4408[] = {
	{ NULL, NULL, NULL }
};

struct totals {
	int run, passed, todo;
};

/* scalar - the text of a scalar node, or NULL */
static const char *
scalar(yaml_node_t *n)
{
	if (n == NULL || n->type != YAML_SCALAR_NODE)
		return NULL;
	return (const char *)n->data.scalar.value;
}

/* map_get - the value node of key in a mapping node */
static yaml_node_t *
map_get(yaml_document_t *d, yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *p;

	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		const char *k = scalar(yaml_document_get_node(d, p->key));

		if (k != NULL && strcmp(k, key) == 0)
			return yaml_document_get_node(d, p->value);
	}
	return NULL;
}

/* add_quoted - a zone token: quoted, with \" \\ and \DDD escapes */
static void
add_quoted(struct buf *b, const char *s, size_t len)
{
	size_t i;

	buf_addc(b, ' ');
	buf_addc(b, '"');
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\' || c < 0x20 || c >= 0x7f)
			buf_printf(b, "\\%03u", c);
		else
			buf_addc(b, c);
	}
	buf_addc(b, '"');
}

/* add_word - a zone name: an unquoted word, special bytes as \DDD */
static void
add_word(struct buf *b, const char *s)
{
	const unsigned char *p;

	buf_addc(b, ' ');
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p <= ' ' || *p >= 0x7f || *p == '"' || *p == '\\' || *p == ';' ||
		    *p == '#')
			buf_printf(b, "\\%03u", *p);
		else
			buf_addc(b, *p);
	}
}

/* has_type - whether the records of a name include one of this type */
static bool
has_type(yaml_document_t *d, yaml_node_t *recs, const char *type)
{
	yaml_node_item_t *it;

	if (recs == NULL || recs->type != YAML_SEQUENCE_NODE)
		return false;
	for (it = recs->data.sequence.items.start; it < recs->data.sequence.items.top; it++)
		if (map_get(d, yaml_document_get_node(d, *it), type) != NULL)
			return true;
	return false;
}

/* real_type - whether a name has a record of this type (TXT "NONE" is none) */
static bool
real_type(yaml_document_t *d, yaml_node_t *recs, const char *type)
{
	yaml_node_item_t *it;

	for (it = recs->data.sequence.items.start; it < recs->data.sequence.items.top; it++) {
		yaml_node_t *v = map_get(d, yaml_document_get_node(d, *it), type);

		if (v != NULL && !(scalar(v) != NULL && strcmp(scalar(v), "NONE") == 0))
			return true;
		if (strcmp(type, "TXT") == 0 && v == NULL &&
		    map_get(d, yaml_document_get_node(d, *it), "SPF") != NULL &&
		    !has_type(d, recs, "TXT"))
			return true;	/* SPF served as TXT */
	}
	return false;
}

static void zone_line(struct dns_resolver *r, const char *line);

/*
 * timeout_name - TIMEOUT in the suite: the queries of that name that find no
 * record time out (a name with no record at all: every query)
 */
static void
timeout_name(struct dns_resolver *r, yaml_document_t *d, yaml_node_t *recs,
    const char *name, const char *fault)
{
	static const char *const types[] = { "TXT", "A", "AAAA", "MX", "PTR" };
	struct buf line;
	size_t i;
	bool any = false;

	buf_init(&line);
	for (i = 0; i < NELEM(types); i++)
		if (real_type(d, recs, types[i]))
			any = true;
	if (!any) {
		add_word(&line, name);
		buf_printf(&line, " %s", fault);
		zone_line(r, buf_str(&line));
	} else
		for (i = 0; i < NELEM(types); i++) {
			if (real_type(d, recs, types[i]))
				continue;
			buf_reset(&line);
			add_word(&line, name);
			buf_printf(&line, " %s %s", types[i], fault);
			zone_line(r, buf_str(&line));
		}
	buf_free(&line);
}

/* zone_line - add one line, reporting failures as test failures */
static void
zone_line(struct dns_resolver *r, const char *line)
{
	struct buf err;

	buf_init(&err);
	if (dns_zone_add_line(r, line, &err) != 0)
		ok(0, "zone line %s: %s", line, buf_str(&err));
	buf_free(&err);
}

/* load_zone - the zonedata mapping of one scenario as a zone resolver */
static struct dns_resolver *
load_zone(yaml_document_t *d, yaml_node_t *zd)
{
	struct dns_resolver *r = dns_zone_new();
	yaml_node_pair_t *p;
	struct buf line;

	buf_init(&line);
	if (zd == NULL || zd->type != YAML_MAPPING_NODE)
		return r;
	for (p = zd->data.mapping.pairs.start; p < zd->data.mapping.pairs.top; p++) {
		const char *name = scalar(yaml_document_get_node(d, p->key));
		yaml_node_t *recs = yaml_document_get_node(d, p->value);
		bool has_txt = has_type(d, recs, "TXT");
		yaml_node_item_t *it;

		if (name == NULL || recs == NULL || recs->type != YAML_SEQUENCE_NODE)
			continue;
		for (it = recs->data.sequence.items.start;
		    it < recs->data.sequence.items.top; it++) {
			yaml_node_t *rec = yaml_document_get_node(d, *it);
			yaml_node_pair_t *rp;

			buf_reset(&line);
			if (scalar(rec) != NULL) {	/* TIMEOUT */
				timeout_name(r, d, recs, name, scalar(rec));
				continue;
			}
			if (rec == NULL || rec->type != YAML_MAPPING_NODE)
				continue;
			for (rp = rec->data.mapping.pairs.start;
			    rp < rec->data.mapping.pairs.top; rp++) {
				const char *type = scalar(yaml_document_get_node(d, rp->key));
				yaml_node_t *v = yaml_document_get_node(d, rp->value);

				if (type == NULL || v == NULL)
					continue;
				buf_reset(&line);
				add_word(&line, name);
				if (strcmp(type, "SPF") == 0 || strcmp(type, "TXT") == 0) {
					if (strcmp(type, "SPF") == 0 && has_txt)
						continue;
					if (strcmp(type, "TXT") == 0 && scalar(v) != NULL &&
					    strcmp(scalar(v), "NONE") == 0)
						continue;	/* no TXT record (it times out) */
					buf_adds(&line, " TXT");
					if (scalar(v) != NULL)
						add_quoted(&line, (const char *)v->data.scalar.value,
						    v->data.scalar.length);
					else if (v->type == YAML_SEQUENCE_NODE) {
						yaml_node_item_t *s;

						if (v->data.sequence.items.start ==
						    v->data.sequence.items.top)
							add_quoted(&line, "", 0);	/* [ ]: one empty string */
						for (s = v->data.sequence.items.start;
						    s < v->data.sequence.items.top; s++) {
							yaml_node_t *sn = yaml_document_get_node(d, *s);

							if (scalar(sn) != NULL)
								add_quoted(&line,
								    (const char *)sn->data.scalar.value,
								    sn->data.scalar.length);
						}
					}
				} else if (strcmp(type, "MX") == 0 && v->type == YAML_SEQUENCE_NODE &&
				    v->data.sequence.items.top - v->data.sequence.items.start == 2) {
					const char *pref = scalar(yaml_document_get_node(d,
					    v->data.sequence.items.start[0]));
					const char *host = scalar(yaml_document_get_node(d,
					    v->data.sequence.items.start[1]));

					if (pref == NULL || host == NULL)
						continue;
					buf_printf(&line, " MX %s", pref);
					add_word(&line, *host != '\0' ? host : ".");
				} else if (scalar(v) != NULL) {
					buf_printf(&line, " %s", type);
					if (strcmp(type, "A") == 0 || strcmp(type, "AAAA") == 0)
						buf_printf(&line, " %s", scalar(v));
					else
						add_word(&line, scalar(v));
				} else {
					ok(0, "zone %s: unknown record form %s", name, type);
					continue;
				}
				zone_line(r, buf_str(&line));
			}
		}
	}
	buf_free(&line);
	return r;
}

/* result_list - the accepted results as "a b c" */
static void
result_list(yaml_document_t *d, yaml_node_t *res, struct buf *out)
{
	yaml_node_item_t *it;

	if (scalar(res) != NULL) {
		buf_adds(out, scalar(res));
		return;
	}
	if (res == NULL || res->type != YAML_SEQUENCE_NODE)
		return;
	for (it = res->data.sequence.items.start; it < res->data.sequence.items.top; it++) {
		const char *s = scalar(yaml_document_get_node(d, *it));

		if (s == NULL)
			continue;
		if (out->len > 0)
			buf_addc(out, ' ');
		buf_adds(out, s);
	}
}

/* word_in - whether w is one of the space-separated words of list */
static bool
word_in(const char *w, const char *list)
{
	size_t n = strlen(w);
	const char *p = list;

	while ((p = strstr(p, w)) != NULL) {
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return true;
		p += n;
	}
	return false;
}

/* run_scenario - one YAML document */
static void
run_scenario(struct spf_engine *e, const char *file, yaml_document_t *d,
    struct totals *t)
{
	yaml_node_t *root = yaml_document_get_root_node(d);
	yaml_node_t *tests = map_get(d, root, "tests");
	const char *desc = scalar(map_get(d, root, "description"));
	struct dns_resolver *r;
	yaml_node_pair_t *p;

	if (tests == NULL || tests->type != YAML_MAPPING_NODE)
		return;
	r = load_zone(d, map_get(d, root, "zonedata"));
	for (p = tests->data.mapping.pairs.start; p < tests->data.mapping.pairs.top; p++) {
		const char *name = scalar(yaml_document_get_node(d, p->key));
		yaml_node_t *tc = yaml_document_get_node(d, p->value);
		const char *helo = scalar(map_get(d, tc, "helo"));
		const char *host = scalar(map_get(d, tc, "host"));
		const char *mailfrom = scalar(map_get(d, tc, "mailfrom"));
		const struct deviation *dev = NULL;
		const char *why_changed = NULL;
		struct dns_session s;
		struct spf_outcome o;
		struct buf want;
		const char *got;
		size_t i;

		if (name == NULL)
			continue;
		buf_init(&want);
		result_list(d, map_get(d, tc, "result"), &want);
		if (strcmp(file, "rfc4408") == 0)
			for (i = 0; changed4408[i].test != NULL; i++)
				if (strcmp(changed4408[i].test, name) == 0) {
					buf_reset(&want);
					buf_adds(&want, changed4408[i].results);
					why_changed = changed4408[i].reason;
				}
		for (i = 0; deviations[i].test != NULL; i++)
			if (strcmp(deviations[i].file, file) == 0 &&
			    strcmp(deviations[i].test, name) == 0)
				dev = &deviations[i];

		dns_session_init(&s, r, 1000);
		spf_check(e, &s, host ? host : "", helo ? helo : "",
		    mailfrom ? mailfrom : "", false, &o);
		got = spf_result_name(o.result);
		t->run++;
		if (dev != NULL) {
			t->todo++;
			todo(word_in(got, buf_str(&want)), dev->reason,
			    "%s:%s/%s: got %s, accept [%s]", file, desc ? desc : "?", name,
			    got, buf_str(&want));
		} else if (ok(word_in(got, buf_str(&want)),
		    "%s:%s/%s: got %s, accept [%s]%s%s", file, desc ? desc : "?", name,
		    got, buf_str(&want), why_changed ? " (RFC 7208: " : "",
		    why_changed ? why_changed : "")) {
			t->passed++;
		} else
			diag("  reason: %s; queries %u, terms %u, void %u",
			    o.reason ? o.reason : "", s.queries, s.spf_terms, s.spf_void);
		spf_outcome_clear(&o);
		buf_free(&want);
	}
	dns_resolver_free(r);
}

/* run_file - every document of one suite file */
static void
run_file(struct spf_engine *e, const char *file, const char *path)
{
	FILE *f = fopen(path, "rb");
	yaml_parser_t parser;
	yaml_document_t d;
	struct totals t = { 0, 0, 0 };

	if (f == NULL) {
		ok(0, "open %s", path);
		return;
	}
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, f);
	for (;;) {
		yaml_node_t *root;

		if (!yaml_parser_load(&parser, &d)) {
			ok(0, "%s: YAML error: %s (line %lu)", path,
			    parser.problem ? parser.problem : "?",
			    (unsigned long)parser.problem_mark.line + 1);
			break;
		}
		root = yaml_document_get_root_node(&d);
		if (root == NULL) {
			yaml_document_delete(&d);
			break;
		}
		run_scenario(e, file, &d, &t);
		yaml_document_delete(&d);
	}
	yaml_parser_delete(&parser);
	fclose(f);
	ok(t.run > 50, "%s: %d tests run", file, t.run);
	diag("%s: %d tests, %d passed, %d known deviations (TODO)", file, t.run,
	    t.passed, t.todo);
}

int
main(void)
{
	struct spf_engine *e;
	struct buf err;

	setenv("MAILAUTH_ZONE_TIMEOUT_INSTANT", "1", 1);
	buf_init(&err);
	e = spf_engine_new("receiver.example", &err);
	if (e == NULL)
		bail("spf_engine_new: %s", buf_str(&err));
	run_file(e, "rfc7208", tap_path("TESTDATA", "openspf-rfc7208/rfc7208-tests.yml"));
	run_file(e, "rfc4408", tap_path("TESTDATA", "openspf-rfc7208/rfc4408-tests.yml"));
	spf_engine_free(e);
	buf_free(&err);
	return done_testing();
}
