/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * psl_test.c - unit tests for lib/psl (Public Suffix List, organizational domains)
 * DESCRIPTION
 *	1. $TDATA/psl/mini.dat, our own small list: wildcard, exception, private
 *	   section, upper-case rule, text after whitespace, IDN rule, invalid rules
 *	   (skipped with one warning each), and invalid inputs.
 *	2. Eight threads looking up the same table concurrently.
 *	3. The official $TESTDATA/publicsuffix/test_psl.txt, every case (78 active
 *	   checkPublicSuffix lines; the four commented out in the file stay out),
 *	   against the system list (PSL_FILE overrides the Debian path; skipped when
 *	   absent), one TAP line each; expected values are converted to lowercase
 *	   A-labels before comparing. Then the cases libopendmarc 1.4.2 gets wrong
 *	   and the ones it gets right (LIBRARIES.md section 4.2).
 * LICENSE
 *	test_psl.txt is dedicated to the public domain (CC0 1.0, stated in its first
 *	lines; see $TESTDATA/publicsuffix/COPYRIGHT.publicsuffix and SOURCES.txt).
 *	The list itself (MPL-2.0) is not copied: the Debian package publicsuffix
 *	provides it.
 */
#include "autoconf.h"

#include <ctype.h>
#include <idn2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "psl.h"
#include "tap.h"

#define SYSTEM_PSL	"/usr/share/publicsuffix/public_suffix_list.dat"
#define NTHREADS	8
#define ROUNDS		500

struct org_case {
	const char *domain;
	const char *want;		/* NULL: no registrable domain (-1) */
};

static const char label63[] =
    "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk";
static const char label64[] =
    "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl";

/* Against mini.dat. */
static const struct org_case mini_cases[] = {
	{ "com", NULL },
	{ "example.com", "example.com" },
	{ "a.b.example.com", "example.com" },
	{ "EXAMPLE.COM", "example.com" },
	{ "Www.Example.Com.", "example.com" },
	{ "example.com..", NULL },
	{ ".example.com", NULL },
	{ "a..example.com", NULL },
	{ "", NULL },
	{ ".", NULL },
	{ "exa mple.com", NULL },
	{ "exa\tmple.com", NULL },
	{ "\xff\xfe.com", NULL },
	{ "uk", NULL },
	{ "co.uk", NULL },
	{ "example.co.uk", "example.co.uk" },
	{ "a.b.c.example.co.uk", "example.co.uk" },
	{ "ck", NULL },
	{ "bar.ck", NULL },
	{ "foo.bar.ck", "foo.bar.ck" },
	{ "a.foo.bar.ck", "foo.bar.ck" },
	{ "www.ck", "www.ck" },
	{ "a.www.ck", "www.ck" },
	{ "kobe.jp", "kobe.jp" },
	{ "c.kobe.jp", NULL },
	{ "b.c.kobe.jp", "b.c.kobe.jp" },
	{ "city.kobe.jp", "city.kobe.jp" },
	{ "www.city.kobe.jp", "city.kobe.jp" },
	{ "biz", NULL },
	{ "shop.BIZ", "shop.biz" },
	{ "trailing.biz", "trailing.biz" },
	{ "blogspot.com", NULL },
	{ "me.blogspot.com", "me.blogspot.com" },
	{ "x.me.blogspot.com", "me.blogspot.com" },
	{ "compute.example.com", "example.com" },
	{ "eu.compute.example.com", NULL },
	{ "vm.eu.compute.example.com", "vm.eu.compute.example.com" },
	{ "公司.cn", NULL },
	{ "食狮.公司.cn", "xn--85x722f.xn--55qx5d.cn" },
	{ "WWW.食狮.公司.CN.", "xn--85x722f.xn--55qx5d.cn" },
	{ "XN--55QX5D.CN", NULL },
	{ "www.example\u3002com", "example.com" },
	{ "www.example.com\u3002", "example.com" },
	{ "www.example.com.\u3002", NULL },
	{ "www.example.com\u3002.", NULL },
	{ "www.xn--85x722f.xn--55qx5d.cn", "xn--85x722f.xn--55qx5d.cn" },
	{ "example", NULL },
	{ "foo.example", "foo.example" },
	{ "bar.foo.example", "foo.example" },
	/* the invalid rules must not have been loaded in any form */
	{ "x.a.y.example", "y.example" },
	{ "www.org", "www.org" },
	{ "x.bad.example", "bad.example" },
	{ "x.dot.example", "dot.example" },
	{ "x.foo!bar.example", "foo!bar.example" },
};

