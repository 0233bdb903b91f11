/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	dns_outage - is the resolver itself unreachable? fail fast while it is
 * SYNOPSIS
 *	#include "dns_outage.h"
 * DESCRIPTION
 *	Without a reachable resolver every external message used to cost one
 *	DNSTimeout per lookup (SPF HELO, SPF MAIL FROM, DMARC: 3 x 5 s) before its
 *	451. This detector, one per unbound resolver and shared by every message,
 *	lets the lookups fail at once (DNS_TEMPFAIL, so the same 451 or
 *	TempErrorAction) while the resolver is down, and logs the outage once per
 *	DNS_OUTAGE_LOG_MS instead of only per message.
 *
 *	Security: timeouts alone never decide. A sender controls how his own names
 *	time out (his servers, his choice), and a per-message "first timeout stops
 *	the rest" would let a spoofer whose SPF include or DKIM key lookup times out
 *	skip the lookups of the spoofed domain's DMARC record and turn its reject
 *	into a deferral (or, with TempErrorAction accept, into delivery). So:
 *	DNS_OUTAGE_TRIP timeouts in a row (no answered query in between, from any
 *	message), on as many different names, only trigger a probe: one question
 *	for a fresh random name at the root ("mailauth-probe-<random hex>", never
 *	cached, answered NXDOMAIN by any working resolver or forwarder), a name no
 *	sender chooses or can slow down. Only when the probe gets no answer within
 *	DNSTimeout is the resolver down. A probe that answers clears the run: the
 *	timeouts were those names' servers, and their messages go on as before.
 *	While down, at most one query per DNS_OUTAGE_PROBE_MS is a probe again (it
 *	costs its message up to DNSTimeout); the first one answered ends the
 *	outage. Answers in the backend's cache are still served while down.
 *	Probes are rate-limited to one per DNS_OUTAGE_PROBE_MS in both states. A
 *	probe runs in the thread of the query that called for it, so that query's
 *	milter step waits for it too (at most DNSTimeout, once per interval). The
 *	common cases (an answer with no run of timeouts, a query while not down)
 *	take no lock: run and down are also read atomically.
 *
 *	Logs (LOG_MAIL): "dns: the resolver does not answer ..." (err) when it goes
 *	down, "dns: the resolver still does not answer ..." (err) once per
 *	DNS_OUTAGE_LOG_MS while down, with the number of queries failed at once,
 *	"dns: the resolver answers again ..." (notice) at the end, and "dns: ...
 *	timed out, but the resolver answers a probe" (info, once per
 *	DNS_OUTAGE_LOG_MS) for slow authoritative servers.
 */
#include "autoconf.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "dns_outage.h"
#include "log.h"
#include "util.h"

struct dns_outage {
	pthread_mutex_t mu;
	dns_probe_fn probe;
	void *arg;
	unsigned probe_ms;
	unsigned run;			/* timeouts in a row */
	uint64_t names[DNS_OUTAGE_TRIP];	/* different names among them */
	unsigned nnames;
	bool down;
	bool probing;
	int64_t since;			/* ms: when it went down */
	int64_t next_probe;		/* ms: no probe before */
	int64_t next_log;		/* ms: next "still down" line */
	int64_t next_slow_log;		/* ms: next "slow servers" line */
	unsigned long fast;		/* failed at once since the last line */
	unsigned long fast_total;	/* failed at once in this outage */
	int64_t skew;			/* ms added to the clock (tests) */
};

/* now_ms - the detector's clock: CLOCK_MONOTONIC in ms plus the test skew */
static int64_t
now_ms(const struct dns_outage *o)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + o->skew;
}

