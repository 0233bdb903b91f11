/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dkim_int.h - what lib/dkim.c shares with lib/dkim_key.c, lib/dkim_dns.c and
 * lib/dkim_fields.c; not for callers
 * SYNOPSIS
 *	extern _Thread_local struct dkv_msg *dkv_cur;
 *	extern const char dkk_warm_msg[];
 *	struct dns_answer *dkk_fix_keys(const struct dns_answer *a);
 *	void dkk_free_fixed(struct dns_answer *c, const struct dns_answer *orig);
 *	void dkk_warm_answer(const char *qname, struct dns_answer *a, struct dns_rr *rr,
 *	    char **strs, size_t *lens);
 *	struct keyent *dkk_find(struct dkv_msg *m, const char *qname);
 *	struct keyent *dkk_fetch(struct dkv_msg *m, struct dns_session *s,
 *	    const char *qname, unsigned timeout_ms);
 *	int dkk_ebits(struct dkv_msg *m, DKIM_SIGINFO *sig);
 *	void dkd_set_hooks(struct dkv_engine *e);
 *	DKIM_CBSTAT dkd_prescreen(DKIM *dkim, DKIM_SIGINFO **sigs, int nsigs);

void dkh_drop_library(struct dkv_msg *m);
void dkh_free_fields(struct dkv_msg *m);
size_t dkh_hand_over(struct dkv_msg *m, const char *from_domain);
void dkh_fill_ids(struct dkv_msg *m, DKIM_SIGINFO *sig, struct dkv_result *r);
void dkh_fill_raw(struct dkv_result *r, const struct rawsig *raw);
void dkh_unique_b(struct dkv_msg *m);
 *	void dkh_drop_library(struct dkv_msg *m);
 *	void dkh_free_fields(struct dkv_msg *m);
 *	size_t dkh_hand_over(struct dkv_msg *m, const char *from_domain);
 *	void dkh_fill_ids(struct dkv_msg *m, DKIM_SIGINFO *sig, struct dkv_result *r);
 *	void dkh_fill_raw(struct dkv_result *r, const struct rawsig *raw);
 *	void dkh_unique_b(struct dkv_msg *m);
 * DESCRIPTION
 *	The engine and per-message state of lib/dkim.c, whose "Decisions" comment says
 *	what all four files implement. lib/dkim_key.c (dkk_): key records, as lib/dns
 *	returns them and as the library gets them: PKCS#1 keys rewrapped (dkk_fix_keys
 *	returns NULL when nothing changed, else a copy freed with dkk_free_fixed), the
 *	self-test's message and key records, and the per-message key cache: dkk_fetch
 *	queries a name once per message (timeout_ms 0: the session's query timeout)
 *	and notes the largest RSA exponent; dkk_ebits is that length for a signature's
 *	key, 0 if not fetched. lib/dkim_dns.c (dkd_): libopendkim's callbacks: the DNS
 *	query hooks answering from lib/dns (set by dkd_set_hooks) for the message in
 *	dkv_cur, and the prescreen that selects signatures and prefetches their keys.
 *	lib/dkim_fields.c (dkh_): header fields kept until dkv_eoh (dkh_free_fields
 *	frees them), the library dropped for a message (dkh_drop_library), the fields
 *	handed to it (dkh_hand_over: the number of signatures given), and the result
 *	fields of a library signature (dkh_fill_ids, not body_length_limited), of our
 *	own parse of a field (dkh_fill_raw, raw NULL: all empty) and header.b=
 *	prefixes over all results (dkh_unique_b).
 */
#ifndef MAILAUTH_DKIM_INT_H
#define MAILAUTH_DKIM_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <opendkim/dkim.h>

#include "dkim.h"
#include "dkim_body.h"
#include "dkim_screen.h"
#include "dns.h"

#define DKV_MAX_TEXT	255		/* attacker strings kept in results */
#define DKV_MAX_RAW	8192		/* bytes of a signature field we keep for fallbacks */
#define DKV_MAX_EXP_BITS 31		/* RSA public exponent bits verified at most */

struct dkv_engine {
	DKIM_LIB *lib;
	unsigned min_key_bits;
	bool warming;			/* only during dkv_engine_new, single-threaded */
};

/* what we know of one library signature for the body (from the prescreen on) */
struct sigbody {
	DKIM_SIGINFO *sig;
	bool setup_ok;			/* the library gave it a body canonicalization */
	long long limit;		/* l= as the library reads it, -1 none */
	int sink;			/* our body state, -1 none */
	int total;			/* with l=: counts the whole body, -1 none */
};

/* a signature's library state after dkim_eom, as if it had hashed the body */
struct sigstate {
	unsigned flags;
	int err;
	int bh;
};

struct rawsig {
	char *value;			/* field value, cut at DKV_MAX_RAW */
	bool junk;			/* 8-bit or control bytes in the field */
	bool dup;			/* a tag name repeated */
	bool badqp;			/* i= or z= with an '=' not starting "=XX" */
	struct dks_sig scr;		/* what dkim_screen decided */
	DKIM_SIGINFO *lib;		/* the library's signature, when handed */
};

/* one header field as we would give it to the library */
struct hfield {
	char *text;			/* "Name:value", CRLF folding */
	size_t len, namelen;
	int sig;			/* index into raw, -1 other fields */
};

/* a key answer fetched for this message (lib/dns), by query name */
struct keyent {
	char *qname;
	struct dns_answer *a;
	int ebits;			/* largest RSA exponent bit length in it */
};

struct dkv_msg {
	struct dkv_engine *e;
	DKIM *dkim;
	char *qid;
	unsigned max_sigs, max_fields, min_key_bits, max_headers, max_signed;
	enum dkim_l_policy l_policy;
	unsigned nfields;		/* DKIM-Signature fields seen */
	struct rawsig *raw;		/* the first max_fields of them */
	bool too_many;
	unsigned nheaders;		/* header fields seen */
	bool hdr_overflow;		/* more than max_headers of them */
	struct hfield *hf;		/* the first max_headers fields */
	size_t nhf;
	size_t *fedsig;			/* raw index of each library signature */
	size_t nfedsig;
	struct dkv_work work;
	struct keyent *keys;
	size_t nkeys;
	bool eoh_done;
	DKIM_STAT eoh_stat;
	char eoh_error[256];		/* why the library gave up on the message */
	const char *from_domain;	/* during dkim_eoh only */
	struct dkb *body;		/* our body hashes (the library sees headers only) */
	struct sigbody *sb;
	size_t nsb;
	bool any_relaxed;		/* a body canonicalization is relaxed */
	unsigned long long line_bytes;	/* bytes since the last LF */
	unsigned long long body_bytes;	/* fed to the library */
	unsigned char last_byte, prev_byte;
	bool line_overflow;
	bool eom_done;
	size_t nres;
	struct dkv_result *res;
};

/* the message whose dkim_eoh runs in this thread (the query hooks get no
 * per-message pointer), like dns_cur */
extern _Thread_local struct dkv_msg *dkv_cur;

extern const char dkk_warm_msg[];
struct dns_answer *dkk_fix_keys(const struct dns_answer *a);
void dkk_free_fixed(struct dns_answer *c, const struct dns_answer *orig);
void dkk_warm_answer(const char *qname, struct dns_answer *a, struct dns_rr *rr,
    char **strs, size_t *lens);
struct keyent *dkk_find(struct dkv_msg *m, const char *qname);
struct keyent *dkk_fetch(struct dkv_msg *m, struct dns_session *s, const char *qname,
    unsigned timeout_ms);
int dkk_ebits(struct dkv_msg *m, DKIM_SIGINFO *sig);

void dkd_set_hooks(struct dkv_engine *e);
DKIM_CBSTAT dkd_prescreen(DKIM *dkim, DKIM_SIGINFO **sigs, int nsigs);

void dkh_drop_library(struct dkv_msg *m);
void dkh_free_fields(struct dkv_msg *m);
size_t dkh_hand_over(struct dkv_msg *m, const char *from_domain);
void dkh_fill_ids(struct dkv_msg *m, DKIM_SIGINFO *sig, struct dkv_result *r);
void dkh_fill_raw(struct dkv_result *r, const struct rawsig *raw);
void dkh_unique_b(struct dkv_msg *m);

#endif
