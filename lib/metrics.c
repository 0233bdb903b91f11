/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * metrics.c - process-wide counters and histograms, and their Prometheus text form
 *	(see metrics.h)
 * DESCRIPTION
 *	Every counter is an _Atomic uint64_t updated with memory_order_relaxed: each
 *	number only ever grows and no reader needs two of them to agree, so no
 *	ordering is bought. A histogram keeps per-bucket (not cumulative) counts; the
 *	renderer adds them up, so its buckets are cumulative and le="+Inf" equals
 *	_count even while the mail path observes. Label sets are fixed (enums), every
 *	series is printed from the first scrape on (zero until counted), and a family
 *	that nothing in the daemon counts yet is not printed at all.
 *	Override reasons (the DMARC disposition of a failing message not applied):
 *	monitor_only (MonitorOnly), not_honoured (HonorDMARCPolicy no),
 *	trusted_arc_sealer (TrustedARCSealers), policymap (a PolicyMap rule), tag_only
 *	(TagOnlyDomains/TagOnlyHosts), local_policy (anything else), policy_test_mode (t=y
 *	or the historic pct=0: the policy applied one level lower, RFC 9990's name).
 *	A tempfailed message is not an override: its retry is what gets decided.
 */
#include "autoconf.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "dkim.h"
#include "dmarc.h"
#include "history.h"
#include "metrics.h"
#include "arc.h"
#include "policy.h"
#include "results.h"
#include "spf.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define MS(x)		((uint64_t)((x) * 1000000.0))

enum override { OVR_MONITOR_ONLY, OVR_NOT_HONOURED, OVR_TAG_ONLY, OVR_LOCAL_POLICY,
	OVR_TEST_MODE, OVR_ARC, OVR_POLICYMAP, OVR_N };
static const char *const override_names[OVR_N] = { "monitor_only", "not_honoured",
	"tag_only", "local_policy", "policy_test_mode", "trusted_arc_sealer", "policymap" };
static const char *const action_names[] = { "accept", "quarantine", "reject",
	"tempfail" };

#define N_ACTION	4
#define N_SPF		(SPFR_PERMERROR + 1)
#define N_DKIM		(DKIMR_PERMERROR + 1)
#define N_DMARC		(DMR_PERMERROR + 1)
#define N_ARC		(ARC_FAIL + 1)

static _Atomic uint64_t m_messages[N_ACTION];
static _Atomic uint64_t m_spf[N_SPF];
static _Atomic uint64_t m_dkim[N_DKIM];
static _Atomic uint64_t m_dmarc[N_DMARC];
static _Atomic uint64_t m_override[OVR_N];
static _Atomic uint64_t m_arc[N_ARC];
static _Atomic uint64_t m_dns_queries, m_dns_timeouts;
static _Atomic uint64_t m_generation, m_reload_failed;

/* the same bounds for both: 1 ms .. 25 s (EvaluationTimeout is at most 25 s) */
#define LATENCY_BOUNDS { MS(1), MS(2.5), MS(5), MS(10), MS(25), MS(50), MS(100), \
	MS(250), MS(500), MS(1000), MS(2500), MS(5000), MS(10000), MS(25000) }
static struct metrics_hist m_dns_latency = { 14, LATENCY_BOUNDS, { 0 }, 0 };
static struct metrics_hist m_eval_latency = { 14, LATENCY_BOUNDS, { 0 }, 0 };

