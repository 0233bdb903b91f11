/*
 * log.c - syslog or stderr logging (see log.h)
 */
#include "autoconf.h"

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

/* log_emit - format one line (prefix, text) and send it where it goes */
static void
log_emit(int pri, const char *prefix, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	int n = 0;

	if (pri > log_max_level && log_capture == NULL)
		return;
	if (prefix != NULL)
		n = snprintf(line, sizeof line, "%s: ", prefix);
	if (n < 0 || (size_t)n >= sizeof line)
		n = 0;
	vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
	/* never let a stray CR/LF split a log line */
	for (char *p = line; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
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