/* psl_is_public_suffix against mini.dat */
static const struct {
	const char *domain;
	bool want;
} public_cases[] = {
	{ "com", true },
	{ "COM.", true },
	{ "co.uk", true },
	{ "example.co.uk", false },
	{ "bar.ck", true },
	{ "www.ck", false },
	{ "ck", true },
	{ "c.kobe.jp", true },
	{ "city.kobe.jp", false },
	{ "eu.compute.example.com", true },
	{ "compute.example.com", false },
	{ "公司.cn", true },
	{ "example", true },
	{ "foo.example", false },
	{ "", false },
	{ ".com", false },
	{ "com..", false },
};

/* Against the real list: what libopendmarc 1.4.2 gets wrong (LIBRARIES.md 4.2). */
static const struct org_case real_cases[] = {
	{ "foo.bar.ck", "foo.bar.ck" },
	{ "EXAMPLE.COM", "example.com" },
	{ "co.uk", NULL },
	{ "a.b.c.example.co.uk", "example.co.uk" },
	{ "www.ck", "www.ck" },
	{ "example.com.", "example.com" },
	{ "com", NULL },
	{ "localhost", NULL },
	{ "mail.example.com", "example.com" },
	{ "x.www.ck", "www.ck" },
	{ "user.blogspot.com", "user.blogspot.com" },
	{ "a.b.github.io", "b.github.io" },
	{ "sub.xn--p1ai", "sub.xn--p1ai" },
	{ "sub.\u0440\u0444", "sub.xn--p1ai" },
};

struct thread_arg {
	const struct psl *psl;
	int mismatches;
	int lookups;
};

static int warnings;

/* count_warnings - log capture: count LOG_WARNING lines from psl_load */
static void
count_warnings(int pri, const char *line, void *arg)
{
	(void)arg;
	if (pri == LOG_WARNING && strstr(line, "ignoring invalid rule") != NULL)
		warnings++;
}

/* org_of - psl_org_domain result as a string (NULL on -1) in a static buffer */
static const char *
org_of(const struct psl *p, const char *domain, char *out, size_t outlen)
{
	return psl_org_domain(p, domain, out, outlen) == 0 ? out : NULL;
}

/* run_cases - one TAP line per case of a table */
static void
run_cases(const struct psl *p, const struct org_case *c, size_t n, const char *what)
{
	char out[256];

	for (size_t i = 0; i < n; i++)
		is_string(c[i].want, org_of(p, c[i].domain, out, sizeof out),
		    "%s: org(\"%s\")", what, c[i].domain);
}

/* lookup_thread - repeat the mini cases, counting wrong answers */
static void *
lookup_thread(void *v)
{
	struct thread_arg *a = v;
	char out[256];
	const char *got;

	for (int r = 0; r < ROUNDS; r++) {
		for (size_t i = 0; i < NELEM(mini_cases); i++) {
			got = org_of(a->psl, mini_cases[i].domain, out, sizeof out);
			a->lookups++;
			if ((got == NULL) != (mini_cases[i].want == NULL) ||
			    (got != NULL && strcmp(got, mini_cases[i].want) != 0))
				a->mismatches++;
		}
	}
	return NULL;
}

