/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * netlist.c - address and network lists
 * SYNOPSIS
 *	see netlist.h
 * DESCRIPTION
 *	Each word becomes (family, address bytes, prefix length). inet_pton() decides
 *	what an address is, so "10.1", zone ids ("fe80::1%eth0"), brackets and blanks
 *	are refused; the prefix is decimal digits only, at most 32 or 128. Host bits
 *	below the prefix are allowed and ignored ("10.1.2.3/8" is 10.0.0.0/8). An
 *	IPv6 word inside ::ffff:0:0/96 is stored as the IPv4 network it denotes, and
 *	an IPv4-mapped client address is matched as IPv4, so either spelling of an
 *	IPv4 client meets either spelling of an entry. IPv4-compatible addresses
 *	(::a.b.c.d, deprecated) are plain IPv6.
 */
#include "autoconf.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "netlist.h"

struct net {
	int family;			/* AF_INET or AF_INET6 */
	unsigned char addr[16];
	unsigned prefix;
};

static const unsigned char mapped_prefix[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

struct netlist {
	size_t n;
	struct net *nets;
};

/* parse_word - "addr" or "addr/prefix" */
static int
parse_word(const char *w, struct net *out)
{
	char tmp[INET6_ADDRSTRLEN + 8];
	char *slash, *end;
	unsigned long prefix;
	unsigned max;

	if (strlen(w) >= sizeof tmp)
		return -1;
	strcpy(tmp, w);
	slash = strchr(tmp, '/');
	if (slash != NULL)
		*slash++ = '\0';
	memset(out, 0, sizeof *out);
	if (inet_pton(AF_INET, tmp, out->addr) == 1) {
		out->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, tmp, out->addr) == 1) {
		out->family = AF_INET6;
		max = 128;
	} else {
		return -1;
	}
	out->prefix = max;
	if (slash != NULL) {
		if (*slash < '0' || *slash > '9')
			return -1;
		prefix = strtoul(slash, &end, 10);
		if (*end != '\0' || prefix > max)
			return -1;
		out->prefix = (unsigned)prefix;
	}
	/* ::ffff:a.b.c.d/96+ is an IPv4 network written the IPv6 way */
	if (out->family == AF_INET6 && out->prefix >= 96 &&
	    memcmp(out->addr, mapped_prefix, sizeof mapped_prefix) == 0) {
		memmove(out->addr, out->addr + 12, 4);
		memset(out->addr + 4, 0, 12);
		out->family = AF_INET;
		out->prefix -= 96;
	}
	return 0;
}

/* netlist_parse - every word, or NULL naming the first bad one */
struct netlist *
netlist_parse(char *const *words, struct buf *err)
{
	struct netlist *l = xcalloc(1, sizeof *l);

	for (size_t i = 0; words != NULL && words[i] != NULL; i++) {
		struct net n;

		if (parse_word(words[i], &n) != 0) {
			buf_printf(err, "bad address or network \"%s\"", words[i]);
			netlist_free(l);
			return NULL;
		}
		l->nets = xreallocarray(l->nets, l->n + 1, sizeof *l->nets);
		l->nets[l->n++] = n;
	}
	return l;
}

/* prefix_match - the first bits of a and b agree */
static bool
prefix_match(const unsigned char *a, const unsigned char *b, unsigned bits)
{
	unsigned bytes = bits / 8, rest = bits % 8;

	if (memcmp(a, b, bytes) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((a[bytes] ^ b[bytes]) & (0xff << (8 - rest))) == 0;
}

/* netlist_match - the address literal ip lies in some entry */
bool
netlist_match(const struct netlist *l, const char *ip)
{
	unsigned char a4[4], a6[16];
	bool is4 = false, is6 = false;

	if (l == NULL || ip == NULL)
		return false;
	if (inet_pton(AF_INET, ip, a4) == 1) {
		is4 = true;
	} else if (inet_pton(AF_INET6, ip, a6) == 1) {
		is6 = true;
		if (memcmp(a6, mapped_prefix, sizeof mapped_prefix) == 0) {
			memcpy(a4, a6 + 12, 4);
			is4 = true;
		}
	}
	for (size_t i = 0; i < l->n; i++) {
		const struct net *n = &l->nets[i];

		if (n->family == AF_INET && is4 && prefix_match(n->addr, a4, n->prefix))
			return true;
		if (n->family == AF_INET6 && is6 && prefix_match(n->addr, a6, n->prefix))
			return true;
	}
	return false;
}

/* netlist_free - release a list (NULL is a no-op) */
void
netlist_free(struct netlist *l)
{
	if (l == NULL)
		return;
	free(l->nets);
	free(l);
}
