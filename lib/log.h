/*
 * log.h - syslog (facility mail by default) or stderr logging
 * SYNOPSIS
 *	void log_open(const char *ident, int facility, bool to_stderr);
 *	void log_set_level(int level);		LOG_ERR ... LOG_DEBUG; lines above it are dropped
 *	int log_level(void);
 *	void log_msg(int pri, const char *fmt, ...);
 *	void log_qid(int pri, const char *qid, const char *fmt, ...);	"QID: text"
 *	void fatal(const char *fmt, ...);	log at LOG_ERR with ": strerror(errno)", exit(EX_OSERR)
 *	void fatalx(int exitcode, const char *fmt, ...);	log at LOG_ERR, exit(exitcode)
 *	void log_set_capture(log_capture_fn *fn, void *arg);	tests: receive every line
 * DESCRIPTION
 *	Thread-safe: syslog(3) and one write(2) per stderr line. Per-message lines start
 *	with the MTA queue id ("NOQUEUE" when there is none yet). Lines longer than 4096
 *	bytes are cut. Message text that comes from the network must be passed through
 *	str_sanitize() by the caller; this module does not log message bodies, ever.
 *	log_facility_from_name()/log_level_from_name() map config words (mail, daemon,
 *	local0..local7 / err, warning, notice, info, debug) to syslog values, -1 if unknown.
 */
#ifndef MAILAUTH_LOG_H
#define MAILAUTH_LOG_H

#include <stdbool.h>
#include <syslog.h>

#include "util.h"

typedef void log_capture_fn(int pri, const char *line, void *arg);

void log_open(const char *ident, int facility, bool to_stderr);
void log_set_level(int level);
int log_level(void);
void log_msg(int pri, const char *fmt, ...) PRINTF_LIKE(2, 3);
void log_qid(int pri, const char *qid, const char *fmt, ...) PRINTF_LIKE(3, 4);
void fatal(const char *fmt, ...) PRINTF_LIKE(1, 2) NORETURN;
void fatalx(int exitcode, const char *fmt, ...) PRINTF_LIKE(2, 3) NORETURN;
void log_set_capture(log_capture_fn *fn, void *arg);
int log_facility_from_name(const char *name);
int log_level_from_name(const char *name);

#endif
