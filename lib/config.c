/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * config.c - the option table, the mailauth.conf parser and configuration snapshots
 * SYNOPSIS
 *	see config.h
 * DESCRIPTION
 *	One table below holds every option: its name, type, default (as written in
 *	the file), bounds, words and a one-line doc. conf/mailauth.conf and
 *	mailauth.conf(5) document the same options; t/config_test checks that they
 *	agree with the table.
 *
 *	Any value may be written in double quotes (the outer pair is removed), which
 *	is how an empty string or outer blanks are expressed. Errors never stop the
 *	parse: every line is read and every problem appended to err, then the rules
 *	between options (DNSBackend zone needs DNSZoneFile; Socket, InternalHosts,
 *	TagOnlyHosts, TrustedRelays and DNSForwarders must parse; TrustedAuthservIDs
 *	needs TrustedRelays) are checked for the options whose
 *	own line was fine, each reported at the line that set the option (0 when it
 *	kept its default).
 */
#include "autoconf.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "config.h"
#include "dmarc.h"
#include "log.h"
#include "netlist.h"
#include "policymap.h"
#include "policy.h"
#include "sockspec.h"
#include "util.h"

#define LINE_MAX_LEN 4096
#define OFF(f) offsetof(struct config, f)

static const struct cfg_choice action_none_q_r[] = {
	{ "none", ACTION_ACCEPT }, { "quarantine", ACTION_QUARANTINE },
	{ "reject", ACTION_REJECT }, { NULL, 0 },
};
static const struct cfg_choice action_all[] = {
	{ "accept", ACTION_ACCEPT }, { "quarantine", ACTION_QUARANTINE },
	{ "reject", ACTION_REJECT }, { "tempfail", ACTION_TEMPFAIL }, { NULL, 0 },
};
static const struct cfg_choice action_t_a[] = {
	{ "tempfail", ACTION_TEMPFAIL }, { "accept", ACTION_ACCEPT }, { NULL, 0 },
};
static const struct cfg_choice backends[] = {
	{ "unbound", DNS_BACKEND_UNBOUND }, { "zone", DNS_BACKEND_ZONE }, { NULL, 0 },
};
static const struct cfg_choice qmodes[] = {
	{ "hold", QUARANTINE_HOLD }, { "header", QUARANTINE_HEADER }, { NULL, 0 },
};
static const struct cfg_choice org_domain_modes[] = {
	{ "treewalk", DMD_TREEWALK }, { "psl", DMD_PSL }, { NULL, 0 },
};
static const struct cfg_choice history_kinds[] = {
	{ "none", STORE_NONE }, { "sqlite", STORE_SQLITE },
	{ "postgresql", STORE_POSTGRESQL }, { NULL, 0 },
};
static const struct cfg_choice lpolicies[] = {
	{ "report", DKIM_L_REPORT }, { "fail", DKIM_L_FAIL }, { NULL, 0 },
};

