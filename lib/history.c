/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * history.c - DMARC evaluation rows and their writer thread (see history.h)
 *
 * The milter's callbacks hand finished rows to history_submit(); everything that
 * touches the database runs in the one writer thread, so a slow or dead database
 * never delays mail. Table dmarc_rows holds one row per evaluated message
 * (reported is NULL until mailauth-report has sent the period that holds it);
 * dmarc_reports_sent remembers each (policy domain, period, URI) already sent so a
 * report run that stopped half way never sends one twice.
 *
 * The row of one message is built here too (history_row, from the results record
 * msg_eom fills, and hist_dkim_encode for its DKIM list), not in lib/message.c or
 * lib/report.c: the milter then links neither the report XML/gzip code nor zlib,
 * and the reporter decodes the list with report_dkim_decode. The ARC comment comes
 * in as text (the caller runs arc_trust_comment), so this file needs no ARC state.
 */
#include "autoconf.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "dkim.h"
#include "dmarc.h"
#include "history.h"
#include "log.h"
#include "policy.h"
#include "policymap.h"
#include "results.h"
#include "spf.h"
#include "store.h"
#include "util.h"

#define BATCH_MAX	256
#define RETRY_SECS	5
#define DROP_LOG_SECS	60
#define STOP_FLUSH_MS	5000
#define STOP_JOIN_SECS	15

static const char *const schema[] = {
	"CREATE TABLE IF NOT EXISTS dmarc_rows ("
	" received BIGINT NOT NULL,"
	" policy_domain TEXT NOT NULL, rua TEXT, adkim TEXT NOT NULL, aspf TEXT NOT NULL,"
	" p TEXT NOT NULL, sp TEXT, pct INTEGER NOT NULL, fo TEXT,"
	" source_ip TEXT NOT NULL, header_from TEXT NOT NULL, envelope_from TEXT,"
	" spf_domain TEXT, spf_scope TEXT, spf_result TEXT NOT NULL,"
	" dkim TEXT NOT NULL,"
	" disposition TEXT NOT NULL, dkim_eval TEXT NOT NULL, spf_eval TEXT NOT NULL,"
	" reason_type TEXT, reason_comment TEXT,"
	" reported BIGINT, discovery_method TEXT, np TEXT, testing TEXT)",
	"CREATE INDEX IF NOT EXISTS dmarc_rows_pending"
	" ON dmarc_rows (reported, policy_domain, received)",
	"CREATE INDEX IF NOT EXISTS dmarc_rows_received ON dmarc_rows (received)",
	"CREATE TABLE IF NOT EXISTS dmarc_reports_sent ("
	" policy_domain TEXT NOT NULL, period_begin BIGINT NOT NULL, uri TEXT NOT NULL,"
	" sent BIGINT NOT NULL, report_id TEXT NOT NULL,"
	" PRIMARY KEY (policy_domain, period_begin, uri))",
};

/* columns added after the first release, each NULL in the rows written before */
static const char *const added_columns[] = { "discovery_method", "np", "testing" };

static const char insert_sql[] =
	"INSERT INTO dmarc_rows (received, policy_domain, rua, adkim, aspf, p, sp, pct,"
	" fo, source_ip, header_from, envelope_from, spf_domain, spf_scope, spf_result,"
	" dkim, disposition, dkim_eval, spf_eval, reason_type, reason_comment,"
	" discovery_method, np, testing)"
	" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

struct history {
	pthread_mutex_t lock;
	pthread_cond_t wake;		/* writer: rows or stop */
	pthread_cond_t drained;		/* flush: queue empty */
	pthread_t thread;
	enum store_kind kind;
	char *target;
	struct hist_row **q;		/* ring of cap entries */
	size_t cap, head, len;
	bool stop;
	bool busy;			/* writer holds a batch */
	struct history_stats st;
	time_t last_drop_log;
	unsigned long long drops_unlogged;
};

