/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sockspec.h - milter socket specifications: inet:PORT@ADDR, inet6:PORT@ADDR, unix:PATH
 * SYNOPSIS
 *	int sockspec_parse(const char *spec, struct sockspec *out, struct buf *err);
 * DESCRIPTION
 *	Accepts "inet:PORT", "inet:PORT@ADDR" (ADDR an IPv4 literal, "[a.b.c.d]" or a
 *	host name; out->addr holds it without brackets),
 *	"inet6:PORT@ADDR" (IPv6 literal, brackets allowed), "unix:PATH" and "local:PATH"
 *	(absolute path), and a bare absolute path as unix. PORT is 1..65535. Returns 0,
 *	or -1 with an explanation in err. libmilter does not validate: we do, before start.
 */
#ifndef MAILAUTH_SOCKSPEC_H
#define MAILAUTH_SOCKSPEC_H

#include "util.h"

enum sock_family { SOCK_INET, SOCK_INET6, SOCK_UNIX };

struct sockspec {
	enum sock_family family;
	unsigned port;
	char addr[256];		/* inet/inet6; "" = any */
	char path[108];		/* unix */
};

int sockspec_parse(const char *spec, struct sockspec *out, struct buf *err);

#endif
