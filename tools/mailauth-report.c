/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mailauth-report.c - send DMARC aggregate reports from the history store
 * SYNOPSIS
 *	mailauth-report [-c FILE] [--dry-run DIR] [--zone FILE] [--now SECONDS] [-v]
 * DESCRIPTION
 *	Opens the store of HistoryStore (SQLite file or PostgreSQL), creates its tables
 *	if missing, and runs lib/reporter: one RFC 9990 aggregate report per policy
 *	domain and completed UTC day, sent through ReportSendmail to every rua=
 *	address that may receive it, rows marked reported, old rows deleted. Meant to
 *	run once a day from one host (contrib/systemd/mailauth-report.timer).
 *	--dry-run DIR writes the .xml.gz reports and the messages (.eml) to DIR and
 *	changes nothing in the store. --zone answers DNS from a zone file; --now sets
 *	the clock (tests). Log lines go to stderr, and with -v every report is named.
 *	Exit status: 0 done, 1 some report must be tried again (sendmail or DNS
 *	failed), 2 store error, 64 usage, 78 configuration error.
 */
#include "autoconf.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "dns.h"
#include "history.h"
#include "hostname.h"
#include "log.h"
#include "psl.h"
#include "reporter.h"
#include "store.h"
#include "util.h"

/* usage - the synopsis: on stdout with status 0 for -h, else on stderr */
static void NORETURN
usage(int status)
{
	fprintf(status == 0 ? stdout : stderr,
	    "usage: mailauth-report [-c FILE] [--dry-run DIR] [--zone FILE] "
	    "[--now SECONDS] [-v] [-h]\n"
	    "  -c, --config FILE  configuration (default %s/mailauth.conf)\n"
	    "  --dry-run DIR      write the reports and messages to DIR, change nothing\n"
	    "  --zone FILE        answer DNS from a zone file\n"
	    "  --now SECONDS      take this Unix time as now\n"
	    "  -v, --verbose      log every report, message and skip\n"
	    "  -h, --help         this help\n", SYSCONFDIR);
	exit(status);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "dry-run", required_argument, NULL, 'd' },
		{ "zone", required_argument, NULL, 'z' },
		{ "now", required_argument, NULL, 'N' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *conf = SYSCONFDIR "/mailauth.conf", *zone = NULL, *dry = NULL;
	long long now = (long long)time(NULL);
	bool verbose = false;
	struct reporter_opts o;
	struct reporter_stats st;
	struct config *cfg;
	struct store *store;
	struct dns_resolver *dns;
	struct psl *psl;
	struct buf err;
	char host[256];
	char *end;
	struct stat sb;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "c:vh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': conf = optarg; break;
		case 'd': dry = optarg; break;
		case 'z': zone = optarg; break;
		case 'N':
			now = strtoll(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || now < 0)
				usage(EX_USAGE);
			break;
		case 'v': verbose = true; break;
		case 'h': usage(0);
		default: usage(EX_USAGE);
		}
	}
	if (optind != argc)
		usage(EX_USAGE);
	log_open("mailauth-report", LOG_MAIL, true);
	buf_init(&err);
	if ((cfg = cfg_load(conf, &err)) == NULL) {
		fputs(buf_str(&err), stderr);
		fprintf(stderr, "mailauth-report: %s: configuration refused\n", conf);
		return EX_CONFIG;
	}
	log_set_level(verbose ? LOG_INFO : LOG_NOTICE);
	if (cfg->history_store == STORE_NONE) {
		fprintf(stderr, "mailauth-report: %s: HistoryStore is none: nothing to "
		    "report\n", conf);
		return EX_CONFIG;
	}
	if (dry == NULL && cfg->report_email[0] == '\0') {
		fprintf(stderr, "mailauth-report: %s: ReportEmail is not set: reports "
		    "cannot be sent (--dry-run DIR writes them instead)\n", conf);
		return EX_CONFIG;
	}
	if (dry != NULL && (stat(dry, &sb) != 0 || !S_ISDIR(sb.st_mode))) {
		fprintf(stderr, "mailauth-report: --dry-run %s: not a directory\n", dry);
		return EX_USAGE;
	}
	if (zone != NULL) {
		free(cfg->dns_zone_file);
		cfg->dns_zone_file = xstrdup(zone);
		cfg->dns_backend = DNS_BACKEND_ZONE;
	}
	if ((dns = dns_open(cfg, &err)) == NULL ||
	    (psl = psl_load(cfg->psl_file, &err)) == NULL) {
		fprintf(stderr, "mailauth-report: %s\n", buf_str(&err));
		return EX_CONFIG;
	}
	store = store_open(cfg->history_store, cfg_history_target(cfg), &err);
	if (store == NULL || history_schema(store, &err) != 0) {
		fprintf(stderr, "mailauth-report: %s\n", buf_str(&err));
		return 2;
	}
	if (cfg->authserv_id[0] != '\0')
		strlcpy(host, cfg->authserv_id, sizeof host);
	else
		host_fqdn(host, sizeof host);
	memset(&o, 0, sizeof o);
	o.cfg = cfg;
	o.store = store;
	o.dns = dns;
	o.psl = psl;
	o.receiver = host;
	o.now = now;
	o.dry_run_dir = dry;
	rc = reporter_run(&o, &st);
	log_msg(LOG_NOTICE, "%u reports, %u messages %s, %u addresses skipped, "
	    "%u reports left for the next run; %llu rows reported, %llu expired",
	    st.reports, st.sent, dry != NULL ? "written" : "sent", st.skipped,
	    st.deferred, st.rows_reported, st.rows_expired);
	store_close(store);
	psl_free(psl);
	dns_resolver_free(dns);
	cfg_unref(cfg);
	buf_free(&err);
	return rc < 0 ? 2 : rc;
}
