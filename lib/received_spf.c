/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * received_spf.c - the Received-SPF field (RFC 7208 section 9.1)
 * SYNOPSIS
 *	#include "spf.h"
 *	void spf_received_header(const struct spf_outcome *o, const char *receiver,
 *	    struct buf *out);
 * DESCRIPTION
 *	Writes the value of a Received-SPF field (no field name, one line) from the
 *	outcome of spf_check(): the result, a comment in the words of RFC 7208
 *	section 9.1 (the phrases table below: sender and client address for pass,
 *	fail, softfail and neutral, our own reason for the other results), then
 *	client-ip, envelope-from, helo, receiver and identity. It sits beside the
 *	Authentication-Results builder (lib/authres.c) and, like it, writes every
 *	piece of network text through lib/hdrtext: the receiver, sender and address
 *	in the comment with control, 8-bit and backslash bytes as "\\xHH" (our own
 *	reasons, already sanitised by lib/spf, keep "\\\\"); client-ip, helo and
 *	receiver as a dot-atom when they are one, else a quoted-string;
 *	envelope-from always quoted. Each piece is cut (marked "...") once more than
 *	its limit was written, so the line stays far below 998 bytes.
 * SEE ALSO
 *	RFC 7208 section 9.1, lib/hdrtext.c, lib/authres.c.
 */
#include "autoconf.h"

#include <string.h>

#include "hdrtext.h"
#include "spf.h"

#define MAX_RECEIVER	100	/* bytes of the receiver name written */
#define MAX_SENDER	180	/* bytes of the sender address */
#define MAX_IP		50	/* bytes of the client address */
#define MAX_REASON	150	/* bytes of our own reason */

#define RAW_TEXT	(HDR_HEX | HDR_HEX_BACKSLASH | HDR_CUT_OUTPUT)

/* the comment of one result: before, first, between, second, after */
static const struct phrase {
	enum spf_result result;
	bool ip_first;		/* the client address comes first */
	const char *before, *between, *after;
} phrases[] = {
	{ SPFR_PASS, false, "domain of ", " designates ", " as permitted sender" },
	{ SPFR_FAIL, false, "domain of ", " does not designate ", " as permitted sender" },
	{ SPFR_SOFTFAIL, false, "domain of transitioning ", " does not designate ",
	  " as permitted sender" },
	{ SPFR_NEUTRAL, true, "", " is neither permitted nor denied by domain of ", "" },
};

/* comment_piece - network text inside the comment */
static void
comment_piece(struct buf *out, const char *s, size_t max, unsigned flags)
{
	hdr_comment_text(out, s, strlen(s), max, flags | HDR_PAIR_DQUOTE);
}

/* spf_received_header - the value of a Received-SPF field (RFC 7208 9.1), one line */
void
spf_received_header(const struct spf_outcome *o, const char *receiver,
    struct buf *out)
{
	const char *ip = o->ip != NULL ? o->ip : "";
	const char *sender = o->sender != NULL ? o->sender : "";
	const struct phrase *ph = NULL;

	if (receiver == NULL)
		receiver = "";
	for (size_t i = 0; i < NELEM(phrases); i++)
		if (phrases[i].result == o->result)
			ph = &phrases[i];
	buf_adds(out, spf_result_name(o->result));
	buf_adds(out, " (");
	comment_piece(out, receiver, MAX_RECEIVER, RAW_TEXT);
	buf_adds(out, ": ");
	if (ph != NULL) {
		buf_adds(out, ph->before);
		if (ph->ip_first)
			comment_piece(out, ip, MAX_IP, RAW_TEXT);
		else
			comment_piece(out, sender, MAX_SENDER, RAW_TEXT);
		buf_adds(out, ph->between);
		if (ph->ip_first)
			comment_piece(out, sender, MAX_SENDER, RAW_TEXT);
		else
			comment_piece(out, ip, MAX_IP, RAW_TEXT);
		buf_adds(out, ph->after);
	} else {
		/* our own reason, sanitised by lib/spf: its backslashes stay pairs */
		comment_piece(out, o->reason != NULL ? o->reason : "", MAX_REASON,
		    HDR_HEX | HDR_CUT_OUTPUT);
	}
	buf_adds(out, ") client-ip=");
	hdr_value(out, ip, MAX_IP, RAW_TEXT | HDR_PLAIN_DOT_ATOM);
	buf_adds(out, "; envelope-from=");
	hdr_quoted(out, sender, strlen(sender), MAX_SENDER, RAW_TEXT);
	buf_adds(out, "; helo=");
	hdr_value(out, o->helo != NULL ? o->helo : "", MAX_RECEIVER,
	    RAW_TEXT | HDR_PLAIN_DOT_ATOM);
	buf_adds(out, "; receiver=");
	hdr_value(out, receiver, MAX_RECEIVER, RAW_TEXT | HDR_PLAIN_DOT_ATOM);
	buf_adds(out, "; identity=");
	buf_adds(out, o->helo_identity && !o->null_sender ? "helo" : "mailfrom");
}
