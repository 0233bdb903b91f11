/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dmarc_record.h - DMARC record grammar (RFC 9989 section 4.7) and URI lists
 * SYNOPSIS
 *	bool dmarc_record_is_v1(const char *d, size_t len);
 *	void dmarc_record_parse(const char *d, size_t len, struct dmarc_rec *r);
 *	bool dmarc_uri_next(const char **p, const char *end, struct dmarc_uri *u);
 * DESCRIPTION
 *	dmarc_record_is_v1() is the record test of discovery ("v" *WSP "=" *WSP
 *	"DMARC1" then ';', WSP or the end), also for other users of DMARC TXT
 *	records. dmarc_record_parse() reads the tags of a record that passed it into
 *	r (see dmarc_record.c for defaults and invalid values). dmarc_uri_next() gives
 *	the next non-empty element of the URI list between *p and end and moves *p
 *	past it; false at the end of the list.
 */
#ifndef MAILAUTH_DMARC_RECORD_H
#define MAILAUTH_DMARC_RECORD_H

#include <stdbool.h>
#include <stddef.h>

enum dmarc_policy { DMP_UNSET = 0, DMP_NONE, DMP_QUARANTINE, DMP_REJECT };

/* a parsed DMARC record */
struct dmarc_rec {
	enum dmarc_policy p, sp, np;
	bool p_seen, sp_seen, np_seen;
	bool p_bad, sp_bad, np_bad;
	char psd;			/* 'y', 'n', or 'u' (absent or invalid) */
	bool t_seen, testing;		/* t=y, or no t= and the historic pct=0 */
	bool rua_valid;
	char rua[1024];			/* the rua= value (whole URIs only), or "" */
	char fo[32];			/* the fo= value, or "" */
	unsigned pct;
	bool pct_seen;
	char adkim, aspf;
	bool adkim_seen, aspf_seen;
};

/* one element of a DMARC URI list (pointers into the list) */
struct dmarc_uri {
	const char *uri;		/* the URI, blanks and any "!size" removed */
	size_t len;
	const char *size;		/* what follows the last '!', or NULL */
	size_t size_len;
	size_t scheme_len;		/* scheme length before ':', 0: not a URI */
	bool valid;			/* scheme ":" one or more visible characters */
};

bool dmarc_record_is_v1(const char *d, size_t len);
void dmarc_record_parse(const char *d, size_t len, struct dmarc_rec *r);
bool dmarc_uri_next(const char **p, const char *end, struct dmarc_uri *u);

#endif
