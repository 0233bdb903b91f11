/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * upstream_test.c - trusted upstream Authentication-Results (lib/upstream.h) and
 *	the obsolete "Name :" field name, alone and through the whole pipeline
 *
 * The pipeline cases feed t/data/message/reject-altered.eml (signed by
 * reject.example, p=reject, body changed after signing: our own DKIM check fails)
 * with header fields prepended as a gateway would add them, from the trusted relay
 * 192.0.2.25 or from a client outside TrustedRelays.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "message.h"
#include "tap.h"
#include "upstream.h"

#define RELAY	"192.0.2.25"
#define OUTSIDE	"198.51.100.7"
#define GW_AR	" gw.test.example; spf=pass smtp.mailfrom=x@reject.example;\n\t" \
		"dkim=pass (2048-bit key) header.d=reject.example header.s=s1 " \
		"header.b=\"ojILE0SD\""
#define GW_RCVD	" from mail.reject.example (mail.reject.example [198.51.100.7])\n\t" \
		"by gw.test.example (Postfix) with ESMTP id 4AbC; Sun, 22 Nov 2026"
#define OUR_RCVD " from gw.test.example (gw.test.example [192.0.2.25])\n\t" \
		"by mx.test.example (Postfix) with ESMTP id 5XyZ; Sun, 22 Nov 2026"

struct capture {
	char last[4096];
};

static void
capture_line(int pri, const char *line, void *arg)
{
	struct capture *c = arg;

	if (pri == LOG_INFO && strstr(line, " action=") != NULL)
		snprintf(c->last, sizeof c->last, "%s", line);
}

/* test_names - the obsolete "Name :" form, and what is not a match */
static void
test_names(void)
{
	ok(hdr_name_is("Authentication-Results", "Authentication-Results"), "plain name");
	ok(hdr_name_is("authentication-RESULTS", "Authentication-Results"), "any case");
	ok(hdr_name_is("Authentication-Results \t ", "Authentication-Results"),
	    "blanks before the colon (RFC 5322 4.5.6)");
	ok(!hdr_name_is("Authentication-Results-X", "Authentication-Results"), "longer name");
	ok(!hdr_name_is("Authentication-Result ", "Authentication-Results"), "shorter name");
	ok(!hdr_name_is(" Authentication-Results", "Authentication-Results"),
	    "a leading blank is not the obsolete form");
	ok(!hdr_name_is("", "Received"), "empty name");
}

