/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * addrlist.h - RFC 5322 address-list parsing (the From field's mailboxes)
 * SYNOPSIS
 *	typedef int addrlist_fn(const char *domain, void *arg, const char **why);
 *	int addrlist_parse(const char *value, addrlist_fn *fn, void *arg,
 *	    size_t *nmailbox, const char **why);
 * DESCRIPTION
 *	addrlist_parse() parses one field value as an address-list (mailboxes and
 *	groups, obsolete forms included) and calls fn with the domain of each mailbox
 *	as written (NUL-terminated, not normalised). fn returns 0 to go on or -1 with
 *	*why set to stop. Returns 0 with *nmailbox mailboxes seen, or -1 with a
 *	reason in *why ("unparseable From", "From address has no domain", "From has
 *	an empty address", "From domain is an address literal", "From domain is not
 *	a valid domain name", or fn's).
 */
#ifndef MAILAUTH_ADDRLIST_H
#define MAILAUTH_ADDRLIST_H

#include <stddef.h>

typedef int addrlist_fn(const char *domain, void *arg, const char **why);

int addrlist_parse(const char *value, addrlist_fn *fn, void *arg, size_t *nmailbox,
    const char **why);

#endif
