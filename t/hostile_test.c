/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hostile_test.c - hostile messages through the whole engine (lib/message.h)
 *
 * Each case runs in a child process with one engine on the zone of
 * t/data/message/test.zone and a fixed envelope (192.0.2.1, HELO mx.example.com,
 * MAIL FROM bounce@example.com, which SPF passes and aligns with From example.com):
 * 10,000 header fields, a 1 MB field, 1,000 DKIM-Signature fields, NUL and 8-bit
 * bytes, bare LF line ends, no body, no header/body separator, a 60 MB body line
 * streamed in 64 KB chunks, 2,000 From fields, an empty message, and DKIM i= values
 * ending in a broken quoted-printable escape (libopendkim read past them; found by
 * t/fuzz/fuzz_dkim, the inputs are in t/fuzz/seeds/dkim/). The child reports
 * the action, the SMTP code, whether an A-R value was made and what it says about
 * DKIM, the number of summary log lines, and the growth of its peak RSS. The parent
 * checks: a verdict (the one RFC 7489 and the defaults call for), exactly one
 * summary line, and the peak RSS grew by less than a generous bound (no timing).
 * Issue 14 ("Hostile senders"): its 600 KB message (50 signatures naming 2,000
 * fields, 40,000 fields) gets a verdict and the reason; what libopendkim is handed
 * is counted (signatures, h= entries, header fields: within the limits); and four
 * signatures whose keys time out (DNSTimeout 1, EvaluationTimeout 2) above a
 * failing, then a passing, aligned signature of a p=reject domain: reject and
 * accept, not the 451 the used-up deadline gave.
 */
#include "autoconf.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "dkim.h"
#include "dns.h"
#include "log.h"
#include "message.h"
#include "tap.h"
#include "testlib.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

#ifdef UNDER_ASAN
/* ASan keeps freed memory in quarantine (256 MB by default), which would count as
 * growth; a small quarantine still catches use-after-free of recent blocks */
const char *__asan_default_options(void);

const char *
__asan_default_options(void)
{
	return "quarantine_size_mb=16";
}
#define RSS_BOUND_KB (56L * 1024)
#else
#define RSS_BOUND_KB (40L * 1024)
#endif

#define BODY_LINE_BYTES (60UL * 1024 * 1024)

/* what a child reports through its pipe */
struct report {
	int action;
	char code[4];
	int summary_lines;
	int has_log_line;
	int has_authres;
	char dkim[32];		/* "dkim=..." word of the A-R value, or "" */
	int ar_has;		/* the A-R value contains the case's ar_has text */
	long rss_growth_kb;
};

/* feed_raw - a saved message of n bytes through msg_feed_file */
static void
feed_raw(struct msg *m, const char *p, size_t n)
{
	FILE *fp = n > 0 ? fmemopen((void *)p, n, "r") : fopen("/dev/null", "r");

	if (fp == NULL || msg_feed_file(m, fp) != 0)
		_exit(90);
	fclose(fp);
}

/* body_line - a short CRLF body */
static void
body_line(struct msg *m)
{
	static const char b[] = "hello\r\n";

	msg_body(m, (const unsigned char *)b, sizeof b - 1);
}

/* gen_many_fields - 10,000 header fields before From */
static void
gen_many_fields(struct msg *m)
{
	char name[32], value[64];

	for (int i = 0; i < 10000; i++) {
		snprintf(name, sizeof name, "X-Filler-%d", i);
		snprintf(value, sizeof value, " value %d of ten thousand", i);
		msg_header(m, name, value);
	}
	msg_header(m, "From", " <bounce@example.com>");
	msg_eoh(m);
	body_line(m);
}

/* gen_huge_field - one Subject field of 1 MB without folding */
static void
gen_huge_field(struct msg *m)
{
	size_t n = 1024 * 1024;
	char *v = xmalloc(n + 2);

	v[0] = ' ';
	memset(v + 1, 'a', n);
	v[n + 1] = '\0';
	msg_header(m, "From", " <bounce@example.com>");
	msg_header(m, "Subject", v);
	free(v);
	msg_eoh(m);
	body_line(m);
}