/* has_column - whether dmarc_rows has column name (a query naming it runs) */
static bool
has_column(struct store *st, const char *name)
{
	char sql[96];
	struct buf ignore;
	int rc;

	snprintf(sql, sizeof sql, "SELECT %s FROM dmarc_rows WHERE 1 = 0", name);
	buf_init(&ignore);
	rc = store_exec(st, sql, NULL, 0, NULL, &ignore);
	buf_free(&ignore);
	return rc == 0;
}

/* add_columns - ALTER TABLE ADD COLUMN for each column an older table lacks (another
 * process adding it at the same time makes our ALTER fail: the column is there) */
static int
add_columns(struct store *st, struct buf *err)
{
	char sql[96];
	struct buf why;
	int rc = 0;

	buf_init(&why);
	for (size_t i = 0; i < NELEM(added_columns) && rc == 0; i++) {
		if (has_column(st, added_columns[i]))
			continue;
		snprintf(sql, sizeof sql, "ALTER TABLE dmarc_rows ADD COLUMN %s TEXT",
		    added_columns[i]);
		buf_reset(&why);
		if (store_exec(st, sql, NULL, 0, NULL, &why) != 0 &&
		    !has_column(st, added_columns[i])) {
			buf_printf(err, "adding column %s: %s", added_columns[i],
			    buf_str(&why));
			rc = -1;
		}
	}
	buf_free(&why);
	return rc;
}

/* history_schema - create the tables and indexes when missing, add new columns */
int
history_schema(struct store *st, struct buf *err)
{
	for (size_t i = 0; i < NELEM(schema); i++)
		if (store_exec(st, schema[i], NULL, 0, NULL, err) != 0)
			return -1;
	return add_columns(st, err);
}

/* empty_null - "" stored as SQL NULL for optional text */
static const char *
empty_null(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : NULL;
}

/* insert_one - one INSERT of row r */
static int
insert_one(struct store *st, const struct hist_row *r, struct buf *err)
{
	char when[24], pct[8];
	const char *v[24];

	snprintf(when, sizeof when, "%lld", r->received);
	snprintf(pct, sizeof pct, "%u", r->pct);
	v[0] = when;
	v[1] = r->policy_domain;
	v[2] = empty_null(r->rua);
	v[3] = r->adkim;
	v[4] = r->aspf;
	v[5] = r->p;
	v[6] = empty_null(r->sp);
	v[7] = pct;
	v[8] = empty_null(r->fo);
	v[9] = r->source_ip;
	v[10] = r->header_from;
	v[11] = empty_null(r->envelope_from);
	v[12] = empty_null(r->spf_domain);
	v[13] = empty_null(r->spf_scope);
	v[14] = r->spf_result;
	v[15] = r->dkim != NULL ? r->dkim : "";
	v[16] = r->disposition;
	v[17] = r->dkim_eval;
	v[18] = r->spf_eval;
	v[19] = empty_null(r->reason_type);
	v[20] = empty_null(r->reason_comment);
	v[21] = empty_null(r->discovery_method);
	v[22] = empty_null(r->np);
	v[23] = empty_null(r->testing);
	return store_exec(st, insert_sql, v, NELEM(v), NULL, err);
}

/* history_insert - rows in one transaction; on failure nothing is kept */
int
history_insert(struct store *st, const struct hist_row *const *rows, size_t n,
    struct buf *err)
{
	struct buf ignore;

	if (store_exec(st, "BEGIN", NULL, 0, NULL, err) != 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (insert_one(st, rows[i], err) != 0)
			goto fail;
	if (store_exec(st, "COMMIT", NULL, 0, NULL, err) != 0)
		goto fail;
	return 0;
fail:
	buf_init(&ignore);
	store_exec(st, "ROLLBACK", NULL, 0, NULL, &ignore);
	buf_free(&ignore);
	return -1;
}

/* --- the row of one message --- */

/* pct_encode - append s with bytes outside [A-Za-z0-9._-] as %XX */
static void
pct_encode(struct buf *out, const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)(s != NULL ? s : ""); *p != '\0'; p++)
		if (isalnum(*p) && *p < 0x80)
			buf_addc(out, *p);
		else if (*p == '.' || *p == '_' || *p == '-')
			buf_addc(out, *p);
		else
			buf_printf(out, "%%%02X", *p);
}

