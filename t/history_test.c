/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * history_test.c - DMARC report rows: what msg_eom records (lib/message.c), the
 *	SQL store (lib/store.c) and the writer thread (lib/history.c) on SQLite
 *
 * The engine runs on t/data/message's fixtures with a copy of its zone whose
 * DMARC records carry rua= (and pct=0 for reject.example, np= for
 * quarantine.example). The writer is tested
 * with a database that works, one whose directory does not exist (store down:
 * rows wait, then the queue overflows and drops, counted) and one whose
 * directory appears later (the writer retries and writes what waited). A table
 * of the first release's schema gets the columns added since.
 */
#include "autoconf.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "dmarc.h"
#include "history.h"
#include "log.h"
#include "message.h"
#include "report.h"
#include "store.h"
#include "tap.h"

static char tmpdir[64];

/* capture of warnings (the writer thread's store and queue messages) */
static struct buf warnings;
static pthread_mutex_t warnings_lock = PTHREAD_MUTEX_INITIALIZER;

static void
capture_line(int pri, const char *line, void *arg)
{
	(void)arg;
	if (pri <= LOG_WARNING) {
		pthread_mutex_lock(&warnings_lock);
		buf_adds(&warnings, line);
		buf_addc(&warnings, '\n');
		pthread_mutex_unlock(&warnings_lock);
	}
}

/* warned - a warning containing s was logged since the last warnings_clear */
static bool
warned(const char *s)
{
	bool found;

	pthread_mutex_lock(&warnings_lock);
	found = strstr(buf_str(&warnings), s) != NULL;
	if (!found)
		diag("warnings so far: %s", buf_str(&warnings));
	pthread_mutex_unlock(&warnings_lock);
	return found;
}

static void
warnings_clear(void)
{
	pthread_mutex_lock(&warnings_lock);
	buf_reset(&warnings);
	pthread_mutex_unlock(&warnings_lock);
}

/* write_zone - test.zone with rua= on the DMARC records (and pct=0 for reject);
 * example.com's p= is example_p */
static const char *
write_zone(const char *name, const char *example_p)
{
	static char paths[2][128];
	static int next;
	char line[8192], *path = paths[next++ % 2];
	FILE *in, *out;

	snprintf(path, sizeof paths[0], "%s/%s", tmpdir, name);
	if ((in = fopen(tap_path("TDATA", "message/test.zone"), "r")) == NULL ||
	    (out = fopen(path, "w")) == NULL)
		bail("cannot copy the message zone");
	while (fgets(line, sizeof line, in) != NULL) {
		if (strncmp(line, "_dmarc.example.com ", 19) == 0)
			fprintf(out, "_dmarc.example.com TXT \"v=DMARC1; p=%s; "
			    "sp=quarantine; rua=mailto:dmarc@example.com; fo=1\"\n",
			    example_p);
		else if (strncmp(line, "_dmarc.reject.example ", 22) == 0)
			fputs("_dmarc.reject.example TXT \"v=DMARC1; p=reject; pct=0; "
			    "aspf=s; rua=mailto:agg@reports.example!10m\"\n", out);
		else if (strncmp(line, "_dmarc.quarantine.example ", 26) == 0)
			fputs("_dmarc.quarantine.example TXT \"v=DMARC1; p=quarantine; "
			    "np=reject\"\n", out);
		else
			fputs(line, out);
	}
	fclose(in);
	fclose(out);
	return path;
}

static struct config *
test_config(const char *zone)
{
	struct config *c = cfg_defaults();

	c->dns_backend = DNS_BACKEND_ZONE;
	free(c->dns_zone_file);
	c->dns_zone_file = xstrdup(zone);
	free(c->authserv_id);
	c->authserv_id = xstrdup("mx.test.example");
	c->history_store = STORE_SQLITE;
	return c;
}

