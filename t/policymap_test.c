/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * policymap_test.c - PolicyMap (lib/policymap) and ReportSuppress
 * DESCRIPTION
 *	1. Parsing: map texts and the exact "FILE:LINE: ..." errors they give, also
 *	   through cfg_load (mailauth -n), where an unreadable map is reported at the
 *	   line of the PolicyMap option.
 *	2. Matching: exact key, longest ".suffix", client= lines before the plain one,
 *	   domain lines before ip: lines, the longest ip: prefix.
 *	3. Effects on policy_decide() of every action, and pm_applied.
 *	4. The pipeline (lib/message) on t/data/message fixtures: action, the
 *	   policymap= key of the log line, the history row's override reason; two
 *	   engines from two snapshots with different maps (what a reload builds).
 *	5. str_domain_listed() and ReportSuppress in a reporter run (dry run on SQLite).
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "dns.h"
#include "history.h"
#include "log.h"
#include "message.h"
#include "policy.h"
#include "policymap.h"
#include "psl.h"
#include "reporter.h"
#include "store.h"
#include "tap.h"

static char tmpdir[] = "/tmp/policymap_test.XXXXXX";

/* write_file - a file in tmpdir with text; returns its path (static ring) */
static const char *
write_file(const char *name, const char *text)
{
	static char paths[4][512];
	static int slot;
	char *p = paths[slot++ % 4];
	FILE *fp;

	snprintf(p, sizeof paths[0], "%s/%s", tmpdir, name);
	if ((fp = fopen(p, "w")) == NULL || fputs(text, fp) < 0 || fclose(fp) != 0)
		bail("cannot write %s", p);
	return p;
}

/* --- 1. parsing --------------------------------------------------------------- */

static const struct {
	const char *text;
	const char *err;		/* NULL: valid; else the error after "FILE:" */
} parse_cases[] = {
	{ "", NULL },
	{ "# only a comment\n\n   \n", NULL },
	{ "example.com reject-always\n.example.com monitor\nip:192.0.2.0/24 exempt\n"
	  "partner.example exempt client=198.51.100.0/24,2001:db8::/32\n"
	  "partner.example tag-only\n", NULL },
	{ "Example.COM  Reject-Always\t# trailing words are options\n",
	  "1: unknown option \"#\" (known: client=NET,...)\n" },
	{ "example.com rejct\n", "1: unknown action \"rejct\" (one of exempt, monitor, "
	  "tag-only, quarantine-always, reject-always)\n" },
	{ "\nexample.com\n", "2: \"example.com\" has no action (one of exempt, monitor, "
	  "tag-only, quarantine-always, reject-always)\n" },
	{ "example.com exempt\nEXAMPLE.com monitor\n",
	  "2: \"example.com\" is already set at line 1\n" },
	{ "a.example exempt client=192.0.2.1\na.example monitor client=192.0.2.1\n",
	  "2: \"a.example\" client=192.0.2.1 is already set at line 1\n" },
	{ "a.example exempt client=192.0.2.1\na.example monitor client=192.0.2.2\n"
	  "a.example tag-only\n", NULL },
	{ "ip:192.0.2.0/24 exempt\nip:192.0.2.0/24 monitor\n",
	  "2: \"ip:192.0.2.0/24\" is already set at line 1\n" },
	{ "ip:192.0.2.0/33 exempt\n", NULL },	/* error text from netlist, checked below */
	{ "ip:192.0.2.0/24,198.51.100.1 exempt\n", "1: an ip: key names one network\n" },
	{ "ip:192.0.2.1 exempt client=192.0.2.1\n",
	  "1: client= is for domain lines (an ip: line is a client rule already)\n" },
	{ "a.example exempt client=\n", "1: no network given\n" },
	{ "a.example exempt client=1.2.3.4 client=1.2.3.5\n", "1: client= given twice\n" },
	{ "exa mple.com exempt\n", "1: unknown action \"mple.com\" (one of exempt, "
	  "monitor, tag-only, quarantine-always, reject-always)\n" },
	{ "-bad..example exempt\n",
	  "1: \"-bad..example\" is not a domain, .domain or ip:NETWORK\n" },
	{ "b\xc3\xbc" "cher.example exempt\n", "1: \"b\xc3\xbc" "cher.example\": write an "
	  "internationalized domain in A-labels (xn--...)\n" },
	{ "a b c d e f g h i\n", "1: too many words\n" },
};

