/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * message.c - one message through the engine (see message.h)
 *
 * The pipeline of DESIGN.md "One message": SPF at MAIL FROM, DKIM fed while headers
 * and body stream in, DMARC and policy at end of message, then the header edits and
 * the one summary log line. The milter adapter and mailauth-verify both drive it, so
 * a verdict seen in the log can be reproduced offline. Each verdict (end of message,
 * or a reject at MAIL FROM) is counted once in lib/metrics. msg_eom fills the one
 * results record of lib/results.h once, when everything is evaluated, and hands
 * that same record to policy, the Authentication-Results field, the log line,
 * the metrics and the history row (history_row, lib/history.c; nothing here
 * references the report code, so the milter does not link lib/report.c or zlib).
 */
#include "autoconf.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "arc.h"
#include "arc_trust.h"
#include "authres.h"
#include "config.h"
#include "dkim.h"
#include "dmarc.h"
#include "dns.h"
#include "history.h"
#include "hostname.h"
#include "log.h"
#include "message.h"
#include "metrics.h"
#include "netlist.h"
#include "policy.h"
#include "policymap.h"
#include "psl.h"
#include "results.h"
#include "spf.h"
#include "upstream.h"
#include "util.h"

#define MAX_FROM_KEPT	16		/* From fields kept for DMARC; more are counted */
#define MAX_NAME_LEN	255		/* HELO and host names kept (longer: cut) */
#define MAX_ADDR_LEN	1024		/* MAIL FROM kept */
#define BODY_CHUNK	65536		/* msg_feed_file body chunk */

struct engine {
	atomic_int refcnt;
	struct config *cfg;
	struct dns_resolver *dns;
	struct spf_engine *spf;
	struct dkv_engine *dkim;
	struct psl *psl;
	struct dmarc_engine *dmarc;
	struct netlist *internal;
	struct netlist *tag_hosts;
	struct policymap *policymap;	/* PolicyMap, or NULL */
	struct netlist *trusted_relays;
	char authserv_id[256];
};

struct msg {
	struct engine *e;
	const struct config *cfg;

	/* connection: survives msg_reset */
	char *ip;			/* NULL: unknown */
	char *hostname;
	char *helo;
	bool internal;
	bool tag_only_host;
	bool trusted_relay;		/* TrustedRelays: no SPF of this address */

	/* message */
	char qid[64];
	char *mailfrom;			/* without <>; "" = null sender */
	bool have_mailfrom;
	bool authenticated;
	bool skip;			/* internal or authenticated client */
	bool spf_done;
	bool spf_helo_done;
	struct spf_outcome spf_mail;
	struct spf_outcome spf_helo;
	struct dns_session dns;
	struct dkv_msg *dkim;
	struct arc_msg *arc;
	char *from_values[MAX_FROM_KEPT];
	size_t nfrom;			/* From fields seen (may exceed MAX_FROM_KEPT) */
	char from_domain[256];		/* set at eoh when the From is usable */
	unsigned nauthres;		/* Authentication-Results fields seen */
	unsigned *forged;		/* 1-based indexes claiming our authserv-id */
	size_t nforged;
	size_t nheaders;
	struct upstream up;		/* TrustedAuthservIDs results (trusted_relay) */
	bool spf_upstream;		/* spf_mail came from up */
	bool internal_error;
	const char *error_what;
};

/* engine_free - release every part of an engine */
static void
engine_free(struct engine *e)
{
	if (e == NULL)
		return;
	dmarc_engine_free(e->dmarc);
	psl_free(e->psl);
	dkv_engine_free(e->dkim);
	spf_engine_free(e->spf);
	dns_resolver_free(e->dns);
	netlist_free(e->internal);
	netlist_free(e->tag_hosts);
	policymap_free(e->policymap);
	netlist_free(e->trusted_relays);
	cfg_unref(e->cfg);
	free(e);
}

