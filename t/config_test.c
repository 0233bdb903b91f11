/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * config_test.c - lib/config: defaults, every type, every error path, the sample
 *	file and the man page against the option table
 */
#include "autoconf.h"

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "config.h"
#include "dmarc.h"
#include "message.h"
#include "tap.h"

/* write_tmp - a config file with the given bytes; returns its path (static) */
static const char *
write_tmp(const char *text, size_t len)
{
	static char path[64];
	FILE *fp;
	int fd;

	strcpy(path, "/tmp/config_test.XXXXXX");
	if ((fd = mkstemp(path)) < 0 || (fp = fdopen(fd, "w")) == NULL)
		bail("mkstemp");
	fwrite(text, 1, len, fp);
	fclose(fp);
	return path;
}

/* expect_error - loading text fails with exactly this message at this line */
static void
expect_error(const char *text, unsigned line, const char *msg)
{
	struct buf err;
	const char *path = write_tmp(text, strlen(text));
	struct config *c;
	char want[512];

	buf_init(&err);
	c = cfg_load(path, &err);
	snprintf(want, sizeof want, "%s:%u: %s\n", path, line, msg);
	ok(c == NULL, "refused: %s", msg);
	is_string(want, buf_str(&err), "error text for: %s", msg);
	cfg_unref(c);
	buf_free(&err);
	unlink(path);
}

