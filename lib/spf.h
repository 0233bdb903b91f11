/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * spf.h - SPF (RFC 7208) for the HELO and MAIL FROM identities, on libspf2
 * SYNOPSIS
 *	struct spf_engine *spf_engine_new(const char *receiver, struct buf *err);
 *	void spf_engine_free(struct spf_engine *e);
 *	void spf_check(struct spf_engine *e, struct dns_session *s, const char *ip,
 *	    const char *helo, const char *mailfrom, bool helo_identity,
 *	    struct spf_outcome *out);
 *	void spf_outcome_clear(struct spf_outcome *o);
 *	const char *spf_result_name(enum spf_result r);
 *	void spf_received_header(const struct spf_outcome *o, const char *receiver,
 *	    struct buf *out);
 *	const char *spf_record_rewrite(const char *rec, size_t len, int family,
 *	    const unsigned char *addr, const char *marker, struct buf *out);
 * DESCRIPTION
 *	One spf_engine (one shared SPF_server_t on a custom DNS layer over lib/dns) per
 *	process, created before threads start; spf_check() is thread-safe and evaluates
 *	one identity: helo_identity true checks "postmaster@HELO"; false checks MAIL
 *	FROM (mailfrom without angle brackets; "" = null sender, which evaluates the HELO
 *	identity as RFC 7208 section 2.4 says). ip is a literal IPv4 or IPv6 address.
 *	All DNS goes through s, which also carries the RFC 7208 section 4.6.4 budget (10
 *	DNS-querying terms across the whole evaluation including includes, 2 void
 *	lookups; beyond: permerror) and the deadline (beyond: temperror). TXT records
 *	that could trigger libspf2's CVE-2023-42118 are never handed to libspf2: the
 *	evaluation is permerror. out receives the result, the domain checked, a reason a
 *	postmaster can act on, and for Received-SPF the identity, envelope-from, helo and
 *	client-ip. spf_received_header() writes the value of a Received-SPF field (RFC
 *	7208 section 9.1, without the field name, one line, attacker text sanitised).
 *	null_sender marks a MAIL FROM:<> check (helo_identity is then true as well;
 *	Received-SPF says identity=mailfrom, RFC 7208 2.4). Every SPF counter in s is
 *	reset at the start of each spf_check(). exp= explanations are not evaluated.
 */
#ifndef MAILAUTH_SPF_H
#define MAILAUTH_SPF_H

#include <stdbool.h>

#include "dns.h"
#include "util.h"

enum spf_result {
	SPFR_NONE = 0,
	SPFR_NEUTRAL,
	SPFR_PASS,
	SPFR_FAIL,
	SPFR_SOFTFAIL,
	SPFR_TEMPERROR,
	SPFR_PERMERROR,
};

struct spf_outcome {
	enum spf_result result;
	bool helo_identity;	/* identity=helo (or null sender's postmaster@helo) */
	bool null_sender;	/* MAIL FROM:<> checked as postmaster@helo */
	char *domain;		/* domain checked (lowercase) */
	char *sender;		/* the checked address: user@domain or postmaster@helo */
	char *helo;
	char *ip;
	char *reason;		/* short English, for A-R comment and logs */
};

#define SPF_MAX_TERMS	10	/* DNS-querying terms, RFC 7208 4.6.4 */

struct spf_engine;

struct spf_engine *spf_engine_new(const char *receiver, struct buf *err);
void spf_engine_free(struct spf_engine *e);
void spf_check(struct spf_engine *e, struct dns_session *s, const char *ip,
    const char *helo, const char *mailfrom, bool helo_identity,
    struct spf_outcome *out);
void spf_outcome_clear(struct spf_outcome *o);
const char *spf_result_name(enum spf_result r);
/* received_spf.c: the Received-SPF field value of an outcome */
void spf_received_header(const struct spf_outcome *o, const char *receiver,
    struct buf *out);

/* spf_record.c (used by spf.c's DNS layer; public for tests): check a v=spf1
 * record against RFC 7208 section 12 and append to out the equivalent, short
 * record libspf2 evaluates right for this client (family AF_INET with 4 address
 * bytes at addr, or AF_INET6 with 16); NULL when valid, else the syntax error. */
const char *spf_record_rewrite(const char *rec, size_t len, int family,
    const unsigned char *addr, const char *marker, struct buf *out);

#endif