/* test_mini - our own list */
static void
test_mini(void)
{
	struct buf err;
	struct psl *p;
	char name[300], out[256];
	pthread_t tid[NTHREADS];
	struct thread_arg args[NTHREADS];

	buf_init(&err);
	log_set_capture(count_warnings, NULL);
	p = psl_load(tap_path("TDATA", "psl/mini.dat"), &err);
	log_set_capture(NULL, NULL);
	if (p == NULL)
		bail("psl_load mini.dat: %s", buf_str(&err));
	is_int(7, warnings, "mini.dat: one warning per invalid rule");
	is_string("", buf_str(&err), "mini.dat: no load error");

	run_cases(p, mini_cases, NELEM(mini_cases), "mini");
	for (size_t i = 0; i < NELEM(public_cases); i++)
		is_int(public_cases[i].want, psl_is_public_suffix(p, public_cases[i].domain),
		    "mini: is_public_suffix(\"%s\")", public_cases[i].domain);
	ok(!psl_is_public_suffix(p, NULL), "is_public_suffix(NULL) is false");
	is_int(-1, psl_org_domain(p, NULL, out, sizeof out), "org(NULL) is -1");
	is_int(-1, psl_org_domain(NULL, "example.com", out, sizeof out),
	    "org with no list is -1");

	/* output buffer size: "example.com" needs 12 bytes */
	is_int(-1, psl_org_domain(p, "www.example.com", out, 11), "org: 11-byte buffer too small");
	is_string("", out, "org: out is empty after a failure");
	is_int(0, psl_org_domain(p, "www.example.com", out, 12), "org: 12-byte buffer fits");
	is_string("example.com", out, "org: 12-byte buffer result");

	/* label and name length limits */
	snprintf(name, sizeof name, "%s.com", label63);
	is_string(name, org_of(p, name, out, sizeof out), "63-byte label accepted");
	snprintf(name, sizeof name, "%s.com", label64);
	is_string(NULL, org_of(p, name, out, sizeof out), "64-byte label rejected");
	/* 4 x 63 + "com" + 4 dots = 259 > 253; 3 x 63 + 3 + ... = 253 exactly below */
	snprintf(name, sizeof name, "%s.%s.%s.%s.com", label63, label63, label63, label63);
	is_string(NULL, org_of(p, name, out, sizeof out), "259-byte name rejected");
	snprintf(name, sizeof name, "%s.%s.%s.%.57s.com", label63, label63, label63, label63);
	is_int(253, (long)strlen(name), "253-byte name built");
	ok(org_of(p, name, out, sizeof out) != NULL, "253-byte name accepted");
	snprintf(name, sizeof name, "%s.%s.%s.%.58s.com", label63, label63, label63, label63);
	is_string(NULL, org_of(p, name, out, sizeof out), "254-byte name rejected");

	for (int t = 0; t < NTHREADS; t++) {
		args[t] = (struct thread_arg){ .psl = p };
		if (pthread_create(&tid[t], NULL, lookup_thread, &args[t]) != 0)
			bail("pthread_create failed");
	}
	for (int t = 0; t < NTHREADS; t++) {
		pthread_join(tid[t], NULL);
		is_int(0, args[t].mismatches, "thread %d: no wrong answers", t);
		is_int((long)(ROUNDS * NELEM(mini_cases)), args[t].lookups,
		    "thread %d: all lookups done", t);
	}
	psl_free(p);
	buf_free(&err);
}

/* test_load_errors - missing file, psl_free(NULL) */
static void
test_load_errors(void)
{
	struct buf err;
	const char *path = tap_path("TDATA", "psl/no-such-file.dat");
	char want[1024];

	buf_init(&err);
	ok(psl_load(path, &err) == NULL, "missing file: psl_load returns NULL");
	snprintf(want, sizeof want, "%s: cannot open: ", path);
	ok(strncmp(buf_str(&err), want, strlen(want)) == 0, "missing file: error \"%s\"",
	    buf_str(&err));
	psl_free(NULL);
	ok(1, "psl_free(NULL) returns");
	buf_free(&err);
}

