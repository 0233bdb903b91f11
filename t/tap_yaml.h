/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tap_yaml.h - libyaml helpers for the conformance tests
 * SYNOPSIS
 *	const char *node_str(yaml_document_t *doc, yaml_node_t *n, size_t *len);
 *	yaml_node_t *map_get(yaml_document_t *doc, yaml_node_t *map, const char *key);
 *	void esc_string(struct buf *b, const char *s, size_t len);
 *	int yaml_each_doc(const char *path, yaml_doc_fn *fn, void *arg);
 *	void yaml_each_pair(yaml_document_t *doc, yaml_node_t *map,
 *	    yaml_pair_fn *fn, void *arg);
 * DESCRIPTION
 *	node_str() is a scalar node's text (NULL for other nodes; it may hold NUL,
 *	see *len); map_get() the value of key in a mapping node (NULL if absent);
 *	esc_string() appends s as a quoted zone-file character-string (lib/dns.h),
 *	every byte outside printable ASCII, '"' and '\\' as \DDD.
 *	yaml_each_doc() calls fn for every document of a multi-document file (root
 *	node, and its "description" or "?"), reports a YAML error as a failing test
 *	point and returns the number of documents read (-1: cannot open).
 *	yaml_each_pair() calls fn for each pair of a mapping whose key is a scalar.
 */
#ifndef MAILAUTH_TAP_YAML_H
#define MAILAUTH_TAP_YAML_H

#include <stddef.h>
#include <yaml.h>

#include "util.h"

typedef void yaml_doc_fn(yaml_document_t *doc, yaml_node_t *root, const char *scenario,
    void *arg);
typedef void yaml_pair_fn(yaml_document_t *doc, const char *key, yaml_node_t *value,
    void *arg);

const char *node_str(yaml_document_t *doc, yaml_node_t *n, size_t *len);
yaml_node_t *map_get(yaml_document_t *doc, yaml_node_t *map, const char *key);
void esc_string(struct buf *b, const char *s, size_t len);
int yaml_each_doc(const char *path, yaml_doc_fn *fn, void *arg);
void yaml_each_pair(yaml_document_t *doc, yaml_node_t *map, yaml_pair_fn *fn,
    void *arg);

#endif
