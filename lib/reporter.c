/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * reporter.c - DMARC aggregate reports from the history store (see reporter.h)
 *
 * The SQL is the same for SQLite and PostgreSQL ("?" parameters, text values,
 * integer arithmetic on BIGINT seconds). Grouping happens in the database, so a
 * day with a million messages from a thousand sources is a thousand records.
 */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "report.h"
#include "reporter.h"
#include "store.h"
#include "util.h"

#define DAY		86400LL
#define NCOLS_GROUP	12

static const char periods_sql[] =
	"SELECT policy_domain, received - (received % 86400) AS day, COUNT(*)"
	" FROM dmarc_rows WHERE reported IS NULL AND received < ?"
	" GROUP BY policy_domain, received - (received % 86400)"
	" ORDER BY policy_domain, day";

static const char policy_sql[] =
	"SELECT rua, adkim, aspf, p, sp, np, fo, discovery_method, testing FROM dmarc_rows"
	" WHERE policy_domain = ? AND received >= ? AND received <= ?"
	" AND reported IS NULL ORDER BY received DESC LIMIT 1";

#define GROUP_COLS \
	"source_ip, disposition, dkim_eval, spf_eval, reason_type, reason_comment," \
	" envelope_from, header_from, dkim, spf_domain, spf_scope, spf_result"
static const char groups_sql[] =
	"SELECT " GROUP_COLS ", COUNT(*) AS n FROM dmarc_rows"
	" WHERE policy_domain = ? AND received >= ? AND received <= ?"
	" AND reported IS NULL GROUP BY " GROUP_COLS
	" ORDER BY n DESC, source_ip LIMIT ?";

static const char sent_sql[] =
	"SELECT 1 FROM dmarc_reports_sent WHERE policy_domain = ? AND period_begin = ?"
	" AND uri = ?";
static const char mark_sent_sql[] =
	"INSERT INTO dmarc_reports_sent (policy_domain, period_begin, uri, sent, report_id)"
	" VALUES (?, ?, ?, ?, ?)";
static const char mark_rows_sql[] =
	"UPDATE dmarc_rows SET reported = ? WHERE policy_domain = ? AND received >= ?"
	" AND received <= ? AND reported IS NULL";
static const char expire_rows_sql[] = "DELETE FROM dmarc_rows WHERE received < ?";
static const char expire_sent_sql[] =
	"DELETE FROM dmarc_reports_sent WHERE period_begin < ?";
static const char count_expired_sql[] =
	"SELECT COUNT(*) FROM dmarc_rows WHERE received < ?";

/* one day of one policy domain */
struct period {
	const char *domain;
	long long begin, end;
	char b[24], e[24];		/* begin and end as text parameters */
};

/* day_text - a UTC date for log lines */
static const char *
day_text(long long t, char *out, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, len, "%Y-%m-%d", &tm);
	return out;
}