/* hist_dkim_encode - append one signature to the stored DKIM list */
void
hist_dkim_encode(struct buf *out, const char *domain, const char *selector,
    const char *result)
{
	if (out->len > 0)
		buf_addc(out, ' ');
	pct_encode(out, domain);
	buf_addc(out, '/');
	pct_encode(out, selector);
	buf_addc(out, '/');
	pct_encode(out, result);
}

/* effective_disposition - what was done with the message, in DMARC's words */
static const char *
effective_disposition(const struct policy_decision *pd)
{
	if (pd->action == ACTION_REJECT)
		return "reject";
	if (pd->action == ACTION_QUARANTINE || pd->add_quarantine_header)
		return "quarantine";
	return "none";
}

/* history_row - the aggregate-report row of an evaluated message, or NULL when
 * there is nothing to report: no DMARC record, a result other than pass/fail, or a
 * tempfail (the sender retries, the retry is what gets recorded) */
struct hist_row *
history_row(const struct config *cfg, const struct auth_results *ar,
    const struct policy_decision *pd, const char *mailfrom, const char *arc_comment)
{
	struct hist_row *r;
	const struct dmarc_outcome *dm = ar->dmarc;
	const struct spf_outcome *spf = ar->spf_mailfrom != NULL &&
	    ar->spf_mailfrom->domain != NULL && ar->spf_mailfrom->domain[0] != '\0' ?
	    ar->spf_mailfrom : NULL;
	const char *expected, *done, *at;
	struct buf b;

	if (cfg->history_store == STORE_NONE || dm == NULL ||
	    (dm->result != DMR_PASS && dm->result != DMR_FAIL) ||
	    dm->policy_domain == NULL || dm->from_domain == NULL ||
	    pd->action == ACTION_TEMPFAIL)
		return NULL;
	r = xcalloc(1, sizeof *r);
	r->received = (long long)time(NULL);
	r->policy_domain = xstrdup(dm->policy_domain);
	r->rua = dm->rua != NULL ? xstrdup(dm->rua) : NULL;
	r->fo = dm->fo != NULL ? xstrdup(dm->fo) : NULL;
	r->adkim[0] = dm->adkim;
	r->aspf[0] = dm->aspf;
	/* p is "none" when the record's p= was invalid and rua= made it p=none */
	strlcpy(r->p, dmarc_policy_name(dm->p), sizeof r->p);
	if (dm->sp != DMP_UNSET)
		strlcpy(r->sp, dmarc_policy_name(dm->sp), sizeof r->sp);
	if (dm->np != DMP_UNSET)
		strlcpy(r->np, dmarc_policy_name(dm->np), sizeof r->np);
	r->pct = dm->pct;
	strlcpy(r->discovery_method, dm->discovery == DMD_PSL ? "psl" : "treewalk",
	    sizeof r->discovery_method);
	strlcpy(r->testing, dm->testing ? "y" : "n", sizeof r->testing);
	r->source_ip = xstrdup(ar->remote_ip != NULL ? ar->remote_ip : "0.0.0.0");
	r->header_from = xstrdup(dm->from_domain);
	if (spf != NULL)
		r->envelope_from = xstrdup(spf->domain);
	else if (mailfrom != NULL && (at = strrchr(mailfrom, '@')) != NULL &&
	    at[1] != '\0')
		r->envelope_from = str_lower(xstrdup(at + 1));
	if (spf != NULL) {
		r->spf_domain = xstrdup(spf->domain);
		strlcpy(r->spf_scope, spf->helo_identity ? "helo" : "mfrom",
		    sizeof r->spf_scope);
		strlcpy(r->spf_result, spf_result_name(spf->result), sizeof r->spf_result);
	} else {
		/* not evaluated (no client address, no domain): the report still needs an spf
		   element; it names the envelope or author domain with result none */
		r->spf_domain = xstrdup(r->envelope_from != NULL ? r->envelope_from :
		    dm->from_domain);
		strlcpy(r->spf_scope, "mfrom", sizeof r->spf_scope);
		strlcpy(r->spf_result, "none", sizeof r->spf_result);
	}
	buf_init(&b);
	for (size_t i = 0; i < ar->ndkim; i++) {
		const struct dkv_result *dk = ar->dkim[i];

		if (dk->domain != NULL && dk->domain[0] != '\0')
			hist_dkim_encode(&b, dk->domain, dk->selector != NULL ?
			    dk->selector : "", dkim_result_name(dk->result));
	}
	r->dkim = xstrdup(buf_str(&b));
	buf_free(&b);
	strlcpy(r->dkim_eval, dm->dkim_aligned ? "pass" : "fail", sizeof r->dkim_eval);
	strlcpy(r->spf_eval, dm->spf_aligned ? "pass" : "fail", sizeof r->spf_eval);

	done = effective_disposition(pd);
	/* RFC 9990's ActionDispositionType "pass": no action, the message passed DMARC
	   under an enforcing policy (RFC 9989 "Enforcement": one other than none) */
	strlcpy(r->disposition, strcmp(done, "none") == 0 && dm->result == DMR_PASS &&
	    (dm->applied == DMP_QUARANTINE || dm->applied == DMP_REJECT) ? "pass" : done,
	    sizeof r->disposition);
	expected = dmarc_policy_name(dm->result == DMR_FAIL ? dm->disposition : DMP_NONE);
	if (strcmp(done, expected) != 0) {
		r->reason_type = xstrdup(ar->tag_only_host && pd->pm_applied == NULL ?
		    "trusted_forwarder" : "local_policy");
		if (cfg->monitor_only)
			r->reason_comment = xstrdup("monitor only");
		else if (pd->pm_applied != NULL)
			str_set_printf(&r->reason_comment, "policymap %s %s (line %u)",
			    pd->pm_applied->key, pm_action_name(pd->pm_applied->action),
			    pd->pm_applied->line);
		else
			r->reason_comment = xstrdup(!cfg->dmarc_honor_policy ?
			    "DMARC policy not honoured" : pd->reason[0] != '\0' ?
			    pd->reason : "local policy");
		if (pd->arc_override) {
			/* a trusted sealer is RFC 9990's trusted_forwarder; the comment is
			   RFC 8617 7.2.2's arc=pass as[N].d=... */
			free(r->reason_type);
			r->reason_type = xstrdup("trusted_forwarder");
			free(r->reason_comment);
			r->reason_comment = xstrdup(arc_comment != NULL ? arc_comment : "");
		}
	} else if (dm->result == DMR_FAIL && dm->testing &&
	    dm->disposition != dm->applied) {
		/* t=y is RFC 9989's replacement for pct=0 (RFC 9990 policy_test_mode) */
		r->reason_type = xstrdup("policy_test_mode");
		r->reason_comment = xstrdup(dm->pct == 0 ? "pct=0" : "t=y");
	}
	return r;
}


