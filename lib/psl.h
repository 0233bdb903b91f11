/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * psl.h - Public Suffix List: organizational domains (RFC 7489 section 3.2)
 * SYNOPSIS
 *	struct psl *psl_load(const char *path, struct buf *err);
 *	void psl_free(struct psl *p);
 *	int psl_org_domain(const struct psl *p, const char *domain, char *out, size_t outlen);
 *	bool psl_is_public_suffix(const struct psl *p, const char *domain);
 * DESCRIPTION
 *	Our own reading of the Mozilla list (ICANN and private sections, wildcard "*."
 *	and exception "!" rules, the implicit "*" rule), loaded once and read-only
 *	afterwards (thread-safe). Lookups are case-insensitive; U-labels are converted to
 *	A-labels (IDNA) first; a trailing dot is ignored. psl_org_domain() writes the
 *	registrable domain (public suffix plus one label, lowercase A-labels) into out
 *	and returns 0; it returns -1 when the domain is itself a public suffix, is empty
 *	or invalid, or does not fit.
 */
#ifndef MAILAUTH_PSL_H
#define MAILAUTH_PSL_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

struct psl;

struct psl *psl_load(const char *path, struct buf *err);
void psl_free(struct psl *p);
int psl_org_domain(const struct psl *p, const char *domain, char *out, size_t outlen);
bool psl_is_public_suffix(const struct psl *p, const char *domain);

#endif
