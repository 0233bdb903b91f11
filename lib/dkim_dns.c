/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dkim_dns.c - libopendkim's callbacks for lib/dkim.c: DNS query hooks on lib/dns,
 * the prescreen (signature selection, key prefetch)
 * SYNOPSIS
 *	see dkim_int.h
 * DESCRIPTION
 *	Owns what libopendkim calls back during dkim_eoh (the decisions are listed in
 *	lib/dkim.c):
 *	- The query start/waitreply/cancel hooks: the library never builds its own
 *	  resolver. A key query is answered at start from the message's key cache
 *	  (lib/dkim_key.c), other queries from lib/dns through dns_cur; waitreply
 *	  hands the reply over. NXDOMAIN/NODATA/invalid name/REFUSED become an
 *	  NXDOMAIN reply (the library: no key), TEMPFAIL a DKIM_DNS_ERROR (KEYFAIL);
 *	  a BOGUS answer an NXDOMAIN reply marked BOGUS, since the library keeps the
 *	  DNSSEC state of replies only; a key with an RSA exponent over
 *	  DKV_MAX_EXP_BITS an NXDOMAIN reply (never verified). PKCS#1 keys are
 *	  rewrapped on the way.
 *	- The prescreen: which library signatures are verified (those dkv_eoh handed
 *	  over, at most MaximumSignatures, ranked by alignment with From), the l= the
 *	  library read for each, and the key lookups in our order (prefetch).
 */
#include "autoconf.h"

#include <arpa/nameser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/types.h>
#include <time.h>

#include "dkim_int.h"
#include "log.h"
#include "util.h"

struct dkv_query {
	int status;			/* DKIM_DNS_SUCCESS or DKIM_DNS_ERROR */
	size_t len;
	int dnssec;
};

_Thread_local struct dkv_msg *dkv_cur;

/* --- DNS query hooks --------------------------------------------------------- */

/* map_sec - lib/dns DNSSEC state to libopendkim's */
static int
map_sec(enum dns_sec s)
{
	switch (s) {
	case DNSSEC_SECURE:
		return DKIM_DNSSEC_SECURE;
	case DNSSEC_INSECURE:
		return DKIM_DNSSEC_INSECURE;
	case DNSSEC_BOGUS:
		return DKIM_DNSSEC_BOGUS;
	default:
		return DKIM_DNSSEC_UNKNOWN;
	}
}

/*
 * nxdomain_reply - a bare NXDOMAIN reply; its question name is a placeholder
 * (the library reads only type and class), so it works for names the wire
 * format cannot carry
 */
static int
nxdomain_reply(unsigned char *buf, size_t buflen, int type, size_t *len)
{
	static const unsigned char name[] = "\007invalid";
	size_t pos = 12;

	if (buflen < 12 + sizeof name + 4)
		return -1;
	memset(buf, 0, 12);
	buf[2] = 0x81;			/* QR, RD */
	buf[3] = 0x80 | 3;		/* RA, NXDOMAIN */
	buf[5] = 1;			/* one question */
	memcpy(buf + pos, name, sizeof name);	/* with the root label */
	pos += sizeof name;
	buf[pos++] = (unsigned char)(type >> 8);
	buf[pos++] = (unsigned char)type;
	buf[pos++] = 0;
	buf[pos++] = ns_c_in;
	*len = pos;
	return 0;
}

