/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * message_test.c - the whole pipeline (lib/message.h) on signed fixtures and a zone
 *
 * Fixtures: t/data/message/ (made by gen.py there). Each case feeds one saved message
 * with an envelope through the same entry points the milter uses and checks the
 * action, the SMTP reply, pieces of the Authentication-Results value, the forged
 * fields to delete and the one summary log line.
 */
#include "autoconf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "message.h"
#include "tap.h"
#include "testlib.h"

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
run_case(struct engine *eng, const struct tcase *tc, struct tl_summary *cap)
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

/* struct kv - one key=value pair of a parsed log line */
struct kv {
	char key[32];
	char val[1200];
};

/* kv_parse - split "QID: k=v k=v ..." by the rule of mailauth(8) LOG KEYS: a value
 * is bare (printable ASCII, no space, '"', '\' or '=') or "..." where \" is a quote
 * and \xHH a byte; pairs are separated by one space. Returns the number of pairs,
 * -1 on any byte the rule does not allow. */
static int
kv_parse(const char *line, char *qid, size_t qidlen, struct kv *kv, int max)
{
	const char *p = strstr(line, ": ");
	int n = 0;

	if (p == NULL || (size_t)(p - line) >= qidlen)
		return -1;
	memcpy(qid, line, (size_t)(p - line));
	qid[p - line] = '\0';
	for (const char *q = line; q < p; q++)
		if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
		    (*q >= '0' && *q <= '9') || strchr("._-\\", *q) != NULL))
			return -1;	/* the queue id keeps [A-Za-z0-9._-] and \xHH */
	p += 2;
	while (*p != '\0') {
		size_t k = 0, v = 0;

		if (n == max)
			return -1;
		while ((*p >= 'a' && *p <= 'z') || *p == '_')
			if (k < sizeof kv[n].key - 1)
				kv[n].key[k++] = *p++;
			else
				return -1;
		kv[n].key[k] = '\0';
		if (k == 0 || *p++ != '=')
			return -1;
		if (*p == '"') {
			for (p++; *p != '"'; p++) {
				int c = (unsigned char)*p;

				if (c < 0x20 || c > 0x7e)
					return -1;
				if (c == '\\') {
					if (p[1] == '"')
						c = *++p;
					else if (p[1] == 'x' && isxdigit((unsigned char)p[2]) &&
					    isxdigit((unsigned char)p[3])) {
						char hx[3] = { p[2], p[3], '\0' };

						c = (int)strtol(hx, NULL, 16);
						p += 3;
					} else
						return -1;
				}
				if (v >= sizeof kv[n].val - 1)
					return -1;
				kv[n].val[v++] = (char)c;
			}
			p++;
		} else {
			for (; *p != '\0' && *p != ' '; p++) {
				if (*p <= 0x20 || *p > 0x7e || strchr("\"\\=", *p) != NULL)
					return -1;
				if (v >= sizeof kv[n].val - 1)
					return -1;
				kv[n].val[v++] = *p;
			}
			if (v == 0)
				return -1;
		}
		kv[n].val[v] = '\0';
		n++;
		if (*p == ' ' && p[1] != '\0')
			p++;
		else if (*p != '\0')
			return -1;
	}
	return n;
}

/* kv_count - how many pairs have this key; *val gets the last one's value */
static int
kv_count(const struct kv *kv, int n, const char *key, const char **val)
{
	int c = 0;

	for (int i = 0; i < n; i++)
		if (strcmp(kv[i].key, key) == 0) {
			c++;
			*val = kv[i].val;
		}
	return c;
}