/* run - one fixture through the engine; returns the verdict's row (caller frees) */
static struct hist_row *
run(struct engine *eng, const char *file, const char *ip, const char *helo,
    const char *mailfrom, enum action *action)
{
	struct msg_verdict v;
	struct hist_row *r;
	struct msg *m;
	FILE *fp;

	if ((fp = fopen(tap_path("TDATA", file), "r")) == NULL)
		bail("cannot open %s", file);
	m = msg_new(eng);
	msg_connect(m, ip, "client.example");
	msg_helo(m, helo);
	memset(&v, 0, sizeof v);
	msg_envfrom(m, mailfrom, NULL, &v);
	msg_set_qid(m, "H1");
	msg_feed_file(m, fp);
	fclose(fp);
	msg_eom(m, &v);
	*action = v.action;
	r = v.history;
	v.history = NULL;
	msg_verdict_clear(&v);
	msg_free(m);
	return r;
}

static const char *
nz(const char *s)
{
	return s != NULL ? s : "(null)";
}

/* expected row fields, "(null)" for NULL */
static const struct rcase {
	const char *file, *ip, *helo, *mailfrom;
	int eng;			/* 0 plain, 1 monitor only, 2 tag-only host,
					   3 DMARCOrgDomain psl, 4 example.com p=none */
	enum action action;
	bool row;
	const char *policy_domain, *rua, *p, *sp, *pct, *fo, *adkim, *aspf;
	const char *header_from, *envelope_from, *spf_domain, *spf_scope, *spf_result;
	const char *dkim, *disposition, *dkim_eval, *spf_eval, *reason_type,
	    *reason_comment;
	const char *np, *discovery_method, *testing;	/* RFC 9990 policy_published */
} rcases[] = {
	/* RFC 9990 disposition "pass": no action, DMARC pass under p=reject */
	{ "message/pass.eml", "192.0.2.1", "mx.example.com", "<bounce@example.com>", 0,
	  ACTION_ACCEPT, true, "example.com", "mailto:dmarc@example.com", "reject",
	  "quarantine", "100", "1", "r", "r", "example.com", "example.com",
	  "example.com", "mfrom", "pass", "example.com/s1/pass", "pass", "pass", "pass",
	  "(null)", "(null)", "", "treewalk", "n" },
	/* the same found with the PSL (RFC 7489 discovery) */
	{ "message/pass.eml", "192.0.2.1", "mx.example.com", "<bounce@example.com>", 3,
	  ACTION_ACCEPT, true, "example.com", "mailto:dmarc@example.com", "reject",
	  "quarantine", "100", "1", "r", "r", "example.com", "example.com",
	  "example.com", "mfrom", "pass", "example.com/s1/pass", "pass", "pass", "pass",
	  "(null)", "(null)", "", "psl", "n" },
	/* a pass under p=none is not enforcing: "none" */
	{ "message/pass.eml", "192.0.2.1", "mx.example.com", "<bounce@example.com>", 4,
	  ACTION_ACCEPT, true, "example.com", "mailto:dmarc@example.com", "none",
	  "quarantine", "100", "1", "r", "r", "example.com", "example.com",
	  "example.com", "mfrom", "pass", "example.com/s1/pass", "none", "pass", "pass",
	  "(null)", "(null)", "", "treewalk", "n" },
	/* pct=0 (testing, RFC 9989): reject not applied, quarantined instead */
	{ "message/reject-unsigned.eml", "198.51.100.7", "mail.reject.example",
	  "<x@reject.example>", 0, ACTION_QUARANTINE, true, "reject.example",
	  "mailto:agg@reports.example!10m", "reject", "", "0", "(null)", "r", "s",
	  "reject.example", "reject.example", "reject.example", "mfrom", "fail", "",
	  "quarantine", "fail", "fail", "policy_test_mode", "pct=0", "", "treewalk", "y" },
	{ "message/reject-signed.eml", "198.51.100.7", "mail.reject.example",
	  "<x@reject.example>", 0, ACTION_ACCEPT, true, "reject.example",
	  "mailto:agg@reports.example!10m", "reject", "", "0", "(null)", "r", "s",
	  "reject.example", "reject.example", "reject.example", "mfrom", "fail",
	  "reject.example/s1/pass", "pass", "pass", "fail", "(null)", "(null)", "",
	  "treewalk", "y" },
	/* no rua=: still recorded (the reporter marks it, nobody is sent anything) */
	{ "message/quarantine.eml", "198.51.100.7", "h.quarantine.example",
	  "<x@quarantine.example>", 0, ACTION_QUARANTINE, true, "quarantine.example",
	  "(null)", "quarantine", "", "100", "(null)", "r", "r", "quarantine.example",
	  "quarantine.example", "quarantine.example", "mfrom", "fail", "", "quarantine",
	  "fail", "fail", "(null)", "(null)", "reject", "treewalk", "n" },
	/* temperror: tempfail, the retry is what gets recorded */
	{ .file = "message/tempfail.eml", .ip = "198.51.100.7", .helo = "h.broken.example",
	  .mailfrom = "<x@broken.example>", .action = ACTION_TEMPFAIL, .row = false },
	/* permerror (two From fields): nothing to report */
	{ .file = "message/twofrom.eml", .ip = "198.51.100.7", .helo = "h.evil.example",
	  .mailfrom = "<x@evil.example>", .action = ACTION_REJECT, .row = false },
	/* internal client: not evaluated */
	{ .file = "message/pass.eml", .ip = "127.0.0.1", .helo = "localhost",
	  .mailfrom = "<x@example.com>", .action = ACTION_ACCEPT, .row = false },
	/* null sender: the SPF identity is the HELO name */
	{ "message/pass.eml", "192.0.2.10", "mx.example.com", "<>", 0, ACTION_ACCEPT, true,
	  "example.com", "mailto:dmarc@example.com", "reject", "quarantine", "100", "1",
	  "r", "r", "example.com", "mx.example.com", "mx.example.com", "helo", "pass",
	  "example.com/s1/pass", "pass", "pass", "pass", "(null)", "(null)", "",
	  "treewalk", "n" },
	{ "message/quarantine.eml", "198.51.100.7", "h.quarantine.example",
	  "<x@quarantine.example>", 1, ACTION_ACCEPT, true, "quarantine.example",
	  "(null)", "quarantine", "", "100", "(null)", "r", "r", "quarantine.example",
	  "quarantine.example", "quarantine.example", "mfrom", "fail", "", "none",
	  "fail", "fail", "local_policy", "monitor only", "reject", "treewalk", "n" },
	{ "message/quarantine.eml", "198.51.100.7", "h.quarantine.example",
	  "<x@quarantine.example>", 2, ACTION_ACCEPT, true, "quarantine.example",
	  "(null)", "quarantine", "", "100", "(null)", "r", "r", "quarantine.example",
	  "quarantine.example", "quarantine.example", "mfrom", "fail", "", "none",
	  "fail", "fail", "trusted_forwarder", "tag only (*", "reject", "treewalk", "n" },
};