static const struct {
	const char *text;
	unsigned line;
	const char *msg;
} errors[] = {
	{ "MaximumSignaturs 5\n", 1, "unknown option \"MaximumSignaturs\" (did you mean MaximumSignatures?)" },
	{ "\nFrobnicate yes\n", 2, "unknown option \"Frobnicate\"" },
	{ "LogLevel info\nRejectReplyText \"100%s sure\"\n", 2,
	  "RejectReplyText: unknown placeholder \"%s\" (%m text, %c check, %d domain)" },
	{ "TempfailReplyText \"later %\"\n", 1,
	  "TempfailReplyText: unknown placeholder \"%\" (%m text, %c check, %d domain)" },
	{ "RejectReplyText \"caf\xc3\xa9 %m\"\n", 1,
	  "RejectReplyText: only printable ASCII, no byte 0xc3" },
	{ "SPFCheckHELO maybe\n", 1, "SPFCheckHELO needs yes or no, not \"maybe\"" },
	{ "QuarantineMode drop\n", 1, "QuarantineMode must be one of hold, header, not \"drop\"" },
	{ "MaximumSignatures 0\n", 1, "MaximumSignatures 0 is out of range 1..50" },
	{ "MaximumSignatures 51\n", 1, "MaximumSignatures 51 is out of range 1..50" },
	{ "MaximumHeaderFields 99\n", 1, "MaximumHeaderFields 99 is out of range 100..100000" },
	{ "MaximumSignedFields 2049\n", 1, "MaximumSignedFields 2049 is out of range 10..2048" },
	{ "DNSTimeout 99999999999999999999\n", 1, "DNSTimeout 99999999999999999999 is out of range 1..30" },
	{ "DNSTimeout -1\n", 1, "DNSTimeout needs a whole number" },
	{ "DNSTimeout 5s\n", 1, "DNSTimeout needs a whole number, not \"5s\"" },
	{ "SocketMode 0999\n", 1, "SocketMode needs an octal number, not \"0999\"" },
	{ "SocketMode 01000\n", 1, "SocketMode 01000 is out of range 0..0777" },
	{ "# c\nLogLevel\n", 2, "LogLevel needs a value" },
	{ "LogLevel loud\n", 1, "LogLevel must be err, warning, notice, info or debug, not \"loud\"" },
	{ "SyslogFacility kernel\n", 1, "SyslogFacility must be mail, daemon, user or local0..local7, not \"kernel\"" },
	{ "LogLevel info\nloglevel debug\n", 2, "LogLevel is set twice (first at line 1)" },
	{ "AuthservID \"mx\n", 1, "AuthservID: unterminated quoted value" },
	{ "AuthservID \"\n", 1, "AuthservID: unterminated quoted value" },
	{ "DNSBackend zone\n", 1, "DNSBackend: zone needs DNSZoneFile" },
	{ "DNSZoneFile \"\"\nDNSBackend zone\n", 2, "DNSBackend: zone needs DNSZoneFile" },
	{ "AuthservID \"mx example\"\n", 1, "AuthservID: \"mx example\" is not a host name (letters, digits, '.', '-', '_')" },
	{ "\nAuthservID mx;evil\n", 2, "AuthservID: \"mx;evil\" is not a host name (letters, digits, '.', '-', '_')" },
	{ "\n\nInternalHosts 10.0.0.0/33\n", 3, "InternalHosts: bad address or network \"10.0.0.0/33\"" },
	{ "TagOnlyHosts 192.0.2.1 example.com\n", 1, "TagOnlyHosts: bad address or network \"example.com\"" },
	{ "Frobnicate\n", 1, "unknown option \"Frobnicate\"" },
	{ "dnstimout 5\n", 1, "unknown option \"dnstimout\" (did you mean DNSTimeout?)" },
	{ "TempErrorActoin accept\n", 1, "unknown option \"TempErrorActoin\" (did you mean TempErrorAction?)" },
	{ "MonitorOnly \"\"\n", 1, "MonitorOnly needs yes or no, not \"\"" },
	{ "MonitorOnly yes please\n", 1, "MonitorOnly needs yes or no, not \"yes please\"" },
	{ "BadFromAction none\n", 1, "BadFromAction must be one of accept, quarantine, reject, tempfail, not \"none\"" },
	{ "SPFFailAction accept\n", 1, "SPFFailAction must be one of none, quarantine, reject, not \"accept\"" },
	{ "TempErrorAction reject\n", 1, "TempErrorAction must be one of tempfail, accept, not \"reject\"" },
	{ "DNSBackend system\n", 1, "DNSBackend must be one of unbound, zone, not \"system\"" },
	{ "DMARCOrgDomain rfc7489\n", 1, "DMARCOrgDomain must be one of treewalk, psl, not \"rfc7489\"" },
	{ "BodyLengthPolicy ignore\n", 1, "BodyLengthPolicy must be one of report, fail, not \"ignore\"" },
	{ "EvaluationTimeout 26\n", 1, "EvaluationTimeout 26 is out of range 1..25" },
	{ "DNSTimeout 0\n", 1, "DNSTimeout 0 is out of range 1..30" },
	{ "MinimumKeyBits 511\n", 1, "MinimumKeyBits 511 is out of range 512..8192" },
	{ "MinimumKeyBits 8193\n", 1, "MinimumKeyBits 8193 is out of range 512..8192" },
	{ "MilterTimeout 9\n", 1, "MilterTimeout 9 is out of range 10..7210" },
	{ "MaxSessions 1000001\n", 1, "MaxSessions 1000001 is out of range 0..1000000" },
	{ "HandshakeTimeout 301\n", 1, "HandshakeTimeout 301 is out of range 0..300" },
	{ "MaximumSignatureFields 1001\n", 1, "MaximumSignatureFields 1001 is out of range 1..1000" },
	{ "ClockDrift 86401\n", 1, "ClockDrift 86401 is out of range 0..86400" },
	{ "MaximumSignatures \"\"\n", 1, "MaximumSignatures needs a whole number" },
	{ "MaximumSignatures 5 6\n", 1, "MaximumSignatures needs a whole number, not \"5 6\"" },
	{ "MaximumSignatures 0x10\n", 1, "MaximumSignatures needs a whole number, not \"0x10\"" },
	{ "InternalHosts \"10.0.0.0/8\n", 1, "InternalHosts: unterminated quoted value" },
	{ "Socket inet:0@127.0.0.1\n", 1, "Socket: socket \"inet:0@127.0.0.1\": port must be a number from 1 to 65535" },
	{ "# x\nSocket run/m.sock\n", 2, "Socket: socket \"run/m.sock\": use inet:PORT@ADDR, inet6:PORT@ADDR or unix:/PATH" },
	{ "MetricsSocket inet:70000@127.0.0.1\n", 1, "MetricsSocket: socket \"inet:70000@127.0.0.1\": port must be a number from 1 to 65535" },
	{ "# m\nMetricsSocket unix:/run/m.sock\n", 2, "MetricsSocket: inet:PORT@ADDR or inet6:PORT@ADDR (unix sockets are not supported)" },
	{ "MetricsSocket 9100\n", 1, "MetricsSocket: socket \"9100\": use inet:PORT@ADDR, inet6:PORT@ADDR or unix:/PATH" },
	{ "DNSForwarders 192.0.2.1, dns.example\n", 1, "DNSForwarders: \"dns.example\" is not ADDR or ADDR@PORT (an IP address, a port 1..65535)" },
	{ "DNSForwarders 2001:db8::53@0\n", 1, "DNSForwarders: \"2001:db8::53@0\" is not ADDR or ADDR@PORT (an IP address, a port 1..65535)" },
	{ "DNSForwarders 192.0.2.1@\n", 1, "DNSForwarders: \"192.0.2.1@\" is not ADDR or ADDR@PORT (an IP address, a port 1..65535)" },
	{ "LogLevel info\r\nLOGLEVEL info\r\n", 2, "LogLevel is set twice (first at line 1)" },
	{ "# gw\nTrustedAuthservIDs gw.example.net\n", 2, "TrustedAuthservIDs: needs TrustedRelays (the addresses those hosts connect from)" },
	{ "TrustedRelays 192.0.2.25\nTrustedAuthservIDs gw.example.net gw;evil\n", 2, "TrustedAuthservIDs: \"gw;evil\" is not a host name (letters, digits, '.', '-', '_')" },
	{ "AuthservID mx.example.net\nTrustedRelays 192.0.2.25\nTrustedAuthservIDs MX.example.net\n", 3, "TrustedAuthservIDs: \"MX.example.net\" is our own AuthservID" },
	{ "\nTrustedRelays 192.0.2.25 gw.example.net\n", 2, "TrustedRelays: bad address or network \"gw.example.net\"" },
};