static void
test_parsing(void)
{
	for (size_t i = 0; i < NELEM(parse_cases); i++) {
		const char *path = write_file("map", parse_cases[i].text);
		struct buf err, want;
		struct policymap *pm;

		buf_init(&err);
		buf_init(&want);
		pm = policymap_load(path, &err);
		if (i == 10) {
			/* a bad prefix: netlist's own words, at line 1 */
			ok(pm == NULL && strncmp(buf_str(&err), path, strlen(path)) == 0 &&
			    strncmp(buf_str(&err) + strlen(path), ":1: ", 4) == 0,
			    "parse %zu: bad prefix refused at line 1: %s", i, buf_str(&err));
		} else if (parse_cases[i].err == NULL) {
			ok(pm != NULL && err.len == 0, "parse %zu: valid (%s)", i,
			    buf_str(&err));
		} else {
			buf_printf(&want, "%s:%s", path, parse_cases[i].err);
			ok(pm == NULL, "parse %zu: refused", i);
			is_string(buf_str(&want), buf_str(&err), "parse %zu: error text", i);
		}
		policymap_free(pm);
		buf_free(&err);
		buf_free(&want);
	}
	{
		struct buf err;

		buf_init(&err);
		ok(policymap_load("/nonexistent/map", &err) == NULL &&
		    strstr(buf_str(&err), "/nonexistent/map: cannot open: ") != NULL,
		    "missing map: cannot open (%s)", buf_str(&err));
		buf_free(&err);
	}
}

/* config_errors - cfg_load on a config text; the error text ("" when loaded) */
static char *
config_errors(const char *conf)
{
	struct buf err;
	struct config *c;

	buf_init(&err);
	c = cfg_load(write_file("mailauth.conf", conf), &err);
	if (c != NULL)
		cfg_unref(c);
	return buf_steal(&err);
}

static void
test_config(void)
{
	const char *map = write_file("cmap", "good.example exempt\nbad.example nope\n");
	char conf[1024], want[1024], *e;

	snprintf(conf, sizeof conf, "LogLevel info\nPolicyMap %s\n", map);
	e = config_errors(conf);
	snprintf(want, sizeof want, "%s:2: unknown action \"nope\"", map);
	ok(strncmp(e != NULL ? e : "", want, strlen(want)) == 0,
	    "cfg_load: the map's own FILE:LINE: %s", e != NULL ? e : "");
	free(e);

	snprintf(conf, sizeof conf, "\n\nPolicyMap %s/missing-map\n", tmpdir);
	e = config_errors(conf);
	snprintf(want, sizeof want, "%s/mailauth.conf:3: PolicyMap: cannot open %s/"
	    "missing-map: ", tmpdir, tmpdir);
	ok(strncmp(e != NULL ? e : "", want, strlen(want)) == 0,
	    "cfg_load: missing map at the option's line: %s", e != NULL ? e : "");
	free(e);

	map = write_file("cmap", "good.example exempt\n");
	snprintf(conf, sizeof conf, "PolicyMap %s\nReportSuppress a@x.example .y.example\n",
	    map);
	e = config_errors(conf);
	is_string("", e, "cfg_load: a good map and ReportSuppress load");
	free(e);
}

/* --- 2. matching ------------------------------------------------------------------ */

static const char match_map[] =
	"example.com         reject-always\n"		/* line 1 */
	".example.com        monitor\n"			/* 2 */
	".sub.example.com    tag-only\n"		/* 3 */
	"partner.example     exempt client=198.51.100.0/24\n"	/* 4 */
	"partner.example     tag-only\n"		/* 5 */
	"partner.example     monitor client=198.51.100.7\n"	/* 6: after 4, never */
	"ip:203.0.113.0/24   tag-only\n"		/* 7 */
	"ip:203.0.113.128/25 exempt\n"			/* 8 */
	"ip:2001:db8::/32    monitor\n"			/* 9 */
	"ip:::ffff:203.0.113.200/120 quarantine-always\n";	/* 10: IPv4 /24 */