/* test_hostile_log - the summary line parses back: every key once, values exact */
static void
test_hostile_log(struct engine *eng, struct tl_summary *cap)
{
	static const struct {
		const char *helo, *mailfrom, *qid;
	} hc[] = {
		{ "mx.example.com", "\"x dmarc=pass action=accept\"@evil.example", "4AbC12" },
		{ "evil\" dmarc=pass action=accept x=\"", "a@evil.example", "4AbC12" },
		{ "a\\\" dmarc=pass\\", "\"q\\\"uote\\\\\"@evil.example", "4AbC12" },
		{ "\x1b[31m\b\r\ndmarc=pass action=accept", "x\x7f\x01@evil.example",
		  "4AbC12" },
		{ "h\xc3\xa9\xff.example", "\xe2\x80\xae@evil.example", "4AbC12" },
		{ "", "=@evil.example", "Q1 dmarc=pass: action=accept" },
		{ "x=y", "\\x41@evil.example", "Q\x1b\n" },
	};
	static const char *const once[] = {
		"ip", "helo", "mailfrom", "from", "spf", "dkim", "dmarc", "action",
		"dns_queries",
	};
	struct kv kv[32];
	char path[4096], qid[256], want[600];
	const char *val;

	snprintf(path, sizeof path, "%s", tap_path("TDATA", "message/reject-unsigned.eml"));
	for (size_t i = 0; i < NELEM(hc); i++) {
		struct msg_verdict v;
		struct msg *m;
		FILE *fp;
		int n;

		if ((fp = fopen(path, "r")) == NULL)
			bail("cannot open %s", path);
		cap->lines = 0;
		cap->last[0] = '\0';
		m = msg_new(eng);
		msg_connect(m, "198.51.100.7", "client.example");
		msg_helo(m, hc[i].helo);
		memset(&v, 0, sizeof v);
		snprintf(want, sizeof want, "<%s>", hc[i].mailfrom);
		msg_envfrom(m, want, NULL, &v);
		msg_set_qid(m, hc[i].qid);
		msg_feed_file(m, fp);
		fclose(fp);
		msg_eom(m, &v);
		is_int(1, cap->lines, "hostile %zu: one summary line", i);
		n = kv_parse(cap->last, qid, sizeof qid, kv, (int)NELEM(kv));
		if (!ok(n > 0, "hostile %zu: the line parses by the documented rule: %s", i,
		    cap->last)) {
			msg_verdict_clear(&v);
			msg_free(m);
			continue;
		}
		for (size_t k = 0; k < NELEM(once); k++)
			is_int(1, kv_count(kv, n, once[k], &val), "hostile %zu: one %s=", i,
			    once[k]);
		ok(kv_count(kv, n, "dmarc", &val) == 1 && strcmp(val, "fail") == 0 &&
		    kv_count(kv, n, "action", &val) == 1 && strcmp(val, "reject") == 0,
		    "hostile %zu: dmarc=fail action=reject, nothing injected", i);
		ok(kv_count(kv, n, "helo", &val) == 1 && strcmp(val, hc[i].helo) == 0,
		    "hostile %zu: helo decodes to what was sent", i);
		ok(kv_count(kv, n, "mailfrom", &val) == 1 && strcmp(val, want) == 0,
		    "hostile %zu: mailfrom decodes to what was sent", i);
		ok(strcmp(hc[i].qid, "4AbC12") != 0 || strcmp(qid, "4AbC12") == 0,
		    "hostile %zu: queue id prefix", i);
		msg_verdict_clear(&v);
		msg_free(m);
	}
}

/* raw_line - log_set_capture hook: every line, as it is */
static void
raw_line(int pri, const char *line, void *arg)
{
	(void)pri;
	snprintf(arg, 512, "%s", line);
}

