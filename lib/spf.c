/*
 * spf.c - SPF (RFC 7208) for HELO and MAIL FROM on libspf2, behind our own DNS layer
 * SYNOPSIS
 *	see spf.h
 * DESCRIPTION
 *	One SPF_server_t per engine on a custom SPF_dns_server_t whose lookup answers
 *	from lib/dns through the session of the evaluation running in this thread (a
 *	thread-local pointer set around the synchronous evaluation). No cache layer,
 *	no local policy, no whitelist. libspf2's four log handlers are replaced once
 *	(they are process-wide); the error handler logs and aborts, as the library
 *	requires, and every input is validated so that it cannot fire.
 *
 *	Decisions (what libspf2 does not do, or does differently):
 *	- Loopback: libspf2's SPF_request_query_mailfrom() passes 127/8 and ::1 without
 *	  looking at DNS. We do not call it: spf_run() fetches the record with
 *	  SPF_server_get_record() and evaluates it with SPF_record_interpret(), whose
 *	  own loopback check is compiled out, so loopback is checked like any address.
 *	- RFC 7208 4.6.4 across the whole evaluation (libspf2 counts per record): the
 *	  adapter classifies each query. The first TXT query is the record lookup of
 *	  the checked domain; every later TXT query is an include or redirect term. A,
 *	  AAAA, MX and PTR queries are terms, except the A/AAAA lookups of names that
 *	  the last MX or PTR answer returned (those are MX/PTR names; libspf2 caps them
 *	  at 10 itself: permerror for MX, ignored for PTR). The PTR lookup of a %{p}
 *	  macro is counted as a term (the layer cannot tell it from "ptr"): a record
 *	  can only get permerror from this where it already uses 10 other terms. The
 *	  11th term's query is not sent; the result becomes permerror "DNS lookup
 *	  limit of 10 exceeded". A term query answered NXDOMAIN or NODATA is a void
 *	  lookup; the third makes the result permerror "more than 2 void lookups".
 *	  After either rule fires, no query reaches DNS any more.
 *	- CVE-2023-42118: a TXT string starting "v=spf1" with a space-separated term
 *	  over 511 bytes is never handed to libspf2 and makes the result permerror
 *	  "hostile SPF record"; other TXT strings over 511 bytes are dropped (NODATA
 *	  when none is left). Explanations are never fetched (the DNS layer's get_exp
 *	  hook answers an empty text), so exp= is neither a query nor a risk; RFC 7208
 *	  6.2 says an explanation never changes the result.
 *	- Result mapping (LIBRARIES.md 3.3): INVALID with a DNS error is temperror,
 *	  other INVALID permerror. A TEMPFAIL answer is TRY_AGAIN (temperror); REFUSED
 *	  is TRY_AGAIN too (RFC 7208 4.4: any RCODE but 0 and 3 is temperror); names
 *	  that cannot exist (label over 63 bytes...) are answered NXDOMAIN. A session
 *	  whose deadline passed during the evaluation gives temperror.
 *	- Identities: the null sender and a MAIL FROM without local part are
 *	  postmaster@domain (RFC 7208 2.4, 4.3); a domain that is not a multi-label
 *	  name of valid labels, or an IP literal, is none without any query (4.3).
 *	  An IPv4-mapped IPv6 client is checked as IPv4.
 *	- TXT strings with NUL bytes: libspf2 reads C strings; each NUL is replaced
 *	  by byte 0x01, which no SPF term accepts (a syntax error, not a truncation).
 */
#include "autoconf.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <ctype.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <spf2/spf.h>
#include <spf2/spf_dns.h>

#include "log.h"
#include "spf.h"
#include "util.h"

#define SPF_MAX_TERMS	10	/* RFC 7208 4.6.4 */
#define SPF_MAX_VOID	2
#define SPF_MAX_QUERIES	300	/* absolute cap per evaluation (terms + MX/PTR names) */
#define SPF_MAX_TERMLEN	511	/* longest term libspf2 accepts (SPF_MAX_MECH_LEN) */
#define SPF_MAX_FOLLOW	32