/* engine_dns - the resolver; a zone file problem names the DNSZoneFile line */
static struct dns_resolver *
engine_dns(const struct config *cfg, struct buf *err)
{
	size_t mark = err->len;
	struct dns_resolver *r = dns_open(cfg, err);

	if (r == NULL && cfg->dns_backend == DNS_BACKEND_ZONE)
		cfg_blame(cfg, "DNSZoneFile", err, mark);
	return r;
}

/* engine_psl - the Public Suffix List; a problem names the PublicSuffixList line */
static struct psl *
engine_psl(const struct config *cfg, struct buf *err)
{
	size_t mark = err->len;
	struct psl *p = psl_load(cfg->psl_file, err);

	if (p == NULL)
		cfg_blame(cfg, "PublicSuffixList", err, mark);
	return p;
}

/* engine_new - build everything one configuration snapshot needs */
struct engine *
engine_new(struct config *cfg, struct buf *err)
{
	struct engine *e = xcalloc(1, sizeof *e);

	atomic_init(&e->refcnt, 1);
	e->cfg = cfg_ref(cfg);
	if (cfg->authserv_id != NULL && cfg->authserv_id[0] != '\0') {
		strlcpy(e->authserv_id, cfg->authserv_id, sizeof e->authserv_id);
	} else
		host_fqdn(e->authserv_id, sizeof e->authserv_id);
	/* config.c refuses our own AuthservID; this also covers the host name */
	for (char **w = cfg->trusted_ids; w != NULL && *w != NULL; w++)
		if (strcasecmp(*w, e->authserv_id) == 0) {
			buf_printf(err, "%s: TrustedAuthservIDs names our own authserv-id %s",
			    cfg->path, e->authserv_id);
			engine_free(e);
			return NULL;
		}
	if ((e->internal = netlist_parse(cfg->internal_hosts, err)) == NULL ||
	    (e->tag_hosts = netlist_parse(cfg->tag_only_hosts, err)) == NULL ||
	    (e->trusted_relays = netlist_parse(cfg->trusted_relays, err)) == NULL ||
	    (e->dns = engine_dns(cfg, err)) == NULL ||
	    (e->spf = spf_engine_new(e->authserv_id, err)) == NULL ||
	    (e->dkim = dkv_engine_new(cfg, err)) == NULL ||
	    (e->psl = engine_psl(cfg, err)) == NULL ||
	    (e->dmarc = dmarc_engine_new(cfg, e->psl, err)) == NULL ||
	    (cfg->policy_map[0] != '\0' &&
	    (e->policymap = policymap_load(cfg->policy_map, err)) == NULL)) {
		engine_free(e);
		return NULL;
	}
	return e;
}

struct engine *
engine_ref(struct engine *e)
{
	atomic_fetch_add(&e->refcnt, 1);
	return e;
}

void
engine_unref(struct engine *e)
{
	if (e != NULL && atomic_fetch_sub(&e->refcnt, 1) == 1)
		engine_free(e);
}

const struct config *
engine_config(const struct engine *e)
{
	return e->cfg;
}

const char *
engine_authserv_id(const struct engine *e)
{
	return e->authserv_id;
}

/* msg_new - state for one SMTP connection; pins the engine */
struct msg *
msg_new(struct engine *e)
{
	struct msg *m = xcalloc(1, sizeof *m);

	m->e = engine_ref(e);
	m->cfg = e->cfg;
	dns_session_init(&m->dns, e->dns, m->cfg->dns_timeout * 1000);
	return m;
}

/* msg_connect - the client's address (literal, or NULL when unknown) */
void
msg_connect(struct msg *m, const char *ip, const char *hostname)
{
	free(m->ip);
	free(m->hostname);
	m->ip = NULL;
	m->internal = false;
	m->tag_only_host = false;
	m->trusted_relay = false;
	if (ip != NULL && ip[0] != '\0') {
		unsigned char tmp[sizeof(struct in6_addr)];

		if (inet_pton(AF_INET, ip, tmp) == 1 || inet_pton(AF_INET6, ip, tmp) == 1) {
			m->ip = xstrdup(ip);
			m->internal = netlist_match(m->e->internal, ip);
			m->tag_only_host = netlist_match(m->e->tag_hosts, ip);
			m->trusted_relay = netlist_match(m->e->trusted_relays, ip);
		}
	}
	m->hostname = xstrndup(hostname != NULL ? hostname : "", MAX_NAME_LEN);
}