static const struct {
	const char *from, *ip;
	unsigned line;			/* 0: no rule */
} match_cases[] = {
	{ "example.com", "192.0.2.1", 1 },
	{ "EXAMPLE.COM.", "192.0.2.1", 1 },
	{ "a.example.com", "192.0.2.1", 2 },
	{ "x.y.example.com", NULL, 2 },
	{ "sub.example.com", NULL, 2 },		/* .sub.example.com is below only */
	{ "a.sub.example.com", NULL, 3 },
	{ "notexample.com", "192.0.2.1", 0 },
	{ "example.org", NULL, 0 },
	{ "partner.example", "198.51.100.7", 4 },
	{ "partner.example", "198.51.100.9", 4 },
	{ "partner.example", "192.0.2.1", 5 },
	{ "partner.example", NULL, 5 },
	{ "partner.example", "203.0.113.1", 5 },	/* a domain line beats ip: */
	{ "other.example", "203.0.113.1", 7 },
	{ "other.example", "203.0.113.200", 8 },	/* /25 beats /24 and the mapped /24 */
	{ "other.example", "::ffff:203.0.113.200", 8 },
	{ NULL, "203.0.113.5", 7 },
	{ NULL, "2001:db8::25", 9 },
	{ NULL, "2001:db9::25", 0 },
	{ NULL, NULL, 0 },
};

static void
test_matching(void)
{
	struct buf err;
	struct policymap *pm;

	buf_init(&err);
	pm = policymap_load(write_file("mmap", match_map), &err);
	if (pm == NULL)
		bail("match map: %s", buf_str(&err));
	for (size_t i = 0; i < NELEM(match_cases); i++) {
		const struct pm_rule *r = policymap_match(pm, match_cases[i].from,
		    match_cases[i].ip);

		is_int(match_cases[i].line, r != NULL ? r->line : 0, "match %s from %s",
		    match_cases[i].from != NULL ? match_cases[i].from : "(no From)",
		    match_cases[i].ip != NULL ? match_cases[i].ip : "(no client)");
	}
	ok(policymap_match(NULL, "example.com", "192.0.2.1") == NULL, "no map: no rule");
	policymap_free(pm);
	buf_free(&err);
}

/* --- 3. effects on the verdict ---------------------------------------------------- */

static const struct {
	const char *name;
	enum pm_action act;		/* 0: no rule */
	enum dmarc_result dmr;
	enum dmarc_policy dis;
	bool sampled, dkimtemp, honor_off, spf_fail_reject, internal;
	enum action want;
	bool header, applied;
} effect_cases[] = {
	{ "no rule, reject", 0, DMR_FAIL, DMP_REJECT, false, false, false, false, false,
	  ACTION_REJECT, false, false },
	{ "exempt: reject -> accept", PM_EXEMPT, DMR_FAIL, DMP_REJECT, false, false, false,
	  false, false, ACTION_ACCEPT, false, true },
	{ "exempt: quarantine -> accept", PM_EXEMPT, DMR_FAIL, DMP_QUARANTINE, false, false,
	  false, false, false, ACTION_ACCEPT, false, true },
	{ "exempt: temperror -> accept", PM_EXEMPT, DMR_TEMPERROR, DMP_UNSET, false, false,
	  false, false, false, ACTION_ACCEPT, false, true },
	{ "exempt: SPF fail action -> accept", PM_EXEMPT, DMR_NONE, DMP_UNSET, false, false,
	  false, true, false, ACTION_ACCEPT, false, true },
	{ "exempt: an internal error stays tempfail", PM_EXEMPT, DMR_FAIL, DMP_REJECT,
	  false, false, false, false, true, ACTION_TEMPFAIL, false, false },
	{ "exempt: pass stays accept, nothing applied", PM_EXEMPT, DMR_PASS, DMP_NONE,
	  false, false, false, false, false, ACTION_ACCEPT, false, false },
	{ "monitor: reject -> accept", PM_MONITOR, DMR_FAIL, DMP_REJECT, false, false,
	  false, false, false, ACTION_ACCEPT, false, true },
	{ "monitor: temperror stays tempfail", PM_MONITOR, DMR_TEMPERROR, DMP_UNSET, false,
	  false, false, false, false, ACTION_TEMPFAIL, false, false },
	{ "monitor: aligned DKIM temperror no longer defers", PM_MONITOR, DMR_TEMPERROR,
	  DMP_REJECT, false, true, false, false, false, ACTION_ACCEPT, false, true },
	{ "tag-only: reject -> accept", PM_TAG_ONLY, DMR_FAIL, DMP_REJECT, false, false,
	  false, false, false, ACTION_ACCEPT, false, true },
	{ "tag-only: temperror stays", PM_TAG_ONLY, DMR_TEMPERROR, DMP_UNSET, false, false,
	  false, false, false, ACTION_TEMPFAIL, false, false },
	{ "reject-always: p=none fail -> reject", PM_REJECT_ALWAYS, DMR_FAIL, DMP_NONE,
	  false, false, false, false, false, ACTION_REJECT, false, true },
	{ "reject-always: sampled out -> reject", PM_REJECT_ALWAYS, DMR_FAIL,
	  DMP_QUARANTINE, true, false, false, false, false, ACTION_REJECT, false, true },
	{ "reject-always: HonorDMARCPolicy no still rejects", PM_REJECT_ALWAYS, DMR_FAIL,
	  DMP_NONE, false, false, true, false, false, ACTION_REJECT, false, true },
	{ "reject-always: aligned temperror defers", PM_REJECT_ALWAYS, DMR_TEMPERROR,
	  DMP_NONE,
	  false, true, false, false, false, ACTION_TEMPFAIL, false, true },
	{ "reject-always: pass stays accept", PM_REJECT_ALWAYS, DMR_PASS, DMP_NONE, false,
	  false, false, false, false, ACTION_ACCEPT, false, false },
	{ "reject-always: no record, nothing", PM_REJECT_ALWAYS, DMR_NONE, DMP_UNSET, false,
	  false, false, false, false, ACTION_ACCEPT, false, false },
	{ "quarantine-always: p=none -> quarantine", PM_QUARANTINE_ALWAYS, DMR_FAIL,
	  DMP_NONE, false, false, false, false, false, ACTION_QUARANTINE, false, true },
	{ "quarantine-always: reject stays reject", PM_QUARANTINE_ALWAYS, DMR_FAIL,
	  DMP_REJECT, false, false, false, false, false, ACTION_REJECT, false, false },
};