/* parse_arg - one argument of checkPublicSuffix(): 'text' or null; end or NULL */
static const char *
parse_arg(const char *s, char *out, size_t outlen, bool *isnull)
{
	const char *q;

	s += strspn(s, " ");
	if (strncmp(s, "null", 4) == 0) {
		*isnull = true;
		return s + 4;
	}
	if (*s != '\'' || (q = strchr(s + 1, '\'')) == NULL || (size_t)(q - s - 1) >= outlen)
		return NULL;
	*isnull = false;
	memcpy(out, s + 1, (size_t)(q - s - 1));
	out[q - s - 1] = '\0';
	return q + 1;
}

/* to_alabels - expected value in lowercase A-labels, converted with libidn2 itself */
static bool
to_alabels(const char *in, char *out, size_t outlen)
{
	char *ace;

	if (idn2_to_ascii_8z(in, &ace, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL) != IDN2_OK)
		return false;
	snprintf(out, outlen, "%s", ace);
	idn2_free(ace);
	for (char *c = out; *c != '\0'; c++)
		*c = (char)tolower((unsigned char)*c);
	return true;
}

/* test_official - every case of test_psl.txt against the system list */
static void
test_official(const char *listpath)
{
	const char *path = tap_path("TESTDATA", "publicsuffix/test_psl.txt");
	struct buf err;
	struct psl *p;
	FILE *fp;
	char line[1024], in[512], want[512], wantace[512], out[256];
	bool in_null, want_null;
	const char *s;
	int lineno = 0, cases = 0;

	buf_init(&err);
	warnings = 0;
	log_set_capture(count_warnings, NULL);
	p = psl_load(listpath, &err);
	log_set_capture(NULL, NULL);
	if (p == NULL)
		bail("psl_load: %s", buf_str(&err));
	is_int(0, warnings, "system list: every rule accepted (IDN rules convert)");
	if ((fp = fopen(path, "r")) == NULL)
		bail("cannot open %s", path);
	while (fgets(line, sizeof line, fp) != NULL) {
		lineno++;
		if (strncmp(line, "checkPublicSuffix(", 18) != 0)
			continue;
		s = parse_arg(line + 18, in, sizeof in, &in_null);
		if (s == NULL || *s != ',' ||
		    (s = parse_arg(s + 1, want, sizeof want, &want_null)) == NULL ||
		    strncmp(s, ");", 2) != 0) {
			ok(0, "test_psl.txt:%d: unparseable line", lineno);
			continue;
		}
		cases++;
		if (!want_null && !to_alabels(want, wantace, sizeof wantace)) {
			ok(0, "test_psl.txt:%d: cannot convert expected '%s'", lineno, want);
			continue;
		}
		is_string(want_null ? NULL : wantace,
		    org_of(p, in_null ? NULL : in, out, sizeof out),
		    "test_psl.txt:%d: %s -> %s", lineno, in_null ? "null" : in,
		    want_null ? "null" : want);
	}
	fclose(fp);
	is_int(78, cases, "test_psl.txt: every active case read");

	run_cases(p, real_cases, NELEM(real_cases), "system list");
	ok(psl_is_public_suffix(p, "co.uk"), "system list: co.uk is a public suffix");
	ok(!psl_is_public_suffix(p, "example.co.uk"),
	    "system list: example.co.uk is not a public suffix");
	psl_free(p);
	buf_free(&err);
}

/* main - mini list, errors, then the official cases */
int
main(void)
{
	const char *listpath = getenv("PSL_FILE");

	if (listpath == NULL || *listpath == '\0')
		listpath = SYSTEM_PSL;
	plan(0);
	test_mini();
	test_load_errors();
	if (access(listpath, R_OK) != 0) {
		char why[512];

		snprintf(why, sizeof why, "no Public Suffix List at %s (package publicsuffix)",
		    listpath);
		skip(why, "official test_psl.txt cases");
	} else
		test_official(listpath);
	return done_testing();
}