/* test_rows - msg_eom fills v.history as the report needs it */
static void
test_rows(const char *zone, const char *zone_none)
{
	struct config *cfg[5], *none;
	struct engine *eng[5], *eng_none;
	struct buf err;
	enum action a;
	struct hist_row *r;
	long long before = (long long)time(NULL);

	buf_init(&err);
	for (int i = 0; i < 5; i++)
		cfg[i] = test_config(i == 4 ? zone_none : zone);
	cfg[1]->monitor_only = true;
	cfg[3]->dmarc_org_domain = DMD_PSL;
	free(cfg[3]->psl_file);
	cfg[3]->psl_file = xstrdup(tap_path("TDATA", "dmarc/psl.dat"));
	for (char **w = cfg[2]->tag_only_hosts; *w != NULL; w++)
		free(*w);
	free(cfg[2]->tag_only_hosts);
	cfg[2]->tag_only_hosts = xcalloc(2, sizeof *cfg[2]->tag_only_hosts);
	cfg[2]->tag_only_hosts[0] = xstrdup("198.51.100.7");
	none = test_config(zone);
	none->history_store = STORE_NONE;
	for (int i = 0; i < 5; i++)
		if ((eng[i] = engine_new(cfg[i], &err)) == NULL)
			bail("engine_new: %s", buf_str(&err));
	if ((eng_none = engine_new(none, &err)) == NULL)
		bail("engine_new: %s", buf_str(&err));

	for (size_t i = 0; i < NELEM(rcases); i++) {
		const struct rcase *c = &rcases[i];
		char pct[8];

		r = run(eng[c->eng], c->file, c->ip, c->helo, c->mailfrom, &a);
		is_string(cfg_action_name(c->action), cfg_action_name(a), "#%zu %s: action",
		    i, c->file);
		if (!c->row) {
			ok(r == NULL, "#%zu %s from %s: no report row", i, c->file, c->ip);
			hist_row_free(r);
			continue;
		}
		if (!ok(r != NULL, "#%zu %s from %s: a report row", i, c->file, c->ip))
			continue;
		snprintf(pct, sizeof pct, "%u", r->pct);
		is_string(c->policy_domain, nz(r->policy_domain), "#%zu policy_domain", i);
		is_string(c->rua, nz(r->rua), "#%zu rua", i);
		is_string(c->p, r->p, "#%zu p", i);
		is_string(c->sp, r->sp, "#%zu sp", i);
		is_string(c->pct, pct, "#%zu pct", i);
		is_string(c->fo, nz(r->fo), "#%zu fo", i);
		is_string(c->adkim, r->adkim, "#%zu adkim", i);
		is_string(c->aspf, r->aspf, "#%zu aspf", i);
		is_string(c->ip, nz(r->source_ip), "#%zu source_ip", i);
		is_string(c->header_from, nz(r->header_from), "#%zu header_from", i);
		is_string(c->envelope_from, nz(r->envelope_from), "#%zu envelope_from", i);
		is_string(c->spf_domain, nz(r->spf_domain), "#%zu spf_domain", i);
		is_string(c->spf_scope, r->spf_scope, "#%zu spf_scope", i);
		is_string(c->spf_result, r->spf_result, "#%zu spf_result", i);
		is_string(c->dkim, nz(r->dkim), "#%zu dkim", i);
		is_string(c->disposition, r->disposition, "#%zu disposition", i);
		is_string(c->dkim_eval, r->dkim_eval, "#%zu dkim_eval", i);
		is_string(c->spf_eval, r->spf_eval, "#%zu spf_eval", i);
		is_string(c->reason_type, nz(r->reason_type), "#%zu reason_type", i);
		is_string(c->np, r->np, "#%zu np", i);
		is_string(c->discovery_method, r->discovery_method, "#%zu discovery_method", i);
		is_string(c->testing, r->testing, "#%zu testing", i);
		if (c->reason_comment[strlen(c->reason_comment) - 1] == '*')
			ok(strncmp(nz(r->reason_comment), c->reason_comment,
			    strlen(c->reason_comment) - 1) == 0, "#%zu reason_comment "
			    "starts with %s: %s", i, c->reason_comment, nz(r->reason_comment));
		else
			is_string(c->reason_comment, nz(r->reason_comment),
			    "#%zu reason_comment", i);
		ok(r->received >= before && r->received <= (long long)time(NULL) + 1,
		    "#%zu received is now", i);
		hist_row_free(r);
	}
	r = run(eng_none, "message/pass.eml", "192.0.2.1", "mx.example.com",
	    "<bounce@example.com>", &a);
	ok(r == NULL, "HistoryStore none: no row is built");
	hist_row_free(r);
	for (int i = 0; i < 5; i++) {
		engine_unref(eng[i]);
		cfg_unref(cfg[i]);
	}
	engine_unref(eng_none);
	cfg_unref(none);
	buf_free(&err);
}

