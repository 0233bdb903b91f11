/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tap_yaml.c - libyaml helpers shared by the YAML-driven conformance tests
 *	(t/spf_suite.c, t/arc_suite.c); see tap_yaml.h
 */
#include "autoconf.h"

#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include "tap.h"
#include "tap_yaml.h"

/* node_str - a scalar node's text (may hold NUL: see *len), or NULL */
const char *
node_str(yaml_document_t *doc, yaml_node_t *n, size_t *len)
{
	(void)doc;
	if (n == NULL || n->type != YAML_SCALAR_NODE)
		return NULL;
	if (len != NULL)
		*len = n->data.scalar.length;
	return (const char *)n->data.scalar.value;
}

/* map_get - the value of key in a mapping node, or NULL */
yaml_node_t *
map_get(yaml_document_t *doc, yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *p;

	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		const char *k = node_str(doc, yaml_document_get_node(doc, p->key), NULL);

		if (k != NULL && strcmp(k, key) == 0)
			return yaml_document_get_node(doc, p->value);
	}
	return NULL;
}

/* esc_string - a quoted zone character-string, every odd byte as \DDD */
void
esc_string(struct buf *b, const char *s, size_t len)
{
	size_t i;

	buf_addc(b, '"');
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c > 0x7e || c == '"' || c == '\\')
			buf_printf(b, "\\%03u", c);
		else
			buf_addc(b, (char)c);
	}
	buf_addc(b, '"');
}

/* yaml_each_doc - every document of a YAML file */
int
yaml_each_doc(const char *path, yaml_doc_fn *fn, void *arg)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	FILE *fp;
	int ndoc = 0;

	if ((fp = fopen(path, "rb")) == NULL)
		return -1;
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, fp);
	for (;;) {
		yaml_node_t *root;
		const char *scenario;

		if (!yaml_parser_load(&parser, &doc)) {
			ok(0, "%s: YAML error: %s (line %lu)", path,
			    parser.problem != NULL ? parser.problem : "?",
			    (unsigned long)parser.problem_mark.line + 1);
			break;
		}
		if ((root = yaml_document_get_root_node(&doc)) == NULL) {
			yaml_document_delete(&doc);
			break;
		}
		ndoc++;
		scenario = node_str(&doc, map_get(&doc, root, "description"), NULL);
		fn(&doc, root, scenario != NULL ? scenario : "?", arg);
		yaml_document_delete(&doc);
	}
	yaml_parser_delete(&parser);
	fclose(fp);
	return ndoc;
}

/* yaml_each_pair - every pair of a mapping with a scalar key */
void
yaml_each_pair(yaml_document_t *doc, yaml_node_t *map, yaml_pair_fn *fn, void *arg)
{
	yaml_node_pair_t *p;

	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return;
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		const char *key = node_str(doc, yaml_document_get_node(doc, p->key), NULL);

		if (key != NULL)
			fn(doc, key, yaml_document_get_node(doc, p->value), arg);
	}
}