struct spf_engine {
	SPF_server_t *srv;
	SPF_dns_server_t *layer;
	char *receiver;
};

/* What the DNS adapter knows about the evaluation running in this thread. */
struct spf_eval {
	struct dns_session *s;
	bool record_fetched;		/* first TXT query done */
	size_t nfollow, ifollow;	/* names of the last MX/PTR answer */
	char follow[SPF_MAX_FOLLOW][256];
	bool deadline;			/* a query found the deadline passed */
};

static _Thread_local struct spf_eval *spf_cur;
static pthread_once_t spf_once = PTHREAD_ONCE_INIT;

/* spf_log_line - log one libspf2 message, sanitised */
static void
spf_log_line(int pri, const char *kind, const char *file, int line, const char *msg)
{
	struct buf b;

	buf_init(&b);
	str_sanitize(&b, msg ? msg : "", 512);
	log_msg(pri, "libspf2 %s (%s:%d): %s", kind, file ? file : "?", line,
	    buf_str(&b));
	buf_free(&b);
}

/* spf_h_error - libspf2's fatal handler: must not return */
static void NORETURN
spf_h_error(const char *file, int line, const char *msg)
{
	spf_log_line(LOG_ERR, "fatal error", file, line, msg);
	abort();
}

/* spf_h_warning - libspf2 warnings (often about attacker records): debug level */
static void
spf_h_warning(const char *file, int line, const char *msg)
{
	spf_log_line(LOG_DEBUG, "warning", file, line, msg);
}

/* spf_h_info - libspf2 info messages */
static void
spf_h_info(const char *file, int line, const char *msg)
{
	spf_log_line(LOG_DEBUG, "info", file, line, msg);
}

/* spf_h_debug - libspf2 debug messages */
static void
spf_h_debug(const char *file, int line, const char *msg)
{
	spf_log_line(LOG_DEBUG, "debug", file, line, msg);
}

/* spf_install_handlers - replace libspf2's process-wide handlers, once */
static void
spf_install_handlers(void)
{
	SPF_error_handler = spf_h_error;
	SPF_warning_handler = spf_h_warning;
	SPF_info_handler = spf_h_info;
	SPF_debug_handler = spf_h_debug;
}

/* rr_status - an SPF_dns_rr_t without data */
static SPF_dns_rr_t *
rr_status(SPF_dns_server_t *layer, const char *domain, ns_type type,
    SPF_dns_stat_t st)
{
	return SPF_dns_rr_new_init(layer, domain, type, 0, st);
}

/* spf_is_hostile - a v=spf1 string with a term libspf2 would overflow on */
static bool
spf_is_hostile(const char *s, size_t len)
{
	size_t i, run = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == ' ') {
			run = 0;
			continue;
		}
		if (++run > SPF_MAX_TERMLEN)
			return true;
	}
	return false;
}

/* follow_match - is name one of the remaining names of the last MX/PTR answer */
static bool
follow_match(struct spf_eval *ev, const char *name)
{
	size_t i;

	for (i = ev->ifollow; i < ev->nfollow; i++)
		if (strcmp(ev->follow[i], name) == 0) {
			ev->ifollow = i + 1;
			return true;
		}
	return false;
}

/* follow_set - remember the names of an MX or PTR answer */
static void
follow_set(struct spf_eval *ev, const struct dns_answer *a, int qtype)
{
	size_t i;
	char tmp[256];

	ev->nfollow = ev->ifollow = 0;
	for (i = 0; i < a->n && ev->nfollow < SPF_MAX_FOLLOW; i++) {
		const char *h = qtype == ns_t_mx ? a->rr[i].u.mx.host : a->rr[i].u.host;

		if (dns_name_normalize(h, tmp, sizeof(tmp)) != 0)
			snprintf(tmp, sizeof(tmp), "%s", h);
		snprintf(ev->follow[ev->nfollow++], sizeof(ev->follow[0]), "%s", tmp);
	}
}

