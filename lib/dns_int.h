/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dns_int.h - what lib/dns.c shares with its backends (zone, unbound); not for callers
 * SYNOPSIS
 *	struct dns_resolver *dns_resolver_new(const struct dns_ops *ops, void *be);
 *	struct dns_answer *dns_answer_new(enum dns_status st, int qtype);
 *	struct dns_rr *dns_answer_add(struct dns_answer *a);
 *	void dns_rr_set_txt(struct dns_rr *rr, const char *const *strings,
 *	    const size_t *lens, size_t n);
 *	void dns_rr_copy(struct dns_rr *dst, const struct dns_rr *src, int qtype);
 *	int dns_wire_name(const char *name, unsigned char *buf, size_t buflen);
 *	int dns_wire_name_text(const unsigned char *p, size_t len, char *out, size_t outlen);
 * DESCRIPTION
 *	A backend fills a struct dns_ops. dns_query() has already normalized the name
 *	(lowercase, no final dot, valid lengths) and checked the session deadline; it
 *	passes the absolute CLOCK_MONOTONIC time by which the backend must answer (the
 *	query timeout bounded by the session deadline). query() returns a new answer
 *	built with dns_answer_new()/dns_answer_add() (freed by dns_answer_free(), the
 *	same for every backend), or NULL, which dns_query() turns into DNS_TEMPFAIL.
 *	destroy() frees the backend state be; dns_resolver_free() frees the rest.
 *	dns_wire_name() writes a dotted name as uncompressed wire labels (returns the
 *	length or -1); dns_wire_name_text() does the reverse for an uncompressed name,
 *	label bytes taken as they are (returns the wire bytes used, or -1 for a label
 *	holding '.' or NUL, a pointer, or a name that does not fit).
 */
#ifndef MAILAUTH_DNS_INT_H
#define MAILAUTH_DNS_INT_H

#include "dns.h"

struct dns_ops {
	const char *name;
	struct dns_answer *(*query)(void *be, const char *name, int qtype,
	    const struct timespec *deadline);
	void (*destroy)(void *be);
};

struct dns_resolver {
	const struct dns_ops *ops;
	void *be;
};

#define DNS_DEFAULT_TIMEOUT_MS	5000
#define DNS_DEFAULT_TTL		300

struct dns_resolver *dns_resolver_new(const struct dns_ops *ops, void *be);
struct dns_answer *dns_answer_new(enum dns_status st, int qtype);
struct dns_rr *dns_answer_add(struct dns_answer *a);
void dns_rr_set_txt(struct dns_rr *rr, const char *const *strings,
    const size_t *lens, size_t n);
void dns_rr_copy(struct dns_rr *dst, const struct dns_rr *src, int qtype);
void dns_rr_clear(struct dns_rr *rr, int qtype);
int dns_wire_name(const char *name, unsigned char *buf, size_t buflen);
int dns_wire_name_text(const unsigned char *p, size_t len, char *out, size_t outlen);

#endif
