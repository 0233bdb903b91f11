/* SPDX-License-Identifier: BSD-2-Clause */
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
 *	void panic(const char *fmt, ...);	a bug: log at LOG_CRIT, abort() (core dump)
 *	void log_set_capture(log_capture_fn *fn, void *arg);	tests: receive every line
 *	void log_kv(struct buf *b, const char *key, const char *value);	key=value
 * DESCRIPTION
 *	Thread-safe: syslog(3) and one write(2) per stderr line. Per-message lines start
 *	with the MTA queue id ("NOQUEUE" when there is none yet). Lines longer than 4096
 *	bytes are cut. Every byte below 0x20, 0x7f and every byte from 0x80 is written
 *	as \xHH in the final line, whoever the caller (a backslash is left as it is,
 *	so in free text "\x1b" may also be literal; key=value values are exact); the
 *	queue id keeps only [A-Za-z0-9._-], the rest as \xHH. This module does not
 *	log message bodies, ever.
 *	log_kv() is the one quoting rule of key=value lines (the per-message summary):
 *	it appends key=value, after a space unless b is empty; the value (cut after LOG_VALUE_MAX bytes, then
 *	"...") is written bare when it is not empty and is printable ASCII without
 *	space, '"', '\\' or '='; otherwise as "..." in which \" is a quote, \xHH
 *	the byte HH (every backslash, control, DEL and 8-bit byte is written so) and
 *	every other byte itself. Documented for log readers in mailauth(8).
 *	log_facility_from_name()/log_level_from_name() map config words (mail, daemon,
 *	local0..local7 / err, warning, notice, info, debug) to syslog values, -1 if unknown.
 */
#ifndef MAILAUTH_LOG_H
#define MAILAUTH_LOG_H

#include <stdbool.h>
#include <syslog.h>

#include "util.h"

#define LOG_VALUE_MAX 256	/* bytes of one key=value value (log_kv) */

typedef void log_capture_fn(int pri, const char *line, void *arg);

void log_open(const char *ident, int facility, bool to_stderr);
void log_set_level(int level);
int log_level(void);
void log_msg(int pri, const char *fmt, ...) PRINTF_LIKE(2, 3);
void log_qid(int pri, const char *qid, const char *fmt, ...) PRINTF_LIKE(3, 4);
void fatal(const char *fmt, ...) PRINTF_LIKE(1, 2) NORETURN;
void fatalx(int exitcode, const char *fmt, ...) PRINTF_LIKE(2, 3) NORETURN;
void panic(const char *fmt, ...) PRINTF_LIKE(1, 2) NORETURN;
void log_set_capture(log_capture_fn *fn, void *arg);
void log_kv(struct buf *b, const char *key, const char *value);
int log_facility_from_name(const char *name);
int log_level_from_name(const char *name);

#endif