/* sample_row - a filled row; n varies the source address */
static struct hist_row *
sample_row(unsigned n)
{
	struct hist_row *r = xcalloc(1, sizeof *r);
	char ip[32];

	snprintf(ip, sizeof ip, "192.0.2.%u", n % 250);
	r->received = 1764547200LL + n;
	r->policy_domain = xstrdup("example.com");
	r->rua = xstrdup("mailto:dmarc@example.com");
	strcpy(r->adkim, "r");
	strcpy(r->aspf, "s");
	strcpy(r->p, "reject");
	r->pct = 100;
	r->source_ip = xstrdup(ip);
	r->header_from = xstrdup("example.com");
	r->envelope_from = xstrdup("bounce.example.com");
	r->spf_domain = xstrdup("bounce.example.com");
	strcpy(r->spf_scope, "mfrom");
	strcpy(r->spf_result, "pass");
	r->dkim = xstrdup("example.com/s1/pass");
	strcpy(r->disposition, "none");
	strcpy(r->dkim_eval, "pass");
	strcpy(r->spf_eval, "fail");
	return r;
}

/* count_rows - rows in dmarc_rows of the SQLite file, -1 if unreadable */
static long
count_rows(const char *path, const char *where)
{
	struct store *st;
	struct store_rows *r = NULL;
	struct buf err, sql;
	long n = -1;

	buf_init(&err);
	buf_init(&sql);
	buf_printf(&sql, "SELECT COUNT(*) FROM dmarc_rows%s%s", where ? " WHERE " : "",
	    where ? where : "");
	if ((st = store_open(STORE_SQLITE, path, &err)) != NULL &&
	    store_exec(st, buf_str(&sql), NULL, 0, &r, &err) == 0)
		n = strtol(store_value(r, 0, 0), NULL, 10);
	else
		diag("count_rows: %s", buf_str(&err));
	store_rows_free(r);
	store_close(st);
	buf_free(&err);
	buf_free(&sql);
	return n;
}

