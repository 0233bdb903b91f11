/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * util_test.c - lib/util: growable buffers and string helpers; lib/log's panic()
 */
#include "autoconf.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"

#include "tap.h"
#include "util.h"

static const struct {
	const char *in;
	size_t max;
	const char *want;
} sanitize[] = {
	{ "plain text", 100, "plain text" },
	{ "a\r\nb", 100, "a\\x0d\\x0ab" },
	{ "back\\slash", 100, "back\\x5cslash" },
	{ "\xc3\xa9t\xe9", 100, "\\xc3\\xa9t\\xe9" },
	{ "tab\there", 100, "tab\\x09here" },
	{ "\x7f", 100, "\\x7f" },
	{ "abcdef", 3, "abc..." },
	{ "abc", 3, "abc" },
	{ "", 10, "" },
	{ "\x1f \x7e\x7f", 100, "\\x1f ~\\x7f" },
	{ "\x80\xff", 100, "\\x80\\xff" },
	{ "abc", 0, "..." },
	{ "ab\ncd", 3, "ab\\x0a..." },
	{ "<script>\"x\"%s", 100, "<script>\"x\"%s" },
};

static const struct {
	const char *s, *suffix;
	bool want;
} suffixes[] = {
	{ "mail.EXAMPLE.com", ".example.COM", true },
	{ "com", "example.com", false },
	{ "example.com", "example.com", true },
	{ "example.com", "", true },
	{ "", "", true },
	{ "", "a", false },
	{ "badexample.com", ".example.com", false },
	{ "EXAMPLE.COM.", "example.com", false },
};

static const struct {
	const char *in, *want;
} trims[] = {
	{ "  \t x y \r\n", "x y" }, { "", "" }, { " \t\r\n ", "" }, { "a", "a" },
	{ "a b", "a b" }, { "\va\f", "\va\f" },
};

/* panic_line - log capture in the child: the LOG_CRIT line to the parent */
static void
panic_line(int pri, const char *line, void *arg)
{
	int fd = *(int *)arg;
	char pc = pri == LOG_CRIT ? 'C' : '?';

	if (write(fd, &pc, 1) != 1 || write(fd, line, strlen(line)) < 0)
		_exit(91);
}

/* test_panic - panic() logs at LOG_CRIT and aborts (a bug, not a fatal error) */
static void
test_panic(void)
{
	int fds[2], status = 0;
	char got[256], drain[256];
	size_t len;
	ssize_t n;
	pid_t pid;

	if (pipe(fds) != 0)
		bail("pipe");
	if ((pid = fork()) < 0)
		bail("fork");
	if (pid == 0) {
		close(fds[0]);
		signal(SIGABRT, SIG_DFL);
		log_open("util_test", LOG_MAIL, true);
		log_set_capture(panic_line, &fds[1]);
		panic("table row %d is broken", 7);
	}
	close(fds[1]);
	/* read to EOF: closing early would kill the child with SIGPIPE instead */
	len = 0;
	while (len < sizeof got - 1 &&
	    (n = read(fds[0], got + len, sizeof got - 1 - len)) > 0)
		len += (size_t)n;
	got[len] = '\0';
	while (read(fds[0], drain, sizeof drain) > 0)
		;
	close(fds[0]);
	waitpid(pid, &status, 0);
	ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT, "panic aborts");
	ok(got[0] == 'C' && strstr(got, "table row 7 is broken") != NULL,
	    "panic logs its text at LOG_CRIT (got \"%s\")", got);
}

int
main(void)
{
	struct buf b;
	char *s;
	char lower[] = "MiXeD.Example.COM", lower8[] = "\xc3\x89t\xc3\xa9 A";

	buf_init(&b);
	is_string("", buf_str(&b), "empty buf reads as \"\"");
	for (int i = 0; i < 1000; i++)
		buf_adds(&b, "0123456789");
	is_int(10000, (long)b.len, "buf grows to 10000 bytes");
	ok(b.cap > b.len && b.data[b.len] == '\0', "buf stays NUL-terminated");
	buf_reset(&b);
	is_int(0, (long)b.len, "buf_reset empties");
	buf_printf(&b, "%s=%d;", "n", 42);
	buf_printf(&b, "%0300d", 7);
	is_int(5 + 300, (long)b.len, "buf_printf appends, also past the first block");
	ok(strncmp(b.data, "n=42;000", 8) == 0 && b.data[b.len - 1] == '7', "buf_printf text");
	buf_reset(&b);
	buf_add(&b, "a\0b", 3);
	is_int(3, (long)b.len, "buf_add keeps NUL bytes");
	buf_addc(&b, 'c');
	ok(memcmp(b.data, "a\0bc", 4) == 0, "buf_addc appends");
	s = buf_steal(&b);
	ok(b.data == NULL && b.len == 0, "buf_steal leaves an empty buf");
	free(s);
	s = buf_steal(&b);
	is_string("", s, "steal from an empty buf gives \"\"");
	free(s);
	for (size_t i = 0; i < NELEM(sanitize); i++) {
		buf_reset(&b);
		str_sanitize(&b, sanitize[i].in, sanitize[i].max);
		is_string(sanitize[i].want, buf_str(&b), "sanitize #%zu", i);
	}
	for (size_t i = 0; i < NELEM(trims); i++) {
		char *t = xstrdup(trims[i].in);

		is_string(trims[i].want, str_trim(t), "str_trim #%zu", i);
		free(t);
	}
	is_string("mixed.example.com", str_lower(lower), "str_lower");
	is_string("\xc3\x89t\xc3\xa9 a", str_lower(lower8), "str_lower leaves 8-bit bytes");
	for (size_t i = 0; i < NELEM(suffixes); i++)
		is_int(suffixes[i].want, str_has_suffix_nocase(suffixes[i].s, suffixes[i].suffix),
		    "str_has_suffix_nocase(\"%s\", \"%s\")", suffixes[i].s, suffixes[i].suffix);
	buf_reset(&b);
	buf_adds(&b, "keep:");
	str_sanitize(&b, "x\ty", 10);
	is_string("keep:x\\x09y", buf_str(&b), "str_sanitize appends");
	buf_reset(&b);
	{
		char *big = xmalloc(20001);

		memset(big, 'z', 20000);
		big[20000] = '\0';
		buf_printf(&b, "<%s>", big);
		ok(b.len == 20002 && b.data[0] == '<' && b.data[20001] == '>' &&
		    b.data[20002] == '\0', "buf_printf of 20000 bytes in one go");
		free(big);
	}
	ok(str_eq_nocase("ABC", "abc") && !str_eq_nocase("abc", "abd"), "str_eq_nocase");
	s = xstrndup("abcdef", 3);
	is_string("abc", s, "xstrndup cuts");
	free(s);
	buf_free(&b);
	test_panic();
	return done_testing();
}
