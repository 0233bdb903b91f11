/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * message.h - one message through the engine: the entry points the milter and
 *	mailauth-verify share
 * SYNOPSIS
 *	struct engine *engine_new(struct config *cfg, struct buf *err);
 *	struct engine *engine_ref(struct engine *e);
 *	void engine_unref(struct engine *e);
 *	const struct config *engine_config(const struct engine *e);
 *	const char *engine_authserv_id(const struct engine *e);
 *
 *	struct msg *msg_new(struct engine *e);
 *	void msg_connect(struct msg *m, const char *ip, const char *hostname);
 *	void msg_helo(struct msg *m, const char *helo);
 *	bool msg_envfrom(struct msg *m, const char *mailfrom, const char *auth_authen,
 *	    struct msg_verdict *v);
 *	void msg_set_qid(struct msg *m, const char *qid);
const char *msg_qid(const struct msg *m);
 *	const char *msg_qid(const struct msg *m);
 *	void msg_header(struct msg *m, const char *name, const char *value);
 *	void msg_eoh(struct msg *m);
 *	bool msg_wants_body(const struct msg *m);
 *	void msg_body(struct msg *m, const unsigned char *p, size_t n);
 *	void msg_eom(struct msg *m, struct msg_verdict *v);
 *	void msg_reset(struct msg *m);
 *	void msg_free(struct msg *m);
 *	void msg_verdict_clear(struct msg_verdict *v);
 *	int msg_feed_file(struct msg *m, FILE *fp);
 * DESCRIPTION
 *	An engine holds what is shared by all messages under one configuration snapshot
 *	(resolver, SPF/DKIM/DMARC engines, PSL, host lists, authserv-id); a msg pins one
 *	engine from connect to close. A msg lives for one SMTP connection: msg_reset()
 *	after each message (eom or abort) keeps the connection data (ip, helo) and drops
 *	the rest, including the queue id (msg_set_qid keeps only [A-Za-z0-9]; msg_qid
 *	reads it back, "" until set). ip NULL means unknown (then SPF is temperror-free "none" and the client
 *	is not internal). A client in TrustedRelays gets no SPF check of its own; the
 *	SPF and DKIM results of the topmost trusted Authentication-Results field
 *	(TrustedAuthservIDs, lib/upstream.h) join ours at msg_eom as if computed
 *	here. mailfrom may keep its angle brackets; "<>" or "" is the null
 *	sender. msg_envfrom() returns true, with v filled, when the message must be
 *	refused already at MAIL FROM (SPFRejectAtMailFrom). msg_eom() always fills v:
 *	action and SMTP reply, the Authentication-Results and Received-SPF values to
 *	insert at the top (NULL: none), the 1-based indexes of incoming
 *	Authentication-Results fields to delete (descending order), an optional extra
 *	header, the one summary log line (already logged by msg_eom) and, with a
 *	HistoryStore, the row for DMARC aggregate reports (lib/history.h). Header values
 *	are given with folding as "\n\t"; no leading blank.
 *	msg_feed_file() reads a saved message (LF or CRLF) and feeds its fields (values
 *	keep their leading blank, folding as LF + WSP, as the milter gets them with
 *	SMFIP_HDR_LEADSPC), msg_eoh, and the body in CRLF chunks; then call msg_eom.
 *	Returns -1 on a read error. Memory stays bounded by the longest line.
 */
#ifndef MAILAUTH_MESSAGE_H
#define MAILAUTH_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "config.h"
#include "util.h"

struct engine;
struct msg;

struct msg_verdict {
	enum action action;
	char smtp_code[4];
	char xcode[8];
	char text[256];
	char *quarantine_reason;	/* for smfi_quarantine */
	char *authres;			/* Authentication-Results value, or NULL */
	char *received_spf;		/* Received-SPF value, or NULL */
	char *extra_name, *extra_value;	/* e.g. X-Mailauth-Quarantine, or NULL */
	unsigned *delete_idx;		/* A-R fields to delete, descending */
	size_t ndelete;
	char *log_line;
	struct hist_row *history;	/* DMARC report row (HistoryStore), or NULL;
					   the milter hands it to history_submit */
};

struct engine *engine_new(struct config *cfg, struct buf *err);
struct engine *engine_ref(struct engine *e);
void engine_unref(struct engine *e);
const struct config *engine_config(const struct engine *e);
const char *engine_authserv_id(const struct engine *e);

struct msg *msg_new(struct engine *e);
void msg_connect(struct msg *m, const char *ip, const char *hostname);
void msg_helo(struct msg *m, const char *helo);
bool msg_envfrom(struct msg *m, const char *mailfrom, const char *auth_authen,
    struct msg_verdict *v);
void msg_set_qid(struct msg *m, const char *qid);
const char *msg_qid(const struct msg *m);
void msg_header(struct msg *m, const char *name, const char *value);
void msg_eoh(struct msg *m);
bool msg_wants_body(const struct msg *m);
void msg_body(struct msg *m, const unsigned char *p, size_t n);
void msg_eom(struct msg *m, struct msg_verdict *v);
void msg_reset(struct msg *m);
void msg_free(struct msg *m);
void msg_verdict_clear(struct msg_verdict *v);
int msg_feed_file(struct msg *m, FILE *fp);

#endif