/* spf_txt_rr - TXT answer to libspf2, through the CVE-2023-42118 filter */
static SPF_dns_rr_t *
spf_txt_rr(SPF_dns_server_t *layer, struct spf_eval *ev, const char *domain,
    const struct dns_answer *a)
{
	SPF_dns_rr_t *rr;
	size_t i, k, n = 0;

	rr = rr_status(layer, domain, ns_t_txt, NETDB_SUCCESS);
	if (rr == NULL)
		return NULL;
	for (i = 0; i < a->n; i++) {
		const char *t = a->rr[i].u.txt.data;
		size_t len = a->rr[i].u.txt.len;

		if (len >= 6 && strncasecmp(t, "v=spf1", 6) == 0) {
			if (spf_is_hostile(t, len)) {
				ev->s->spf_hostile = true;
				continue;
			}
		} else if (len > SPF_MAX_TERMLEN)
			continue;
		if (SPF_dns_rr_buf_realloc(rr, (int)n, len + 1) != SPF_E_SUCCESS) {
			SPF_dns_rr_free(rr);
			return rr_status(layer, domain, ns_t_txt, TRY_AGAIN);
		}
		for (k = 0; k < len; k++)
			rr->rr[n]->txt[k] = t[k] == '\0' ? '\x01' : t[k];
		rr->rr[n]->txt[len] = '\0';
		n++;
	}
	if (ev->s->spf_hostile) {
		SPF_dns_rr_free(rr);
		return rr_status(layer, domain, ns_t_txt, NO_DATA);
	}
	rr->num_rr = (int)n;
	if (n == 0)
		rr->herrno = NO_DATA;
	return rr;
}

/* spf_data_rr - A/AAAA/MX/PTR answer to libspf2 */
static SPF_dns_rr_t *
spf_data_rr(SPF_dns_server_t *layer, const char *domain, ns_type type,
    const struct dns_answer *a)
{
	SPF_dns_rr_t *rr;
	size_t i, len;
	const char *h;

	rr = rr_status(layer, domain, type, NETDB_SUCCESS);
	if (rr == NULL)
		return NULL;
	for (i = 0; i < a->n; i++) {
		switch (type) {
		case ns_t_a:
			len = sizeof(struct in_addr);
			break;
		case ns_t_aaaa:
			len = sizeof(struct in6_addr);
			break;
		default:
			h = type == ns_t_mx ? a->rr[i].u.mx.host : a->rr[i].u.host;
			len = strlen(h) + 1;
			break;
		}
		if (SPF_dns_rr_buf_realloc(rr, (int)i, len) != SPF_E_SUCCESS) {
			SPF_dns_rr_free(rr);
			return rr_status(layer, domain, type, TRY_AGAIN);
		}
		switch (type) {
		case ns_t_a:
			rr->rr[i]->a = a->rr[i].u.a;
			break;
		case ns_t_aaaa:
			rr->rr[i]->aaaa = a->rr[i].u.aaaa;
			break;
		case ns_t_mx:
			memcpy(rr->rr[i]->mx, a->rr[i].u.mx.host, len);
			break;
		default:
			memcpy(rr->rr[i]->ptr, a->rr[i].u.host, len);
			break;
		}
	}
	rr->num_rr = (int)a->n;
	return rr;
}

