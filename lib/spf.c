/*
 * spf.c - SPF (RFC 7208) for HELO and MAIL FROM: libspf2 behind our own guard rails
 * SYNOPSIS
 *	struct spf_engine *spf_engine_new(const char *receiver, struct buf *err);
 *	void spf_engine_free(struct spf_engine *e);
 *	void spf_check(struct spf_engine *e, struct dns_session *s, const char *ip,
 *	    const char *helo, const char *mailfrom, bool helo_identity,
 *	    struct spf_outcome *out);
 *	void spf_outcome_clear(struct spf_outcome *o);
 *	const char *spf_result_name(enum spf_result r);
 * DESCRIPTION
 *	(spf_received_header(), the Received-SPF field, is in lib/received_spf.c.)
 *
 *	One SPF_server_t per engine, on our own SPF_dns_server_t whose lookup goes to
 *	dns_query(dns_cur, ...). libspf2 passes no per-request pointer to a DNS layer,
 *	so spf_check() points two thread-locals at the caller's state around the
 *	(synchronous) evaluation: dns_cur (lib/dns) and eval_cur (below).
 *
 *	What we do instead of trusting libspf2 1.2.10 (LIBRARIES.md section 3):
 *	- Input: MAIL FROM without <>; null sender -> postmaster@HELO (RFC 7208
 *	  2.4); no local-part -> postmaster (4.3); a domain that is malformed, not
 *	  multi-label, an address literal or all-numeric at the top -> none (4.3)
 *	  without DNS; 8-bit domains go through IDNA (libidn2, A-labels). The client
 *	  address must be an IPv4 or IPv6 literal (else none); IPv4-mapped IPv6 is
 *	  evaluated as IPv4 (5/9/2). libspf2 is never handed a NULL.
 *	- Loopback: SPF_request_query_mailfrom() passes 127/8 and ::1 without
 *	  looking at DNS. We do its three steps ourselves (SPF_server_get_record,
 *	  SPF_record_interpret, all public API), so loopback is evaluated like any
 *	  other address.
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
 *	- Results (section 3.3): INVALID + DNS error -> temperror, INVALID + other
 *	  -> permerror; reasons are ours, in plain English.
 * DIAGNOSTICS
 *	libspf2's error handler (reached only by a bug: every input is validated)
 *	logs at LOG_CRIT and aborts, as libspf2 requires of it. Its warnings and
 *	info lines are logged sanitised at LOG_DEBUG.
 */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>

#include <ctype.h>
#include <idn2.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <spf2/spf.h>
#include <spf2/spf_dns.h>

#include "dns.h"
#include "log.h"
#include "spf.h"
#include "util.h"

#define SPF_MAX_VOID		2
#define SPF_MAX_NAMES		10	/* MX or PTR names per mechanism */
#define SPF_MAX_QUERIES		150	/* backstop: backend queries per evaluation */
#define SPF_MAX_TERM_LEN	511	/* libspf2 SPF_MAX_MECH_LEN / SPF_MAX_MOD_LEN */
#define SPF_MAX_RECORD_LEN	8192
#define SPF_MAX_MAILFROM	512
#define SPF_FIXED_EXP		"SPF check failed"

enum spf_abort {
	ABORT_NONE = 0,
	ABORT_TERMS,		/* 11th DNS-querying term */
	ABORT_VOID,		/* 3rd void lookup */
	ABORT_MX,		/* more than 10 MX names */
	ABORT_QUERIES,		/* backstop */
	ABORT_HOSTILE,		/* CVE-2023-42118 filter */
	ABORT_SYNTAX,		/* v=spf1 record not per RFC 7208 section 12 */
	ABORT_TOOBIG,		/* libspf2 would drop mechanisms of the rewrite */
};

struct spf_engine {
	SPF_server_t *srv;
	SPF_dns_server_t layer;
};

