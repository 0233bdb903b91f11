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

static const char *bad[] = {
	"10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/8x", "10.0.0",
	"example.com", "1.2.3.4.5", "::g", "/8", "10.0.0.0/8/8",
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
