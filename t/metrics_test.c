/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * metrics_test.c - lib/metrics: the Prometheus text exposition (0.0.4) and counting
 * DESCRIPTION
 *	Label value escaping (backslash, double quote, newline); a histogram renders
 *	cumulative buckets (a value on a bound falls in that bound's le bucket), a last
 *	le="+Inf" bucket equal to _count, and an exact _sum in seconds; every family of
 *	metrics_render has HELP and TYPE lines before its samples, counters end in
 *	_total; metrics_message counts action, SPF, DKIM (per signature, "none"
 *	without any), DMARC and the override reason; metrics_dns_query counts queries
 *	and timeouts, and dns_query calls it (a timeout only at the deadline); the
 *	history families appear only with history statistics.
 *	Counters are process-wide, so each check compares a scrape before and after.
 */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include <arpa/nameser.h>

#include "arc.h"
#include "config.h"
#include "dkim.h"
#include "dns.h"
#include "dmarc.h"
#include "history.h"
#include "metrics.h"
#include "policy.h"
#include "results.h"
#include "spf.h"
#include "tap.h"

/* value - the sample of series (name with labels) in text, or -1 if absent */
static long long
value(const char *text, const char *series)
{
	size_t n = strlen(series);

	for (const char *p = text; p != NULL && *p != '\0'; ) {
		if (strncmp(p, series, n) == 0 && p[n] == ' ')
			return strtoll(p + n + 1, NULL, 10);
		p = strchr(p, '\n');
		p = p != NULL ? p + 1 : NULL;
	}
	return -1;
}

/* scrape - metrics_render into a new string */
static char *
scrape(const struct history_stats *hs)
{
	struct buf b;

	buf_init(&b);
	metrics_render(&b, hs);
	return buf_steal(&b);
}

/* test_escape - backslash, quote and newline escaped, nothing else */
static void
test_escape(void)
{
	static const struct { const char *in, *want; } cases[] = {
		{ "plain-1.0", "plain-1.0" },
		{ "a\\b", "a\\\\b" },
		{ "say \"hi\"", "say \\\"hi\\\"" },
		{ "two\nlines", "two\\nlines" },
		{ "\\\"\n", "\\\\\\\"\\n" },
		{ "", "" },
	};
	struct buf b;

	buf_init(&b);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		buf_reset(&b);
		metrics_label_escape(&b, cases[i].in);
		is_string(cases[i].want, buf_str(&b), "label escape case %zu", i);
	}
	buf_free(&b);
}

/* test_histogram - cumulative buckets, +Inf, sum, count, inclusive bounds */
static void
test_histogram(void)
{
	static struct metrics_hist h = { 3, { 1000000, 2500000, 1000000000 }, { 0 }, 0 };
	struct buf b;
	const char *want =
	    "# HELP t_seconds a test histogram\n"
	    "# TYPE t_seconds histogram\n"
	    "t_seconds_bucket{le=\"0.001\"} 2\n"
	    "t_seconds_bucket{le=\"0.0025\"} 3\n"
	    "t_seconds_bucket{le=\"1\"} 3\n"
	    "t_seconds_bucket{le=\"+Inf\"} 5\n"
	    "t_seconds_sum 3.0035\n"
	    "t_seconds_count 5\n";

	buf_init(&b);
	metrics_hist_render(&b, "t_seconds", "a test histogram", &h);
	is_string("# HELP t_seconds a test histogram\n# TYPE t_seconds histogram\n"
	    "t_seconds_bucket{le=\"0.001\"} 0\nt_seconds_bucket{le=\"0.0025\"} 0\n"
	    "t_seconds_bucket{le=\"1\"} 0\nt_seconds_bucket{le=\"+Inf\"} 0\n"
	    "t_seconds_sum 0\nt_seconds_count 0\n", buf_str(&b),
	    "an empty histogram: every bucket 0, sum 0, count 0");
	metrics_hist_observe(&h, 500000);	/* 0.5 ms */
	metrics_hist_observe(&h, 1000000);	/* exactly 1 ms: le="0.001" */
	metrics_hist_observe(&h, 2000000);	/* 2 ms */
	metrics_hist_observe(&h, 1000000000);	/* exactly 1 s: le="1" */
	buf_reset(&b);
	metrics_hist_render(&b, "t_seconds", "a test histogram", &h);
	is_int(2, value(buf_str(&b), "t_seconds_bucket{le=\"0.001\"}"),
	    "a value on a bound counts in that bound's bucket");
	is_int(4, value(buf_str(&b), "t_seconds_bucket{le=\"1\"}"),
	    "a value on the last bound counts in le=\"1\"");
	is_int(4, value(buf_str(&b), "t_seconds_bucket{le=\"+Inf\"}"),
	    "... and in +Inf");
	/* a new histogram for the exact text: 0.5 ms, 1 ms, 2 ms, 1.5 s, 1.5 s */
	{
		static struct metrics_hist h2 = { 3, { 1000000, 2500000, 1000000000 },
		    { 0 }, 0 };

		metrics_hist_observe(&h2, 500000);
		metrics_hist_observe(&h2, 1000000);
		metrics_hist_observe(&h2, 2000000);
		metrics_hist_observe(&h2, 1500000000);
		metrics_hist_observe(&h2, 1500000000);
		buf_reset(&b);
		metrics_hist_render(&b, "t_seconds", "a test histogram", &h2);
		is_string(want, buf_str(&b), "cumulative buckets, +Inf = count, "
		    "exact sum");
	}
	buf_free(&b);
}