/* dkv_dns_start - answer a key query now, from lib/dns; the reply is in buf */
static int
dkv_dns_start(void *srv, int type, unsigned char *qname, unsigned char *buf,
    size_t buflen, void **qh)
{
	struct dkv_engine *e = srv;
	struct dkv_query *q = xcalloc(1, sizeof *q);
	struct dns_answer *a = NULL, *fixed = NULL, warm;
	struct dns_rr warm_rr;
	char *warm_strs[8];
	size_t warm_lens[8];
	const struct dns_answer *use;

	*qh = q;
	q->status = DKIM_DNS_ERROR;
	q->dnssec = DKIM_DNSSEC_UNKNOWN;
	if (e->warming) {
		dkk_warm_answer((const char *)qname, &warm, &warm_rr, warm_strs, warm_lens);
		use = &warm;
	} else if (dns_cur == NULL) {
		log_msg(LOG_ERR, "dkim: key query for %s without a DNS session",
		    (const char *)qname);
		return DKIM_DNS_SUCCESS;	/* waitreply reports the error */
	} else if (dkv_cur != NULL && type == ns_t_txt) {
		struct keyent *k = dkk_fetch(dkv_cur, dns_cur, (const char *)qname, 0);

		use = k->a;
		if (k->ebits > DKV_MAX_EXP_BITS) {
			/* never verified: no key for the library, our reason later */
			q->dnssec = map_sec(use->sec);
			if (nxdomain_reply(buf, buflen, type, &q->len) == 0)
				q->status = DKIM_DNS_SUCCESS;
			return DKIM_DNS_SUCCESS;
		}
	} else {
		dns_query(dns_cur, (const char *)qname, type, &a);
		use = a;
	}
	q->dnssec = map_sec(use->sec);
	switch (use->status) {
	case DNS_TEMPFAIL:
		/* bogus: a reply without a key, so that the library keeps the mark */
		if (use->sec == DNSSEC_BOGUS &&
		    nxdomain_reply(buf, buflen, type, &q->len) == 0)
			q->status = DKIM_DNS_SUCCESS;
		break;			/* else DKIM_DNS_ERROR -> KEYFAIL, temperror */
	case DNS_PERMFAIL:
		/* invalid name, REFUSED, oversized: no usable key -> NOKEY */
		if (nxdomain_reply(buf, buflen, type, &q->len) == 0)
			q->status = DKIM_DNS_SUCCESS;
		break;
	default:
		if (use->status == DNS_OK && use->qtype == ns_t_txt)
			fixed = dkk_fix_keys(use);
		if (dns_answer_wire(fixed != NULL ? fixed : use, (const char *)qname,
		    type, buf, buflen, &q->len) == 0)
			q->status = DKIM_DNS_SUCCESS;
		dkk_free_fixed(fixed, use);
		break;
	}
	if (a != NULL)
		dns_answer_free(a);
	return DKIM_DNS_SUCCESS;
}

/* dkv_dns_wait - the answer is already there (lib/dns is synchronous) */
static int
dkv_dns_wait(void *srv, void *qh, struct timeval *to, size_t *bytes, int *err,
    int *dnssec)
{
	struct dkv_query *q = qh;

	(void)srv;
	(void)to;
	if (q == NULL)
		return DKIM_DNS_ERROR;
	if (err != NULL)
		*err = 0;
	if (dnssec != NULL)
		*dnssec = q->dnssec;
	if (q->status != DKIM_DNS_SUCCESS)
		return DKIM_DNS_ERROR;
	*bytes = q->len;
	return DKIM_DNS_SUCCESS;
}

/* dkv_dns_cancel - called once per query, also after success: free it */
static int
dkv_dns_cancel(void *srv, void *qh)
{
	(void)srv;
	free(qh);
	return DKIM_DNS_SUCCESS;
}

/* dkd_set_hooks - the query hooks, with the engine as query service */
void
dkd_set_hooks(struct dkv_engine *e)
{
	dkim_dns_set_init(e->lib, NULL);
	dkim_dns_set_close(e->lib, NULL);
	dkim_dns_set_query_service(e->lib, e);
	dkim_dns_set_query_start(e->lib, dkv_dns_start);
	dkim_dns_set_query_waitreply(e->lib, dkv_dns_wait);
	dkim_dns_set_query_cancel(e->lib, dkv_dns_cancel);
}

/* --- the prescreen ----------------------------------------------------------- */

/* ms_left - milliseconds until the session's deadline; -1 without one */
static long
ms_left(const struct dns_session *s)
{
	struct timespec now;
	long ms;

	if (s->deadline.tv_sec == 0 && s->deadline.tv_nsec == 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long)(s->deadline.tv_sec - now.tv_sec) * 1000 +
	    (s->deadline.tv_nsec - now.tv_nsec) / 1000000;
	return ms > 0 ? ms : 0;
}

/* wants_key - will the library look this signature's key up? */
static bool
wants_key(DKIM_SIGINFO *sig)
{
	return (dkim_sig_getflags(sig) & DKIM_SIGFLAG_IGNORE) == 0 &&
	    dkim_sig_geterror(sig) == DKIM_SIGERROR_UNKNOWN;
}

/*
 * prefetch - the key lookups, before the library asks, in our order: signatures
 * whose d= can align with From first, each with the whole query timeout, so that
 * keys of other domains that time out cannot use up the deadline before them (a
 * DMARC reject turned into a deferral); the others then share what is left of
 * the deadline evenly (each at most the query timeout)
 */