/* msg_helo - HELO/EHLO argument; the last one counts */
void
msg_helo(struct msg *m, const char *helo)
{
	free(m->helo);
	m->helo = xstrndup(helo != NULL ? helo : "", MAX_NAME_LEN);
	str_trim(m->helo);
}

/* msg_clear_message - forget everything of the current message */
static void
msg_clear_message(struct msg *m)
{
	free(m->mailfrom);
	m->mailfrom = NULL;
	m->have_mailfrom = false;
	m->authenticated = false;
	m->skip = false;
	if (m->spf_done)
		spf_outcome_clear(&m->spf_mail);
	if (m->spf_helo_done)
		spf_outcome_clear(&m->spf_helo);
	m->spf_done = m->spf_helo_done = false;
	m->spf_upstream = false;
	upstream_clear(&m->up);
	dkv_msg_free(m->dkim);
	m->dkim = NULL;
	arc_msg_free(m->arc);
	m->arc = NULL;
	for (size_t i = 0; i < m->nfrom && i < MAX_FROM_KEPT; i++)
		free(m->from_values[i]);
	m->nfrom = 0;
	m->from_domain[0] = '\0';
	free(m->forged);
	m->forged = NULL;
	m->nforged = 0;
	m->nauthres = 0;
	m->nheaders = 0;
	m->internal_error = false;
	m->error_what = NULL;
	dns_session_init(&m->dns, m->e->dns, m->cfg->dns_timeout * 1000);
}

void
msg_reset(struct msg *m)
{
	msg_clear_message(m);
	m->qid[0] = '\0';
}

const char *
msg_qid(const struct msg *m)
{
	return m->qid;
}

void
msg_free(struct msg *m)
{
	if (m == NULL)
		return;
	msg_clear_message(m);
	free(m->ip);
	free(m->hostname);
	free(m->helo);
	engine_unref(m->e);
	free(m);
}

/* msg_set_qid - the MTA's queue id, kept to [A-Za-z0-9] for log lines */
void
msg_set_qid(struct msg *m, const char *qid)
{
	size_t j = 0;

	if (qid == NULL)
		return;
	for (size_t i = 0; qid[i] != '\0' && j < sizeof m->qid - 1; i++)
		if ((qid[i] >= 'A' && qid[i] <= 'Z') || (qid[i] >= 'a' && qid[i] <= 'z') ||
		    (qid[i] >= '0' && qid[i] <= '9'))
			m->qid[j++] = qid[i];
	if (j > 0)
		m->qid[j] = '\0';
}

/* step_deadline - every milter step gets its own DNS budget */
static void
step_deadline(struct msg *m)
{
	dns_session_set_deadline(&m->dns, m->cfg->eval_timeout * 1000);
}

/* strip_brackets - "<a@b>" -> "a@b", "<>" -> "" (copy, bounded) */
static char *
strip_brackets(const char *s)
{
	size_t len;

	while (*s == ' ' || *s == '\t')
		s++;
	len = strnlen(s, MAX_ADDR_LEN);
	if (len >= 2 && s[0] == '<' && s[len - 1] == '>')
		return xstrndup(s + 1, len - 2);
	return xstrndup(s, len);
}

/* spf_outcome_copy - a deep copy of an SPF outcome */
static void
spf_outcome_copy(struct spf_outcome *dst, const struct spf_outcome *src)
{
	*dst = *src;
	dst->domain = src->domain != NULL ? xstrdup(src->domain) : NULL;
	dst->sender = src->sender != NULL ? xstrdup(src->sender) : NULL;
	dst->helo = src->helo != NULL ? xstrdup(src->helo) : NULL;
	dst->ip = src->ip != NULL ? xstrdup(src->ip) : NULL;
	dst->reason = src->reason != NULL ? xstrdup(src->reason) : NULL;
}

