/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_arc.c - libFuzzer target: a whole message through the ARC validator
 *
 * The input is a saved message (LF or CRLF) fed with arc_feed_raw() and arc_eom()
 * against the zone of t/data/message/test.zone (example.com's key seals the seed
 * messages); a passing chain also goes through the TrustedARCSealers reading of
 * its AAR. The result must be a known status, pass must name its sealer, and a
 * status other than pass never has an oldest-pass value.
 */
#include "autoconf.h"

#include "arc.h"
#include "arc_trust.h"
#include "config.h"
#include "dmarc.h"
#include "dns.h"
#include "fuzz.h"
#include "psl.h"

/* set up once by LLVMFuzzerInitialize, read-only afterwards */
static struct config *cfg;
static struct dns_resolver *zone;
static struct psl *psl;
static struct dmarc_engine *dmarc;
static char *trusted[] = { (char *)"example.com", NULL };

/* LLVMFuzzerInitialize - the zone, the PSL and the DMARC engine */
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
	    (psl = psl_load(cfg->psl_file, &err)) == NULL ||
	    (dmarc = dmarc_engine_new(cfg, psl, &err)) == NULL) {
		fprintf(stderr, "fuzz_arc: set-up failed: %s\n", buf_str(&err));
		exit(1);
	}
	buf_free(&err);
	return 0;
}

/* LLVMFuzzerTestOneInput - one message */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arc_msg *m = arc_msg_new(cfg);
	struct dns_session s;
	const struct arc_result *r;
	char why[200];
	struct buf b;

	dns_session_init(&s, zone, 1000);
	arc_feed_raw(m, data, size);
	arc_eom(m, &s, 1795000000);
	r = arc_result(m);
	if (r->cv > ARC_FAIL || (r->cv == ARC_PASS && r->sealer[0] == '\0') ||
	    (r->cv != ARC_PASS && r->oldest_pass != -1) || r->nsets > ARC_MAX_SETS)
		abort();
	(void)arc_trust_vouch(m, trusted, dmarc, &s, DMD_TREEWALK, "reject.example", 'r',
	    'r', why, sizeof why);
	buf_init(&b);
	arc_trust_comment(m, &b);
	buf_free(&b);
	arc_msg_free(m);
	return 0;
}