static void
test_effects(void)
{
	struct config *cfg = cfg_defaults();

	for (size_t i = 0; i < NELEM(effect_cases); i++) {
		struct dmarc_outcome d;
		struct spf_outcome spf;
		struct auth_results in;
		struct policy_decision pd;
		struct pm_rule r = { "example.com", effect_cases[i].act, 7 };

		memset(&d, 0, sizeof d);
		memset(&spf, 0, sizeof spf);
		memset(&in, 0, sizeof in);
		d.result = effect_cases[i].dmr;
		d.disposition = effect_cases[i].dis;
		d.sampled_out = effect_cases[i].sampled;
		d.dkim_temperror = effect_cases[i].dkimtemp;
		d.from_domain = "example.com";
		d.policy_domain = "example.com";
		spf.result = effect_cases[i].spf_fail_reject ? SPFR_FAIL : SPFR_PASS;
		spf.domain = "example.com";
		cfg->dmarc_honor_policy = !effect_cases[i].honor_off;
		cfg->spf_fail_action = effect_cases[i].spf_fail_reject ? ACTION_REJECT :
		    ACTION_ACCEPT;
		in.internal_error = effect_cases[i].internal;
		in.dmarc = &d;
		in.spf_mailfrom = &spf;
		in.pm_rule = effect_cases[i].act != 0 ? &r : NULL;
		policy_decide(cfg, &in, &pd);
		is_string(cfg_action_name(effect_cases[i].want), cfg_action_name(pd.action),
		    "effect %s: action (%s)", effect_cases[i].name, pd.reason);
		is_int(effect_cases[i].header, pd.add_quarantine_header,
		    "effect %s: quarantine header", effect_cases[i].name);
		ok((pd.pm_applied != NULL) == effect_cases[i].applied,
		    "effect %s: pm_applied %s", effect_cases[i].name,
		    effect_cases[i].applied ? "set" : "not set");
		if (effect_cases[i].applied)
			ok(strncmp(pd.reason, "policymap example.com ", 22) == 0,
			    "effect %s: reason names the rule: %s", effect_cases[i].name,
			    pd.reason);
		ok(strchr(pd.text, '%') == NULL && strchr(pd.text, '\n') == NULL,
		    "effect %s: reply text clean", effect_cases[i].name);
	}
	{
		/* MonitorOnly still has the last word */
		struct dmarc_outcome d;
		struct auth_results in;
		struct policy_decision pd;
		struct pm_rule r = { "example.com", PM_REJECT_ALWAYS, 1 };

		memset(&d, 0, sizeof d);
		memset(&in, 0, sizeof in);
		d.result = DMR_FAIL;
		d.disposition = DMP_NONE;
		d.from_domain = "example.com";
		in.dmarc = &d;
		in.pm_rule = &r;
		cfg->dmarc_honor_policy = true;
		cfg->monitor_only = true;
		policy_decide(cfg, &in, &pd);
		ok(pd.action == ACTION_ACCEPT && pd.would_action == ACTION_REJECT,
		    "MonitorOnly after reject-always: accept, would reject (%s)", pd.reason);
		cfg->monitor_only = false;
	}
	cfg_unref(cfg);
}

