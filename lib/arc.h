/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * arc.h - ARC chain validation (RFC 8617 section 5.2), streaming
 * SYNOPSIS
 *	struct arc_msg *arc_msg_new(const struct config *cfg);
 *	void arc_header(struct arc_msg *m, const char *name, const char *value);
 *	void arc_eoh(struct arc_msg *m);
 *	bool arc_wants_body(const struct arc_msg *m);
 *	void arc_body(struct arc_msg *m, const unsigned char *p, size_t n);
 *	void arc_eom(struct arc_msg *m, struct dns_session *s, time_t now);
 *	const struct arc_result *arc_result(const struct arc_msg *m);
 *	void arc_msg_free(struct arc_msg *m);
 *	const char *arc_cv_name(enum arc_cv cv);
 *	int arc_feed_raw(struct arc_msg *m, const unsigned char *p, size_t n);
 *	const char *arc_field_value(const struct arc_msg *m, enum arc_kind k,
 *	    unsigned i, size_t *len);
 * DESCRIPTION
 *	Feed every header field in arrival order (name and value as the MTA gives
 *	them: bare LF folding becomes CRLF, a leading blank stays part of the value),
 *	arc_eoh, the body in chunks (CRLF lines), then arc_eom, which looks the keys
 *	up through s (they count against its queries and deadline) and fills the
 *	result. A message without any ARC field is "none" and keeps no header field
 *	after arc_eoh; arc_wants_body is false unless a chain still needs its body
 *	hash. Header fields are kept up to ARC_MAX_HEADER_BYTES (more, with ARC fields
 *	present, is fail); the body is streamed through lib/dkim_body.c.
 *	Results are RFC 8617 chain validation states: none, pass, fail. Every error
 *	is fail (RFC 8617 5.2.1 "All Failures Are Permanent", DNS failures included,
 *	and "arc" has only none/pass/fail in the RFC 8601 result registry, RFC 8617
 *	10.1); a fail caused by a temporary key lookup failure is marked temporary,
 *	so local policy can retry instead of acting on it. oldest_pass is the
 *	instance of the oldest AMS that still validates, 0 when all do (step 5), -1
 *	when not determined. arc_feed_raw() feeds a whole saved message (LF or CRLF
 *	line ends: header fields, arc_eoh, body) for tests; call arc_eom after.
 *	arc_field_value() lends the value (after the colon, CRLF folding) of the one
 *	ARC field of kind k and instance i, NULL when there is none or more than one;
 *	valid until arc_msg_free (lib/arc_trust.c reads AAR, AMS and AS with it).
 */
#ifndef MAILAUTH_ARC_H
#define MAILAUTH_ARC_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "config.h"
#include "dns.h"

#define ARC_MAX_SETS		50		/* RFC 8617 4.2.1, 5.2 step 1 */
#define ARC_MAX_HEADER_BYTES	(1024 * 1024)

enum arc_kind {
	ARC_AAR = 0,		/* ARC-Authentication-Results */
	ARC_AMS,		/* ARC-Message-Signature */
	ARC_AS,			/* ARC-Seal */
};

enum arc_cv {
	ARC_NONE = 0,
	ARC_PASS,
	ARC_FAIL,
};

struct arc_result {
	enum arc_cv cv;
	unsigned nsets;		/* highest instance seen (N), 0 without ARC */
	int oldest_pass;	/* 0: every AMS validates; -1: not determined */
	bool temporary;		/* fail caused by a temporary DNS failure */
	char reason[256];	/* what failed, or "" */
	char sealer[256];	/* d= of the newest ARC-Seal (lowercase) when pass */
	char claimed[256];	/* d= the newest ARC-Seal claims (lowercase, not
				   verified) when the structure is sound */
};

struct arc_msg;

struct arc_msg *arc_msg_new(const struct config *cfg);
void arc_header(struct arc_msg *m, const char *name, const char *value);
void arc_eoh(struct arc_msg *m);
bool arc_wants_body(const struct arc_msg *m);
void arc_body(struct arc_msg *m, const unsigned char *p, size_t n);
void arc_eom(struct arc_msg *m, struct dns_session *s, time_t now);
const struct arc_result *arc_result(const struct arc_msg *m);
void arc_msg_free(struct arc_msg *m);
const char *arc_cv_name(enum arc_cv cv);
int arc_feed_raw(struct arc_msg *m, const unsigned char *p, size_t n);
const char *arc_field_value(const struct arc_msg *m, enum arc_kind k, unsigned i,
    size_t *len);

#endif
