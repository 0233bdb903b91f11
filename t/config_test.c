/*
 * config_test.c - lib/config: defaults, every type, every error path, the sample
 *	file and the man page against the option table
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "config.h"
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
	{ "SPFCheckHELO maybe\n", 1, "SPFCheckHELO needs yes or no, not \"maybe\"" },
	{ "QuarantineMode drop\n", 1, "QuarantineMode must be one of hold, header, not \"drop\"" },
	{ "MaximumSignatures 0\n", 1, "MaximumSignatures 0 is out of range 1..50" },
	{ "MaximumSignatures 51\n", 1, "MaximumSignatures 51 is out of range 1..50" },
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
	{ "DNSBackend zone\n", 1, "DNSBackend zone needs DNSZoneFile" },
	{ "\n\nInternalHosts 10.0.0.0/33\n", 3, "InternalHosts: bad address or network \"10.0.0.0/33\"" },
	{ "TagOnlyHosts 192.0.2.1 example.com\n", 1, "TagOnlyHosts: bad address or network \"example.com\"" },
};

/* test_defaults - the defaults the documentation promises */
static void
test_defaults(void)
{
	struct config *c = cfg_defaults();

	is_string("inet:8891@127.0.0.1", c->socket, "default Socket");
	is_int(0660, c->socket_mode, "default SocketMode");
	is_string("mailauth", c->user, "default UserID");
	is_int(LOG_MAIL, c->syslog_facility, "default SyslogFacility");
	is_int(LOG_INFO, c->log_level, "default LogLevel");
	is_int(DNS_BACKEND_UNBOUND, c->dns_backend, "default DNSBackend");
	ok(c->dns_forwarders != NULL && c->dns_forwarders[0] == NULL,
	    "default DNSForwarders is an empty list");
	is_int(5, c->dkim_max_sigs, "default MaximumSignatures");
	is_int(1024, c->dkim_min_key_bits, "default MinimumKeyBits");
	is_int(ACTION_TEMPFAIL, c->temperror_action, "default TempErrorAction");
	is_int(ACTION_TEMPFAIL, c->internal_error_action, "default InternalErrorAction");
	is_int(ACTION_ACCEPT, c->spf_fail_action, "default SPFFailAction none");
	is_int(ACTION_REJECT, c->bad_from_action, "default BadFromAction");
	ok(c->spf_check_helo && !c->spf_reject_at_mailfrom && c->received_spf &&
	    c->dmarc_honor_policy && !c->monitor_only && c->skip_authenticated &&
	    !c->dmarc_np, "default booleans");
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
		char want[128], wantm[128];

		snprintf(want, sizeof want, "\n%s ", o[i].name);
		snprintf(wantm, sizeof wantm, "\n# %s ", o[i].name);
		if (strstr(buf_str(&text), want) == NULL &&
		    strstr(buf_str(&text), wantm) == NULL) {
			diag("%s missing from the sample", o[i].name);
			missing++;
		}
		snprintf(want, sizeof want, "\n.B %s\n", o[i].name);
		if (strstr(buf_str(&manb), want) == NULL) {
			diag("%s missing from mailauth.conf(5)", o[i].name);
			mmissing++;
		}
	}
	is_int(0, (long)missing, "every option of the table is in the sample");
	is_int(0, (long)mmissing, "every option of the table is in mailauth.conf(5)");
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

int
main(void)
{
	test_defaults();
	test_good();
	for (size_t i = 0; i < NELEM(errors); i++)
		expect_error(errors[i].text, errors[i].line, errors[i].msg);
	test_accumulate();
	test_odd_files();
	test_docs();
	return done_testing();
}