/* one check_host() evaluation (lives on spf_check's stack) */
struct spf_eval {
	struct dns_session *s;
	int family;
	struct in_addr ip4;
	struct in6_addr ip6;
	bool first_done;	/* the record of the checked domain was asked for */
	char expect[SPF_MAX_NAMES][256];	/* names libspf2 looks up next */
	size_t nexpect, pos;
	int expect_type;
	bool expect_ptr;	/* those names came from a PTR answer */
	enum spf_abort why;
	char why_name[256];	/* the domain whose record or answer it was */
	char why_detail[128];	/* the syntax error */
	char marker[48];	/* per-evaluation label: "this a/mx had CIDR /0" */
	bool expect_any;	/* the expected names belong to such an mx */
	char tempfail_name[256];
	char nospf_name[256];	/* include/redirect target without SPF record */
};

static _Thread_local struct spf_eval *eval_cur;
static pthread_once_t spf_handlers_once = PTHREAD_ONCE_INIT;

/* lib_text - sanitised copy of a libspf2 message for the log */
static void
lib_text(struct buf *b, const char *file, int line, const char *msg)
{
	buf_init(b);
	buf_printf(b, "libspf2 %s:%d: ", file != NULL ? file : "?", line);
	str_sanitize(b, msg != NULL ? msg : "", 400);
}

/* spf_lib_error - libspf2's fatal handler: log, then abort (it must not return) */
static void NORETURN
spf_lib_error(const char *file, int line, const char *msg)
{
	struct buf b;

	lib_text(&b, file, line, msg);
	panic("%s (internal error, aborting)", buf_str(&b));
}

/* spf_lib_warning - libspf2 warnings, info and debug lines, at LOG_DEBUG */
static void
spf_lib_warning(const char *file, int line, const char *msg)
{
	struct buf b;

	if (log_level() < LOG_DEBUG)
		return;
	lib_text(&b, file, line, msg);
	log_msg(LOG_DEBUG, "%s", buf_str(&b));
	buf_free(&b);
}

/* spf_set_handlers - install the process-wide libspf2 log handlers (once) */
static void
spf_set_handlers(void)
{
	SPF_error_handler = spf_lib_error;
	SPF_warning_handler = spf_lib_warning;
	SPF_info_handler = spf_lib_warning;
	SPF_debug_handler = spf_lib_warning;
}

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
	struct spf_eval *ev = eval_cur;
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

/* spf_engine_new - the shared libspf2 server on our DNS layer; NULL + err on failure */
struct spf_engine *
spf_engine_new(const char *receiver, struct buf *err)
{
	struct spf_engine *e;
	SPF_response_t *resp = NULL;

	if (receiver == NULL || receiver[0] == '\0') {
		buf_adds(err, "SPF: the receiver name (AuthservID) is empty\n");
		return NULL;
	}
	pthread_once(&spf_handlers_once, spf_set_handlers);
	e = xcalloc(1, sizeof *e);
	e->layer.destroy = NULL;
	e->layer.lookup = layer_lookup;
	e->layer.get_spf = NULL;
	e->layer.get_exp = layer_get_exp;
	e->layer.add_cache = NULL;
	e->layer.layer_below = NULL;
	e->layer.name = "mailauth";
	e->layer.debug = 0;
	e->layer.hook = e;
	if ((e->srv = SPF_server_new_dns(&e->layer, 0)) == NULL) {
		buf_adds(err, "SPF: cannot create the libspf2 server\n");
		free(e);
		return NULL;
	}
	if (SPF_server_set_rec_dom(e->srv, receiver) != SPF_E_SUCCESS ||
	    SPF_server_set_explanation(e->srv, "SPF%_check%_failed", &resp) !=
	    SPF_E_SUCCESS) {
		buf_adds(err, "SPF: cannot configure the libspf2 server\n");
		if (resp != NULL)
			SPF_response_free(resp);
		spf_engine_free(e);
		return NULL;
	}
	if (resp != NULL)
		SPF_response_free(resp);
	SPF_server_set_max_dns_mech(e->srv, SPF_MAX_TERMS);
	SPF_server_set_max_dns_mx(e->srv, SPF_MAX_NAMES);
	SPF_server_set_max_dns_ptr(e->srv, SPF_MAX_NAMES);
	return e;
}

/* spf_engine_free - free the engine; NULL is a no-op */
void
spf_engine_free(struct spf_engine *e)
{
	if (e == NULL)
		return;
	if (e->srv != NULL)
		SPF_server_free(e->srv);	/* does not free our layer */
	free(e);
}

