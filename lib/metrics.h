/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * metrics.h - process-wide counters and histograms, and their Prometheus text form
 * SYNOPSIS
 *	uint64_t metrics_now(void);
 *	void metrics_message(const struct config *cfg, int action,
 *	    const struct policy_decision *pd, const struct auth_results *ar,
 *	    uint64_t started);
 *	void metrics_arc(int cv);
 *	void metrics_dns_query(uint64_t started, bool timed_out);
 *	void metrics_config_loaded(void);
 *	void metrics_reload_failed(void);
 *	void metrics_render(struct buf *out, const struct history_stats *hs);
 *
 *	void metrics_hist_observe(struct metrics_hist *h, uint64_t ns);
 *	void metrics_hist_render(struct buf *out, const char *name, const char *help,
 *	    const struct metrics_hist *h);
 *	void metrics_label_escape(struct buf *out, const char *value);
 * DESCRIPTION
 *	The mail path counts with relaxed C11 atomics only (no lock, no allocation,
 *	no system call but clock_gettime): metrics_message() once per message at its
 *	verdict (action: an enum action; from the results record ar, lib/results.h:
 *	the SPF MAIL FROM result, one DKIM result per signature or "none" when
 *	evaluated without any, the DMARC result; the DMARC override reason from pd,
 *	NULL for a verdict without a policy decision; the evaluation latency from
 *	started unless it is 0),
 *	metrics_arc() once per message whose ARC chain was validated (an enum arc_cv),
 *	metrics_dns_query() once per query that reached a backend (latency from started;
 *	timed_out: a temporary failure at or past the query's deadline).
 *	metrics_config_loaded() counts a configuration put in force (start-up and each
 *	successful reload: the generation), metrics_reload_failed() a refused reload.
 *	metrics_now() is CLOCK_MONOTONIC in nanoseconds.
 *
 *	metrics_render() appends every family in the Prometheus text exposition format
 *	0.0.4 (HELP and TYPE lines, counters ending in _total, histograms as cumulative
 *	_bucket{le="..."} lines ending with le="+Inf", then _sum in seconds and _count);
 *	hs NULL leaves out the history families (HistoryStore none). It only reads the
 *	counters, so a scrape never waits for mail or mail for a scrape; the numbers of
 *	one scrape are each exact but not taken at one instant.
 *	metrics_hist_* and metrics_label_escape are the building blocks, exported for
 *	the unit tests: a label value escapes backslash, double quote and newline.
 *	The counters are the process's own: the only mutable globals of lib/, on purpose
 *	(a scrape reports the daemon, not one configuration snapshot).
 */
#ifndef MAILAUTH_METRICS_H
#define MAILAUTH_METRICS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

struct config;
struct policy_decision;
struct auth_results;
struct history_stats;

#define METRICS_MAX_BUCKETS	16

/* a histogram: bounds in nanoseconds, ascending; counts[nbounds] is the overflow */
struct metrics_hist {
	size_t nbounds;
	uint64_t bounds_ns[METRICS_MAX_BUCKETS];
	_Atomic uint64_t counts[METRICS_MAX_BUCKETS + 1];
	_Atomic uint64_t sum_ns;
};

uint64_t metrics_now(void);
void metrics_message(const struct config *cfg, int action,
    const struct policy_decision *pd, const struct auth_results *ar,
    uint64_t started);
void metrics_arc(int cv);
void metrics_dns_query(uint64_t started, bool timed_out);
void metrics_config_loaded(void);
void metrics_reload_failed(void);
void metrics_render(struct buf *out, const struct history_stats *hs);

void metrics_hist_observe(struct metrics_hist *h, uint64_t ns);
void metrics_hist_render(struct buf *out, const char *name, const char *help,
    const struct metrics_hist *h);
void metrics_label_escape(struct buf *out, const char *value);

#endif
