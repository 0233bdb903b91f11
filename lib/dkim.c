/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dkim.c - DKIM verification (RFC 6376, 8301, 8463) of up to N signatures, on libopendkim
 * SYNOPSIS
 *	see dkim.h
 * DESCRIPTION
 *	One DKIM_LIB per engine, configured before any thread starts: BADSIGHANDLES
 *	(broken signatures are reported, not dropped), MINKEYBITS, CLOCKDRIFT, TIMEOUT,
 *	our prescreen callback, and the query start/waitreply/cancel hooks answering
 *	from lib/dns through dns_cur (the library never builds its own resolver). The
 *	constructor ends with a single-threaded self-test verification of a built-in
 *	message (RSA and ed25519): it warms up OpenSSL's lazy initialisation and proves
 *	that the hooks and the library work.
 *
 *	This file owns the engine, the message's life (dkv_eoh, the body, dkv_eom),
 *	the body verdicts on our hashes and the result classification: the decisions
 *	below. Behind lib/dkim_int.h, lib/dkim_key.c owns key records (PKCS#1 rewrap,
 *	the per-message key cache, the self-test's keys), lib/dkim_dns.c the library's
 *	callbacks (DNS query hooks, prescreen and key prefetch), lib/dkim_fields.c the
 *	header fields (kept, checked, handed over) and the result fields they fill.
 *
 *	Decisions (what libopendkim does not do, or does differently):
 *	- rsa-sha1: the library says pass; we report fail "rsa-sha1 not accepted (RFC
 *	  8301)".
 *	- RSA keys below MinimumKeyBits: DKIMR_POLICY "N-bit key below minimum M"
 *	  (RFC 8601 "policy": signed, but not acceptable here). We check the key size
 *	  ourselves for every signature: the library only applies its own minimum when
 *	  no other signature passed first.
 *	- x= in the past (beyond ClockDrift): fail "signature expired"; t= in the future
 *	  (beyond ClockDrift): permerror "signature timestamp in the future" (RFC 6376
 *	  3.5 lets verifiers ignore such signatures).
 *	- l= that leaves body content unsigned: pass with comment "body length limit",
 *	  or fail when BodyLengthPolicy is fail. The canonicalized body length compared
 *	  with l= is counted by lib/dkim_body's state for that canonicalization: the
 *	  body exactly as hashed (a bare CR canonicalized as the library does).
 *	- Body hashes are ours (lib/dkim_body.c, the same bytes the library hashed):
 *	  libopendkim sees the header fields and dkim_eoh only (key lookups and the
 *	  header signature: DKIM_SIGFLAG_PASSED), never the body nor dkim_eom. What
 *	  dkim_eom did with its hashes (l= longer than the body, bh= compared as
 *	  base64 text, the key minimum after a match, the refusal of a body ending in
 *	  a bare LF under relaxed) body_state does with ours, so that every verdict is
 *	  the one the library gave; nothing reads its bh status or canonical lengths.
 *	- Key records whose p= is a bare PKCS#1 RSAPublicKey (the wording of RFC 6376
 *	  3.6.1) are rewrapped as SubjectPublicKeyInfo before the library sees them: it
 *	  only accepts the latter.
 *	- A body line longer than DKV_MAX_LINE bytes without CRLF (the library would
 *	  buffer all of it): we stop feeding the library; every signature still to be
 *	  decided becomes permerror "body line longer than N bytes".
 *	- More than MaximumSignatureFields DKIM-Signature fields: the library is dropped
 *	  for this message (no DNS), one permerror "too many signatures (N)".
 *	- Header fields are kept (not given to the library) until dkv_eoh. More than
 *	  MaximumHeaderFields of them: nothing more is kept, no signature is verified,
 *	  each is permerror "not verified: more than N header fields" (and a notice).
 *	- What the library is given is decided first (lib/dkim_screen.c): its header
 *	  selection costs (h= entries x header fields) for every signature it holds,
 *	  verified or ignored, and some fields made dkim_eoh fail for all signatures.
 *	  Screened out, each permerror on its own (RFC 6376 6.1): a field over 32 KB,
 *	  h= over 4095 bytes or over MaximumSignedFields entries, h= selecting more
 *	  than 1 MB of header fields (the library hashes them once per signature), a
 *	  key name over 253 bytes, a required tag missing or empty, 8-bit or control
 *	  bytes, a repeated tag, broken quoted-printable (dkim_fields.c). Then at most
 *	  MaximumSignatures signatures are given: rank 0, d= equals the From domain;
 *	  rank 1, d= is a parent or child of it (suffix match on label boundaries, no
 *	  Public Suffix List; a d= without a dot never ranks 1); rank 2, the rest;
 *	  header order within a rank. One whose h= names DKIM-Signature k times brings the
 *	  bottom-most k signature fields along, counted in the limit (a screened one is
 *	  given but ignored; one that cannot be given makes it permerror). The others
 *	  are reported neutral "not verified: over the limit of N signatures", with no
 *	  DNS query. Of the other header fields the library gets, per name, the
 *	  bottom-most n, n being the most times one given signature's h= names it:
 *	  exactly the fields its selection would pick from the whole header.
 *	  Signatures the library itself finds broken (expired, unknown a=) count.
 *	- Key lookups are made in the prescreen callback, before the library asks
 *	  (its hook then answers from them): rank 0 and 1 first, each with the whole
 *	  DNSTimeout; then the others, which share what is left of the deadline. So
 *	  another domain's keys that time out cannot use the deadline up before the
 *	  aligned signature's lookup (temperror, and a DMARC reject became 451).
 *	- RSA keys whose public exponent is longer than 31 bits are never verified
 *	  (verification time grows with the exponent: a 2047-bit one costs ~100 times
 *	  e=65537): the library gets no key, we report permerror "RSA key exponent of
 *	  N bits, over 31: not verified". OpenSSL itself only refuses exponents over
 *	  64 bits for moduli over 3072 bits.
 *	- A message without From (the library's getsender fails) is still verified
 *	  thanks to BADSIGHANDLES; signatures whose h= lacks From are permerror. When
 *	  dkim_eoh() fails for the whole message anyway, each signature it was given
 *	  gets a permerror with the library's reason; the others keep their own.
 *	- DNS: NXDOMAIN/NODATA/invalid name/REFUSED -> permerror "no key record";
 *	  TEMPFAIL -> temperror for that signature only (waitreply says DKIM_DNS_ERROR).
 *	- DNSSEC: the library records a key's DNSSEC state (dkim_sig_getdnssec) only
 *	  for replies, not for DKIM_DNS_ERROR. So a BOGUS key answer (lib/dns: TEMPFAIL,
 *	  sec BOGUS) is handed over as an NXDOMAIN reply marked BOGUS: the library has
 *	  no key to use and keeps the mark, and we report temperror "key failed DNSSEC
 *	  validation". A key answer marked SECURE or INSECURE adds ", key DNSSEC-secure"
 *	  or ", key DNSSEC-insecure" to the reason; UNKNOWN (no validation) adds nothing.
 *	- A body not ending in CRLF gets one at dkv_eom (RFC 6376 3.4.3/3.4.4); the
 *	  library would refuse the whole message.
 *	- A signature field with 8-bit or control bytes, or a tag named twice (RFC 6376
 *	  3.2), is permerror whatever the library makes of it.
 *	- header.b=: we compute the shortest prefix (at least 8) unique among all
 *	  signature fields of the message ourselves, b= folding removed.
 *	Results keep attacker text sanitized (str_sanitize, 255 bytes) and d= lowercased;
 *	callers still quote them in header fields.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <opendkim/dkim.h>

#include "b64.h"
#include "config.h"
#include "dkim_int.h"
#include "log.h"
#include "util.h"

#define DKV_MAX_LINE	(1024 * 1024)	/* body bytes without a line end we feed */

/* --- engine ------------------------------------------------------------------ */

struct dkv_engine *
dkv_engine_new(const struct config *cfg, struct buf *err)
{
	struct dkv_engine *e = xcalloc(1, sizeof *e);
	unsigned flags = DKIM_LIBFLAGS_BADSIGHANDLES;
	unsigned minbits = cfg->dkim_min_key_bits;
	unsigned timeout = cfg->dns_timeout > 0 ? cfg->dns_timeout : 5;
	uint64_t drift = cfg->dkim_clock_drift;
	struct dkv_msg *m;
	bool ok = true;

	e->min_key_bits = cfg->dkim_min_key_bits;
	e->lib = dkim_init(NULL, NULL);
	if (e->lib == NULL) {
		buf_adds(err, "dkim_init() failed");
		free(e);
		return NULL;
	}
	if (dkim_options(e->lib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags,
	    sizeof flags) != DKIM_STAT_OK ||
	    dkim_options(e->lib, DKIM_OP_SETOPT, DKIM_OPTS_MINKEYBITS, &minbits,
	    sizeof minbits) != DKIM_STAT_OK ||
	    dkim_options(e->lib, DKIM_OP_SETOPT, DKIM_OPTS_CLOCKDRIFT, &drift,
	    sizeof drift) != DKIM_STAT_OK ||
	    dkim_options(e->lib, DKIM_OP_SETOPT, DKIM_OPTS_TIMEOUT, &timeout,
	    sizeof timeout) != DKIM_STAT_OK ||
	    dkim_set_prescreen(e->lib, dkd_prescreen) != DKIM_STAT_OK) {
		buf_adds(err, "cannot set libopendkim options");
		dkv_engine_free(e);
		return NULL;
	}
	dkd_set_hooks(e);

	/* self-test, single-threaded: warms up OpenSSL, proves hooks and library */
	e->warming = true;
	m = dkv_msg_new(e, cfg, "self-test");
	if (m == NULL) {
		ok = false;
	} else {
		dkv_feed_raw(m, NULL, "warmup.invalid",
		    (const unsigned char *)dkk_warm_msg, strlen(dkk_warm_msg));
		dkv_eom(m, NULL);
		if (dkv_nresults(m) != 2)
			ok = false;
		for (size_t i = 0; ok && i < dkv_nresults(m); i++) {
			const struct dkv_result *r = dkv_result(m, i);

			/* the RSA key may be below a high MinimumKeyBits */
			if (r->result != DKIMR_PASS && !(r->result == DKIMR_POLICY &&
			    strcmp(r->algorithm, "rsa-sha256") == 0))
				ok = false;
		}
		if (!ok && dkv_nresults(m) > 0)
			buf_printf(err, "DKIM self-test verification failed: %s %s",
			    dkim_result_name(dkv_result(m, 0)->result),
			    dkv_result(m, 0)->reason);
		else if (!ok)
			buf_adds(err, "DKIM self-test verification failed: no result");
	}
	dkv_msg_free(m);
	e->warming = false;
	if (!ok) {
		dkv_engine_free(e);
		return NULL;
	}
	return e;
}

void
dkv_engine_free(struct dkv_engine *e)
{
	if (e == NULL)
		return;
	if (e->lib != NULL)
		dkim_close(e->lib);
	free(e);
}

/* --- per message ------------------------------------------------------------- */

struct dkv_msg *
dkv_msg_new(struct dkv_engine *e, const struct config *cfg, const char *qid)
{
	struct dkv_msg *m;
	DKIM_STAT st = DKIM_STAT_OK;

	if (e == NULL || cfg == NULL)
		return NULL;
	m = xcalloc(1, sizeof *m);
	m->e = e;
	m->qid = xstrdup(qid != NULL ? qid : "");
	m->max_sigs = cfg->dkim_max_sigs;
	m->max_fields = cfg->dkim_max_fields;
	m->max_headers = cfg->dkim_max_headers;
	m->max_signed = cfg->dkim_max_signed;
	m->min_key_bits = cfg->dkim_min_key_bits;
	m->l_policy = cfg->dkim_body_length;
	m->dkim = dkim_verify(e->lib, (const unsigned char *)m->qid, NULL, &st);
	if (m->dkim == NULL || st != DKIM_STAT_OK) {
		log_qid(LOG_ERR, m->qid, "dkim_verify() failed: %s",
		    dkim_getresultstr(st));
		if (m->dkim != NULL)
			dkim_free(m->dkim);
		free(m->qid);
		free(m);
		return NULL;
	}
	dkim_set_user_context(m->dkim, m);
	m->raw = xcalloc(m->max_fields + 1, sizeof *m->raw);
	return m;
}

/* set_error_text - remember why the whole message cannot be verified */
static void
set_error_text(struct dkv_msg *m, const char *why)
{
	struct buf b;

	buf_init(&b);
	str_sanitize(&b, why, 200);
	snprintf(m->eoh_error, sizeof m->eoh_error, "%s", buf_str(&b));
	buf_free(&b);
	log_qid(LOG_DEBUG, m->qid, "dkim: %s", m->eoh_error);
}

/* set_error - remember why the library gave up on the whole message */
static void
set_error(struct dkv_msg *m, DKIM_STAT st)
{
	const char *why = dkim_geterror(m->dkim);

	set_error_text(m, why != NULL && *why ? why : dkim_getresultstr(st));
}

/* sb_find - our body record of a library signature, NULL if none */
static struct sigbody *
sb_find(struct dkv_msg *m, DKIM_SIGINFO *sig)
{
	for (size_t i = 0; i < m->nsb; i++)
		if (m->sb[i].sig == sig)
			return &m->sb[i];
	return NULL;
}

/*
 * body_setup - one body state per distinct (canonicalization, hash, l=) among
 * the signatures dkim_eom would still look at: those whose header signature
 * verified (hash and compare bh=) and those with l= (is the body long enough?)
 */
static void
body_setup(struct dkv_msg *m, DKIM_SIGINFO **sigs, int nsigs)
{
	for (int i = 0; i < nsigs; i++) {
		struct sigbody *sb = sb_find(m, sigs[i]);
		unsigned flags = dkim_sig_getflags(sigs[i]);
		dkim_canon_t hc = DKIM_CANON_SIMPLE, bc = DKIM_CANON_SIMPLE;
		dkim_alg_t alg = DKIM_SIGN_UNKNOWN;
		enum dkb_canon c;
		enum dkb_hash h;
		bool need_hash;

		if (sb == NULL || !sb->setup_ok)
			continue;
		(void)dkim_sig_getcanons(sigs[i], &hc, &bc);
		if (bc == DKIM_CANON_RELAXED)
			m->any_relaxed = true;	/* ignored ones too: see dkv_eom */
		if (flags & DKIM_SIGFLAG_IGNORE)
			continue;
		need_hash = dkim_sig_geterror(sigs[i]) == DKIM_SIGERROR_UNKNOWN &&
		    (flags & DKIM_SIGFLAG_PASSED) != 0;
		if (!need_hash && sb->limit < 0)
			continue;
		(void)dkim_sig_getsignalg(sigs[i], &alg);
		if (m->body == NULL)
			m->body = dkb_new();
		c = bc == DKIM_CANON_RELAXED ? DKB_RELAXED : DKB_SIMPLE;
		h = alg == DKIM_SIGN_RSASHA1 ? DKB_SHA1 : DKB_SHA256;
		sb->sink = dkb_add(m->body, c, h, sb->limit, need_hash);
		/* l= coverage is counted on the body as hashed, by the same state */
		if (sb->limit >= 0)
			sb->total = dkb_add(m->body, c, h, -1, false);
	}
}

void
dkv_eoh(struct dkv_msg *m, struct dns_session *s, const char *from_domain)
{
	struct dns_session *saved = dns_cur;
	DKIM_SIGINFO **sigs = NULL;
	int nsigs = 0;

	if (m == NULL || m->eoh_done)
		return;
	m->eoh_done = true;
	if (m->dkim == NULL || m->nfields == 0)
		return;
	if (m->hdr_overflow) {
		log_qid(LOG_NOTICE, m->qid, "dkim: more than %u header fields "
		    "(MaximumHeaderFields): no signature verified", m->max_headers);
		m->eoh_stat = DKIM_STAT_NOSIG;
		dkh_free_fields(m);
		return;
	}
	if (dkh_hand_over(m, from_domain) == 0) {
		m->eoh_stat = DKIM_STAT_NOSIG;
		dkh_free_fields(m);
		return;
	}
	m->from_domain = from_domain;
	dns_cur = s;
	dkv_cur = m;
	m->eoh_stat = dkim_eoh(m->dkim);
	dkv_cur = NULL;
	dns_cur = saved;
	m->from_domain = NULL;
	dkh_free_fields(m);
	if (m->eoh_stat != DKIM_STAT_OK && m->eoh_stat != DKIM_STAT_NOSIG)
		set_error(m, m->eoh_stat);
	if (dkim_getsiglist(m->dkim, &sigs, &nsigs) == DKIM_STAT_OK) {
		if (sigs != NULL && (size_t)nsigs == m->nfedsig)
			for (int i = 0; i < nsigs; i++)
				m->raw[m->fedsig[i]].lib = sigs[i];
		if (m->eoh_stat == DKIM_STAT_OK)
			body_setup(m, sigs, nsigs);
	}
}

/* feed - body bytes to our body hashes and l= counts (not to the library) */
static void
feed(struct dkv_msg *m, const unsigned char *p, size_t n)
{
	dkb_chunk(m->body, p, n);
	m->body_bytes += n;
	m->prev_byte = n >= 2 ? p[n - 2] : m->last_byte;
	m->last_byte = p[n - 1];
}

void
dkv_body(struct dkv_msg *m, const unsigned char *p, size_t n)
{
	const unsigned char *lf;

	if (m == NULL || m->dkim == NULL || !m->eoh_done || m->line_overflow ||
	    n == 0 || (m->eoh_stat != DKIM_STAT_OK))
		return;
	lf = memrchr(p, '\n', n);
	if (lf == NULL && m->line_bytes + n > DKV_MAX_LINE) {
		m->line_overflow = true;
		return;
	}
	if (lf != NULL) {
		/* the longest line inside this chunk must also fit */
		const unsigned char *q = p, *nl;
		unsigned long long run = m->line_bytes;

		while ((nl = memchr(q, '\n', (size_t)(p + n - q))) != NULL) {
			if (run + (unsigned long long)(nl - q) > DKV_MAX_LINE) {
				m->line_overflow = true;
				return;
			}
			run = 0;
			q = nl + 1;
		}
		m->line_bytes = (unsigned long long)(p + n - (lf + 1));
	} else {
		m->line_bytes += n;
	}
	feed(m, p, n);
}

/* --- results ----------------------------------------------------------------- */

/* sig_error_text - permanent errors of signature or key, in words */
static const char *
sig_error_text(int err)
{
	switch (err) {
	case DKIM_SIGERROR_VERSION: return "unsupported signature version (v=)";
	case DKIM_SIGERROR_DOMAIN: return "i= is not within d=";
	case DKIM_SIGERROR_TIMESTAMPS: return "x= is not after t=";
	case DKIM_SIGERROR_INVALID_HC: return "unknown header canonicalization (c=)";
	case DKIM_SIGERROR_INVALID_BC: return "unknown body canonicalization (c=)";
	case DKIM_SIGERROR_MISSING_A: return "a= missing";
	case DKIM_SIGERROR_INVALID_A: return "unknown algorithm (a=)";
	case DKIM_SIGERROR_MISSING_H: return "h= missing";
	case DKIM_SIGERROR_INVALID_L: return "invalid l=";
	case DKIM_SIGERROR_INVALID_Q: return "unknown query method (q=)";
	case DKIM_SIGERROR_INVALID_QO: return "invalid query option (q=)";
	case DKIM_SIGERROR_MISSING_D: return "d= missing";
	case DKIM_SIGERROR_EMPTY_D: return "d= empty";
	case DKIM_SIGERROR_MISSING_S: return "s= missing";
	case DKIM_SIGERROR_EMPTY_S: return "s= empty";
	case DKIM_SIGERROR_MISSING_B: return "b= missing";
	case DKIM_SIGERROR_EMPTY_B: return "b= empty";
	case DKIM_SIGERROR_CORRUPT_B: return "b= is not base64";
	case DKIM_SIGERROR_NOKEY: return "no key record (NXDOMAIN or no TXT)";
	case DKIM_SIGERROR_DNSSYNTAX: return "key record unusable (empty or syntax error)";
	case DKIM_SIGERROR_MISSING_BH: return "bh= missing";
	case DKIM_SIGERROR_EMPTY_BH: return "bh= empty";
	case DKIM_SIGERROR_CORRUPT_BH: return "bh= is not base64";
	case DKIM_SIGERROR_SUBDOMAIN: return "key does not allow subdomains (t=s)";
	case DKIM_SIGERROR_MULTIREPLY: return "several key records";
	case DKIM_SIGERROR_EMPTY_H: return "h= empty";
	case DKIM_SIGERROR_INVALID_H: return "h= does not include From";
	case DKIM_SIGERROR_MBSFAILED: return "required header field not signed";
	case DKIM_SIGERROR_KEYVERSION: return "key record is not v=DKIM1";
	case DKIM_SIGERROR_KEYUNKNOWNHASH: return "key h= has no known hash";
	case DKIM_SIGERROR_KEYHASHMISMATCH: return "key h= does not allow the signature's hash";
	case DKIM_SIGERROR_NOTEMAILKEY: return "key is not for e-mail (s=)";
	case DKIM_SIGERROR_KEYTYPEMISSING: return "key type missing (k=)";
	case DKIM_SIGERROR_KEYTYPEUNKNOWN: return "unknown key type (k=)";
	case DKIM_SIGERROR_KEYREVOKED: return "key revoked (empty p=)";
	case DKIM_SIGERROR_KEYDECODE: return "key could not be decoded";
	case DKIM_SIGERROR_MISSING_V: return "v= missing";
	case DKIM_SIGERROR_EMPTY_V: return "v= empty";
	default: return NULL;
	}
}

/* set_result - result and reason */
static void
set_result(struct dkv_result *r, enum dkim_result res, const char *fmt, ...)
	PRINTF_LIKE(3, 4);

static void
set_result(struct dkv_result *r, enum dkim_result res, const char *fmt, ...)
{
	struct buf b;
	va_list ap;

	r->result = res;
	buf_init(&b);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	free(r->reason);
	r->reason = b.data != NULL ? buf_steal(&b) : xstrdup("");
}

/* key_words - "2048-bit rsa-sha256" or "ed25519-sha256" */
static void
key_words(char *out, size_t len, const struct dkv_result *r)
{
	if (r->key_bits > 0)
		snprintf(out, len, "%u-bit %s", r->key_bits, r->algorithm);
	else
		snprintf(out, len, "%s", r->algorithm[0] ? r->algorithm : "unknown algorithm");
}

/* key_sec - the DNSSEC state the library kept for a signature's key answer */
static enum dns_sec
key_sec(DKIM_SIGINFO *sig)
{
	if (dkim_sig_getflags(sig) & DKIM_SIGFLAG_IGNORE)
		return DNSSEC_UNKNOWN;	/* no lookup made */
	switch (dkim_sig_getdnssec(sig)) {
	case DKIM_DNSSEC_SECURE:
		return DNSSEC_SECURE;
	case DKIM_DNSSEC_INSECURE:
		return DNSSEC_INSECURE;
	case DKIM_DNSSEC_BOGUS:
		return DNSSEC_BOGUS;
	default:
		return DNSSEC_UNKNOWN;
	}
}

/* add_key_sec - ", key DNSSEC-secure|insecure" after the reason, when validated */
static void
add_key_sec(struct dkv_result *r)
{
	const char *w;
	struct buf b;

	if (r->key_sec == DNSSEC_SECURE)
		w = "secure";
	else if (r->key_sec == DNSSEC_INSECURE)
		w = "insecure";
	else
		return;
	buf_init(&b);
	buf_printf(&b, "%s%skey DNSSEC-%s", r->reason != NULL ? r->reason : "",
	    r->reason != NULL && r->reason[0] != '\0' ? ", " : "", w);
	free(r->reason);
	r->reason = buf_steal(&b);
}

/* bh_matches - does our body hash equal bh=, compared as the library does
 * (base64 of the digest against the tag value, byte for byte) */
static bool
bh_matches(struct dkv_msg *m, DKIM_SIGINFO *sig, int sink)
{
	const char *want = (const char *)dkim_sig_gettagvalue(sig, false, (u_char *)"bh");
	unsigned char dg[64];
	size_t n = dkb_digest(m->body, sink, dg), len;
	struct buf b;
	unsigned diff = 0;

	if (want == NULL || n == 0)
		return false;
	buf_init(&b);
	b64_encode(&b, dg, n);
	len = strlen(want);
	if (len != b.len)
		diff = 1;
	for (size_t i = 0; i < len && i < b.len; i++)
		diff |= (unsigned char)(want[i] ^ b.data[i]);
	buf_free(&b);
	return diff == 0;
}

/*
 * body_state - a signature's state as dkim_eom would leave it had the library
 * hashed the body itself (dkim_eom_verify and dkim_sig_process, 2.11): an l=
 * longer than the canonicalized body overrides any error (TOOLARGE_L); a
 * signature still without error, whose header signature verified at dkim_eoh,
 * gets bh= compared: MATCH and no error, or BADSIG and MISMATCH; an RSA key below
 * the minimum then makes a match KEYTOOSMALL and drops PASSED. Without ran
 * (dkim_eom not reached, or it refused the body) it is the state after dkim_eoh,
 * which is where the library stays: it never sees the body.
 */
static void
body_state(struct dkv_msg *m, DKIM_SIGINFO *sig, bool ran, struct sigstate *st)
{
	struct sigbody *sb = sb_find(m, sig);
	dkim_alg_t alg = DKIM_SIGN_UNKNOWN;
	unsigned bits = 0;

	st->flags = dkim_sig_getflags(sig);
	st->err = dkim_sig_geterror(sig);
	st->bh = DKIM_SIGBH_UNTESTED;
	/* ignored signatures are reported as such whatever dkim_eom does to them */
	if (!ran || sb == NULL || (st->flags & DKIM_SIGFLAG_IGNORE) != 0)
		return;
	if (sb->setup_ok && sb->limit >= 0 && sb->sink >= 0 &&
	    dkb_wrote(m->body, sb->sink) < sb->limit)
		st->err = DKIM_SIGERROR_TOOLARGE_L;
	if (st->err != DKIM_SIGERROR_UNKNOWN)
		return;
	if ((st->flags & DKIM_SIGFLAG_PASSED) != 0 && sb->sink >= 0) {
		if (bh_matches(m, sig, sb->sink)) {
			st->bh = DKIM_SIGBH_MATCH;
		} else {
			st->err = DKIM_SIGERROR_BADSIG;
			st->bh = DKIM_SIGBH_MISMATCH;
		}
	}
	if (st->err == DKIM_SIGERROR_UNKNOWN && st->bh != DKIM_SIGBH_UNTESTED)
		st->err = DKIM_SIGERROR_OK;
	(void)dkim_sig_getsignalg(sig, &alg);
	if (dkim_sig_getkeysize(sig, &bits) != DKIM_STAT_OK)
		bits = 0;
	if (st->err == DKIM_SIGERROR_OK && alg != DKIM_SIGN_ED25519SHA256 &&
	    bits < m->e->min_key_bits) {
		st->err = DKIM_SIGERROR_KEYTOOSMALL;
		st->flags &= ~(unsigned)DKIM_SIGFLAG_PASSED;
	}
}

/* classify - one library signature (and our body verdict) to our result */
static void
classify(struct dkv_msg *m, DKIM_SIGINFO *sig, const struct sigstate *st,
    struct dkv_result *r)
{
	unsigned flags = st->flags;
	int err = st->err;
	int bh = st->bh;
	const char *text;
	char kw[64];
	dkim_alg_t alg = DKIM_SIGN_UNKNOWN;

	(void)dkim_sig_getsignalg(sig, &alg);
	key_words(kw, sizeof kw, r);
	if (r->key_sec == DNSSEC_BOGUS) {
		set_result(r, DKIMR_TEMPERROR, "key failed DNSSEC validation");
		return;
	}
	if (flags & DKIM_SIGFLAG_IGNORE) {
		set_result(r, DKIMR_NEUTRAL, "not verified: over the limit of %u signatures",
		    m->max_sigs);
		return;
	}
	if (dkk_ebits(m, sig) > DKV_MAX_EXP_BITS) {
		set_result(r, DKIMR_PERMERROR, "RSA key exponent of %d bits, over %d: "
		    "not verified", dkk_ebits(m, sig), DKV_MAX_EXP_BITS);
		return;
	}
	switch (err) {
	case DKIM_SIGERROR_EXPIRED:
		set_result(r, DKIMR_FAIL, "signature expired");
		return;
	case DKIM_SIGERROR_FUTURE:
		set_result(r, DKIMR_PERMERROR, "signature timestamp in the future");
		return;
	case DKIM_SIGERROR_TOOLARGE_L:
		set_result(r, DKIMR_FAIL, "body shorter than l=");
		return;
	case DKIM_SIGERROR_KEYFAIL:
		set_result(r, DKIMR_TEMPERROR, "key lookup failed (DNS temporary error)");
		return;
	case DKIM_SIGERROR_KEYTOOSMALL:
		/* the library sets this only after the signature verified */
		if (bh == DKIM_SIGBH_MISMATCH)
			set_result(r, DKIMR_FAIL, "body hash mismatch");
		else if (alg == DKIM_SIGN_RSASHA1)
			set_result(r, DKIMR_FAIL, "rsa-sha1 not accepted (RFC 8301)");
		else
			set_result(r, DKIMR_POLICY, "%u-bit key below minimum %u",
			    r->key_bits, m->min_key_bits);
		return;
	case DKIM_SIGERROR_BADSIG:
		if (bh == DKIM_SIGBH_MISMATCH)
			set_result(r, DKIMR_FAIL, "body hash mismatch");
		else
			set_result(r, DKIMR_FAIL, "signature did not verify");
		return;
	case DKIM_SIGERROR_OK:
	case DKIM_SIGERROR_UNKNOWN:
		break;
	default:
		text = sig_error_text(err);
		if (text != NULL)
			set_result(r, DKIMR_PERMERROR, "%s", text);
		else
			set_result(r, DKIMR_PERMERROR, "%s", dkim_sig_geterrorstr(err) ?
			    dkim_sig_geterrorstr(err) : "signature unusable");
		return;
	}
	if (m->line_overflow) {
		set_result(r, DKIMR_PERMERROR, "body line longer than %u bytes: not verified",
		    DKV_MAX_LINE);
		return;
	}
	if ((flags & DKIM_SIGFLAG_PROCESSED) == 0 || err == DKIM_SIGERROR_UNKNOWN) {
		set_result(r, DKIMR_PERMERROR, "not verified%s%s", m->eoh_error[0] ? ": " : "",
		    m->eoh_error);
		return;
	}
	if (bh == DKIM_SIGBH_MISMATCH) {
		set_result(r, DKIMR_FAIL, "body hash mismatch");
		return;
	}
	if ((flags & DKIM_SIGFLAG_PASSED) == 0 || bh != DKIM_SIGBH_MATCH) {
		set_result(r, DKIMR_FAIL, "signature did not verify");
		return;
	}
	/* the library says pass: now our own rules */
	if (alg == DKIM_SIGN_RSASHA1) {
		set_result(r, DKIMR_FAIL, "rsa-sha1 not accepted (RFC 8301)");
		return;
	}
	if (alg != DKIM_SIGN_ED25519SHA256 && r->key_bits < m->min_key_bits) {
		set_result(r, DKIMR_POLICY, "%u-bit key below minimum %u", r->key_bits,
		    m->min_key_bits);
		return;
	}
	if (alg != DKIM_SIGN_RSASHA256 && alg != DKIM_SIGN_ED25519SHA256) {
		set_result(r, DKIMR_PERMERROR, "unknown algorithm (a=)");
		return;
	}
	r->testing = (flags & DKIM_SIGFLAG_TESTKEY) != 0;
	if (r->body_length_limited && m->l_policy == DKIM_L_FAIL) {
		set_result(r, DKIMR_FAIL, "%s, body length limit (l=) leaves content unsigned",
		    kw);
		return;
	}
	set_result(r, DKIMR_PASS, "%s%s%s", kw,
	    r->body_length_limited ? ", body length limit" : "",
	    r->testing ? ", testing key (t=y)" : "");
}

/* body_limited - does l= leave canonicalized body content unsigned? The whole
 * body is counted as lib/dkim_body canonicalized it for the hash (bare CR too) */
static bool
body_limited(struct dkv_msg *m, DKIM_SIGINFO *sig)
{
	struct sigbody *sb = sb_find(m, sig);

	if (dkim_sig_gettagvalue(sig, false, (u_char *)"l") == NULL)
		return false;
	/* l= as the library keeps it, for signatures it set up a body for */
	if (sb == NULL || !sb->setup_ok || sb->limit < 0 || sb->total < 0)
		return false;
	return dkb_wrote(m->body, sb->total) > sb->limit;
}

/* add_result - a new zeroed result */
static struct dkv_result *
add_result(struct dkv_msg *m)
{
	struct dkv_result *r;

	m->res = xreallocarray(m->res, m->nres + 1, sizeof *m->res);
	r = &m->res[m->nres++];
	memset(r, 0, sizeof *r);
	return r;
}

void
dkv_eom(struct dkv_msg *m, struct dns_session *s)
{
	bool ran = false;

	if (m == NULL || m->eom_done)
		return;
	m->eom_done = true;
	if (m->nfields == 0)
		return;
	if (m->too_many) {
		struct dkv_result *r = add_result(m);

		dkh_fill_raw(r, NULL);
		set_result(r, DKIMR_PERMERROR, "too many signatures (%u)", m->nfields);
		return;
	}
	if (!m->eoh_done)
		dkv_eoh(m, s, NULL);
	if ((m->eoh_stat == DKIM_STAT_OK) && !m->line_overflow) {
		/* RFC 6376 3.4.3/3.4.4: a body not ending in CRLF gets one; the
		 * library instead refuses the whole message (SYNTAX) */
		if (m->body_bytes > 0 && m->last_byte != '\n')
			feed(m, (const unsigned char *)"\r\n" + (m->last_byte == '\r'),
			    m->last_byte == '\r' ? 1 : 2);
		/*
		 * The library is not given the body, nor dkim_eom: body_state does
		 * what dkim_eom did with our hashes. It refused a body whose last
		 * line ends in a bare LF when any signature is c=.../relaxed (a word
		 * without CRLF at the end): the whole message, before any l= or bh=.
		 */
		dkb_final(m->body);	/* the l= counts are final, too */
		if (m->any_relaxed && m->body_bytes > 0 && m->prev_byte != '\r')
			set_error_text(m, "CRLF at end of body missing");
		else
			ran = true;
	}
	for (unsigned i = 0; i < m->nfields; i++) {
		struct rawsig *raw = &m->raw[i];
		struct dkv_result *r = add_result(m);
		struct sigstate st;

		if (m->hdr_overflow || raw->scr.state != DKS_HANDED || raw->lib == NULL)
			dkh_fill_raw(r, raw);
		if (m->hdr_overflow) {
			set_result(r, DKIMR_PERMERROR, "not verified: more than %u header "
			    "fields", m->max_headers);
		} else if (raw->scr.state == DKS_SCREENED) {
			set_result(r, DKIMR_PERMERROR, "%s", raw->scr.reason);
		} else if (raw->scr.state != DKS_HANDED) {
			set_result(r, DKIMR_NEUTRAL, "not verified: over the limit of %u "
			    "signatures", m->max_sigs);
		} else if (raw->lib == NULL) {
			if (m->eoh_error[0])
				set_result(r, DKIMR_PERMERROR, "message not verifiable: %s",
				    m->eoh_error);
			else
				set_result(r, DKIMR_PERMERROR, "malformed signature field");
		} else {
			dkh_fill_ids(m, raw->lib, r);
			r->body_length_limited = body_limited(m, raw->lib);
			r->key_sec = key_sec(raw->lib);
			body_state(m, raw->lib, ran, &st);
			classify(m, raw->lib, &st, r);
			add_key_sec(r);
		}
	}
	dkh_unique_b(m);
}

void
dkv_get_work(const struct dkv_msg *m, struct dkv_work *w)
{
	memset(w, 0, sizeof *w);
	if (m != NULL)
		*w = m->work;
}

bool
dkv_has_signatures(const struct dkv_msg *m)
{
	return m != NULL && m->nfields > 0;
}

size_t
dkv_nresults(const struct dkv_msg *m)
{
	return m != NULL ? m->nres : 0;
}

const struct dkv_result *
dkv_result(const struct dkv_msg *m, size_t i)
{
	if (m == NULL || i >= m->nres)
		return NULL;
	return &m->res[i];
}

void
dkv_msg_free(struct dkv_msg *m)
{
	if (m == NULL)
		return;
	dkh_drop_library(m);
	dkb_free(m->body);
	free(m->sb);
	for (size_t i = 0; i < m->nres; i++) {
		struct dkv_result *r = &m->res[i];

		free(r->domain);
		free(r->identity);
		free(r->selector);
		free(r->b);
		free(r->algorithm);
		free(r->reason);
	}
	free(m->res);
	for (unsigned i = 0; i < m->max_fields + 1 && i < m->nfields; i++)
		free(m->raw[i].value);
	free(m->raw);
	dkh_free_fields(m);
	free(m->fedsig);
	for (size_t i = 0; i < m->nkeys; i++) {
		free(m->keys[i].qname);
		dns_answer_free(m->keys[i].a);
	}
	free(m->keys);
	free(m->qid);
	free(m);
}

const char *
dkim_result_name(enum dkim_result r)
{
	switch (r) {
	case DKIMR_NONE: return "none";
	case DKIMR_PASS: return "pass";
	case DKIMR_FAIL: return "fail";
	case DKIMR_NEUTRAL: return "neutral";
	case DKIMR_POLICY: return "policy";
	case DKIMR_TEMPERROR: return "temperror";
	case DKIMR_PERMERROR: return "permerror";
	}
	return "permerror";
}