/* --- 4. the pipeline -------------------------------------------------------------- */

struct capture {
	char last[4096];
};

static void
capture_line(int pri, const char *line, void *arg)
{
	struct capture *c = arg;

	if (pri == LOG_INFO && strstr(line, " action=") != NULL)
		snprintf(c->last, sizeof c->last, "%s", line);
}

/* zone_config - defaults answering DNS from the message fixtures' zone */
static struct config *
zone_config(void)
{
	struct config *c = cfg_defaults();

	c->dns_backend = DNS_BACKEND_ZONE;
	free(c->dns_zone_file);
	c->dns_zone_file = xstrdup(tap_path("TDATA", "message/test.zone"));
	free(c->authserv_id);
	c->authserv_id = xstrdup("mx.test.example");
	return c;
}

/* engine_with_map - an engine on the message fixtures with PolicyMap text */
static struct engine *
engine_with_map(const char *name, const char *map)
{
	struct config *c = zone_config();
	struct engine *e;
	struct buf err;

	buf_init(&err);
	free(c->policy_map);
	c->policy_map = xstrdup(write_file(name, map));
	c->history_store = STORE_SQLITE;	/* rows are built, never written here */
	if ((e = engine_new(c, &err)) == NULL)
		bail("engine_new: %s", buf_str(&err));
	cfg_unref(c);
	buf_free(&err);
	return e;
}

/* run_msg - one fixture through the engine; fills v (caller clears) */
static void
run_msg(struct engine *e, const char *file, const char *ip, const char *helo,
    const char *mailfrom, struct msg_verdict *v)
{
	char path[4096];
	struct msg *m;
	FILE *fp;

	snprintf(path, sizeof path, "%s%s", tap_path("TDATA", "message/"), file);
	if ((fp = fopen(path, "r")) == NULL)
		bail("cannot open %s", path);
	m = msg_new(e);
	msg_connect(m, ip, "client.example");
	msg_helo(m, helo);
	memset(v, 0, sizeof *v);
	msg_envfrom(m, mailfrom, NULL, v);
	msg_set_qid(m, "PM1");
	if (msg_feed_file(m, fp) != 0)
		bail("feed %s", file);
	fclose(fp);
	msg_eom(m, v);
	msg_free(m);
}

static const struct {
	const char *map, *file, *ip, *helo, *mailfrom;
	enum action want;
	const char *log;		/* substring of the summary line; NULL: none */
	const char *reason_type, *comment;	/* history row; NULL: no override */
} pipe_cases[] = {
	{ "", "reject-unsigned.eml", "198.51.100.7", "mail.reject.example",
	  "<x@reject.example>", ACTION_REJECT, NULL, NULL, NULL },
	{ "# x\nreject.example exempt\n", "reject-unsigned.eml", "198.51.100.7",
	  "mail.reject.example", "<x@reject.example>", ACTION_ACCEPT,
	  " policymap=reject.example:exempt ", "local_policy",
	  "policymap reject.example exempt (line 2)" },
	{ "ip:198.51.100.0/24 tag-only\n", "reject-unsigned.eml", "198.51.100.7",
	  "mail.reject.example", "<x@reject.example>", ACTION_ACCEPT,
	  " policymap=ip:198.51.100.0/24:tag-only ", "local_policy",
	  "policymap ip:198.51.100.0/24 tag-only (line 1)" },
	{ "quarantine.example reject-always\n", "quarantine.eml", "198.51.100.7",
	  "h.quarantine.example", "<x@quarantine.example>", ACTION_REJECT,
	  " policymap=quarantine.example:reject-always ", "local_policy",
	  "policymap quarantine.example reject-always (line 1)" },
	{ ".example exempt\n", "quarantine.eml", "198.51.100.7",
	  "h.quarantine.example", "<x@quarantine.example>", ACTION_ACCEPT,
	  " policymap=.example:exempt ", "local_policy",
	  "policymap .example exempt (line 1)" },
	{ "example.com reject-always\n", "pass.eml", "192.0.2.1", "mx.example.com",
	  "<bounce@example.com>", ACTION_ACCEPT,
	  " policymap=example.com:reject-always ", NULL, NULL },
};