/* spf_result_name - RFC 8601 / 7208 result word */
const char *
spf_result_name(enum spf_result r)
{
	switch (r) {
	case SPFR_NONE:
		return "none";
	case SPFR_NEUTRAL:
		return "neutral";
	case SPFR_PASS:
		return "pass";
	case SPFR_FAIL:
		return "fail";
	case SPFR_SOFTFAIL:
		return "softfail";
	case SPFR_TEMPERROR:
		return "temperror";
	case SPFR_PERMERROR:
		return "permerror";
	}
	return "none";
}

/* spf_outcome_clear - free an outcome's strings */
void
spf_outcome_clear(struct spf_outcome *o)
{
	if (o == NULL)
		return;
	free(o->domain);
	free(o->sender);
	free(o->helo);
	free(o->ip);
	free(o->reason);
	memset(o, 0, sizeof *o);
}

/* check_domain - a checked identity's domain in A-label form; NULL or why not */
static const char *
check_domain(const char *in, char *out, size_t outlen)
{
	char *ace = NULL;
	const char *p, *last;
	size_t len;
	bool ascii = true, numeric = true;

	if (in[0] == '\0')
		return "is empty";
	if (in[0] == '[')
		return "is an address literal, not a domain name";
	for (p = in; *p != '\0'; p++)
		if ((unsigned char)*p >= 0x80)
			ascii = false;
	if (!ascii) {
		if (idn2_lookup_u8((const uint8_t *)in, (uint8_t **)&ace,
		    IDN2_NONTRANSITIONAL) != IDN2_OK || ace == NULL) {
			free(ace);
			return "is not a valid internationalized domain name";
		}
		in = ace;
	}
	for (p = in; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f ||
		    *p == '@') {
			free(ace);
			return "contains characters not allowed in a domain name";
		}
	if (dns_name_normalize(in, out, outlen) < 0) {
		free(ace);
		return "is not a valid domain name (empty label, label over 63 "
		    "bytes or name over 253)";
	}
	free(ace);
	if ((last = strrchr(out, '.')) == NULL)
		return "is not a fully qualified domain name";
	for (p = last + 1; *p != '\0'; p++)
		if (!isdigit((unsigned char)*p))
			numeric = false;
	len = strlen(last + 1);
	if (numeric && len > 0)
		return "is not a domain name (numeric top label)";
	return NULL;
}

/* strip_path - the mailbox of a reverse-path: no <>, no source route */
static char *
strip_path(const char *in)
{
	size_t len = strlen(in);
	const char *p = in, *colon;

	if (len >= 2 && in[0] == '<' && in[len - 1] == '>') {
		p = in + 1;
		len -= 2;
	}
	if (len > 0 && p[0] == '@' && (colon = memchr(p, ':', len)) != NULL) {
		len -= (size_t)(colon + 1 - p);
		p = colon + 1;
	}
	return xstrndup(p, len);
}


/* safe_name - a name for a reason text: sanitised and bounded */
static const char *
safe_name(struct buf *b, const char *name)
{
	buf_reset(b);
	str_sanitize(b, name != NULL ? name : "", 120);
	return buf_str(b);
}

/* first_error - the first error code libspf2 recorded other than "not SPF" */
static SPF_errcode_t
first_error(SPF_response_t *resp)
{
	int i, n = SPF_response_messages(resp);

	for (i = 0; i < n; i++) {
		SPF_error_t *e = SPF_response_message(resp, i);

		if (SPF_error_errorp(e) && SPF_error_code(e) != SPF_E_NOT_SPF)
			return SPF_error_code(e);
	}
	return SPF_E_SUCCESS;
}

