/*
 * message_test.c - the whole pipeline (lib/message.h) on signed fixtures and a zone
 *
 * Fixtures: t/data/message/ (made by gen.py there). Each case feeds one saved message
 * with an envelope through the same entry points the milter uses and checks the
 * action, the SMTP reply, pieces of the Authentication-Results value, the forged
 * fields to delete and the one summary log line.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "message.h"
#include "tap.h"

struct capture {
	int lines;
	char last[4096];
};

static void
capture_line(int pri, const char *line, void *arg)
{
	struct capture *c = arg;

	if (pri == LOG_INFO && strstr(line, " action=") != NULL) {
		c->lines++;
		snprintf(c->last, sizeof c->last, "%s", line);
	}
}

static const struct tcase {
	const char *file, *ip, *helo, *mailfrom, *auth;
	bool monitor;
	enum action want;
	const char *code, *xcode;
	const char *ar[4];		/* substrings the A-R value must contain */
	const char *log;		/* substring of the summary line */
	unsigned del[3];		/* forged A-R indexes, descending, 0-terminated */
} cases[] = {
	{ "pass.eml", "192.0.2.1", "mx.example.com", "<bounce@example.com>", NULL, false,
	  ACTION_ACCEPT, "", "",
	  { "mx.test.example;", "spf=pass smtp.mailfrom=bounce@example.com",
	    "dkim=pass", "dmarc=pass" }, "action=accept", { 0 } },
	{ "reject-unsigned.eml", "198.51.100.7", "mail.reject.example",
	  "<x@reject.example>", NULL, false, ACTION_REJECT, "550", "5.7.26",
	  { "spf=fail", "dkim=none", "dmarc=fail", "header.from=reject.example" },
	  "action=reject", { 0 } },
	{ "reject-signed.eml", "198.51.100.7", "mail.reject.example",
	  "<x@reject.example>", NULL, false, ACTION_ACCEPT, "", "",
	  { "spf=fail", "dkim=pass", "header.d=reject.example", "dmarc=pass" },
	  "action=accept", { 0 } },
	{ "reject-altered.eml", "198.51.100.7", "mail.reject.example",
	  "<x@reject.example>", NULL, false, ACTION_REJECT, "550", "5.7.26",
	  { "dkim=fail", "dmarc=fail", NULL }, "action=reject", { 0 } },
	{ "quarantine.eml", "198.51.100.7", "h.quarantine.example",
	  "<x@quarantine.example>", NULL, false, ACTION_QUARANTINE, "", "",
	  { "dmarc=fail", "header.from=quarantine.example", NULL },
	  "action=quarantine", { 0 } },
	{ "tempfail.eml", "198.51.100.7", "h.broken.example", "<x@broken.example>",
	  NULL, false, ACTION_TEMPFAIL, "451", "4.4.3", { "dmarc=temperror", NULL },
	  "action=tempfail", { 0 } },
	{ "forged.eml", "192.0.2.1", "mx.example.com", "<bounce@example.com>", NULL,
	  false, ACTION_ACCEPT, "", "", { "dkim=pass", "dmarc=pass", NULL },
	  "forged_ar_removed=2", { 3, 1, 0 } },
	{ "twofrom.eml", "198.51.100.7", "h.evil.example", "<x@evil.example>", NULL,
	  false, ACTION_REJECT, "550", "5.7.1", { "dmarc=permerror", NULL },
	  "action=reject", { 0 } },
	/* "From :" (RFC 5322 section 4.5.6) is a From field: with a second From the
	   message has two, and alone it is the author */
	{ "fromspace-pair.eml", "198.51.100.7", "mail.reject.example",
	  "<x@reject.example>", NULL, false, ACTION_REJECT, "550", "5.7.1",
	  { "dmarc=permerror", NULL }, "several From fields", { 0 } },
	{ "fromcase-pair.eml", "198.51.100.7", "mail.reject.example",
	  "<x@reject.example>", NULL, false, ACTION_REJECT, "550", "5.7.1",
	  { "dmarc=permerror", NULL }, "several From fields", { 0 } },
	{ "fromspace-only.eml", "198.51.100.7", "mail.reject.example",
	  "<x@reject.example>", NULL, false, ACTION_REJECT, "550", "5.7.26",
	  { "dmarc=fail", "header.from=reject.example", NULL }, "from=reject.example",
	  { 0 } },
	{ "pass.eml", "127.0.0.1", "localhost", "<x@example.com>", NULL, false,
	  ACTION_ACCEPT, "", "", { NULL }, "skipped=\"internal host\"", { 0 } },
	{ "reject-unsigned.eml", "198.51.100.7", "h", "<x@reject.example>", "alice",
	  false, ACTION_ACCEPT, "", "", { NULL }, "authenticated client", { 0 } },
	{ "pass.eml", "192.0.2.10", "mx.example.com", "<>", NULL, false,
	  ACTION_ACCEPT, "", "", { "spf=pass", "smtp.helo=mx.example.com", NULL },
	  /* the null sender reuses the HELO result: 4 queries, not 6; the DMARC
	     tree walk adds 2 for the relaxed alignment of mx.example.com
	     (_dmarc.com, _dmarc.mx.example.com) */
	  "spf=pass spf_helo=pass dkim=pass:example.com:s1 dmarc=pass policy=reject dis=none arc=none action=accept reason=\"dmarc=pass (example.com)\" dns_queries=6",
	  { 0 } },
	{ "reject-unsigned.eml", "198.51.100.7", "mail.reject.example",
	  "<x@reject.example>", NULL, true, ACTION_ACCEPT, "", "",
	  { "dmarc=fail", NULL }, "would=reject", { 0 } },
	/* sealed by dkimpy (gen_arc.py): a list broke the DKIM signature */
	{ "arc-forwarded.eml", "198.51.100.7", "list.example.com", "<x@example.com>",
	  NULL, false, ACTION_REJECT, "550", "5.7.26",
	  { "dkim=fail", "dmarc=fail", "arc=pass (1 set, sealed by example.com) "
	    "smtp.remote-ip=198.51.100.7", "header.oldest-pass=0" },
	  "dmarc=fail policy=reject dis=reject arc=pass action=reject", { 0 } },
	{ "arc-broken.eml", "198.51.100.7", "list.example.com", "<x@example.com>",
	  NULL, false, ACTION_REJECT, "550", "5.7.26",
	  { "arc=fail (ARC-Message-Signature i=1: body hash mismatch) smtp.remote-ip=",
	    NULL }, "arc=fail action=reject", { 0 } },
	{ "pass.eml", "192.0.2.1", "mx.example.com", "<bounce@example.com>", NULL, false,
	  ACTION_ACCEPT, "", "", { "dmarc=pass (p=reject sp=reject dis=none) "
	    "header.from=example.com;\n\tarc=none", NULL }, "arc=none", { 0 } },
};

