/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * callbacks.c - the libmilter callbacks: thin glue onto lib/message.h
 * SYNOPSIS
 *	struct smfiDesc mlt_descriptor(void);
 * DESCRIPTION
 *	One struct mlt_conn per MTA connection lives behind smfi_setpriv(): libmilter's
 *	worker pool may run the callbacks of one connection on different threads, so
 *	nothing per connection is kept anywhere else. It is created at negotiation (or
 *	at connect when the MTA does not negotiate), pins the current engine at connect
 *	and lets it go at close.
 *
 *	Negotiation: the MTA must offer ADDHDRS, CHGHDRS and QUARANTINE (we must be able
 *	to remove forged Authentication-Results fields, add ours and hold mail); if it
 *	does not, the connection is refused, logged, and the MTA applies its
 *	milter_default_action. SETSYMLIST is used when offered. We ask for
 *	SMFIP_HDR_LEADSPC, SMFIP_SKIP, SMFIP_NOUNKNOWN, SMFIP_NODATA and SMFIP_NORCPT
 *	(each only when offered).
 *
 *	No reply: we also ask for SMFIP_NR_CONN, SMFIP_NR_HELO, SMFIP_NR_HDR and
 *	SMFIP_NR_EOH (when offered; libmilter offers them even for an MTA that lacks
 *	them and then sends the "continue" itself), so the MTA streams connect, HELO,
 *	every header field and end of headers without waiting for a reply per command:
 *	with libmilter's worker pool each reply wait is a round trip plus a hand-off
 *	between threads. Those four callbacks never refuse anything: the verdict is
 *	made at MAIL FROM (SPFRejectAtMailFrom) or at end of message. libmilter
 *	silently turns a reject or tempfail returned from a "no reply" step into no
 *	reply (LIBRARIES.md 1.3), so those callbacks return SMFIS_NOREPLY, never
 *	internal_error(): a problem they meet is remembered in the connection context
 *	(connect, HELO: for the whole connection; header, end of headers: for the
 *	message) and answered by the next step that replies: MAIL FROM for the
 *	first kind, end of message for the second, with the configured
 *	InternalErrorAction, as if it had happened there. MAIL FROM (it may refuse)
 *	and body chunks (SMFIS_SKIP needs a reply) keep their replies, so does end of
 *	message. Which NR bits a connection got is kept in its context; a context
 *	rebuilt at connect after SMFIC_QUIT_NC (close, then a new connection on the
 *	same MTA session, without a new negotiation) assumes the full set unless some
 *	negotiation in this process got less (then it answers every step: libmilter
 *	turns a "continue" into no reply where needed, only logging it).
 *
 *	Sessions: every connection context is counted from its creation to its
 *	release at close. One created while the count is over MaxSessions (0: what
 *	main.c derived from the descriptor limit) is refused: it is negotiated
 *	without SMFIP_NR_CONN so that the connection step can answer 421 4.3.2 (a
 *	tempfail; Postfix then ends the SMTP session, which frees the milter
 *	connection), every later step that replies answers the same, nothing of the
 *	message is kept, and a log line says so (at most one a second, with the
 *	counts since the last one; watch.c flushes the counts once a second).
 *	Refused sessions hold a descriptor too: once more than
 *	MaxSessions / 8 + 16 of them are open, a new one is closed at negotiation
 *	(xxfi_negotiate returns SMFIS_REJECT, libmilter closes the connection) and
 *	the MTA applies its milter_default_action. Connections that never negotiate
 *	are no business of the callbacks: watch.c closes them.
 *
 *	End of message applies the verdict of msg_eom(): forged Authentication-Results
 *	fields are deleted in descending index order (Postfix renumbers after each
 *	deletion), then the extra header, Received-SPF and Authentication-Results are
 *	inserted at index 0 in that order, so Authentication-Results ends on top, above
 *	the MTA's own Received: field. Quarantine asks the MTA to hold the message;
 *	reject and tempfail set the SMTP reply ('%' doubled, CR/LF removed) and make no
 *	header edits.
 * DIAGNOSTICS
 *	A failed smfi_* call, a missing connection context or any other internal
 *	problem ends in the configured InternalErrorAction (tempfail by default) and is
 *	logged with the queue id: a message is never silently accepted or dropped.
 *	Tests: with MAILAUTH_TEST_FAULTS set in the environment at start-up, a client
 *	named (connect) or greeting as (HELO) "fault-connect.invalid" or
 *	"fault-helo.invalid", and a header field "X-Mailauth-Test-Fault: header" or
 *	"...: eoh", make that step fail as an internal error would (t/milter_smoke.sh).
 */
