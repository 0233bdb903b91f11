/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dmarc_oracle_test.c - our DMARC record parser against libopendmarc's
 * DESCRIPTION
 *	libopendmarc is used here only, as a differential oracle: the engine and
 *	the daemon do not link it (README.md, "Dependencies"). Every record of the
 *	table goes through lib/dmarc_record (dmarc_record_is_v1, dmarc_record_parse)
 *	and through opendmarc_policy_parse_dmarc(); the two readings are reduced to
 *	the same view (record usable, p, sp, adkim, aspf, pct) and compared. A row
 *	either expects agreement, or names the one field the two must disagree on
 *	and the RFC text our reading follows. So a new disagreement fails, and so
 *	does a listed one that went away (the exception list stays true).
 *	test_library_agrees() checks, for records in t/data/dmarc/dmarc.zone, that
 *	dmarc_check() ends with the tag values libopendmarc reads from the same
 *	record. Without libopendmarc at configure time the test is skipped.
 */
#include "autoconf.h"

#include <stdio.h>
#include <string.h>

#include "tap.h"

#ifndef HAVE_OPENDMARC

int
main(void)
{
	skip_all("libopendmarc not found at configure time");
}

#else

#include <sys/types.h>

#include <opendmarc/dmarc.h>

#include "dmarc.h"
#include "dmarc_record.h"
#include "dns.h"
#include "psl.h"
#include "testlib.h"

/* one record read one way: the fields both parsers expose */
struct reading {
	bool usable;		/* a record DMARC applies with its own p= */
	enum dmarc_policy p, sp;	/* DMP_UNSET: absent */
	char adkim, aspf;
	long pct;
};

struct oracle_case {
	const char *record;
	const char *differs;	/* NULL: both agree; else the one field that differs */
	const char *why;	/* the RFC text our reading follows */
};

static const struct oracle_case cases[] = {
	{ .record = "v=DMARC1; p=reject" },
	{ .record = "v=DMARC1; p=none; sp=quarantine" },
	{ .record = "v=DMARC1; p=quarantine; sp=reject; adkim=s; aspf=s" },
	{ .record = "V=dmarc1; P=Reject; ADKIM=S" },
	{ .record = "v = DMARC1 ; p = reject" },
	{ .record = "v=DMARC1;p=reject;rua=mailto:a@example.com" },
	{ .record = "v=DMARC1; p=reject; pct=50" },
	{ .record = "v=DMARC1; p=reject; pct=0" },
	{ .record = "v=DMARC1; p=reject; psd=y; t=y" },
	{ .record = "v=DMARC1; p=reject; unknown=tag" },
	{ .record = "v=DMARC1" },
	{ .record = "v=DMARC1; p=" },
	{ .record = "v=DMARC1; p=bogus" },
	{ .record = "v=DMARC2; p=reject" },
	{ .record = "v=DMARC1; p=r", .differs = "usable",
	  .why = "RFC 9989 4.7: p= takes the keywords none, quarantine, reject; "
	  "libopendmarc takes any prefix (p=r as reject)" },
	{ .record = "v=DMARC1; p=reject; sp=q", .differs = "usable",
	  .why = "RFC 9989 4.7 and 4.10.1: sp= is a keyword, an invalid sp= makes the "
	  "record act as p=none (with rua) or not apply; libopendmarc reads q as "
	  "quarantine" },
	{ .record = "v=DMARC1; p=reject; adkim=strict", .differs = "adkim",
	  .why = "RFC 9989 4.7: adkim is r or s, an invalid value takes the default r; "
	  "libopendmarc takes the first letter" },
	{ .record = "v=DMARC1; p=reject; pct=abc", .differs = "pct",
	  .why = "RFC 9989 removed pct (Appendix A.6: only pct=0 still reads as t=y), "
	  "so pct=abc changes nothing (100); libopendmarc reads it as 0" },
	{ .record = "v=DMARC1; p=reject; pct=200", .differs = "usable",
	  .why = "RFC 9989 removed pct and unknown tags MUST be ignored, so no pct= "
	  "value invalidates the record; libopendmarc drops it" },
	{ .record = "v=DMARC1; p=reject; rf=bogus", .differs = "usable",
	  .why = "RFC 9989 removed rf= and unknown tags MUST be ignored; libopendmarc "
	  "drops the whole record for one bad rf= value" },
	{ .record = "v=DMARC1; p=quarantine; ri=abc", .differs = "usable",
	  .why = "RFC 9989 removed ri= and unknown tags MUST be ignored; libopendmarc "
	  "drops the whole record for one bad ri= value" },
	{ .record = "v=DMARC1; p=reject; fo=x", .differs = "usable",
	  .why = "fo= only selects failure reports (mailauth sends none); a bad value "
	  "must not cancel the published policy (RFC 9989 4.7 gives it a default); "
	  "libopendmarc drops the record" },
	{ .record = "v=DMARC1; p=reject; np=bogus", .differs = "usable",
	  .why = "RFC 9989 4.10.1: an invalid np= is treated like an invalid sp=; "
	  "libopendmarc (RFC 7489) does not know np=" },
	{ .record = "p=reject; v=DMARC1", .differs = "usable",
	  .why = "RFC 9989 4.7: v= must be the first tag; libopendmarc accepts it "
	  "anywhere" },
	{ .record = "v=DMARC1; p=reject; p=none", .differs = "p",
	  .why = "a repeated tag: RFC 6376 3.2 (the tag-list syntax DMARC uses) makes "
	  "the whole list invalid; neither parser does that: we keep the first p=, "
	  "libopendmarc the last" },
};

