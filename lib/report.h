/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * report.h - building blocks of DMARC aggregate reports (RFC 9990, Appendix A)
 * SYNOPSIS
 *	void report_xml(struct buf *out, const struct report_meta *m,
 *	    const struct report_record *r, size_t n);
 *	size_t report_dkim_decode(const char *enc, char ***domains,
 *	    char ***selectors, char ***results);
 *	void report_dkim_free(char **domains, char **selectors, char **results, size_t n);
 *	int report_gzip(const void *data, size_t len, struct buf *out);
 *	size_t report_parse_rua(const char *rua, struct report_uri **out);
 *	void report_uris_free(struct report_uri *u, size_t n);
 *	bool report_dest_external(const struct psl *psl, const char *policy_domain,
 *	    const char *dest_domain);
 *	int report_dest_authorized(struct dns_session *s, const char *policy_domain,
 *	    const char *dest_domain, char **rua);
 *	size_t report_dest_override(const char *dest_domain, const char *rua,
 *	    struct report_uri **out, const char **why);
 *	void report_filename(struct buf *out, const char *receiver,
 *	    const char *policy_domain, long long begin, long long end,
 *	    const char *unique_id);
 *	void report_mime(struct buf *out, const char *from, const char *to,
 *	    const char *receiver, const struct report_meta *m, const char *filename,
 *	    const void *gz, size_t gzlen, long long now);
 * DESCRIPTION
 *	Pure functions: no storage, no clock (callers pass the times), no sending. Every
 *	function appending to a struct buf appends; it never resets what is there.
 *	Strings in report_meta and report_record are borrowed. The details (what a
 *	NULL or out-of-range value becomes, the namespace form of the XML) are in the
 *	DESCRIPTION of report.c.
 *
 *	report_xml() writes one <feedback> document in the RFC 9990 namespace
 *	(urn:ietf:params:xml:ns:dmarc-2.0) that validates against the RFC 9990
 *	Appendix A schema (t/data/report/rfc9990.xsd) whatever the strings hold, as
 *	long as n > 0 (the schema wants at least one record).
 *	report_dkim_decode() reads the one-string form of a message's DKIM results
 *	kept in storage, which hist_dkim_encode() (lib/history.h) writes:
 *	"domain/selector/result" per signature, fields percent-encoded outside
 *	[A-Za-z0-9._-], joined by one space.
 *	report_dkim_decode() returns the number of signatures and, for each non-NULL
 *	array pointer, a NULL-terminated array of that many strings (free them with
 *	report_dkim_free()); with 0 signatures the arrays are NULL.
 *	report_gzip() appends an RFC 1952 member (mtime 0): 0, or -1 on a zlib error
 *	(out is then as it was).
 *	report_parse_rua() splits an rua= value into its DMARC URIs (RFC 9989 section
 *	4.7); only mailto: URIs with a plain address are usable. An obsolete "!size"
 *	suffix is dropped and its limit ignored (RFC 9989 removed report size limits).
 *	report_dest_external() and report_dest_authorized() are the RFC 9990 section
 *	"Verifying External Destinations" test and its _report._dmarc query
 *	(1 authorized, 0 not, -1 temporary DNS failure); when rua is not NULL, *rua
 *	is the confirming record's rua= value (free it), or NULL without one.
 *	report_dest_override() is that section's step 9: the URIs (free them with
 *	report_uris_free()) that replace the one of dest_domain, or 0 with a reason
 *	in *why when no report may go to either (an overriding URI at another host).
 *	report_filename() is the file name of RFC 9990 section "Email",
 *	report_mime() the whole message (LF line ends, for sendmail -t).
 */
#ifndef MAILAUTH_REPORT_H
#define MAILAUTH_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "dns.h"
#include "psl.h"
#include "util.h"


/* the RFC 9990 XML namespace of <feedback> and all its elements */
#define REPORT_XMLNS	"urn:ietf:params:xml:ns:dmarc-2.0"

/* DKIM results written per record (RFC 9990 "DKIM Signatures in Aggregate
   Reports": "no more than 100 signatures for a given row") */
#define REPORT_DKIM_MAX	100

/* one grouped record of the report (all strings borrowed; NULL = absent) */
struct report_record {
	const char *source_ip;		/* IPv4 or IPv6 literal */
	unsigned long count;
	const char *disposition;	/* none|pass|quarantine|reject (policy_evaluated;
					   pass: DMARC pass under p/sp/np not none) */
	const char *dkim_eval;		/* pass|fail: DMARC-aligned DKIM */
	const char *spf_eval;		/* pass|fail: DMARC-aligned SPF */
	const char *reason_type;	/* local_policy|mailing_list|other|
					   policy_test_mode|trusted_forwarder, or NULL
					   (RFC 7489's sampled_out: policy_test_mode) */
	const char *reason_comment;	/* or NULL */
	const char *envelope_to;	/* or NULL */
	const char *envelope_from;	/* domain, or NULL */
	const char *header_from;	/* domain */
	const char *dkim;		/* the stored DKIM list (hist_dkim_encode) */
	const char *spf_domain;
	const char *spf_scope;		/* ignored: always written "mfrom" (report.c) */
	const char *spf_result;		/* none|neutral|pass|fail|softfail|policy|
					   temperror|permerror */
};

struct report_meta {
	const char *org_name, *email, *extra_contact;	/* extra_contact may be NULL */
	const char *report_id;
	long long begin, end;			/* unix seconds, inclusive range */
	const char *domain;			/* policy_published/domain */
	char adkim, aspf;			/* 'r' or 's' */
	const char *p, *sp, *np;		/* none|quarantine|reject; sp NULL = p,
						   np NULL = left out */
	const char *fo;				/* or NULL */
	const char *discovery_method;		/* treewalk|psl, NULL = unknown */
	const char *testing;			/* "y"|"n", NULL = unknown */
	const char *generator;			/* or NULL */
	const char **errors;			/* report_metadata/error, may be 0 */
	size_t nerrors;
	const struct psl *psl;			/* orders DKIM results; may be NULL */
};

/* one URI of an rua= tag (all strings owned; address/domain/why may be NULL) */
struct report_uri {
	char *uri;			/* the URI without an obsolete "!size" suffix */
	char *address;			/* mailto: local@domain, percent-decoded */
	char *domain;			/* the address's domain, normalised */
	bool usable;
	char *why;			/* why not usable, NULL when usable */
};

void report_xml(struct buf *out, const struct report_meta *m,
    const struct report_record *r, size_t n);

size_t report_dkim_decode(const char *enc, char ***domains, char ***selectors,
    char ***results);
void report_dkim_free(char **domains, char **selectors, char **results, size_t n);

int report_gzip(const void *data, size_t len, struct buf *out);

size_t report_parse_rua(const char *rua, struct report_uri **out);
void report_uris_free(struct report_uri *u, size_t n);

bool report_dest_external(const struct psl *psl, const char *policy_domain,
    const char *dest_domain);
int report_dest_authorized(struct dns_session *s, const char *policy_domain,
    const char *dest_domain, char **rua);
size_t report_dest_override(const char *dest_domain, const char *rua,
    struct report_uri **out, const char **why);

void report_filename(struct buf *out, const char *receiver, const char *policy_domain,
    long long begin, long long end, const char *unique_id);
void report_mime(struct buf *out, const char *from, const char *to,
    const char *receiver, const struct report_meta *m, const char *filename,
    const void *gz, size_t gzlen, long long now);

#endif