#include "autoconf.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <libmilter/mfapi.h>

#include "config.h"
#include "log.h"
#include "message.h"
#include "milter.h"
#include "util.h"

#define MLT_REQUIRED	(SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE)
#define MLT_STEPS	(SMFIP_HDR_LEADSPC | SMFIP_SKIP | SMFIP_NOUNKNOWN | \
			 SMFIP_NODATA | SMFIP_NORCPT)
/* steps whose callbacks never refuse: the MTA need not wait for their reply */
#define MLT_NOREPLY	(SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_HDR | SMFIP_NR_EOH)
#define FAULT_NAME	"fault-connect.invalid"
#define FAULT_HELO	"fault-helo.invalid"
#define FAULT_HEADER	"X-Mailauth-Test-Fault"
#define REPLY_MAX	512		/* SMTP reply text after escaping */

/* per-connection state, behind smfi_setpriv */
struct mlt_conn {
	struct engine *e;		/* pinned at connect, released at close */
	struct msg *m;			/* NULL until connect */
	bool leadspc;			/* SMFIP_HDR_LEADSPC negotiated */
	bool can_skip;			/* SMFIP_SKIP negotiated */
	unsigned long noreply;		/* SMFIP_NR_* negotiated (of MLT_NOREPLY) */
	const char *conn_error;		/* met in connect/HELO: answered at MAIL FROM */
	const char *msg_error;		/* met in header/EOH: answered at end of message */
	bool fault_eoh;			/* test fault asked for end of headers */
	bool refused;			/* over MaxSessions: every step tempfails */
};

/* some negotiation got less than MLT_NOREPLY (see conn_new) */
static atomic_bool noreply_partial;
/* MAILAUTH_TEST_FAULTS was set at start-up */
static bool test_faults;
/* connection contexts alive, and how many of them are refused (MaxSessions) */
static atomic_uint sessions_live;
static atomic_uint sessions_refused;
/* MaxSessions 0 means this (main.c: from the descriptor limit) */
static unsigned sessions_auto = 480;
/* refusal log lines: at most one a second, counting the refusals since the last */
static pthread_mutex_t refusal_lock = PTHREAD_MUTEX_INITIALIZER;
static time_t refusal_last;
static unsigned refused_tempfail, refused_closed;	/* not logged yet */

static char macros_connect[] = "{client_addr} {client_name} j _";
static char macros_envfrom[] = "i {auth_authen} {mail_addr}";
static char macros_qid[] = "i";
static char hdr_authres[] = "Authentication-Results";
static char hdr_received_spf[] = "Received-SPF";

/* mlt_sessions_init - what MaxSessions 0 means (before smfi_main) */
void
mlt_sessions_init(unsigned auto_cap)
{
	sessions_auto = auto_cap > 0 ? auto_cap : 1;
}

/* mlt_session_cap - MaxSessions in force */
unsigned
mlt_session_cap(void)
{
	struct engine *e = mlt_engine_acquire();
	unsigned cap = e != NULL ? engine_config(e)->max_sessions : 0;

	engine_unref(e);
	return cap > 0 ? cap : sessions_auto;
}

/* mlt_sessions_live - connection contexts alive now */
unsigned
mlt_sessions_live(void)
{
	return atomic_load(&sessions_live);
}

/*
 * conn_new - an empty connection context, counted, and refused when the count
 * is over MaxSessions; noreply: what a session that did not negotiate in this
 * context (SMFIC_QUIT_NC) most likely has. Every context is freed by
 * conn_free: at close (libmilter calls xxfi_close on every end of a session:
 * QUIT, EOF, read or protocol errors, its own timeout of idle sessions), or
 * where smfi_setpriv fails.
 */