/* test_store - the SQL layer and history_insert on SQLite */
static void
test_store(void)
{
	char path[128];
	struct store *st;
	struct store_rows *r = NULL;
	struct hist_row *rows[3];
	struct buf err;
	const char *pv[] = { "it's ?", NULL };

	buf_init(&err);
	snprintf(path, sizeof path, "%s/store.sqlite", tmpdir);
	st = store_open(STORE_SQLITE, path, &err);
	if (!ok(st != NULL, "SQLite store opens (%s)", buf_str(&err)))
		return;
	ok(history_schema(st, &err) == 0, "schema created");
	ok(history_schema(st, &err) == 0, "schema again: no error (IF NOT EXISTS)");
	ok(store_exec(st, "SELECT ?, ?, '?'", pv, 2, &r, &err) == 0,
	    "parameters bind, NULL included, a quoted ? is text");
	is_int(1, (long)store_nrows(r), "one row");
	is_int(3, (long)store_ncols(r), "three columns");
	is_string("it's ?", store_value(r, 0, 0), "text parameter round trip");
	ok(store_value(r, 0, 1) == NULL, "NULL parameter reads as NULL");
	is_string("?", store_value(r, 0, 2), "quoted ? stays text");
	ok(store_value(r, 5, 0) == NULL && store_value(r, 0, 9) == NULL,
	    "out of range cells read as NULL");
	store_rows_free(r);
	buf_reset(&err);
	ok(store_exec(st, "SELEC nonsense", NULL, 0, NULL, &err) == -1 &&
	    strstr(buf_str(&err), "sqlite") != NULL, "a bad statement fails with a "
	    "message: %s", buf_str(&err));

	for (unsigned i = 0; i < 3; i++)
		rows[i] = sample_row(i);
	ok(history_insert(st, (const struct hist_row *const *)rows, 3, &err) == 0,
	    "three rows inserted in one transaction");
	free(rows[2]->policy_domain);
	rows[2]->policy_domain = NULL;		/* NOT NULL violation: whole batch fails */
	buf_reset(&err);
	ok(history_insert(st, (const struct hist_row *const *)rows, 3, &err) == -1,
	    "a batch with a bad row fails: %s", buf_str(&err));
	store_close(st);
	is_int(3, count_rows(path, NULL), "the failed batch left nothing (rolled back)");
	is_int(3, count_rows(path, "reported IS NULL AND sp IS NULL AND fo IS NULL "
	    "AND reason_type IS NULL AND dkim = 'example.com/s1/pass' AND pct = 100"),
	    "empty optional fields are SQL NULL, the rest as given");
	for (unsigned i = 0; i < 3; i++)
		hist_row_free(rows[i]);
	ok(store_open(STORE_SQLITE, "/nonexistent-dir/x.sqlite", &err) == NULL,
	    "a database in a missing directory does not open");
	ok(store_open(STORE_SQLITE, "", &err) == NULL, "an empty path does not open");
	/* libpq is loaded on first use; a library that cannot be loaded is a reason */
	setenv("MAILAUTH_LIBPQ", "/nonexistent/libpq.so.5", 1);
	buf_reset(&err);
	ok(store_open(STORE_POSTGRESQL, "dbname=x", &err) == NULL &&
	    strstr(buf_str(&err), "cannot load /nonexistent/libpq.so.5") != NULL,
	    "PostgreSQL store without a loadable libpq: refused with the reason: %s",
	    buf_str(&err));
	unsetenv("MAILAUTH_LIBPQ");
	buf_free(&err);
}

