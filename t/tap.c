/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tap.c - TAP output for unit tests (see tap.h)
 */
#include "autoconf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

static int tap_planned = -1;
static int tap_count;
static int tap_failed;

void
plan(int n)
{
	tap_planned = n;
	if (n > 0)
		printf("1..%d\n", n);
	fflush(stdout);
}

static int
report(int cond, const char *fmt, va_list ap)
{
	tap_count++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_count);
	vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
	return cond;
}

int
ok(int cond, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(cond, fmt, ap);
	va_end(ap);
	return cond;
}

int
is_int(long want, long got, const char *fmt, ...)
{
	va_list ap;
	int cond = want == got;

	va_start(ap, fmt);
	report(cond, fmt, ap);
	va_end(ap);
	if (!cond)
		diag("    want %ld, got %ld", want, got);
	return cond;
}

int
is_string(const char *want, const char *got, const char *fmt, ...)
{
	va_list ap;
	int cond;

	if (want == NULL || got == NULL)
		cond = want == got;
	else
		cond = strcmp(want, got) == 0;
	va_start(ap, fmt);
	report(cond, fmt, ap);
	va_end(ap);
	if (!cond)
		diag("    want \"%s\"\n     got \"%s\"", want ? want : "(null)",
		    got ? got : "(null)");
	return cond;
}

void
diag(const char *fmt, ...)
{
	char line[8192];
	va_list ap;
	char *p, *nl;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	fflush(stdout);
	for (p = line; p != NULL; p = nl) {
		nl = strchr(p, '\n');
		if (nl != NULL)
			*nl++ = '\0';
		printf("# %s\n", p);
	}
	fflush(stdout);
}

void
skip(const char *why, const char *fmt, ...)
{
	va_list ap;

	tap_count++;
	printf("ok %d - ", tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" # SKIP %s\n", why);
	fflush(stdout);
}

int
todo(int cond, const char *why, const char *fmt, ...)
{
	va_list ap;

	tap_count++;
	printf("%sok %d - ", cond ? "" : "not ", tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" # TODO %s\n", why);
	fflush(stdout);
	return cond;
}

void
skip_all(const char *why)
{
	printf("1..0 # SKIP %s\n", why);
	exit(0);
}

void
bail(const char *fmt, ...)
{
	va_list ap;

	printf("Bail out! ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	exit(255);
}

int
done_testing(void)
{
	if (tap_planned <= 0)
		printf("1..%d\n", tap_count);
	else if (tap_planned != tap_count)
		diag("planned %d tests but ran %d", tap_planned, tap_count);
	fflush(stdout);
	if (tap_count == 0)
		return 1;	/* a test program that checked nothing is a failure */
	return tap_failed != 0 || (tap_planned > 0 && tap_planned != tap_count);
}

const char *
tap_path(const char *env, const char *rel)
{
	static char ring[8][4096];
	static int slot;
	const char *base = getenv(env);
	char *out = ring[slot++ % 8];

	snprintf(out, sizeof ring[0], "%s/%s", base != NULL ? base : ".", rel);
	return out;
}