static struct mlt_conn *
conn_new(void)
{
	struct mlt_conn *c = xcalloc(1, sizeof *c);
	unsigned live = atomic_fetch_add(&sessions_live, 1) + 1;

	c->leadspc = false;
	c->can_skip = false;
	c->noreply = atomic_load(&noreply_partial) ? 0 : MLT_NOREPLY;
	c->conn_error = NULL;
	c->msg_error = NULL;
	c->fault_eoh = false;
	c->refused = live > mlt_session_cap();
	if (c->refused)
		atomic_fetch_add(&sessions_refused, 1);
	return c;
}

/* conn_free - release a context and its count */
static void
conn_free(struct mlt_conn *c)
{
	if (c == NULL)
		return;
	if (c->refused)
		atomic_fetch_sub(&sessions_refused, 1);
	atomic_fetch_sub(&sessions_live, 1);
	msg_free(c->m);
	engine_unref(c->e);
	free(c);
}

/* refusal_log - the counted refusals in one line (refusal_lock held) */
static void
refusal_log(time_t now)
{
	if (refused_tempfail + refused_closed == 0)
		return;
	log_msg(LOG_WARNING, "too many milter sessions (MaxSessions %u, %u open now): "
	    "refused %u with tempfail 421 4.3.2, closed %u at negotiation (the MTA "
	    "applies its milter_default_action)", mlt_session_cap(),
	    mlt_sessions_live(), refused_tempfail, refused_closed);
	refused_tempfail = refused_closed = 0;
	refusal_last = now;
}

/* refusal_note - count a refusal; logged at once unless a line went out this second */
static void
refusal_note(bool closed)
{
	time_t now = time(NULL);

	pthread_mutex_lock(&refusal_lock);
	if (closed)
		refused_closed++;
	else
		refused_tempfail++;
	if (now != refusal_last)
		refusal_log(now);
	pthread_mutex_unlock(&refusal_lock);
}

/* mlt_refusals_flush - log the refusals not logged yet (watch.c, once a second) */
void
mlt_refusals_flush(void)
{
	pthread_mutex_lock(&refusal_lock);
	refusal_log(time(NULL));
	pthread_mutex_unlock(&refusal_lock);
}

/* conn_get - the connection context, or NULL */
static struct mlt_conn *
conn_get(SMFICTX *ctx)
{
	return smfi_getpriv(ctx);
}

/* conn_take_qid - hand the MTA's queue id (macro i) to the engine */
static void
conn_take_qid(SMFICTX *ctx, struct mlt_conn *c)
{
	const char *qid = smfi_getsymval(ctx, macros_qid);

	if (qid != NULL && c->m != NULL)
		msg_set_qid(c->m, qid);
}

/* conn_qid - the queue id for our own log lines (NULL: none yet) */
static const char *
conn_qid(const struct mlt_conn *c)
{
	return c != NULL && c->m != NULL ? msg_qid(c->m) : NULL;
}

/* text_clean - one line of text for the MTA: no CR/LF or controls, '%' doubled if asked */
static void
text_clean(const char *in, char *out, size_t outlen, bool double_percent)
{
	size_t j = 0;

	for (; in != NULL && *in != '\0' && j + 2 < outlen; in++) {
		unsigned char ch = (unsigned char)*in;

		if (ch == '%' && double_percent) {
			out[j++] = '%';
			out[j++] = '%';
		} else if (ch == '\r' || ch == '\n' || ch == '\t') {
			out[j++] = ' ';
		} else if (ch < 0x20 || ch == 0x7f) {
			out[j++] = '?';
		} else {
			out[j++] = (char)ch;
		}
	}
	out[j] = '\0';
}

/* code_ok - a 3-digit SMTP code of class want ('4' or '5') */
static bool
code_ok(const char *code, char want)
{
	return code != NULL && code[0] == want && code[1] >= '0' && code[1] <= '9' &&
	    code[2] >= '0' && code[2] <= '9' && code[3] == '\0';
}

/* xcode_ok - an enhanced status code "C.S.D" of class want */
static bool
xcode_ok(const char *x, char want)
{
	int a, b, n = 0;

	return x != NULL && x[0] == want && sscanf(x, "%*d.%d.%d%n", &a, &b, &n) == 2 &&
	    x[n] == '\0';
}