/* gen_many_sigs - 1,000 DKIM-Signature fields */
static void
gen_many_sigs(struct msg *m)
{
	char v[256];

	for (int i = 0; i < 1000; i++) {
		snprintf(v, sizeof v, " v=1; a=rsa-sha256; c=relaxed/relaxed; "
		    "d=example.com; s=s1; h=from; bh=%dAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=;"
		    " b=%dBBBB", i, i);
		msg_header(m, "DKIM-Signature", v);
	}
	msg_header(m, "From", " <bounce@example.com>");
	msg_eoh(m);
	body_line(m);
}

/* gen_nul_8bit - NUL and 8-bit bytes in header values and the body (raw) */
static void
gen_nul_8bit(struct msg *m)
{
	static const char raw[] =
	    "From: J\xc3\xb6rg \xff\xfe <bounce@example.com>\r\n"
	    "Subject: nul \0 here \x80\x81\xfe\xff\r\n"
	    "X-\xff\xfe: \0\0\0\r\n"
	    "\r\n"
	    "body \0 with NUL\r\n\xff\xfe\xfd\x80\r\n\0\0\0\0\r\n";

	feed_raw(m, raw, sizeof raw - 1);
}

/* gen_bare_lf - LF line ends only, bare CR inside */
static void
gen_bare_lf(struct msg *m)
{
	static const char raw[] =
	    "From: <bounce@example.com>\n"
	    "Subject: bare\n\tfolded\rcr\n"
	    "\n"
	    "line one\nline two\r\n.\n..\n";

	feed_raw(m, raw, sizeof raw - 1);
}

/* gen_no_body - header, separator, nothing after */
static void
gen_no_body(struct msg *m)
{
	static const char raw[] = "From: <bounce@example.com>\r\nSubject: x\r\n\r\n";

	feed_raw(m, raw, sizeof raw - 1);
}

/* gen_no_separator - header fields and end of input, no empty line */
static void
gen_no_separator(struct msg *m)
{
	static const char raw[] = "From: <bounce@example.com>\r\nSubject: x";

	feed_raw(m, raw, sizeof raw - 1);
}

/* gen_long_line - one 60 MB body line, streamed in 64 KB chunks */
static void
gen_long_line(struct msg *m)
{
	static unsigned char chunk[65536];
	size_t sent = 0;

	memset(chunk, 'x', sizeof chunk);
	msg_header(m, "DKIM-Signature", " v=1; a=rsa-sha256; c=relaxed/relaxed; "
	    "d=example.com; s=s1; h=from; bh=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=; "
	    "b=BBBB");
	msg_header(m, "From", " <bounce@example.com>");
	msg_eoh(m);
	while (sent < BODY_LINE_BYTES) {
		msg_body(m, chunk, sizeof chunk);
		sent += sizeof chunk;
	}
	msg_body(m, (const unsigned char *)"\r\n", 2);
}

/* gen_many_from - 2,000 From fields */
static void
gen_many_from(struct msg *m)
{
	char v[64];

	for (int i = 0; i < 2000; i++) {
		snprintf(v, sizeof v, " <user%d@example.com>", i);
		msg_header(m, "From", v);
	}
	msg_eoh(m);
	body_line(m);
}

/* gen_qp - a DKIM-Signature whose i= ends in the quoted-printable prefix qp */
static void
gen_qp(struct msg *m, const char *qp)
{
	char v[256];

	snprintf(v, sizeof v, " v=1; a=rsa-sha256; d=example.com; s=s1; h=from;\n\t"
	    "bh=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=; b=BBBB; i=@example.com%s", qp);
	msg_header(m, "DKIM-Signature", v);
	msg_header(m, "From", " <bounce@example.com>");
	msg_eoh(m);
	body_line(m);
}

/* gen_qp_end - i= ending in "=": libopendkim read past the value (fuzz_dkim) */
static void
gen_qp_end(struct msg *m)
{
	gen_qp(m, "=");
}

/* gen_qp_digit - i= ending in "=4" */
static void
gen_qp_digit(struct msg *m)
{
	gen_qp(m, "=4");
}

/* evil_sig - a complete DKIM-Signature value of d=DOMAIN (s=s1) whose h= names
 * From and then "x" nx times */
