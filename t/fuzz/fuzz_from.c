/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_from.c - libFuzzer target: the DMARC author domain from From field values
 *
 * The input is split at LF into up to 8 From field values for dmarc_from_domain();
 * a success must give a non-empty, lowercase, NUL-terminated domain in the buffer.
 */
#include "autoconf.h"

#include "dmarc.h"
#include "fuzz.h"

FUZZ_QUIET_INIT

/* LLVMFuzzerTestOneInput - one set of From values */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size), *p = s, *nl;
	const char *vals[8];
	size_t n = 0;
	char out[256];
	const char *why = NULL;

	while (n < 8) {
		vals[n++] = p;
		if ((nl = strchr(p, '\n')) == NULL)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	memset(out, 'x', sizeof out);
	if (dmarc_from_domain(vals, n, out, sizeof out, &why) == 0) {
		if (memchr(out, '\0', sizeof out) == NULL || out[0] == '\0')
			abort();
		for (const char *c = out; *c != '\0'; c++)
			if (*c >= 'A' && *c <= 'Z')
				abort();
	} else if (why == NULL) {
		abort();
	}
	free(s);
	return 0;
}