/* set_reply - our SMTP reply for a reject (5xx) or tempfail (4xx), defaults if bad */
static void
set_reply(SMFICTX *ctx, const struct mlt_conn *c, bool temporary, const char *code,
    const char *xcode, const char *text)
{
	char class = temporary ? '4' : '5';
	char esc[REPLY_MAX];
	char codebuf[4], xbuf[16];

	if (!code_ok(code, class))
		code = temporary ? "451" : "550";
	if (!xcode_ok(xcode, class))
		xcode = temporary ? "4.7.1" : "5.7.1";
	text_clean(text != NULL && text[0] != '\0' ? text :
	    temporary ? "Temporary authentication failure, try again later" :
	    "Message rejected", esc, sizeof esc, true);
	strlcpy(codebuf, code, sizeof codebuf);
	strlcpy(xbuf, xcode, sizeof xbuf);
	if (smfi_setreply(ctx, codebuf, xbuf, esc) != MI_SUCCESS)
		log_qid(LOG_WARNING, conn_qid(c),
		    "smfi_setreply failed: the MTA answers with its generic %s reply",
		    temporary ? "temporary" : "permanent");
}

/* refuse - the answer of every step of a session over MaxSessions */
static sfsistat
refuse(SMFICTX *ctx, struct mlt_conn *c)
{
	refusal_note(false);
	set_reply(ctx, c, true, "421", "4.3.2",
	    "Too many concurrent sessions, try again later");
	return SMFIS_TEMPFAIL;
}

/* internal_error - the configured InternalErrorAction, logged with the queue id */
static sfsistat
internal_error(SMFICTX *ctx, struct mlt_conn *c, const char *what)
{
	struct engine *e = c != NULL && c->e != NULL ? engine_ref(c->e) :
	    mlt_engine_acquire();
	enum action a = e != NULL ? engine_config(e)->internal_error_action :
	    ACTION_TEMPFAIL;
	const char *qid = conn_qid(c);

	engine_unref(e);
	switch (a) {
	case ACTION_ACCEPT:
		log_qid(LOG_ERR, qid, "internal error: %s; accepting as configured "
		    "(InternalErrorAction accept)", what);
		return SMFIS_ACCEPT;
	case ACTION_REJECT:
		log_qid(LOG_ERR, qid, "internal error: %s; rejecting as configured", what);
		set_reply(ctx, c, false, "550", "5.3.0",
		    "Internal error in message authentication");
		return SMFIS_REJECT;
	case ACTION_QUARANTINE:
	case ACTION_TEMPFAIL:
	default:
		log_qid(LOG_ERR, qid, "internal error: %s; tempfail", what);
		set_reply(ctx, c, true, "451", "4.3.0",
		    "Temporary failure in message authentication, try again later");
		return SMFIS_TEMPFAIL;
	}
}

/* need_msg - the connection context with a message object, or NULL */
static struct mlt_conn *
need_msg(SMFICTX *ctx)
{
	struct mlt_conn *c = conn_get(ctx);

	return c != NULL && c->m != NULL ? c : NULL;
}