/* test_defaults - the defaults the documentation promises */
static void
test_defaults(void)
{
	struct config *c = cfg_defaults();

	is_string("inet:8891@127.0.0.1", c->socket, "default Socket");
	is_int(0660, c->socket_mode, "default SocketMode");
	is_int(0, c->max_sessions, "default MaxSessions (from the descriptor limit)");
	is_int(10, c->handshake_timeout, "default HandshakeTimeout");
	is_string("", c->metrics_socket, "default MetricsSocket: off");
	is_string("mailauth", c->user, "default UserID");
	is_int(LOG_MAIL, c->syslog_facility, "default SyslogFacility");
	is_int(LOG_INFO, c->log_level, "default LogLevel");
	is_int(DKIM_L_FAIL, c->dkim_body_length,
	    "default BodyLengthPolicy fail: l= leaving content unsigned gives no pass");
	is_int(DNS_BACKEND_UNBOUND, c->dns_backend, "default DNSBackend");
	ok(c->dns_forwarders != NULL && c->dns_forwarders[0] == NULL,
	    "default DNSForwarders is an empty list");
	is_int(5, c->dkim_max_sigs, "default MaximumSignatures");
	is_int(1000, c->dkim_max_headers, "default MaximumHeaderFields");
	is_int(100, c->dkim_max_signed, "default MaximumSignedFields");
	is_int(1024, c->dkim_min_key_bits, "default MinimumKeyBits");
	is_int(ACTION_TEMPFAIL, c->temperror_action, "default TempErrorAction");
	is_int(ACTION_TEMPFAIL, c->internal_error_action, "default InternalErrorAction");
	is_int(ACTION_ACCEPT, c->spf_fail_action, "default SPFFailAction none");
	is_int(ACTION_REJECT, c->bad_from_action, "default BadFromAction");
	ok(c->spf_check_helo && !c->spf_reject_at_mailfrom && c->received_spf &&
	    c->dmarc_honor_policy && !c->monitor_only && c->skip_authenticated &&
	    c->dmarc_np, "default booleans");
	is_int(DMD_TREEWALK, c->dmarc_org_domain, "default DMARCOrgDomain treewalk");
	ok(c->internal_hosts[0] != NULL && strcmp(c->internal_hosts[0], "127.0.0.0/8") == 0 &&
	    c->internal_hosts[1] != NULL && strcmp(c->internal_hosts[1], "::1") == 0 &&
	    c->internal_hosts[2] == NULL, "default InternalHosts is loopback");
	is_int(1, c->refcnt, "fresh snapshot has one reference");
	cfg_ref(c);
	is_int(2, c->refcnt, "cfg_ref counts");
	cfg_unref(c);
	cfg_unref(c);
	cfg_unref(NULL);
}

/* test_good - every type parsed from a file */
static void
test_good(void)
{
	struct buf err;
	struct config *c;

	buf_init(&err);
	c = cfg_load(tap_path("TDATA", "config/good.conf"), &err);
	if (!ok(c != NULL, "good.conf loads")) {
		diag("%s", buf_str(&err));
		return;
	}
	is_string("unix:/run/mailauth/m.sock", c->socket, "string");
	is_int(0600, c->socket_mode, "octal");
	is_string("", c->user, "quoted empty string");
	is_int(LOG_LOCAL3, c->syslog_facility, "facility");
	is_int(LOG_DEBUG, c->log_level, "level");
	is_int(60, c->milter_timeout, "number");
	is_int(3, c->dns_timeout, "lower-case option name");
	is_int(ACTION_ACCEPT, c->internal_error_action, "enum accept");
	is_int(DNS_BACKEND_ZONE, c->dns_backend, "enum zone");
	ok(!c->spf_check_helo, "bool no");
	is_int(ACTION_REJECT, c->spf_fail_action, "action reject");
	is_int(DKIM_L_FAIL, c->dkim_body_length, "BodyLengthPolicy fail");
	is_string("127.0.0.1@5353", c->dns_forwarders[0], "list word 1 (comma)");
	is_string("192.0.2.53", c->dns_forwarders[1], "list word 2");
	ok(c->dns_forwarders[2] == NULL, "list ends");
	is_string("2001:db8::/32", c->internal_hosts[1], "list with comma, no blank");
	is_string("forward.example", c->tag_only_domains[1], "quoted list");
	is_string("", buf_str(&err), "no error text");
	cfg_unref(c);
	buf_free(&err);
}

/* test_accumulate - every error of a file is reported, in order */
static void
test_accumulate(void)
{
	struct buf err;
	const char *p = tap_path("TDATA", "config/errors.conf");
	struct config *c;
	char want[2048];

	buf_init(&err);
	c = cfg_load(p, &err);
	snprintf(want, sizeof want,
	    "%s:3: unknown option \"MaximumSignaturs\" (did you mean MaximumSignatures?)\n"
	    "%s:4: SPFCheckHELO needs yes or no, not \"maybe\"\n"
	    "%s:5: MaximumSignatures 51 is out of range 1..50\n"
	    "%s:6: Socket is set twice (first at line 1)\n"
	    "%s:7: LogLevel needs a value\n", p, p, p, p, p);
	ok(c == NULL, "errors.conf refused");
	is_string(want, buf_str(&err), "all five errors reported with their lines");
	buf_free(&err);
}

/* several errors in one file: "@" starting a line of want stands for the path */
static const struct {
	const char *text, *want;
} multi[] = {
	{ "LogLevel loud\nDNSBackend zone\nInternalHosts 10.0.0.1 300.1.1.1\n",
	  "@:1: LogLevel must be err, warning, notice, info or debug, not \"loud\"\n"
	  "@:2: DNSBackend: zone needs DNSZoneFile\n"
	  "@:3: InternalHosts: bad address or network \"300.1.1.1\"\n" },
	{ "LogLevel\nLogLevel info\n",
	  "@:1: LogLevel needs a value\n"
	  "@:2: LogLevel is set twice (first at line 1)\n" },
	/* a refused DNSZoneFile line does not also report "zone needs DNSZoneFile" */
	{ "InternalHosts \"\nDNSBackend zone\nDNSZoneFile \"x\n",
	  "@:1: InternalHosts: unterminated quoted value\n"
	  "@:3: DNSZoneFile: unterminated quoted value\n" },
	{ "Socket tcp:25\nTagOnlyHosts ::1/129\nDNSForwarders 1.2.3.4@99999 ::1@53\n",
	  "@:1: Socket: socket \"tcp:25\": use inet:PORT@ADDR, inet6:PORT@ADDR or unix:/PATH\n"
	  "@:2: TagOnlyHosts: bad address or network \"::1/129\"\n"
	  "@:3: DNSForwarders: \"1.2.3.4@99999\" is not ADDR or ADDR@PORT (an IP address, a port 1..65535)\n" },
	{ "HistoryStore sqlite\nHistoryFile \"\"\nReportEmail reports\n",
	  "@:1: HistoryStore: sqlite needs HistoryFile\n"
	  "@:3: ReportEmail: \"reports\" is not a plain address (local@domain)\n" },
	{ "ReportEmail \"Reports <r@example.net>\"\nHistoryStore postgresql\n"
	  "HistoryQueueSize 15\n",
	  "@:3: HistoryQueueSize 15 is out of range 16..1000000\n"
	  "@:2: HistoryStore: postgresql needs HistoryConnInfo\n"
	  "@:1: ReportEmail: \"Reports <r@example.net>\" is not a plain address (local@domain)\n" },
	{ "HistoryStore mysql\n",
	  "@:1: HistoryStore must be one of none, sqlite, postgresql, not \"mysql\"\n" },
};

