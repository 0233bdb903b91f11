/*
 * msgcost.c - CPU cost per message of the mailauth engine (bench/arc.sh)
 * SYNOPSIS
 *	msgcost [-c FILE] --zone FILE --ip ADDR --helo NAME --mail-from ADDR
 *	    [-n N] [-w W] MESSAGE...
 * DESCRIPTION
 *	Reads each MESSAGE into memory, then feeds it W times (warm-up, default 2:
 *	one-time library set-up such as OpenSSL's decoder tables is paid there) and N
 *	times (default 200) through the entry points the milter and mailauth-verify
 *	use (lib/message.h), one engine for the whole run, DNS from the zone file.
 *	Prints one line per MESSAGE: its name, the user+system CPU microseconds per
 *	message over the N runs (getrusage), the decision and the verdict's
 *	Authentication-Results (so a caller can check what was measured). Under
 *	callgrind, the difference between runs with two values of N gives the
 *	instructions per message without the start-up.
 *	Not built by make or make check (EXTRA_PROGRAMS, like bench/mltload).
 */
#include "autoconf.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sysexits.h>

#include "config.h"
#include "log.h"
#include "message.h"
#include "util.h"

struct env {
	const char *ip, *helo, *from;
};

/* usage - the synopsis on stderr */
static void NORETURN
usage(void)
{
	fprintf(stderr, "usage: msgcost [-c FILE] --zone FILE --ip ADDR --helo NAME "
	    "--mail-from ADDR [-n N] [-w W] MESSAGE...\n");
	exit(EX_USAGE);
}

/* cpu_us - user+system CPU time of this process in microseconds */
static double
cpu_us(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
	    ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

/* slurp - the whole file; exits when it cannot be read */
static char *
slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	struct buf b;
	char chunk[8192];
	size_t n;

	if (fp == NULL) {
		perror(path);
		exit(EX_NOINPUT);
	}
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
		buf_add(&b, chunk, n);
	fclose(fp);
	*len = b.len;
	return buf_steal(&b);
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

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "zone", required_argument, NULL, 'z' },
		{ "ip", required_argument, NULL, 'i' },
		{ "helo", required_argument, NULL, 'H' },
		{ "mail-from", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct env env = { NULL, "", "<>" };
	const char *conf = NULL, *zone = NULL;
	long n = 200, w = 2;
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
	log_set_level(cfg->log_level);
	free(cfg->dns_zone_file);
	cfg->dns_zone_file = xstrdup(zone);
	cfg->dns_backend = DNS_BACKEND_ZONE;
	if ((eng = engine_new(cfg, &err)) == NULL) {
		fprintf(stderr, "msgcost: %s\n", buf_str(&err));
		return EX_CONFIG;
	}
	for (int a = optind; a < argc; a++) {
		struct msg_verdict v;
		size_t len;
		char *text = slurp(argv[a], &len);
		double t0;

		for (long i = 0; i < w; i++) {
			one(eng, &env, text, len, &v);
			msg_verdict_clear(&v);
		}
		t0 = cpu_us();
		for (long i = 0; i < n; i++) {
			one(eng, &env, text, len, &v);
			if (i + 1 < n)
				msg_verdict_clear(&v);
		}
		printf("%s %.1f %s ", argv[a], (cpu_us() - t0) / (double)n,
		    cfg_action_name(v.action));
		put_flat(v.authres != NULL ? v.authres : "-");
		putchar('\n');
		msg_verdict_clear(&v);
		free(text);
	}
	engine_unref(eng);
	cfg_unref(cfg);
	buf_free(&err);
	return 0;
}