/* quiet - the return of a step that never refuses: no reply when negotiated */
static sfsistat
quiet(const struct mlt_conn *c, unsigned long nrbit)
{
	return c != NULL && (c->noreply & nrbit) != 0 ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

/* defer - remember the first internal error of a step that never refuses */
static sfsistat
defer(struct mlt_conn *c, const char **slot, unsigned long nrbit, const char *what)
{
	if (*slot == NULL)
		*slot = what;
	log_qid(LOG_DEBUG, conn_qid(c), "internal error noted: %s (answered at the "
	    "next step that replies)", what);
	return quiet(c, nrbit);
}

/* mlt_negotiate - check the MTA's offer, ask for our steps and macros */
static sfsistat
mlt_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
    unsigned long f3, unsigned long *pf0, unsigned long *pf1, unsigned long *pf2,
    unsigned long *pf3)
{
	struct mlt_conn *c;

	if ((f0 & MLT_REQUIRED) != MLT_REQUIRED) {
		log_msg(LOG_ERR, "MTA offers actions 0x%lx, lacking 0x%lx "
		    "(add/change headers, quarantine): refusing the connection, the MTA "
		    "applies its milter_default_action", f0,
		    (unsigned long)MLT_REQUIRED & ~f0);
		return SMFIS_REJECT;
	}
	*pf0 = MLT_REQUIRED | (f0 & SMFIF_SETSYMLIST);
	*pf1 = f1 & (MLT_STEPS | MLT_NOREPLY);
	*pf2 = 0;
	*pf3 = 0;
	if ((f1 & MLT_NOREPLY) != MLT_NOREPLY)
		atomic_store(&noreply_partial, true);

	c = conn_get(ctx);
	if (c == NULL) {
		c = conn_new();
		if (c->refused && atomic_load(&sessions_refused) >
		    mlt_session_cap() / 8 + 16) {
			/* refused ones hold descriptors too: past this, close at once */
			conn_free(c);
			refusal_note(true);
			return SMFIS_REJECT;
		}
		if (smfi_setpriv(ctx, c) != MI_SUCCESS) {
			conn_free(c);
			log_msg(LOG_ERR, "smfi_setpriv failed at negotiation: "
			    "refusing the connection");
			return SMFIS_REJECT;
		}
	}
	if (c->refused)			/* connect must be able to answer */
		*pf1 &= ~(unsigned long)SMFIP_NR_CONN;
	c->leadspc = (*pf1 & SMFIP_HDR_LEADSPC) != 0;
	c->can_skip = (*pf1 & SMFIP_SKIP) != 0;
	c->noreply = *pf1 & MLT_NOREPLY;
	if ((f0 & SMFIF_SETSYMLIST) != 0 &&
	    (smfi_setsymlist(ctx, SMFIM_CONNECT, macros_connect) != MI_SUCCESS ||
	    smfi_setsymlist(ctx, SMFIM_ENVFROM, macros_envfrom) != MI_SUCCESS ||
	    smfi_setsymlist(ctx, SMFIM_EOH, macros_qid) != MI_SUCCESS ||
	    smfi_setsymlist(ctx, SMFIM_EOM, macros_qid) != MI_SUCCESS))
		log_msg(LOG_WARNING, "smfi_setsymlist failed: relying on the MTA's "
		    "default macros (queue ids may be missing from log lines)");
	return SMFIS_CONTINUE;
}

/* addr_literal - the client address as an IP literal, or NULL */
static const char *
addr_literal(const struct sockaddr *sa, char *buf, size_t len)
{
	if (sa == NULL)
		return NULL;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)(const void *)sa;

		return inet_ntop(AF_INET, &sin->sin_addr, buf, (socklen_t)len);
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 =
		    (const struct sockaddr_in6 *)(const void *)sa;

		/* ::ffff:192.0.2.1 is an IPv4 client: SPF wants the IPv4 literal */
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
			return inet_ntop(AF_INET, &sin6->sin6_addr.s6_addr[12], buf,
			    (socklen_t)len);
		return inet_ntop(AF_INET6, &sin6->sin6_addr, buf, (socklen_t)len);
	}
	return NULL;
}

/* mlt_connect - a new SMTP client: pin the current engine; never refuses */
static sfsistat
mlt_connect(SMFICTX *ctx, char *hostname, struct sockaddr *hostaddr)
{
	struct mlt_conn *c = conn_get(ctx);
	char ip[INET6_ADDRSTRLEN];

	if (c == NULL) {
		c = conn_new();
		if (smfi_setpriv(ctx, c) != MI_SUCCESS) {
			sfsistat rc = quiet(c, SMFIP_NR_CONN);

			conn_free(c);
			/* nowhere to note it: MAIL FROM finds no context and answers */
			log_msg(LOG_ERR, "smfi_setpriv failed at connect");
			return rc;
		}
	}
	if (c->refused)			/* without a reply here: at MAIL FROM */
		return (c->noreply & SMFIP_NR_CONN) != 0 ? SMFIS_NOREPLY :
		    refuse(ctx, c);
	if (c->m != NULL) {		/* a second connect on one session: start over */
		msg_free(c->m);
		c->m = NULL;
	}
	c->conn_error = NULL;
	c->msg_error = NULL;
	c->fault_eoh = false;
	if (c->e == NULL && (c->e = mlt_engine_acquire()) == NULL)
		return defer(c, &c->conn_error, SMFIP_NR_CONN, "no engine at connect");
	c->m = msg_new(c->e);
	msg_connect(c->m, addr_literal(hostaddr, ip, sizeof ip), hostname);
	if (test_faults && hostname != NULL && strcasecmp(hostname, FAULT_NAME) == 0)
		return defer(c, &c->conn_error, SMFIP_NR_CONN, "test fault at connect");
	return quiet(c, SMFIP_NR_CONN);
}