/* inc - one more */
static inline void
inc(_Atomic uint64_t *c)
{
	atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

/* get - a counter's value */
static inline uint64_t
get(const _Atomic uint64_t *c)
{
	return atomic_load_explicit((_Atomic uint64_t *)c, memory_order_relaxed);
}

/* metrics_now - CLOCK_MONOTONIC in nanoseconds */
uint64_t
metrics_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* since - nanoseconds from started to now (0 if the clock seems to go back) */
static uint64_t
since(uint64_t started)
{
	uint64_t now = metrics_now();

	return now > started ? now - started : 0;
}

/* metrics_hist_observe - count one observation of ns nanoseconds */
void
metrics_hist_observe(struct metrics_hist *h, uint64_t ns)
{
	size_t i = 0;

	while (i < h->nbounds && ns > h->bounds_ns[i])
		i++;
	inc(&h->counts[i]);
	atomic_fetch_add_explicit(&h->sum_ns, ns, memory_order_relaxed);
}

/* override_reason - why a failing message's DMARC disposition was not applied,
 * or -1 */
static int
override_reason(const struct config *cfg, const struct policy_decision *pd,
    const struct dmarc_outcome *dm)
{
	enum dmarc_policy done;

	if (dm == NULL || pd == NULL || pd->action == ACTION_TEMPFAIL ||
	    dm->result != DMR_FAIL)
		return -1;
	done = pd->action == ACTION_REJECT ? DMP_REJECT :
	    pd->action == ACTION_QUARANTINE || pd->add_quarantine_header ?
	    DMP_QUARANTINE : DMP_NONE;
	if ((dm->disposition == DMP_QUARANTINE || dm->disposition == DMP_REJECT) &&
	    done != dm->disposition) {
		if (cfg != NULL && cfg->monitor_only)
			return OVR_MONITOR_ONLY;
		if (cfg != NULL && !cfg->dmarc_honor_policy)
			return OVR_NOT_HONOURED;
		if (pd->arc_override)
			return OVR_ARC;
		if (pd->pm_applied != NULL)
			return OVR_POLICYMAP;
		if (strncmp(pd->reason, "tag only", 8) == 0)
			return OVR_TAG_ONLY;
		return OVR_LOCAL_POLICY;
	}
	/* t=y (or the historic pct=0): the policy applied one level lower */
	return dm->sampled_out || (dm->testing && dm->disposition != dm->applied) ?
	    OVR_TEST_MODE : -1;
}

/* metrics_message - count one message's verdict and results */
void
metrics_message(const struct config *cfg, int action,
    const struct policy_decision *pd, const struct auth_results *ar,
    uint64_t started)
{
	const struct spf_outcome *spf = ar->spf_mailfrom;
	const struct dmarc_outcome *dm = ar->dmarc;
	int ovr;

	if ((unsigned)action < N_ACTION)
		inc(&m_messages[action]);
	if (spf != NULL && (unsigned)spf->result < N_SPF)
		inc(&m_spf[spf->result]);
	if (ar->dkim_evaluated && ar->ndkim == 0)
		inc(&m_dkim[DKIMR_NONE]);
	for (size_t i = 0; i < ar->ndkim; i++)
		if (ar->dkim[i] != NULL && (unsigned)ar->dkim[i]->result < N_DKIM)
			inc(&m_dkim[ar->dkim[i]->result]);
	if (dm != NULL && (unsigned)dm->result < N_DMARC)
		inc(&m_dmarc[dm->result]);
	if ((ovr = override_reason(cfg, pd, dm)) >= 0)
		inc(&m_override[ovr]);
	if (started != 0)
		metrics_hist_observe(&m_eval_latency, since(started));
}

/* metrics_arc - count one message's ARC chain validation status */
void
metrics_arc(int cv)
{
	if ((unsigned)cv < N_ARC)
		inc(&m_arc[cv]);
}

/* metrics_dns_query - count one query that reached a backend */
void
metrics_dns_query(uint64_t started, bool timed_out)
{
	inc(&m_dns_queries);
	if (timed_out)
		inc(&m_dns_timeouts);
	metrics_hist_observe(&m_dns_latency, since(started));
}

/* metrics_config_loaded - one more configuration in force */
void
metrics_config_loaded(void)
{
	inc(&m_generation);
}

/* metrics_reload_failed - a reload that kept the running configuration */
void
metrics_reload_failed(void)
{
	inc(&m_reload_failed);
}

/* metrics_label_escape - a label value in exposition syntax (no quotes added) */
void
metrics_label_escape(struct buf *out, const char *value)
{
	for (const char *p = value; *p != '\0'; p++) {
		if (*p == '\\')
			buf_adds(out, "\\\\");
		else if (*p == '"')
			buf_adds(out, "\\\"");
		else if (*p == '\n')
			buf_adds(out, "\\n");
		else
			buf_addc(out, *p);
	}
}

/* head - the HELP and TYPE lines of a family */
static void
head(struct buf *out, const char *name, const char *type, const char *help)
{
	buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* seconds - nanoseconds as a decimal number of seconds, exact, without trailing
 * zeros ("0.0025", "1", "0") */
static void
seconds(struct buf *out, uint64_t ns)
{
	char frac[16];
	size_t n;

	buf_printf(out, "%llu", (unsigned long long)(ns / 1000000000u));
	snprintf(frac, sizeof frac, "%09llu", (unsigned long long)(ns % 1000000000u));
	for (n = strlen(frac); n > 0 && frac[n - 1] == '0'; n--)
		frac[n - 1] = '\0';
	if (n > 0)
		buf_printf(out, ".%s", frac);
}

/* metrics_hist_render - a histogram family: cumulative buckets, +Inf, sum, count */
void
metrics_hist_render(struct buf *out, const char *name, const char *help,
    const struct metrics_hist *h)
{
	uint64_t cum = 0;

	head(out, name, "histogram", help);
	for (size_t i = 0; i <= h->nbounds; i++) {
		cum += get(&h->counts[i]);
		buf_printf(out, "%s_bucket{le=\"", name);
		if (i < h->nbounds)
			seconds(out, h->bounds_ns[i]);
		else
			buf_adds(out, "+Inf");
		buf_printf(out, "\"} %llu\n", (unsigned long long)cum);
	}
	buf_printf(out, "%s_sum ", name);
	seconds(out, get(&h->sum_ns));
	buf_printf(out, "\n%s_count %llu\n", name, (unsigned long long)cum);
}

/* labelled - a counter family with one label over a fixed set of values */
static void
labelled(struct buf *out, const char *name, const char *help, const char *label,
    const char *(*namef)(int), const _Atomic uint64_t *c, size_t n)
{
	head(out, name, "counter", help);
	for (size_t i = 0; i < n; i++) {
		buf_printf(out, "%s{%s=\"", name, label);
		metrics_label_escape(out, namef((int)i));
		buf_printf(out, "\"} %llu\n", (unsigned long long)get(&c[i]));
	}
}

/* plain - one sample without labels */
static void
plain(struct buf *out, const char *name, const char *type, const char *help,
    uint64_t v)
{
	head(out, name, type, help);
	buf_printf(out, "%s %llu\n", name, (unsigned long long)v);
}

static const char *name_action(int i) { return action_names[i]; }
static const char *name_spf(int i) { return spf_result_name((enum spf_result)i); }
static const char *name_dkim(int i) { return dkim_result_name((enum dkim_result)i); }
static const char *name_dmarc(int i) { return dmarc_result_name((enum dmarc_result)i); }
static const char *name_override(int i) { return override_names[i]; }
static const char *name_arc(int i) { return arc_cv_name((enum arc_cv)i); }

/* metrics_render - every family in the text exposition format 0.0.4 */
void
metrics_render(struct buf *out, const struct history_stats *hs)
{
	head(out, "mailauth_build_info", "gauge", "mailauth version (always 1)");
	buf_adds(out, "mailauth_build_info{version=\"");
	metrics_label_escape(out, PACKAGE_VERSION);
	buf_adds(out, "\"} 1\n");
	labelled(out, "mailauth_messages_total", "Messages by the action taken",
	    "action", name_action, m_messages, N_ACTION);
	labelled(out, "mailauth_spf_results_total", "SPF results of the MAIL FROM "
	    "identity, one per evaluated message", "result", name_spf, m_spf, N_SPF);
	labelled(out, "mailauth_dkim_results_total", "DKIM results, one per signature "
	    "(none: a message without any)", "result", name_dkim, m_dkim, N_DKIM);
	labelled(out, "mailauth_dmarc_results_total", "DMARC results, one per "
	    "evaluated message", "result", name_dmarc, m_dmarc, N_DMARC);
	labelled(out, "mailauth_dmarc_overrides_total", "Failing messages whose DMARC "
	    "disposition was not applied, by reason", "reason", name_override,
	    m_override, OVR_N);
	labelled(out, "mailauth_arc_results_total", "ARC chain validation status, one "
	    "per evaluated message", "result", name_arc, m_arc, N_ARC);
	plain(out, "mailauth_dns_queries_total", "counter", "DNS queries asked of the "
	    "resolver", get(&m_dns_queries));
	plain(out, "mailauth_dns_timeouts_total", "counter", "DNS queries that ran "
	    "into their deadline", get(&m_dns_timeouts));
	metrics_hist_render(out, "mailauth_dns_query_duration_seconds",
	    "Time one DNS query took", &m_dns_latency);
	metrics_hist_render(out, "mailauth_evaluation_duration_seconds",
	    "Time from end of message to verdict (DKIM, DMARC, policy)",
	    &m_eval_latency);
	if (hs != NULL) {
		plain(out, "mailauth_history_queue_depth", "gauge", "DMARC history rows "
		    "waiting for the writer", hs->submitted - hs->written - hs->dropped -
		    hs->lost);
		plain(out, "mailauth_history_dropped_total", "counter", "DMARC history "
		    "rows dropped because the queue was full", hs->dropped);
		plain(out, "mailauth_history_lost_total", "counter", "DMARC history rows "
		    "lost in a failed store transaction", hs->lost);
	}
	plain(out, "mailauth_config_reloads_total", "counter", "Configurations "
	    "reloaded and put in force", get(&m_generation) > 0 ?
	    get(&m_generation) - 1 : 0);
	plain(out, "mailauth_config_reload_failures_total", "counter", "Reloads "
	    "refused (the running configuration stayed)", get(&m_reload_failed));
	plain(out, "mailauth_config_generation", "gauge", "Configurations put in "
	    "force since start (1: the one loaded at start-up)", get(&m_generation));
}