static void
test_pipeline(void)
{
	struct capture cap;

	log_set_capture(capture_line, &cap);
	for (size_t i = 0; i < NELEM(pipe_cases); i++) {
		struct engine *e = engine_with_map("pmap", pipe_cases[i].map);
		struct msg_verdict v;
		const struct hist_row *h;

		cap.last[0] = '\0';
		run_msg(e, pipe_cases[i].file, pipe_cases[i].ip, pipe_cases[i].helo,
		    pipe_cases[i].mailfrom, &v);
		h = v.history;
		is_string(cfg_action_name(pipe_cases[i].want), cfg_action_name(v.action),
		    "pipeline %zu %s: action", i, pipe_cases[i].file);
		if (pipe_cases[i].log != NULL)
			ok(strstr(cap.last, pipe_cases[i].log) != NULL,
			    "pipeline %zu: log has \"%s\": %s", i, pipe_cases[i].log, cap.last);
		else
			ok(strstr(cap.last, "policymap=") == NULL && cap.last[0] != '\0',
			    "pipeline %zu: no policymap= in the log: %s", i, cap.last);
		ok(h != NULL, "pipeline %zu: a history row", i);
		if (h != NULL && pipe_cases[i].reason_type != NULL) {
			is_string(pipe_cases[i].reason_type, h->reason_type,
			    "pipeline %zu: override type", i);
			is_string(pipe_cases[i].comment, h->reason_comment,
			    "pipeline %zu: override comment", i);
		} else if (h != NULL)
			ok(h->reason_type == NULL, "pipeline %zu: no override reason (%s)", i,
			    h->reason_type != NULL ? h->reason_type : "");
		msg_verdict_clear(&v);
		engine_unref(e);
	}
	{
		/* a reload builds a new engine from the new snapshot: the message still
		   in flight keeps the old one, the next gets the new map */
		struct engine *old = engine_with_map("rmap1", "reject.example exempt\n");
		struct engine *new = engine_with_map("rmap2", "reject.example monitor\n"
		    "quarantine.example exempt\n");
		struct msg_verdict v;

		run_msg(old, "reject-unsigned.eml", "198.51.100.7", "mail.reject.example",
		    "<x@reject.example>", &v);
		ok(strstr(cap.last, "policymap=reject.example:exempt") != NULL,
		    "reload: old engine, old map: %s", cap.last);
		msg_verdict_clear(&v);
		run_msg(new, "reject-unsigned.eml", "198.51.100.7", "mail.reject.example",
		    "<x@reject.example>", &v);
		ok(v.action == ACTION_ACCEPT &&
		    strstr(cap.last, "policymap=reject.example:monitor") != NULL,
		    "reload: new engine, new map: %s", cap.last);
		msg_verdict_clear(&v);
		engine_unref(old);
		engine_unref(new);
	}
	{
		/* a bad map refuses the engine (the daemon keeps the old snapshot) */
		struct config *c = zone_config();
		struct engine *e;
		struct buf err;

		buf_init(&err);
		free(c->policy_map);
		c->policy_map = xstrdup(write_file("badmap", "x.example whatever\n"));
		e = engine_new(c, &err);

		ok(e == NULL && strstr(buf_str(&err), "badmap:1: unknown action") != NULL,
		    "bad map: engine refused: %s", buf_str(&err));
		engine_unref(e);
		cfg_unref(c);
		buf_free(&err);
	}
	log_set_capture(NULL, NULL);
}

/* --- 5. ReportSuppress ---------------------------------------------------------- */

static void
test_listed(void)
{
	char *list[] = { "rua@reports.example", ".agg.example", "whole.example.",
	    NULL };
	static const struct {
		const char *s;
		bool want;
	} cases[] = {
		{ "rua@reports.example", true }, { "RUA@Reports.Example", true },
		{ "other@reports.example", false }, { "x@agg.example", true },
		{ "x@deep.agg.example", true }, { "x@notagg.example", false },
		{ "x@whole.example", true }, { "whole.example", true },
		{ "x@sub.whole.example", true }, { "x@example", false }, { "", false },
	};

	for (size_t i = 0; i < NELEM(cases); i++)
		is_int(cases[i].want, str_domain_listed(list, cases[i].s),
		    "str_domain_listed %s", cases[i].s);
	ok(!str_domain_listed(NULL, "x@agg.example"), "empty list lists nothing");
}