/* the first release's dmarc_rows (lib/history.c before discovery_method, np and
 * testing were kept), and one row as it wrote them */
static const char old_schema[] =
	"CREATE TABLE dmarc_rows (received BIGINT NOT NULL,"
	" policy_domain TEXT NOT NULL, rua TEXT, adkim TEXT NOT NULL, aspf TEXT NOT NULL,"
	" p TEXT NOT NULL, sp TEXT, pct INTEGER NOT NULL, fo TEXT,"
	" source_ip TEXT NOT NULL, header_from TEXT NOT NULL, envelope_from TEXT,"
	" spf_domain TEXT, spf_scope TEXT, spf_result TEXT NOT NULL, dkim TEXT NOT NULL,"
	" disposition TEXT NOT NULL, dkim_eval TEXT NOT NULL, spf_eval TEXT NOT NULL,"
	" reason_type TEXT, reason_comment TEXT, reported BIGINT)";
static const char old_row[] =
	"INSERT INTO dmarc_rows VALUES (1764547200, 'example.com', NULL, 'r', 'r',"
	" 'none', NULL, 100, NULL, '192.0.2.1', 'example.com', NULL, NULL, 'mfrom',"
	" 'pass', '', 'none', 'fail', 'pass', NULL, NULL, NULL)";

/* test_migrate - an old table gets the new columns; old rows read NULL there */
static void
test_migrate(void)
{
	char path[128];
	struct store *st;
	struct store_rows *r = NULL;
	struct hist_row *row = sample_row(1);
	struct buf err;

	buf_init(&err);
	snprintf(path, sizeof path, "%s/old.sqlite", tmpdir);
	if ((st = store_open(STORE_SQLITE, path, &err)) == NULL ||
	    store_exec(st, old_schema, NULL, 0, NULL, &err) != 0 ||
	    store_exec(st, old_row, NULL, 0, NULL, &err) != 0)
		bail("old schema: %s", buf_str(&err));
	/* a database half migrated (one column there already) */
	if (store_exec(st, "ALTER TABLE dmarc_rows ADD COLUMN np TEXT", NULL, 0, NULL,
	    &err) != 0)
		bail("alter: %s", buf_str(&err));
	ok(history_schema(st, &err) == 0, "old schema: history_schema adds the columns (%s)",
	    buf_str(&err));
	ok(history_schema(st, &err) == 0, "old schema: a second run changes nothing");
	strcpy(row->np, "quarantine");
	strcpy(row->discovery_method, "psl");
	strcpy(row->testing, "y");
	ok(history_insert(st, (const struct hist_row *const *)&row, 1, &err) == 0,
	    "old schema: a new row is inserted (%s)", buf_str(&err));
	ok(store_exec(st, "SELECT COALESCE(discovery_method, '-') || ':' ||"
	    " COALESCE(np, '-') || ':' || COALESCE(testing, '-') FROM dmarc_rows"
	    " ORDER BY received", NULL, 0, &r, &err) == 0, "old schema: rows read back");
	is_int(2, (long)store_nrows(r), "old schema: the old row and the new one");
	is_string("-:-:-", store_value(r, 0, 0), "old row: the new columns are NULL");
	is_string("psl:quarantine:y", store_value(r, 1, 0), "new row: the new columns as given");
	store_rows_free(r);
	store_close(st);
	hist_row_free(row);
	buf_free(&err);
}

