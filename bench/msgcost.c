/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * msgcost.c - CPU cost per message of the mailauth engine (make bench-arc, bench-dkim)
 * SYNOPSIS
 *	msgcost [-c FILE] --zone FILE --ip ADDR --helo NAME --mail-from ADDR
 *	    [-n N] [-w W] MESSAGE...
 *	msgcost [-c FILE] --zone FILE --ip ADDR --helo NAME --mail-from ADDR
 *	    --table REFERENCE MESSAGE...
 * DESCRIPTION
 *	Reads each MESSAGE into memory and feeds it through the entry points the
 *	milter and mailauth-verify use (lib/message.h), one engine for the whole run,
 *	DNS from the zone file, in this one process. CPU time is the process's user
 *	plus system time (CLOCK_PROCESS_CPUTIME_ID). Without -c the options are the
 *	defaults, with LogLevel err.
 *
 *	Without --table (bench/arc.sh): W runs (warm-up, default 2: one-time library
 *	set-up such as OpenSSL's decoder tables is paid there), then N runs (default
 *	200); one line per MESSAGE: its name, the CPU microseconds per message over
 *	the N runs, the decision and the verdict's Authentication-Results on one line
 *	(so a caller can check what was measured). Under callgrind, the difference
 *	between runs with two values of N gives the instructions per message without
 *	the start-up.
 *
 *	With --table (make bench-dkim): each message runs until it has used 1 s of
 *	CPU (at least 3 runs, or 1 run when one takes longer); a table of, per
 *	message, its size, the runs, the CPU milliseconds per message, the ratio to
 *	REFERENCE (the first file), the decision and the first dkim= result.
 *
 *	Not built by make or make check (EXTRA_PROGRAMS, like bench/mltload). Exits
 *	EX_USAGE, EX_CONFIG, EX_NOINPUT, EX_OSERR or EX_SOFTWARE on an error.
 */
#include "autoconf.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "config.h"
#include "log.h"
#include "message.h"
#include "testlib.h"
#include "util.h"

#define TABLE_CPU_US	1e6	/* --table: CPU time per message */
#define TABLE_MIN_RUNS	3
#define TABLE_MAX_RUNS	100000

struct env {
	const char *ip, *helo, *from;
};

/* usage - the synopsis on stderr */
static void NORETURN
usage(void)
{
	fprintf(stderr, "usage: msgcost [-c FILE] --zone FILE --ip ADDR --helo NAME "
	    "--mail-from ADDR [-n N] [-w W | --table] MESSAGE...\n");
	exit(EX_USAGE);
}

/* cpu_us - user+system CPU time of this process in microseconds */
static double
cpu_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

/* put_flat - s on one line: each run of blanks and line ends as one space */
static void
put_flat(const char *s)
{
	bool blank = false;

	for (; *s != '\0'; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n') {
			blank = true;
			continue;
		}
		if (blank)
			putchar(' ');
		blank = false;
		putchar(*s);
	}
}

/* one - one message through the engine; the verdict in v (caller clears it) */
static void
one(struct engine *eng, const struct env *env, const char *text, size_t len,
    struct msg_verdict *v)
{
	struct msg *m = msg_new(eng);
	FILE *fp;

	msg_connect(m, env->ip, NULL);
	msg_helo(m, env->helo);
	memset(v, 0, sizeof *v);
	if (!msg_envfrom(m, env->from, NULL, v)) {
		msg_set_qid(m, "bench");
		if ((fp = fmemopen((void *)text, len, "r")) == NULL) {
			perror("fmemopen");
			exit(EX_OSERR);
		}
		if (msg_feed_file(m, fp) != 0) {
			perror("reading message");
			exit(EX_SOFTWARE);
		}
		fclose(fp);
		msg_eom(m, v);
	}
	msg_free(m);
}

/* fixed_runs - w warm-up runs, n measured; the arc.sh line */
static void
fixed_runs(struct engine *eng, const struct env *env, const char *name,
    const char *text, size_t len, long n, long w)
{
	struct msg_verdict v;
	double t0;

	for (long i = 0; i < w; i++) {
		one(eng, env, text, len, &v);
		msg_verdict_clear(&v);
	}
	t0 = cpu_us();
	for (long i = 0; i < n; i++) {
		one(eng, env, text, len, &v);
		if (i + 1 < n)
			msg_verdict_clear(&v);
	}
	printf("%s %.1f %s ", name, (cpu_us() - t0) / (double)n,
	    cfg_action_name(v.action));
	put_flat(v.authres != NULL ? v.authres : "-");
	putchar('\n');
	msg_verdict_clear(&v);
}