/* spf_dns_lookup - libspf2's DNS entry point: budget, filter, convert */
static SPF_dns_rr_t *
spf_dns_lookup(SPF_dns_server_t *layer, const char *domain, ns_type type,
    int should_cache)
{
	struct spf_eval *ev = spf_cur;
	struct dns_session *s;
	struct dns_answer *a = NULL;
	SPF_dns_rr_t *rr;
	char name[256];
	bool term = false;
	int st;

	(void)should_cache;
	if (domain == NULL)
		domain = "";
	if (ev == NULL || ev->s == NULL)
		return rr_status(layer, domain, type, TRY_AGAIN);
	s = ev->s;
	if (type != ns_t_txt && type != ns_t_a && type != ns_t_aaaa &&
	    type != ns_t_mx && type != ns_t_ptr)
		return rr_status(layer, domain, type, NO_DATA);	/* type 99 etc. */
	if (s->spf_limit_hit || s->spf_void_hit || s->spf_hostile)
		return rr_status(layer, domain, type, HOST_NOT_FOUND);
	if (dns_name_normalize(domain, name, sizeof(name)) != 0)
		return rr_status(layer, domain, type, HOST_NOT_FOUND);

	if (type == ns_t_txt) {
		term = ev->record_fetched;
		ev->record_fetched = true;
		ev->nfollow = ev->ifollow = 0;
	} else if ((type == ns_t_a || type == ns_t_aaaa) && follow_match(ev, name)) {
		term = false;
	} else {
		term = true;
		ev->nfollow = ev->ifollow = 0;
	}
	if (term && ++s->spf_terms > SPF_MAX_TERMS) {
		s->spf_limit_hit = true;
		return rr_status(layer, domain, type, HOST_NOT_FOUND);
	}
	if (++s->spf_queries > SPF_MAX_QUERIES) {
		s->spf_limit_hit = true;
		return rr_status(layer, domain, type, HOST_NOT_FOUND);
	}
	if (dns_session_expired(s))
		ev->deadline = true;

	st = dns_query(s, name, type, &a);
	switch (st) {
	case DNS_OK:
		if (type == ns_t_txt)
			rr = spf_txt_rr(layer, ev, domain, a);
		else {
			if (type == ns_t_mx || type == ns_t_ptr)
				follow_set(ev, a, type);
			rr = spf_data_rr(layer, domain, type, a);
		}
		break;
	case DNS_NXDOMAIN:
	case DNS_NODATA:
		if (term && type != ns_t_txt && ++s->spf_void > SPF_MAX_VOID)
			s->spf_void_hit = true;
		rr = rr_status(layer, domain, type,
		    st == DNS_NXDOMAIN ? HOST_NOT_FOUND : NO_DATA);
		break;
	default:
		if (dns_session_expired(s))
			ev->deadline = true;
		rr = rr_status(layer, domain, type, TRY_AGAIN);
		break;
	}
	dns_answer_free(a);
	return rr;
}

/* spf_dns_get_exp - explanations are never fetched: an empty text */
static SPF_errcode_t
spf_dns_get_exp(SPF_server_t *srv, const char *domain, char **bufp, size_t *buflenp)
{
	(void)srv;
	(void)domain;
	if (*bufp == NULL || *buflenp == 0) {
		free(*bufp);
		*bufp = malloc(1);
		if (*bufp == NULL)
			return SPF_E_NO_MEMORY;
		*buflenp = 1;
	}
	(*bufp)[0] = '\0';
	return SPF_E_SUCCESS;
}

/* spf_engine_new - the shared SPF_server_t on our DNS layer */
struct spf_engine *
spf_engine_new(const char *receiver, struct buf *err)
{
	struct spf_engine *e;

	if (receiver == NULL || *receiver == '\0') {
		buf_printf(err, "SPF: receiver name is empty");
		return NULL;
	}
	pthread_once(&spf_once, spf_install_handlers);
	e = xcalloc(1, sizeof(*e));
	e->layer = xcalloc(1, sizeof(*e->layer));
	e->layer->destroy = NULL;
	e->layer->lookup = spf_dns_lookup;
	e->layer->get_spf = NULL;
	e->layer->get_exp = spf_dns_get_exp;
	e->layer->add_cache = NULL;
	e->layer->layer_below = NULL;
	e->layer->name = "mailauth";
	e->layer->debug = 0;
	e->layer->hook = e;
	e->srv = SPF_server_new_dns(e->layer, 0);
	if (e->srv == NULL) {
		buf_printf(err, "SPF: SPF_server_new_dns failed");
		free(e->layer);
		free(e);
		return NULL;
	}
	if (SPF_server_set_rec_dom(e->srv, receiver) != SPF_E_SUCCESS) {
		buf_printf(err, "SPF: cannot set the receiver name");
		spf_engine_free(e);
		return NULL;
	}
	e->receiver = xstrdup(receiver);
	return e;
}