static void
evil_sig(struct buf *b, const char *domain, int i, int nx)
{
	buf_printf(b, " v=1; a=rsa-sha256; c=relaxed/relaxed; d=%s; s=s1;\n\th=from",
	    domain);
	for (int k = 0; k < nx; k++)
		buf_adds(b, ":x");
	buf_printf(b, ";\n\tbh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=%04dBBBB", i);
}

/* gen_issue14 - issue 14's message: 50 signatures whose h= names 2,000 fields,
 * and 40,000 short fields (libopendkim spent 14 to 34 s of CPU on it) */
static void
gen_issue14(struct msg *m)
{
	struct buf b;
	char v[32];

	buf_init(&b);
	for (int i = 0; i < 50; i++) {
		buf_reset(&b);
		evil_sig(&b, "evil.example", i, 1999);
		msg_header(m, "DKIM-Signature", buf_str(&b));
	}
	for (int i = 0; i < 40000; i++) {
		snprintf(v, sizeof v, " %d", i);
		msg_header(m, "X", v);
	}
	buf_free(&b);
	msg_header(m, "From", " <bounce@example.com>");
	msg_eoh(m);
	body_line(m);
}

/* gen_empty - no bytes at all */
static void
gen_empty(struct msg *m)
{
	feed_raw(m, "", 0);
}

static const struct hcase {
	const char *name;
	void (*gen)(struct msg *m);
	enum action want;	/* defaults: SPF pass aligned -> accept; bad From -> reject */
	const char *code;
	const char *dkim;	/* expected "dkim=" word in A-R, or NULL: not checked */
	const char *ar_has;	/* text the A-R value must contain, or NULL */
} cases[] = {
	{ "10,000 header fields", gen_many_fields, ACTION_ACCEPT, "", "dkim=none", NULL },
	{ "a 1 MB header field", gen_huge_field, ACTION_ACCEPT, "", "dkim=none", NULL },
	{ "1,000 DKIM-Signature fields", gen_many_sigs, ACTION_ACCEPT, "",
	  "dkim=permerror", "too many signatures" },
	{ "NUL and 8-bit bytes", gen_nul_8bit, ACTION_ACCEPT, "", "dkim=none", NULL },
	{ "bare LF line ends", gen_bare_lf, ACTION_ACCEPT, "", "dkim=none", NULL },
	{ "missing body", gen_no_body, ACTION_ACCEPT, "", "dkim=none", NULL },
	{ "no header/body separator", gen_no_separator, ACTION_ACCEPT, "", "dkim=none",
	  NULL },
	{ "a 60 MB body line", gen_long_line, ACTION_ACCEPT, "", NULL, NULL },
	{ "2,000 From fields", gen_many_from, ACTION_REJECT, "550", NULL, NULL },
	{ "an empty message", gen_empty, ACTION_REJECT, "550", NULL, NULL },
	{ "issue 14: 50 signatures x 2,000 h= names, 40,000 fields", gen_issue14,
	  ACTION_ACCEPT, "", "dkim=permerror", "not verified: more than 1000 header fields" },
	{ "DKIM i= ending in '='", gen_qp_end, ACTION_ACCEPT, "", "dkim=permerror",
	  "malformed quoted-printable" },
	{ "DKIM i= ending in '=4'", gen_qp_digit, ACTION_ACCEPT, "", "dkim=permerror",
	  "malformed quoted-printable" },
};

/* peak_rss_kb - this process's peak resident set */
static long
peak_rss_kb(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return -1;
	return ru.ru_maxrss;
}

/* dkim_word - copy the "dkim=WORD" of an A-R value */
static void
dkim_word(const char *ar, char *out, size_t outlen)
{
	const char *p = ar != NULL ? strstr(ar, "dkim=") : NULL;
	size_t n;

	out[0] = '\0';
	if (p == NULL)
		return;
	n = strcspn(p, " ;\n\t(");
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, p, n);
	out[n] = '\0';
}