/* mlt_helo - HELO/EHLO argument; never refuses */
static sfsistat
mlt_helo(SMFICTX *ctx, char *helohost)
{
	struct mlt_conn *c = conn_get(ctx);

	if (c == NULL)			/* MAIL FROM finds none either and answers */
		return SMFIS_CONTINUE;
	if (c->refused)
		return quiet(c, SMFIP_NR_HELO);
	if (c->m == NULL)
		return defer(c, &c->conn_error, SMFIP_NR_HELO,
		    "no connection context at HELO");
	msg_helo(c->m, helohost);
	if (test_faults && helohost != NULL && strcasecmp(helohost, FAULT_HELO) == 0)
		return defer(c, &c->conn_error, SMFIP_NR_HELO, "test fault at HELO");
	return quiet(c, SMFIP_NR_HELO);
}

/* mlt_envfrom - MAIL FROM: a new message; SPF may refuse it right here, and so
   does a problem noted at connect or HELO */
static sfsistat
mlt_envfrom(SMFICTX *ctx, char **argv)
{
	struct mlt_conn *c = conn_get(ctx);
	struct msg_verdict v;
	sfsistat rc = SMFIS_CONTINUE;

	if (c != NULL && c->refused)
		return refuse(ctx, c);
	if (c != NULL && c->conn_error != NULL)	/* stays for the whole connection */
		return internal_error(ctx, c, c->conn_error);
	if (c == NULL || c->m == NULL)
		return internal_error(ctx, c, "no connection context at MAIL FROM");
	c->msg_error = NULL;
	c->fault_eoh = false;
	conn_take_qid(ctx, c);		/* Sendmail has it here; Postfix only later */
	memset(&v, 0, sizeof v);
	if (msg_envfrom(c->m, argv != NULL && argv[0] != NULL ? argv[0] : "",
	    smfi_getsymval(ctx, (char *)"{auth_authen}"), &v)) {
		switch (v.action) {
		case ACTION_TEMPFAIL:
			set_reply(ctx, c, true, v.smtp_code, v.xcode, v.text);
			rc = SMFIS_TEMPFAIL;
			break;
		case ACTION_REJECT:
			set_reply(ctx, c, false, v.smtp_code, v.xcode, v.text);
			rc = SMFIS_REJECT;
			break;
		default:
			/* only reject/tempfail make sense before the data */
			break;
		}
	}
	msg_verdict_clear(&v);
	return rc;
}

/* mlt_header - one header field; the value keeps its leading blank; never refuses */
static sfsistat
mlt_header(SMFICTX *ctx, char *name, char *value)
{
	struct mlt_conn *c = conn_get(ctx);

	if (c == NULL)			/* end of message finds none either and answers */
		return SMFIS_CONTINUE;
	if (c->refused)
		return quiet(c, SMFIP_NR_HDR);
	if (c->m == NULL)
		return defer(c, &c->msg_error, SMFIP_NR_HDR,
		    "no connection context at header");
	if (c->msg_error != NULL || name == NULL || value == NULL)
		return quiet(c, SMFIP_NR_HDR);
	if (test_faults && strcasecmp(name, FAULT_HEADER) == 0) {
		const char *what = value + strspn(value, " \t");

		if (strcasecmp(what, "header") == 0)
			return defer(c, &c->msg_error, SMFIP_NR_HDR,
			    "test fault at header");
		c->fault_eoh = strcasecmp(what, "eoh") == 0;
	}
	if (c->leadspc) {
		msg_header(c->m, name, value);
	} else {
		/* the MTA removed the blank after the colon: put the usual one back */
		size_t n = strlen(value);
		char *v = xmalloc(n + 2);

		v[0] = ' ';
		memcpy(v + 1, value, n + 1);
		msg_header(c->m, name, v);
		free(v);
	}
	return quiet(c, SMFIP_NR_HDR);
}