/* test_multi - files with several errors report each, in order */
static void
test_multi(void)
{
	for (size_t i = 0; i < NELEM(multi); i++) {
		const char *path = write_tmp(multi[i].text, strlen(multi[i].text));
		struct buf err, want;
		struct config *c;

		buf_init(&err);
		buf_init(&want);
		for (const char *p = multi[i].want; *p != '\0'; p++)
			if (*p == '@' && (p == multi[i].want || p[-1] == '\n'))
				buf_adds(&want, path);
			else
				buf_addc(&want, *p);
		c = cfg_load(path, &err);
		ok(c == NULL, "multi #%zu refused", i);
		is_string(buf_str(&want), buf_str(&err), "multi #%zu: every error, in order", i);
		cfg_unref(c);
		unlink(path);
		buf_free(&err);
		buf_free(&want);
	}
}

#define OFF(f) offsetof(struct config, f)

/* one-line files that load, and the value they must produce */
static const struct {
	const char *text;
	size_t off;
	char kind;		/* b bool, u unsigned, i int/enum */
	long want;
} accepts[] = {
	{ "SPFCheckHELO no", OFF(spf_check_helo), 'b', 0 },
	{ "SPFCheckHELO TRUE", OFF(spf_check_helo), 'b', 1 },
	{ "MonitorOnly yes", OFF(monitor_only), 'b', 1 },
	{ "MonitorOnly on", OFF(monitor_only), 'b', 1 },
	{ "MonitorOnly 1", OFF(monitor_only), 'b', 1 },
	{ "AddReceivedSPF off", OFF(received_spf), 'b', 0 },
	{ "AddReceivedSPF 0", OFF(received_spf), 'b', 0 },
	{ "AddReceivedSPF False", OFF(received_spf), 'b', 0 },
	{ "MonitorOnly \"yes\"", OFF(monitor_only), 'b', 1 },
	{ "MaximumSignatures 1", OFF(dkim_max_sigs), 'u', 1 },
	{ "MaximumSignatures 50", OFF(dkim_max_sigs), 'u', 50 },
	{ "MaximumSignatureFields 1000", OFF(dkim_max_fields), 'u', 1000 },
	{ "MaximumHeaderFields 100", OFF(dkim_max_headers), 'u', 100 },
	{ "MaximumHeaderFields 100000", OFF(dkim_max_headers), 'u', 100000 },
	{ "MaximumSignedFields 10", OFF(dkim_max_signed), 'u', 10 },
	{ "MaximumSignedFields 2048", OFF(dkim_max_signed), 'u', 2048 },
	{ "EvaluationTimeout 25", OFF(eval_timeout), 'u', 25 },
	{ "DNSTimeout 1", OFF(dns_timeout), 'u', 1 },
	{ "DNSTimeout 30", OFF(dns_timeout), 'u', 30 },
	{ "MinimumKeyBits 512", OFF(dkim_min_key_bits), 'u', 512 },
	{ "MinimumKeyBits 8192", OFF(dkim_min_key_bits), 'u', 8192 },
	{ "MilterTimeout 10", OFF(milter_timeout), 'u', 10 },
	{ "MilterTimeout 7210", OFF(milter_timeout), 'u', 7210 },
	{ "MaxSessions 0", OFF(max_sessions), 'u', 0 },
	{ "MaxSessions 1000000", OFF(max_sessions), 'u', 1000000 },
	{ "HandshakeTimeout 0", OFF(handshake_timeout), 'u', 0 },
	{ "HandshakeTimeout 300", OFF(handshake_timeout), 'u', 300 },
	{ "ClockDrift 0", OFF(dkim_clock_drift), 'u', 0 },
	{ "SocketMode 0", OFF(socket_mode), 'u', 0 },
	{ "SocketMode 777", OFF(socket_mode), 'u', 0777 },
	{ "SocketMode 0640", OFF(socket_mode), 'u', 0640 },
	{ "SPFFailAction none", OFF(spf_fail_action), 'i', ACTION_ACCEPT },
	{ "SPFFailAction quarantine", OFF(spf_fail_action), 'i', ACTION_QUARANTINE },
	{ "SPFSoftfailAction REJECT", OFF(spf_softfail_action), 'i', ACTION_REJECT },
	{ "BadFromAction accept", OFF(bad_from_action), 'i', ACTION_ACCEPT },
	{ "BadFromAction quarantine", OFF(bad_from_action), 'i', ACTION_QUARANTINE },
	{ "BadFromAction tempfail", OFF(bad_from_action), 'i', ACTION_TEMPFAIL },
	{ "TempErrorAction accept", OFF(temperror_action), 'i', ACTION_ACCEPT },
	{ "InternalErrorAction \"tempfail\"", OFF(internal_error_action), 'i', ACTION_TEMPFAIL },
	{ "QuarantineMode header", OFF(quarantine_mode), 'i', QUARANTINE_HEADER },
	{ "BodyLengthPolicy report", OFF(dkim_body_length), 'i', DKIM_L_REPORT },
	{ "DNSBackend unbound", OFF(dns_backend), 'i', DNS_BACKEND_UNBOUND },
	{ "LogLevel err", OFF(log_level), 'i', LOG_ERR },
	{ "LogLevel Warning", OFF(log_level), 'i', LOG_WARNING },
	{ "SyslogFacility daemon", OFF(syslog_facility), 'i', LOG_DAEMON },
	{ "SyslogFacility local7", OFF(syslog_facility), 'i', LOG_LOCAL7 },
	{ "  \tDMARCNonExistentPolicy\t no  ", OFF(dmarc_np), 'b', 0 },
	{ "DMARCOrgDomain psl", OFF(dmarc_org_domain), 'i', DMD_PSL },
	{ "DMARCOrgDomain TreeWalk", OFF(dmarc_org_domain), 'i', DMD_TREEWALK },
	{ "HonorDMARCPolicy no\r", OFF(dmarc_honor_policy), 'b', 0 },
	{ "SkipAuthenticated no", OFF(skip_authenticated), 'b', 0 },
	{ "HistoryStore sqlite", OFF(history_store), 'i', STORE_SQLITE },
	{ "HistoryStore PostgreSQL\nHistoryConnInfo dbname=x", OFF(history_store), 'i',
	  STORE_POSTGRESQL },
	{ "HistoryQueueSize 16", OFF(history_queue), 'u', 16 },
	{ "HistoryQueueSize 1000000", OFF(history_queue), 'u', 1000000 },
	{ "ReportRetentionDays 3650", OFF(report_retention), 'u', 3650 },
	{ "ReportMaxRecords 1", OFF(report_max_records), 'u', 1 },
};