/* run_child - one case in this (child) process; writes the report to fd */
static void
run_child(struct engine *eng, const struct hcase *hc, int fd)
{
	struct tl_summary cap = { 0 };
	struct report r;
	struct msg_verdict v;
	struct msg *m;
	long before;

	memset(&r, 0, sizeof r);
	log_set_capture(tl_capture_summary, &cap);
	before = peak_rss_kb();
	m = msg_new(eng);
	memset(&v, 0, sizeof v);
	msg_connect(m, "192.0.2.1", "client.example");
	msg_helo(m, "mx.example.com");
	if (msg_envfrom(m, "<bounce@example.com>", NULL, &v))
		_exit(91);
	msg_set_qid(m, "HOSTILE");
	hc->gen(m);
	msg_eom(m, &v);
	r.rss_growth_kb = peak_rss_kb() - before;
	r.action = (int)v.action;
	snprintf(r.code, sizeof r.code, "%s", v.smtp_code);
	r.summary_lines = cap.lines;
	r.has_log_line = v.log_line != NULL;
	r.has_authres = v.authres != NULL;
	dkim_word(v.authres, r.dkim, sizeof r.dkim);
	r.ar_has = hc->ar_has != NULL && v.authres != NULL &&
	    strstr(v.authres, hc->ar_has) != NULL;
	msg_verdict_clear(&v);
	msg_free(m);
	if (write(fd, &r, sizeof r) != (ssize_t)sizeof r)
		_exit(92);
}

/* run_case - fork, run, check the report */
static void
run_case(struct engine *eng, const struct hcase *hc)
{
	int pfd[2], status;
	struct report r;
	ssize_t got;
	pid_t pid;

	fflush(stdout);
	if (pipe(pfd) != 0 || (pid = fork()) < 0)
		bail("pipe/fork failed");
	if (pid == 0) {
		close(pfd[0]);
		run_child(eng, hc, pfd[1]);
		close(pfd[1]);
		/* no teardown in the child: the parent owns the engine */
		_exit(0);
	}
	close(pfd[1]);
	got = read(pfd[0], &r, sizeof r);
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0)
		;
	if (!ok(got == (ssize_t)sizeof r && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "%s: the engine ran to the end (status %d)", hc->name, status)) {
		if (WIFSIGNALED(status))
			diag("killed by signal %d", WTERMSIG(status));
		return;
	}
	is_string(cfg_action_name(hc->want), cfg_action_name((enum action)r.action),
	    "%s: action", hc->name);
	is_string(hc->code, r.code, "%s: SMTP code", hc->name);
	ok(r.has_log_line, "%s: the verdict has a log line", hc->name);
	is_int(1, r.summary_lines, "%s: exactly one summary log line", hc->name);
	if (hc->want == ACTION_ACCEPT)
		ok(r.has_authres, "%s: an Authentication-Results value", hc->name);
	if (hc->dkim != NULL)
		is_string(hc->dkim, r.dkim, "%s: DKIM result", hc->name);
	else if (r.dkim[0] != '\0')
		diag("%s: %s", hc->name, r.dkim);
	if (hc->ar_has != NULL)
		ok(r.ar_has, "%s: A-R says \"%s\"", hc->name, hc->ar_has);
	ok(r.rss_growth_kb >= 0 && r.rss_growth_kb < RSS_BOUND_KB,
	    "%s: peak RSS grew %ld KB (bound %ld KB)", hc->name, r.rss_growth_kb,
	    RSS_BOUND_KB);
}

/* with_sigs - a saved message (t/data/message) with n signature fields of
 * d=slowI.example (their keys time out) on top */
static void
with_sigs(struct msg *m, const char *file, int n)
{
	FILE *fp = fopen(tap_path("TDATA", file), "r");
	struct buf b, all;
	char tmp[4096];
	size_t k;

	if (fp == NULL)
		_exit(93);
	buf_init(&b);
	buf_init(&all);
	for (int i = 1; i <= n; i++) {
		char d[32];

		snprintf(d, sizeof d, "slow%d.example", i);
		buf_reset(&b);
		evil_sig(&b, d, i, 0);
		buf_printf(&all, "DKIM-Signature:%s\r\n", buf_str(&b));
	}
	while ((k = fread(tmp, 1, sizeof tmp, fp)) > 0)
		buf_add(&all, tmp, k);
	fclose(fp);
	feed_raw(m, all.data, all.len);
	buf_free(&b);
	buf_free(&all);
}

/* gen_defer_fail - a failing aligned signature of reject.example (p=reject)
 * under four signatures whose key lookups time out */
static void
gen_defer_fail(struct msg *m)
{
	with_sigs(m, "message/reject-altered.eml", 4);
}