static const struct cfg_option options[] = {
	{ "Socket", CFG_STRING, "inet:8891@127.0.0.1", 0, 0, NULL, OFF(socket),
	  "where the milter listens: inet:PORT@ADDR, inet6:PORT@ADDR or unix:PATH" },
	{ "SocketMode", CFG_OCTAL, "0660", 0, 0777, NULL, OFF(socket_mode),
	  "permissions of a unix socket" },
	{ "MetricsSocket", CFG_STRING, "", 0, 0, NULL, OFF(metrics_socket),
	  "Prometheus metrics listener, inet:PORT@ADDR or inet6:PORT@ADDR (empty: off)" },
	{ "UserID", CFG_STRING, "mailauth", 0, 0, NULL, OFF(user),
	  "user to run as after opening the socket (empty: do not change)" },
	{ "PidFile", CFG_STRING, "/run/mailauth/mailauth.pid", 0, 0, NULL, OFF(pidfile),
	  "file holding the daemon's process id (empty: none)" },
	{ "SyslogFacility", CFG_FACILITY, "mail", 0, 0, NULL, OFF(syslog_facility),
	  "syslog facility: mail, daemon, user, local0 ... local7" },
	{ "LogLevel", CFG_LOGLEVEL, "info", 0, 0, NULL, OFF(log_level),
	  "lowest level logged: err, warning, notice, info, debug" },
	{ "AuthservID", CFG_STRING, "", 0, 0, NULL, OFF(authserv_id),
	  "authserv-id in Authentication-Results (a host name; empty: this host's "
	  "fully qualified name, lib/hostname.c)" },
	{ "MilterTimeout", CFG_UINT, "300", 10, 7210, NULL, OFF(milter_timeout),
	  "seconds to wait for the MTA on the milter connection" },
	{ "MaxSessions", CFG_UINT, "0", 0, 1000000, NULL, OFF(max_sessions),
	  "milter connections served at once; more are refused with a tempfail "
	  "(0: half the descriptor limit)" },
	{ "HandshakeTimeout", CFG_UINT, "10", 0, 300, NULL, OFF(handshake_timeout),
	  "seconds a TCP connection may take to send its option negotiation (0: off)" },
	{ "InternalErrorAction", CFG_ENUM, "tempfail", 0, 0, action_t_a,
	  OFF(internal_error_action), "what an internal error does: tempfail or accept" },
	{ "DNSBackend", CFG_ENUM, "unbound", 0, 0, backends, OFF(dns_backend),
	  "resolver: unbound (production) or zone (a zone file, offline and tests)" },
	{ "DNSZoneFile", CFG_STRING, "", 0, 0, NULL, OFF(dns_zone_file),
	  "zone file answering every query when DNSBackend is zone" },
	{ "DNSForwarders", CFG_LIST, "", 0, 0, NULL, OFF(dns_forwarders),
	  "resolvers to forward to, ADDR or ADDR@PORT (empty: full recursion)" },
	{ "DNSTrustAnchorFile", CFG_STRING, "", 0, 0, NULL, OFF(dns_trust_anchor),
	  "DNSSEC trust anchor file, e.g. /usr/share/dns/root.key (empty: no validation)" },
	{ "DNSTimeout", CFG_UINT, "5", 1, 30, NULL, OFF(dns_timeout),
	  "seconds one DNS query may take" },
	{ "EvaluationTimeout", CFG_UINT, "20", 1, 25, NULL, OFF(eval_timeout),
	  "seconds of DNS work per milter step (below Postfix's 30 s command timeout)" },
	{ "SPFCheckHELO", CFG_BOOL, "yes", 0, 0, NULL, OFF(spf_check_helo),
	  "also check SPF for the HELO identity" },
	{ "SPFFailAction", CFG_ENUM, "none", 0, 0, action_none_q_r, OFF(spf_fail_action),
	  "what SPF fail does when DMARC does not decide: none, quarantine, reject" },
	{ "SPFSoftfailAction", CFG_ENUM, "none", 0, 0, action_none_q_r,
	  OFF(spf_softfail_action),
	  "what SPF softfail does when DMARC does not decide: none, quarantine, reject" },
	{ "SPFRejectAtMailFrom", CFG_BOOL, "no", 0, 0, NULL, OFF(spf_reject_at_mailfrom),
	  "reject SPF fail already at MAIL FROM (before DKIM and DMARC are known)" },
	{ "AddReceivedSPF", CFG_BOOL, "yes", 0, 0, NULL, OFF(received_spf),
	  "add a Received-SPF header field" },
	{ "MaximumSignatures", CFG_UINT, "5", 1, 50, NULL, OFF(dkim_max_sigs),
	  "DKIM signatures verified per message; the others are reported neutral" },
	{ "MaximumSignatureFields", CFG_UINT, "50", 1, 1000, NULL, OFF(dkim_max_fields),
	  "more DKIM-Signature fields than this: none is verified (permerror)" },
	{ "MaximumHeaderFields", CFG_UINT, "1000", 100, 100000, NULL, OFF(dkim_max_headers),
	  "more header fields than this: no DKIM signature is verified (permerror)" },
	{ "MaximumSignedFields", CFG_UINT, "100", 10, 2048, NULL, OFF(dkim_max_signed),
	  "a DKIM signature whose h= names more header fields than this is permerror" },
	{ "MinimumKeyBits", CFG_UINT, "1024", 512, 8192, NULL, OFF(dkim_min_key_bits),
	  "smallest RSA key that can pass" },
	{ "BodyLengthPolicy", CFG_ENUM, "fail", 0, 0, lpolicies, OFF(dkim_body_length),
	  "l= signatures leaving content unsigned: fail (no DMARC pass from them) or "
	  "report (pass, noted)" },
	{ "ClockDrift", CFG_UINT, "300", 0, 86400, NULL, OFF(dkim_clock_drift),
	  "seconds of clock difference tolerated for DKIM t= and x=" },
	{ "PublicSuffixList", CFG_STRING, "/usr/share/publicsuffix/public_suffix_list.dat",
	  0, 0, NULL, OFF(psl_file), "Public Suffix List: organizational domains under DMARCOrgDomain psl, and of report destinations" },
	{ "HonorDMARCPolicy", CFG_BOOL, "yes", 0, 0, NULL, OFF(dmarc_honor_policy),
	  "act on the published DMARC policy (no: only tag)" },
	{ "QuarantineMode", CFG_ENUM, "hold", 0, 0, qmodes, OFF(quarantine_mode),
	  "p=quarantine: hold (MTA hold queue) or header (deliver with a header)" },
	{ "DMARCNonExistentPolicy", CFG_BOOL, "yes", 0, 0, NULL, OFF(dmarc_np),
	  "apply RFC 9989 np= to From domains that do not exist (no: RFC 7489, sp/p)" },
	{ "DMARCOrgDomain", CFG_ENUM, "treewalk", 0, 0, org_domain_modes,
	  OFF(dmarc_org_domain), "how DMARC finds organizational domains: treewalk "
	  "(RFC 9989 DNS Tree Walk) or psl (RFC 7489, the PublicSuffixList)" },
	{ "BadFromAction", CFG_ENUM, "reject", 0, 0, action_all, OFF(bad_from_action),
	  "no From, several From fields or an unparseable From: accept, quarantine, reject, tempfail" },
	{ "MonitorOnly", CFG_BOOL, "no", 0, 0, NULL, OFF(monitor_only),
	  "log what would be done, always accept" },
	{ "TempErrorAction", CFG_ENUM, "tempfail", 0, 0, action_t_a, OFF(temperror_action),
	  "what a DNS temporary error deciding DMARC does: tempfail or accept" },
	{ "RejectReplyText", CFG_STRING, "%m", 0, 0, NULL, OFF(reject_reply_text),
	  "SMTP text of a 5xx reply: %m the built-in text, %c the check, %d the domain" },
	{ "TempfailReplyText", CFG_STRING, "%m", 0, 0, NULL, OFF(tempfail_reply_text),
	  "SMTP text of a 4xx reply: %m the built-in text, %c the check, %d the domain" },
	{ "InternalHosts", CFG_LIST, "127.0.0.0/8 ::1", 0, 0, NULL, OFF(internal_hosts),
	  "clients (addresses or networks) whose mail is not checked" },
	{ "SkipAuthenticated", CFG_BOOL, "yes", 0, 0, NULL, OFF(skip_authenticated),
	  "do not check mail from SMTP-authenticated clients" },
	{ "TagOnlyDomains", CFG_LIST, "", 0, 0, NULL, OFF(tag_only_domains),
	  "From domains (and their subdomains) whose failures are only tagged" },
	{ "TagOnlyHosts", CFG_LIST, "", 0, 0, NULL, OFF(tag_only_hosts),
	  "clients (e.g. forwarders) whose failures are only tagged" },
	{ "PolicyMap", CFG_STRING, "", 0, 0, NULL, OFF(policy_map),
	  "file of per-domain and per-client policy rules (empty: none)" },
	{ "TrustedARCSealers", CFG_LIST, "", 0, 0, NULL, OFF(arc_trusted_sealers),
	  "ARC sealers (d= domains) whose validated chain can override a DMARC failure" },
	{ "TrustedRelays", CFG_LIST, "", 0, 0, NULL, OFF(trusted_relays),
	  "gateways and backup MXes in front of us: no SPF check of their addresses" },
	{ "TrustedAuthservIDs", CFG_LIST, "", 0, 0, NULL, OFF(trusted_ids),
	  "authserv-ids of TrustedRelays whose topmost A-R gives SPF and DKIM results" },
	{ "HistoryStore", CFG_ENUM, "none", 0, 0, history_kinds, OFF(history_store),
	  "where DMARC evaluations are recorded for reports: none, sqlite, postgresql" },
	{ "HistoryFile", CFG_STRING, "/var/lib/mailauth/history.sqlite", 0, 0, NULL,
	  OFF(history_file), "the SQLite database of HistoryStore sqlite" },
	{ "HistoryConnInfo", CFG_STRING, "", 0, 0, NULL, OFF(history_conninfo),
	  "the libpq connection string of HistoryStore postgresql" },
	{ "HistoryQueueSize", CFG_UINT, "10000", 16, 1000000, NULL, OFF(history_queue),
	  "rows waiting for the history writer before new ones are dropped" },
	{ "ReportOrgName", CFG_STRING, "", 0, 0, NULL, OFF(report_org),
	  "org_name of aggregate reports (empty: the authserv-id)" },
	{ "ReportEmail", CFG_STRING, "", 0, 0, NULL, OFF(report_email),
	  "sender address of aggregate reports (needed to send them)" },
	{ "ReportExtraContact", CFG_STRING, "", 0, 0, NULL, OFF(report_contact),
	  "extra_contact_info of aggregate reports (empty: none)" },
	{ "ReportSendmail", CFG_STRING, "/usr/sbin/sendmail", 0, 0, NULL,
	  OFF(report_sendmail), "the sendmail program that submits reports" },
	{ "ReportRetentionDays", CFG_UINT, "31", 1, 3650, NULL, OFF(report_retention),
	  "days history rows are kept, reported or not" },
	{ "ReportMaxRecords", CFG_UINT, "10000", 1, 1000000, NULL,
	  OFF(report_max_records), "record elements at most in one report" },
	{ "ReportSuppress", CFG_LIST, "", 0, 0, NULL, OFF(report_suppress),
	  "report destinations (addresses or domains) never sent a report" },
};