/* test_parse - which results of one value are taken */
static void
test_parse(void)
{
	struct upstream u;
	char v[2048];

	memset(&u, 0, sizeof u);
	strlcpy(u.id, "gw", sizeof u.id);
	is_int(0, upstream_parse(GW_AR, &u), "gateway field parses");
	ok(u.have_spf && u.spf.result == SPFR_PASS && strcmp(u.spf.domain,
	    "reject.example") == 0 && strcmp(u.spf.sender, "x@reject.example") == 0,
	    "spf=pass for the smtp.mailfrom domain");
	ok(u.ndkim == 1 && u.dkim[0].result == DKIMR_PASS &&
	    strcmp(u.dkim[0].domain, "reject.example") == 0 &&
	    strcmp(u.dkim[0].identity, "@reject.example") == 0 &&
	    strcmp(u.dkim[0].selector, "s1") == 0 && strcmp(u.dkim[0].b, "ojILE0SD") == 0,
	    "dkim=pass with header.d, s, b; identity @d");
	ok(u.ndkim == 1 && strcmp(u.dkim[0].reason, "from trusted upstream gw") == 0,
	    "reason names the upstream");
	upstream_clear(&u);

	strlcpy(u.id, "gw", sizeof u.id);
	is_int(0, upstream_parse(" gw; spf=pass smtp.mailfrom="
	    "\"a;dkim=pass header.d=evil.example\"@b.example", &u),
	    "quoted local-part with ';' inside");
	ok(u.have_spf && strcmp(u.spf.domain, "b.example") == 0 && u.ndkim == 0,
	    "the quoted ';' starts no result");
	upstream_clear(&u);

	strlcpy(u.id, "gw", sizeof u.id);
	is_int(-1, upstream_parse(" gw; spf=pass smtp.mailfrom=a@b.example; "
	    "dkim=pass (x header.d=a.example", &u), "unterminated comment refused");
	ok(!u.have_spf && u.ndkim == 0 && u.id[0] == '\0', "... and nothing is used");
	is_int(-1, upstream_parse(" gw; dkim=pass header.d=a.example header.from", &u),
	    "property without '=' refused");
	is_int(-1, upstream_parse(" gw; dkim=pass header.d=a.example dmarc=pass", &u),
	    "missing ';' (a property without ptype.property) refused");
	is_int(-1, upstream_parse(" gw; dkim=pass header.d=\"a.example", &u),
	    "unterminated quoted-string refused");
	is_int(-1, upstream_parse(" gw; dkim=pass header.d=a\x01.example", &u),
	    "control byte refused");
	ok(!u.have_spf && u.ndkim == 0, "refused values leave nothing");
	{
		/* on the heap, so that a read before the value is an ASan report */
		char *h = xstrdup("\x01gw; dkim=pass header.d=a.example");

		is_int(-1, upstream_parse(h, &u), "control byte first refused");
		free(h);
	}

	is_int(0, upstream_parse(" gw 1; none", &u), "version and none");
	is_int(-1, upstream_parse(" gw; none; dkim=pass header.d=a.example", &u),
	    "none with results after it refused");
	ok(!u.have_spf && u.ndkim == 0, "none has no results");
	is_int(0, upstream_parse(" gw (comment) ;\n\tspf=softfail smtp.helo=h.example;"
	    " spf = fail (x) smtp.mailfrom = (y) u@a.example", &u), "CFWS around '='");
	ok(u.have_spf && u.spf.result == SPFR_FAIL && strcmp(u.spf.domain, "a.example") == 0,
	    "smtp.helo is not used, the smtp.mailfrom result is");
	upstream_clear(&u);
	strlcpy(u.id, "gw", sizeof u.id);
	is_int(-1, upstream_parse(" gw; spf=pass smtp . mailfrom=u@a.example", &u),
	    "CFWS around '.' is refused (less is used, never more)");

	strlcpy(u.id, "gw", sizeof u.id);
	is_int(0, upstream_parse(" gw; dkim=bogus header.d=a.example; dkim=pass "
	    "header.i=@Sub.Example.COM; dkim=pass header.d=bad..example; "
	    "dkim/1=temperror reason=\"no key\" header.d=c.example;", &u),
	    "unknown result, header.i only, bad domain, version, final ';'");
	ok(u.ndkim == 2 && strcmp(u.dkim[0].domain, "sub.example.com") == 0 &&
	    strcmp(u.dkim[0].identity, "@Sub.Example.COM") == 0 &&
	    u.dkim[1].result == DKIMR_TEMPERROR && strcmp(u.dkim[1].domain, "c.example") == 0,
	    "only the two valid results, domain from header.i lowercased");
	upstream_clear(&u);

	strlcpy(v, " gw", sizeof v);
	for (int i = 0; i < UPSTREAM_MAX_DKIM + 3; i++)
		snprintf(v + strlen(v), sizeof v - strlen(v), "; dkim=pass header.d=d%d.example",
		    i);
	strlcpy(u.id, "gw", sizeof u.id);
	is_int(0, upstream_parse(v, &u), "many dkim results");
	is_int(UPSTREAM_MAX_DKIM, (long)u.ndkim, "at most UPSTREAM_MAX_DKIM kept");
	upstream_clear(&u);

}

/* walk - feed fields (name, value pairs, NULL-terminated) to a fresh upstream */
static void
walk(struct upstream *u, const char *const *f)
{
	char *ids[] = { "gw.test.example", "gw2.test.example", NULL };

	memset(u, 0, sizeof *u);
	for (; f[0] != NULL; f += 2)
		upstream_header(u, ids, f[0], f[1]);
}

/* test_boundary - only the topmost A-R, with only Received above it */
static void
test_boundary(void)
{
	struct upstream u;
	const char *const top[] = { "Received", OUR_RCVD, "Authentication-Results", GW_AR,
	    "Received", GW_RCVD, NULL };
	const char *const below[] = { "Received", GW_RCVD, "X-Scanned", " yes",
	    "Authentication-Results", GW_AR, NULL };
	const char *const other[] = { "Authentication-Results", " x.example; dkim=none",
	    "Authentication-Results", GW_AR, NULL };
	const char *const forged[] = { "Received", GW_RCVD, "Authentication-Results",
	    " GW2.test.example; dkim=fail header.d=reject.example",
	    "Authentication-Results", GW_AR, NULL };
	const char *const obs[] = { "Received ", GW_RCVD, "Authentication-Results\t", GW_AR,
	    NULL };
	const char *const broken[] = { "Authentication-Results", " gw.test.example; dkim=(",
	    "Authentication-Results", GW_AR, NULL };

	walk(&u, top);
	ok(strcmp(u.id, "gw.test.example") == 0 && u.ndkim == 1 && u.have_spf,
	    "A-R below Received fields only: read");
	upstream_clear(&u);
	walk(&u, below);
	ok(u.id[0] == '\0' && u.ndkim == 0 && !u.have_spf,
	    "A-R below another field: not read");
	upstream_clear(&u);
	walk(&u, other);
	ok(u.id[0] == '\0' && u.ndkim == 0, "A-R below an untrusted A-R: not read");
	upstream_clear(&u);
	walk(&u, forged);
	ok(strcmp(u.id, "GW2.test.example") == 0 && u.ndkim == 1 &&
	    u.dkim[0].result == DKIMR_FAIL && !u.have_spf,
	    "a trusted-id field below the topmost one is not read");
	upstream_clear(&u);
	walk(&u, obs);
	ok(strcmp(u.id, "gw.test.example") == 0 && u.ndkim == 1,
	    "obsolete \"Name :\" forms of Received and A-R");
	upstream_clear(&u);
	walk(&u, broken);
	ok(u.id[0] == '\0' && u.ndkim == 0 && u.done,
	    "topmost trusted field unparseable: nothing, and nothing below either");
	upstream_clear(&u);
}