/* mlt_eoh - end of headers; never refuses */
static sfsistat
mlt_eoh(SMFICTX *ctx)
{
	struct mlt_conn *c = conn_get(ctx);

	if (c == NULL)			/* end of message finds none either and answers */
		return SMFIS_CONTINUE;
	if (c->refused)
		return quiet(c, SMFIP_NR_EOH);
	if (c->m == NULL)
		return defer(c, &c->msg_error, SMFIP_NR_EOH,
		    "no connection context at end of headers");
	conn_take_qid(ctx, c);
	if (c->msg_error != NULL)
		return quiet(c, SMFIP_NR_EOH);
	if (c->fault_eoh)
		return defer(c, &c->msg_error, SMFIP_NR_EOH,
		    "test fault at end of headers");
	msg_eoh(c->m);
	return quiet(c, SMFIP_NR_EOH);
}

/* mlt_body - a body chunk; skip the rest when no signature needs it (or the
   message already failed) */
static sfsistat
mlt_body(SMFICTX *ctx, unsigned char *p, size_t n)
{
	struct mlt_conn *c = need_msg(ctx);

	if (c == NULL && conn_get(ctx) != NULL && conn_get(ctx)->refused)
		return refuse(ctx, conn_get(ctx));
	if (c == NULL)
		return internal_error(ctx, conn_get(ctx), "no connection context at body");
	if (c->msg_error != NULL || !msg_wants_body(c->m))
		return c->can_skip ? SMFIS_SKIP : SMFIS_CONTINUE;
	msg_body(c->m, p, n);
	return SMFIS_CONTINUE;
}