/* client_rule_spares - a PolicyMap client rule forbids rejecting at MAIL FROM
 * (the From domain, and so any domain rule, is not known yet) */
static bool
client_rule_spares(const struct msg *m)
{
	const struct pm_rule *r = policymap_match(m->e->policymap, NULL, m->ip);

	return r != NULL && (r->action == PM_EXEMPT || r->action == PM_TAG_ONLY ||
	    r->action == PM_MONITOR);
}

/* msg_envfrom - start a message: SPF for HELO and MAIL FROM */
bool
msg_envfrom(struct msg *m, const char *mailfrom, const char *auth_authen,
    struct msg_verdict *v)
{
	msg_clear_message(m);
	m->mailfrom = strip_brackets(mailfrom != NULL ? mailfrom : "");
	m->have_mailfrom = true;
	m->authenticated = auth_authen != NULL && auth_authen[0] != '\0';
	m->skip = m->internal || (m->authenticated && m->cfg->skip_authenticated);
	/* a trusted relay's address says nothing about the sender: no SPF here; the
	   result may come from its Authentication-Results (msg_eom) */
	if (m->skip || m->ip == NULL || m->trusted_relay)
		return false;
	step_deadline(m);
	if (m->cfg->spf_check_helo && m->helo != NULL && m->helo[0] != '\0') {
		spf_check(m->e->spf, &m->dns, m->ip, m->helo, "", true, &m->spf_helo);
		m->spf_helo_done = true;
	}
	if (m->mailfrom[0] == '\0' && m->spf_helo_done) {
		/* MAIL FROM:<> checks postmaster@HELO: the HELO result, no more DNS */
		spf_outcome_copy(&m->spf_mail, &m->spf_helo);
		m->spf_mail.null_sender = true;
	} else {
		spf_check(m->e->spf, &m->dns, m->ip, m->helo != NULL ? m->helo : "",
		    m->mailfrom, false, &m->spf_mail);
	}
	m->spf_done = true;
	if (m->cfg->spf_reject_at_mailfrom && m->spf_mail.result == SPFR_FAIL &&
	    !m->cfg->monitor_only && !m->tag_only_host && !client_rule_spares(m)) {
		char dom[POLICY_DOMAIN_MAX + 1], builtin[256];
		struct auth_results ar = { .spf_mailfrom = &m->spf_mail,
		    .remote_ip = m->ip };
		struct buf kv;

		memset(v, 0, sizeof *v);
		v->action = ACTION_REJECT;
		strlcpy(v->smtp_code, "550", sizeof v->smtp_code);
		strlcpy(v->xcode, "5.7.23", sizeof v->xcode);
		policy_safe_domain(dom, sizeof dom, m->spf_mail.domain);
		snprintf(builtin, sizeof builtin, "SPF validation failed for %s", dom);
		policy_reply(m->cfg, false, "SPF", m->spf_mail.domain, builtin, v->text,
		    sizeof v->text);
		buf_init(&kv);
		log_kv(&kv, "ip", m->ip);
		log_qid(LOG_INFO, m->qid, "%s spf=fail action=reject stage=mail",
		    buf_str(&kv));
		buf_free(&kv);
		metrics_message(m->cfg, ACTION_REJECT, NULL, &ar, 0);
		return true;
	}
	return false;
}

/* field_is - the field name is want, case-insensitive, trailing WSP ignored: the
 * obsolete syntax of RFC 5322 section 4.5.6 ("From :") names the same field */
static bool
field_is(const char *name, const char *want)
{
	size_t n = strlen(name), w = strlen(want);

	while (n > 0 && (name[n - 1] == ' ' || name[n - 1] == '\t'))
		n--;
	return n == w && strncasecmp(name, want, w) == 0;
}

