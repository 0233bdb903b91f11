/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sockspec_test.c - lib/sockspec: the socket forms libmilter takes, checked first
 */
#include "autoconf.h"

#include <string.h>

#include "sockspec.h"
#include "tap.h"

static const struct {
	const char *spec;
	enum sock_family family;
	unsigned port;
	const char *addr, *path;
} good[] = {
	{ "inet:8891@127.0.0.1", SOCK_INET, 8891, "127.0.0.1", "" },
	{ "inet:8891", SOCK_INET, 8891, "", "" },
	{ "INET:1@localhost", SOCK_INET, 1, "localhost", "" },
	{ "inet:65535@mx-1.example.net", SOCK_INET, 65535, "mx-1.example.net", "" },
	{ "inet:8891@[127.0.0.1]", SOCK_INET, 8891, "127.0.0.1", "" },
	{ "inet:08891@0.0.0.0", SOCK_INET, 8891, "0.0.0.0", "" },
	{ "inet6:8891@::1", SOCK_INET6, 8891, "::1", "" },
	{ "Inet6:1@::ffff:192.0.2.1", SOCK_INET6, 1, "::ffff:192.0.2.1", "" },
	{ "UNIX:/m.sock", SOCK_UNIX, 0, "", "/m.sock" },
	{ "inet6:8891@[2001:db8::25]", SOCK_INET6, 8891, "2001:db8::25", "" },
	{ "inet6:25", SOCK_INET6, 25, "", "" },
	{ "unix:/run/mailauth/mailauth.sock", SOCK_UNIX, 0, "", "/run/mailauth/mailauth.sock" },
	{ "local:/var/spool/postfix/m.sock", SOCK_UNIX, 0, "", "/var/spool/postfix/m.sock" },
	{ "/tmp/m.sock", SOCK_UNIX, 0, "", "/tmp/m.sock" },
};

static const struct {
	const char *spec, *why;
} bad[] = {
	{ "", "empty" },
	{ "inet:0@127.0.0.1", "port must be" },
	{ "inet:65536@127.0.0.1", "port must be" },
	{ "inet:@127.0.0.1", "port must be" },
	{ "inet:88a1@127.0.0.1", "port must be" },
	{ "inet:123456", "port must be" },
	{ "inet:8891@", "missing or overlong address" },
	{ "inet:8891@127.0.0.1;rm", "not an IPv4 address or host name" },
	{ "inet6:8891@127.0.0.1", "not an IPv6 address" },
	{ "inet6:8891@[::1", "not an IPv6 address" },
	{ "inet:-1@127.0.0.1", "port must be" },
	{ "inet: 25", "port must be" },
	{ "inet:smtp@127.0.0.1", "port must be" },
	{ "inet:8891@127.0.0.1:25", "not an IPv4 address or host name" },
	{ "inet:8891@127.1", "not an IPv4 address" },
	{ "inet:8891@300.1.1.1", "not an IPv4 address" },
	{ "inet:8891@[127.0.0.1", "bad bracketed IPv4 address" },
	{ "inet:8891@[]", "bad bracketed IPv4 address" },
	{ "inet:8891@[::1]", "is not an IPv4 address" },
	{ "inet:8891@mx_1.example", "not an IPv4 address or host name" },
	{ "inet6:0@::1", "port must be" },
	{ "inet6:8891@", "bad IPv6 address" },
	{ "inet6:8891@[]", "bad IPv6 address" },
	{ "inet6:8891@localhost", "not an IPv6 address" },
	{ "inet6:8891@2001:db8::g", "not an IPv6 address" },
	{ "unix:relative.sock", "must be absolute" },
	{ "unix:", "must be absolute" },
	{ "local:run/m.sock", "must be absolute" },
	{ "relative.sock", "use inet:PORT@ADDR" },
	{ "tcp:8891", "use inet:PORT@ADDR" },
	{ "8891", "use inet:PORT@ADDR" },
};

int
main(void)
{
	struct sockspec s;
	struct buf err;
	char longpath[200], longhost[300];

	buf_init(&err);
	for (size_t i = 0; i < NELEM(good); i++) {
		buf_reset(&err);
		if (!is_int(0, sockspec_parse(good[i].spec, &s, &err), "accepts %s",
		    good[i].spec)) {
			diag("%s", buf_str(&err));
			continue;
		}
		is_int(good[i].family, s.family, "%s: family", good[i].spec);
		is_int(good[i].port, s.port, "%s: port", good[i].spec);
		is_string(good[i].addr, s.addr, "%s: address", good[i].spec);
		is_string(good[i].path, s.path, "%s: path", good[i].spec);
	}
	for (size_t i = 0; i < NELEM(bad); i++) {
		buf_reset(&err);
		is_int(-1, sockspec_parse(bad[i].spec, &s, &err), "refuses \"%s\"",
		    bad[i].spec);
		ok(strstr(buf_str(&err), bad[i].why) != NULL, "\"%s\": says \"%s\": %s",
		    bad[i].spec, bad[i].why, buf_str(&err));
	}
	/* sun_path holds 107 bytes and the NUL: 107 fit, 108 do not */
	for (size_t plen = 106; plen <= 109; plen++) {
		memset(longpath, 'a', sizeof longpath);
		memcpy(longpath, "unix:/", 6);
		longpath[5 + plen] = '\0';
		buf_reset(&err);
		if (plen <= 107) {
			is_int(0, sockspec_parse(longpath, &s, &err), "accepts a %zu-byte path",
			    plen);
			is_int((long)plen, (long)strlen(s.path), "keeps all %zu bytes", plen);
		} else {
			is_int(-1, sockspec_parse(longpath, &s, &err), "refuses a %zu-byte path",
			    plen);
			ok(strstr(buf_str(&err), "path longer than 107 bytes") != NULL,
			    "overlong path message: %s", buf_str(&err));
		}
	}
	memset(longhost, 'a', sizeof longhost - 1);
	longhost[sizeof longhost - 1] = '\0';
	memcpy(longhost, "inet:25@", 8);
	buf_reset(&err);
	is_int(-1, sockspec_parse(longhost, &s, &err), "refuses a 291-byte host name");
	ok(strstr(buf_str(&err), "overlong address") != NULL, "overlong host message: %s",
	    buf_str(&err));
	buf_reset(&err);
	is_int(-1, sockspec_parse(NULL, &s, &err), "refuses NULL");
	buf_free(&err);
	return done_testing();
}