/* cmp_desc - qsort: larger index first */
static int
cmp_desc(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

/* header_value - the value as the MTA wants it: leading blank with LEADSPC */
static char *
header_value(const struct mlt_conn *c, const char *v)
{
	struct buf b;

	buf_init(&b);
	if (c->leadspc)
		buf_addc(&b, ' ');
	for (; *v != '\0'; v++)		/* folding is "\n\t"; never a CR */
		if (*v != '\r')
			buf_addc(&b, *v);
	return buf_steal(&b);
}

/* insert_top - smfi_insheader at index 0; false on failure */
static bool
insert_top(SMFICTX *ctx, const struct mlt_conn *c, char *name, const char *value)
{
	char *v = header_value(c, value);
	int rc = smfi_insheader(ctx, 0, name, v);

	free(v);
	return rc == MI_SUCCESS;
}

/* apply_headers - delete forged A-R (descending), insert ours on top */
static const char *
apply_headers(SMFICTX *ctx, const struct mlt_conn *c, const struct msg_verdict *v)
{
	if (v->ndelete > 0) {
		unsigned *idx = xreallocarray(NULL, v->ndelete, sizeof *idx);
		bool ok = true;

		memcpy(idx, v->delete_idx, v->ndelete * sizeof *idx);
		qsort(idx, v->ndelete, sizeof *idx, cmp_desc);
		for (size_t i = 0; i < v->ndelete && ok; i++)
			if (idx[i] > 0 && (i == 0 || idx[i] != idx[i - 1]))
				ok = smfi_chgheader(ctx, hdr_authres, (int)idx[i], NULL) ==
				    MI_SUCCESS;
		free(idx);
		if (!ok)
			return "smfi_chgheader failed deleting a forged Authentication-Results";
	}
	if (v->extra_name != NULL && v->extra_value != NULL &&
	    !insert_top(ctx, c, v->extra_name, v->extra_value))
		return "smfi_insheader failed for the extra header";
	if (v->received_spf != NULL &&
	    !insert_top(ctx, c, hdr_received_spf, v->received_spf))
		return "smfi_insheader failed for Received-SPF";
	if (v->authres != NULL && !insert_top(ctx, c, hdr_authres, v->authres))
		return "smfi_insheader failed for Authentication-Results";
	return NULL;
}

/* apply_verdict - header edits and the action of msg_eom's verdict */
static sfsistat
apply_verdict(SMFICTX *ctx, struct mlt_conn *c, const struct msg_verdict *v)
{
	const char *err;

	switch (v->action) {
	case ACTION_REJECT:
		set_reply(ctx, c, false, v->smtp_code, v->xcode, v->text);
		return SMFIS_REJECT;
	case ACTION_TEMPFAIL:
		set_reply(ctx, c, true, v->smtp_code, v->xcode, v->text);
		return SMFIS_TEMPFAIL;
	case ACTION_QUARANTINE:
	case ACTION_ACCEPT:
		break;
	default:
		return internal_error(ctx, c, "unknown verdict action");
	}
	if ((err = apply_headers(ctx, c, v)) != NULL)
		return internal_error(ctx, c, err);
	if (v->action == ACTION_QUARANTINE) {
		char reason[REPLY_MAX];

		text_clean(v->quarantine_reason, reason, sizeof reason, false);
		if (reason[0] == '\0')
			strlcpy(reason, "mailauth policy", sizeof reason);
		if (smfi_quarantine(ctx, reason) != MI_SUCCESS)
			return internal_error(ctx, c, "smfi_quarantine failed");
	}
	return SMFIS_CONTINUE;		/* at end of message: accept */
}

/* mlt_eom - end of message: the verdict, or the problem noted at a header or at
   end of headers */
static sfsistat
mlt_eom(SMFICTX *ctx)
{
	struct mlt_conn *c = conn_get(ctx);
	struct msg_verdict v;
	sfsistat rc;

	if (c != NULL && c->refused)
		return refuse(ctx, c);
	if (c != NULL && c->msg_error != NULL) {
		const char *what = c->msg_error;

		c->msg_error = NULL;
		c->fault_eoh = false;
		if (c->m != NULL)
			conn_take_qid(ctx, c);
		rc = internal_error(ctx, c, what);
		if (c->m != NULL)
			msg_reset(c->m);
		return rc;
	}
	if (c == NULL || c->m == NULL)
		return internal_error(ctx, c, "no connection context at end of message");
	conn_take_qid(ctx, c);
	msg_eom(c->m, &v);
	rc = apply_verdict(ctx, c, &v);
	/* a report row only for a verdict carried out as decided */
	if ((v.action == ACTION_REJECT && rc == SMFIS_REJECT) ||
	    ((v.action == ACTION_ACCEPT || v.action == ACTION_QUARANTINE) &&
	    rc == SMFIS_CONTINUE)) {
		mlt_history_submit(v.history);
		v.history = NULL;
	}
	msg_verdict_clear(&v);
	msg_reset(c->m);
	return rc;
}

/* mlt_abort - the message ends without end of message; the connection goes on */
static sfsistat
mlt_abort(SMFICTX *ctx)
{
	struct mlt_conn *c = conn_get(ctx);

	if (c == NULL)
		return SMFIS_CONTINUE;
	c->msg_error = NULL;
	c->fault_eoh = false;
	if (c->m != NULL)
		msg_reset(c->m);
	return SMFIS_CONTINUE;
}

/* mlt_close - end of the connection (may come without connect) */
static sfsistat
mlt_close(SMFICTX *ctx)
{
	struct mlt_conn *c = conn_get(ctx);

	if (c == NULL)
		return SMFIS_CONTINUE;
	(void)smfi_setpriv(ctx, NULL);
	conn_free(c);
	return SMFIS_CONTINUE;
}

/* mlt_descriptor - the filter description for smfi_register */
struct smfiDesc
mlt_descriptor(void)
{
	struct smfiDesc d;

	test_faults = getenv("MAILAUTH_TEST_FAULTS") != NULL;
	memset(&d, 0, sizeof d);
	d.xxfi_name = (char *)PACKAGE_NAME;
	d.xxfi_version = SMFI_VERSION;
	d.xxfi_flags = MLT_ACTIONS;
	d.xxfi_connect = mlt_connect;
	d.xxfi_helo = mlt_helo;
	d.xxfi_envfrom = mlt_envfrom;
	d.xxfi_envrcpt = NULL;
	d.xxfi_header = mlt_header;
	d.xxfi_eoh = mlt_eoh;
	d.xxfi_body = mlt_body;
	d.xxfi_eom = mlt_eom;
	d.xxfi_abort = mlt_abort;
	d.xxfi_close = mlt_close;
	d.xxfi_unknown = NULL;
	d.xxfi_data = NULL;
	d.xxfi_negotiate = mlt_negotiate;
	return d;
}