/* msg_header - one header field as the MTA gives it */
void
msg_header(struct msg *m, const char *name, const char *value)
{
	if (name == NULL || value == NULL)
		return;
	m->nheaders++;
	if (m->trusted_relay && !m->skip)
		upstream_header(&m->up, m->cfg->trusted_ids, name, value);
	if (hdr_name_is(name, "Authentication-Results")) {
		m->nauthres++;
		if (authres_claims_id(value, m->e->authserv_id)) {
			m->forged = xreallocarray(m->forged, m->nforged + 1,
			    sizeof *m->forged);
			m->forged[m->nforged++] = m->nauthres;
		}
	}
	if (m->skip)
		return;
	if (field_is(name, "From")) {
		if (m->nfrom < MAX_FROM_KEPT) {
			const char *v = value;

			while (*v == ' ' || *v == '\t')
				v++;
			m->from_values[m->nfrom] = xstrdup(v);
		}
		m->nfrom++;
	}
	if (m->dkim == NULL && !m->internal_error) {
		m->dkim = dkv_msg_new(m->e->dkim, m->cfg, m->qid);
		if (m->dkim == NULL) {
			m->internal_error = true;
			m->error_what = "cannot start DKIM verification";
		}
	}
	if (m->dkim != NULL)
		dkv_header(m->dkim, name, value);
	if (m->arc == NULL)
		m->arc = arc_msg_new(m->cfg);
	arc_header(m->arc, name, value);
}

/* msg_eoh - end of headers: the From domain, DKIM signature selection and keys */
void
msg_eoh(struct msg *m)
{
	const char *why = NULL;
	size_t n = m->nfrom < MAX_FROM_KEPT ? m->nfrom : MAX_FROM_KEPT;

	if (m->skip)
		return;
	if (m->nfrom <= MAX_FROM_KEPT &&
	    dmarc_from_domain((const char *const *)m->from_values, n, m->from_domain,
	    sizeof m->from_domain, &why) != 0)
		m->from_domain[0] = '\0';
	if (m->dkim == NULL && !m->internal_error)
		m->dkim = dkv_msg_new(m->e->dkim, m->cfg, m->qid);
	if (m->dkim != NULL) {
		step_deadline(m);
		dkv_eoh(m->dkim, &m->dns, m->from_domain);
	}
	if (m->arc == NULL)
		m->arc = arc_msg_new(m->cfg);
	arc_eoh(m->arc);
}

bool
msg_wants_body(const struct msg *m)
{
	return !m->skip && ((m->dkim != NULL && dkv_has_signatures(m->dkim)) ||
	    arc_wants_body(m->arc));
}

void
msg_body(struct msg *m, const unsigned char *p, size_t n)
{
	if (!m->skip && m->dkim != NULL)
		dkv_body(m->dkim, p, n);
	if (!m->skip)
		arc_body(m->arc, p, n);
}

