/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * log.c - syslog or stderr logging (see log.h)
 * DESCRIPTION
 *	Two rules make every line safe to read and to parse, whatever a caller
 *	passes: log_emit() writes each byte below 0x20, 0x7f and each byte from
 *	0x80 as \xHH in the final line (a CR, LF, ESC or BS from DNS or SMTP can
 *	neither split a line nor drive a terminal; UTF-8 is escaped too: no caller
 *	needs it verbatim), and the queue id prefix keeps only [A-Za-z0-9._-], the
 *	rest as \xHH, so it cannot carry ": key=value". log_kv() is the one
 *	quoting rule of key=value lines (mailauth(8), LOG KEYS).
 */
#include "autoconf.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include "log.h"

#define LOG_LINE_MAX 4096

static int log_to_stderr = 1;
static _Atomic int log_max_level = LOG_INFO;	/* set by the reload thread */
static const char *log_ident = "mailauth";
static log_capture_fn *log_capture;
static void *log_capture_arg;

static const struct {
	const char *name;
	int value;
} facilities[] = {
	{ "mail", LOG_MAIL }, { "daemon", LOG_DAEMON }, { "user", LOG_USER },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 }, { "local2", LOG_LOCAL2 },
	{ "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
}, levels[] = {
	{ "err", LOG_ERR }, { "warning", LOG_WARNING }, { "notice", LOG_NOTICE },
	{ "info", LOG_INFO }, { "debug", LOG_DEBUG },
};

/* log_open - choose syslog (with facility) or stderr */
void
log_open(const char *ident, int facility, bool to_stderr)
{
	log_ident = ident;
	log_to_stderr = to_stderr;
	if (!to_stderr)
		openlog(ident, LOG_PID | LOG_NDELAY, facility);
}

void
log_set_level(int level)
{
	log_max_level = level;
}

int
log_level(void)
{
	return log_max_level;
}

void
log_set_capture(log_capture_fn *fn, void *arg)
{
	log_capture = fn;
	log_capture_arg = arg;
}

int
log_facility_from_name(const char *name)
{
	for (size_t i = 0; i < NELEM(facilities); i++)
		if (strcasecmp(name, facilities[i].name) == 0)
			return facilities[i].value;
	return -1;
}

int
log_level_from_name(const char *name)
{
	for (size_t i = 0; i < NELEM(levels); i++)
		if (strcasecmp(name, levels[i].name) == 0)
			return levels[i].value;
	return -1;
}

/* put_escaped - copy in to out[*n..max), bytes outside [0x20, 0x7e] (and, when
 * qid, bytes outside [A-Za-z0-9._-]) as \xHH; stops before a cut escape */
static void
put_escaped(char *out, size_t *n, size_t max, const char *in, bool qid)
{
	static const char hex[] = "0123456789abcdef";

	for (; *in != '\0'; in++) {
		unsigned char c = (unsigned char)*in;
		bool plain = qid ? (isalnum(c) && c < 0x80) || c == '.' || c == '_' ||
		    c == '-' : c >= 0x20 && c < 0x7f;

		if (*n + (plain ? 1 : 4) >= max)
			break;
		if (plain) {
			out[(*n)++] = (char)c;
			continue;
		}
		out[(*n)++] = '\\';
		out[(*n)++] = 'x';
		out[(*n)++] = hex[c >> 4];
		out[(*n)++] = hex[c & 15];
	}
	out[*n] = '\0';
}

/* log_emit - format one line (prefix, text) and send it where it goes */
static void
log_emit(int pri, const char *prefix, const char *fmt, va_list ap)
{
	char text[LOG_LINE_MAX], line[LOG_LINE_MAX];
	size_t n = 0;

	if (pri > log_max_level && log_capture == NULL)
		return;
	line[0] = '\0';
	if (prefix != NULL) {
		put_escaped(line, &n, 128, prefix, true);
		put_escaped(line, &n, sizeof line, ": ", false);
	}
	vsnprintf(text, sizeof text, fmt, ap);
	/* no control byte, DEL or 8-bit byte reaches a log line as it is */
	put_escaped(line, &n, sizeof line, text, false);
	if (log_capture != NULL)
		log_capture(pri, line, log_capture_arg);
	if (pri > log_max_level)
		return;
	if (log_to_stderr) {
		char out[LOG_LINE_MAX + 64];
		int m = snprintf(out, sizeof out, "%s[%ld]: %s\n", log_ident,
		    (long)getpid(), line);

		if (m > 0)
			(void)!write(STDERR_FILENO, out,
			    (size_t)m < sizeof out ? (size_t)m : sizeof out - 1);
	} else {
		syslog(pri, "%s", line);
	}
}

void
log_msg(int pri, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(pri, NULL, fmt, ap);
	va_end(ap);
}

void
log_qid(int pri, const char *qid, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(pri, qid != NULL && *qid != '\0' ? qid : "NOQUEUE", fmt, ap);
	va_end(ap);
}

/* log_kv - append key=value (after a space unless b is empty): value bare when it is printable
 * ASCII without space, '"', '\\' or '=', else quoted (see log.h) */
void
log_kv(struct buf *b, const char *key, const char *value)
{
	struct buf tmp;
	const char *p;

	buf_init(&tmp);
	str_sanitize(&tmp, value != NULL ? value : "", LOG_VALUE_MAX);
	if (tmp.len > 0 && strpbrk(buf_str(&tmp), " \"\\=") == NULL) {
		buf_printf(b, "%s%s=%s", b->len > 0 ? " " : "", key, buf_str(&tmp));
	} else {
		buf_printf(b, "%s%s=\"", b->len > 0 ? " " : "", key);
		for (p = buf_str(&tmp); *p != '\0'; p++) {
			if (*p == '"')
				buf_addc(b, '\\');
			buf_addc(b, *p);
		}
		buf_addc(b, '"');
	}
	buf_free(&tmp);
}

void
fatal(const char *fmt, ...)
{
	char text[LOG_LINE_MAX];
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	log_msg(LOG_ERR, "%s: %s", text, strerror(saved));
	exit(EX_OSERR);
}

void
fatalx(int exitcode, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_ERR, NULL, fmt, ap);
	va_end(ap);
	exit(exitcode);
}

/* panic - an internal inconsistency (a bug): log at LOG_CRIT, then abort() */
void
panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_CRIT, NULL, fmt, ap);
	va_end(ap);
	abort();
}
