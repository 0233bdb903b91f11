/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	hostname - this host's fully qualified name (the default AuthservID)
 * SYNOPSIS
 *	#include "hostname.h"
 *	void host_fqdn(char *out, size_t outlen);
 * DESCRIPTION
 *	The name an MTA calls itself (Postfix's myhostname): gethostname(2); when
 *	that name has no dot, the canonical name getaddrinfo(3) gives it with
 *	AI_CANONNAME (the resolver configuration of nsswitch.conf: /etc/hosts
 *	"192.0.2.1 mx.example.net mx", or DNS), if that one has a dot and is a plain
 *	host name (letters, digits, '-', '.'). Otherwise the short name, and
 *	"localhost" when there is none. Called at start and reload only, never on
 *	the mail path (getaddrinfo may ask the system resolver).
 */
#include "autoconf.h"

#include <netdb.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hostname.h"
#include "util.h"

/* plain_host - letters, digits, '-' and '.', not empty, no leading dot */
static bool
plain_host(const char *s)
{
	return s[0] != '\0' && s[0] != '.' &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789.-") == strlen(s);
}

/* host_fqdn - this host's name, fully qualified when the resolver knows it */
void
host_fqdn(char *out, size_t outlen)
{
	struct addrinfo hints, *res = NULL;
	char name[256];

	memset(name, 0, sizeof name);
	if (gethostname(name, sizeof name - 1) != 0 || !plain_host(name)) {
		strlcpy(out, "localhost", outlen);
		return;
	}
	strlcpy(out, name, outlen);
	if (strchr(name, '.') != NULL)
		return;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_CANONNAME;
	if (getaddrinfo(name, NULL, &hints, &res) != 0)
		return;
	if (res != NULL && res->ai_canonname != NULL &&
	    strchr(res->ai_canonname, '.') != NULL && plain_host(res->ai_canonname) &&
	    strlen(res->ai_canonname) < outlen)
		strlcpy(out, res->ai_canonname, outlen);
	freeaddrinfo(res);
}