/* summary_line - the one key=value line per message */
static char *
summary_line(const struct msg *m, const struct auth_results *ar,
    const struct policy_decision *pd)
{
	const struct dkv_result *const *dk = ar->dkim;
	const struct dmarc_outcome *dm = ar->dmarc;
	size_t ndk = ar->ndkim;
	struct buf b, dkl;

	buf_init(&b);
	buf_init(&dkl);
	/* every value through log_kv, the one quoting rule (mailauth(8)) */
	log_kv(&b, "ip", m->ip != NULL ? m->ip : "unknown");
	log_kv(&b, "helo", m->helo);
	buf_adds(&dkl, "<");
	buf_adds(&dkl, m->mailfrom != NULL ? m->mailfrom : "");
	buf_adds(&dkl, ">");
	log_kv(&b, "mailfrom", buf_str(&dkl));
	buf_reset(&dkl);
	if (m->skip) {
		log_kv(&b, "skipped", m->internal ? "internal host" :
		    "authenticated client");
		log_kv(&b, "action", "accept");
		if (m->nforged > 0)
			buf_printf(&b, " forged_ar_removed=%zu", m->nforged);
		buf_free(&dkl);
		return buf_steal(&b);
	}
	log_kv(&b, "from", dm != NULL && dm->from_domain != NULL ?
	    dm->from_domain : m->from_domain);
	log_kv(&b, "spf", ar->spf_mailfrom != NULL ?
	    spf_result_name(ar->spf_mailfrom->result) : "none");
	if (ar->spf_helo != NULL)
		log_kv(&b, "spf_helo", spf_result_name(ar->spf_helo->result));
	for (size_t i = 0; i < ndk; i++)
		buf_printf(&dkl, "%s%s:%s:%s", i ? "," : "",
		    dkim_result_name(dk[i]->result),
		    dk[i]->domain != NULL ? dk[i]->domain : "",
		    dk[i]->selector != NULL ? dk[i]->selector : "");
	log_kv(&b, "dkim", ndk ? buf_str(&dkl) : "none");
	log_kv(&b, "dmarc", dm != NULL ? dmarc_result_name(dm->result) : "none");
	if (dm != NULL && (dm->result == DMR_PASS || dm->result == DMR_FAIL ||
	    (dm->result == DMR_TEMPERROR && dm->policy_domain != NULL))) {
		/* the published policy that applies (p, sp or np), then what was done */
		log_kv(&b, "policy", dmarc_policy_name(dm->applied));
		log_kv(&b, "dis", dmarc_policy_name(dm->disposition));
	}
	log_kv(&b, "arc", arc_cv_name(ar->arc != NULL ? ar->arc->cv : ARC_NONE));
	if (pd->arc_override) {
		log_kv(&b, "override", "arc");
		log_kv(&b, "sealer", ar->arc->sealer);
	}
	log_kv(&b, "action", cfg_action_name(pd->action));
	if (pd->would_action != pd->action)
		log_kv(&b, "would", cfg_action_name(pd->would_action));
	if (ar->pm_rule != NULL) {
		char rule[300];

		snprintf(rule, sizeof rule, "%s:%s", ar->pm_rule->key,
		    pm_action_name(ar->pm_rule->action));
		log_kv(&b, "policymap", rule);
	}
	if (pd->reason[0] != '\0')
		log_kv(&b, "reason", pd->reason);
	if (m->nforged > 0)
		buf_printf(&b, " forged_ar_removed=%zu", m->nforged);
	if (m->up.id[0] != '\0')
		log_kv(&b, "upstream", m->up.id);
	buf_printf(&b, " dns_queries=%u", m->dns.queries);
	buf_free(&dkl);
	return buf_steal(&b);
}

/* fill_deletions - forged A-R indexes, highest first (LIBRARIES.md 1.5) */
static void
fill_deletions(const struct msg *m, struct msg_verdict *v)
{
	if (m->nforged == 0)
		return;
	v->delete_idx = xreallocarray(NULL, m->nforged, sizeof *v->delete_idx);
	for (size_t i = 0; i < m->nforged; i++)
		v->delete_idx[i] = m->forged[m->nforged - 1 - i];
	v->ndelete = m->nforged;
}

/* arc_sealer - the trusted ARC sealer vouching for a DMARC failure, or NULL;
 * *retry: the chain of a trusted sealer failed on a temporary DNS error */
static const char *
arc_sealer(struct msg *m, const struct dmarc_outcome *dm, bool *retry)
{
	char why[200];

	*retry = false;
	if (dm == NULL || dm->result != DMR_FAIL || m->cfg->arc_trusted_sealers == NULL ||
	    m->cfg->arc_trusted_sealers[0] == NULL || m->arc == NULL)
		return NULL;
	*retry = arc_trust_retry(m->arc, m->cfg->arc_trusted_sealers);
	if (!arc_trust_vouch(m->arc, m->cfg->arc_trusted_sealers, m->e->dmarc,
	    &m->dns, dm->discovery, dm->from_domain, dm->adkim, dm->aspf, why,
	    sizeof why)) {
		log_qid(LOG_DEBUG, m->qid, "no ARC override: %s", why);
		return NULL;
	}
	log_qid(LOG_DEBUG, m->qid, "ARC override: %s", why);
	return arc_result(m->arc)->sealer;
}

/* results_fill - the message's one results record (lib/results.h), once all is
 * evaluated: borrowed pointers into m, dk and dm, valid while msg_eom runs (m is
 * not const: the TrustedARCSealers check may still walk DNS in m's session) */