/* test_writer - rows submitted from threads land; the queue never blocks */
static void
test_writer(void)
{
	char path[256], dir[128];
	struct history *h;
	struct history_stats s;
	unsigned accepted = 0;

	snprintf(path, sizeof path, "%s/writer.sqlite", tmpdir);
	h = history_start(STORE_SQLITE, path, 1000);
	ok(h != NULL, "writer started");
	for (unsigned i = 0; i < 600; i++)
		accepted += history_submit(h, sample_row(i));
	is_int(600, accepted, "600 rows queued");
	history_flush(h, 20000);
	history_get_stats(h, &s);
	is_int(600, (long)s.written, "600 rows written");
	is_int(0, (long)(s.dropped + s.lost), "none dropped or lost");
	ok(s.store_up, "store reported up");
	history_stop(h);
	is_int(600, count_rows(path, NULL), "600 rows in the database");
	ok(history_start(STORE_NONE, path, 10) == NULL, "STORE_NONE: no writer");
	ok(!history_submit(NULL, sample_row(1)), "submit without a writer frees the row");

	/* store down: rows wait up to the queue size, the rest is dropped */
	snprintf(dir, sizeof dir, "%s/later", tmpdir);
	snprintf(path, sizeof path, "%s/history.sqlite", dir);
	warnings_clear();
	h = history_start(STORE_SQLITE, path, 16);
	accepted = 0;
	for (unsigned i = 0; i < 40; i++)
		accepted += history_submit(h, sample_row(i));
	history_flush(h, 300);
	history_get_stats(h, &s);
	is_int(16, accepted, "store down: 16 rows wait in the queue");
	is_int(24, (long)s.dropped, "24 rows dropped, counted");
	is_int(0, (long)s.written, "nothing written while the store is down");
	ok(!s.store_up, "store reported down");
	ok(warned("queue full"), "the drop is logged");
	/* the store comes back: the writer retries and writes what waited */
	if (mkdir(dir, 0755) != 0)
		bail("mkdir %s", dir);
	history_flush(h, 15000);
	history_get_stats(h, &s);
	is_int(16, (long)s.written, "store back: the 16 waiting rows are written");
	ok(s.store_up, "store reported up again");
	ok(warned("store unavailable"), "the outage was logged");
	history_stop(h);
	is_int(16, count_rows(path, NULL), "16 rows in the database");

	/* stop while the store is down: what waits is counted as lost */
	snprintf(path, sizeof path, "%s/never/x.sqlite", tmpdir);
	warnings_clear();
	h = history_start(STORE_SQLITE, path, 100);
	for (unsigned i = 0; i < 5; i++)
		history_submit(h, sample_row(i));
	history_stop(h);
	ok(warned("5 rows submitted, 0 written, 0 dropped (queue full), 5 lost"),
	    "stop with the store down: 5 rows lost, logged");
}

int
main(void)
{
	const char *zone;

	log_open("history_test", LOG_MAIL, true);
	log_set_level(LOG_CRIT);
	buf_init(&warnings);
	log_set_capture(capture_line, NULL);
	snprintf(tmpdir, sizeof tmpdir, "/tmp/history_test.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		bail("mkdtemp");
	zone = write_zone("test.zone", "reject");
	test_rows(zone, write_zone("none.zone", "none"));
	test_store();
	test_migrate();
	test_writer();
	{
		char cmd[128];

		snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
		if (system(cmd) != 0)
			diag("could not remove %s", tmpdir);
	}
	buf_free(&warnings);
	return done_testing();
}
