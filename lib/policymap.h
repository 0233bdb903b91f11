/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * policymap.h - PolicyMap: local per-domain and per-client-network policy rules
 * SYNOPSIS
 *	struct policymap *policymap_load(const char *path, struct buf *err);
struct policymap *policymap_read(FILE *fp, const char *path, struct buf *err);
 *	struct policymap *policymap_read(FILE *fp, const char *path, struct buf *err);
 *	void policymap_free(struct policymap *pm);
 *	const struct pm_rule *policymap_match(const struct policymap *pm,
 *	    const char *from_domain, const char *client_ip);
 *	const char *pm_action_name(enum pm_action a);
 * DESCRIPTION
 *	A map file is lines of "KEY ACTION [OPTION ...]"; '#' starts a comment, blank
 *	lines are ignored, words are separated by blanks or tabs. KEY is a domain
 *	("example.com": that domain only), ".example.com" (every subdomain of it, not
 *	the domain itself), or "ip:NETWORK" (a client address or network, as in
 *	InternalHosts). ACTION is one of pm_action_name(): exempt, monitor, tag-only,
 *	quarantine-always, reject-always. The one OPTION is "client=NET[,NET...]" on a
 *	domain line: the line applies only to mail from those client networks.
 *
 *	policymap_load() returns the map, or NULL with every problem appended to err as
 *	"FILE:LINE: message\n" (unknown action or option, bad domain or network, the
 *	same KEY and client= twice, an ip: line with options); a file that cannot be
 *	read gives "FILE: cannot open: ...". policymap_read() does the same on a file
 *	already open (path only names it in messages). An empty map is valid.
 *
 *	policymap_match() picks at most one rule: domain lines first, for the
 *	RFC5322.From domain: the exact KEY, else the longest ".suffix" KEY it is below;
 *	among the lines of the chosen KEY, the first (in file order) whose client=
 *	contains client_ip, else the line without client=. Only when no domain line
 *	applies: the ip: line with the longest prefix containing client_ip (ties: the
 *	first in the file). NULL when nothing applies. Keys compare without case.
 */
#ifndef MAILAUTH_POLICYMAP_H
#define MAILAUTH_POLICYMAP_H

#include <stdbool.h>
#include <stdio.h>

#include "util.h"

enum pm_action {
	PM_EXEMPT = 1,			/* never act on authentication results */
	PM_MONITOR,			/* DMARC disposition as if p=none */
	PM_TAG_ONLY,			/* reject and quarantine become accept */
	PM_QUARANTINE_ALWAYS,		/* DMARC fail: at least quarantine */
	PM_REJECT_ALWAYS,		/* DMARC fail: reject, whatever p= */
};

struct pm_rule {
	char *key;			/* as written, lowercased */
	enum pm_action action;
	unsigned line;			/* in the map file */
};

struct policymap;

struct policymap *policymap_load(const char *path, struct buf *err);
struct policymap *policymap_read(FILE *fp, const char *path, struct buf *err);
void policymap_free(struct policymap *pm);
const struct pm_rule *policymap_match(const struct policymap *pm,
    const char *from_domain, const char *client_ip);
const char *pm_action_name(enum pm_action a);

#endif