/* test_families - HELP and TYPE before the samples of each family; _total names */
static void
test_families(void)
{
	char *text = scrape(NULL);
	char *copy = xstrdup(text), *save = NULL, *line;
	char family[128] = "", type[16] = "";
	int bad = 0, nfam = 0;

	for (line = strtok_r(copy, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "# HELP ", 7) == 0) {
			sscanf(line + 7, "%127s", family);
			type[0] = '\0';
			nfam++;
		} else if (strncmp(line, "# TYPE ", 7) == 0) {
			char name[128];

			if (sscanf(line + 7, "%127s %15s", name, type) != 2 ||
			    strcmp(name, family) != 0)
				bad++, diag("TYPE without its HELP: %s", line);
			if (strcmp(type, "counter") == 0 &&
			    !str_has_suffix_nocase(family, "_total"))
				bad++, diag("counter not ending in _total: %s", family);
		} else if (strncmp(line, family, strlen(family)) != 0 ||
		    type[0] == '\0') {
			bad++, diag("sample outside its family %s: %s", family, line);
		}
	}
	is_int(0, bad, "every sample follows its family's HELP and TYPE lines");
	is_int(14, nfam, "14 families without the history ones");
	is_int(1, value(text, "mailauth_build_info{version=\"" PACKAGE_VERSION "\"}"),
	    "mailauth_build_info{version} 1");
	is_int(-1, value(text, "mailauth_history_dropped_total"),
	    "no history families without a history writer");
	free(copy);
	free(text);
}