/* map_policy - a libopendmarc p/sp letter as a dmarc_policy */
static enum dmarc_policy
map_policy(int c)
{
	return c == DMARC_RECORD_P_REJECT ? DMP_REJECT :
	    c == DMARC_RECORD_P_QUARANTINE ? DMP_QUARANTINE :
	    c == DMARC_RECORD_P_NONE ? DMP_NONE : DMP_UNSET;
}

/* read_ours - the record through lib/dmarc_record */
static void
read_ours(const char *rec, struct reading *rd)
{
	struct dmarc_rec r;
	size_t len = strlen(rec);

	memset(rd, 0, sizeof(*rd));
	if (!dmarc_record_is_v1(rec, len))
		return;
	dmarc_record_parse(rec, len, &r);
	rd->usable = r.p_seen && !r.p_bad && !r.sp_bad && !r.np_bad;
	rd->p = r.p;
	rd->sp = r.sp_seen ? r.sp : DMP_UNSET;
	rd->adkim = r.adkim;
	rd->aspf = r.aspf;
	rd->pct = r.pct;
}

/* read_library - the record through opendmarc_policy_parse_dmarc() */
static void
read_library(const char *rec, struct reading *rd)
{
	DMARC_POLICY_T *pctx;
	int p = 0, sp = 0, adkim = 0, aspf = 0, pct = 0;

	memset(rd, 0, sizeof(*rd));
	if ((pctx = opendmarc_policy_connect_init((u_char *)"192.0.2.1", 0)) == NULL)
		bail("opendmarc_policy_connect_init failed");
	rd->usable = opendmarc_policy_parse_dmarc(pctx, (u_char *)"example.com",
	    (u_char *)rec) == DMARC_PARSE_OKAY;
	opendmarc_policy_fetch_p(pctx, &p);
	opendmarc_policy_fetch_sp(pctx, &sp);
	opendmarc_policy_fetch_adkim(pctx, &adkim);
	opendmarc_policy_fetch_aspf(pctx, &aspf);
	opendmarc_policy_fetch_pct(pctx, &pct);
	rd->p = map_policy(p);
	rd->sp = map_policy(sp);
	rd->adkim = (char)adkim;
	rd->aspf = (char)aspf;
	rd->pct = pct;
	opendmarc_policy_connect_shutdown(pctx);
}

/* differing - the fields two readings disagree on, space-separated, or "" */
static void
differing(const struct reading *a, const struct reading *b, char *out, size_t outlen)
{
	out[0] = '\0';
	if (a->usable != b->usable) {
		snprintf(out, outlen, "usable");
		return;
	}
	if (!a->usable)
		return;		/* neither applies the record: nothing more to compare */
	if (a->p != b->p)
		strncat(out, *out != '\0' ? " p" : "p", outlen - strlen(out) - 1);
	if (a->sp != b->sp)
		strncat(out, *out != '\0' ? " sp" : "sp", outlen - strlen(out) - 1);
	if (a->adkim != b->adkim)
		strncat(out, *out != '\0' ? " adkim" : "adkim", outlen - strlen(out) - 1);
	if (a->aspf != b->aspf)
		strncat(out, *out != '\0' ? " aspf" : "aspf", outlen - strlen(out) - 1);
	if (a->pct != b->pct)
		strncat(out, *out != '\0' ? " pct" : "pct", outlen - strlen(out) - 1);
}

