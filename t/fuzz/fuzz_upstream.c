/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_upstream.c - libFuzzer target: the trusted upstream Authentication-Results
 *	reader (lib/upstream.h)
 *
 * The input is one field value, read as the topmost field of a trusted relay
 * (authserv-id "gw" trusted). A value that does not parse must leave no result;
 * every result kept has a valid lowercase domain, at most UPSTREAM_MAX_DKIM DKIM
 * results are kept, and a field that does not name "gw" gives nothing.
 */
#include "autoconf.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "authres.h"
#include "fuzz.h"
#include "upstream.h"

/* LLVMFuzzerInitialize - quiet logging */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	return 0;
}

/* lower_domain - a non-empty name without upper-case letters */
static bool
lower_domain(const char *d)
{
	if (d == NULL || *d == '\0')
		return false;
	for (; *d != '\0'; d++)
		if (isupper((unsigned char)*d))
			return false;
	return true;
}

/* LLVMFuzzerTestOneInput - one field value */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	char *ids[] = { "gw", NULL };
	char id[256];
	struct upstream u;

	memset(&u, 0, sizeof u);
	upstream_header(&u, ids, "Received ", " from x by gw");
	if (u.done)
		abort();
	upstream_header(&u, ids, "Authentication-Results", s);
	if (!u.done)
		abort();
	if (u.id[0] == '\0' && (u.have_spf || u.ndkim != 0))
		abort();
	if (u.id[0] != '\0' && (authres_servid(s, id, sizeof id) != 0 ||
	    strcasecmp(id, "gw") != 0))
		abort();
	if (u.ndkim > UPSTREAM_MAX_DKIM)
		abort();
	if (u.have_spf && (!lower_domain(u.spf.domain) || u.spf.sender == NULL))
		abort();
	for (size_t i = 0; i < u.ndkim; i++)
		if (!lower_domain(u.dkim[i].domain) || u.dkim[i].identity == NULL ||
		    u.dkim[i].reason == NULL)
			abort();
	upstream_header(&u, ids, "Authentication-Results", " gw; dkim=pass header.d=x.example");
	/* a second field was read; domains are kept lowercase, so the first field
	   may have written this one in any case */
	if (u.ndkim > 0 && strcmp(u.dkim[u.ndkim - 1].domain, "x.example") == 0 &&
	    strcasestr(s, "x.example") == NULL)
		abort();
	upstream_clear(&u);
	free(s);
	return 0;
}