/* cfg_history_target - the HistoryStore's file or connection string */
const char *
cfg_history_target(const struct config *c)
{
	switch (c->history_store) {
	case STORE_SQLITE:
		return c->history_file;
	case STORE_POSTGRESQL:
		return c->history_conninfo;
	case STORE_NONE:
		break;
	}
	return "";
}

/* cfg_options - the table, for documentation checks and cfg_print */
const struct cfg_option *
cfg_options(size_t *n)
{
	*n = NELEM(options);
	return options;
}

/* cfg_action_name - "accept", "quarantine", "reject" or "tempfail" */
const char *
cfg_action_name(enum action a)
{
	switch (a) {
	case ACTION_ACCEPT: return "accept";
	case ACTION_QUARANTINE: return "quarantine";
	case ACTION_REJECT: return "reject";
	case ACTION_TEMPFAIL: return "tempfail";
	}
	return "unknown";
}

/* field - the address of an option's field in a config */
static void *
field(struct config *c, const struct cfg_option *o)
{
	return (char *)c + o->offset;
}

/* free_list - a NULL-terminated list and its words */
static void
free_list(char **l)
{
	if (l == NULL)
		return;
	for (char **p = l; *p != NULL; p++)
		free(*p);
	free(l);
}

/* split_list - words separated by blanks or commas, NULL-terminated */
static char **
split_list(const char *s)
{
	char **l = xcalloc(1, sizeof *l);
	size_t n = 0;

	while (*s != '\0') {
		size_t len;

		while (*s == ' ' || *s == '\t' || *s == ',')
			s++;
		len = strcspn(s, " \t,");
		if (len == 0)
			break;
		l = xreallocarray(l, n + 2, sizeof *l);
		l[n++] = xstrndup(s, len);
		l[n] = NULL;
		s += len;
	}
	return l;
}