static const struct pcase {
	const char *what, *ip;
	const char *fields[8];		/* prepended: name, value, ..., NULL */
	enum action want;
	const char *ar[3];		/* substrings our A-R must have */
	const char *not_ar;		/* substring it must not have */
	const char *log;		/* substring of the log line */
	unsigned ndelete;
	bool up;			/* a trusted field was read */
} pcases[] = {
	{ "gateway A-R from the trusted relay", RELAY,
	  { "Received", OUR_RCVD, "Authentication-Results", GW_AR, "Received", GW_RCVD },
	  ACTION_ACCEPT,
	  { "dkim=pass (from trusted upstream gw.test.example) header.d=reject.example",
	    "spf=pass (from trusted upstream gw.test.example) smtp.mailfrom=x@reject.example",
	    "dmarc=pass" }, NULL, "upstream=gw.test.example", 0, true },
	{ "our own DKIM still reported", RELAY,
	  { "Authentication-Results", GW_AR, "Received", GW_RCVD },
	  ACTION_ACCEPT, { "dkim=fail (body hash", "dmarc=pass", NULL }, NULL,
	  "dkim=fail:reject.example:s1,pass:reject.example:s1", 0, true },
	{ "same A-R from a client outside TrustedRelays", OUTSIDE,
	  { "Authentication-Results", GW_AR, "Received", GW_RCVD },
	  ACTION_REJECT, { "spf=fail smtp.mailfrom=x@reject.example", "dmarc=fail", NULL },
	  "trusted upstream", "spf=fail", 0, false },
	{ "same A-R below the boundary", RELAY,
	  { "Received", GW_RCVD, "X-Scanned", " clean", "Authentication-Results", GW_AR },
	  ACTION_REJECT, { "dkim=fail", "dmarc=fail", NULL }, "trusted upstream",
	  "action=reject", 0, false },
	{ "forged trusted-id field below the real one", RELAY,
	  { "Authentication-Results", " gw.test.example; dkim=fail header.d=reject.example",
	    "Authentication-Results", GW_AR, "Received", GW_RCVD },
	  ACTION_REJECT,
	  { "dkim=fail (from trusted upstream gw.test.example) header.d=reject.example",
	    "dmarc=fail", NULL }, "dkim=pass", "upstream=gw.test.example", 0, true },
	{ "trusted relay without an upstream field: no SPF of the relay", RELAY,
	  { "Received", GW_RCVD },
	  ACTION_REJECT, { "dkim=fail", "dmarc=fail", NULL }, "spf=", " spf=none ", 0, false },
	{ "upstream SPF alone aligns", RELAY,
	  { "Authentication-Results", " gw.test.example; spf=pass "
	    "smtp.mailfrom=bounce@mail.reject.example; dkim=none" },
	  ACTION_ACCEPT, { "spf=pass (from trusted upstream gw.test.example)",
	    "dmarc=pass", NULL }, NULL, "spf=pass", 0, true },
	{ "obsolete name of the upstream field", RELAY,
	  { "Received ", GW_RCVD, "Authentication-Results  ", GW_AR },
	  ACTION_ACCEPT, { "dmarc=pass", NULL }, NULL, "upstream=gw.test.example", 0, true },
	{ "obsolete name of a forged field is removed", OUTSIDE,
	  { "Authentication-Results\t", " mx.test.example; dkim=pass header.d=reject.example" },
	  ACTION_REJECT, { "dmarc=fail", NULL }, NULL, "forged_ar_removed=1", 1, false },
};