/* spf_engine_free - the server, then our layer (the server does not own it) */
void
spf_engine_free(struct spf_engine *e)
{
	if (e == NULL)
		return;
	if (e->srv != NULL)
		SPF_server_free(e->srv);
	free(e->layer);
	free(e->receiver);
	free(e);
}

/* spf_domain_ok - a multi-label name of 1..63-byte labels, not an IP literal */
static bool
spf_domain_ok(const char *d)
{
	size_t len = strlen(d), lab = 0, labels = 0;
	const char *p;
	unsigned char buf[sizeof(struct in6_addr)];

	if (len == 0 || d[0] == '[' || d[0] == '.')
		return false;
	if (d[len - 1] == '.')
		len--;
	if (len == 0 || len > 253)
		return false;
	for (p = d; p < d + len; p++) {
		unsigned char c = (unsigned char)*p;

		if (c <= ' ' || c == 0x7f || c == '@')
			return false;
		if (c == '.') {
			if (lab == 0)
				return false;
			labels++;
			lab = 0;
		} else if (++lab > 63)
			return false;
	}
	if (lab == 0)
		return false;
	labels++;
	if (labels < 2)
		return false;
	if (inet_pton(AF_INET, d, buf) == 1 || inet_pton(AF_INET6, d, buf) == 1)
		return false;
	return true;
}

/* set_str - replace *dst by a copy of src */
static void
set_str(char **dst, const char *src)
{
	free(*dst);
	*dst = xstrdup(src);
}

/* lower_dup - lowercase copy without a final dot */
static char *
lower_dup(const char *s)
{
	char *d = xstrdup(s);
	size_t n = strlen(d);

	if (n > 0 && d[n - 1] == '.')
		d[n - 1] = '\0';
	return str_lower(d);
}

/* permerror_reason - plain English for libspf2's permerror codes */
static const char *
permerror_reason(SPF_errcode_t err)
{
	switch (err) {
	case SPF_E_MULTIPLE_RECORDS:
		return "more than one SPF record";
	case SPF_E_BIG_DNS:
		return "more than 10 DNS lookups (or MX names) in one record";
	case SPF_E_RECURSIVE:
		return "SPF record includes itself";
	case SPF_E_INCLUDE_RETURNED_NONE:
	case SPF_E_NOT_SPF:
		return "included or redirected domain has no usable SPF record";
	case SPF_E_DNS_ERROR:
		return "DNS error";
	default:
		return NULL;
	}
}

/*
 * spf_run - evaluate one request without SPF_request_query_mailfrom (no loopback
 * free pass); returns our result and sets *reason when libspf2 gave an error.
 */
static enum spf_result
spf_run(struct spf_engine *e, SPF_request_t *req, const char **why)
{
	SPF_response_t *resp;
	SPF_record_t *rec = NULL;
	SPF_errcode_t err;
	enum spf_result r;

	*why = NULL;
	resp = SPF_response_new(req);
	if (resp == NULL) {
		*why = "out of memory in libspf2";
		return SPFR_TEMPERROR;
	}
	req->cur_dom = req->use_helo ? req->helo_dom : req->env_from_dp;
	err = SPF_server_get_record(e->srv, req, resp, &rec);
	if (err != SPF_E_SUCCESS) {
		if (rec != NULL)
			SPF_record_free(rec);
	} else {
		resp->spf_record_exp = rec;
		err = SPF_record_interpret(rec, req, resp, 0);
		resp->spf_record_exp = NULL;
		SPF_record_free(rec);
	}
	switch (resp->result) {
	case SPF_RESULT_PASS:
		r = SPFR_PASS;
		break;
	case SPF_RESULT_FAIL:
		r = SPFR_FAIL;
		break;
	case SPF_RESULT_SOFTFAIL:
		r = SPFR_SOFTFAIL;
		break;
	case SPF_RESULT_NEUTRAL:
		r = SPFR_NEUTRAL;
		break;
	case SPF_RESULT_NONE:
		r = SPFR_NONE;
		break;
	case SPF_RESULT_TEMPERROR:
		r = SPFR_TEMPERROR;
		*why = "DNS error";
		break;
	case SPF_RESULT_PERMERROR:
		r = SPFR_PERMERROR;
		if (resp->err == SPF_E_DNS_ERROR) {
			r = SPFR_TEMPERROR;	/* NO_RECOVERY: RFC 7208 4.4 */
			*why = "DNS error";
		} else
			*why = permerror_reason(resp->err);
		break;
	default:	/* SPF_RESULT_INVALID */
		if (resp->err == SPF_E_DNS_ERROR || err == SPF_E_DNS_ERROR) {
			r = SPFR_TEMPERROR;
			*why = "DNS error";
		} else if (err == SPF_E_NO_MEMORY) {
			r = SPFR_TEMPERROR;
			*why = "out of memory in libspf2";
		} else {
			r = SPFR_PERMERROR;
			*why = "SPF record has a syntax error";
		}
		break;
	}
	if (r == SPFR_PERMERROR && *why == NULL)
		*why = "SPF record has a syntax error";
	SPF_response_free(resp);
	return r;
}

