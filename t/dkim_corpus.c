/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dkim_corpus.c - lib/dkim on public DKIM corpora
 *
 * (a) Stalwart mail-auth resources/dkim/NNN.txt ($TESTDATA/stalwart-mail-auth/dkim):
 *     each file is "name record" key lines, an empty line, then the message (LF line
 *     ends). Every message is expected to pass, every signature of it included.
 *     Their signatures are from 2018-2022 and one has x= in 2022. libopendkim has no
 *     verification clock to fix (DKIM_OPTS_FIXEDTIME only dates new signatures), so
 *     the engine here runs with ClockDrift = now - 2018-01-01: x= later than 2018 is
 *     not expired, while t= stays in the past (the drift is below every t=).
 * (b) Mail::DKIM's corpus ($TESTDATA/mail-dkim-corpus: corpus/NAME.txt, test5.txt,
 *     EXPECTED.tsv, FAKE_DNS.dat turned into zone lines here). Every case gets two
 *     TAP lines:
 *     upstream - our overall verdict in Mail::DKIM's words (best of: pass, fail,
 *       invalid = permerror/policy/neutral, temperror, none) against its expected
 *       result, with MinimumKeyBits 512 (Mail::DKIM's non-strict mode has no minimum).
 *       Where we differ on purpose, upstream_dev[] gives the reason and the line is a
 *       TODO, never skipped.
 *     strict - our default settings (MinimumKeyBits 1024) against the RFC 6376 + 8301
 *       expectation derived from the corpus notes (rfc8301_notes and signatures
 *       columns): DomainKeys only -> none; a DNS timeout/SERVFAIL key -> temperror;
 *       a signature without v=1 -> invalid; rsa-sha1 -> fail (our RFC 8301 choice);
 *       RSA below 1024 bits -> invalid (policy); otherwise Mail::DKIM's answer.
 *       strict_dev[] lists cases where the rule is not the whole story, with reasons.
 */
#include "autoconf.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "dkim.h"
#include "dns.h"
#include "tap.h"
#include "testlib.h"
#include "util.h"

#define PRE_RFC	"pre-RFC 6376 draft signature (no v=1 or v=0.5): permerror, libopendkim and RFC 6376 3.5 require v=1"
#define SHA1	"rsa-sha1 not accepted (RFC 8301 3.1): fail"
#define DK	"DomainKeys (RFC 4870) is not DKIM: DomainKey-Signature ignored, dkim=none"
#define GTAG	"key g= was removed by RFC 6376 (ignored), so the signature verifies and then fails as rsa-sha1 (RFC 8301)"
#define DNSERR	"a DNS timeout or SERVFAIL for the key is temperror (RFC 6376 3.9, RFC 8601 2.7.1), not invalid"

/* cases where our verdict differs from Mail::DKIM's on purpose, and why */
static const struct deviation {
	const char *file;
	const char *reason;
} upstream_dev[] = {
	{ "good_ietf00_1.txt", PRE_RFC }, { "good_ietf00_2.txt", PRE_RFC },
	{ "good_ietf00_3.txt", PRE_RFC }, { "good_ietf00_4.txt", PRE_RFC },
	{ "good_ietf00_5.txt", PRE_RFC }, { "mine_ietf01_1.txt", PRE_RFC },
	{ "mine_ietf01_2.txt", PRE_RFC }, { "mine_ietf01_3.txt", PRE_RFC },
	{ "mine_ietf01_4.txt", PRE_RFC }, { "mine_ietf05_1.txt", PRE_RFC },
	{ "good_ietf01_1.txt", PRE_RFC }, { "good_ietf01_2.txt", PRE_RFC },
	{ "multiple_1.txt", PRE_RFC }, { "bad_ietf01_1.txt", PRE_RFC },
	{ "bad_ietf01_2.txt", PRE_RFC }, { "bad_ietf01_3.txt", PRE_RFC },
	{ "bad_1.txt", PRE_RFC }, { "no_body_1.txt", PRE_RFC },
	{ "no_body_2.txt", PRE_RFC }, { "no_body_3.txt", PRE_RFC },
	{ "good_rfc4871_3.txt", SHA1 }, { "good_rfc4871_4.txt", SHA1 },
	{ "good_1878523.txt", SHA1 }, { "good_83176.txt", SHA1 },
	{ "multiple_2.txt", SHA1 }, { "good_qp_1.txt", SHA1 },
	{ "good_qp_2.txt", SHA1 }, { "good_qp_3.txt", SHA1 },
	{ "goodkey_1.txt", SHA1 }, { "goodkey_2.txt", SHA1 },
	{ "goodkey_3.txt", SHA1 }, { "goodkey_4.txt", SHA1 },
	{ "good_dk_gmail.txt", DK }, { "good_dk_yahoo.txt", DK },
	{ "good_dk_1.txt", DK }, { "good_dk_2.txt", DK }, { "good_dk_3.txt", DK },
	{ "good_dk_4.txt", DK }, { "good_dk_5.txt", DK }, { "good_dk_6.txt", DK },
	{ "good_dk_7.txt", DK }, { "dk_headers_1.txt", DK }, { "dk_headers_2.txt", DK },
	{ "bad_dk_1.txt", DK }, { "bad_dk_2.txt", DK }, { "bad_dk_3.txt", DK },
	{ "bad_dk_4.txt", DK }, { "bad_dk_5.txt", DK }, { "dk_multiple_1.txt", DK },
	{ "badkey_8.txt", GTAG }, { "badkey_9.txt", GTAG },
	{ "badkey_12.txt", GTAG }, { "badkey_13.txt", GTAG },
	{ "badkey_14.txt", DNSERR }, { "badkey_15.txt", DNSERR },
	{ "ignore_7.txt", "x= expired: fail (RFC 6376 6.1.1 \"PERMFAIL (signature expired)\", "
	  "the signature is no longer valid), Mail::DKIM says invalid" },
	{ NULL, NULL },
};

/* cases where we knowingly answer other than the strict expectation, and why */
static const struct deviation strict_dev[] = {
	{ NULL, NULL },
};

/*
 * cases where the rule of strict_expect() does not capture the case: the expected
 * strict answer, worked out by hand, and why
 */
static const struct strict_fix {
	const char *file, *want, *why;
} strict_fix[] = {
	{ "multiple_2.txt", "fail", "the no-v= note concerns only the 4th (unparseable) "
	  "field; signatures 2 and 3 are v=1 rsa-sha1, so the best is fail" },
	{ "badkey_8.txt", "fail", GTAG }, { "badkey_9.txt", "fail", GTAG },
	{ "badkey_12.txt", "fail", GTAG }, { "badkey_13.txt", "fail", GTAG },
	{ "ignore_7.txt", "fail", "x= expired is fail (RFC 6376 6.1.1), as dkim.c documents" },
	{ NULL, NULL, NULL },
};

/* zone_txt - add "name TXT record" (255-byte strings, quotes escaped) */
static int
zone_txt(struct dns_resolver *z, const char *name, const char *rec, struct buf *err)
{
	struct buf line;
	size_t len = strlen(rec);
	int rc;

	buf_init(&line);
	buf_printf(&line, "%s TXT", name);
	for (size_t off = 0; off < len || off == 0; off += 255) {
		buf_adds(&line, " \"");
		for (size_t i = off; i < len && i < off + 255; i++) {
			if (rec[i] == '"' || rec[i] == '\\')
				buf_addc(&line, '\\');
			buf_addc(&line, rec[i]);
		}
		buf_addc(&line, '"');
		if (len == 0)
			break;
	}
	rc = dns_zone_add_line(z, buf_str(&line), err);
	buf_free(&line);
	return rc;
}

/* fake_dns_zone - FAKE_DNS.dat as a zone */
static struct dns_resolver *
fake_dns_zone(const char *path)
{
	size_t n;
	char *text = tl_slurp(path, &n), *save = NULL;
	struct dns_resolver *z = dns_zone_new();
	struct buf err;

	if (text == NULL)
		bail("cannot read %s", path);
	buf_init(&err);
	for (char *l = strtok_r(text, "\n", &save); l != NULL; l = strtok_r(NULL, "\n", &save)) {
		char *name = l, *rec;
		struct buf line;

		if (*l == '#' || *l == '\0')
			continue;
		rec = l + strcspn(l, " \t");
		if (*rec == '\0')
			continue;
		*rec++ = '\0';
		str_trim(rec);
		buf_init(&line);
		if (strcmp(rec, "NXDOMAIN") == 0)
			buf_printf(&line, "%s NXDOMAIN", name);
		else if (strcmp(rec, "~~Query timed out~~") == 0)
			buf_printf(&line, "%s TIMEOUT", name);
		else if (strcmp(rec, "~~SERVFAIL~~") == 0)
			buf_printf(&line, "%s SERVFAIL", name);
		if (line.len > 0) {
			if (dns_zone_add_line(z, buf_str(&line), &err) != 0)
				diag("zone: %s", buf_str(&err));
		} else if (zone_txt(z, name, strcmp(rec, "\"\"") == 0 ? "" : rec, &err) != 0) {
			diag("zone: %s", buf_str(&err));
		}
		buf_free(&line);
	}
	buf_free(&err);
	free(text);
	return z;
}

/* verdict - the best result of a message in Mail::DKIM's words */
static const char *
verdict(const struct dkv_msg *m)
{
	static const char *const words[] = { "pass", "fail", "invalid", "temperror", "none" };
	int best = 4;

	for (size_t i = 0; i < dkv_nresults(m); i++) {
		int w;

		switch (dkv_result(m, i)->result) {
		case DKIMR_PASS: w = 0; break;
		case DKIMR_FAIL: w = 1; break;
		case DKIMR_TEMPERROR: w = 3; break;
		case DKIMR_NONE: w = 4; break;
		default: w = 2; break;
		}
		if (w < best)
			best = w;
	}
	return words[best];
}

/* reasons - "result (reason); ..." for diagnostics */
static void
reasons(const struct dkv_msg *m, struct buf *b)
{
	for (size_t i = 0; i < dkv_nresults(m); i++) {
		const struct dkv_result *r = dkv_result(m, i);

		buf_printf(b, "%s%s (%s) d=%s s=%s", i ? "; " : "",
		    dkim_result_name(r->result), r->reason, r->domain, r->selector);
	}
}

/* verify - one message; caller frees */
static struct dkv_msg *
verify(struct dkv_engine *e, const struct config *c, struct dns_resolver *z,
    const char *p, size_t n)
{
	struct dns_session s;
	struct dkv_msg *m = dkv_msg_new(e, c, "corpus");

	dns_session_init(&s, z, 5000);
	dkv_feed_raw(m, &s, NULL, (const unsigned char *)p, n);
	dkv_eom(m, &s);
	return m;
}

/* stalwart - (a): every message, every signature passes */
static void
stalwart(void)
{
	static const char *const files[] = { "001.txt", "002.txt", "003.txt", "004.txt",
		"005.txt", "006.txt" };
	struct config c;
	struct buf err;
	struct dkv_engine *e;

	tl_dkim_cfg(&c);
	c.dkim_clock_drift = (unsigned)(time(NULL) - 1514764800);	/* 2018-01-01 */
	buf_init(&err);
	e = dkv_engine_new(&c, &err);
	if (!ok(e != NULL, "stalwart: engine %s", buf_str(&err)))
		return;
	for (size_t i = 0; i < NELEM(files); i++) {
		struct buf path, why;
		size_t n, pos = 0;
		char *text;
		struct dns_resolver *z = dns_zone_new();
		struct dkv_msg *m;
		bool all = true;

		buf_init(&path);
		buf_printf(&path, "stalwart-mail-auth/dkim/%s", files[i]);
		text = tl_slurp(tap_path("TESTDATA", buf_str(&path)), &n);
		if (text == NULL) {
			ok(0, "stalwart %s: readable", files[i]);
			buf_free(&path);
			dns_resolver_free(z);
			continue;
		}
		/* key lines up to the first empty line */
		while (pos < n && text[pos] != '\n') {
			char *eol = memchr(text + pos, '\n', n - pos), *sp;

			if (eol == NULL)
				break;
			*eol = '\0';
			sp = strchr(text + pos, ' ');
			if (sp != NULL) {
				*sp = '\0';
				zone_txt(z, text + pos, sp + 1, &err);
			}
			pos = (size_t)(eol - text) + 1;
		}
		if (pos < n)
			pos++;
		m = verify(e, &c, z, text + pos, n - pos);
		for (size_t k = 0; k < dkv_nresults(m); k++)
			all &= dkv_result(m, k)->result == DKIMR_PASS;
		buf_init(&why);
		reasons(m, &why);
		ok(all && dkv_nresults(m) > 0, "stalwart %s: all %zu signatures pass (%s)",
		    files[i], dkv_nresults(m), buf_str(&why));
		buf_free(&why);
		dkv_msg_free(m);
		dns_resolver_free(z);
		free(text);
		buf_free(&path);
	}
	dkv_engine_free(e);
	buf_free(&err);
}

/* find_dev - the deviation entry for file, or NULL */
static const char *
find_dev(const struct deviation *t, const char *file)
{
	for (; t->file != NULL; t++)
		if (strcmp(t->file, file) == 0)
			return t->reason;
	return NULL;
}

/* strict_expect - RFC 6376 + 8301 expectation from the corpus notes */
static const char *
strict_expect(const char *file, const char *expected, const char *notes, const char *sigs)
{
	for (const struct strict_fix *f = strict_fix; f->file != NULL; f++)
		if (strcmp(f->file, file) == 0)
			return f->want;
	if (strstr(sigs, "DKIM:") == NULL && strstr(sigs, "DK:") != NULL)
		return "none";			/* DomainKeys only */
	if (strstr(sigs, "key=~~") != NULL)
		return "temperror";		/* DNS timeout or SERVFAIL */
	if (strstr(notes, "pre-RFC6376") != NULL)
		return "invalid";		/* no v=1 */
	if (strcmp(expected, "pass") == 0 || strcmp(expected, "fail") == 0) {
		if (strstr(notes, "rsa-sha1") != NULL)
			return "fail";
		if (strstr(notes, "rsa<1024") != NULL)
			return "invalid";
	}
	return expected;
}

/* report - one TAP line: ok, or a TODO with its reason */
static void
report(bool same, const char *why, const char *col, const char *file, const char *got,
    const char *want, const char *detail)
{
	if (why != NULL) {
		/* a deviation that no longer happens shows as XPASS: fix the table */
		todo(same, why, "%s %s: %s (we say %s)", col, file, want, got);
		return;
	}
	if (!ok(same, "%s %s: %s", col, file, want))
		diag("    got %s: %s", got, detail);
}

/* mail_dkim - (b): every case of EXPECTED.tsv, two columns */
static void
mail_dkim(void)
{
	struct config legacy, strict;
	struct buf err;
	struct dkv_engine *el, *es;
	struct dns_resolver *z = fake_dns_zone(tap_path("TESTDATA",
	    "mail-dkim-corpus/FAKE_DNS.dat"));
	size_t n;
	char *tsv = tl_slurp(tap_path("TESTDATA", "mail-dkim-corpus/EXPECTED.tsv"), &n);
	char *save = NULL;
	unsigned cases = 0;

	if (tsv == NULL)
		bail("cannot read EXPECTED.tsv");
	tl_dkim_cfg(&strict);
	legacy = strict;
	legacy.dkim_min_key_bits = 512;
	buf_init(&err);
	el = dkv_engine_new(&legacy, &err);
	es = dkv_engine_new(&strict, &err);
	if (el == NULL || es == NULL)
		bail("engines: %s", buf_str(&err));
	for (char *l = strtok_r(tsv, "\n", &save); l != NULL; l = strtok_r(NULL, "\n", &save)) {
		char *col[8] = { 0 };
		char *p = l, *text;
		size_t k = 0, len;
		struct buf path, detail;
		struct dkv_msg *m;
		const char *got, *want;
		bool smoke;

		if (*l == '#' || strncmp(l, "file\t", 5) == 0)
			continue;
		while (k < NELEM(col)) {
			col[k++] = p;
			p = strchr(p, '\t');
			if (p == NULL)
				break;
			*p++ = '\0';
		}
		for (; k < NELEM(col); k++)
			col[k] = (char *)"";
		buf_init(&path);
		buf_printf(&path, "mail-dkim-corpus/%s%s",
		    strcmp(col[0], "test5.txt") == 0 ? "" : "corpus/", col[0]);
		text = tl_slurp(tap_path("TESTDATA", buf_str(&path)), &len);
		buf_free(&path);
		if (text == NULL) {
			ok(0, "upstream %s: readable", col[0]);
			ok(0, "strict %s: readable", col[0]);
			continue;
		}
		cases++;
		smoke = strncmp(col[1], "(smoke", 6) == 0;

		/* upstream column */
		m = verify(el, &legacy, z, text, len);
		got = verdict(m);
		buf_init(&detail);
		reasons(m, &detail);
		if (smoke)
			ok(dkv_nresults(m) > 0, "upstream %s: smoke test, a result (%s)",
			    col[0], buf_str(&detail));
		else
			report(strcmp(got, col[1]) == 0, find_dev(upstream_dev, col[0]),
			    "upstream", col[0], got, col[1], buf_str(&detail));
		dkv_msg_free(m);
		buf_free(&detail);

		/* strict column */
		m = verify(es, &strict, z, text, len);
		got = verdict(m);
		want = strict_expect(col[0], smoke ? "invalid" : col[1], col[4], col[7]);
		buf_init(&detail);
		reasons(m, &detail);
		report(strcmp(got, want) == 0, find_dev(strict_dev, col[0]), "strict",
		    col[0], got, want, buf_str(&detail));
		dkv_msg_free(m);
		buf_free(&detail);
		free(text);
	}
	ok(cases >= 80, "every corpus case accounted for (%u)", cases);
	dkv_engine_free(el);
	dkv_engine_free(es);
	dns_resolver_free(z);
	buf_free(&err);
	free(tsv);
}

int
main(void)
{
	setenv("MAILAUTH_ZONE_TIMEOUT_INSTANT", "1", 1);
	stalwart();
	mail_dkim();
	return done_testing();
}