/* test_counting - metrics_message and metrics_dns_query move the right samples */
static void
test_counting(void)
{
	struct config *cfg = cfg_defaults();
	struct policy_decision pd;
	struct spf_outcome spf;
	struct dkv_result r1, r2;
	const struct dkv_result *dk[2] = { &r1, &r2 };
	struct dmarc_outcome dm;
	struct auth_results ar;
	struct history_stats hs;
	char *a, *b;

	memset(&pd, 0, sizeof pd);
	memset(&ar, 0, sizeof ar);
	memset(&spf, 0, sizeof spf);
	memset(&r1, 0, sizeof r1);
	memset(&r2, 0, sizeof r2);
	memset(&dm, 0, sizeof dm);
	a = scrape(NULL);

	/* a DMARC reject failure only tagged (TagOnlyDomains) */
	pd.action = ACTION_ACCEPT;
	strcpy(pd.reason, "tag only (domain): dmarc=fail dis=reject");
	spf.result = SPFR_FAIL;
	r1.result = DKIMR_FAIL;
	r2.result = DKIMR_PASS;
	dm.result = DMR_FAIL;
	dm.disposition = DMP_REJECT;
	ar.spf_mailfrom = &spf;
	ar.dkim = dk;
	ar.ndkim = 2;
	ar.dkim_evaluated = true;
	ar.dmarc = &dm;
	metrics_message(cfg, pd.action, &pd, &ar, metrics_now());
	/* a reject that was applied: no override */
	pd.action = ACTION_REJECT;
	ar.dkim = NULL;
	ar.ndkim = 0;
	metrics_message(cfg, pd.action, &pd, &ar, metrics_now());
	/* a sampled-out failure (pct=) */
	pd.action = ACTION_ACCEPT;
	dm.disposition = DMP_NONE;
	dm.sampled_out = true;
	ar.spf_mailfrom = NULL;
	ar.dkim_evaluated = false;
	metrics_message(cfg, pd.action, &pd, &ar, 0);
	/* monitor only: a quarantine not applied */
	cfg->monitor_only = true;
	dm.disposition = DMP_QUARANTINE;
	dm.sampled_out = false;
	metrics_message(cfg, pd.action, &pd, &ar, 0);
	cfg->monitor_only = false;
	/* t=y: p=reject applied as quarantine */
	dm.disposition = DMP_QUARANTINE;
	dm.applied = DMP_REJECT;
	dm.testing = true;
	pd.action = ACTION_QUARANTINE;
	metrics_message(cfg, pd.action, &pd, &ar, 0);
	dm.testing = false;
	dm.applied = DMP_UNSET;
	/* a trusted ARC sealer let a reject go */
	pd.action = ACTION_ACCEPT;
	dm.disposition = DMP_REJECT;
	pd.arc_override = true;
	metrics_message(cfg, pd.action, &pd, &ar, 0);
	pd.arc_override = false;
	/* a PolicyMap rule let a reject go */
	{
		struct pm_rule r = { "x.example", PM_EXEMPT, 1 };

		pd.pm_applied = &r;
		metrics_message(cfg, pd.action, &pd, &ar, 0);
		pd.pm_applied = NULL;
	}
	metrics_arc(ARC_PASS);
	metrics_arc(ARC_PASS);
	metrics_arc(ARC_NONE);
	metrics_arc(ARC_FAIL);
	metrics_arc(99);
	/* a skipped message: only the action */
	memset(&ar, 0, sizeof ar);
	metrics_message(cfg, ACTION_ACCEPT, NULL, &ar, 0);
	metrics_dns_query(metrics_now(), false);
	metrics_dns_query(metrics_now(), true);
	b = scrape(NULL);

#define DELTA(s) (value(b, s) - value(a, s))
	is_int(6, DELTA("mailauth_messages_total{action=\"accept\"}"), "6 accepted");
	is_int(1, DELTA("mailauth_messages_total{action=\"quarantine\"}"), "1 quarantined");
	is_int(1, DELTA("mailauth_messages_total{action=\"reject\"}"), "1 rejected");
	is_int(0, DELTA("mailauth_messages_total{action=\"tempfail\"}"), "0 tempfailed");
	is_int(2, DELTA("mailauth_spf_results_total{result=\"fail\"}"), "2 spf=fail");
	is_int(0, DELTA("mailauth_spf_results_total{result=\"pass\"}"), "0 spf=pass");
	is_int(1, DELTA("mailauth_dkim_results_total{result=\"fail\"}"),
	    "one DKIM result per signature: 1 fail");
	is_int(1, DELTA("mailauth_dkim_results_total{result=\"pass\"}"), "... 1 pass");
	is_int(1, DELTA("mailauth_dkim_results_total{result=\"none\"}"),
	    "an evaluated message without signatures: dkim none");
	is_int(7, DELTA("mailauth_dmarc_results_total{result=\"fail\"}"), "7 dmarc=fail");
	is_int(1, DELTA("mailauth_dmarc_overrides_total{reason=\"tag_only\"}"),
	    "override tag_only");
	is_int(2, DELTA("mailauth_dmarc_overrides_total{reason=\"policy_test_mode\"}"),
	    "override policy_test_mode: pct= and t=y");
	is_int(1, DELTA("mailauth_dmarc_overrides_total{reason=\"trusted_arc_sealer\"}"),
	    "override trusted_arc_sealer");
	is_int(1, DELTA("mailauth_dmarc_overrides_total{reason=\"policymap\"}"),
	    "override policymap");
	is_int(2, DELTA("mailauth_arc_results_total{result=\"pass\"}"), "arc pass 2");
	is_int(1, DELTA("mailauth_arc_results_total{result=\"none\"}"), "arc none 1");
	is_int(1, DELTA("mailauth_arc_results_total{result=\"fail\"}"),
	    "arc fail 1 (an unknown status is not counted)");
	is_int(1, DELTA("mailauth_dmarc_overrides_total{reason=\"monitor_only\"}"),
	    "override monitor_only");
	is_int(0, DELTA("mailauth_dmarc_overrides_total{reason=\"local_policy\"}"),
	    "an applied reject is no override");
	is_int(2, DELTA("mailauth_evaluation_duration_seconds_count"),
	    "evaluation latency observed for the messages given a start time");
	is_int(2, DELTA("mailauth_dns_queries_total"), "2 DNS queries");
	is_int(1, DELTA("mailauth_dns_timeouts_total"), "1 DNS timeout");
	is_int(2, DELTA("mailauth_dns_query_duration_seconds_bucket{le=\"+Inf\"}"),
	    "DNS latency: 2 observations");
#undef DELTA
	free(a);
	free(b);

	metrics_config_loaded();
	metrics_config_loaded();
	metrics_reload_failed();
	memset(&hs, 0, sizeof hs);
	hs.submitted = 10;
	hs.written = 5;
	hs.dropped = 2;
	hs.lost = 1;
	b = scrape(&hs);
	is_int(2, value(b, "mailauth_config_generation"), "generation 2");
	is_int(1, value(b, "mailauth_config_reloads_total"), "1 reload");
	is_int(1, value(b, "mailauth_config_reload_failures_total"), "1 failed reload");
	is_int(2, value(b, "mailauth_history_queue_depth"),
	    "history queue depth: submitted - written - dropped - lost");
	is_int(2, value(b, "mailauth_history_dropped_total"), "history dropped");
	is_int(1, value(b, "mailauth_history_lost_total"), "history lost");
	free(b);
	cfg_unref(cfg);
}