/* result_reason - the reason text for a result that libspf2 decided */
static void
result_reason(struct spf_outcome *o, const char *why)
{
	struct buf b;

	buf_init(&b);
	switch (o->result) {
	case SPFR_PASS:
		buf_printf(&b, "%s is permitted by %s", o->ip, o->domain);
		break;
	case SPFR_FAIL:
		buf_printf(&b, "%s is not permitted by %s", o->ip, o->domain);
		break;
	case SPFR_SOFTFAIL:
		buf_printf(&b, "%s is not permitted by %s (softfail)", o->ip, o->domain);
		break;
	case SPFR_NEUTRAL:
		buf_printf(&b, "%s makes no assertion about %s", o->domain, o->ip);
		break;
	case SPFR_NONE:
		buf_printf(&b, "%s has no SPF record", o->domain);
		break;
	case SPFR_TEMPERROR:
		buf_printf(&b, "%s checking the SPF record of %s",
		    why ? why : "temporary error", o->domain);
		break;
	case SPFR_PERMERROR:
		buf_printf(&b, "%s", why ? why : "SPF record has a syntax error");
		break;
	}
	free(o->reason);
	o->reason = buf_steal(&b);
}

/* parse_ip - literal IPv4 or IPv6 (IPv4-mapped IPv6 as IPv4) */
static int
parse_ip(const char *ip, struct in_addr *v4, struct in6_addr *v6)
{
	if (ip == NULL)
		return 0;
	if (inet_pton(AF_INET, ip, v4) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, ip, v6) == 1) {
		if (IN6_IS_ADDR_V4MAPPED(v6)) {
			memcpy(&v4->s_addr, &v6->s6_addr[12], 4);
			return AF_INET;
		}
		return AF_INET6;
	}
	return 0;
}

/* spf_check - evaluate one identity (see spf.h) */
void
spf_check(struct spf_engine *e, struct dns_session *s, const char *ip,
    const char *helo, const char *mailfrom, bool helo_identity,
    struct spf_outcome *out)
{
	struct in_addr v4;
	struct in6_addr v6;
	char ipbuf[INET6_ADDRSTRLEN], *from, *at, *dom = NULL;
	int af;
	size_t n;
	SPF_request_t *req;
	struct spf_eval ev;
	struct spf_eval *saved_ev;
	struct dns_session *saved_dns;
	const char *why = NULL;

	memset(out, 0, sizeof(*out));
	if (helo == NULL)
		helo = "";
	if (mailfrom == NULL)
		mailfrom = "";
	out->helo = xstrdup(helo);