static void
results_fill(struct msg *m, const struct dkv_result *const *dk, size_t ndk,
    const struct dmarc_outcome *dm, struct auth_results *ar)
{
	memset(ar, 0, sizeof *ar);
	ar->spf_mailfrom = m->spf_done ? &m->spf_mail : NULL;
	ar->spf_upstream = m->spf_upstream;
	ar->spf_helo = m->spf_helo_done ? &m->spf_helo : NULL;
	ar->dkim = dk;
	ar->ndkim = ndk;
	ar->dkim_evaluated = !m->internal_error;
	ar->dmarc = dm;
	ar->arc = m->arc != NULL ? arc_result(m->arc) : NULL;
	ar->remote_ip = m->ip;
	ar->internal_error = m->internal_error;
	ar->tag_only_host = m->tag_only_host;
	ar->arc_sealer = arc_sealer(m, dm, &ar->arc_retry);
	ar->pm_rule = policymap_match(m->e->policymap, dm != NULL && !dm->bad_from ?
	    dm->from_domain : NULL, m->ip);
}

/* msg_eom - end of message: DKIM results, DMARC, policy, headers, log */
void
msg_eom(struct msg *m, struct msg_verdict *v)
{
	const struct dkv_result **dk = NULL;
	struct dmarc_outcome dm;
	struct auth_results ar;
	struct policy_decision pd;
	size_t ndk = 0;
	bool dm_done = false;
	struct buf b, arcc;
	uint64_t started = metrics_now();

	memset(v, 0, sizeof *v);
	memset(&ar, 0, sizeof ar);
	memset(&pd, 0, sizeof pd);
	memset(&dm, 0, sizeof dm);
	fill_deletions(m, v);
	if (m->skip) {
		v->action = ACTION_ACCEPT;
		v->log_line = summary_line(m, &ar, &pd);
		log_qid(LOG_INFO, m->qid, "%s", v->log_line);
		metrics_message(m->cfg, ACTION_ACCEPT, NULL, &ar, started);
		return;
	}
	step_deadline(m);
	if (m->dkim != NULL) {
		dkv_eom(m->dkim, &m->dns);
		ndk = dkv_nresults(m->dkim);
	}
	/* ours, then the trusted upstream's (as if computed here; DMARC aligns them) */
	dk = xreallocarray(NULL, ndk + m->up.ndkim + 1, sizeof *dk);
	for (size_t i = 0; i < ndk; i++)
		dk[i] = dkv_result(m->dkim, i);
	for (size_t i = 0; i < m->up.ndkim; i++)
		dk[ndk++] = &m->up.dkim[i];
	if (m->up.have_spf && !m->spf_done) {
		spf_outcome_copy(&m->spf_mail, &m->up.spf);
		m->spf_done = m->spf_upstream = true;
	}
	if (m->arc != NULL)
		arc_eom(m->arc, &m->dns, time(NULL));
	if (!m->internal_error) {
		struct dmarc_input din;
		/* more From fields than we keep still reach DMARC as "several" */
		size_t n = m->nfrom < MAX_FROM_KEPT ? m->nfrom : MAX_FROM_KEPT;

		memset(&din, 0, sizeof din);
		din.cfg = m->cfg;
		din.ip = m->ip;
		din.from_values = (const char *const *)m->from_values;
		din.nfrom = n;
		din.spf_mailfrom = m->spf_done ? &m->spf_mail : NULL;
		din.dkim = dk;
		din.ndkim = ndk;
		dmarc_check(m->e->dmarc, &m->dns, &din, &dm);
		dm_done = true;
	}
	results_fill(m, dk, ndk, dm_done ? &dm : NULL, &ar);
	policy_decide(m->cfg, &ar, &pd);

	v->action = pd.action;
	strlcpy(v->smtp_code, pd.smtp_code, sizeof v->smtp_code);
	strlcpy(v->xcode, pd.xcode, sizeof v->xcode);
	strlcpy(v->text, pd.text, sizeof v->text);
	if (pd.action == ACTION_QUARANTINE)
		v->quarantine_reason = xstrdup(pd.reason[0] ? pd.reason : "DMARC policy");
	if (pd.add_quarantine_header) {
		v->extra_name = xstrdup("X-Mailauth-Quarantine");
		v->extra_value = xstrdup(pd.reason[0] ? pd.reason : "DMARC policy");
	}

	buf_init(&b);
	authres_build(&b, m->e->authserv_id, &ar, pd.arc_override);
	v->authres = buf_steal(&b);
	if (m->cfg->received_spf && ar.spf_mailfrom != NULL && !ar.spf_upstream) {
		spf_received_header(ar.spf_mailfrom, m->e->authserv_id, &b);
		v->received_spf = buf_steal(&b);
	}
	v->log_line = summary_line(m, &ar, &pd);
	log_qid(LOG_INFO, m->qid, "%s", v->log_line);
	buf_init(&arcc);
	if (pd.arc_override)
		arc_trust_comment(m->arc, &arcc);	/* the row's reason comment */
	v->history = history_row(m->cfg, &ar, &pd, m->mailfrom,
	    pd.arc_override ? buf_str(&arcc) : NULL);
	buf_free(&arcc);
	metrics_message(m->cfg, pd.action, &pd, &ar, started);
	if (ar.arc != NULL && !ar.internal_error)
		metrics_arc(ar.arc->cv);
	if (m->internal_error)
		log_qid(LOG_ERR, m->qid, "internal error: %s", m->error_what);
	if (dm_done)
		dmarc_outcome_clear(&dm);
	free(dk);
}

