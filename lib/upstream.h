/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * upstream.h - SPF and DKIM results from a trusted upstream Authentication-Results
 * SYNOPSIS
 *	bool hdr_name_is(const char *name, const char *want);
 *	void upstream_header(struct upstream *u, char *const *trusted_ids,
 *	    const char *name, const char *value);
 *	int upstream_parse(const char *value, struct upstream *u);
 *	void upstream_clear(struct upstream *u);
 * DESCRIPTION
 *	hdr_name_is() compares a header field name case-insensitively, ignoring blanks
 *	before the colon (RFC 5322 4.5.6 obsolete syntax "Name :").
 *	upstream_header() is fed every header field of a message from a TrustedRelays
 *	client, top to bottom, starting with a zeroed struct upstream. It reads only
 *	the topmost Authentication-Results field, and only when every field above it
 *	is a Received field and its authserv-id is in trusted_ids (the trust
 *	boundary; see upstream.c). upstream_parse() reads the results of one value
 *	into u (spf with smtp.mailfrom, dkim with header.d or header.i); -1 when the
 *	value does not parse, then u holds no results. upstream_clear() frees u's
 *	contents and zeroes it. When u->id[0] is not NUL a trusted field was read.
 */
#ifndef MAILAUTH_UPSTREAM_H
#define MAILAUTH_UPSTREAM_H

#include <stdbool.h>
#include <stddef.h>

#include "dkim.h"
#include "spf.h"

#define UPSTREAM_MAX_DKIM	8	/* dkim results taken from one field */

struct upstream {
	bool done;			/* the topmost A-R (or another field) was seen */
	char id[256];			/* authserv-id of the trusted field used, or "" */
	bool have_spf;
	struct spf_outcome spf;		/* MAIL FROM result as the upstream saw it */
	struct dkv_result dkim[UPSTREAM_MAX_DKIM];
	size_t ndkim;
};

bool hdr_name_is(const char *name, const char *want);
void upstream_header(struct upstream *u, char *const *trusted_ids, const char *name,
    const char *value);
int upstream_parse(const char *value, struct upstream *u);
void upstream_clear(struct upstream *u);

#endif
