/*
 * dkimcost.c - CPU time per message of the engine, worst cases against a normal one
 * SYNOPSIS
 *	dkimcost ZONE REFERENCE.eml MESSAGE.eml...
 * DESCRIPTION
 *	Runs each message through the whole engine (lib/message.h, as mailauth-verify
 *	does: client 192.0.2.1, HELO mx.sender.example, MAIL FROM
 *	bounce@sender.example) on the zone backend with ZONE, in this one process,
 *	until it has used 1 s of CPU (at least 3 runs, or 1 run when one takes longer),
 *	and prints per message the CPU milliseconds (CLOCK_PROCESS_CPUTIME_ID), the
 *	ratio to REFERENCE (the first file), the action and the first dkim= result.
 *	bench/dkimcost.py makes the usual inputs; "make bench-dkim" runs both. Exit 1
 *	on a usage or setup error.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "log.h"
#include "message.h"
#include "util.h"

/* cpu_ms - CPU time of this process so far */
static double
cpu_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec * 1000.0 + (double)t.tv_nsec / 1e6;
}

/* slurp - a whole file */
static char *
slurp(const char *path, size_t *len)
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

/* run_one - one message through the engine; the verdict's first words in out */
static void
run_one(struct engine *eng, const char *p, size_t n, char *out, size_t outlen)
{
	struct msg_verdict v;
	struct msg *m = msg_new(eng);
	FILE *fp = fmemopen((void *)p, n, "r");
	const char *d;

	memset(&v, 0, sizeof v);
	msg_connect(m, "192.0.2.1", "client.sender.example");
	msg_helo(m, "mx.sender.example");
	if (!msg_envfrom(m, "<bounce@sender.example>", NULL, &v)) {
		msg_set_qid(m, "COST");
		if (fp != NULL)
			(void)msg_feed_file(m, fp);
		msg_eom(m, &v);
	}
	if (fp != NULL)
		fclose(fp);
	d = v.authres != NULL ? strstr(v.authres, "dkim=") : NULL;
	snprintf(out, outlen, "%s %.*s", cfg_action_name(v.action),
	    d != NULL ? (int)strcspn(d, ";\n") : 4, d != NULL ? d : "none");
	msg_verdict_clear(&v);
	msg_free(m);
}

int
main(int argc, char **argv)
{
	struct config *cfg;
	struct engine *eng;
	struct buf err;
	double ref = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: dkimcost ZONE REFERENCE.eml MESSAGE.eml...\n");
		return 1;
	}
	log_open("dkimcost", LOG_MAIL, true);
	log_set_level(LOG_ERR);
	buf_init(&err);
	if ((cfg = cfg_defaults()) == NULL)
		return 1;
	cfg->dns_backend = DNS_BACKEND_ZONE;
	free(cfg->dns_zone_file);
	cfg->dns_zone_file = xstrdup(argv[1]);
	if ((eng = engine_new(cfg, &err)) == NULL) {
		fprintf(stderr, "dkimcost: %s\n", buf_str(&err));
		return 1;
	}
	printf("%-22s %9s %6s %12s %9s  %s\n", "message", "KB", "runs", "CPU ms/msg",
	    "x ref", "verdict");
	for (int i = 2; i < argc; i++) {
		size_t n;
		char *p = slurp(argv[i], &n), verdict[160] = "";
		const char *base = strrchr(argv[i], '/');
		double start, used = 0, per;
		int runs = 0;

		if (p == NULL) {
			perror(argv[i]);
			return 1;
		}
		start = cpu_ms();
		while (runs < 3 || (used < 1000.0 && runs < 100000)) {
			run_one(eng, p, n, verdict, sizeof verdict);
			runs++;
			used = cpu_ms() - start;
			if (runs == 1 && used >= 1000.0)
				break;
		}
		per = used / runs;
		if (i == 2)
			ref = per;
		printf("%-22s %9.1f %6d %12.3f %9.1f  %s\n", base != NULL ? base + 1 :
		    argv[i], (double)n / 1024.0, runs, per, ref > 0 ? per / ref : 0.0,
		    verdict);
		fflush(stdout);
		free(p);
	}
	engine_unref(eng);
	cfg_unref(cfg);
	buf_free(&err);
	return 0;
}
