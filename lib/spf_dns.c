/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * spf_dns.c - the libspf2 DNS layer: RFC 7208 limits, record filter and rewrite
 * SYNOPSIS
 *	_Thread_local struct spf_eval *spd_cur;
 *	void spd_layer_init(struct spf_engine *e);
 * DESCRIPTION
 *	The SPF_dns_server_t of each engine (lib/spf.c). Its lookup answers libspf2
 *	from dns_query(spd_cur->s, ...) for the evaluation spd_cur points at (set by
 *	lib/spf.c: libspf2 passes no per-request pointer to a DNS layer). A rule that
 *	ends the evaluation is recorded in the struct spf_eval (why, why_name,
 *	why_detail) for lib/spf.c's result mapping; so are the first name whose
 *	lookup failed temporarily and the first include/redirect target without an
 *	SPF record.
 *
 *	What the layer does instead of trusting libspf2 1.2.10 (LIBRARIES.md
 *	section 3; the input checks, loopback and the results are lib/spf.c's):
 *	- Limits (RFC 7208 4.6.4) across the whole evaluation, includes and
 *	  redirects included (libspf2 counts per record). The layer sees queries,
 *	  not terms, and classifies them from libspf2's evaluation order: the first
 *	  query is the record of the checked domain; every later TXT query is an
 *	  include or redirect; an MX query is an "mx" term and a PTR query a "ptr"
 *	  term or the %{p} macro (both count, as 4.6.4 says); an A/AAAA query is
 *	  the address lookup of the next MX or PTR name when it is exactly the name
 *	  libspf2 must ask for next (not counted), else an "a" or "exists" term. The
 *	  11th term, the 3rd void lookup (NXDOMAIN or NODATA of a term's own query)
 *	  or an MX answer of more than 10 names ends the evaluation at once: that
 *	  query and every later one gets TRY_AGAIN without reaching the resolver, so
 *	  libspf2 unwinds, and the result is permerror with the rule in the reason.
 *	  PTR answers are cut to 10 names (4.6.4: ignore the rest); errors looking
 *	  up the address of a PTR name skip that name (5.5). A hard cap of
 *	  SPF_MAX_QUERIES backend queries per evaluation backs up the
 *	  classification, whose one blind spot is an "a"/"exists" term asking for
 *	  exactly the next MX name right after an include's "-mx" matched early
 *	  (counted as that MX lookup: at most one term per preceding mx term).
 *	  More than 10 MX names is permerror before any address lookup (4.6.4
 *	  "MUST produce a permerror"; the suite's mx-limit test wants it too).
 *	- Records: libspf2 1.2.10 accepts much that RFC 7208 forbids (bad
 *	  toplabels, empty domain-specs, invalid macros, exp= or redirect= twice,
 *	  CIDR with leading zeros, ...) and refuses some that it allows (/0,
 *	  modifier names with '.', '-' or '_'), and evaluates redirect= where it
 *	  stands. So the layer checks every v=spf1 record against the ABNF of RFC
 *	  7208 section 12 (spf_record_rewrite() in spf_record.c: a syntax error ends the evaluation as
 *	  permerror) and hands libspf2 an equivalent short record it evaluates
 *	  right: ip4:/ip6: evaluated there against the client (the first match
 *	  becomes "all" with its qualifier, the others are left out), nothing
 *	  written after an "all" or after 11 DNS terms plus a "?all" (libspf2
 *	  silently drops every mechanism past 511 compiled bytes, ~64 ip4 terms,
 *	  which turned a trailing -all into neutral), unknown modifiers and exp=
 *	  left out, redirect= last and dropped when never reached (6.1), a and mx
 *	  with /0 for the client's family carried by a per-evaluation random marker
 *	  label, which the layer strips and answers with the client's own address
 *	  for each record found (that is what /0 means). Should libspf2 still
 *	  compile fewer mechanisms than the rewrite has (fits_libspf2), the result
 *	  is permerror "too large to evaluate", never a silent neutral.
 *	- CVE-2023-42118: only v=spf1 strings of a TXT answer reach libspf2 (other
 *	  strings are dropped; NODATA when none is left). A v=spf1 record with a
 *	  term longer than 511 bytes (before or after the rewrite) or over 8 KB in
 *	  all ends the evaluation as permerror "hostile SPF record"; so does a byte
 *	  outside printable ASCII, as a syntax error (RFC 7208 3.1, 4.6.1). Two
 *	  v=spf1 records reach libspf2 as two bare "v=spf1" (multiple records).
 *	- exp=: not evaluated (it is attacker text bound for an SMTP reply, and
 *	  libspf2 mangles it): the rewrite leaves it out, the server's default
 *	  explanation is a fixed text without macros, and the layer's get_exp hook
 *	  answers a fixed text without DNS should libspf2 ever ask.
 */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/nameser.h>
#include <netdb.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <spf2/spf.h>
#include <spf2/spf_dns.h>

#include "dns.h"
#include "spf.h"
#include "spf_int.h"
#include "util.h"

#define SPF_MAX_RECORD_LEN	8192
#define SPF_FIXED_EXP		"SPF check failed"

_Thread_local struct spf_eval *spd_cur;

/* rr_status - an answer without records */
static SPF_dns_rr_t *
rr_status(SPF_dns_server_t *layer, const char *domain, ns_type type, int herrno)
{
	return SPF_dns_rr_new_init(layer, domain, type, 0, herrno);
}

/* eval_abort - end the evaluation as permerror; libspf2 gets TRY_AGAIN from now on */
static SPF_dns_rr_t *
eval_abort(struct spf_eval *ev, enum spf_abort why, SPF_dns_server_t *layer,
    const char *domain, ns_type type)
{
	if (ev->why == ABORT_NONE) {
		ev->why = why;
		snprintf(ev->why_name, sizeof ev->why_name, "%s", domain);
	}
	if (why == ABORT_TERMS || why == ABORT_MX || why == ABORT_QUERIES)
		ev->s->spf_limit_hit = true;
	else if (why == ABORT_VOID)
		ev->s->spf_void_hit = true;
	else if (why == ABORT_HOSTILE)
		ev->s->spf_hostile = true;
	return rr_status(layer, domain, type, TRY_AGAIN);
}

/* is_spf_record - whether TXT data is a v=spf1 record (RFC 7208 4.5) */
static bool
is_spf_record(const char *p, size_t len)
{
	return len >= 6 && strncasecmp(p, "v=spf1", 6) == 0 &&
	    (len == 6 || p[6] == ' ');
}

/* check_record - ABORT_NONE, or why a v=spf1 record must not reach libspf2 */
static enum spf_abort
check_record(const char *p, size_t len)
{
	size_t i, term = 0;
	bool bad = false;

	if (len > SPF_MAX_RECORD_LEN)
		return ABORT_HOSTILE;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c < 0x20 || c > 0x7e)
			bad = true;
		if (c == ' ')
			term = 0;
		else if (++term > SPF_MAX_TERM_LEN)
			return ABORT_HOSTILE;
	}
	return bad ? ABORT_SYNTAX : ABORT_NONE;
}

/* fits_libspf2 - whether libspf2 compiles every mechanism of a rewritten record:
 * once the compiled mechanisms fill SPF_MAX_MECH_LEN bytes it drops the rest
 * without an error (SPF_c_mech_add), which would turn fail or pass into neutral */
static bool
fits_libspf2(SPF_dns_server_t *layer, const char *rec)
{
	struct spf_engine *e = layer->hook;
	SPF_response_t *resp;
	SPF_record_t *r = NULL;
	unsigned terms = 0;
	bool fits;

	for (const char *p = rec; *p != '\0'; p++)
		if (*p == ' ')
			terms++;	/* the rewrite writes " term" for each */
	if (terms == 0)
		return true;
	if ((resp = SPF_response_new(NULL)) == NULL)
		return false;
	/* a compile error is libspf2's own to report when it compiles the record */
	fits = SPF_record_compile(e->srv, resp, &r, rec) != SPF_E_SUCCESS ||
	    (r != NULL && r->num_mech == terms);
	if (r != NULL)
		SPF_record_free(r);
	SPF_response_free(resp);
	return fits;
}

/* txt_answer - the v=spf1 records of a TXT answer, checked and rewritten */
static SPF_dns_rr_t *
txt_answer(struct spf_eval *ev, SPF_dns_server_t *layer, const char *domain,
    const struct dns_answer *a)
{
	SPF_dns_rr_t *rr;
	struct buf rec;
	size_t i, nspf = 0, idx = 0;
	const char *why;
	enum spf_abort ab;

	for (i = 0; i < a->n; i++) {
		const char *p = a->rr[i].u.txt.data;
		size_t len = a->rr[i].u.txt.len;

		if (p == NULL || !is_spf_record(p, len))
			continue;
		if ((ab = check_record(p, len)) != ABORT_NONE) {
			if (ab == ABORT_SYNTAX)
				snprintf(ev->why_detail, sizeof ev->why_detail,
				    "a character that is not printable ASCII");
			return eval_abort(ev, ab, layer, domain, ns_t_txt);
		}
		nspf++;
		idx = i;
	}
	rr = rr_status(layer, domain, ns_t_txt, nspf > 0 ? NETDB_SUCCESS : NO_DATA);
	if (rr == NULL || nspf == 0)
		return rr;
	buf_init(&rec);
	if (nspf > 1) {
		/* libspf2 reports multiple records; it needs nothing of them */
		buf_adds(&rec, "v=spf1");
	} else if ((why = spf_record_rewrite(a->rr[idx].u.txt.data, a->rr[idx].u.txt.len,
	    ev->family, ev->family == AF_INET ? (const unsigned char *)&ev->ip4 :
	    (const unsigned char *)&ev->ip6, ev->marker, &rec)) != NULL) {
		snprintf(ev->why_detail, sizeof ev->why_detail, "%s", why);
		buf_free(&rec);
		SPF_dns_rr_free(rr);
		return eval_abort(ev, ABORT_SYNTAX, layer, domain, ns_t_txt);
	} else if (check_record(rec.data, rec.len) != ABORT_NONE) {
		buf_free(&rec);
		SPF_dns_rr_free(rr);
		return eval_abort(ev, ABORT_HOSTILE, layer, domain, ns_t_txt);
	} else if (!fits_libspf2(layer, buf_str(&rec))) {
		buf_free(&rec);
		SPF_dns_rr_free(rr);
		return eval_abort(ev, ABORT_TOOBIG, layer, domain, ns_t_txt);
	}
	for (i = 0; i < (nspf > 1 ? 2 : 1); i++) {
		if (SPF_dns_rr_buf_realloc(rr, (int)i, rec.len + 1) != SPF_E_SUCCESS) {
			buf_free(&rec);
			SPF_dns_rr_free(rr);
			return NULL;
		}
		memcpy(rr->rr[i]->txt, rec.data, rec.len + 1);
	}
	rr->num_rr = nspf > 1 ? 2 : 1;
	buf_free(&rec);
	return rr;
}

/* names_answer - an MX or PTR answer; the names become the expected next lookups */
static SPF_dns_rr_t *
names_answer(struct spf_eval *ev, SPF_dns_server_t *layer, const char *domain,
    ns_type type, const struct dns_answer *a)
{
	SPF_dns_rr_t *rr;
	size_t i, n = a->n;

	if (type == ns_t_mx && n > SPF_MAX_NAMES)
		return eval_abort(ev, ABORT_MX, layer, domain, type);
	if (n > SPF_MAX_NAMES)
		n = SPF_MAX_NAMES;	/* PTR: the rest is ignored (4.6.4) */
	rr = rr_status(layer, domain, type, NETDB_SUCCESS);
	if (rr == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		const char *name = type == ns_t_mx ? a->rr[i].u.mx.host : a->rr[i].u.host;
		size_t len = strlen(name);

		if (SPF_dns_rr_buf_realloc(rr, (int)i, len + 1) != SPF_E_SUCCESS) {
			SPF_dns_rr_free(rr);
			return NULL;
		}
		memcpy(rr->rr[i]->mx, name, len + 1);
		if (dns_name_normalize(name, ev->expect[i], sizeof ev->expect[i]) < 0)
			ev->expect[i][0] = '\0';
	}
	rr->num_rr = (int)n;
	ev->nexpect = n;
	ev->pos = 0;
	ev->expect_type = ev->family == AF_INET ? ns_t_a : ns_t_aaaa;
	ev->expect_ptr = type == ns_t_ptr;
	return rr;
}

/* addr_answer - an A or AAAA answer; any: each record becomes the client's address */
static SPF_dns_rr_t *
addr_answer(const struct spf_eval *ev, SPF_dns_server_t *layer, const char *domain,
    ns_type type, const struct dns_answer *a, bool any)
{
	SPF_dns_rr_t *rr = rr_status(layer, domain, type, NETDB_SUCCESS);
	size_t i;

	if (rr == NULL)
		return NULL;
	for (i = 0; i < a->n; i++) {
		if (SPF_dns_rr_buf_realloc(rr, (int)i, sizeof(SPF_dns_rr_data_t)) !=
		    SPF_E_SUCCESS) {
			SPF_dns_rr_free(rr);
			return NULL;
		}
		if (type == ns_t_a)
			rr->rr[i]->a = any ? ev->ip4 : a->rr[i].u.a;
		else
			rr->rr[i]->aaaa = any ? ev->ip6 : a->rr[i].u.aaaa;
	}
	rr->num_rr = (int)a->n;
	return rr;
}

/* layer_lookup - libspf2's DNS lookup: classify, count, query, filter */
static SPF_dns_rr_t *
layer_lookup(SPF_dns_server_t *layer, const char *domain, ns_type type,
    int should_cache)
{
	struct spf_eval *ev = spd_cur;
	struct dns_session *s;
	struct dns_answer *a;
	SPF_dns_rr_t *rr;
	char norm[256];
	bool host = false, term = false, counts_void = false, any = false;
	size_t mlen, nlen;
	int st;

	if (domain == NULL)
		domain = "";
	if (ev == NULL || ev->s == NULL)
		return rr_status(layer, domain, type, TRY_AGAIN);
	s = ev->s;
	if (ev->why != ABORT_NONE)
		return rr_status(layer, domain, type, TRY_AGAIN);
	if (type != ns_t_txt && type != ns_t_a && type != ns_t_aaaa &&
	    type != ns_t_mx && type != ns_t_ptr)
		return rr_status(layer, domain, type, NO_DATA);	/* e.g. type SPF (99) */
	if (dns_name_normalize(domain, norm, sizeof norm) < 0)
		norm[0] = '\0';
	else if ((mlen = strlen(ev->marker)) > 0 && (nlen = strlen(norm)) > mlen + 1 &&
	    norm[nlen - mlen - 1] == '.' && strcmp(norm + nlen - mlen, ev->marker) == 0) {
		norm[nlen - mlen - 1] = '\0';	/* a/mx with CIDR /0 (spf_record.c) */
		any = true;
	}

	if (!ev->first_done)
		ev->first_done = true;	/* the checked domain's own record */
	else if ((type == ns_t_a || type == ns_t_aaaa) && ev->pos < ev->nexpect &&
	    (int)type == ev->expect_type && strcmp(norm, ev->expect[ev->pos]) == 0) {
		host = true;		/* address of the next MX/PTR name */
		ev->pos++;
		any = ev->expect_any;
	} else {
		ev->nexpect = ev->pos = 0;
		term = true;
		if (++s->spf_terms > SPF_MAX_TERMS)
			return eval_abort(ev, ABORT_TERMS, layer, domain, type);
		/* void lookups: a, mx, ptr, exists; not %{p} (no term of its own) */
		counts_void = type != ns_t_txt && !(type == ns_t_ptr && !should_cache);
	}
	if (norm[0] == '\0')	/* not a domain name: nothing can exist there */
		return rr_status(layer, domain, type, HOST_NOT_FOUND);
	if (s->spf_queries >= SPF_MAX_QUERIES)
		return eval_abort(ev, ABORT_QUERIES, layer, domain, type);
	s->spf_queries++;

	st = dns_query(s, norm, type, &a);
	switch (st) {
	case DNS_OK:
		if (type == ns_t_txt)
			rr = txt_answer(ev, layer, domain, a);
		else if (type == ns_t_mx || type == ns_t_ptr) {
			rr = names_answer(ev, layer, domain, type, a);
			ev->expect_any = any;
		} else
			rr = addr_answer(ev, layer, domain, type, a, any);
		break;
	case DNS_NXDOMAIN:
	case DNS_NODATA:
		if (counts_void && ++s->spf_void > SPF_MAX_VOID) {
			rr = eval_abort(ev, ABORT_VOID, layer, domain, type);
			break;
		}
		rr = rr_status(layer, domain, type,
		    st == DNS_NXDOMAIN ? HOST_NOT_FOUND : NO_DATA);
		break;
	default:
		if (host && ev->expect_ptr) {
			/* 5.5: a PTR name whose address lookup fails is skipped */
			rr = rr_status(layer, domain, type, HOST_NOT_FOUND);
			break;
		}
		if (ev->tempfail_name[0] == '\0')
			snprintf(ev->tempfail_name, sizeof ev->tempfail_name, "%s",
			    norm);
		rr = rr_status(layer, domain, type, TRY_AGAIN);
		break;
	}
	if (type == ns_t_txt && term && rr != NULL && ev->nospf_name[0] == '\0' &&
	    (rr->herrno == HOST_NOT_FOUND || rr->herrno == NO_DATA))
		snprintf(ev->nospf_name, sizeof ev->nospf_name, "%s", norm);
	dns_answer_free(a);
	return rr;
}

/* layer_get_exp - explanations are never fetched: a fixed text, no DNS */
static SPF_errcode_t
layer_get_exp(SPF_server_t *srv, const char *domain, char **bufp, size_t *buflenp)
{
	size_t need = sizeof SPF_FIXED_EXP;

	(void)srv;
	(void)domain;		/* may alias *bufp */
	if (*bufp == NULL || *buflenp < need) {
		char *p = realloc(*bufp, need);

		if (p == NULL)
			return SPF_E_NO_MEMORY;
		*bufp = p;
		*buflenp = need;
	}
	memcpy(*bufp, SPF_FIXED_EXP, need);
	return SPF_E_SUCCESS;
}

/* spd_layer_init - our DNS layer for a libspf2 server of engine e */
void
spd_layer_init(struct spf_engine *e)
{
	e->layer.destroy = NULL;
	e->layer.lookup = layer_lookup;
	e->layer.get_spf = NULL;
	e->layer.get_exp = layer_get_exp;
	e->layer.add_cache = NULL;
	e->layer.layer_below = NULL;
	e->layer.name = "mailauth";
	e->layer.debug = 0;
	e->layer.hook = e;
}