/* strings and lists as loaded: words joined by '|' */
static const struct {
	const char *text;
	size_t off;
	bool list;
	const char *want;
} strings[] = {
	{ "PidFile \"  /tmp/x.pid  \"", OFF(pidfile), false, "  /tmp/x.pid  " },
	{ "AuthservID mx.example", OFF(authserv_id), false, "mx.example" },
	{ "AuthservID \"\"", OFF(authserv_id), false, "" },
	{ "PidFile /tmp/a\"b", OFF(pidfile), false, "/tmp/a\"b" },
	{ "PidFile \"\"", OFF(pidfile), false, "" },
	{ "Socket unix:/run/m.sock\r", OFF(socket), false, "unix:/run/m.sock" },
	{ "Socket inet6:8891@[::1]", OFF(socket), false, "inet6:8891@[::1]" },
	{ "MetricsSocket inet:9100@127.0.0.1", OFF(metrics_socket), false,
	  "inet:9100@127.0.0.1" },
	{ "MetricsSocket inet6:9100@[::1]", OFF(metrics_socket), false,
	  "inet6:9100@[::1]" },
	{ "DNSTrustAnchorFile /usr/share/dns/root.key", OFF(dns_trust_anchor), false,
	  "/usr/share/dns/root.key" },
	{ "PublicSuffixList /x/psl.dat", OFF(psl_file), false, "/x/psl.dat" },
	{ "RejectReplyText \"%c failed for %d: %m; see https://mx.example.net/\"",
	  OFF(reject_reply_text), false, "%c failed for %d: %m; see https://mx.example.net/" },
	{ "TempfailReplyText \"\"", OFF(tempfail_reply_text), false, "" },
	{ "DNSForwarders \"\"", OFF(dns_forwarders), true, "" },
	{ "DNSForwarders 192.0.2.1@5353 2001:db8::53", OFF(dns_forwarders), true,
	  "192.0.2.1@5353|2001:db8::53" },
	{ "InternalHosts 10.0.0.0/8,, \t::1 ,", OFF(internal_hosts), true, "10.0.0.0/8|::1" },
	{ "InternalHosts \"\"", OFF(internal_hosts), true, "" },
	{ "TagOnlyHosts 192.0.2.0/24", OFF(tag_only_hosts), true, "192.0.2.0/24" },
	{ "TrustedRelays 192.0.2.25 2001:db8::25", OFF(trusted_relays), true,
	  "192.0.2.25|2001:db8::25" },
	{ "TrustedRelays 192.0.2.25\nTrustedAuthservIDs gw1.example.net,gw2.example.net",
	  OFF(trusted_ids), true, "gw1.example.net|gw2.example.net" },
	{ "TagOnlyDomains Lists.Example.org", OFF(tag_only_domains), true, "Lists.Example.org" },
	{ "TrustedARCSealers lists.example.org, Forward.Example.", OFF(arc_trusted_sealers),
	  true, "lists.example.org|Forward.Example." },
	{ "TrustedARCSealers \"\"", OFF(arc_trusted_sealers), true, "" },
	{ "HistoryConnInfo \"host=/run/postgresql dbname=mailauth\"", OFF(history_conninfo),
	  false, "host=/run/postgresql dbname=mailauth" },
	{ "ReportEmail dmarc-reports@mx.example.net", OFF(report_email), false,
	  "dmarc-reports@mx.example.net" },
	{ "HistoryFile /var/tmp/h.sqlite", OFF(history_file), false, "/var/tmp/h.sqlite" },
};

/* load_text - cfg_load of a temporary file holding text; err gets the errors */
static struct config *
load_text(const char *text, struct buf *err)
{
	const char *path = write_tmp(text, strlen(text));
	struct config *c = cfg_load(path, err);

	unlink(path);
	return c;
}

