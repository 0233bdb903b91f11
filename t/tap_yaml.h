/*
 * tap_yaml.h - libyaml helpers for the conformance tests
 * SYNOPSIS
 *	const char *node_str(yaml_document_t *doc, yaml_node_t *n, size_t *len);
 *	yaml_node_t *map_get(yaml_document_t *doc, yaml_node_t *map, const char *key);
 *	void esc_string(struct buf *b, const char *s, size_t len);
 * DESCRIPTION
 *	node_str() is a scalar node's text (NULL for other nodes; it may hold NUL,
 *	see *len); map_get() the value of key in a mapping node (NULL if absent);
 *	esc_string() appends s as a quoted zone-file character-string (lib/dns.h),
 *	every byte outside printable ASCII, '"' and '\\' as \DDD.
 */
#ifndef MAILAUTH_TAP_YAML_H
#define MAILAUTH_TAP_YAML_H

#include <stddef.h>
#include <yaml.h>

#include "util.h"

const char *node_str(yaml_document_t *doc, yaml_node_t *n, size_t *len);
yaml_node_t *map_get(yaml_document_t *doc, yaml_node_t *map, const char *key);
void esc_string(struct buf *b, const char *s, size_t len);

#endif