	/* the identity */
	from = xstrdup(mailfrom);
	str_trim(from);
	n = strlen(from);
	if (n >= 2 && from[0] == '<' && from[n - 1] == '>') {
		memmove(from, from + 1, n - 2);
		from[n - 2] = '\0';
		str_trim(from);
	}
	if (helo_identity || from[0] == '\0') {
		out->helo_identity = true;
		dom = lower_dup(helo);
		free(from);
		from = NULL;
		{
			struct buf b;

			buf_init(&b);
			buf_printf(&b, "postmaster@%s", helo);
			out->sender = buf_steal(&b);
		}
	} else {
		at = strrchr(from, '@');
		if (at == NULL || at == from) {
			struct buf b;

			buf_init(&b);
			buf_printf(&b, "postmaster@%s", at ? at + 1 : from);
			out->sender = buf_steal(&b);
		} else
			out->sender = xstrdup(from);
		dom = lower_dup(strrchr(out->sender, '@') + 1);
		free(from);
		from = NULL;
	}
	out->domain = dom;

	af = parse_ip(ip, &v4, &v6);
	if (af == 0) {
		out->ip = xstrdup(ip ? ip : "");
		out->result = SPFR_PERMERROR;
		set_str(&out->reason, "client address is not an IP address");
		return;
	}
	inet_ntop(af, af == AF_INET ? (void *)&v4 : (void *)&v6, ipbuf, sizeof(ipbuf));
	out->ip = xstrdup(ipbuf);

	if (!spf_domain_ok(dom)) {
		out->result = SPFR_NONE;
		set_str(&out->reason, out->helo_identity ?
		    "HELO name is not a domain name" : "sender domain is malformed");
		return;
	}
	if (s == NULL) {
		out->result = SPFR_TEMPERROR;
		set_str(&out->reason, "no DNS session");
		return;
	}

	req = SPF_request_new(e->srv);
	if (req == NULL) {
		out->result = SPFR_TEMPERROR;
		set_str(&out->reason, "out of memory in libspf2");
		return;
	}
	if (af == AF_INET)
		SPF_request_set_ipv4(req, v4);
	else
		SPF_request_set_ipv6(req, v6);
	if (helo[0] != '\0')
		SPF_request_set_helo_dom(req, out->helo_identity ? dom : helo);
	if (SPF_request_set_env_from(req, out->sender) != 0 ||
	    req->env_from_dp == NULL) {
		SPF_request_free(req);
		out->result = SPFR_TEMPERROR;
		set_str(&out->reason, "out of memory in libspf2");
		return;
	}
	/* libspf2 splits at the last '@' too: make sure it checks our domain */
	free(req->env_from_dp);
	req->env_from_dp = strdup(dom);
	if (req->env_from_dp == NULL) {
		SPF_request_free(req);
		out->result = SPFR_TEMPERROR;
		set_str(&out->reason, "out of memory in libspf2");
		return;
	}

	s->spf_terms = s->spf_void = s->spf_queries = 0;
	s->spf_limit_hit = s->spf_void_hit = s->spf_hostile = false;
	memset(&ev, 0, sizeof(ev));
	ev.s = s;
	saved_ev = spf_cur;
	saved_dns = dns_cur;
	spf_cur = &ev;
	dns_cur = s;
	out->result = spf_run(e, req, &why);
	spf_cur = saved_ev;
	dns_cur = saved_dns;
	SPF_request_free(req);

	if (s->spf_hostile) {
		out->result = SPFR_PERMERROR;
		why = "hostile SPF record (a term longer than 511 bytes)";
	} else if (s->spf_limit_hit) {
		out->result = SPFR_PERMERROR;
		why = "DNS lookup limit of 10 exceeded";
	} else if (s->spf_void_hit) {
		out->result = SPFR_PERMERROR;
		why = "more than 2 void lookups";
	} else if (ev.deadline || (out->result == SPFR_TEMPERROR &&
	    dns_session_expired(s))) {
		out->result = SPFR_TEMPERROR;
		why = "time limit reached";
	}
	result_reason(out, why);
}

/* spf_outcome_clear - free and zero */
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
	memset(o, 0, sizeof(*o));
}

/* spf_result_name - RFC 7208 result names */
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
	return "permerror";
}

#define RSPF_MAXVAL	100	/* output bytes per attacker value */

