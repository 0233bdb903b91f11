/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_dkim.c - libFuzzer target: a whole message through the DKIM verifier
 *
 * The input is a saved message (LF or CRLF) fed with dkv_feed_raw() and dkv_eom()
 * against the zone of t/data/message/test.zone (keys for example.com and
 * reject.example). Every result must have a known result code and a domain.
 */
#include "autoconf.h"

#include "config.h"
#include "dkim.h"
#include "dns.h"
#include "fuzz.h"

/* set up once by LLVMFuzzerInitialize, read-only afterwards */
static struct config *cfg;
static struct dkv_engine *eng;
static struct dns_resolver *zone;

/* LLVMFuzzerInitialize - the engine and the zone */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct buf err;

	(void)argc;
	(void)argv;
	fuzz_quiet();
	buf_init(&err);
	if ((cfg = cfg_defaults()) == NULL ||
	    (zone = dns_zone_open(fuzz_tdata("message/test.zone"), &err)) == NULL ||
	    (eng = dkv_engine_new(cfg, &err)) == NULL) {
		fprintf(stderr, "fuzz_dkim: set-up failed: %s\n", buf_str(&err));
		exit(1);
	}
	buf_free(&err);
	return 0;
}

/* LLVMFuzzerTestOneInput - one message */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dkv_msg *m = dkv_msg_new(eng, cfg, "FUZZ");
	struct dns_session s;

	dns_session_init(&s, zone, 1000);
	dkv_feed_raw(m, &s, NULL, data, size);
	dkv_eom(m, &s);
	for (size_t i = 0; i < dkv_nresults(m); i++) {
		const struct dkv_result *r = dkv_result(m, i);

		if (r == NULL || r->result > DKIMR_PERMERROR || r->domain == NULL)
			abort();
	}
	dkv_msg_free(m);
	return 0;
}
