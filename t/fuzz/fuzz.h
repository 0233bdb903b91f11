/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz.h - helpers shared by the libFuzzer targets in t/fuzz/
 * SYNOPSIS
 *	char *fuzz_cstr(const uint8_t *p, size_t n);
 *	const char *fuzz_tdata(const char *rel);
 *	void fuzz_quiet(void);
 * DESCRIPTION
 *	fuzz_cstr() copies the input into a NUL-terminated string (embedded NULs end
 *	it early, as for any C string the engine gets). fuzz_tdata() names a file
 *	under $TDATA (t/data by default, relative to the working directory).
 *	fuzz_quiet() opens the log on stderr at level LOG_ERR with a capture that
 *	swallows every line, so the fuzzer's output stays readable.
 *	FUZZ_QUIET_INIT defines an LLVMFuzzerInitialize that only calls fuzz_quiet(),
 *	for the targets that need no other set-up.
 *	The targets are built by t/fuzz/run.sh with clang -fsanitize=fuzzer.
 */
#ifndef MAILAUTH_FUZZ_H
#define MAILAUTH_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* fuzz_cstr - the input as a NUL-terminated copy; caller frees */
static inline char *
fuzz_cstr(const uint8_t *p, size_t n)
{
	char *s = xmalloc(n + 1);

	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

/* fuzz_tdata - path of a fixture under $TDATA (static buffer, start-up only) */
static inline const char *
fuzz_tdata(const char *rel)
{
	static char path[4096];
	const char *d = getenv("TDATA");

	snprintf(path, sizeof path, "%s/%s", d != NULL ? d : "t/data", rel);
	return path;
}

/* fuzz_drop_line - log capture that discards */
static inline void
fuzz_drop_line(int pri, const char *line, void *arg)
{
	(void)pri;
	(void)line;
	(void)arg;
}

/* fuzz_quiet - log only errors, and swallow them */
static inline void
fuzz_quiet(void)
{
	log_open("fuzz", LOG_MAIL, true);
	log_set_level(LOG_ERR);
	log_set_capture(fuzz_drop_line, NULL);
	setenv("MAILAUTH_ZONE_TIMEOUT_INSTANT", "1", 1);
}

/* FUZZ_QUIET_INIT - LLVMFuzzerInitialize: quiet logging, nothing else */
#define FUZZ_QUIET_INIT							\
int									\
LLVMFuzzerInitialize(int *argc, char ***argv)				\
{									\
	(void)argc;							\
	(void)argv;							\
	fuzz_quiet();							\
	return 0;							\
}

#endif
