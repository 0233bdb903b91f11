/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * reporter.h - one run of DMARC aggregate reporting over the history store
 * SYNOPSIS
 *	int reporter_run(const struct reporter_opts *o, struct reporter_stats *st);
 * DESCRIPTION
 *	Reports cover whole UTC days (RFC 9990 "date_range": "Typically, the
 *	reporting period will encompass a single UTC day, beginning at 0000UTC"),
 *	in the RFC 9990 format (lib/report.h). For every
 *	policy domain and day before the day of o->now that has unreported rows,
 *	reporter_run() groups the rows (source IP, policy evaluated, identifiers,
 *	authentication results) into record elements with counts, largest first, at
 *	most cfg->report_max_records; takes the published policy (with its np=, t=
 *	and discovery method, unknown in rows of older versions) from the latest row
 *	of the day (RFC 9990: "the reporting entity SHOULD note only the final
 *	configuration observed during the period"); builds the XML (lib/report.h), gzips it and makes one message per
 *	usable rua= URI. A URI is skipped for good when it is not mailto:, when its
 *	domain is outside the policy domain's organizational domain and
 *	<policy-domain>._report._dmarc.<dest> publishes no v=DMARC1 record (RFC 9990
 *	"Verifying External Destinations"). An obsolete "!size" suffix does not limit
 *	anything (RFC 9989 removed report size limits). A DNS temporary failure
 *	of that check leaves the day for the next run. Each message goes to
 *	cfg->report_sendmail (-oi -t -f ReportEmail) and is remembered in
 *	dmarc_reports_sent, so a URI never gets the same day twice; when every URI of
 *	the day is done, its rows are marked reported. A day whose record has no rua=
 *	is marked reported at once (nobody asked). With o->dry_run_dir the .xml.gz file
 *	and one .eml per URI are written there instead and nothing is marked. Last,
 *	rows older than cfg->report_retention days are deleted (not in a dry run).
 *	Returns 0, 1 when some report must be tried again (sendmail or DNS failed),
 *	-1 on a store error. Every report and skip is logged.
 */
#ifndef MAILAUTH_REPORTER_H
#define MAILAUTH_REPORTER_H

#include <stdbool.h>

#include "config.h"
#include "dns.h"
#include "psl.h"
#include "store.h"

struct reporter_opts {
	const struct config *cfg;
	struct store *store;
	struct dns_resolver *dns;	/* for the external destination check */
	const struct psl *psl;
	const char *receiver;		/* file names and Submitter: the authserv-id */
	long long now;			/* unix seconds */
	const char *dry_run_dir;	/* NULL: send */
};

struct reporter_stats {
	unsigned reports;		/* (domain, day) reports built */
	unsigned sent;			/* messages handed to sendmail (or written) */
	unsigned skipped;		/* URIs skipped for good */
	unsigned deferred;		/* reports left for the next run */
	unsigned long long rows_reported, rows_expired;
};

int reporter_run(const struct reporter_opts *o, struct reporter_stats *st);

#endif
