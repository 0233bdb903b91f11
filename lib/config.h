/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * config.h - mailauth.conf: the option table, the parser, reference-counted snapshots
 * SYNOPSIS
 *	struct config *cfg_load(const char *path, struct buf *err);
 *	struct config *cfg_defaults(void);
 *	struct config *cfg_ref(struct config *c);
 *	void cfg_unref(struct config *c);
 *	const struct cfg_option *cfg_options(size_t *n);
 *	void cfg_print(const struct config *c, FILE *fp);
 *	void cfg_blame(const struct config *c, const char *name, struct buf *err,
 *	    size_t from);
 * DESCRIPTION
 *	A file is lines of "Name value" (one blank or tab between, value to end of line,
 *	leading/trailing blanks trimmed); '#' starts a comment line; names are
 *	case-insensitive. cfg_load() returns a new snapshot with refcount 1, or NULL with
 *	every problem appended to err as "FILE:LINE: message\n" (unknown key with a
 *	did-you-mean, bad value, out of range, duplicate key). A snapshot is immutable once
 *	loaded: each message pins the one current at its connect (cfg_ref) and lets go at
 *	close (cfg_unref); SIGUSR1 installs a new one atomically.
 *	Lists (CFG_LIST) are words separated by blanks or commas.
 *	cfg_history_target() is what store_open() takes for HistoryStore: the
 *	HistoryFile for sqlite, the HistoryConnInfo for postgresql ("" for none).
 *	The snapshot keeps the line of each option; cfg_blame() prefixes every line
 *	appended to err since offset from with "FILE:LINE: Name: " of the option that
 *	named the failing file or setting ("FILE: Name (default): " when the file did
 *	not set it), for problems found after loading (a missing PSL or zone file).
 */
#ifndef MAILAUTH_CONFIG_H
#define MAILAUTH_CONFIG_H

#include <stdbool.h>
#include <stdatomic.h>
#include <stdio.h>

#include "util.h"

/* what to do with a message; the order is severity (policy takes the max) */
enum action {
	ACTION_ACCEPT = 0,
	ACTION_QUARANTINE,
	ACTION_REJECT,
	ACTION_TEMPFAIL,
};

enum dns_backend_kind { DNS_BACKEND_UNBOUND = 0, DNS_BACKEND_ZONE };
enum quarantine_mode { QUARANTINE_HOLD = 0, QUARANTINE_HEADER };
enum dkim_l_policy { DKIM_L_REPORT = 0, DKIM_L_FAIL };
/* HistoryStore: the database lib/store opens for the DMARC history */
enum store_kind { STORE_NONE = 0, STORE_SQLITE, STORE_POSTGRESQL };

struct config {
	atomic_int refcnt;		/* cfg_ref/cfg_unref */
	char *path;
	unsigned *optline;		/* line of each option in path (0: not set) */

	/* daemon */
	char *socket;			/* Socket inet:8891@127.0.0.1 */
	char *metrics_socket;		/* MetricsSocket "" (off) */
	unsigned socket_mode;		/* SocketMode 0660 (unix sockets) */
	char *user;			/* UserID mailauth ("" = stay) */
	char *pidfile;			/* PidFile /run/mailauth/mailauth.pid ("" = none) */
	int syslog_facility;		/* SyslogFacility mail */
	int log_level;			/* LogLevel info */
	char *authserv_id;		/* AuthservID "" = host name */
	unsigned milter_timeout;	/* MilterTimeout 300 s (MTA I/O) */
	unsigned max_sessions;		/* MaxSessions 0 = from the descriptor limit */
	unsigned handshake_timeout;	/* HandshakeTimeout 10 s (0 = off) */
	enum action internal_error_action;	/* InternalErrorAction tempfail|accept */

	/* DNS */
	enum dns_backend_kind dns_backend;	/* DNSBackend unbound|zone */
	char *dns_zone_file;		/* DNSZoneFile "" */
	char **dns_forwarders;		/* DNSForwarders (empty = full recursion) */
	char *dns_trust_anchor;		/* DNSTrustAnchorFile "" */
	unsigned dns_timeout;		/* DNSTimeout 5 s per query */
	unsigned eval_timeout;		/* EvaluationTimeout 20 s per milter step */