/* run_sendmail - pipe msg to cfg->report_sendmail -oi -t -f from; 0 on exit 0 */
static int
run_sendmail(const struct config *cfg, const char *msg, size_t len)
{
	int fd[2], status;
	pid_t pid;
	size_t off = 0;
	void (*old)(int);

	if (pipe(fd) != 0)
		return -1;
	if ((pid = fork()) < 0) {
		close(fd[0]);
		close(fd[1]);
		return -1;
	}
	if (pid == 0) {
		char *argv[] = { cfg->report_sendmail, (char *)"-oi", (char *)"-t",
		    (char *)"-f", cfg->report_email, NULL };

		dup2(fd[0], 0);
		close(fd[0]);
		close(fd[1]);
		execvp(cfg->report_sendmail, argv);
		_exit(127);
	}
	close(fd[0]);
	old = signal(SIGPIPE, SIG_IGN);
	while (off < len) {
		ssize_t n = write(fd[1], msg + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(fd[1]);
	signal(SIGPIPE, old);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return off == len && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* write_file - dir/name with the bytes; 0 or -1 (logged) */
static int
write_file(const char *dir, const char *name, const void *p, size_t len)
{
	char path[4096];
	FILE *fp;
	int rc = 0;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if ((fp = fopen(path, "w")) == NULL) {
		log_msg(LOG_ERR, "report: cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	if (fwrite(p, 1, len, fp) != len)
		rc = -1;
	if (fclose(fp) != 0)
		rc = -1;
	if (rc != 0)
		log_msg(LOG_ERR, "report: cannot write %s", path);
	return rc;
}

/* run_sql - store_exec, an error logged as "report: ..."; 0 or -1 */
static int
run_sql(struct store *st, const char *sql, const char *const *v, size_t n,
    struct store_rows **rows)
{
	struct buf err;
	int rc;

	buf_init(&err);
	if ((rc = store_exec(st, sql, v, n, rows, &err)) != 0)
		log_msg(LOG_ERR, "report: %s", buf_str(&err));
	buf_free(&err);
	return rc;
}

/* already_sent - this URI got this day's report in an earlier run */
static int
already_sent(struct store *st, const struct period *pd, const char *uri)
{
	const char *v[] = { pd->domain, pd->b, uri };
	struct store_rows *r;
	int rc;

	if (run_sql(st, sent_sql, v, NELEM(v), &r) != 0)
		return -1;
	rc = store_nrows(r) > 0;
	store_rows_free(r);
	return rc;
}

/* fill_records - grouped rows as report_records (borrowing from rows) */
static struct report_record *
fill_records(const struct store_rows *g, size_t n)
{
	struct report_record *rec = xcalloc(n ? n : 1, sizeof *rec);

	for (size_t i = 0; i < n; i++) {
		rec[i].source_ip = store_value(g, i, 0);
		rec[i].disposition = store_value(g, i, 1);
		rec[i].dkim_eval = store_value(g, i, 2);
		rec[i].spf_eval = store_value(g, i, 3);
		rec[i].reason_type = store_value(g, i, 4);
		rec[i].reason_comment = store_value(g, i, 5);
		rec[i].envelope_to = NULL;
		rec[i].envelope_from = store_value(g, i, 6);
		rec[i].header_from = store_value(g, i, 7);
		rec[i].dkim = store_value(g, i, 8);
		rec[i].spf_domain = store_value(g, i, 9);
		rec[i].spf_scope = store_value(g, i, 10);
		rec[i].spf_result = store_value(g, i, 11);
		rec[i].count = strtoul(store_value(g, i, NCOLS_GROUP) != NULL ?
		    store_value(g, i, NCOLS_GROUP) : "0", NULL, 10);
	}
	return rec;
}

/* uri_done - nothing to send to t: listed in ReportSuppress, or this day's report
 * went there in an earlier run (*all_done false when that is unknown) */
static bool
uri_done(const struct reporter_opts *o, const struct period *pd, const char *day,
    const struct report_uri *t, struct reporter_stats *stats, bool *all_done)
{
	int sent;

	if (str_domain_listed(o->cfg->report_suppress, t->address)) {
		log_msg(LOG_NOTICE, "report %s %s: rua %s skipped: listed in "
		    "ReportSuppress", pd->domain, day, t->uri);
		stats->skipped++;
		return true;
	}
	if (o->dry_run_dir == NULL && (sent = already_sent(o->store, pd, t->uri)) != 0) {
		if (sent < 0)
			*all_done = false;
		return true;
	}
	return false;
}

/* send_to - the report message to t: written as dry_run_dir/fname.tag.eml, or
 * through ReportSendmail and marked sent (*all_done false on a failure) */
static void
send_to(const struct reporter_opts *o, const struct period *pd, const char *day,
    const struct report_meta *meta, const char *fname, const struct buf *gz,
    const struct report_uri *t, const char *tag, struct reporter_stats *stats,
    bool *all_done)
{
	char num[16], name[4200];
	struct buf msg;

	buf_init(&msg);
	report_mime(&msg, o->cfg->report_email[0] != '\0' ? o->cfg->report_email :
	    "postmaster", t->address, o->receiver, meta, fname, gz->data, gz->len, o->now);
	if (o->dry_run_dir != NULL) {
		snprintf(name, sizeof name, "%s.%s.eml", fname, tag);
		if (write_file(o->dry_run_dir, name, msg.data, msg.len) != 0)
			*all_done = false;
		else {
			log_msg(LOG_INFO, "report %s %s: would send to %s (%zu bytes): %s",
			    pd->domain, day, t->address, msg.len, name);
			stats->sent++;
		}
	} else if (run_sendmail(o->cfg, msg.data, msg.len) != 0) {
		log_msg(LOG_ERR, "report %s %s: %s failed for %s, trying again next "
		    "run", pd->domain, day, o->cfg->report_sendmail, t->address);
		*all_done = false;
	} else {
		const char *v[] = { pd->domain, pd->b, t->uri, num, meta->report_id };

		snprintf(num, sizeof num, "%lld", o->now);
		if (run_sql(o->store, mark_sent_sql, v, NELEM(v), NULL) != 0)
			*all_done = false;
		log_msg(LOG_INFO, "report %s %s: sent to %s (%zu bytes, report id %s)",
		    pd->domain, day, t->address, msg.len, meta->report_id);
		stats->sent++;
	}
	buf_free(&msg);
}

/* confirm - RFC 9990 "Verifying External Destinations" for u: 1 send to the
 * *nt URIs of *to (u itself, or the confirming record's rua= override, which
 * the caller frees when *to != u), 0 skip, -1 try again next run */
static int
confirm(const struct reporter_opts *o, const struct period *pd, const char *day,
    struct report_uri *u, struct report_uri **to, size_t *nt)
{
	struct dns_session dns;
	const char *why;
	char *rua = NULL;
	int auth;

	*to = u;
	*nt = 1;
	if (!report_dest_external(o->psl, pd->domain, u->domain))
		return 1;
	dns_session_init(&dns, o->dns, o->cfg->dns_timeout * 1000);
	dns_session_set_deadline(&dns, o->cfg->eval_timeout * 1000);
	auth = report_dest_authorized(&dns, pd->domain, u->domain, &rua);
	if (auth < 0) {
		log_msg(LOG_WARNING, "report %s %s: rua %s: DNS failure checking "
		    "%s._report._dmarc.%s, trying again next run", pd->domain, day,
		    u->uri, pd->domain, u->domain);
		return -1;
	}
	if (auth == 0) {
		log_msg(LOG_NOTICE, "report %s %s: rua %s skipped: %s does not accept "
		    "reports for %s (no %s._report._dmarc.%s record)", pd->domain, day,
		    u->uri, u->domain, pd->domain, pd->domain, u->domain);
		return 0;
	}
	if (rua == NULL)
		return 1;
	/* step 9: the record's rua= replaces the URI, at the same host only */
	if ((*nt = report_dest_override(u->domain, rua, to, &why)) == 0) {
		log_msg(LOG_NOTICE, "report %s %s: rua %s skipped: its confirming "
		    "record %s._report._dmarc.%s has rua=%s, and %s: no report to "
		    "either", pd->domain, day, u->uri, pd->domain, u->domain, rua, why);
		free(rua);
		return 0;
	}
	log_msg(LOG_INFO, "report %s %s: rua %s replaced by rua=%s of %s._report._dmarc.%s",
	    pd->domain, day, u->uri, rua, pd->domain, u->domain);
	free(rua);
	return 1;
}

/* deliver - one report to every usable URI; 1 when all are done, 0 to retry */
static int
deliver(const struct reporter_opts *o, const struct period *pd, const char *rua,
    const struct report_meta *meta, const char *fname, const struct buf *gz,
    struct reporter_stats *stats)
{
	struct report_uri *u = NULL, *to;
	size_t nu = report_parse_rua(rua, &u), nt;
	bool all_done = true;
	char day[16], tag[48];

	day_text(pd->begin, day, sizeof day);
	if (nu == 0)
		log_msg(LOG_NOTICE, "report %s %s: no URI in rua=, nothing sent", pd->domain,
		    day);
	for (size_t i = 0; i < nu; i++) {
		int rc;

		if (!u[i].usable) {
			log_msg(LOG_NOTICE, "report %s %s: rua %s skipped: %s", pd->domain,
			    day, u[i].uri, u[i].why != NULL ? u[i].why : "not usable");
			stats->skipped++;
			continue;
		}
		if (uri_done(o, pd, day, &u[i], stats, &all_done))
			continue;
		if ((rc = confirm(o, pd, day, &u[i], &to, &nt)) <= 0) {
			if (rc < 0)
				all_done = false;
			else
				stats->skipped++;
			continue;
		}
		for (size_t k = 0; k < nt; k++) {
			if (to != &u[i] && uri_done(o, pd, day, &to[k], stats, &all_done))
				continue;
			if (to == &u[i])
				snprintf(tag, sizeof tag, "%zu", i + 1);
			else
				snprintf(tag, sizeof tag, "%zu.%zu", i + 1, k + 1);
			send_to(o, pd, day, meta, fname, gz, &to[k], tag, stats, &all_done);
		}
		if (to != &u[i])
			report_uris_free(to, nt);
	}
	report_uris_free(u, nu);
	return all_done ? 1 : 0;
}

/* mark_reported - the day's rows are done */
static int
mark_reported(const struct reporter_opts *o, const struct period *pd,
    unsigned long long n, struct reporter_stats *stats)
{
	char now[24];
	const char *v[] = { now, pd->domain, pd->b, pd->e };

	snprintf(now, sizeof now, "%lld", o->now);
	if (run_sql(o->store, mark_rows_sql, v, NELEM(v), NULL) != 0)
		return -1;
	stats->rows_reported += n;
	return 0;
}

/* one_period - build and deliver the report of one domain and day */
static int
one_period(const struct reporter_opts *o, struct period *pd, unsigned long long nrows,
    struct reporter_stats *stats)
{
	const struct config *cfg = o->cfg;
	struct store_rows *pol = NULL, *g = NULL;
	struct report_record *rec = NULL;
	struct report_meta meta;
	const char *errors[1];
	char limit[24], errtext[160], report_id[600], day[16];
	struct buf err, xml, gz, fname;
	size_t n;
	int rc = -1, done;
	const char *rua;

	snprintf(pd->b, sizeof pd->b, "%lld", pd->begin);
	snprintf(pd->e, sizeof pd->e, "%lld", pd->end);
	snprintf(limit, sizeof limit, "%u", cfg->report_max_records + 1);
	day_text(pd->begin, day, sizeof day);
	buf_init(&err);
	buf_init(&xml);
	buf_init(&gz);
	buf_init(&fname);
	{
		const char *v[] = { pd->domain, pd->b, pd->e };

		if (store_exec(o->store, policy_sql, v, NELEM(v), &pol, &err) != 0)
			goto out;
	}
	if (store_nrows(pol) == 0) {
		rc = 0;
		goto out;
	}
	rua = store_value(pol, 0, 0);
	if (rua == NULL || rua[0] == '\0') {
		/* nobody asked for reports: the rows are done */
		log_msg(LOG_INFO, "report %s %s: no rua=, %llu rows not reported",
		    pd->domain, day, nrows);
		if (o->dry_run_dir == NULL && mark_reported(o, pd, nrows, stats) != 0)
			goto out;
		rc = 0;
		goto out;
	}
	{
		const char *v[] = { pd->domain, pd->b, pd->e, limit };

		if (store_exec(o->store, groups_sql, v, NELEM(v), &g, &err) != 0)
			goto out;
	}
	n = store_nrows(g);
	memset(&meta, 0, sizeof meta);
	if (n > cfg->report_max_records) {
		n = cfg->report_max_records;
		snprintf(errtext, sizeof errtext, "more than %u record groups: this "
		    "report holds the %u largest", cfg->report_max_records,
		    cfg->report_max_records);
		errors[0] = errtext;
		meta.errors = errors;
		meta.nerrors = 1;
	}
	rec = fill_records(g, n);
	snprintf(report_id, sizeof report_id, "%lld.%s@%s", pd->begin, pd->domain,
	    o->receiver);
	meta.org_name = cfg->report_org[0] != '\0' ? cfg->report_org : o->receiver;
	meta.email = cfg->report_email[0] != '\0' ? cfg->report_email : "postmaster";
	meta.extra_contact = cfg->report_contact[0] != '\0' ? cfg->report_contact : NULL;
	meta.report_id = report_id;
	meta.begin = pd->begin;
	meta.end = pd->end;
	meta.domain = pd->domain;
	meta.adkim = store_value(pol, 0, 1) != NULL ? store_value(pol, 0, 1)[0] : 'r';
	meta.aspf = store_value(pol, 0, 2) != NULL ? store_value(pol, 0, 2)[0] : 'r';
	meta.p = store_value(pol, 0, 3) != NULL ? store_value(pol, 0, 3) : "none";
	meta.sp = store_value(pol, 0, 4);
	meta.np = store_value(pol, 0, 5);
	meta.fo = store_value(pol, 0, 6);
	meta.discovery_method = store_value(pol, 0, 7);	/* NULL in old rows */
	meta.testing = store_value(pol, 0, 8);
	meta.generator = PACKAGE_NAME " " PACKAGE_VERSION;
	meta.psl = o->psl;
	report_xml(&xml, &meta, rec, n);
	if (report_gzip(xml.data, xml.len, &gz) != 0) {
		buf_adds(&err, "gzip failed");
		goto out;
	}
	report_filename(&fname, o->receiver, pd->domain, pd->begin, pd->end, NULL);
	stats->reports++;
	log_msg(LOG_INFO, "report %s %s: %llu messages in %zu records, %zu bytes "
	    "(%zu compressed)", pd->domain, day, nrows, n, xml.len, gz.len);
	if (o->dry_run_dir != NULL &&
	    write_file(o->dry_run_dir, buf_str(&fname), gz.data, gz.len) != 0) {
		rc = 1;
		goto out;
	}
	done = deliver(o, pd, rua, &meta, buf_str(&fname), &gz, stats);
	if (!done) {
		stats->deferred++;
		rc = 1;
		goto out;
	}
	rc = 0;
	if (o->dry_run_dir == NULL && mark_reported(o, pd, nrows, stats) != 0)
		rc = -1;
out:
	if (rc < 0 && err.len > 0)
		log_msg(LOG_ERR, "report %s %s: %s", pd->domain, day, buf_str(&err));
	free(rec);
	store_rows_free(pol);
	store_rows_free(g);
	buf_free(&err);
	buf_free(&xml);
	buf_free(&gz);
	buf_free(&fname);
	return rc;
}

/* expire - delete rows (and sent marks) older than the retention */
static int
expire(const struct reporter_opts *o, struct reporter_stats *stats)
{
	char cut[24];
	const char *v[] = { cut };
	struct store_rows *r = NULL;
	struct buf err;
	int rc = -1;

	snprintf(cut, sizeof cut, "%lld", o->now - (long long)o->cfg->report_retention * DAY);
	buf_init(&err);
	if (store_exec(o->store, count_expired_sql, v, 1, &r, &err) != 0 ||
	    store_exec(o->store, expire_rows_sql, v, 1, NULL, &err) != 0 ||
	    store_exec(o->store, expire_sent_sql, v, 1, NULL, &err) != 0) {
		log_msg(LOG_ERR, "report: expiring old rows: %s", buf_str(&err));
		goto out;
	}
	stats->rows_expired = strtoull(store_value(r, 0, 0) != NULL ?
	    store_value(r, 0, 0) : "0", NULL, 10);
	if (stats->rows_expired > 0)
		log_msg(LOG_INFO, "report: %llu rows older than %u days deleted",
		    stats->rows_expired, o->cfg->report_retention);
	rc = 0;
out:
	store_rows_free(r);
	buf_free(&err);
	return rc;
}

/* reporter_run - every complete day with unreported rows, then expiry */
int
reporter_run(const struct reporter_opts *o, struct reporter_stats *stats)
{
	char today[24];
	const char *v[] = { today };
	struct store_rows *ps = NULL;
	int rc = 0;

	memset(stats, 0, sizeof *stats);
	snprintf(today, sizeof today, "%lld", o->now - o->now % DAY);
	if (run_sql(o->store, periods_sql, v, 1, &ps) != 0)
		return -1;
	for (size_t i = 0; i < store_nrows(ps); i++) {
		struct period pd;
		int r;

		memset(&pd, 0, sizeof pd);
		pd.domain = store_value(ps, i, 0);
		pd.begin = strtoll(store_value(ps, i, 1), NULL, 10);
		pd.end = pd.begin + DAY - 1;
		r = one_period(o, &pd, strtoull(store_value(ps, i, 2), NULL, 10), stats);
		if (r < 0)
			rc = -1;
		else if (r > 0 && rc == 0)
			rc = 1;
	}
	store_rows_free(ps);
	if (o->dry_run_dir == NULL && expire(o, stats) != 0)
		rc = -1;
	return rc;
}
