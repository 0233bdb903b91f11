/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * netlist.h - lists of addresses and networks (InternalHosts, TagOnlyHosts)
 * SYNOPSIS
 *	struct netlist *netlist_parse(char *const *words, struct buf *err);
 *	bool netlist_match(const struct netlist *l, const char *ip);
 *	void netlist_free(struct netlist *l);
 * DESCRIPTION
 *	Words are IPv4 or IPv6 addresses with an optional /prefix ("127.0.0.0/8", "::1",
 *	"2001:db8::/32"). netlist_parse() returns NULL with a reason in err for a bad
 *	word. netlist_match() takes an address literal; an IPv4-mapped IPv6 address
 *	matches IPv4 entries, and an entry written as ::ffff:a.b.c.d/96..128 is an IPv4
 *	entry. A NULL list matches nothing.
 */
#ifndef MAILAUTH_NETLIST_H
#define MAILAUTH_NETLIST_H

#include <stdbool.h>

#include "util.h"

struct netlist;

struct netlist *netlist_parse(char *const *words, struct buf *err);
bool netlist_match(const struct netlist *l, const char *ip);
void netlist_free(struct netlist *l);

#endif