/* permerror_reason - what a libspf2 permerror was about */
static void
permerror_reason(struct spf_outcome *o, const struct spf_eval *ev,
    SPF_errcode_t err, SPF_response_t *resp, struct buf *nb)
{
	SPF_errcode_t detail;

	switch (err) {
	case SPF_E_MULTIPLE_RECORDS:
		str_set_printf(&o->reason, "more than one SPF record");
		return;
	case SPF_E_BIG_DNS:
		str_set_printf(&o->reason, "DNS lookup limit of %d exceeded", SPF_MAX_TERMS);
		return;
	case SPF_E_RECURSIVE:
		str_set_printf(&o->reason, "include or redirect loop");
		return;
	case SPF_E_INCLUDE_RETURNED_NONE:
		str_set_printf(&o->reason, "included domain has no SPF record");
		return;
	default:
		break;
	}
	if ((err == SPF_E_NOT_SPF || err == SPF_E_SUCCESS) && ev->nospf_name[0] != '\0') {
		str_set_printf(&o->reason, "include or redirect target %s has no SPF record",
		    safe_name(nb, ev->nospf_name));
		return;
	}
	detail = first_error(resp);
	if (detail == SPF_E_SUCCESS)
		detail = err;
	if (detail == SPF_E_SUCCESS || detail == SPF_E_NOT_SPF)
		str_set_printf(&o->reason, "SPF record has a syntax error");
	else
		str_set_printf(&o->reason, "SPF record has a syntax error: %s", SPF_strerror(detail));
}

/* map_result - our result and reason from libspf2's response and our own rules */
static void
map_result(struct spf_outcome *o, const struct spf_eval *ev, SPF_response_t *resp,
    SPF_errcode_t err)
{
	struct buf nb;
	SPF_result_t r;

	buf_init(&nb);
	switch (ev->why) {
	case ABORT_TERMS:
		o->result = SPFR_PERMERROR;
		str_set_printf(&o->reason, "DNS lookup limit of %d exceeded", SPF_MAX_TERMS);
		goto out;
	case ABORT_VOID:
		o->result = SPFR_PERMERROR;
		str_set_printf(&o->reason, "%d void lookups exceeded (last: %s)", SPF_MAX_VOID,
		    safe_name(&nb, ev->why_name));
		goto out;
	case ABORT_MX:
		o->result = SPFR_PERMERROR;
		str_set_printf(&o->reason, "%s has more than %d MX records", safe_name(&nb, ev->why_name),
		    SPF_MAX_NAMES);
		goto out;
	case ABORT_QUERIES:
		o->result = SPFR_PERMERROR;
		str_set_printf(&o->reason, "more than %d DNS queries", SPF_MAX_QUERIES);
		goto out;
	case ABORT_HOSTILE:
		o->result = SPFR_PERMERROR;
		str_set_printf(&o->reason, "hostile SPF record at %s (term over %d bytes)",
		    safe_name(&nb, ev->why_name), SPF_MAX_TERM_LEN);
		goto out;
	case ABORT_TOOBIG:
		o->result = SPFR_PERMERROR;
		str_set_printf(&o->reason, "SPF record of %s is too large to evaluate "
		    "(libspf2 limit)", safe_name(&nb, ev->why_name));
		goto out;
	case ABORT_SYNTAX:
		o->result = SPFR_PERMERROR;
		str_set_printf(&o->reason, "SPF record of %s has a syntax error: %s",
		    safe_name(&nb, ev->why_name), ev->why_detail);
		goto out;
	case ABORT_NONE:
		break;
	}
	r = resp != NULL ? SPF_response_result(resp) : SPF_RESULT_TEMPERROR;
	switch (r) {
	case SPF_RESULT_PASS:
		o->result = SPFR_PASS;
		str_set_printf(&o->reason, "%s is permitted by %s", o->ip, safe_name(&nb, o->domain));
		break;
	case SPF_RESULT_FAIL:
		o->result = SPFR_FAIL;
		str_set_printf(&o->reason, "%s is not permitted by %s", o->ip, safe_name(&nb, o->domain));
		break;
	case SPF_RESULT_SOFTFAIL:
		o->result = SPFR_SOFTFAIL;
		str_set_printf(&o->reason, "%s is probably not permitted by %s", o->ip,
		    safe_name(&nb, o->domain));
		break;
	case SPF_RESULT_NEUTRAL:
		o->result = SPFR_NEUTRAL;
		str_set_printf(&o->reason, "%s makes no assertion about %s", safe_name(&nb, o->domain),
		    o->ip);
		break;
	case SPF_RESULT_NONE:
		o->result = SPFR_NONE;
		str_set_printf(&o->reason, "%s has no SPF record", safe_name(&nb, o->domain));
		break;
	case SPF_RESULT_TEMPERROR:
		o->result = SPFR_TEMPERROR;
		break;
	case SPF_RESULT_PERMERROR:
		o->result = SPFR_PERMERROR;
		if (resp != NULL && SPF_response_errcode(resp) != SPF_E_SUCCESS)
			err = SPF_response_errcode(resp);
		permerror_reason(o, ev, err, resp, &nb);
		break;
	default:		/* SPF_RESULT_INVALID */
		if (err == SPF_E_DNS_ERROR || ev->tempfail_name[0] != '\0')
			o->result = SPFR_TEMPERROR;
		else {
			o->result = SPFR_PERMERROR;
			permerror_reason(o, ev, err, resp, &nb);
		}
		break;
	}
	if (o->result == SPFR_TEMPERROR) {
		if (ev->s != NULL && dns_session_expired(ev->s))
			str_set_printf(&o->reason, "SPF evaluation ran out of time (DNS deadline)");
		else if (ev->tempfail_name[0] != '\0')
			str_set_printf(&o->reason, "DNS lookup of %s failed temporarily",
			    safe_name(&nb, ev->tempfail_name));
		else
			str_set_printf(&o->reason, "temporary error evaluating SPF for %s",
			    safe_name(&nb, o->domain));
	}
out:
	buf_free(&nb);
}

