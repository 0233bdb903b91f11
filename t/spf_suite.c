/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * spf_suite.c - lib/spf against the OpenSPF conformance suites (RFC 7208 and 4408)
 *
 * $TESTDATA/openspf-rfc7208/rfc7208-tests.yml and rfc4408-tests.yml (pyspf's copy)
 * are multi-document YAML files: each document is a scenario with "tests" (name ->
 * helo, host, mailfrom, result: one word or a list of acceptable words, optional
 * explanation) and "zonedata" (domain -> list of one-key maps TXT/SPF/A/AAAA/MX/
 * PTR/CNAME, or the bare word TIMEOUT). Each scenario becomes one zone resolver
 * (dns_zone_new + dns_zone_add_line, every string escaped), following the
 * conventions of the suite's reference driver (pyspf testspf.py):
 *   - SPF-type records are served as TXT only when the name has no TXT entry at
 *     all ("TXT: NONE" is such an entry and serves nothing);
 *   - TIMEOUT: types with records listed before it answer; every other type at
 *     that name times out; records after it are never served (SPF-derived TXT
 *     records count as listed last);
 *   - an empty SPF list (no strings) is served as one empty string.
 * Every test runs through spf_check() as the milter runs it: the MAIL FROM identity,
 * or, when mailfrom is empty, the null sender (postmaster@HELO). One TAP line per
 * test. We do not evaluate exp= (lib/spf.c), so "explanation" is not compared.
 * Deliberate deviations are listed below with their reason and reported as TODO
 * (an unexpected pass of a TODO line fails the run), never skipped.
 */
#include "autoconf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "dns.h"
#include "spf.h"
#include "tap.h"
#include "tap_yaml.h"
#include "util.h"

struct deviation {
	const char *test;
	const char *reason;
};

/* RFC 7208 suite: where we knowingly differ (none at the moment) */
static const struct deviation dev7208[] = {
	{ NULL, NULL },
};

/* RFC 4408 suite: expectations that RFC 7208 changed. None at the moment: pyspf's
 * copy already lists the RFC 7208 answer beside the RFC 4408 one wherever they
 * differ (e.g. result: [permerror, ...]), and the whole file passes. */
static const struct deviation dev4408[] = {
	{ NULL, NULL },
};

struct counts {
	int pass, fail, todo;
};

/* esc_word - a zone word (owner or host name) with unusual bytes as \DDD */
static void
esc_word(struct buf *b, const char *s, size_t len)
{
	size_t i;

	if (len == 0) {
		buf_adds(b, ".");	/* the root: MX 0 "" is a null MX */
		return;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (isalnum(c) || strchr("-._*:/%+=~", c) != NULL)
			buf_addc(b, (char)c);
		else
			buf_printf(b, "\\%03u", c);
	}
}

/* add_line - one zone line; a failure is a test failure */
static void
add_line(struct dns_resolver *z, const struct buf *line, const char *where)
{
	struct buf err;

	buf_init(&err);
	if (dns_zone_add_line(z, buf_str(line), &err) < 0)
		ok(0, "%s: zone line %s: %s", where, buf_str(line), buf_str(&err));
	buf_free(&err);
}

/* add_txt - a TXT line from a scalar or a list of strings */
static void
add_txt(struct dns_resolver *z, yaml_document_t *doc, const char *owner,
    size_t olen, yaml_node_t *v, const char *where)
{
	struct buf line;
	const char *s;
	size_t len;
	yaml_node_item_t *it;

	buf_init(&line);
	esc_word(&line, owner, olen);
	buf_adds(&line, " TXT");
	if ((s = node_str(doc, v, &len)) != NULL) {
		buf_addc(&line, ' ');
		esc_string(&line, s, len);
	} else if (v != NULL && v->type == YAML_SEQUENCE_NODE) {
		if (v->data.sequence.items.start == v->data.sequence.items.top)
			buf_adds(&line, " \"\"");	/* no strings: one empty one */
		for (it = v->data.sequence.items.start; it < v->data.sequence.items.top;
		    it++) {
			s = node_str(doc, yaml_document_get_node(doc, *it), &len);
			buf_addc(&line, ' ');
			esc_string(&line, s != NULL ? s : "", s != NULL ? len : 0);
		}
	}
	add_line(z, &line, where);
	buf_free(&line);
}

/* add_simple - A/AAAA/PTR/CNAME lines from a scalar or a list */
static void
add_simple(struct dns_resolver *z, yaml_document_t *doc, const char *owner,
    size_t olen, const char *type, yaml_node_t *v, const char *where)
{
	yaml_node_item_t *it;
	struct buf line;
	const char *s;
	size_t len;

	if (v != NULL && v->type == YAML_SEQUENCE_NODE) {
		for (it = v->data.sequence.items.start; it < v->data.sequence.items.top;
		    it++)
			add_simple(z, doc, owner, olen, type,
			    yaml_document_get_node(doc, *it), where);
		return;
	}
	if ((s = node_str(doc, v, &len)) == NULL)
		return;
	buf_init(&line);
	esc_word(&line, owner, olen);
	buf_printf(&line, " %s ", type);
	if (strcmp(type, "A") == 0 || strcmp(type, "AAAA") == 0)
		buf_add(&line, s, len);
	else
		esc_word(&line, s, len);
	add_line(z, &line, where);
	buf_free(&line);
}

/* add_mx - "MX: [pref, host]" */
static void
add_mx(struct dns_resolver *z, yaml_document_t *doc, const char *owner, size_t olen,
    yaml_node_t *v, const char *where)
{
	struct buf line;
	const char *pref, *host;
	size_t plen, hlen;

	if (v == NULL || v->type != YAML_SEQUENCE_NODE ||
	    v->data.sequence.items.top - v->data.sequence.items.start != 2) {
		ok(0, "%s: MX entry of %s is not [pref, host]", where, owner);
		return;
	}
	pref = node_str(doc, yaml_document_get_node(doc, v->data.sequence.items.start[0]),
	    &plen);
	host = node_str(doc, yaml_document_get_node(doc, v->data.sequence.items.start[1]),
	    &hlen);
	if (pref == NULL || host == NULL)
		return;
	buf_init(&line);
	esc_word(&line, owner, olen);
	buf_adds(&line, " MX ");
	buf_add(&line, pref, plen);
	buf_addc(&line, ' ');
	esc_word(&line, host, hlen);
	add_line(z, &line, where);
	buf_free(&line);
}

/* entry_kv - the single key and value of a zone entry map; NULL key for scalars */
static const char *
entry_kv(yaml_document_t *doc, yaml_node_t *e, yaml_node_t **val)
{
	yaml_node_pair_t *p;

	*val = NULL;
	if (e == NULL || e->type != YAML_MAPPING_NODE ||
	    e->data.mapping.pairs.start == e->data.mapping.pairs.top)
		return NULL;
	p = e->data.mapping.pairs.start;
	*val = yaml_document_get_node(doc, p->value);
	return node_str(doc, yaml_document_get_node(doc, p->key), NULL);
}

/* add_name - every record of one owner name, with the suite's conventions */
static void
add_name(struct dns_resolver *z, yaml_document_t *doc, const char *owner,
    size_t olen, yaml_node_t *list, const char *where)
{
	static const char *const types[] = { "A", "AAAA", "MX", "PTR", "TXT", "CNAME" };
	bool has_txt = false, served[NELEM(types)] = { false };
	long timeout_at = -1, i, n;
	yaml_node_item_t *it;
	struct buf line;
	size_t k;

	if (list == NULL || list->type != YAML_SEQUENCE_NODE)
		return;
	n = list->data.sequence.items.top - list->data.sequence.items.start;
	for (i = 0; i < n; i++) {
		yaml_node_t *e = yaml_document_get_node(doc,
		    list->data.sequence.items.start[i]), *v;
		const char *key = entry_kv(doc, e, &v);
		const char *s = node_str(doc, e, NULL);

		if (key != NULL && strcmp(key, "TXT") == 0)
			has_txt = true;
		if (s != NULL && strcmp(s, "TIMEOUT") == 0 && timeout_at < 0)
			timeout_at = i;
	}
	for (i = 0; i < n && (timeout_at < 0 || i < timeout_at); i++) {
		yaml_node_t *e = yaml_document_get_node(doc,
		    list->data.sequence.items.start[i]), *v;
		const char *key = entry_kv(doc, e, &v), *s;

		if (key == NULL)
			continue;
		s = node_str(doc, v, NULL);
		if (s != NULL && strcmp(s, "NONE") == 0)
			continue;
		if (s != NULL && strcmp(s, "TIMEOUT") == 0) {
			buf_init(&line);
			esc_word(&line, owner, olen);
			buf_printf(&line, " %s TIMEOUT", strcmp(key, "SPF") == 0 ? "TXT" : key);
			add_line(z, &line, where);
			buf_free(&line);
			continue;
		}
		if (strcmp(key, "SPF") == 0) {
			if (!has_txt && timeout_at < 0)
				add_txt(z, doc, owner, olen, v, where);
			continue;
		}
		for (k = 0; k < NELEM(types); k++)
			if (strcmp(key, types[k]) == 0)
				served[k] = true;
		if (strcmp(key, "TXT") == 0)
			add_txt(z, doc, owner, olen, v, where);
		else if (strcmp(key, "MX") == 0)
			add_mx(z, doc, owner, olen, v, where);
		else if (strcmp(key, "A") == 0 || strcmp(key, "AAAA") == 0 ||
		    strcmp(key, "PTR") == 0 || strcmp(key, "CNAME") == 0)
			add_simple(z, doc, owner, olen, key, v, where);
		else
			ok(0, "%s: unknown zone entry type %s at %s", where, key, owner);
	}
	if (timeout_at < 0)
		return;
	for (k = 0; k < NELEM(types); k++) {
		if (served[k])
			continue;
		buf_init(&line);
		esc_word(&line, owner, olen);
		buf_printf(&line, " %s TIMEOUT", types[k]);
		add_line(z, &line, where);
		buf_free(&line);
	}
	(void)it;
}

/* build_zone - the scenario's resolver */
static struct dns_resolver *
build_zone(yaml_document_t *doc, yaml_node_t *zonedata, const char *where)
{
	struct dns_resolver *z = dns_zone_new();
	yaml_node_pair_t *p;

	if (zonedata == NULL || zonedata->type != YAML_MAPPING_NODE)
		return z;
	for (p = zonedata->data.mapping.pairs.start; p < zonedata->data.mapping.pairs.top;
	    p++) {
		size_t olen;
		const char *owner = node_str(doc, yaml_document_get_node(doc, p->key),
		    &olen);

		if (owner != NULL)
			add_name(z, doc, owner, olen, yaml_document_get_node(doc, p->value),
			    where);
	}
	return z;
}

/* deviation_for - the documented deviation of a test, or NULL */
static const char *
deviation_for(const struct deviation *dev, const char *name)
{
	for (; dev->test != NULL; dev++)
		if (strcmp(dev->test, name) == 0)
			return dev->reason;
	return NULL;
}

/* run_test - one test case, one TAP line */
static void
run_test(struct spf_engine *e, struct dns_resolver *z, yaml_document_t *doc,
    const char *scenario, const char *name, yaml_node_t *t,
    const struct deviation *dev, struct counts *c)
{
	const char *helo = node_str(doc, map_get(doc, t, "helo"), NULL);
	const char *host = node_str(doc, map_get(doc, t, "host"), NULL);
	const char *from = node_str(doc, map_get(doc, t, "mailfrom"), NULL);
	yaml_node_t *res = map_get(doc, t, "result");
	struct spf_outcome o;
	struct dns_session s;
	struct buf accept;
	const char *got, *why;
	bool good = false;

	buf_init(&accept);
	dns_session_init(&s, z, 1000);
	spf_check(e, &s, host != NULL ? host : "", helo != NULL ? helo : "",
	    from != NULL ? from : "", false, &o);
	got = spf_result_name(o.result);
	if (res != NULL && res->type == YAML_SEQUENCE_NODE) {
		yaml_node_item_t *it;

		for (it = res->data.sequence.items.start; it < res->data.sequence.items.top;
		    it++) {
			const char *w = node_str(doc, yaml_document_get_node(doc, *it), NULL);

			if (w == NULL)
				continue;
			buf_printf(&accept, "%s%s", accept.len ? ", " : "", w);
			if (strcmp(w, got) == 0)
				good = true;
		}
	} else if (node_str(doc, res, NULL) != NULL) {
		buf_adds(&accept, node_str(doc, res, NULL));
		good = strcmp(node_str(doc, res, NULL), got) == 0;
	}
	if ((why = deviation_for(dev, name)) != NULL) {
		todo(good, why, "%s/%s: got %s, accept [%s]", scenario, name, got,
		    buf_str(&accept));
		c->todo++;
	} else {
		ok(good, "%s/%s: got %s, accept [%s]", scenario, name, got,
		    buf_str(&accept));
		if (good)
			c->pass++;
		else
			c->fail++;
	}
	if (!good)
		diag("    reason: %s; %u queries, %u terms, %u void", o.reason != NULL ?
		    o.reason : "", s.queries, s.spf_terms, s.spf_void);
	spf_outcome_clear(&o);
	buf_free(&accept);
}

struct run {
	struct spf_engine *e;
	const struct deviation *dev;
	struct counts *c;
	struct dns_resolver *z;
	const char *scenario;
};

/* one_test - yaml_each_pair callback: one test of a scenario */
static void
one_test(yaml_document_t *doc, const char *name, yaml_node_t *t, void *arg)
{
	struct run *r = arg;

	run_test(r->e, r->z, doc, r->scenario, name, t, r->dev, r->c);
}

/* one_scenario - yaml_each_doc callback: its zone, then its tests */
static void
one_scenario(yaml_document_t *doc, yaml_node_t *root, const char *scenario, void *arg)
{
	struct run *r = arg;

	r->scenario = scenario;
	r->z = build_zone(doc, map_get(doc, root, "zonedata"), scenario);
	yaml_each_pair(doc, map_get(doc, root, "tests"), one_test, r);
	dns_resolver_free(r->z);
}

/* run_file - every scenario of one suite file */
static void
run_file(struct spf_engine *e, const char *file, const struct deviation *dev,
    struct counts *c)
{
	struct run r = { e, dev, c, NULL, NULL };
	int ndoc = yaml_each_doc(tap_path("TESTDATA", file), one_scenario, &r);

	ok(ndoc > 0, "%s: %d scenarios read", file, ndoc);
}

int
main(void)
{
	struct spf_engine *e;
	struct buf err;
	struct counts c7208 = { 0, 0, 0 }, c4408 = { 0, 0, 0 };

	setenv("MAILAUTH_ZONE_TIMEOUT_INSTANT", "1", 1);
	buf_init(&err);
	if ((e = spf_engine_new("receiver.example", &err)) == NULL)
		bail("spf_engine_new: %s", buf_str(&err));
	plan(0);
	run_file(e, "openspf-rfc7208/rfc7208-tests.yml", dev7208, &c7208);
	run_file(e, "openspf-rfc7208/rfc4408-tests.yml", dev4408, &c4408);
	diag("RFC 7208 suite: %d pass, %d fail, %d documented deviations (TODO)",
	    c7208.pass, c7208.fail, c7208.todo);
	diag("RFC 4408 suite: %d pass, %d fail, %d changed by RFC 7208 (TODO)",
	    c4408.pass, c4408.fail, c4408.todo);
	diag("exp= is not evaluated (lib/spf.c), so explanations are not compared");
	spf_engine_free(e);
	buf_free(&err);
	return done_testing();
}