static void
run_case(struct engine *eng, const struct tcase *tc, struct capture *cap)
{
	char path[4096];
	struct msg_verdict v;
	struct msg *m;
	FILE *fp;
	size_t ndel = 0;

	snprintf(path, sizeof path, "%s", tap_path("TDATA", "message/"));
	strncat(path, tc->file, sizeof path - strlen(path) - 1);
	if ((fp = fopen(path, "r")) == NULL)
		bail("cannot open %s", path);
	cap->lines = 0;
	cap->last[0] = '\0';
	m = msg_new(eng);
	msg_connect(m, tc->ip, "client.example");
	msg_helo(m, tc->helo);
	memset(&v, 0, sizeof v);
	ok(!msg_envfrom(m, tc->mailfrom, tc->auth, &v), "%s from %s: not refused at MAIL",
	    tc->file, tc->ip);
	msg_set_qid(m, "4AbC12");
	ok(msg_feed_file(m, fp) == 0, "%s: fed", tc->file);
	fclose(fp);
	msg_eom(m, &v);
	is_string(cfg_action_name(tc->want), cfg_action_name(v.action), "%s from %s: action",
	    tc->file, tc->ip);
	is_string(tc->code, v.smtp_code, "%s: SMTP code", tc->file);
	is_string(tc->xcode, v.xcode, "%s: enhanced status", tc->file);
	if (tc->want == ACTION_REJECT)
		ok(v.text[0] != '\0' && strchr(v.text, '\n') == NULL &&
		    strchr(v.text, '%') == NULL, "%s: reject text, one clean line: %s",
		    tc->file, v.text);
	if (tc->want == ACTION_REJECT && strncmp(tc->file, "reject", 6) == 0)
		ok(strstr(v.text, "DMARC") != NULL && strstr(v.text, "reject.example") != NULL,
		    "%s: reject text names DMARC and the domain", tc->file);
	if (strcmp(tc->ip, "127.0.0.1") == 0 || tc->auth != NULL)
		ok(v.authres == NULL, "%s: skipped client gets no A-R", tc->file);
	for (size_t i = 0; i < NELEM(tc->ar) && tc->ar[i] != NULL; i++)
		ok(v.authres != NULL && strstr(v.authres, tc->ar[i]) != NULL,
		    "%s: A-R has \"%s\"", tc->file, tc->ar[i]);
	if (v.authres != NULL)
		ok(strncmp(v.authres, "mx.test.example;", 16) == 0 &&
		    strchr(v.authres, '\r') == NULL, "%s: A-R starts with our id, no CR",
		    tc->file);
	while (ndel < NELEM(tc->del) && tc->del[ndel] != 0)
		ndel++;
	is_int((long)ndel, (long)v.ndelete, "%s: forged A-R fields to delete", tc->file);
	for (size_t i = 0; i < ndel && i < v.ndelete; i++)
		is_int(tc->del[i], v.delete_idx[i], "%s: delete #%zu", tc->file, i);
	is_int(1, cap->lines, "%s: one summary log line", tc->file);
	ok(strstr(cap->last, tc->log) != NULL && strncmp(cap->last, "4AbC12: ", 8) == 0,
	    "%s: log line has qid and \"%s\": %s", tc->file, tc->log, cap->last);
	msg_verdict_clear(&v);
	msg_free(m);
}