/* evaluate - check_host() through libspf2, without its loopback free pass */
static void
evaluate(struct spf_engine *e, SPF_request_t *req, struct spf_eval *ev,
    struct spf_outcome *o)
{
	SPF_response_t *resp;
	SPF_record_t *rec = NULL;
	SPF_errcode_t err;
	struct dns_session *saved_dns = dns_cur;
	struct spf_eval *saved_eval = eval_cur;

	if ((resp = SPF_response_new(req)) == NULL) {
		o->result = SPFR_TEMPERROR;
		str_set_printf(&o->reason, "out of memory evaluating SPF");
		return;
	}
	dns_cur = ev->s;
	eval_cur = ev;
	req->cur_dom = req->use_helo ? req->helo_dom : req->env_from_dp;
	err = SPF_server_get_record(e->srv, req, resp, &rec);
	if (err == SPF_E_SUCCESS && rec != NULL) {
		resp->spf_record_exp = rec;
		err = SPF_record_interpret(rec, req, resp, 0);
	}
	if (rec != NULL)
		SPF_record_free(rec);
	dns_cur = saved_dns;
	eval_cur = saved_eval;
	map_result(o, ev, resp, err);
	SPF_response_free(resp);
}

/* outcome_none - result none with a reason about the identity */
static void
outcome_none(struct spf_outcome *o, const char *what, const char *name,
    const char *why)
{
	struct buf nb;

	buf_init(&nb);
	o->result = SPFR_NONE;
	str_set_printf(&o->reason, "%s \"%s\" %s", what, safe_name(&nb, name), why);
	buf_free(&nb);
}

/* spf_check - evaluate one identity (see spf.h) */
void
spf_check(struct spf_engine *e, struct dns_session *s, const char *ip,
    const char *helo, const char *mailfrom, bool helo_identity,
    struct spf_outcome *out)
{
	struct spf_eval *ev;
	SPF_request_t *req;
	struct in_addr a4 = { 0 };
	struct in6_addr a6 = IN6ADDR_ANY_INIT;
	char ipbuf[INET6_ADDRSTRLEN], dom[256], helodom[256];
	char *from, *at, *local;
	const char *why, *raw_dom;
	bool null_sender, helo_ok;

	memset(out, 0, sizeof *out);
	if (ip == NULL)
		ip = "";
	if (helo == NULL)
		helo = "";
	if (mailfrom == NULL)
		mailfrom = "";
	out->helo = xstrdup(helo);
	from = helo_identity ? xstrdup("") : strip_path(mailfrom);
	null_sender = from[0] == '\0';
	out->helo_identity = helo_identity || null_sender;
	out->null_sender = !helo_identity && null_sender;
	if (s != NULL) {
		s->spf_terms = s->spf_void = s->spf_queries = 0;
		s->spf_limit_hit = s->spf_void_hit = s->spf_hostile = false;
	}

