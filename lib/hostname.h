/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hostname.h - this host's fully qualified name (the default AuthservID)
 * SYNOPSIS
 *	void host_fqdn(char *out, size_t outlen);
 */
#ifndef MAILAUTH_HOSTNAME_H
#define MAILAUTH_HOSTNAME_H

#include <stddef.h>

void host_fqdn(char *out, size_t outlen);

#endif
