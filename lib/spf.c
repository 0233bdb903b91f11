/* SPDX-License-Identifier: BSD-2-Clause */
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
 *	(synchronous) evaluation: dns_cur (lib/dns) and spd_cur (lib/spf_int.h).
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
 *	- Limits, the record filter and rewrite, exp=: the DNS layer, lib/spf_dns.c
 *	  (its header says what it does and why).
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

#include <ctype.h>
#include <idn2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spf2/spf.h>
#include <spf2/spf_dns.h>

#include "dns.h"
#include "log.h"
#include "spf.h"
#include "spf_int.h"
#include "util.h"

#define SPF_MAX_MAILFROM	512

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
	spd_layer_init(e);
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
	struct spf_eval *saved_eval = spd_cur;

	if ((resp = SPF_response_new(req)) == NULL) {
		o->result = SPFR_TEMPERROR;
		str_set_printf(&o->reason, "out of memory evaluating SPF");
		return;
	}
	dns_cur = ev->s;
	spd_cur = ev;
	req->cur_dom = req->use_helo ? req->helo_dom : req->env_from_dp;
	err = SPF_server_get_record(e->srv, req, resp, &rec);
	if (err == SPF_E_SUCCESS && rec != NULL) {
		resp->spf_record_exp = rec;
		err = SPF_record_interpret(rec, req, resp, 0);
	}
	if (rec != NULL)
		SPF_record_free(rec);
	dns_cur = saved_dns;
	spd_cur = saved_eval;
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