	/* the client address */
	ev = xcalloc(1, sizeof *ev);
	ev->s = s;
	if (inet_pton(AF_INET, ip, &a4) == 1) {
		ev->family = AF_INET;
		inet_ntop(AF_INET, &a4, ipbuf, sizeof ipbuf);
	} else if (inet_pton(AF_INET6, ip, &a6) == 1) {
		inet_ntop(AF_INET6, &a6, ipbuf, sizeof ipbuf);
		if (IN6_IS_ADDR_V4MAPPED(&a6)) {
			ev->family = AF_INET;	/* RFC 7208 5/9/2 */
			memcpy(&a4, &a6.s6_addr[12], 4);
		} else
			ev->family = AF_INET6;
	} else {
		struct buf nb;

		buf_init(&nb);
		str_sanitize(&nb, ip, 64);
		out->ip = buf_steal(&nb);
		ev->family = 0;
	}
	if (ev->family != 0)
		out->ip = xstrdup(ipbuf);
	ev->ip4 = a4;
	ev->ip6 = a6;
	snprintf(ev->marker, sizeof ev->marker, "mailauth-any-%08x%08x",
	    arc4random(), arc4random());

	/* the identity */
	helo_ok = check_domain(helo, helodom, sizeof helodom) == NULL;
	if (out->helo_identity) {
		out->domain = xstrdup(helo_ok ? helodom : helo);
		str_lower(out->domain);
		str_set_printf(&out->sender, "postmaster@%s", out->domain);
		local = xstrdup("postmaster");
		raw_dom = helo;
	} else {
		at = strrchr(from, '@');
		raw_dom = at != NULL ? at + 1 : "";
		local = at != NULL && at != from ? xstrndup(from, (size_t)(at - from)) :
		    xstrdup("postmaster");
		out->domain = xstrdup(raw_dom);
		str_lower(out->domain);
		if (at != NULL) {
			str_set_printf(&out->sender, "%s@%s", local, out->domain);
		} else
			out->sender = xstrdup(from);	/* no domain: as given */
	}
	if (ev->family == 0) {
		outcome_none(out, "client address", ip, "is not an IP address");
		goto done;
	}
	if (s == NULL) {
		out->result = SPFR_TEMPERROR;
		str_set_printf(&out->reason, "no DNS session");
		goto done;
	}
	if (out->helo_identity && !helo_ok) {
		why = check_domain(helo, helodom, sizeof helodom);
		outcome_none(out, "HELO name", helo, why);
		goto done;
	}
	if (!out->helo_identity) {
		if (strlen(from) > SPF_MAX_MAILFROM) {
			outcome_none(out, "MAIL FROM", "...", "is too long");
			goto done;
		}
		if (strchr(from, '@') == NULL) {
			outcome_none(out, "MAIL FROM", from, "has no domain");
			goto done;
		}
		if ((why = check_domain(raw_dom, dom, sizeof dom)) != NULL) {
			outcome_none(out, "MAIL FROM domain", raw_dom, why);
			goto done;
		}
		free(out->domain);
		out->domain = xstrdup(dom);
		str_set_printf(&out->sender, "%s@%s", local, dom);
	}

	/* libspf2: every argument validated, none NULL */
	if ((req = SPF_request_new(e->srv)) == NULL) {
		out->result = SPFR_TEMPERROR;
		str_set_printf(&out->reason, "out of memory evaluating SPF");
		goto done;
	}
	if (ev->family == AF_INET)
		SPF_request_set_ipv4(req, a4);
	else
		SPF_request_set_ipv6(req, a6);
	/* helo_dom is only used for %{h}: the HELO as given, or "unknown" */
	SPF_request_set_helo_dom(req, helo[0] != '\0' ? (helo_ok ? helodom : helo) :
	    "unknown");
	if (SPF_request_set_env_from(req, out->sender) != SPF_E_SUCCESS ||
	    req->env_from_dp == NULL) {
		SPF_request_free(req);
		out->result = SPFR_TEMPERROR;
		str_set_printf(&out->reason, "out of memory evaluating SPF");
		goto done;
	}
	req->use_helo = 0;	/* cur_dom = the domain of sender, set just above */
	evaluate(e, req, ev, out);
	SPF_request_free(req);
done:
	free(local);
	free(from);
	free(ev);
}