/* test_accepts - values that load, and what they become */
static void
test_accepts(void)
{
	struct buf err;

	buf_init(&err);
	for (size_t i = 0; i < NELEM(accepts); i++) {
		struct config *c;
		const char *f;
		long got;

		buf_reset(&err);
		if ((c = load_text(accepts[i].text, &err)) == NULL) {
			ok(0, "loads \"%s\": %s", accepts[i].text, buf_str(&err));
			continue;
		}
		f = (const char *)c + accepts[i].off;
		if (accepts[i].kind == 'b')
			got = *(const bool *)f;
		else if (accepts[i].kind == 'u')
			got = (long)*(const unsigned *)f;
		else
			got = *(const int *)f;
		is_int(accepts[i].want, got, "\"%s\"", accepts[i].text);
		cfg_unref(c);
	}
	for (size_t i = 0; i < NELEM(strings); i++) {
		struct config *c;
		struct buf got;

		buf_reset(&err);
		if ((c = load_text(strings[i].text, &err)) == NULL) {
			ok(0, "loads \"%s\": %s", strings[i].text, buf_str(&err));
			continue;
		}
		buf_init(&got);
		if (strings[i].list) {
			char **l = *(char ***)((char *)c + strings[i].off);

			for (size_t k = 0; l[k] != NULL; k++)
				buf_printf(&got, "%s%s", k == 0 ? "" : "|", l[k]);
		} else {
			buf_adds(&got, *(char **)((char *)c + strings[i].off));
		}
		is_string(strings[i].want, buf_str(&got), "\"%s\"", strings[i].text);
		buf_free(&got);
		cfg_unref(c);
	}
	buf_free(&err);
}

/* test_line_length - 4096 bytes of line are fine, 4097 are not */
static void
test_line_length(void)
{
	struct buf text, err;
	struct config *c;

	buf_init(&text);
	buf_init(&err);
	buf_adds(&text, "AuthservID ");
	while (text.len < 4096)
		buf_addc(&text, 'a');
	buf_adds(&text, "\r\n");
	c = load_text(buf_str(&text), &err);
	ok(c != NULL && strlen(c->authserv_id) == 4096 - 11,
	    "a line of exactly 4096 bytes (CRLF) loads: %s", buf_str(&err));
	cfg_unref(c);
	buf_reset(&text);
	buf_adds(&text, "# c\nAuthservID ");
	while (text.len < 4 + 4097)
		buf_addc(&text, 'a');
	buf_adds(&text, "\nLogLevel bad\n");
	c = load_text(buf_str(&text), &err);
	ok(c == NULL && strstr(buf_str(&err), ":2: line longer than 4096 bytes\n") != NULL &&
	    strstr(buf_str(&err), ":3: LogLevel must be") != NULL,
	    "a line of 4097 bytes is refused, the next line still parsed: %s",
	    buf_str(&err));
	buf_free(&text);
	buf_free(&err);
}

/* test_print - cfg_print writes a file that loads back to the same values */
static void
test_print(void)
{
	struct buf err, out1, out2;
	struct config *c, *d;
	const struct cfg_option *o;
	size_t n, lines = 0;
	char *text;
	size_t len;
	FILE *fp;

	buf_init(&err);
	buf_init(&out1);
	buf_init(&out2);
	c = cfg_load(tap_path("TDATA", "config/good.conf"), &err);
	if (c == NULL)
		bail("good.conf: %s", buf_str(&err));
	fp = open_memstream(&text, &len);
	cfg_print(c, fp);
	fclose(fp);
	buf_add(&out1, text, len);
	free(text);
	o = cfg_options(&n);
	for (const char *p = buf_str(&out1); *p != '\0'; lines++) {
		size_t w = strcspn(p, " ");

		if (lines >= n || strlen(o[lines].name) != w ||
		    strncmp(p, o[lines].name, w) != 0)
			break;
		p = strchr(p, '\n');
		p = p != NULL ? p + 1 : "";
	}
	is_int((long)n, (long)lines, "cfg_print: one \"Name value\" line per option, in order");
	ok(strstr(buf_str(&out1), "\nSyslogFacility local3\n") != NULL &&
	    strstr(buf_str(&out1), "\nLogLevel debug\n") != NULL &&
	    strstr(buf_str(&out1), "\nSocketMode 0600\n") != NULL &&
	    strstr(buf_str(&out1), "\nUserID \"\"\n") != NULL &&
	    strstr(buf_str(&out1), "\nSPFFailAction reject\n") != NULL &&
	    strstr(buf_str(&out1), "\nInternalHosts \"10.0.0.0/8 2001:db8::/32\"\n") != NULL,
	    "cfg_print writes words as the file does");
	d = load_text(buf_str(&out1), &err);
	ok(d != NULL, "cfg_print output loads: %s", buf_str(&err));
	if (d != NULL) {
		fp = open_memstream(&text, &len);
		cfg_print(d, fp);
		fclose(fp);
		buf_add(&out2, text, len);
		free(text);
		is_string(buf_str(&out1), buf_str(&out2), "print, load, print is stable");
		is_int(c->dns_timeout, d->dns_timeout, "round trip keeps DNSTimeout");
		cfg_unref(d);
	}
	cfg_unref(c);
	is_string("accept", cfg_action_name(ACTION_ACCEPT), "action name accept");
	is_string("quarantine", cfg_action_name(ACTION_QUARANTINE), "action name quarantine");
	is_string("reject", cfg_action_name(ACTION_REJECT), "action name reject");
	is_string("tempfail", cfg_action_name(ACTION_TEMPFAIL), "action name tempfail");
	buf_free(&err);
	buf_free(&out1);
	buf_free(&out2);
}