static void
prefetch(struct dkv_msg *m, DKIM_SIGINFO **sigs, int nsigs)
{
	struct dns_session *s = dns_cur;
	unsigned left = 0;
	char qname[DKIM_MAXHOSTNAMELEN + 2];

	if (s == NULL || m->e->warming)
		return;
	for (int i = 0; i < nsigs; i++)
		if (wants_key(sigs[i]) && dks_align_rank((const char *)
		    dkim_sig_getdomain(sigs[i]), m->from_domain) == 2)
			left++;
	for (int rank = 0; rank <= 2; rank++) {
		for (int i = 0; i < nsigs; i++) {
			const char *d = (const char *)dkim_sig_getdomain(sigs[i]);
			const char *sel = (const char *)dkim_sig_getselector(sigs[i]);
			unsigned timeout = 0;
			long ms;
			int n;

			if (!wants_key(sigs[i]) || d == NULL || sel == NULL ||
			    dks_align_rank(d, m->from_domain) != rank)
				continue;
			n = snprintf(qname, sizeof qname, "%s._domainkey.%s", sel, d);
			if (n < 0 || (size_t)n >= sizeof qname)
				continue;
			if (rank == 2 && (ms = ms_left(s)) >= 0 && left > 0) {
				unsigned qt = s->query_timeout_ms ? s->query_timeout_ms : 5000;
				unsigned share = (unsigned)(ms / left);

				timeout = share < 1 ? 1 : share < qt ? share : 0;
				left--;
			}
			(void)dkk_fetch(m, s, qname, timeout);
		}
	}
}

/* dkv_prescreen - the library's signatures are the ones dkv_eoh handed over;
 * those handed only as header fields are ignored; keys are fetched in our order */
DKIM_CBSTAT
dkd_prescreen(DKIM *dkim, DKIM_SIGINFO **sigs, int nsigs)
{
	struct dkv_msg *m = dkim_get_user_context(dkim);
	unsigned kept = 0;
	bool mapped;

	if (m == NULL || nsigs <= 0)
		return DKIM_CBSTAT_CONTINUE;
	/* before the prescreen the library has set up every signature: those still
	 * without an error got a body canonicalization (dkim_siglist_setup) */
	free(m->sb);
	m->sb = xcalloc((size_t)nsigs, sizeof *m->sb);
	m->nsb = (size_t)nsigs;
	for (int i = 0; i < nsigs; i++) {
		const char *l = (const char *)dkim_sig_gettagvalue(sigs[i], false,
		    (u_char *)"l");

		m->sb[i].sig = sigs[i];
		m->sb[i].setup_ok = dkim_sig_geterror(sigs[i]) == DKIM_SIGERROR_UNKNOWN;
		m->sb[i].sink = -1;
		m->sb[i].total = -1;
		m->sb[i].limit = -1;
		/* the library's own reading: (ssize_t)strtoul(); negative is no limit */
		if (m->sb[i].setup_ok && l != NULL)
			m->sb[i].limit = (long long)(ssize_t)strtoul(l, NULL, 10);
	}
	/* fields and library signatures match one to one, in order */
	mapped = (size_t)nsigs == m->nfedsig;
	for (int i = 0; i < nsigs; i++) {
		if (mapped)
			m->raw[m->fedsig[i]].lib = sigs[i];
		if (!mapped || m->raw[m->fedsig[i]].scr.state != DKS_HANDED)
			dkim_sig_ignore(sigs[i]);
	}
	for (int rank = 0; rank <= 2; rank++) {
		for (int i = 0; i < nsigs; i++) {
			const char *d = (const char *)dkim_sig_getdomain(sigs[i]);

			if ((dkim_sig_getflags(sigs[i]) & DKIM_SIGFLAG_IGNORE) != 0 ||
			    dkim_sig_geterror(sigs[i]) != DKIM_SIGERROR_UNKNOWN)
				continue;	/* already broken: costs nothing */
			if (dks_align_rank(d, m->from_domain) != rank)
				continue;
			if (kept < m->max_sigs)
				kept++;
			else
				dkim_sig_ignore(sigs[i]);
		}
	}
	prefetch(m, sigs, nsigs);
	return DKIM_CBSTAT_CONTINUE;
}