int
main(void)
{
	struct capture cap;
	struct buf err;
	struct config *cfg, *mon;
	struct engine *eng, *eng_mon;

	log_open("message_test", LOG_MAIL, true);
	log_set_level(LOG_ERR);
	log_set_capture(capture_line, &cap);
	buf_init(&err);
	cfg = cfg_defaults();
	mon = cfg_defaults();
	if (cfg == NULL || mon == NULL)
		bail("cfg_defaults failed");
	for (struct config *c = cfg; c != NULL; c = c == cfg ? mon : NULL) {
		c->dns_backend = DNS_BACKEND_ZONE;
		free(c->dns_zone_file);
		c->dns_zone_file = xstrdup(tap_path("TDATA", "message/test.zone"));
		free(c->authserv_id);
		c->authserv_id = xstrdup("mx.test.example");
	}
	mon->monitor_only = true;
	eng = engine_new(cfg, &err);
	eng_mon = engine_new(mon, &err);
	if (eng == NULL || eng_mon == NULL)
		bail("engine_new: %s", buf_str(&err));
	is_string("mx.test.example", engine_authserv_id(eng), "authserv-id from config");
	for (size_t i = 0; i < NELEM(cases); i++)
		run_case(cases[i].monitor ? eng_mon : eng, &cases[i], &cap);
	engine_unref(eng);
	engine_unref(eng_mon);
	cfg_unref(cfg);
	cfg_unref(mon);
	buf_free(&err);
	return done_testing();
}