/* pinner - take and drop references, as message threads do */
static void *
pinner(void *arg)
{
	struct config *c = arg;

	for (int i = 0; i < 20000; i++) {
		cfg_ref(c);
		cfg_unref(c);
	}
	cfg_unref(c);		/* the reference main took for this thread */
	return NULL;
}

/* test_threads - concurrent ref/unref leaves the count exact */
static void
test_threads(void)
{
	pthread_t t[4];
	struct config *c = cfg_defaults();
	int started = 0;

	for (size_t i = 0; i < NELEM(t); i++)
		if (pthread_create(&t[i], NULL, pinner, cfg_ref(c)) == 0)
			started++;
		else
			cfg_unref(c);
	for (int i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	is_int(4, started, "four pinning threads ran");
	is_int(1, atomic_load(&c->refcnt),
	    "refcount back to 1 after concurrent ref/unref");
	cfg_unref(c);		/* frees: ASan reports a leak otherwise */
}

/* test_odd_files - missing file, NUL byte, overlong line */
static void
test_odd_files(void)
{
	struct buf err;
	const char *path;
	char *big;

	buf_init(&err);
	ok(cfg_load("/nonexistent/mailauth.conf", &err) == NULL, "missing file refused");
	is_string("/nonexistent/mailauth.conf: cannot open: No such file or directory\n",
	    buf_str(&err), "missing file message");
	buf_reset(&err);
	ok(cfg_load(tap_path("TDATA", "config"), &err) == NULL &&
	    strstr(buf_str(&err), "config: read error: Is a directory\n") != NULL,
	    "a directory is refused: %s", buf_str(&err));
	buf_reset(&err);
	{
		struct config *e = load_text("", &err), *d = cfg_defaults();
		struct config *cm = load_text("# only\n\n   # comments\n\t\n", &err);
		char *t1, *t2, *t3;
		size_t l1, l2, l3;
		FILE *f1 = open_memstream(&t1, &l1), *f2 = open_memstream(&t2, &l2);
		FILE *f3 = open_memstream(&t3, &l3);

		if (e != NULL)
			cfg_print(e, f1);
		cfg_print(d, f2);
		if (cm != NULL)
			cfg_print(cm, f3);
		fclose(f1);
		fclose(f2);
		fclose(f3);
		ok(e != NULL && cm != NULL && l2 > 0 && strcmp(t1, t2) == 0 &&
		    strcmp(t3, t2) == 0, "an empty file and a comments-only file give the defaults");
		free(t1);
		free(t2);
		free(t3);
		cfg_unref(e);
		cfg_unref(d);
		cfg_unref(cm);
	}
	buf_reset(&err);
	path = write_tmp("LogLevel info\nAuthservID a\0b\n", 28);
	ok(cfg_load(path, &err) == NULL, "NUL byte refused");
	ok(strstr(buf_str(&err), ":2: NUL byte in line") != NULL, "NUL byte at line 2: %s",
	    buf_str(&err));
	unlink(path);
	buf_reset(&err);
	big = xmalloc(6000);
	memset(big, 'x', 5998);
	memcpy(big, "AuthservID ", 11);
	big[5998] = '\n';
	big[5999] = '\0';
	path = write_tmp(big, strlen(big));
	ok(cfg_load(path, &err) == NULL, "overlong line refused");
	ok(strstr(buf_str(&err), ":1: line longer than 4096 bytes") != NULL,
	    "overlong line message");
	unlink(path);
	free(big);
	buf_free(&err);
}

/* read_file - whole file into a buf; false if unreadable */
static bool
read_file(const char *path, struct buf *b)
{
	char chunk[4096];
	size_t n;
	FILE *fp = fopen(path, "r");

	if (fp == NULL)
		return false;
	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
		buf_add(b, chunk, n);
	fclose(fp);
	return true;
}

/* sample_value - the value shown on the sample's line "Name v" or "# Name v",
 * outer quotes removed; NULL if there is none */
static const char *
sample_value(const char *text, const char *name, char *out, size_t len)
{
	size_t nl = strlen(name);

	for (const char *p = text; p != NULL && *p != '\0';) {
		const char *q = p, *end = strchr(p, '\n');
		size_t vl;

		if (strncmp(q, "# ", 2) == 0)
			q += 2;
		if (strncmp(q, name, nl) == 0 && q[nl] == ' ') {
			q += nl + 1;
			vl = end != NULL ? (size_t)(end - q) : strlen(q);
			if (vl >= 2 && q[0] == '"' && q[vl - 1] == '"') {
				q++;
				vl -= 2;
			}
			if (vl >= len)
				return NULL;
			memcpy(out, q, vl);
			out[vl] = '\0';
			return out;
		}
		p = end != NULL ? end + 1 : NULL;
	}
	return NULL;
}

/* man_default - the "Default: \fBv\fP." (or "Default: empty.") of the man page's
 * entry ".TP" ".B Name"; NULL if there is none */
static const char *
man_default(const char *man, const char *name, char *out, size_t len)
{
	char head[128];
	const char *p, *next, *d, *e;

	snprintf(head, sizeof head, "\n.TP\n.B %s\n", name);
	if ((p = strstr(man, head)) == NULL)
		return NULL;
	p += strlen(head);
	next = strstr(p, "\n.TP");
	if ((d = strstr(p, "Default: ")) == NULL || (next != NULL && d > next))
		return NULL;
	d += strlen("Default: ");
	if (strncmp(d, "empty.", 6) == 0) {
		out[0] = '\0';
		return out;
	}
	if (strncmp(d, "\\fB", 3) != 0 || (e = strstr(d + 3, "\\fP")) == NULL ||
	    (size_t)(e - d - 3) >= len)
		return NULL;
	memcpy(out, d + 3, (size_t)(e - d - 3));
	out[e - d - 3] = '\0';
	return out;
}

/* test_docs - the sample and the man page name every option; nothing more */
static void
test_docs(void)
{
	const char *sample = tap_path("top_srcdir", "conf/mailauth.conf");
	const char *man = tap_path("top_srcdir", "man/mailauth.conf.5");
	const struct cfg_option *o;
	struct buf text, err, manb;
	struct config *c;
	size_t n, missing = 0, undocumented = 0, mmissing = 0;

	buf_init(&text);
	buf_init(&err);
	buf_init(&manb);
	c = cfg_load(sample, &err);
	ok(c != NULL, "shipped conf/mailauth.conf loads: %s", buf_str(&err));
	cfg_unref(c);
	if (!read_file(sample, &text) || !read_file(man, &manb))
		bail("cannot read %s or %s", sample, man);
	o = cfg_options(&n);
	for (size_t i = 0; i < n; i++) {
		char want[128];
		const char *v;

		if ((v = sample_value(buf_str(&text), o[i].name, want, sizeof want)) == NULL) {
			diag("%s missing from the sample", o[i].name);
			missing++;
		} else if (strcmp(v, o[i].def) != 0) {
			diag("the sample shows %s \"%s\", the default is \"%s\"", o[i].name,
			    v, o[i].def);
			missing++;
		}
		if ((v = man_default(buf_str(&manb), o[i].name, want, sizeof want)) == NULL) {
			diag("%s or its Default missing from mailauth.conf(5)", o[i].name);
			mmissing++;
		} else if (strcmp(v, o[i].def) != 0) {
			diag("mailauth.conf(5) gives %s default \"%s\", the table \"%s\"",
			    o[i].name, v, o[i].def);
			mmissing++;
		}
	}
	is_int(0, (long)missing, "every option of the table is in the sample, with its default");
	is_int(0, (long)mmissing, "every option of the table is in mailauth.conf(5), with its default");
	/* every "Name value" line of the sample, active or commented, is a real option */
	for (char *line = text.data; line != NULL && *line != '\0';) {
		char *nl = strchr(line, '\n'), word[128];
		const char *p = line;
		bool known = false;

		if (nl != NULL)
			*nl = '\0';
		if (strncmp(p, "# ", 2) == 0)
			p += 2;
		if (sscanf(p, "%127s", word) == 1 && word[0] >= 'A' && word[0] <= 'Z' &&
		    strchr(p, ' ') != NULL &&
		    strspn(word, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") ==
		    strlen(word)) {
			for (size_t i = 0; i < n; i++)
				if (strcmp(word, o[i].name) == 0)
					known = true;
			/* prose lines also start with a capital word: only flag
			 * lines shaped exactly "Name value" with a CamelCase name */
			if (!known && strlen(word) > 3 && strpbrk(word + 1,
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != NULL &&
			    strchr(p, '.') == NULL) {
				diag("sample names unknown option %s", word);
				undocumented++;
			}
		}
		line = nl != NULL ? nl + 1 : NULL;
	}
	is_int(0, (long)undocumented, "the sample names no option the table lacks");
	buf_free(&text);
	buf_free(&manb);
	buf_free(&err);
}

/* test_file_options - a missing PSL or zone file is reported at the line of
 * the option that named it, in the same words (mailauth -n, reload) */
static void
test_file_options(void)
{
	static const struct {
		const char *text, *option, *file;
		unsigned line;
	} cases[] = {
		{ "LogLevel info\nPublicSuffixList /nonexistent/psl.dat\n",
		  "PublicSuffixList", "/nonexistent/psl.dat", 2 },
		{ "DNSBackend zone\n# comment\nDNSZoneFile /nonexistent/z.zone\n",
		  "DNSZoneFile", "/nonexistent/z.zone", 3 },
	};
	struct buf err;
	struct config *c;
	struct engine *e;
	char want[512];

	buf_init(&err);
	for (size_t i = 0; i < NELEM(cases); i++) {
		const char *path = write_tmp(cases[i].text, strlen(cases[i].text));

		buf_reset(&err);
		c = cfg_load(path, &err);
		ok(c != NULL, "%s loads: %s", cases[i].option, buf_str(&err));
		if (c == NULL)
			continue;
		e = engine_new(c, &err);
		snprintf(want, sizeof want, "%s:%u: %s: %s: cannot open: No such file or "
		    "directory\n", path, cases[i].line, cases[i].option, cases[i].file);
		ok(e == NULL, "missing %s file refused", cases[i].option);
		is_string(want, buf_str(&err), "missing %s file: file:line of the option",
		    cases[i].option);
		engine_unref(e);
		cfg_unref(c);
		unlink(path);
	}
	/* an option left at its default is named as such */
	c = cfg_defaults();
	buf_reset(&err);
	buf_adds(&err, "before\n");
	buf_adds(&err, "one\ntwo");
	cfg_blame(c, "PublicSuffixList", &err, 7);
	is_string("before\n(defaults): PublicSuffixList (default): one\n"
	    "(defaults): PublicSuffixList (default): two\n", buf_str(&err),
	    "cfg_blame: every new line, the default named, earlier text kept");
	cfg_unref(c);
	buf_free(&err);
}

int
main(void)
{
	test_defaults();
	test_good();
	for (size_t i = 0; i < NELEM(errors); i++)
		expect_error(errors[i].text, errors[i].line, errors[i].msg);
	test_accumulate();
	test_multi();
	test_accepts();
	test_line_length();
	test_print();
	test_threads();
	test_odd_files();
	test_file_options();
	test_docs();
	return done_testing();
}
