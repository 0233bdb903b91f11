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

#define BODY_CHUNK 65536

static void
usage(void)
{
	fprintf(stderr, "usage: mailauth-verify [-c FILE] [--zone FILE] --ip ADDR "
	    "[--helo NAME] [--mail-from ADDR] [--auth USER] [--qid ID] [MESSAGE]\n");
	exit(EX_USAGE);
}

/* feed_header - hand one complete (unfolded into name/value) field to the engine */
static void
feed_header(struct msg *m, struct buf *field)
{
	char *colon, *name, *value;

	if (field->len == 0)
		return;
	name = field->data;
	colon = memchr(name, ':', field->len);
	if (colon == NULL)
		return;		/* not a header field: the MTA would not pass it either */
	*colon = '\0';
	value = colon + 1;
	/* the milter negotiates SMFIP_HDR_LEADSPC: the value keeps its leading blank */
	msg_header(m, name, value);
}

/* chomp - drop the line end (LF or CRLF) of a line read by getline */
static size_t
chomp(char *line, size_t len)
{
	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	line[len] = '\0';
	return len;
}

/* feed_message - headers field by field, then the body as CRLF lines in chunks */
static int
feed_message(struct msg *m, FILE *fp)
{
	struct buf field, body;
	char *line = NULL;
	size_t cap = 0;
	ssize_t got;
	bool in_body = false;

	buf_init(&field);
	buf_init(&body);
	while ((got = getline(&line, &cap, fp)) != -1) {
		size_t len = chomp(line, (size_t)got);

		if (!in_body) {
			if (len > 0 && (line[0] == ' ' || line[0] == '\t') && field.len > 0) {
				buf_addc(&field, '\n');
				buf_add(&field, line, len);
				continue;
			}
			feed_header(m, &field);
			buf_reset(&field);
			if (len == 0) {
				in_body = true;
				msg_eoh(m);
				continue;
			}
			buf_add(&field, line, len);
			continue;
		}
		if (!msg_wants_body(m))
			continue;
		buf_add(&body, line, len);
		buf_add(&body, "\r\n", 2);
		if (body.len >= BODY_CHUNK) {
			msg_body(m, (const unsigned char *)body.data, body.len);
			buf_reset(&body);
		}
	}
	if (!in_body) {
		feed_header(m, &field);
		msg_eoh(m);
	}
	if (body.len > 0 && msg_wants_body(m))
		msg_body(m, (const unsigned char *)body.data, body.len);
	free(line);
	buf_free(&field);
	buf_free(&body);
	return ferror(fp) ? -1 : 0;
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
		default: usage();
		}
	}
	if (ip == NULL || argc - optind > 1)
		usage();
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
	if (feed_message(m, fp) != 0) {
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
