/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_dmarc_record.c - libFuzzer target: the DMARC record grammar and URI lists
 *
 * The input is a TXT record's text, given to dmarc_record_is_v1() and
 * dmarc_record_parse() as counted bytes with no NUL after them (so any read past
 * the end is caught), and split as a DMARC URI list by dmarc_uri_next(). Every
 * parsed value must be one the grammar allows and every URI piece must lie inside
 * the input (an element "!" is an empty URI with an empty size).
 */
#include "autoconf.h"

#include "dmarc_record.h"
#include "fuzz.h"

FUZZ_QUIET_INIT

/* inside - [p, p + n) lies within [lo, hi) */
static int
inside(const char *p, size_t n, const char *lo, const char *hi)
{
	return p >= lo && p <= hi && n <= (size_t)(hi - p);
}

/* LLVMFuzzerTestOneInput - one record text */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *d = xmalloc(size ? size : 1);
	const char *p, *end;
	struct dmarc_rec r;
	struct dmarc_uri u;

	memcpy(d, data, size);
	if (dmarc_record_is_v1(d, size)) {
		dmarc_record_parse(d, size, &r);
		if (r.p > DMP_REJECT || r.sp > DMP_REJECT || r.np > DMP_REJECT ||
		    (r.psd != 'y' && r.psd != 'n' && r.psd != 'u') ||
		    (r.adkim != 'r' && r.adkim != 's') || (r.aspf != 'r' && r.aspf != 's') ||
		    r.pct > 100 || memchr(r.rua, '\0', sizeof r.rua) == NULL ||
		    memchr(r.fo, '\0', sizeof r.fo) == NULL)
			abort();
	}
	p = d;
	end = d + size;
	while (dmarc_uri_next(&p, end, &u))
		if (!inside(u.uri, u.len, d, end) ||
		    (u.scheme_len > 0 && u.scheme_len >= u.len) ||
		    (u.size != NULL && !inside(u.size, u.size_len, d, end)) ||
		    (u.valid && u.scheme_len == 0) || p > end)
			abort();
	free(d);
	return 0;
}