/* test_log_escape - lib/log writes no control, DEL or 8-bit byte, whoever calls */
static void
test_log_escape(void)
{
	char got[512];
	bool clean = true;

	got[0] = '\0';
	log_set_capture(raw_line, got);
	/* the shape of a mailauth-report line with a rua= URI from DNS */
	log_msg(LOG_NOTICE, "report %s %s: rua %s skipped: %s", "example.com", "2026-12-01",
	    "mailto:a@b.example\x1b[2J\b\b\x7f\xc3\xa9\r\nforged line", "not allowed");
	log_set_capture(NULL, NULL);
	for (const char *p = got; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			clean = false;
	ok(clean, "log line has no control, DEL or 8-bit byte: %s", got);
	ok(strstr(got, "b.example\\x1b[2J\\x08\\x08\\x7f\\xc3\\xa9\\x0d\\x0aforged line") !=
	    NULL, "each such byte is \\xHH: %s", got);
}

/* lbody_verdict - t/data/dkim/lbody.eml (l= signature, then appended text) with
 * a p=reject DMARC record for example.com, under this BodyLengthPolicy; the
 * action, *ar the A-R value (caller frees) */
static enum action
lbody_verdict(const char *zone, const char *policy, char **ar)
{
	struct config *c = cfg_defaults();
	struct engine *eng;
	struct msg_verdict v;
	struct msg *m;
	struct buf err;
	enum action act;
	FILE *fp;

	buf_init(&err);
	if (c == NULL)
		bail("cfg_defaults failed");
	c->dns_backend = DNS_BACKEND_ZONE;
	free(c->dns_zone_file);
	c->dns_zone_file = xstrdup(zone);
	free(c->authserv_id);
	c->authserv_id = xstrdup("mx.test.example");
	if (policy != NULL)
		c->dkim_body_length = strcmp(policy, "fail") == 0 ? DKIM_L_FAIL : DKIM_L_REPORT;
	if ((eng = engine_new(c, &err)) == NULL)
		bail("engine_new: %s", buf_str(&err));
	if ((fp = fopen(tap_path("TDATA", "dkim/lbody.eml"), "r")) == NULL)
		bail("cannot open lbody.eml");
	m = msg_new(eng);
	msg_connect(m, "198.51.100.7", "client.example");
	msg_helo(m, "h.elsewhere.example");
	memset(&v, 0, sizeof v);
	msg_envfrom(m, "<bounce@elsewhere.example>", NULL, &v);
	msg_set_qid(m, "4LBODY");
	msg_feed_file(m, fp);
	fclose(fp);
	msg_eom(m, &v);
	act = v.action;
	*ar = xstrdup(v.authres != NULL ? v.authres : "");
	msg_verdict_clear(&v);
	msg_free(m);
	engine_unref(eng);
	cfg_unref(c);
	buf_free(&err);
	return act;
}

/* test_body_length - text appended after an l= signature gets no DMARC pass by
 * default; BodyLengthPolicy report keeps the old pass */
static void
test_body_length(void)
{
	char zone[] = "/tmp/message_test.zone.XXXXXX";
	struct buf text;
	FILE *in, *out;
	char *ar, line[8192];
	int fd;

	if ((fd = mkstemp(zone)) < 0 || (out = fdopen(fd, "w")) == NULL)
		bail("cannot create a temporary zone");
	if ((in = fopen(tap_path("TDATA", "dkim/keys.zone"), "r")) == NULL)
		bail("cannot open dkim/keys.zone");
	while (fgets(line, sizeof line, in) != NULL)
		fputs(line, out);
	fclose(in);
	fputs("_dmarc.example.com TXT \"v=DMARC1; p=reject\"\n", out);
	fclose(out);
	buf_init(&text);

	is_string("reject", cfg_action_name(lbody_verdict(zone, NULL, &ar)),
	    "l= with appended text, default BodyLengthPolicy: DMARC p=reject rejects");
	ok(strstr(ar, "dkim=fail (2048-bit rsa-sha256, body length limit \\(l=\\) "
	    "leaves content unsigned)") != NULL && strstr(ar, "dmarc=fail") != NULL,
	    "  A-R says dkim=fail (l=), dmarc=fail: %s", ar);
	free(ar);
	is_string("reject", cfg_action_name(lbody_verdict(zone, "fail", &ar)),
	    "l= with appended text, BodyLengthPolicy fail: reject");
	free(ar);
	is_string("accept", cfg_action_name(lbody_verdict(zone, "report", &ar)),
	    "l= with appended text, BodyLengthPolicy report (the old default): accept");
	ok(strstr(ar, "dkim=pass") != NULL && strstr(ar, "body length limit") != NULL &&
	    strstr(ar, "dmarc=pass") != NULL, "  A-R says dkim=pass (noted), dmarc=pass: %s",
	    ar);
	free(ar);
	unlink(zone);
	buf_free(&text);
}

int
main(void)
{
	struct tl_summary cap;
	struct buf err;
	struct config *cfg, *mon;
	struct engine *eng, *eng_mon;

	log_open("message_test", LOG_MAIL, true);
	log_set_level(LOG_ERR);
	log_set_capture(tl_capture_summary, &cap);
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
	test_hostile_log(eng, &cap);
	test_log_escape();
	test_body_length();
	engine_unref(eng);
	engine_unref(eng_mon);
	cfg_unref(cfg);
	cfg_unref(mon);
	buf_free(&err);
	return done_testing();
}