/* parse_bool - yes/no words */
static int
parse_bool(const char *v, bool *out)
{
	static const char *yes[] = { "yes", "true", "on", "1" };
	static const char *no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < NELEM(yes); i++)
		if (strcasecmp(v, yes[i]) == 0)
			return *out = true, 0;
	for (size_t i = 0; i < NELEM(no); i++)
		if (strcasecmp(v, no[i]) == 0)
			return *out = false, 0;
	return -1;
}

/* parse_number - an unsigned number in base 10 or 8 within the option's bounds */
static int
parse_number(const struct cfg_option *o, const char *v, unsigned *out, struct buf *why)
{
	unsigned long n;
	char *end;
	int base = o->type == CFG_OCTAL ? 8 : 10;

	if (*v == '\0' || *v == '-' || *v == '+' || isspace((unsigned char)*v)) {
		buf_printf(why, "%s needs %s number", o->name,
		    base == 8 ? "an octal" : "a whole");
		return -1;
	}
	errno = 0;
	n = strtoul(v, &end, base);
	if (*end != '\0') {
		buf_printf(why, "%s needs %s number, not \"%s\"", o->name,
		    base == 8 ? "an octal" : "a whole", v);
		return -1;
	}
	if (errno == ERANGE || n < o->min || n > o->max) {
		if (base == 8)
			buf_printf(why, "%s %s is out of range %#lo..%#lo", o->name, v,
			    o->min, o->max);
		else
			buf_printf(why, "%s %s is out of range %lu..%lu", o->name, v,
			    o->min, o->max);
		return -1;
	}
	*out = (unsigned)n;
	return 0;
}

/* unquote - a value in double quotes may hold "" or outer blanks */
static int
unquote(const char *v, char **out)
{
	size_t len = strlen(v);

	if (len >= 1 && v[0] == '"') {
		if (len < 2 || v[len - 1] != '"')
			return -1;
		*out = xstrndup(v + 1, len - 2);
	} else {
		*out = xstrdup(v);
	}
	return 0;
}

