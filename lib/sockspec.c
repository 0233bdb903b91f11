/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sockspec.c - milter socket specifications
 * SYNOPSIS
 *	see sockspec.h
 * DESCRIPTION
 *	libmilter's own parser (mi_milteropen) accepts what it cannot use and fails
 *	late: atoi() ports (0, 99999, "25x"), service names, any host text. We accept
 *	a strict subset of its forms and say what is wrong before libmilter sees
 *	the string: a decimal port 1..65535, an IPv4 address (also "[a.b.c.d]") or a
 *	host name for inet, an IPv6 literal for inet6, an absolute path shorter than
 *	sun_path for unix. The family words are case-insensitive, as in libmilter.
 */
#include "autoconf.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "sockspec.h"

/* parse_port - 1..65535, digits only */
static int
parse_port(const char *s, size_t len, unsigned *out)
{
	unsigned long v = 0;

	if (len == 0 || len > 5)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* parse_inet - "PORT" or "PORT@ADDR" */
static int
parse_inet(const char *spec, const char *rest, bool v6, struct sockspec *out,
    struct buf *err)
{
	const char *at = strchr(rest, '@');
	size_t plen = at != NULL ? (size_t)(at - rest) : strlen(rest);
	unsigned char tmp[16];

	if (parse_port(rest, plen, &out->port) != 0) {
		buf_printf(err, "socket \"%s\": port must be a number from 1 to 65535",
		    spec);
		return -1;
	}
	out->addr[0] = '\0';
	if (at == NULL)
		return 0;
	at++;
	if (v6) {
		size_t len = strlen(at);

		if (len >= 2 && at[0] == '[' && at[len - 1] == ']') {
			at++;
			len -= 2;
		}
		if (len == 0 || len >= sizeof out->addr) {
			buf_printf(err, "socket \"%s\": bad IPv6 address", spec);
			return -1;
		}
		memcpy(out->addr, at, len);
		out->addr[len] = '\0';
		if (inet_pton(AF_INET6, out->addr, tmp) != 1) {
			buf_printf(err, "socket \"%s\": \"%s\" is not an IPv6 address",
			    spec, out->addr);
			return -1;
		}
		return 0;
	}
	if (*at == '[') {
		/* libmilter's bracketed numeric form: [a.b.c.d] */
		size_t len = strlen(at);

		if (len < 3 || at[len - 1] != ']' || len - 2 >= sizeof out->addr) {
			buf_printf(err, "socket \"%s\": bad bracketed IPv4 address", spec);
			return -1;
		}
		memcpy(out->addr, at + 1, len - 2);
		out->addr[len - 2] = '\0';
		if (inet_pton(AF_INET, out->addr, tmp) != 1) {
			buf_printf(err, "socket \"%s\": \"%s\" is not an IPv4 address",
			    spec, out->addr);
			out->addr[0] = '\0';
			return -1;
		}
		return 0;
	}
	if (*at == '\0' || strlen(at) >= sizeof out->addr) {
		buf_printf(err, "socket \"%s\": missing or overlong address after '@'",
		    spec);
		return -1;
	}
	for (const char *p = at; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-') {
			buf_printf(err, "socket \"%s\": \"%s\" is not an IPv4 address or "
			    "host name", spec, at);
			return -1;
		}
	/* digits and dots only: an address, and then a complete one (no "127.1") */
	if (strspn(at, "0123456789.") == strlen(at) && inet_pton(AF_INET, at, tmp) != 1) {
		buf_printf(err, "socket \"%s\": \"%s\" is not an IPv4 address", spec, at);
		return -1;
	}
	strcpy(out->addr, at);
	return 0;
}

/* sockspec_parse - split and check a socket specification */
int
sockspec_parse(const char *spec, struct sockspec *out, struct buf *err)
{
	const char *path = NULL;

	memset(out, 0, sizeof *out);
	if (spec == NULL || *spec == '\0') {
		buf_adds(err, "socket: empty specification");
		return -1;
	}
	if (strncasecmp(spec, "inet:", 5) == 0) {
		out->family = SOCK_INET;
		return parse_inet(spec, spec + 5, false, out, err);
	}
	if (strncasecmp(spec, "inet6:", 6) == 0) {
		out->family = SOCK_INET6;
		return parse_inet(spec, spec + 6, true, out, err);
	}
	if (strncasecmp(spec, "unix:", 5) == 0)
		path = spec + 5;
	else if (strncasecmp(spec, "local:", 6) == 0)
		path = spec + 6;
	else if (spec[0] == '/')
		path = spec;
	if (path == NULL) {
		buf_printf(err, "socket \"%s\": use inet:PORT@ADDR, inet6:PORT@ADDR or "
		    "unix:/PATH", spec);
		return -1;
	}
	out->family = SOCK_UNIX;
	if (path[0] != '/') {
		buf_printf(err, "socket \"%s\": a unix socket path must be absolute", spec);
		return -1;
	}
	if (strlen(path) >= sizeof out->path) {
		buf_printf(err, "socket \"%s\": path longer than %zu bytes", spec,
		    sizeof out->path - 1);
		return -1;
	}
	strcpy(out->path, path);
	return 0;
}
