/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_message.c - libFuzzer target: the whole pipeline on a fuzzed message
 *
 * Fixed envelope (192.0.2.1, HELO mx.example.com, MAIL FROM bounce@example.com),
 * zone t/data/message/test.zone; the input is the saved message for
 * msg_feed_file(). msg_eom() must fill a known action and the one summary line.
 */
#include "autoconf.h"

#include "config.h"
#include "fuzz.h"
#include "message.h"

/* set up once by LLVMFuzzerInitialize, read-only afterwards */
static struct config *cfg;
static struct engine *eng;

/* LLVMFuzzerInitialize - one engine on the test zone */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct buf err;

	(void)argc;
	(void)argv;
	fuzz_quiet();
	buf_init(&err);
	if ((cfg = cfg_defaults()) == NULL) {
		fprintf(stderr, "fuzz_message: cfg_defaults failed\n");
		exit(1);
	}
	cfg->dns_backend = DNS_BACKEND_ZONE;
	free(cfg->dns_zone_file);
	cfg->dns_zone_file = xstrdup(fuzz_tdata("message/test.zone"));
	free(cfg->authserv_id);
	cfg->authserv_id = xstrdup("mx.test.example");
	if ((eng = engine_new(cfg, &err)) == NULL) {
		fprintf(stderr, "fuzz_message: engine_new: %s\n", buf_str(&err));
		exit(1);
	}
	buf_free(&err);
	return 0;
}

/* LLVMFuzzerTestOneInput - one message */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msg *m = msg_new(eng);
	struct msg_verdict v;
	FILE *fp;

	memset(&v, 0, sizeof v);
	msg_connect(m, "192.0.2.1", "client.example");
	msg_helo(m, "mx.example.com");
	if (!msg_envfrom(m, "<bounce@example.com>", NULL, &v)) {
		msg_set_qid(m, "FUZZ");
		fp = size > 0 ? fmemopen((void *)data, size, "r") : fopen("/dev/null", "r");
		if (fp == NULL)
			abort();
		if (msg_feed_file(m, fp) != 0)
			abort();
		fclose(fp);
		msg_eom(m, &v);
	}
	if (v.action != ACTION_ACCEPT && v.action != ACTION_REJECT &&
	    v.action != ACTION_TEMPFAIL && v.action != ACTION_QUARANTINE)
		abort();
	if (v.log_line == NULL)
		abort();
	msg_verdict_clear(&v);
	msg_free(m);
	return 0;
}