/* set_one - parse the unquoted value v into c's field for o */
static int
set_one(struct config *c, const struct cfg_option *o, const char *v, struct buf *why)
{
	void *f = field(c, o);
	int n;

	switch (o->type) {
	case CFG_STRING:
		free(*(char **)f);
		*(char **)f = xstrdup(v);
		return 0;
	case CFG_BOOL:
		if (parse_bool(v, (bool *)f) != 0) {
			buf_printf(why, "%s needs yes or no, not \"%s\"", o->name, v);
			return -1;
		}
		return 0;
	case CFG_UINT:
	case CFG_OCTAL:
		return parse_number(o, v, (unsigned *)f, why);
	case CFG_ENUM:
		for (const struct cfg_choice *ch = o->choices; ch->word != NULL; ch++)
			if (strcasecmp(v, ch->word) == 0) {
				memcpy(f, &ch->value, sizeof(int));
				return 0;
			}
		buf_printf(why, "%s must be one of", o->name);
		for (const struct cfg_choice *ch = o->choices; ch->word != NULL; ch++)
			buf_printf(why, "%s %s", ch == o->choices ? "" : ",", ch->word);
		buf_printf(why, ", not \"%s\"", v);
		return -1;
	case CFG_LIST:
		free_list(*(char ***)f);
		*(char ***)f = split_list(v);
		return 0;
	case CFG_FACILITY:
		if ((n = log_facility_from_name(v)) < 0) {
			buf_printf(why, "%s must be mail, daemon, user or local0..local7, "
			    "not \"%s\"", o->name, v);
			return -1;
		}
		*(int *)f = n;
		return 0;
	case CFG_LOGLEVEL:
		if ((n = log_level_from_name(v)) < 0) {
			buf_printf(why, "%s must be err, warning, notice, info or debug, "
			    "not \"%s\"", o->name, v);
			return -1;
		}
		*(int *)f = n;
		return 0;
	}
	return -1;
}

/* set_value - parse v (perhaps quoted) into c's field for o; on error write why */
static int
set_value(struct config *c, const struct cfg_option *o, const char *v, struct buf *why)
{
	char *s;
	int rc;

	if (unquote(v, &s) != 0) {
		buf_printf(why, "%s: unterminated quoted value", o->name);
		return -1;
	}
	rc = set_one(c, o, s, why);
	free(s);
	return rc;
}

/* cfg_free - release a snapshot and everything it owns */
static void
cfg_free(struct config *c)
{
	for (size_t i = 0; i < NELEM(options); i++) {
		void *f = field(c, &options[i]);

		if (options[i].type == CFG_STRING)
			free(*(char **)f);
		else if (options[i].type == CFG_LIST)
			free_list(*(char ***)f);
	}
	free(c->path);
	free(c->optline);
	free(c);
}

/* cfg_defaults - a snapshot with every option at its default */
struct config *
cfg_defaults(void)
{
	struct config *c = xcalloc(1, sizeof *c);
	struct buf why;

	buf_init(&why);
	atomic_init(&c->refcnt, 1);
	for (size_t i = 0; i < NELEM(options); i++)
		if (set_value(c, &options[i], options[i].def, &why) != 0) {
			/* a default that does not parse is a bug in the table */
			panic("config table: %s", buf_str(&why));
		}
	buf_free(&why);
	c->path = xstrdup("(defaults)");
	return c;
}

/* edit_distance - Levenshtein distance, case-insensitive, for did-you-mean */
static size_t
edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), prev[64], cur[64];

	if (la >= 63 || lb >= 63)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = tolower((unsigned char)a[i - 1]) !=
			    tolower((unsigned char)b[j - 1]);
			size_t best = prev[j - 1] + cost;

			if (prev[j] + 1 < best)
				best = prev[j] + 1;
			if (cur[j - 1] + 1 < best)
				best = cur[j - 1] + 1;
			cur[j] = best;
		}
		memcpy(prev, cur, (lb + 1) * sizeof prev[0]);
	}
	return prev[lb];
}

/* find_option - the table row for a name, or NULL */
static const struct cfg_option *
find_option(const char *name)
{
	for (size_t i = 0; i < NELEM(options); i++)
		if (strcasecmp(name, options[i].name) == 0)
			return &options[i];
	return NULL;
}

/* suggest - the closest option name, if close enough */
static const char *
suggest(const char *name)
{
	const char *best = NULL;
	size_t bestd = 99, len = strlen(name);

	for (size_t i = 0; i < NELEM(options); i++) {
		size_t d = edit_distance(name, options[i].name);

		if (d < bestd) {
			bestd = d;
			best = options[i].name;
		}
	}
	return bestd <= 2 || (bestd <= 4 && len >= 10) ? best : NULL;
}

