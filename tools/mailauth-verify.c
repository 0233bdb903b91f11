/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mailauth-verify.c - run the mailauth engine on a saved message
 * SYNOPSIS
 *	mailauth-verify [-c FILE] [--zone FILE] --ip ADDR [--helo NAME]
 *	    [--mail-from ADDR] [--auth USER] [--qid ID] [MESSAGE]
 * DESCRIPTION
 *	Feeds MESSAGE (a file, or standard input; LF or CRLF line ends) through the same
 *	entry points the milter uses (lib/message.h) and prints the header fields the
 *	milter would add, the fields it would delete, and the decision. --zone FILE
 *	answers DNS from a zone file (lib/dns.h) instead of the configured resolver. The
 *	exit status is the decision: 0 accept, 1 quarantine, 2 reject, 3 tempfail, 64
 *	usage, 66 unreadable message, 78 configuration error.
 */
#include "autoconf.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "config.h"
#include "log.h"
#include "message.h"
#include "util.h"

/* usage - the synopsis: on stdout with status 0 for -h, else on stderr */
static void NORETURN
usage(int status)
{
	fprintf(status == 0 ? stdout : stderr,
	    "usage: mailauth-verify [-c FILE] [--zone FILE] --ip ADDR "
	    "[--helo NAME] [--mail-from ADDR] [--auth USER] [--qid ID] [MESSAGE]\n"
	    "       mailauth-verify -h\n");
	exit(status);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "zone", required_argument, NULL, 'z' },
		{ "ip", required_argument, NULL, 'i' },
		{ "helo", required_argument, NULL, 'H' },
		{ "mail-from", required_argument, NULL, 'f' },
		{ "auth", required_argument, NULL, 'a' },
		{ "qid", required_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *conf = NULL, *zone = NULL, *ip = NULL, *helo = "", *from = "<>";
	const char *auth = NULL, *qid = "verify";
	struct config *cfg;
	struct engine *eng;
	struct msg *m;
	struct msg_verdict v;
	struct buf err;
	FILE *fp = stdin;
	int ch, status;

	while ((ch = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': conf = optarg; break;
		case 'z': zone = optarg; break;
		case 'i': ip = optarg; break;
		case 'H': helo = optarg; break;
		case 'f': from = optarg; break;
		case 'a': auth = optarg; break;
		case 'q': qid = optarg; break;
		case 'h': usage(0);
		default: usage(EX_USAGE);
		}
	}
	if (ip == NULL || argc - optind > 1)
		usage(EX_USAGE);
	log_open("mailauth-verify", LOG_MAIL, true);
	buf_init(&err);
	cfg = conf != NULL ? cfg_load(conf, &err) : cfg_defaults();
	if (cfg == NULL) {
		fputs(buf_str(&err), stderr);
		return EX_CONFIG;
	}
	log_set_level(cfg->log_level);
	if (zone != NULL) {
		free(cfg->dns_zone_file);
		cfg->dns_zone_file = xstrdup(zone);
		cfg->dns_backend = DNS_BACKEND_ZONE;
	}
	if ((eng = engine_new(cfg, &err)) == NULL) {
		fprintf(stderr, "mailauth-verify: %s\n", buf_str(&err));
		cfg_unref(cfg);
		return EX_CONFIG;
	}
	if (optind < argc && (fp = fopen(argv[optind], "r")) == NULL) {
		perror(argv[optind]);
		return EX_NOINPUT;
	}
	m = msg_new(eng);
	msg_connect(m, ip, NULL);
	msg_helo(m, helo);
	memset(&v, 0, sizeof v);
	if (msg_envfrom(m, from, auth, &v))
		goto decided;
	msg_set_qid(m, qid);
	if (msg_feed_file(m, fp) != 0) {
		perror("reading message");
		return EX_NOINPUT;
	}
	msg_eom(m, &v);
decided:
	for (size_t i = 0; i < v.ndelete; i++)
		printf("Delete: Authentication-Results #%u\n", v.delete_idx[i]);
	if (v.authres != NULL)
		printf("Authentication-Results: %s\n", v.authres);
	if (v.received_spf != NULL)
		printf("Received-SPF: %s\n", v.received_spf);
	if (v.extra_name != NULL)
		printf("%s: %s\n", v.extra_name, v.extra_value);
	printf("Action: %s", cfg_action_name(v.action));
	if (v.smtp_code[0] != '\0')
		printf(" %s %s %s", v.smtp_code, v.xcode, v.text);
	putchar('\n');
	status = v.action == ACTION_ACCEPT ? 0 : v.action == ACTION_QUARANTINE ? 1 :
	    v.action == ACTION_REJECT ? 2 : 3;
	msg_verdict_clear(&v);
	msg_free(m);
	engine_unref(eng);
	cfg_unref(cfg);
	buf_free(&err);
	if (fp != stdin)
		fclose(fp);
	return status;
}