/* hist_row_free - release a row; NULL is a no-op */
void
hist_row_free(struct hist_row *r)
{
	if (r == NULL)
		return;
	free(r->policy_domain);
	free(r->rua);
	free(r->fo);
	free(r->source_ip);
	free(r->header_from);
	free(r->envelope_from);
	free(r->spf_domain);
	free(r->dkim);
	free(r->reason_type);
	free(r->reason_comment);
	free(r);
}

/* writer_open - (re)open the store and make sure the schema is there */
static struct store *
writer_open(struct history *h)
{
	struct store *st;
	struct buf err;

	buf_init(&err);
	if ((st = store_open(h->kind, h->target, &err)) != NULL &&
	    history_schema(st, &err) != 0) {
		store_close(st);
		st = NULL;
	}
	if (st == NULL)
		log_msg(LOG_WARNING, "history: store unavailable, retrying every %d s "
		    "(%zu rows waiting): %s", RETRY_SECS, h->len, buf_str(&err));
	buf_free(&err);
	return st;
}

/* take_batch - move up to BATCH_MAX rows out of the queue (lock held) */
static size_t
take_batch(struct history *h, struct hist_row **batch)
{
	size_t n = 0;

	while (h->len > 0 && n < BATCH_MAX) {
		batch[n++] = h->q[h->head];
		h->q[h->head] = NULL;
		h->head = (h->head + 1) % h->cap;
		h->len--;
	}
	return n;
}