/* gen_defer_pass - the same with a good aligned signature */
static void
gen_defer_pass(struct msg *m)
{
	with_sigs(m, "message/reject-signed.eml", 4);
}

/*
 * Issue 14, low: four extra signatures whose keys time out used up the one
 * end-of-headers DNS deadline before the aligned signature's lookup: temperror,
 * and p=reject became a 451 deferral. DNSTimeout 1 s and EvaluationTimeout 2 s:
 * two timeouts are enough to use the deadline up.
 */
static const struct hcase defer_cases[] = {
	{ "4 timing-out keys above a failing aligned signature", gen_defer_fail,
	  ACTION_REJECT, "550", NULL, "dkim=fail (body hash mismatch) header.d=reject.example" },
	{ "4 timing-out keys above a passing aligned signature", gen_defer_pass,
	  ACTION_ACCEPT, "", NULL, "dkim=pass (2048-bit rsa-sha256) header.d=reject.example" },
};

/* test_deferral - the cases above on an engine with short DNS timeouts */
static void
test_deferral(void)
{
	char dir[] = "/tmp/hostile_test.XXXXXX", path[128], line[8192];
	struct config *cfg;
	struct engine *eng;
	struct buf err;
	FILE *in, *out;

	if (mkdtemp(dir) == NULL)
		bail("mkdtemp failed");
	snprintf(path, sizeof path, "%s/slow.zone", dir);
	if ((in = fopen(tap_path("TDATA", "message/test.zone"), "r")) == NULL ||
	    (out = fopen(path, "w")) == NULL)
		bail("cannot copy the message zone");
	while (fgets(line, sizeof line, in) != NULL)
		fputs(line, out);
	for (int i = 1; i <= 4; i++)
		fprintf(out, "s1._domainkey.slow%d.example TIMEOUT\n", i);
	fclose(in);
	fclose(out);
	buf_init(&err);
	if ((cfg = cfg_defaults()) == NULL)
		bail("cfg_defaults failed");
	cfg->dns_backend = DNS_BACKEND_ZONE;
	free(cfg->dns_zone_file);
	cfg->dns_zone_file = xstrdup(path);
	free(cfg->authserv_id);
	cfg->authserv_id = xstrdup("mx.test.example");
	cfg->dns_timeout = 1;
	cfg->eval_timeout = 2;
	if ((eng = engine_new(cfg, &err)) == NULL)
		bail("engine_new: %s", buf_str(&err));
	for (size_t i = 0; i < NELEM(defer_cases); i++)
		run_case(eng, &defer_cases[i]);
	engine_unref(eng);
	cfg_unref(cfg);
	buf_free(&err);
	unlink(path);
	rmdir(dir);
}

/* work_msg - a message: n signatures naming From and "x" nx times, nfill "X"
 * fields, then pass.eml (a good signature of example.com, From example.com) */
static struct buf
work_msg(int n, int nx, int nfill)
{
	FILE *fp = fopen(tap_path("TDATA", "message/pass.eml"), "r");
	struct buf all, b;
	char tmp[4096];
	size_t k;

	if (fp == NULL)
		bail("cannot open message/pass.eml");
	buf_init(&all);
	buf_init(&b);
	for (int i = 0; i < n; i++) {
		buf_reset(&b);
		evil_sig(&b, "evil.example", i, nx);
		buf_printf(&all, "DKIM-Signature:%s\r\n", buf_str(&b));
	}
	for (int i = 0; i < nfill; i++)
		buf_printf(&all, "X: %d\r\n", i);
	while ((k = fread(tmp, 1, sizeof tmp, fp)) > 0)
		buf_add(&all, tmp, k);
	fclose(fp);
	buf_free(&b);
	return all;
}

/*
 * test_work - what libopendkim is handed, counted (not timed): at most
 * MaximumSignatures signature fields, their h= entries at most MaximumSignedFields
 * each, and only header fields those entries can select; so its header selection
 * (entries x fields) is bounded whatever the sender writes
 */