	/* SPF */
	bool spf_check_helo;		/* SPFCheckHELO yes */
	enum action spf_fail_action;	/* SPFFailAction none(accept)|quarantine|reject */
	enum action spf_softfail_action;	/* SPFSoftfailAction none */
	bool spf_reject_at_mailfrom;	/* SPFRejectAtMailFrom no */
	bool received_spf;		/* AddReceivedSPF yes */

	/* DKIM */
	unsigned dkim_max_sigs;		/* MaximumSignatures 5 */
	unsigned dkim_max_fields;	/* MaximumSignatureFields 50 */
	unsigned dkim_max_headers;	/* MaximumHeaderFields 1000 */
	unsigned dkim_max_signed;	/* MaximumSignedFields 100 */
	unsigned dkim_min_key_bits;	/* MinimumKeyBits 1024 */
	enum dkim_l_policy dkim_body_length;	/* BodyLengthPolicy report|fail */
	unsigned dkim_clock_drift;	/* ClockDrift 300 s */

	/* DMARC and policy */
	char *psl_file;			/* PublicSuffixList /usr/share/publicsuffix/public_suffix_list.dat */
	bool dmarc_honor_policy;	/* HonorDMARCPolicy yes */
	enum quarantine_mode quarantine_mode;	/* QuarantineMode hold|header */
	bool dmarc_np;			/* DMARCNonExistentPolicy yes (RFC 9989 np=) */
	int dmarc_org_domain;		/* DMARCOrgDomain treewalk|psl: an enum
					   dmarc_discovery (lib/dmarc.h) */
	enum action bad_from_action;	/* BadFromAction reject (no/several From, unparseable) */
	bool monitor_only;		/* MonitorOnly no */
	enum action temperror_action;	/* TempErrorAction tempfail|accept */
	char *reject_reply_text;	/* RejectReplyText "%m" (lib/policy.c) */
	char *tempfail_reply_text;	/* TempfailReplyText "%m" */
	char **internal_hosts;		/* InternalHosts 127.0.0.0/8 ::1 */
	bool skip_authenticated;	/* SkipAuthenticated yes */
	char **tag_only_domains;	/* TagOnlyDomains (From domains) */
	char **tag_only_hosts;		/* TagOnlyHosts (forwarders' networks) */
	char *policy_map;		/* PolicyMap "" (per-domain rules, policymap.h) */
	char **arc_trusted_sealers;	/* TrustedARCSealers (ARC-Seal d= domains) */
	char **trusted_relays;		/* TrustedRelays (gateways' networks) */
	char **trusted_ids;		/* TrustedAuthservIDs (their authserv-ids) */

	/* DMARC aggregate reports */
	enum store_kind history_store;	/* HistoryStore none|sqlite|postgresql */
	char *history_file;		/* HistoryFile /var/lib/mailauth/history.sqlite */
	char *history_conninfo;		/* HistoryConnInfo "" (libpq) */
	unsigned history_queue;		/* HistoryQueueSize 10000 rows */
	char *report_org;		/* ReportOrgName "" = AuthservID */
	char *report_email;		/* ReportEmail "" (needed to send) */
	char *report_contact;		/* ReportExtraContact "" */
	char *report_sendmail;		/* ReportSendmail /usr/sbin/sendmail */
	unsigned report_retention;	/* ReportRetentionDays 31 */
	unsigned report_max_records;	/* ReportMaxRecords 10000 per report */
	char **report_suppress;		/* ReportSuppress (destinations never sent to) */
};

enum cfg_type { CFG_STRING, CFG_BOOL, CFG_UINT, CFG_OCTAL, CFG_ENUM, CFG_LIST,
	CFG_FACILITY, CFG_LOGLEVEL };

struct cfg_choice {
	const char *word;
	int value;
};

struct cfg_option {
	const char *name;
	enum cfg_type type;
	const char *def;		/* default, as written in the file */
	unsigned long min, max;		/* CFG_UINT / CFG_OCTAL bounds */
	const struct cfg_choice *choices;	/* CFG_ENUM, NULL-word terminated */
	size_t offset;			/* into struct config */
	const char *doc;		/* one line */
};

struct config *cfg_load(const char *path, struct buf *err);
struct config *cfg_defaults(void);
struct config *cfg_ref(struct config *c);
void cfg_unref(struct config *c);
const struct cfg_option *cfg_options(size_t *n);
void cfg_print(const struct config *c, FILE *fp);
void cfg_blame(const struct config *c, const char *name, struct buf *err, size_t from);
const char *cfg_action_name(enum action a);
const char *cfg_history_target(const struct config *c);

#endif
