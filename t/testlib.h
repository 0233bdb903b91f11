/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * testlib.h - helpers the unit tests share (they were copied between the t/ test programs)
 * SYNOPSIS
 *	char *tl_slurp(const char *path, size_t *len);
 *	char *tl_repeat(const char *s, size_t n);
 *	void tl_dkim_cfg(struct config *c);
 *	void tl_capture_summary(int pri, const char *line, void *arg);
 *	void tl_dmarc_fixture(struct psl **psl, struct dns_resolver **r,
 *	    struct dmarc_engine **e);
 * DESCRIPTION
 *	tl_slurp() reads a whole file (NUL-terminated; *len without the NUL), NULL if
 *	it cannot be opened. tl_repeat() is s n times. tl_dkim_cfg() fills c with
 *	the options lib/dkim reads, set by hand (5 signatures, 50 fields, 1024-bit
 *	keys, l= reported, 300 s drift, 5 s DNS timeout). tl_capture_summary() is a
 *	log_set_capture() hook counting the per-message summary lines (LOG_INFO with
 *	" action=") into the struct tl_summary arg and keeping the last one.
 *	tl_dmarc_fixture() loads t/data/dmarc/psl.dat and dmarc.zone and makes a
 *	DMARC engine with a zeroed configuration; it bails on any failure.
 */
#ifndef MAILAUTH_TESTLIB_H
#define MAILAUTH_TESTLIB_H

#include <stddef.h>

#include "config.h"
#include "dmarc.h"
#include "dns.h"
#include "psl.h"

/* the summary lines a test saw */
struct tl_summary {
	int lines;
	char last[4096];
};

char *tl_slurp(const char *path, size_t *len);
char *tl_repeat(const char *s, size_t n);
void tl_dkim_cfg(struct config *c);
void tl_capture_summary(int pri, const char *line, void *arg);
void tl_dmarc_fixture(struct psl **psl, struct dns_resolver **r, struct dmarc_engine **e);

#endif
