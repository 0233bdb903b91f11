/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * netlist_test.c - lib/netlist: CIDR parsing and matching
 */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include "netlist.h"
#include "tap.h"

static const struct {
	const char *ip;
	bool want;
} matches[] = {
	{ "127.0.0.1", true }, { "127.255.255.254", true }, { "128.0.0.1", false },
	{ "::1", true }, { "::2", false }, { "::ffff:127.0.0.1", true },
	{ "::ffff:10.1.2.3", true }, { "10.255.0.1", true }, { "11.0.0.1", false },
	{ "192.0.2.7", true }, { "192.0.2.8", false }, { "192.0.2.6", false },
	{ "2001:db8::1", true }, { "2001:db8:ffff::1", true }, { "2001:db9::1", false },
	{ "198.51.100.0", true }, { "198.51.100.63", true }, { "198.51.100.64", false },
	{ "203.0.113.9", false }, { "not-an-ip", false }, { "", false },
	{ "0.0.0.0", false }, { "2001:db8::", true },
};

/* prefix edges, a list of its own */
static const struct {
	const char *ip;
	bool want;
} edges[] = {
	{ "192.0.2.127", false }, { "192.0.2.128", true }, { "192.0.2.255", true },
	{ "198.51.100.0", true }, { "198.51.100.1", true }, { "198.51.100.2", false },
	{ "2001:db8::", true }, { "2001:db8::1", true }, { "2001:db8::2", false },
	{ "::ffff:203.0.113.77", true }, { "203.0.113.77", true },
	{ "203.0.114.1", false }, { "::ffff:203.0.114.1", false },
	{ "::FFFF:192.0.2.200", true }, { "::192.0.2.200", false },
	{ "fe80::1", true }, { "fe80::1%eth0", false }, { "[fe80::1]", false },
	{ "febf:ffff::1", true }, { "fec0::1", false },
};

static const char *bad[] = {
	"10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/8x", "10.0.0",
	"example.com", "1.2.3.4.5", "::g", "/8", "10.0.0.0/8/8", "10.0.0.0/+8",
	"10.0.0.0/ 8", "fe80::1%eth0", "[::1]", "::1/1280", "10.0.0.0/99999999999999999999",
	"1.2.3.4 ", "IPv6:::1", "256.0.0.0/8",
};

int
main(void)
{
	char *words[] = { "127.0.0.0/8", "::1", "10.0.0.0/8", "192.0.2.7",
	    "2001:db8::/32", "198.51.100.0/26", NULL };
	char *empty[] = { NULL };
	char *zero[] = { "0.0.0.0/0", NULL };
	struct netlist *l, *e, *z;
	struct buf err;

	buf_init(&err);
	l = netlist_parse(words, &err);
	if (!ok(l != NULL, "list parses"))
		bail("%s", buf_str(&err));
	for (size_t i = 0; i < NELEM(matches); i++)
		is_int(matches[i].want, netlist_match(l, matches[i].ip), "match %s",
		    matches[i].ip);
	for (size_t i = 0; i < NELEM(bad); i++) {
		char *one[] = { (char *)bad[i], NULL };

		buf_reset(&err);
		ok(netlist_parse(one, &err) == NULL && strstr(buf_str(&err), bad[i]) != NULL,
		    "refused \"%s\": %s", bad[i], buf_str(&err));
	}
	e = netlist_parse(empty, &err);
	ok(e != NULL && !netlist_match(e, "127.0.0.1"), "empty list matches nothing");
	ok(!netlist_match(NULL, "127.0.0.1"), "NULL list matches nothing");
	{
		char *ewords[] = { "192.0.2.128/25", "198.51.100.1/31", "2001:db8::/127",
		    "::ffff:203.0.113.0/120", "fe80::/10", NULL };
		struct netlist *ed = netlist_parse(ewords, &err);

		if (ok(ed != NULL, "edge list parses (host bits under the mask allowed)"))
			for (size_t i = 0; i < NELEM(edges); i++)
				is_int(edges[i].want, netlist_match(ed, edges[i].ip),
				    "edge match %s", edges[i].ip);
		netlist_free(ed);
	}
	{
		char *v6all[] = { "::/0", NULL };
		struct netlist *a = netlist_parse(v6all, &err);

		ok(a != NULL && netlist_match(a, "2001:db8::1") && !netlist_match(a, "192.0.2.1"),
		    "::/0 matches every IPv6 address, no IPv4");
		netlist_free(a);
	}
	{
		char *half[] = { "128.0.0.0/1", NULL };
		char *mapped_only[] = { "::ffff:0:0/96", NULL };
		struct netlist *h = netlist_parse(half, &err), *m = netlist_parse(mapped_only, &err);

		ok(h != NULL && netlist_match(h, "128.0.0.0") &&
		    netlist_match(h, "255.255.255.255") && !netlist_match(h, "127.255.255.255") &&
		    netlist_match(h, "::ffff:200.1.1.1"), "128.0.0.0/1: the upper half");
		ok(m != NULL && netlist_match(m, "127.0.0.1") && netlist_match(m, "::ffff:10.0.0.1") &&
		    !netlist_match(m, "::1"), "::ffff:0:0/96 alone: IPv4 clients only");
		netlist_free(h);
		netlist_free(m);
	}
	z = netlist_parse(zero, &err);
	ok(z != NULL && netlist_match(z, "203.0.113.1") && !netlist_match(z, "2001:db8::1"),
	    "0.0.0.0/0 matches every IPv4 address, no IPv6");
	netlist_free(l);
	netlist_free(e);
	netlist_free(z);
	netlist_free(NULL);
	buf_free(&err);
	return done_testing();
}
