/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tap.h - a tiny TAP producer for the unit tests (automake tap-driver.sh reads it)
 * SYNOPSIS
 *	void plan(int n);		"1..n" up front; plan(0) = print "1..N" at done_testing
 *	int ok(int cond, const char *fmt, ...);
 *	int is_int(long want, long got, const char *fmt, ...);
 *	int is_string(const char *want, const char *got, const char *fmt, ...);
 *	void diag(const char *fmt, ...);
 *	void skip(const char *why, const char *fmt, ...);	one "ok N # SKIP why"
 *	int todo(int cond, const char *why, const char *fmt, ...);	"[not ]ok N - ... # TODO why":
 *		a known deviation; not ok is not a failure, ok (XPASS) fails in tap-driver
 *	void skip_all(const char *why);	"1..0 # SKIP why", exit 0
 *	void bail(const char *fmt, ...);	"Bail out! ...", exit 255
 *	int done_testing(void);		return value for main(): 0 if all passed
 *	const char *tap_path(const char *env, const char *rel);	$env/rel (static buffer ring)
 * DESCRIPTION
 *	No assert(): a failing check reports and the test goes on. Unlike assert() these
 *	do not vanish under NDEBUG.
 */
#ifndef MAILAUTH_TAP_H
#define MAILAUTH_TAP_H

#include "util.h"

void plan(int n);
int ok(int cond, const char *fmt, ...) PRINTF_LIKE(2, 3);
int is_int(long want, long got, const char *fmt, ...) PRINTF_LIKE(3, 4);
int is_string(const char *want, const char *got, const char *fmt, ...) PRINTF_LIKE(3, 4);
void diag(const char *fmt, ...) PRINTF_LIKE(1, 2);
void skip(const char *why, const char *fmt, ...) PRINTF_LIKE(2, 3);
int todo(int cond, const char *why, const char *fmt, ...) PRINTF_LIKE(3, 4);
void skip_all(const char *why) NORETURN;
void bail(const char *fmt, ...) PRINTF_LIKE(1, 2) NORETURN;
int done_testing(void);
const char *tap_path(const char *env, const char *rel);

#endif