/* run_pcase - one message through the engine */
static void
run_pcase(struct engine *eng, const struct pcase *tc, struct capture *cap)
{
	struct msg_verdict v;
	struct msg *m;
	FILE *fp;

	if ((fp = fopen(tap_path("TDATA", "message/reject-altered.eml"), "r")) == NULL)
		bail("cannot open reject-altered.eml");
	cap->last[0] = '\0';
	m = msg_new(eng);
	msg_connect(m, tc->ip, "client.example");
	msg_helo(m, strcmp(tc->ip, RELAY) == 0 ? "gw.test.example" : "mail.reject.example");
	memset(&v, 0, sizeof v);
	ok(!msg_envfrom(m, "<x@reject.example>", NULL, &v), "%s: not refused at MAIL",
	    tc->what);
	for (size_t i = 0; i + 1 < NELEM(tc->fields) && tc->fields[i] != NULL; i += 2)
		msg_header(m, tc->fields[i], tc->fields[i + 1]);
	ok(msg_feed_file(m, fp) == 0, "%s: fed", tc->what);
	fclose(fp);
	msg_eom(m, &v);
	is_string(cfg_action_name(tc->want), cfg_action_name(v.action), "%s: action",
	    tc->what);
	for (size_t i = 0; i < NELEM(tc->ar) && tc->ar[i] != NULL; i++)
		ok(v.authres != NULL && strstr(v.authres, tc->ar[i]) != NULL,
		    "%s: A-R has \"%s\"", tc->what, tc->ar[i]);
	if (tc->not_ar != NULL)
		ok(v.authres != NULL && strstr(v.authres, tc->not_ar) == NULL,
		    "%s: A-R has no \"%s\"", tc->what, tc->not_ar);
	if (v.authres != NULL && (tc->want != v.action || tc->not_ar != NULL))
		diag("A-R: %s", v.authres);
	if (strcmp(tc->ip, RELAY) == 0)
		ok(v.received_spf == NULL, "%s: no Received-SPF for a relay's address",
		    tc->what);
	ok(strstr(cap->last, tc->log) != NULL, "%s: log has \"%s\": %s", tc->what, tc->log,
	    cap->last);
	ok((strstr(cap->last, " upstream=gw.test.example ") != NULL) == tc->up,
	    "%s: log has upstream= %s", tc->what, tc->up ? "yes" : "no");
	is_int(tc->ndelete, (long)v.ndelete, "%s: forged fields to delete", tc->what);
	if (tc->ndelete == 1 && v.ndelete == 1)
		is_int(1, v.delete_idx[0], "%s: the first A-R field", tc->what);
	msg_verdict_clear(&v);
	msg_free(m);
}

/* list - a NULL-terminated list of copies, as the config parser makes them */
static char **
list(const char *a, const char *b)
{
	char **l = xcalloc(3, sizeof *l);

	l[0] = xstrdup(a);
	l[1] = b != NULL ? xstrdup(b) : NULL;
	return l;
}

/* test_pipeline - the whole engine with TrustedRelays and TrustedAuthservIDs */
static void
test_pipeline(void)
{
	struct capture cap;
	struct buf err;
	struct config *cfg = cfg_defaults();
	struct engine *eng;

	log_set_capture(capture_line, &cap);
	buf_init(&err);
	cfg->dns_backend = DNS_BACKEND_ZONE;
	free(cfg->dns_zone_file);
	cfg->dns_zone_file = xstrdup(tap_path("TDATA", "message/test.zone"));
	free(cfg->authserv_id);
	cfg->authserv_id = xstrdup("mx.test.example");
	for (char **w = cfg->trusted_relays; *w != NULL; w++)
		free(*w);
	free(cfg->trusted_relays);
	cfg->trusted_relays = list(RELAY, NULL);
	for (char **w = cfg->trusted_ids; *w != NULL; w++)
		free(*w);
	free(cfg->trusted_ids);
	cfg->trusted_ids = list("other-gw.test.example", "GW.test.example");
	if ((eng = engine_new(cfg, &err)) == NULL)
		bail("engine_new: %s", buf_str(&err));
	for (size_t i = 0; i < NELEM(pcases); i++)
		run_pcase(eng, &pcases[i], &cap);
	engine_unref(eng);

	/* our own id (here set past the config check, as the host name would be) */
	free(cfg->trusted_ids[1]);
	cfg->trusted_ids[1] = xstrdup("MX.test.example");
	buf_reset(&err);
	eng = engine_new(cfg, &err);
	ok(eng == NULL && strstr(buf_str(&err), "TrustedAuthservIDs names our own "
	    "authserv-id mx.test.example") != NULL, "engine refuses our own id: %s",
	    buf_str(&err));
	engine_unref(eng);
	cfg_unref(cfg);
	buf_free(&err);
	log_set_capture(NULL, NULL);
}

int
main(void)
{
	log_open("upstream_test", LOG_MAIL, true);
	log_set_level(LOG_ERR);
	test_names();
	test_parse();
	test_boundary();
	test_pipeline();
	return done_testing();
}