/* check_forwarder - "ADDR" or "ADDR@PORT" with an IP address literal */
static int
check_forwarder(const char *w)
{
	char addr[INET6_ADDRSTRLEN];
	unsigned char bin[16];
	const char *at = strchr(w, '@');
	size_t len = at != NULL ? (size_t)(at - w) : strlen(w);

	if (len == 0 || len >= sizeof addr)
		return -1;
	memcpy(addr, w, len);
	addr[len] = '\0';
	if (inet_pton(AF_INET, addr, bin) != 1 && inet_pton(AF_INET6, addr, bin) != 1)
		return -1;
	if (at != NULL) {
		unsigned long port = 0;
		const char *p = at + 1;

		if (*p == '\0' || strlen(p) > 5)
			return -1;
		for (; *p != '\0'; p++) {
			if (!isdigit((unsigned char)*p))
				return -1;
			port = port * 10 + (unsigned long)(*p - '0');
		}
		if (port < 1 || port > 65535)
			return -1;
	}
	return 0;
}

/* cross_error - one error about option name, at the line that set it */
static void PRINTF_LIKE(6, 7)
cross_error(const char *path, const unsigned *lineof, const char *name, struct buf *err,
    int *nerr, const char *fmt, ...)
{
	const struct cfg_option *o = find_option(name);
	va_list ap;

	buf_printf(err, "%s:%u: %s: ", path, lineof[o - options], o->name);
	va_start(ap, fmt);
	buf_vprintf(err, fmt, ap);
	va_end(ap);
	buf_addc(err, '\n');
	(*nerr)++;
}

/* is_host_name - letters, digits, '.', '-', '_' (AuthservID, TrustedAuthservIDs) */
static bool
is_host_name(const char *s)
{
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789.-_") == strlen(s);
}

/* check_trusted - TrustedAuthservIDs: host names, not ours, only with TrustedRelays
 * (an id alone would let any client that writes the topmost field speak for it) */
static void
check_trusted(struct config *c, const char *path, const unsigned *lineof,
    const bool *bad, struct buf *err, int *nerr)
{
	if (bad[find_option("TrustedAuthservIDs") - options] || c->trusted_ids[0] == NULL)
		return;
	if (c->trusted_relays[0] == NULL)
		cross_error(path, lineof, "TrustedAuthservIDs", err, nerr,
		    "needs TrustedRelays (the addresses those hosts connect from)");
	for (char **w = c->trusted_ids; *w != NULL; w++) {
		if (!is_host_name(*w))
			cross_error(path, lineof, "TrustedAuthservIDs", err, nerr,
			    "\"%s\" is not a host name (letters, digits, '.', '-', '_')", *w);
		else if (strcasecmp(*w, c->authserv_id) == 0)
			cross_error(path, lineof, "TrustedAuthservIDs", err, nerr,
			    "\"%s\" is our own AuthservID", *w);
	}
}

/* check_cross - rules between options, reported at the offending line; options
 * whose own line was already refused (bad[]) are not judged again */
