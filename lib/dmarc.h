/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dmarc.h - DMARC (RFC 9989) evaluation: DNS Tree Walk, alignment, verdict
 * SYNOPSIS
 *	struct dmarc_engine *dmarc_engine_new(const struct config *cfg,
 *	    const struct psl *psl, struct buf *err);
 *	void dmarc_engine_free(struct dmarc_engine *e);
 *	int dmarc_from_domain(const char *const *from_values, size_t nfrom,
 *	    char *out, size_t outlen, const char **why);
 *	void dmarc_check(struct dmarc_engine *e, struct dns_session *s,
 *	    const struct dmarc_input *in, struct dmarc_outcome *out);
 *	void dmarc_outcome_clear(struct dmarc_outcome *o);
 *	const char *dmarc_result_name(enum dmarc_result r);
 *	const char *dmarc_policy_name(enum dmarc_policy p);
 *	bool dmarc_aligned(const struct psl *psl, const char *id_domain,
 *	    const char *from_domain, char mode);
 *	int dmarc_domain_normalize(const char *in, char *out, size_t outlen);
 *	struct dmarc_walk *dmarc_walk_new(struct dns_session *s);
 *	void dmarc_walk_free(struct dmarc_walk *w);
 *	int dmarc_id_aligned(const struct dmarc_engine *e, struct dmarc_walk *w,
 *	    enum dmarc_discovery mode, const char *id_domain, const char *from_domain,
 *	    char align);
 *	 * DESCRIPTION
 *	dmarc_engine_new() keeps the PSL and the DMARC options (one per process).
 *	dmarc_from_domain() takes the values of every From field of the message and
 *	returns 0 with the one author domain (lowercase, A-label) in out, or -1 with a
 *	reason in *why ("no From field", "several From fields", "From has several
 *	domains", "unparseable From"). dmarc_check() does the _dmarc lookups itself:
 *	with cfg->dmarc_org_domain DMD_TREEWALK (default) the RFC 9989 DNS Tree Walk
 *	finds the record and the organizational domains (also those of the SPF and
 *	DKIM identifiers, for relaxed alignment); with DMD_PSL the RFC 7489 way (From
 *	domain, then its PSL organizational domain). np= applies to an NXDOMAIN From
 *	subdomain unless cfg->dmarc_np is off; t=y (or the historic pct=0) applies the
 *	policy one level lower. A From problem gives DMR_PERMERROR with bad_from set.
 *	A DNS failure finding the record, or one that leaves an identifier's alignment
 *	unknown while nothing else aligned, gives DMR_TEMPERROR. The details are in
 *	the DESCRIPTION of dmarc.c.
 *	dmarc_aligned() is the RFC 7489 section 3.1 test (mode 's' strict: equal
 *	names; 'r' relaxed: same organizational domain; a public suffix aligns only
 *	with itself). dmarc_domain_normalize() lowercases, drops one final dot,
 *	converts U-labels to A-labels and checks LDH syntax: 0, or -1 if invalid.
 *	dmarc_id_aligned() is the alignment dmarc_check() applies, for identifiers
 *	met elsewhere (a trusted ARC sealer's results): with DMD_PSL dmarc_aligned(),
 *	with DMD_TREEWALK the organizational domains of both by DNS Tree Walk, the
 *	queries of one dmarc_walk (made with dmarc_walk_new, freed with
 *	dmarc_walk_free; one From domain per walk) cached and bounded as for one
 *	message; 1 aligned, 0 not, -1 unknown (a query failed).
 *	The record grammar (dmarc_record_is_v1() and the rua= URI list) is in
 *	dmarc_record.h, which this header includes.
 */
#ifndef MAILAUTH_DMARC_H
#define MAILAUTH_DMARC_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "dkim.h"
#include "dmarc_record.h"
#include "dns.h"
#include "psl.h"
#include "spf.h"
#include "util.h"

enum dmarc_result { DMR_NONE = 0, DMR_PASS, DMR_FAIL, DMR_TEMPERROR, DMR_PERMERROR };

struct dmarc_input {
	const char *ip;				/* client IP literal */
	const char *const *from_values;		/* every From field value */
	size_t nfrom;
	const struct spf_outcome *spf_mailfrom;	/* may be NULL */
	const struct dkv_result *const *dkim;
	size_t ndkim;
	const struct config *cfg;		/* this message's snapshot; NULL: the
						   options given to dmarc_engine_new */
};

enum dmarc_discovery { DMD_TREEWALK = 0, DMD_PSL };

struct dmarc_outcome {
	enum dmarc_result result;
	bool bad_from;			/* From missing, multiple, unparseable */
	char *from_domain;		/* header.from */
	char *policy_domain;		/* where the record was found */
	enum dmarc_policy p, sp, np;	/* as published (DMP_UNSET if absent) */
	enum dmarc_policy applied;	/* p, sp or np as applies to this From */
	enum dmarc_policy disposition;	/* after t=y; DMP_NONE on pass */
	unsigned pct;			/* as published (historic: only pct=0 counts) */
	bool sampled_out;		/* never set: pct sampling is gone (RFC 9989) */
	bool spf_aligned, dkim_aligned;
	char adkim, aspf;		/* 'r' or 's' */
	char *reason;			/* short English for comments/logs */
	char *rua, *fo;			/* the record's rua= and fo= values, or NULL */
	bool found_at_org;		/* record not at the From domain: its org domain's
					   or its PSD's (sp/np apply) */
	bool nonexistent;		/* From domain NXDOMAIN (checked only for np=) */
	bool spf_temperror;		/* aligned MAIL FROM identity: SPF temperror */
	bool dkim_temperror;		/* a signature with aligned d=: DKIM temperror */
	enum dmarc_discovery discovery;	/* DMD_TREEWALK or DMD_PSL */
	bool testing;			/* t=y (or historic pct=0) */
	char psd;			/* the record's psd=: 'y', 'n', or 'u' absent */
};

struct dmarc_engine;

struct dmarc_engine *dmarc_engine_new(const struct config *cfg,
    const struct psl *psl, struct buf *err);
void dmarc_engine_free(struct dmarc_engine *e);
int dmarc_from_domain(const char *const *from_values, size_t nfrom,
    char *out, size_t outlen, const char **why);
void dmarc_check(struct dmarc_engine *e, struct dns_session *s,
    const struct dmarc_input *in, struct dmarc_outcome *out);
void dmarc_outcome_clear(struct dmarc_outcome *o);
const char *dmarc_result_name(enum dmarc_result r);
const char *dmarc_policy_name(enum dmarc_policy p);
bool dmarc_aligned(const struct psl *psl, const char *id_domain,
    const char *from_domain, char mode);
int dmarc_domain_normalize(const char *in, char *out, size_t outlen);

struct dmarc_walk;

struct dmarc_walk *dmarc_walk_new(struct dns_session *s);
void dmarc_walk_free(struct dmarc_walk *w);
int dmarc_id_aligned(const struct dmarc_engine *e, struct dmarc_walk *w,
    enum dmarc_discovery mode, const char *id_domain, const char *from_domain,
    char align);

#endif
