/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * milter.h - the mailauth daemon: what main.c, callbacks.c and watch.c share
 * SYNOPSIS
 *	struct engine *mlt_engine_acquire(void);
 *	struct smfiDesc mlt_descriptor(void);
 *	void mlt_history_submit(struct hist_row *row);
 *	void mlt_sessions_init(unsigned auto_cap);
 *	unsigned mlt_session_cap(void);
 *	unsigned mlt_sessions_live(void);
 *	void mlt_refusals_flush(void);
 *	void mlt_watch_start(unsigned port);
 *	void mlt_watch_stop(void);
 * DESCRIPTION
 *	mlt_engine_acquire() returns the engine of the configuration in force, with a
 *	reference the caller releases with engine_unref(). main.c swaps that engine on
 *	SIGUSR1 under a mutex; a connection pins the engine it got at connect until
 *	close, so messages in flight finish on the configuration they started with.
 *	mlt_descriptor() is the libmilter filter description (name, SMFI_VERSION,
 *	flags ADDHDRS|CHGHDRS|QUARANTINE|SETSYMLIST, the xxfi_* callbacks of
 *	callbacks.c) handed to smfi_register().
 *	mlt_history_submit() hands the DMARC report row of a message whose verdict
 *	was applied to the history writer (lib/history.h; never blocks, NULL is a
 *	no-op, the row is freed when there is no store).
 *	mlt_sessions_init() tells callbacks.c what MaxSessions 0 means (main.c
 *	derives it from the descriptor limit); mlt_session_cap() is MaxSessions in
 *	force, mlt_sessions_live() the connection contexts alive (callbacks.c
 *	refuses the ones over the cap; mlt_refusals_flush() logs the refusals
 *	not logged yet). mlt_watch_start() starts watch.c's thread,
 *	which closes TCP connections on that port that send no option negotiation
 *	within HandshakeTimeout (port 0: none) and flushes the refusal counts once
 *	a second; mlt_watch_stop() ends it.
 *	The callbacks are thin: every decision is made in lib/ (lib/message.h); they
 *	marshal the MTA's data in and apply the verdict (header edits, reply).
 */
#ifndef MAILAUTH_MILTER_H
#define MAILAUTH_MILTER_H

#include <stdbool.h>

#include <libmilter/mfapi.h>

#include "history.h"
#include "message.h"

/* the actions we ask of the MTA (smfi_register and xxfi_negotiate) */
#define MLT_ACTIONS	(SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE | SMFIF_SETSYMLIST)

struct engine *mlt_engine_acquire(void);
struct smfiDesc mlt_descriptor(void);
void mlt_history_submit(struct hist_row *row);
void mlt_sessions_init(unsigned auto_cap);
unsigned mlt_session_cap(void);
unsigned mlt_sessions_live(void);
void mlt_refusals_flush(void);
void mlt_watch_start(unsigned port);
void mlt_watch_stop(void);

/* metrics_http.c: the MetricsSocket listener */
int metrics_http_bind(const char *spec);
int metrics_http_start(int fd, struct history *h);
void metrics_http_stop(void);

#endif