static void
check_cross(struct config *c, const char *path, const unsigned *lineof,
    const bool *bad, struct buf *err, int *nerr)
{
	static const char *const replies[] = { "RejectReplyText", "TempfailReplyText" };
	static const char *const nets[] = { "InternalHosts", "TagOnlyHosts",
	    "TrustedRelays" };
	struct netlist *nl;
	struct sockspec ss;
	struct buf why;

#define BAD(name) (bad[find_option(name) - options])
	buf_init(&why);
	if (!BAD("DNSBackend") && !BAD("DNSZoneFile") &&
	    c->dns_backend == DNS_BACKEND_ZONE && c->dns_zone_file[0] == '\0')
		cross_error(path, lineof, "DNSBackend", err, nerr,
		    "zone needs DNSZoneFile");
	if (!BAD("AuthservID") && !is_host_name(c->authserv_id))
		cross_error(path, lineof, "AuthservID", err, nerr,
		    "\"%s\" is not a host name (letters, digits, '.', '-', '_')",
		    c->authserv_id);
	check_trusted(c, path, lineof, bad, err, nerr);
	if (!BAD("HistoryStore") && !BAD("HistoryFile") &&
	    c->history_store == STORE_SQLITE && c->history_file[0] == '\0')
		cross_error(path, lineof, "HistoryStore", err, nerr,
		    "sqlite needs HistoryFile");
	if (!BAD("HistoryStore") && !BAD("HistoryConnInfo") &&
	    c->history_store == STORE_POSTGRESQL && c->history_conninfo[0] == '\0')
		cross_error(path, lineof, "HistoryStore", err, nerr,
		    "postgresql needs HistoryConnInfo");
	if (!BAD("ReportEmail") && c->report_email[0] != '\0' &&
	    (strchr(c->report_email, '@') == NULL ||
	    strpbrk(c->report_email, " \t<>\"\\,;") != NULL))
		cross_error(path, lineof, "ReportEmail", err, nerr,
		    "\"%s\" is not a plain address (local@domain)", c->report_email);
	for (size_t k = 0; k < NELEM(replies); k++) {
		buf_reset(&why);
		if (!BAD(replies[k]) &&
		    policy_reply_check(*(char **)field(c, find_option(replies[k])), &why) != 0)
			cross_error(path, lineof, replies[k], err, nerr, "%s", buf_str(&why));
	}
	buf_reset(&why);
	if (!BAD("Socket") && sockspec_parse(c->socket, &ss, &why) != 0)
		cross_error(path, lineof, "Socket", err, nerr, "%s", buf_str(&why));
	buf_reset(&why);
	if (!BAD("MetricsSocket") && c->metrics_socket[0] != '\0' &&
	    (sockspec_parse(c->metrics_socket, &ss, &why) != 0 ||
	    ss.family == SOCK_UNIX))
		cross_error(path, lineof, "MetricsSocket", err, nerr, "%s",
		    why.len > 0 ? buf_str(&why) : "inet:PORT@ADDR or inet6:PORT@ADDR "
		    "(unix sockets are not supported)");
	for (size_t k = 0; k < NELEM(nets); k++) {
		if (BAD(nets[k]))
			continue;
		buf_reset(&why);
		nl = netlist_parse(*(char ***)field(c, find_option(nets[k])), &why);
		if (nl == NULL)
			cross_error(path, lineof, nets[k], err, nerr, "%s", buf_str(&why));
		netlist_free(nl);
	}
	if (!BAD("PolicyMap") && c->policy_map[0] != '\0') {
		/* a file that cannot be read is reported at the option's line, the
		   map's own problems as MAPFILE:LINE */
		FILE *mf = fopen(c->policy_map, "r");

		if (mf == NULL) {
			cross_error(path, lineof, "PolicyMap", err, nerr,
			    "cannot open %s: %s", c->policy_map, strerror(errno));
		} else {
			size_t before = err->len;

			policymap_free(policymap_read(mf, c->policy_map, err));
			if (err->len != before)
				(*nerr)++;
			fclose(mf);
		}
	}
	if (!BAD("DNSForwarders"))
		for (char **w = c->dns_forwarders; *w != NULL; w++)
			if (check_forwarder(*w) != 0)
				cross_error(path, lineof, "DNSForwarders", err, nerr,
				    "\"%s\" is not ADDR or ADDR@PORT "
				    "(an IP address, a port 1..65535)", *w);
#undef BAD
	buf_free(&why);
}

/* cfg_load - read a file into a new snapshot; NULL with every error in err */
struct config *
cfg_load(const char *path, struct buf *err)
{
	struct config *c;
	unsigned lineof[NELEM(options)];
	bool bad[NELEM(options)];
	char *line = NULL;
	size_t cap = 0;
	ssize_t got;
	unsigned lineno = 0;
	int nerr = 0;
	FILE *fp;
	struct buf why;

	if ((fp = fopen(path, "r")) == NULL) {
		buf_printf(err, "%s: cannot open: %s\n", path, strerror(errno));
		return NULL;
	}
	c = cfg_defaults();
	free(c->path);
	c->path = xstrdup(path);
	memset(lineof, 0, sizeof lineof);
	memset(bad, 0, sizeof bad);
	buf_init(&why);
	while ((got = getline(&line, &cap, fp)) != -1) {
		const struct cfg_option *o;
		char *p, *name, *value;
		size_t len = (size_t)got;

		lineno++;
		if (len != strlen(line)) {
			buf_printf(err, "%s:%u: NUL byte in line\n", path, lineno);
			nerr++;
			continue;
		}
		if (len > 0 && line[len - 1] == '\n')
			len--;
		if (len > 0 && line[len - 1] == '\r')
			len--;
		if (len > LINE_MAX_LEN) {
			buf_printf(err, "%s:%u: line longer than %d bytes\n", path, lineno,
			    LINE_MAX_LEN);
			nerr++;
			continue;
		}
		p = str_trim(line);
		if (*p == '\0' || *p == '#')
			continue;
		name = p;
		p += strcspn(p, " \t");
		if (*p != '\0')
			*p++ = '\0';
		value = str_trim(p);
		if ((o = find_option(name)) == NULL) {
			const char *s = suggest(name);

			buf_printf(err, "%s:%u: unknown option \"%s\"", path, lineno, name);
			if (s != NULL)
				buf_printf(err, " (did you mean %s?)", s);
			buf_addc(err, '\n');
			nerr++;
			continue;
		}
		if (lineof[o - options] != 0) {
			buf_printf(err, "%s:%u: %s is set twice (first at line %u)\n", path,
			    lineno, o->name, lineof[o - options]);
			nerr++;
			continue;
		}
		lineof[o - options] = lineno;
		if (*value == '\0') {
			buf_printf(err, "%s:%u: %s needs a value\n", path, lineno, o->name);
			bad[o - options] = true;
			nerr++;
			continue;
		}
		buf_reset(&why);
		if (set_value(c, o, value, &why) != 0) {
			buf_printf(err, "%s:%u: %s\n", path, lineno, buf_str(&why));
			bad[o - options] = true;
			nerr++;
		}
	}
	if (ferror(fp)) {
		buf_printf(err, "%s: read error: %s\n", path, strerror(errno));
		nerr++;
	}
	fclose(fp);
	free(line);
	buf_free(&why);
	check_cross(c, path, lineof, bad, err, &nerr);
	if (nerr != 0) {
		cfg_free(c);
		return NULL;
	}
	c->optline = xcalloc(NELEM(options), sizeof *c->optline);
	memcpy(c->optline, lineof, sizeof lineof);
	return c;
}

