/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * spf_int.h - what lib/spf.c shares with lib/spf_dns.c; not for callers
 * SYNOPSIS
 *	extern _Thread_local struct spf_eval *spd_cur;
 *	void spd_layer_init(struct spf_engine *e);
 * DESCRIPTION
 *	The engine and the state of one check_host() evaluation. lib/spf.c (the
 *	engine, the identities, the evaluation and the result mapping) points
 *	spd_cur at its struct spf_eval around each (synchronous) libspf2
 *	evaluation; lib/spf_dns.c (spd_: the DNS layer libspf2 queries) counts the
 *	RFC 7208 limits, filters and rewrites the records, and notes in
 *	why/why_name/why_detail the rule that ended the evaluation, which lib/spf.c
 *	maps to permerror and a reason.
 *	spd_layer_init() fills e->layer (lookup, fixed explanation, hook e) before the
 *	libspf2 server is created on it.
 */
#ifndef MAILAUTH_SPF_INT_H
#define MAILAUTH_SPF_INT_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

#include <spf2/spf.h>
#include <spf2/spf_dns.h>

#include "dns.h"
#include "spf.h"

#define SPF_MAX_VOID		2
#define SPF_MAX_NAMES		10	/* MX or PTR names per mechanism */
#define SPF_MAX_QUERIES		150	/* backstop: backend queries per evaluation */
#define SPF_MAX_TERM_LEN	511	/* libspf2 SPF_MAX_MECH_LEN / SPF_MAX_MOD_LEN */

enum spf_abort {
	ABORT_NONE = 0,
	ABORT_TERMS,		/* 11th DNS-querying term */
	ABORT_VOID,		/* 3rd void lookup */
	ABORT_MX,		/* more than 10 MX names */
	ABORT_QUERIES,		/* backstop */
	ABORT_HOSTILE,		/* CVE-2023-42118 filter */
	ABORT_SYNTAX,		/* v=spf1 record not per RFC 7208 section 12 */
	ABORT_TOOBIG,		/* libspf2 would drop mechanisms of the rewrite */
};

struct spf_engine {
	SPF_server_t *srv;
	SPF_dns_server_t layer;
};

/* one check_host() evaluation (lives on spf_check's stack) */
struct spf_eval {
	struct dns_session *s;
	int family;
	struct in_addr ip4;
	struct in6_addr ip6;
	bool first_done;	/* the record of the checked domain was asked for */
	char expect[SPF_MAX_NAMES][256];	/* names libspf2 looks up next */
	size_t nexpect, pos;
	int expect_type;
	bool expect_ptr;	/* those names came from a PTR answer */
	enum spf_abort why;
	char why_name[256];	/* the domain whose record or answer it was */
	char why_detail[128];	/* the syntax error */
	char marker[48];	/* per-evaluation label: "this a/mx had CIDR /0" */
	bool expect_any;	/* the expected names belong to such an mx */
	char tempfail_name[256];
	char nospf_name[256];	/* include/redirect target without SPF record */
};

extern _Thread_local struct spf_eval *spd_cur;

void spd_layer_init(struct spf_engine *e);

#endif