static void
test_work(struct config *cfg)
{
	struct dns_resolver *zone;
	struct dkv_engine *de;
	struct dns_session s;
	struct dkv_work w;
	struct dkv_msg *m;
	struct buf err, msg;
	unsigned long bound_entries = (unsigned long)cfg->dkim_max_sigs * cfg->dkim_max_signed;
	size_t npass = 0, nscreened = 0;

	buf_init(&err);
	if ((zone = dns_zone_open(cfg->dns_zone_file, &err)) == NULL ||
	    (de = dkv_engine_new(cfg, &err)) == NULL)
		bail("dkim engine: %s", buf_str(&err));

	/* 50 signature fields (49 naming "x" 99 times) and 1,000 fields in all */
	msg = work_msg(49, 99, 1000 - 49 - 6);
	m = dkv_msg_new(de, cfg, "WORK");
	dns_session_init(&s, zone, 5000);
	dkv_feed_raw(m, &s, NULL, (unsigned char *)msg.data, msg.len);
	dkv_eom(m, &s);
	dkv_get_work(m, &w);
	for (size_t i = 0; i < dkv_nresults(m); i++)
		npass += dkv_result(m, i)->result == DKIMR_PASS;
	is_int(50, (long)dkv_nresults(m), "work: 50 signature fields, 50 results");
	is_int(1, (long)npass, "work: the aligned signature passes");
	ok(w.sigs <= cfg->dkim_max_sigs, "work: %u signature fields handed (at most %u)",
	    w.sigs, cfg->dkim_max_sigs);
	ok(w.entries <= bound_entries, "work: %lu h= entries handed (at most %lu)",
	    w.entries, bound_entries);
	ok(w.fields <= w.entries + w.sigs, "work: %u of 1,000 header fields handed (at "
	    "most h= entries + signatures, %lu)", w.fields, w.entries + w.sigs);
	ok(s.queries <= cfg->dkim_max_sigs, "work: %u key lookups", s.queries);
	dkv_msg_free(m);
	buf_free(&msg);

	/* issue 14's shape under a MaximumHeaderFields raised to 100,000: the h=
	 * limit alone keeps every one of those signatures away from the library */
	cfg->dkim_max_headers = 100000;
	msg = work_msg(50 - 1, 1999, 40000);
	m = dkv_msg_new(de, cfg, "WORK");
	dkv_feed_raw(m, &s, NULL, (unsigned char *)msg.data, msg.len);
	dkv_eom(m, &s);
	dkv_get_work(m, &w);
	npass = 0;
	for (size_t i = 0; i < dkv_nresults(m); i++) {
		const struct dkv_result *r = dkv_result(m, i);

		npass += r->result == DKIMR_PASS;
		nscreened += r->result == DKIMR_PERMERROR &&
		    strstr(r->reason, "h= names 2000 header fields, more than 100") != NULL;
	}
	is_int(49, (long)nscreened, "work, 40,000 fields: 49 signatures permerror "
	    "\"h= names 2000 header fields, more than 100\"");
	is_int(1, (long)npass, "work, 40,000 fields: the aligned signature passes");
	ok(w.sigs == 1 && w.fields <= w.entries + w.sigs, "work, 40,000 fields: "
	    "%u signature and %u header fields handed", w.sigs, w.fields);
	dkv_msg_free(m);
	buf_free(&msg);
	cfg->dkim_max_headers = 1000;
	dkv_engine_free(de);
	dns_resolver_free(zone);
	buf_free(&err);
}

int
main(void)
{
	struct buf err;
	struct config *cfg;
	struct engine *eng;

	log_open("hostile_test", LOG_MAIL, true);
	log_set_level(LOG_ERR);
	buf_init(&err);
	if ((cfg = cfg_defaults()) == NULL)
		bail("cfg_defaults failed");
	cfg->dns_backend = DNS_BACKEND_ZONE;
	free(cfg->dns_zone_file);
	cfg->dns_zone_file = xstrdup(tap_path("TDATA", "message/test.zone"));
	free(cfg->authserv_id);
	cfg->authserv_id = xstrdup("mx.test.example");
	if ((eng = engine_new(cfg, &err)) == NULL)
		bail("engine_new: %s", buf_str(&err));
	for (size_t i = 0; i < NELEM(cases); i++)
		run_case(eng, &cases[i]);
	engine_unref(eng);
	test_work(cfg);
	test_deferral();
	cfg_unref(cfg);
	buf_free(&err);
	return done_testing();
}