/* cfg_blame - prefix the lines err got since from with the option's FILE:LINE */
void
cfg_blame(const struct config *c, const char *name, struct buf *err, size_t from)
{
	const struct cfg_option *o = find_option(name);
	unsigned line = o != NULL && c->optline != NULL ? c->optline[o - options] : 0;
	char *tail, *p, *nl;
	struct buf where;

	if (o == NULL || from >= err->len)
		return;
	buf_init(&where);
	if (line != 0)
		buf_printf(&where, "%s:%u: %s: ", c->path, line, o->name);
	else
		buf_printf(&where, "%s: %s (default): ", c->path, o->name);
	tail = xstrdup(buf_str(err) + from);
	err->len = from;
	err->data[from] = '\0';
	for (p = tail; *p != '\0'; p = nl) {
		nl = p + strcspn(p, "\n");
		buf_adds(err, buf_str(&where));
		buf_add(err, p, (size_t)(nl - p));
		buf_addc(err, '\n');
		if (*nl == '\n')
			nl++;
	}
	free(tail);
	buf_free(&where);
}

/* cfg_ref - one more holder of a snapshot */
struct config *
cfg_ref(struct config *c)
{
	atomic_fetch_add(&c->refcnt, 1);
	return c;
}

/* cfg_unref - one holder less; the last one frees (NULL is a no-op) */
void
cfg_unref(struct config *c)
{
	if (c != NULL && atomic_fetch_sub(&c->refcnt, 1) == 1)
		cfg_free(c);
}

/* syslog_word - the config word for a facility or level value */
static const char *
syslog_word(enum cfg_type t, int v)
{
	static const char *const fac[] = { "mail", "daemon", "user", "local0", "local1",
	    "local2", "local3", "local4", "local5", "local6", "local7" };
	static const char *const lev[] = { "err", "warning", "notice", "info", "debug" };
	const char *const *w = t == CFG_FACILITY ? fac : lev;
	size_t n = t == CFG_FACILITY ? NELEM(fac) : NELEM(lev);

	for (size_t i = 0; i < n; i++)
		if ((t == CFG_FACILITY ? log_facility_from_name(w[i]) :
		    log_level_from_name(w[i])) == v)
			return w[i];
	return "\"\"";
}

/* print_value - an option's current value as it would be written in the file */
static void
print_value(const struct config *c, const struct cfg_option *o, FILE *fp)
{
	const void *f = (const char *)c + o->offset;
	int v;

	switch (o->type) {
	case CFG_STRING:
		fprintf(fp, "\"%s\"", *(char *const *)f);
		break;
	case CFG_BOOL:
		fputs(*(const bool *)f ? "yes" : "no", fp);
		break;
	case CFG_UINT:
		fprintf(fp, "%u", *(const unsigned *)f);
		break;
	case CFG_OCTAL:
		fprintf(fp, "%04o", *(const unsigned *)f);
		break;
	case CFG_ENUM:
		memcpy(&v, f, sizeof v);
		for (const struct cfg_choice *ch = o->choices; ch->word != NULL; ch++)
			if (ch->value == v)
				fputs(ch->word, fp);
		break;
	case CFG_LIST:
		fputc('"', fp);
		for (char *const *l = *(char **const *)f; *l != NULL; l++)
			fprintf(fp, "%s%s", l == *(char **const *)f ? "" : " ", *l);
		fputc('"', fp);
		break;
	case CFG_FACILITY:
	case CFG_LOGLEVEL:
		fputs(syslog_word(o->type, *(const int *)f), fp);
		break;
	}
}

/* cfg_print - every option as a "Name value" line that cfg_load reads back */
void
cfg_print(const struct config *c, FILE *fp)
{
	for (size_t i = 0; i < NELEM(options); i++) {
		fprintf(fp, "%s ", options[i].name);
		print_value(c, &options[i], fp);
		fputc('\n', fp);
	}
}