/* name_hash - FNV-1a of a query name */
static uint64_t
name_hash(const char *name)
{
	uint64_t h = 14695981039346656037ULL;

	for (const unsigned char *p = (const unsigned char *)name; *p != '\0'; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return h;
}

/* dns_outage_new - a detector asking probe(arg, probe_ms) when in doubt */
struct dns_outage *
dns_outage_new(dns_probe_fn probe, void *arg, unsigned probe_ms)
{
	struct dns_outage *o = xcalloc(1, sizeof *o);

	pthread_mutex_init(&o->mu, NULL);
	o->probe = probe;
	o->arg = arg;
	o->probe_ms = probe_ms > 0 ? probe_ms : 5000;
	return o;
}

/* dns_outage_free - NULL is a no-op */
void
dns_outage_free(struct dns_outage *o)
{
	if (o == NULL)
		return;
	pthread_mutex_destroy(&o->mu);
	free(o);
}

/* run_probe - one probe without the mutex (held on entry and on return) */
static bool
run_probe(struct dns_outage *o, int64_t now)
{
	bool ok;

	o->probing = true;
	o->next_probe = now + DNS_OUTAGE_PROBE_MS;
	pthread_mutex_unlock(&o->mu);
	ok = o->probe(o->arg, o->probe_ms);
	pthread_mutex_lock(&o->mu);
	o->probing = false;
	return ok;
}

/* dns_outage_note - a query was answered, or got no answer in time */
void
dns_outage_note(struct dns_outage *o, const char *name, bool answered)
{
	uint64_t h;
	int64_t now;
	unsigned i;

	if (o == NULL)
		return;
	/* the common case, an answer with no run of timeouts: no lock */
	if (answered && __atomic_load_n(&o->run, __ATOMIC_RELAXED) == 0)
		return;
	pthread_mutex_lock(&o->mu);
	if (answered || o->down) {
		if (answered) {
			__atomic_store_n(&o->run, 0, __ATOMIC_RELAXED);
			o->nnames = 0;
		}
		pthread_mutex_unlock(&o->mu);
		return;
	}
	__atomic_store_n(&o->run, o->run + 1, __ATOMIC_RELAXED);
	h = name_hash(name != NULL ? name : "");
	for (i = 0; i < o->nnames && o->names[i] != h; i++)
		;
	if (i == o->nnames && o->nnames < DNS_OUTAGE_TRIP)
		o->names[o->nnames++] = h;
	now = now_ms(o);
	if (o->run < DNS_OUTAGE_TRIP || o->nnames < DNS_OUTAGE_TRIP || o->probing ||
	    now < o->next_probe) {
		pthread_mutex_unlock(&o->mu);
		return;
	}
	if (run_probe(o, now)) {
		if (now >= o->next_slow_log) {
			log_msg(LOG_INFO, "dns: %u queries in a row timed out, but the "
			    "resolver answers a probe: slow servers of those names, not "
			    "an outage", o->run);
			o->next_slow_log = now + DNS_OUTAGE_LOG_MS;
		}
		__atomic_store_n(&o->run, 0, __ATOMIC_RELAXED);
		o->nnames = 0;
	} else if (!o->down) {
		__atomic_store_n(&o->down, true, __ATOMIC_RELAXED);
		o->since = now;
		o->next_log = now + DNS_OUTAGE_LOG_MS;
		o->fast = o->fast_total = 0;
		log_msg(LOG_ERR, "dns: the resolver does not answer (%u queries in a "
		    "row timed out, and a probe of a random name): DNS queries fail at "
		    "once (temperror) until it answers again, probing every %d s",
		    o->run, DNS_OUTAGE_PROBE_MS / 1000);
	}
	pthread_mutex_unlock(&o->mu);
}

/* dns_outage_fail_fast - whether the next query should fail without asking */
bool
dns_outage_fail_fast(struct dns_outage *o)
{
	int64_t now;

	if (o == NULL || !__atomic_load_n(&o->down, __ATOMIC_RELAXED))
		return false;		/* the common case: no lock */
	pthread_mutex_lock(&o->mu);
	if (!o->down) {
		pthread_mutex_unlock(&o->mu);
		return false;
	}
	now = now_ms(o);
	if (!o->probing && now >= o->next_probe && run_probe(o, now) && o->down) {
		__atomic_store_n(&o->down, false, __ATOMIC_RELAXED);
		__atomic_store_n(&o->run, 0, __ATOMIC_RELAXED);
		o->nnames = 0;
		log_msg(LOG_NOTICE, "dns: the resolver answers again after %lld s; "
		    "%lu queries failed at once during the outage",
		    (long long)((now_ms(o) - o->since) / 1000), o->fast_total);
		pthread_mutex_unlock(&o->mu);
		return false;
	}
	if (!o->down) {
		/* another thread's probe ended the outage meanwhile */
		pthread_mutex_unlock(&o->mu);
		return false;
	}
	o->fast++;
	o->fast_total++;
	now = now_ms(o);
	if (now >= o->next_log) {
		log_msg(LOG_ERR, "dns: the resolver still does not answer after %lld s: "
		    "%lu queries failed at once in the last %d s",
		    (long long)((now - o->since) / 1000), o->fast,
		    DNS_OUTAGE_LOG_MS / 1000);
		o->fast = 0;
		o->next_log = now + DNS_OUTAGE_LOG_MS;
	}
	pthread_mutex_unlock(&o->mu);
	return true;
}

/* dns_outage_down - whether the resolver counts as down now */
bool
dns_outage_down(struct dns_outage *o)
{
	bool d;

	if (o == NULL)
		return false;
	pthread_mutex_lock(&o->mu);
	d = o->down;
	pthread_mutex_unlock(&o->mu);
	return d;
}

/* dns_outage_advance - tests only: move the detector's clock forward */
void
dns_outage_advance(struct dns_outage *o, unsigned ms)
{
	pthread_mutex_lock(&o->mu);
	o->skew += ms;
	pthread_mutex_unlock(&o->mu);
}