/* test_dns_hook - dns_query counts what reached the backend, timeouts at the
 * deadline only (t/data/dns/test.zone: slow.example TIMEOUT) */
static void
test_dns_hook(void)
{
	struct config cfg;
	struct buf err;
	struct dns_resolver *r;
	struct dns_session s;
	struct dns_answer *a;
	char *before, *after;

	buf_init(&err);
	memset(&cfg, 0, sizeof cfg);
	cfg.dns_backend = DNS_BACKEND_ZONE;
	cfg.dns_zone_file = xstrdup(tap_path("TDATA", "dns/test.zone"));
	if ((r = dns_open(&cfg, &err)) == NULL)
		bail("dns_open: %s", buf_str(&err));
	before = scrape(NULL);
	dns_session_init(&s, r, 20);
	unsetenv("MAILAUTH_ZONE_TIMEOUT_INSTANT");
	(void)dns_query(&s, "mx.example.com", ns_t_a, &a);	/* an answer */
	dns_answer_free(a);
	(void)dns_query(&s, "slow.example", ns_t_txt, &a);	/* waits 20 ms */
	dns_answer_free(a);
	setenv("MAILAUTH_ZONE_TIMEOUT_INSTANT", "1", 1);
	(void)dns_query(&s, "slow.example", ns_t_txt, &a);	/* fails at once */
	dns_answer_free(a);
	dns_session_set_deadline(&s, 0);
	(void)dns_query(&s, "mx.example.com", ns_t_a, &a);	/* never asked */
	dns_answer_free(a);
	after = scrape(NULL);
	is_int(3, value(after, "mailauth_dns_queries_total") -
	    value(before, "mailauth_dns_queries_total"),
	    "dns_query: 3 queries reached the backend (not the one past the deadline)");
	is_int(1, value(after, "mailauth_dns_timeouts_total") -
	    value(before, "mailauth_dns_timeouts_total"),
	    "one timeout: the TEMPFAIL at the deadline, not the early one");
	is_int(3, value(after, "mailauth_dns_query_duration_seconds_count") -
	    value(before, "mailauth_dns_query_duration_seconds_count"),
	    "3 latency observations");
	ok(value(after, "mailauth_dns_query_duration_seconds_bucket{le=\"0.01\"}") -
	    value(before, "mailauth_dns_query_duration_seconds_bucket{le=\"0.01\"}") <= 2,
	    "the 20 ms wait is above the 10 ms bucket");
	free(before);
	free(after);
	dns_resolver_free(r);
	free(cfg.dns_zone_file);
	buf_free(&err);
}

int
main(void)
{
	plan(0);
	test_escape();
	test_histogram();
	test_families();
	test_counting();
	test_dns_hook();
	return done_testing();
}