/* writer - the thread: wait for rows, keep a store open, write in batches */
static void *
writer(void *arg)
{
	struct history *h = arg;
	struct hist_row *batch[BATCH_MAX];
	struct store *st = NULL;
	time_t next_try = 0;
	struct buf err;

	buf_init(&err);
	pthread_mutex_lock(&h->lock);
	for (;;) {
		size_t n;
		int rc;

		while (h->len == 0 && !h->stop)
			pthread_cond_wait(&h->wake, &h->lock);
		if (h->len == 0 && h->stop)
			break;
		if (st == NULL) {
			time_t now = time(NULL);

			if (now < next_try) {
				struct timespec ts = { .tv_sec = now + 1, .tv_nsec = 0 };

				if (h->stop)
					break;
				pthread_cond_timedwait(&h->wake, &h->lock, &ts);
				continue;
			}
			pthread_mutex_unlock(&h->lock);
			st = writer_open(h);
			pthread_mutex_lock(&h->lock);
			if (st == NULL) {
				h->st.store_up = false;
				next_try = time(NULL) + RETRY_SECS;
				continue;
			}
			if (!h->st.store_up)
				log_msg(LOG_INFO, "history: store open (%zu rows waiting)",
				    h->len);
			h->st.store_up = true;
		}
		n = take_batch(h, batch);
		h->busy = true;
		pthread_mutex_unlock(&h->lock);

		buf_reset(&err);
		rc = history_insert(st, (const struct hist_row *const *)batch, n, &err);
		for (size_t i = 0; i < n; i++)
			hist_row_free(batch[i]);

		pthread_mutex_lock(&h->lock);
		h->busy = false;
		if (rc == 0) {
			h->st.written += n;
		} else {
			h->st.lost += n;
			h->st.store_up = false;
			log_msg(LOG_WARNING, "history: %zu rows lost (%llu in all): %s", n,
			    h->st.lost, buf_str(&err));
			pthread_mutex_unlock(&h->lock);
			store_close(st);
			pthread_mutex_lock(&h->lock);
			st = NULL;
			next_try = time(NULL) + RETRY_SECS;
		}
		if (h->len == 0)
			pthread_cond_broadcast(&h->drained);
	}
	pthread_cond_broadcast(&h->drained);
	pthread_mutex_unlock(&h->lock);
	store_close(st);
	buf_free(&err);
	return NULL;
}

/* history_start - the queue and its writer thread; NULL for STORE_NONE */
struct history *
history_start(enum store_kind kind, const char *target, unsigned queue_size)
{
	struct history *h;
	int rc;

	if (kind == STORE_NONE)
		return NULL;
	h = xcalloc(1, sizeof *h);
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->wake, NULL);
	pthread_cond_init(&h->drained, NULL);
	h->kind = kind;
	h->target = xstrdup(target != NULL ? target : "");
	h->cap = queue_size > 0 ? queue_size : 1;
	h->q = xcalloc(h->cap, sizeof *h->q);
	if ((rc = pthread_create(&h->thread, NULL, writer, h)) != 0) {
		errno = rc;
		fatal("history: cannot start the writer thread");
	}
	return h;
}

