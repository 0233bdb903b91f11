/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_zone.c - libFuzzer target: the zone file parser of the zone DNS backend
 *
 * The input's lines go to dns_zone_add_line(); a refused line must come with an
 * error text. Then a few queries for names and types the input may have defined
 * (the first word of each line, TXT/A/AAAA/MX/PTR) must answer with a known status.
 */
#include "autoconf.h"

#include <arpa/nameser.h>

#include "dns.h"
#include "fuzz.h"

FUZZ_QUIET_INIT

/* query_first_word - look up the line's first word with every type we model */
static void
query_first_word(struct dns_resolver *r, const char *line)
{
	static const int types[] = { ns_t_txt, ns_t_a, ns_t_aaaa, ns_t_mx, ns_t_ptr,
	    ns_t_cname };
	char name[300];
	size_t n = strcspn(line, " \t");
	struct dns_session s;
	struct dns_answer *a;

	if (n == 0 || n >= sizeof name)
		return;
	memcpy(name, line, n);
	name[n] = '\0';
	dns_session_init(&s, r, 1000);
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		int st = dns_query(&s, name, types[i], &a);

		if (a == NULL || st > DNS_PERMFAIL)
			abort();
		dns_answer_free(a);
	}
}

/* LLVMFuzzerTestOneInput - one zone file */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size), *p = s, *nl;
	struct dns_resolver *r = dns_zone_new();
	struct buf err;
	unsigned lines = 0;

	buf_init(&err);
	for (;;) {
		nl = strchr(p, '\n');
		if (nl != NULL)
			*nl = '\0';
		buf_reset(&err);
		if (dns_zone_add_line(r, p, &err) != 0 && err.len == 0)
			abort();
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	for (p = s; p < s + size && lines < 16; p += strlen(p) + 1, lines++)
		query_first_word(r, p);
	dns_resolver_free(r);
	buf_free(&err);
	free(s);
	return 0;
}