/* table_runs - runs for TABLE_CPU_US; the table row; *ref: CPU ms of the first */
static void
table_runs(struct engine *eng, const struct env *env, const char *path,
    const char *text, size_t len, double *ref)
{
	struct msg_verdict v;
	const char *base = strrchr(path, '/'), *d;
	char verdict[160];
	double start = cpu_us(), used, per;
	int runs = 0;

	for (;;) {
		one(eng, env, text, len, &v);
		runs++;
		used = cpu_us() - start;
		if ((runs == 1 && used >= TABLE_CPU_US) || (runs >= TABLE_MIN_RUNS &&
		    (used >= TABLE_CPU_US || runs >= TABLE_MAX_RUNS)))
			break;
		msg_verdict_clear(&v);
	}
	per = used / 1e3 / runs;
	if (*ref <= 0)
		*ref = per;
	d = v.authres != NULL ? strstr(v.authres, "dkim=") : NULL;
	snprintf(verdict, sizeof verdict, "%s %.*s", cfg_action_name(v.action),
	    d != NULL ? (int)strcspn(d, ";\n") : 4, d != NULL ? d : "none");
	printf("%-22s %9.1f %6d %12.3f %9.1f  %s\n", base != NULL ? base + 1 : path,
	    (double)len / 1024.0, runs, per, *ref > 0 ? per / *ref : 0.0, verdict);
	fflush(stdout);
	msg_verdict_clear(&v);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "zone", required_argument, NULL, 'z' },
		{ "ip", required_argument, NULL, 'i' },
		{ "helo", required_argument, NULL, 'H' },
		{ "mail-from", required_argument, NULL, 'f' },
		{ "table", no_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct env env = { NULL, "", "<>" };
	const char *conf = NULL, *zone = NULL;
	long n = 200, w = 2;
	bool table = false;
	double ref = 0;
	struct config *cfg;
	struct engine *eng;
	struct buf err;
	int ch;

	while ((ch = getopt_long(argc, argv, "c:n:w:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': conf = optarg; break;
		case 'z': zone = optarg; break;
		case 'i': env.ip = optarg; break;
		case 'H': env.helo = optarg; break;
		case 'f': env.from = optarg; break;
		case 'n': n = strtol(optarg, NULL, 10); break;
		case 'w': w = strtol(optarg, NULL, 10); break;
		case 't': table = true; break;
		default: usage();
		}
	}
	if (env.ip == NULL || zone == NULL || optind >= argc || n < 1 || w < 0)
		usage();
	log_open("msgcost", LOG_MAIL, true);
	buf_init(&err);
	cfg = conf != NULL ? cfg_load(conf, &err) : cfg_defaults();
	if (cfg == NULL) {
		fputs(buf_str(&err), stderr);
		return EX_CONFIG;
	}
	log_set_level(conf != NULL ? cfg->log_level : LOG_ERR);
	free(cfg->dns_zone_file);
	cfg->dns_zone_file = xstrdup(zone);
	cfg->dns_backend = DNS_BACKEND_ZONE;
	if ((eng = engine_new(cfg, &err)) == NULL) {
		fprintf(stderr, "msgcost: %s\n", buf_str(&err));
		return EX_CONFIG;
	}
	if (table)
		printf("%-22s %9s %6s %12s %9s  %s\n", "message", "KB", "runs",
		    "CPU ms/msg", "x ref", "verdict");
	for (int a = optind; a < argc; a++) {
		size_t len;
		char *text = tl_slurp(argv[a], &len);

		if (text == NULL) {
			perror(argv[a]);
			return EX_NOINPUT;
		}
		if (table)
			table_runs(eng, &env, argv[a], text, len, &ref);
		else
			fixed_runs(eng, &env, argv[a], text, len, n, w);
		free(text);
	}
	engine_unref(eng);
	cfg_unref(cfg);
	buf_free(&err);
	return 0;
}
