/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * history.h - DMARC evaluation history: one row per message, built at end of
 *	message and written off the mail path
 * SYNOPSIS
 *	int history_schema(struct store *st, struct buf *err);
 *	int history_insert(struct store *st, const struct hist_row *const *rows,
 *	    size_t n, struct buf *err);
 *	void hist_row_free(struct hist_row *r);
struct hist_row *history_row(const struct config *cfg, const struct auth_results *ar,
    const struct policy_decision *pd, const char *mailfrom, const char *arc_comment);
void hist_dkim_encode(struct buf *out, const char *domain, const char *selector,
    const char *result);
 *	struct hist_row *history_row(const struct config *cfg,
 *	    const struct auth_results *ar, const struct policy_decision *pd,
 *	    const char *mailfrom, const char *arc_comment);
 *	void hist_dkim_encode(struct buf *out, const char *domain,
 *	    const char *selector, const char *result);
 *
 *	struct history *history_start(enum store_kind kind, const char *target,
 *	    unsigned queue_size);
 *	bool history_submit(struct history *h, struct hist_row *row);
 *	void history_flush(struct history *h, unsigned timeout_ms);
 *	void history_get_stats(struct history *h, struct history_stats *out);
 *	void history_stop(struct history *h);
 * DESCRIPTION
 *	A hist_row is what RFC 9990 aggregate reports need of one message: the
 *	published policy (domain, rua=, adkim, aspf, p, sp, np, the historic pct, fo,
 *	t= as testing) and how it was found (discovery method), the source IP,
 *	identifiers, the SPF and every DKIM result (encoded by hist_dkim_encode) and
 *	the policy evaluated (disposition applied, aligned DKIM/SPF, override reason).
 *	history_schema() creates the tables if missing (the same SQL for SQLite and
 *	PostgreSQL) and adds the columns newer versions need to a table an older
 *	version created (discovery_method, np, testing: SQL NULL in the old rows,
 *	which the reports treat as unknown); history_insert() appends rows in one
 *	transaction.
 *
 *	history_row() builds the row of one evaluated message from its results
 *	record (lib/results.h: dmarc, spf_mailfrom, dkim, remote_ip, tag_only_host),
 *	the policy decision (lib/policy.h) and cfg (HistoryStore, MonitorOnly,
 *	HonorDMARCPolicy); mailfrom is the envelope sender (its domain names the
 *	envelope when SPF was not evaluated), arc_comment the RFC 8617 7.2.2 comment
 *	(arc_trust_comment) used as the reason comment when pd->arc_override, else
 *	NULL. It returns NULL when there is nothing to report: HistoryStore none, no
 *	DMARC record, a result other than pass/fail, or a tempfail (the sender
 *	retries, the retry is what gets recorded). hist_dkim_encode() appends one
 *	signature to the stored DKIM list: "d/s/r", preceded by one space when out
 *	is not empty, every field percent-encoded (%XX, uppercase) outside
 *	[A-Za-z0-9._-], NULL fields empty; report_dkim_decode() (lib/report.h)
 *	reads it back.
 *
 *	history_start() starts the writer thread: history_submit() only takes the
 *	mutex, appends to a bounded in-memory queue and signals; it never waits for
 *	the database. A full queue drops the row (counted, logged at most once a
 *	minute). The writer opens the store itself, retries every few seconds while it
 *	cannot (rows wait in the queue meanwhile), writes batches of up to 256 rows per
 *	transaction, and counts a batch whose transaction failed as lost. NULL kind
 *	STORE_NONE: history_start returns NULL and history_submit(NULL, row) frees the
 *	row. history_flush() waits until the queue is empty (or timeout); history_stop()
 *	flushes for at most 5 seconds, stops the thread, logs the totals and frees (a
 *	writer stuck in the database client for 15 s more is left behind, logged:
 *	only at process exit).
 */
#ifndef MAILAUTH_HISTORY_H
#define MAILAUTH_HISTORY_H

#include <stdbool.h>
#include <stddef.h>

#include "store.h"
#include "util.h"

struct hist_row {
	long long received;		/* unix time of the verdict */
	char *policy_domain;		/* where the DMARC record was found */
	char *rua;			/* the record's rua= value, or NULL */
	char adkim[2], aspf[2];		/* "r" or "s" */
	char p[12], sp[12];		/* none|quarantine|reject; sp "" = absent */
	char np[12];			/* none|quarantine|reject; "" = absent */
	unsigned pct;			/* historic (RFC 9989 kept only pct=0) */
	char *fo;			/* or NULL */
	char discovery_method[10];	/* treewalk|psl; "" = unknown */
	char testing[2];		/* "y" (t=y or pct=0) or "n"; "" = unknown */
	char *source_ip;
	char *header_from;
	char *envelope_from;		/* MAIL FROM domain (HELO for <>), or NULL */
	char *spf_domain;		/* the SPF identity's domain, or NULL */
	char spf_scope[6];		/* mfrom|helo */
	char spf_result[10];		/* none|neutral|pass|fail|softfail|temperror|permerror */
	char *dkim;			/* hist_dkim_encode list, "" for none */
	char disposition[12];		/* none|pass|quarantine|reject: what was done
					   (pass: DMARC pass, p/sp/np not none) */
	char dkim_eval[5], spf_eval[5];	/* pass|fail: DMARC alignment */
	char *reason_type;		/* RFC 9990 PolicyOverrideType, or NULL */
	char *reason_comment;		/* or NULL */
};

struct history_stats {
	unsigned long long submitted, written, dropped, lost;
	bool store_up;
};

struct history;
struct config;
struct auth_results;
struct policy_decision;

int history_schema(struct store *st, struct buf *err);
int history_insert(struct store *st, const struct hist_row *const *rows, size_t n,
    struct buf *err);
void hist_row_free(struct hist_row *r);
struct hist_row *history_row(const struct config *cfg, const struct auth_results *ar,
    const struct policy_decision *pd, const char *mailfrom, const char *arc_comment);
void hist_dkim_encode(struct buf *out, const char *domain, const char *selector,
    const char *result);

struct history *history_start(enum store_kind kind, const char *target,
    unsigned queue_size);
bool history_submit(struct history *h, struct hist_row *row);
void history_flush(struct history *h, unsigned timeout_ms);
void history_get_stats(struct history *h, struct history_stats *out);
void history_stop(struct history *h);

#endif
