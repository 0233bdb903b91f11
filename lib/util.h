/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * util.h - allocation that never returns NULL, growable buffers, small string helpers
 * SYNOPSIS
 *	void *xmalloc(size_t n);  void *xcalloc(size_t n, size_t size);
 *	void *xrealloc(void *p, size_t n);  char *xstrdup(const char *s);
 *	char *xstrndup(const char *s, size_t n);
 *	void buf_init(struct buf *b);  void buf_add(struct buf *b, const void *p, size_t n);
 *	void buf_adds(struct buf *b, const char *s);  void buf_addc(struct buf *b, int c);
 *	void buf_printf(struct buf *b, const char *fmt, ...);
 *	void buf_reset(struct buf *b);  char *buf_steal(struct buf *b);  void buf_free(struct buf *b);
 *	char *str_lower(char *s);  char *str_trim(char *s);
 *	int str_eq_nocase(const char *a, const char *b);
 *	void str_sanitize(struct buf *out, const char *in, size_t max);
 *	bool str_domain_listed(char *const *list, const char *s);
 *	void str_set_printf(char **dst, const char *fmt, ...);
 *	struct timespec ts_add_ms(struct timespec t, unsigned ms);
 * DESCRIPTION
 *	The x* allocators log and exit(EX_OSERR) when memory runs out: the MTA's
 *	milter_default_action then covers the dead milter. A struct buf always keeps its
 *	data NUL-terminated (data is NULL until the first append; use buf_str()).
 *	str_sanitize() appends in to out with every byte outside printable ASCII (and
 *	backslash) written as \xHH, stopping after max input bytes: for log lines and
 *	header comments built from attacker text. str_set_printf() frees *dst and
 *	replaces it with a newly formatted string. ts_add_ms() adds milliseconds to
 *	a time of any clock (deadlines for timed waits).
 */
#ifndef MAILAUTH_UTIL_H
#define MAILAUTH_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#define NORETURN __attribute__((noreturn))
#else
#define PRINTF_LIKE(f, a)
#define NORETURN
#endif

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

struct buf {
	char *data;
	size_t len;
	size_t cap;
};

void buf_init(struct buf *b);
void buf_add(struct buf *b, const void *p, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, int c);
void buf_printf(struct buf *b, const char *fmt, ...) PRINTF_LIKE(2, 3);
void buf_vprintf(struct buf *b, const char *fmt, va_list ap) PRINTF_LIKE(2, 0);
void buf_reset(struct buf *b);
const char *buf_str(const struct buf *b);	/* "" when empty; borrowed */
char *buf_steal(struct buf *b);		/* caller frees; b is reset */
void buf_free(struct buf *b);

char *str_lower(char *s);
char *str_trim(char *s);
int str_eq_nocase(const char *a, const char *b);
bool str_has_suffix_nocase(const char *s, const char *suffix);
void str_sanitize(struct buf *out, const char *in, size_t max);
bool str_domain_listed(char *const *list, const char *s);
void str_set_printf(char **dst, const char *fmt, ...) PRINTF_LIKE(2, 3);
struct timespec ts_add_ms(struct timespec t, unsigned ms);

#endif
