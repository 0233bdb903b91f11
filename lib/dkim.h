/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dkim.h - DKIM verification (RFC 6376, 8301, 8463) of up to N signatures, on libopendkim
 * SYNOPSIS
 *	struct dkv_engine *dkv_engine_new(const struct config *cfg, struct buf *err);
 *	void dkv_engine_free(struct dkv_engine *e);
 *	struct dkv_msg *dkv_msg_new(struct dkv_engine *e, const struct config *cfg,
 *	    const char *qid);
 *	void dkv_header(struct dkv_msg *m, const char *name, const char *value);
 *	void dkv_eoh(struct dkv_msg *m, struct dns_session *s, const char *from_domain);
 *	void dkv_body(struct dkv_msg *m, const unsigned char *p, size_t n);
 *	void dkv_eom(struct dkv_msg *m, struct dns_session *s);
 *	size_t dkv_nresults(const struct dkv_msg *m);
 *	const struct dkv_result *dkv_result(const struct dkv_msg *m, size_t i);
 *	bool dkv_has_signatures(const struct dkv_msg *m);
 *	void dkv_get_work(const struct dkv_msg *m, struct dkv_work *w);
void dkv_get_work(const struct dkv_msg *m, struct dkv_work *w);
 *	void dkv_msg_free(struct dkv_msg *m);
 *	const char *dkim_result_name(enum dkim_result r);
 *	int dkv_feed_raw(struct dkv_msg *m, struct dns_session *s,
 *	    const char *from_domain, const unsigned char *p, size_t n);
 * DESCRIPTION
 *	dkv_ stands for "DKIM verifier" (dkim_ is libopendkim's own prefix).
 *	One dkv_engine (one DKIM_LIB, query hooks on lib/dns, warm-up verification done
 *	at creation) per process, before threads. Per message: feed every header field in
 *	arrival order (name and value as the MTA gives them; value may contain bare LF
 *	folding, is converted to CRLF; a leading blank is kept as part of the value),
 *	dkv_eoh, then body chunks (CRLF lines, as in SMTP after dot-unstuffing), then
 *	dkv_eom. Memory does not grow with body size; header fields are kept until
 *	dkv_eoh (at most cfg->dkim_max_headers; more: every signature permerror). At
 *	most cfg->dkim_max_sigs signatures are verified (those whose d= aligns with
 *	from_domain first, then in header order); the rest are reported DKIMR_NEUTRAL
 *	"not verified: over the limit of N" with no DNS lookup. More than
 *	cfg->dkim_max_fields DKIM-Signature fields: none is verified, one
 *	DKIMR_PERMERROR result "too many signatures". One result per signature field,
 *	in header order. Key lookups use s (dns_cur is set during the calls).
 *	dkv_get_work() tells what libopendkim was given (for tests and benchmarks). Results are in RFC 8601 vocabulary; a
 *	message without a signature has zero results (A-R says dkim=none).
 *	dkv_feed_raw() feeds a whole saved message (header fields, dkv_eoh, body; LF or
 *	CRLF line ends) for the self-test, tests and tools; from_domain NULL takes the
 *	domain after the last '@' of the first From field (crude). Call dkv_eom after.
 *	With DNSSEC validation (lib/dns reports SECURE/INSECURE/BOGUS) the reason of a
 *	signature whose key was fetched ends in ", key DNSSEC-secure" or ", key
 *	DNSSEC-insecure"; a BOGUS key answer is temperror "key failed DNSSEC
 *	validation". Without validation nothing is said.
 *	Decisions on sha1, small keys, l=, long lines, selection: see dkim.c.
 */
#ifndef MAILAUTH_DKIM_H
#define MAILAUTH_DKIM_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "dns.h"
#include "util.h"

enum dkim_result {
	DKIMR_NONE = 0,
	DKIMR_PASS,
	DKIMR_FAIL,
	DKIMR_NEUTRAL,
	DKIMR_POLICY,
	DKIMR_TEMPERROR,
	DKIMR_PERMERROR,
};

struct dkv_result {
	enum dkim_result result;
	char *domain;		/* d= (lowercase), may be "" if unparseable */
	char *identity;		/* i= or "@d" */
	char *selector;		/* s= */
	char *b;		/* b= prefix unique among this message's signatures */
	char *algorithm;	/* "rsa-sha256", "ed25519-sha256", "rsa-sha1" */
	unsigned key_bits;	/* 0 when unknown or ed25519 */
	bool body_length_limited;	/* l= leaves unsigned content */
	bool testing;		/* key t=y */
	enum dns_sec key_sec;	/* DNSSEC state of the key answer; UNKNOWN without
				 * validation (no DNSTrustAnchorFile) or key lookup */
	char *reason;		/* comment text, e.g. "2048-bit rsa-sha256" or "body hash mismatch" */
};

/* what the library was given for one message (dkv_eoh) */
struct dkv_work {
	unsigned fields;	/* header fields, signature fields included */
	unsigned sigs;		/* signature fields */
	unsigned long entries;	/* h= entries of those signatures */
};

struct dkv_engine;
struct dkv_msg;

struct dkv_engine *dkv_engine_new(const struct config *cfg, struct buf *err);
void dkv_engine_free(struct dkv_engine *e);
struct dkv_msg *dkv_msg_new(struct dkv_engine *e, const struct config *cfg,
    const char *qid);
void dkv_header(struct dkv_msg *m, const char *name, const char *value);
void dkv_eoh(struct dkv_msg *m, struct dns_session *s, const char *from_domain);
void dkv_body(struct dkv_msg *m, const unsigned char *p, size_t n);
void dkv_eom(struct dkv_msg *m, struct dns_session *s);
bool dkv_has_signatures(const struct dkv_msg *m);
void dkv_get_work(const struct dkv_msg *m, struct dkv_work *w);
size_t dkv_nresults(const struct dkv_msg *m);
const struct dkv_result *dkv_result(const struct dkv_msg *m, size_t i);
void dkv_msg_free(struct dkv_msg *m);
const char *dkim_result_name(enum dkim_result r);
int dkv_feed_raw(struct dkv_msg *m, struct dns_session *s, const char *from_domain,
    const unsigned char *p, size_t n);

#endif