/* history_submit - queue a row (ownership passes); false when it was dropped */
bool
history_submit(struct history *h, struct hist_row *row)
{
	time_t now;

	if (row == NULL)
		return false;
	if (h == NULL) {
		hist_row_free(row);
		return false;
	}
	pthread_mutex_lock(&h->lock);
	h->st.submitted++;
	if (h->len < h->cap && !h->stop) {
		h->q[(h->head + h->len) % h->cap] = row;
		h->len++;
		pthread_cond_signal(&h->wake);
		pthread_mutex_unlock(&h->lock);
		return true;
	}
	h->st.dropped++;
	h->drops_unlogged++;
	now = time(NULL);
	if (now - h->last_drop_log >= DROP_LOG_SECS) {
		log_msg(LOG_WARNING, "history: queue full (%zu rows), %llu rows dropped "
		    "(%llu in all)", h->cap, h->drops_unlogged, h->st.dropped);
		h->last_drop_log = now;
		h->drops_unlogged = 0;
	}
	pthread_mutex_unlock(&h->lock);
	hist_row_free(row);
	return false;
}

/* history_flush - wait until every queued row was written or lost, or timeout */
void
history_flush(struct history *h, unsigned timeout_ms)
{
	struct timespec ts;

	if (h == NULL)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);	/* the condition variable's clock */
	ts = ts_add_ms(ts, timeout_ms);
	pthread_mutex_lock(&h->lock);
	while ((h->len > 0 || h->busy) &&
	    pthread_cond_timedwait(&h->drained, &h->lock, &ts) == 0)
		;
	pthread_mutex_unlock(&h->lock);
}

/* history_get_stats - a copy of the counters */
void
history_get_stats(struct history *h, struct history_stats *out)
{
	memset(out, 0, sizeof *out);
	if (h == NULL)
		return;
	pthread_mutex_lock(&h->lock);
	*out = h->st;
	pthread_mutex_unlock(&h->lock);
}

/* history_stop - flush (bounded), stop the writer, log the totals, free */
void
history_stop(struct history *h)
{
	struct timespec ts;
	size_t left;

	if (h == NULL)
		return;
	history_flush(h, STOP_FLUSH_MS);
	pthread_mutex_lock(&h->lock);
	h->stop = true;
	/* what could not be written in time is lost, and said so */
	left = h->len;
	while (h->len > 0) {
		hist_row_free(h->q[h->head]);
		h->q[h->head] = NULL;
		h->head = (h->head + 1) % h->cap;
		h->len--;
	}
	h->st.lost += left;
	pthread_cond_broadcast(&h->wake);
	pthread_mutex_unlock(&h->lock);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += STOP_JOIN_SECS;
	if (pthread_timedjoin_np(h->thread, NULL, &ts) != 0) {
		/* stuck in the database client: leave it, the process is ending */
		log_msg(LOG_WARNING, "history: the writer did not stop within %d s "
		    "(database not answering); %llu rows submitted, %llu written",
		    STOP_JOIN_SECS, h->st.submitted, h->st.written);
		pthread_detach(h->thread);
		return;
	}
	log_msg(left > 0 || h->st.dropped > 0 || h->st.lost > 0 ? LOG_WARNING : LOG_INFO,
	    "history: %llu rows submitted, %llu written, %llu dropped (queue full), "
	    "%llu lost (store unavailable)", h->st.submitted, h->st.written,
	    h->st.dropped, h->st.lost);
	pthread_cond_destroy(&h->wake);
	pthread_cond_destroy(&h->drained);
	pthread_mutex_destroy(&h->lock);
	free(h->q);
	free(h->target);
	free(h);
}
