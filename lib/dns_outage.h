/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dns_outage.h - is the resolver itself unreachable? (the unbound backend's detector)
 * SYNOPSIS
 *	struct dns_outage *dns_outage_new(dns_probe_fn probe, void *arg,
 *	    unsigned probe_ms);
 *	void dns_outage_free(struct dns_outage *o);
 *	bool dns_outage_fail_fast(struct dns_outage *o);
 *	void dns_outage_note(struct dns_outage *o, const char *name, bool answered);
 *	bool dns_outage_down(struct dns_outage *o);
 *	void dns_outage_advance(struct dns_outage *o, unsigned ms);
 * DESCRIPTION
 *	See lib/dns_outage.c. probe(arg, ms) asks the resolver one question no
 *	sender can influence and returns whether it answered within ms.
 *	dns_outage_advance() moves the detector's clock forward (tests).
 */
#ifndef MAILAUTH_DNS_OUTAGE_H
#define MAILAUTH_DNS_OUTAGE_H

#include <stdbool.h>

typedef bool (*dns_probe_fn)(void *arg, unsigned ms);

struct dns_outage;

/* timeouts in a row, on this many different names, before a probe */
#define DNS_OUTAGE_TRIP		2
/* at most one probe per this many ms (also while down) */
#define DNS_OUTAGE_PROBE_MS	5000
/* while down, one log line per this many ms */
#define DNS_OUTAGE_LOG_MS	60000

struct dns_outage *dns_outage_new(dns_probe_fn probe, void *arg, unsigned probe_ms);
void dns_outage_free(struct dns_outage *o);
bool dns_outage_fail_fast(struct dns_outage *o);
void dns_outage_note(struct dns_outage *o, const char *name, bool answered);
bool dns_outage_down(struct dns_outage *o);
void dns_outage_advance(struct dns_outage *o, unsigned ms);

#endif