/* count_eml - .eml files written by a dry run */
static int
count_eml(const char *dir)
{
	char cmd[700];
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof cmd, "ls %s | grep -c '\\.eml$'", dir);
	if ((p = popen(cmd, "r")) != NULL) {
		if (fscanf(p, "%d", &n) != 1)
			n = -1;
		pclose(p);
	}
	return n;
}

/* report_run - one dry run over a fresh store with one row; messages written */
static int
report_run(const char *suppress, const char *dir, struct reporter_stats *st)
{
	struct config *c = zone_config();
	struct buf err;
	struct store *store;
	struct dns_resolver *dns;
	struct psl *psl;
	struct hist_row row;
	const struct hist_row *rows[1] = { &row };
	struct reporter_opts o;
	char db[600];
	int n;

	buf_init(&err);
	snprintf(db, sizeof db, "%s/history-%s.sqlite", dir, suppress[0] ? "s" : "n");
	mkdir(dir, 0700);
	if (suppress[0] != '\0') {
		free(c->report_suppress[0]);
		free(c->report_suppress);
		c->report_suppress = xcalloc(2, sizeof *c->report_suppress);
		c->report_suppress[0] = xstrdup(suppress);
	}
	if ((store = store_open(STORE_SQLITE, db, &err)) == NULL ||
	    history_schema(store, &err) != 0 || (dns = dns_open(c, &err)) == NULL ||
	    (psl = psl_load(c->psl_file, &err)) == NULL)
		bail("report setup: %s", buf_str(&err));
	memset(&row, 0, sizeof row);
	row.received = 1790000000;
	row.policy_domain = "example.com";
	row.rua = "mailto:a@example.com,mailto:b@rep.example.com";
	strcpy(row.adkim, "r");
	strcpy(row.aspf, "r");
	strcpy(row.p, "reject");
	row.pct = 100;
	row.source_ip = "192.0.2.1";
	row.header_from = "example.com";
	row.envelope_from = "example.com";
	row.spf_domain = "example.com";
	strcpy(row.spf_scope, "mfrom");
	strcpy(row.spf_result, "pass");
	row.dkim = "";
	strcpy(row.disposition, "none");
	strcpy(row.dkim_eval, "fail");
	strcpy(row.spf_eval, "pass");
	if (history_insert(store, rows, 1, &err) != 0)
		bail("history_insert: %s", buf_str(&err));
	memset(&o, 0, sizeof o);
	o.cfg = c;
	o.store = store;
	o.dns = dns;
	o.psl = psl;
	o.receiver = "mx.test.example";
	o.now = row.received + 2 * 86400;
	o.dry_run_dir = dir;
	memset(st, 0, sizeof *st);
	n = reporter_run(&o, st) < 0 ? -1 : count_eml(dir);
	store_close(store);
	psl_free(psl);
	dns_resolver_free(dns);
	cfg_unref(c);
	buf_free(&err);
	return n;
}

static void
test_report_suppress(void)
{
	char plain[600], supp[600];
	struct reporter_stats st;

	snprintf(plain, sizeof plain, "%s/rep-plain", tmpdir);
	snprintf(supp, sizeof supp, "%s/rep-suppress", tmpdir);
	is_int(2, report_run("", plain, &st), "report: both rua= destinations written");
	is_int(2, st.sent, "report: two sent without ReportSuppress");
	is_int(1, report_run("b@rep.example.com", supp, &st),
	    "ReportSuppress: one destination written");
	is_int(1, st.sent, "ReportSuppress: one sent");
	is_int(1, st.skipped, "ReportSuppress: one skipped");
}

int
main(void)
{
	char cmd[600];
	int rc;

	log_open("policymap_test", LOG_MAIL, true);
	log_set_level(LOG_ERR);
	if (mkdtemp(tmpdir) == NULL)
		bail("mkdtemp failed");
	test_parsing();
	test_config();
	test_matching();
	test_effects();
	test_pipeline();
	test_listed();
	test_report_suppress();
	rc = done_testing();
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		diag("could not remove %s", tmpdir);
	return rc;
}
