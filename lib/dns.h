/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dns.h - the one resolver interface that SPF, DKIM and DMARC use
 * SYNOPSIS
 *	struct dns_resolver *dns_zone_open(const char *path, struct buf *err);
 *	struct dns_resolver *dns_zone_new(void);
 *	int dns_zone_add_line(struct dns_resolver *r, const char *line, struct buf *err);
 *	struct dns_resolver *dns_unbound_open(const struct config *cfg, struct buf *err);
 *	void dns_resolver_free(struct dns_resolver *r);
 *
 *	void dns_session_init(struct dns_session *s, struct dns_resolver *r,
 *	    unsigned query_timeout_ms);
 *	void dns_session_set_deadline(struct dns_session *s, unsigned ms_from_now);
 *	int dns_query(struct dns_session *s, const char *name, int qtype,
 *	    struct dns_answer **out);
 *	void dns_answer_free(struct dns_answer *a);
 *	int dns_answer_wire(const struct dns_answer *a, const char *qname, int qtype,
 *	    unsigned char *buf, size_t buflen, size_t *outlen);
 *	const char *dns_status_name(enum dns_status st);
 *	extern _Thread_local struct dns_session *dns_cur;
 * DESCRIPTION
 *	A dns_resolver is shared by all threads (read-only after loading for the zone
 *	backend; internally locked for unbound). A dns_session is per message and per
 *	thread of use: it carries the deadline of the current milter step, the query
 *	timeout, and counters. dns_query() normalizes the name (lowercase, no final dot;
 *	names over 253 bytes, empty labels or labels over 63 bytes give DNS_PERMFAIL
 *	without a query), answers from the backend, and always sets *out (free it with
 *	dns_answer_free). Its return is (*out)->status. Past the session deadline every
 *	query is DNS_TEMPFAIL at once. qtype is the RFC 1035 number (ns_t_txt etc. from
 *	<arpa/nameser.h>). TXT rdata keeps each character-string (txt.strings/lens) and
 *	their concatenation (txt.data, NUL-terminated, may contain NULs: use txt.len).
 *
 *	Zone file lines (dns_zone_add_line; '#' or ';' start comments; names absolute or
 *	not, trailing dot optional, case-insensitive, "*.example" wildcard):
 *	  NAME TXT "string" "string" ...   strings with \" \\ and \DDD escapes
 *	  NAME A 192.0.2.1     NAME AAAA 2001:db8::1     NAME MX 10 mx.example
 *	  NAME PTR host.example     NAME CNAME target.example
 *	  NAME SERVFAIL | TIMEOUT | NXDOMAIN | REFUSED     fault for every type at NAME
 *	  NAME TYPE SERVFAIL | TIMEOUT                     fault for one type
 *	  NAME DNSSEC SECURE | INSECURE | BOGUS   validation state of NAME's answers
 *	                                          (BOGUS: DNS_TEMPFAIL; default UNKNOWN)
 *	Absent names are NXDOMAIN; a name with other types only is NODATA. TIMEOUT waits
 *	for the query timeout (bounded by the deadline) and answers DNS_TEMPFAIL, unless
 *	the environment variable MAILAUTH_ZONE_TIMEOUT_INSTANT is set (tests). CNAMEs are
 *	followed (at most 8) by the zone backend.
 *
 *	Details fixed by the implementation (lib/dns.c, dns_zone.c, dns_unbound.c): a
 *	query timeout of 0 means 5 s. Queries are counted in s->queries only when they
 *	reach the backend; every DNS_TEMPFAIL (also past the deadline) in s->tempfails.
 *	Zone: a CNAME chain over 8 hops or a CNAME loop is DNS_TEMPFAIL (what a
 *	recursive resolver's SERVFAIL gives); "*.X" answers names below X without
 *	entries of their own, unless a nearer ancestor has entries (empty non-terminals
 *	are not modelled: an absent parent is NXDOMAIN); a name-wide fault wins over
 *	records; an optional TTL and class IN may follow the name; TXT strings over 255
 *	bytes are stored as consecutive 255-byte character-strings. dns_answer_wire():
 *	OK/NODATA -> NOERROR, NXDOMAIN -> 3, TEMPFAIL -> SERVFAIL (2), PERMFAIL ->
 *	REFUSED (5); returns 0, or -1 when the reply does not fit buflen.
 */
#ifndef MAILAUTH_DNS_H
#define MAILAUTH_DNS_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "util.h"

struct config;

enum dns_status {
	DNS_OK = 0,
	DNS_NXDOMAIN,		/* name does not exist */
	DNS_NODATA,		/* name exists, no record of that type */
	DNS_TEMPFAIL,		/* SERVFAIL, timeout, network, deadline passed */
	DNS_PERMFAIL,		/* REFUSED, FORMERR, invalid name, oversized */
};

enum dns_sec { DNSSEC_UNKNOWN = 0, DNSSEC_INSECURE, DNSSEC_SECURE, DNSSEC_BOGUS };

struct dns_rr {
	uint32_t ttl;
	union {
		struct in_addr a;
		struct in6_addr aaaa;
		struct {
			uint16_t pref;
			char host[256];
		} mx;
		char host[256];		/* PTR, CNAME target */
		struct {
			char *data;	/* strings concatenated, NUL-terminated */
			size_t len;
			size_t nstrings;
			char **strings;	/* each character-string, NUL-terminated */
			size_t *lens;
		} txt;
	} u;
};

struct dns_answer {
	enum dns_status status;
	int qtype;
	enum dns_sec sec;
	size_t n;
	struct dns_rr *rr;
};

struct dns_resolver;

struct dns_session {
	struct dns_resolver *res;
	unsigned query_timeout_ms;
	struct timespec deadline;	/* CLOCK_MONOTONIC; zero = none */
	unsigned queries;		/* every query asked of the backend */
	unsigned tempfails;
	/* SPF budget (RFC 7208 section 4.6.4), kept by lib/spf */
	unsigned spf_terms;
	unsigned spf_void;
	unsigned spf_queries;
	bool spf_limit_hit;
	bool spf_void_hit;
	bool spf_hostile;
};

extern _Thread_local struct dns_session *dns_cur;

struct dns_resolver *dns_zone_open(const char *path, struct buf *err);
struct dns_resolver *dns_zone_new(void);
int dns_zone_add_line(struct dns_resolver *r, const char *line, struct buf *err);
struct dns_resolver *dns_unbound_open(const struct config *cfg, struct buf *err);
/* For tests only: the unbound backend answering from a static root zone that holds
 * just these records (ub_ctx_data_add syntax, NULL-terminated), no network. */
struct dns_resolver *dns_unbound_open_local(const char *const *rrs, struct buf *err);
/* For tests only: the unbound backend's answer cache (lib/dns_unbound.c): hits so
 * far, capacity (0: off), and a forward shift of its clock. No-ops for others. */
unsigned long dns_unbound_cache_hits(struct dns_resolver *r);
void dns_unbound_cache_limit(struct dns_resolver *r, size_t max);
void dns_unbound_cache_advance(struct dns_resolver *r, unsigned seconds);
struct dns_resolver *dns_open(const struct config *cfg, struct buf *err);	/* by DNSBackend */
void dns_resolver_free(struct dns_resolver *r);

void dns_session_init(struct dns_session *s, struct dns_resolver *r,
    unsigned query_timeout_ms);
void dns_session_set_deadline(struct dns_session *s, unsigned ms_from_now);
bool dns_session_expired(const struct dns_session *s);
int dns_query(struct dns_session *s, const char *name, int qtype,
    struct dns_answer **out);
void dns_answer_free(struct dns_answer *a);
int dns_answer_wire(const struct dns_answer *a, const char *qname, int qtype,
    unsigned char *buf, size_t buflen, size_t *outlen);
const char *dns_status_name(enum dns_status st);
int dns_name_normalize(const char *in, char *out, size_t outlen);	/* 0 ok, -1 invalid */

#endif