void
msg_verdict_clear(struct msg_verdict *v)
{
	free(v->quarantine_reason);
	free(v->authres);
	free(v->received_spf);
	free(v->extra_name);
	free(v->extra_value);
	free(v->delete_idx);
	free(v->log_line);
	hist_row_free(v->history);
	memset(v, 0, sizeof *v);
}

/* feed_header - hand one complete (unfolded into name/value) field to the engine */
static void
feed_header(struct msg *m, struct buf *field)
{
	char *colon, *name, *value;

	if (field->len == 0)
		return;
	name = field->data;
	colon = memchr(name, ':', field->len);
	if (colon == NULL)
		return;		/* not a header field: the MTA would not pass it either */
	*colon = '\0';
	value = colon + 1;
	/* the milter negotiates SMFIP_HDR_LEADSPC: the value keeps its leading blank */
	msg_header(m, name, value);
}

/* chomp - drop the line end (LF or CRLF) of a line read by getline */
static size_t
chomp(char *line, size_t len)
{
	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	line[len] = '\0';
	return len;
}

/* msg_feed_file - a saved message: fields one by one, then the body as CRLF lines */
int
msg_feed_file(struct msg *m, FILE *fp)
{
	struct buf field, body;
	char *line = NULL;
	size_t cap = 0;
	ssize_t got;
	bool in_body = false;

	buf_init(&field);
	buf_init(&body);
	while ((got = getline(&line, &cap, fp)) != -1) {
		size_t len = chomp(line, (size_t)got);

		if (!in_body) {
			if (len > 0 && (line[0] == ' ' || line[0] == '\t') && field.len > 0) {
				buf_addc(&field, '\n');
				buf_add(&field, line, len);
				continue;
			}
			feed_header(m, &field);
			buf_reset(&field);
			if (len == 0) {
				in_body = true;
				msg_eoh(m);
				continue;
			}
			buf_add(&field, line, len);
			continue;
		}
		if (!msg_wants_body(m))
			continue;
		buf_add(&body, line, len);
		buf_add(&body, "\r\n", 2);
		if (body.len >= BODY_CHUNK) {
			msg_body(m, (const unsigned char *)body.data, body.len);
			buf_reset(&body);
		}
	}
	if (!in_body) {
		feed_header(m, &field);
		msg_eoh(m);
	}
	if (body.len > 0 && msg_wants_body(m))
		msg_body(m, (const unsigned char *)body.data, body.len);
	free(line);
	buf_free(&field);
	buf_free(&body);
	return ferror(fp) ? -1 : 0;
}