/* test_records - every row through both parsers */
static void
test_records(void)
{
	for (size_t i = 0; i < NELEM(cases); i++) {
		const struct oracle_case *c = &cases[i];
		struct reading ours, lib;
		char diff[64];

		read_ours(c->record, &ours);
		read_library(c->record, &lib);
		differing(&ours, &lib, diff, sizeof diff);
		if (!is_string(c->differs != NULL ? c->differs : "", diff,
		    "\"%s\": %s", c->record, c->differs != NULL ? c->why :
		    "both parsers agree"))
			diag("ours: usable=%d p=%d sp=%d adkim=%c aspf=%c pct=%ld; "
			    "libopendmarc: usable=%d p=%d sp=%d adkim=%c aspf=%c pct=%ld",
			    ours.usable, ours.p, ours.sp, ours.adkim ? ours.adkim : '-',
			    ours.aspf ? ours.aspf : '-', ours.pct, lib.usable, lib.p, lib.sp,
			    lib.adkim ? lib.adkim : '-', lib.aspf ? lib.aspf : '-', lib.pct);
	}
}

/* test_library_agrees - libopendmarc parses the valid records as we do */
static void
test_library_agrees(struct dmarc_engine *e, struct dns_resolver *r)
{
	static const struct {
		const char *domain, *record;
	} recs[] = {
		{ "example.com", "v=DMARC1; p=reject; sp=quarantine; rua=mailto:agg@example.com" },
		{ "example.net", "v=DMARC1; p=reject; adkim=s; aspf=s" },
		{ "pquar.test", "v=DMARC1; p=quarantine" },
		{ "pct50.test", "v=DMARC1; p=reject; pct=50" },
		{ "pct0.test", "v=DMARC1; p=reject; pct=0" },
		{ "pnone.test", "v=DMARC1; p=none" },
	};
	size_t i;

	for (i = 0; i < NELEM(recs); i++) {
		DMARC_POLICY_T *pctx;
		struct dmarc_input in;
		struct dmarc_outcome out;
		struct dns_session s;
		const char *fv[1];
		char from[300];
		int lp = 0, lsp = 0, lpct = 0, ladkim = 0, laspf = 0;

		snprintf(from, sizeof(from), "x@%s", recs[i].domain);
		fv[0] = from;
		memset(&in, 0, sizeof(in));
		in.from_values = fv;
		in.nfrom = 1;
		dns_session_init(&s, r, 1000);
		dmarc_check(e, &s, &in, &out);

		pctx = opendmarc_policy_connect_init((u_char *)"192.0.2.1", 0);
		if (pctx == NULL ||
		    opendmarc_policy_store_dmarc(pctx, (u_char *)recs[i].record,
		    (u_char *)recs[i].domain, NULL) != DMARC_PARSE_OKAY) {
			ok(0, "libopendmarc parses %s", recs[i].record);
		} else {
			opendmarc_policy_fetch_p(pctx, &lp);
			opendmarc_policy_fetch_sp(pctx, &lsp);
			opendmarc_policy_fetch_pct(pctx, &lpct);
			opendmarc_policy_fetch_adkim(pctx, &ladkim);
			opendmarc_policy_fetch_aspf(pctx, &laspf);
			is_int(lp == DMARC_RECORD_P_REJECT ? DMP_REJECT :
			    lp == DMARC_RECORD_P_QUARANTINE ? DMP_QUARANTINE :
			    lp == DMARC_RECORD_P_NONE ? DMP_NONE : DMP_UNSET, out.p,
			    "%s: p agrees with libopendmarc", recs[i].domain);
			is_int(lsp == DMARC_RECORD_P_REJECT ? DMP_REJECT :
			    lsp == DMARC_RECORD_P_QUARANTINE ? DMP_QUARANTINE :
			    lsp == DMARC_RECORD_P_NONE ? DMP_NONE : DMP_UNSET, out.sp,
			    "%s: sp agrees with libopendmarc", recs[i].domain);
			is_int(lpct, (long)out.pct, "%s: pct agrees with libopendmarc",
			    recs[i].domain);
			is_int(ladkim, out.adkim, "%s: adkim agrees with libopendmarc",
			    recs[i].domain);
			is_int(laspf, out.aspf, "%s: aspf agrees with libopendmarc",
			    recs[i].domain);
		}
		if (pctx != NULL)
			opendmarc_policy_connect_shutdown(pctx);
		dmarc_outcome_clear(&out);
	}
}

int
main(void)
{
	struct psl *psl;
	struct dns_resolver *r;
	struct dmarc_engine *e;

	test_records();
	tl_dmarc_fixture(&psl, &r, &e);
	test_library_agrees(e, r);
	dmarc_engine_free(e);
	dns_resolver_free(r);
	psl_free(psl);
	return done_testing();
}

#endif
