/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * testlib.c - helpers the unit tests share (see testlib.h)
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "tap.h"
#include "testlib.h"

/* tl_slurp - a whole file, NULL if unreadable */
char *
tl_slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	struct buf b;
	char tmp[65536];
	size_t n;

	if (fp == NULL)
		return NULL;
	buf_init(&b);
	while ((n = fread(tmp, 1, sizeof tmp, fp)) > 0)
		buf_add(&b, tmp, n);
	fclose(fp);
	*len = b.len;
	return buf_steal(&b);
}

/* tl_repeat - s n times; caller frees */
char *
tl_repeat(const char *s, size_t n)
{
	size_t len = strlen(s);
	char *p = xmalloc(len * n + 1);

	for (size_t i = 0; i < n; i++)
		memcpy(p + i * len, s, len);
	p[len * n] = '\0';
	return p;
}

/* tl_dkim_cfg - the options lib/dkim reads, filled by hand */
void
tl_dkim_cfg(struct config *c)
{
	memset(c, 0, sizeof *c);
	c->dkim_max_sigs = 5;
	c->dkim_max_fields = 50;
	c->dkim_max_headers = 1000;
	c->dkim_max_signed = 100;
	c->dkim_min_key_bits = 1024;
	c->dkim_body_length = DKIM_L_REPORT;
	c->dkim_clock_drift = 300;
	c->dns_timeout = 5;
}

/* tl_capture_summary - count the summary lines, keep the last */
void
tl_capture_summary(int pri, const char *line, void *arg)
{
	struct tl_summary *c = arg;

	if (pri == LOG_INFO && strstr(line, " action=") != NULL) {
		c->lines++;
		snprintf(c->last, sizeof c->last, "%s", line);
	}
}

/* tl_dmarc_fixture - the DMARC tests' PSL, zone and engine */
void
tl_dmarc_fixture(struct psl **psl, struct dns_resolver **r, struct dmarc_engine **e)
{
	struct config cfg;
	struct buf err;

	buf_init(&err);
	if ((*psl = psl_load(tap_path("TDATA", "dmarc/psl.dat"), &err)) == NULL)
		bail("psl_load: %s", buf_str(&err));
	if ((*r = dns_zone_open(tap_path("TDATA", "dmarc/dmarc.zone"), &err)) == NULL)
		bail("dns_zone_open: %s", buf_str(&err));
	memset(&cfg, 0, sizeof(cfg));
	if ((*e = dmarc_engine_new(&cfg, *psl, &err)) == NULL)
		bail("dmarc_engine_new: %s", buf_str(&err));
	buf_free(&err);
}