/* is_atext - RFC 5322 atext */
static bool
is_atext(unsigned char c)
{
	return isascii(c) && (isalnum(c) || strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* add_value - a dot-atom as is, anything else as a sanitised quoted-string */
static void
add_value(struct buf *b, const char *v)
{
	const unsigned char *p;
	bool atom = v[0] != '\0' && v[0] != '.';
	size_t out = 0;

	for (p = (const unsigned char *)v; *p != '\0'; p++)
		if (!is_atext(*p) && !(*p == '.' && p[1] != '.' && p[1] != '\0'))
			atom = false;
	if (atom && strlen(v) <= RSPF_MAXVAL) {
		buf_adds(b, v);
		return;
	}
	buf_addc(b, '"');
	for (p = (const unsigned char *)v; *p != '\0' && out < RSPF_MAXVAL; p++) {
		if (*p == '"' || *p == '\\') {
			buf_addc(b, '\\');
			buf_addc(b, *p);
			out += 2;
		} else if (*p < 0x20 || *p >= 0x7f) {
			buf_printf(b, "\\\\x%02X", *p);
			out += 5;
		} else {
			buf_addc(b, *p);
			out++;
		}
	}
	buf_addc(b, '"');
}

/* add_comment_text - text inside a comment: ( ) \ quoted, controls and 8-bit as \xHH */
static void
add_comment_text(struct buf *b, const char *v)
{
	const unsigned char *p;
	size_t out = 0;

	for (p = (const unsigned char *)v; *p != '\0' && out < RSPF_MAXVAL; p++) {
		if (*p == '(' || *p == ')' || *p == '\\' || *p == '"') {
			buf_addc(b, '\\');
			buf_addc(b, *p);
			out += 2;
		} else if (*p < 0x20 || *p >= 0x7f) {
			buf_printf(b, "\\\\x%02X", *p);
			out += 5;
		} else {
			buf_addc(b, *p);
			out++;
		}
	}
}

/* spf_received_header - Received-SPF value (RFC 7208 9.1), one line */
void
spf_received_header(const struct spf_outcome *o, const char *receiver,
    struct buf *out)
{
	const char *ip = o->ip ? o->ip : "";
	const char *sender = o->sender ? o->sender : "";
	const char *dom = o->domain ? o->domain : "";
	struct in_addr a4;
	struct in6_addr a6;

	if (receiver == NULL || *receiver == '\0')
		receiver = "localhost";
	buf_adds(out, spf_result_name(o->result));
	buf_adds(out, " (");
	add_comment_text(out, receiver);
	buf_adds(out, ": ");
	switch (o->result) {
	case SPFR_PASS:
		buf_adds(out, "domain of ");
		add_comment_text(out, sender);
		buf_adds(out, " designates ");
		add_comment_text(out, ip);
		buf_adds(out, " as permitted sender");
		break;
	case SPFR_FAIL:
	case SPFR_SOFTFAIL:
		buf_adds(out, "domain of ");
		add_comment_text(out, sender);
		buf_adds(out, " does not designate ");
		add_comment_text(out, ip);
		buf_adds(out, " as permitted sender");
		break;
	case SPFR_NEUTRAL:
		add_comment_text(out, ip);
		buf_adds(out, " is neither permitted nor denied by domain of ");
		add_comment_text(out, sender);
		break;
	case SPFR_NONE:
		buf_adds(out, "domain of ");
		add_comment_text(out, sender);
		buf_adds(out, " does not provide an SPF record");
		break;
	default:
		add_comment_text(out, o->reason ? o->reason : "error");
		buf_adds(out, " for ");
		add_comment_text(out, dom);
		break;
	}
	buf_adds(out, ") client-ip=");
	if (inet_pton(AF_INET, ip, &a4) == 1 || inet_pton(AF_INET6, ip, &a6) == 1)
		buf_adds(out, ip);	/* normalised by spf_check */
	else
		add_value(out, ip);
	buf_adds(out, "; envelope-from=");
	add_value(out, sender);
	buf_adds(out, "; helo=");
	add_value(out, o->helo ? o->helo : "");
	buf_adds(out, "; receiver=");
	add_value(out, receiver);
	buf_adds(out, "; identity=");
	buf_adds(out, o->helo_identity ? "helo" : "mailfrom");
}
