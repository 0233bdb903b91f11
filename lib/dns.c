/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dns.c - sessions, name normalization, answers and their wire form (see dns.h)
 * SYNOPSIS
 *	dns_query(), dns_session_*(), dns_answer_free(), dns_answer_wire(),
 *	dns_status_name(), dns_name_normalize(), dns_open(), dns_resolver_free()
 * DESCRIPTION
 *	The backend-independent half of the resolver. dns_query() validates and
 *	normalizes the name, enforces the session deadline (past it every query is
 *	DNS_TEMPFAIL without asking the backend), gives the backend an absolute
 *	deadline of min(now + query timeout, session deadline), counts queries and
 *	temporary failures (per session, and in lib/metrics: each query that reached
 *	the backend, its latency, and a timeout when it failed at its deadline), and
 *	always returns an answer.
 *	dns_answer_wire() synthesizes an RFC 1035 response (id 0, QR RD RA, one
 *	question, answers named by the pointer 0xC00C) for libopendkim's query hooks:
 *	OK and NODATA give NOERROR, NXDOMAIN rcode 3, TEMPFAIL SERVFAIL (2), PERMFAIL
 *	REFUSED (5). TXT character-strings longer than 255 bytes are split.
 */
#include "autoconf.h"

#include <arpa/nameser.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "dns.h"
#include "dns_int.h"
#include "metrics.h"
#include "util.h"

_Thread_local struct dns_session *dns_cur;

/* ts_now - the monotonic clock */
static struct timespec
ts_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts;
}

/* ts_before - whether a is earlier than b */
static bool
ts_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec ||
	    (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* dns_session_init - a session on resolver r with a per-query timeout, no deadline */
void
dns_session_init(struct dns_session *s, struct dns_resolver *r,
    unsigned query_timeout_ms)
{
	memset(s, 0, sizeof *s);
	s->res = r;
	s->query_timeout_ms = query_timeout_ms;
}

/* dns_session_set_deadline - every query must be answered within ms from now */
void
dns_session_set_deadline(struct dns_session *s, unsigned ms_from_now)
{
	s->deadline = ts_add_ms(ts_now(), ms_from_now);
	if (s->deadline.tv_sec == 0 && s->deadline.tv_nsec == 0)
		s->deadline.tv_nsec = 1;	/* zero means "none" */
}

/* dns_session_expired - whether the session deadline has passed */
bool
dns_session_expired(const struct dns_session *s)
{
	struct timespec now;

	if (s->deadline.tv_sec == 0 && s->deadline.tv_nsec == 0)
		return false;
	now = ts_now();
	return !ts_before(&now, &s->deadline);
}

/* dns_name_normalize - lowercase, strip one final dot, check label and name lengths */
int
dns_name_normalize(const char *in, char *out, size_t outlen)
{
	size_t len, i, label = 0;

	if (in == NULL || out == NULL)
		return -1;
	len = strlen(in);
	if (len > 0 && in[len - 1] == '.')
		len--;
	if (len == 0 || len > 253 || len + 1 > outlen)
		return -1;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c == '.') {
			if (label == 0)
				return -1;
			label = 0;
		} else if (++label > 63)
			return -1;
		out[i] = (char)tolower(c);
	}
	if (label == 0)
		return -1;
	out[len] = '\0';
	return 0;
}

/* dns_resolver_new - wrap backend state in a resolver */
struct dns_resolver *
dns_resolver_new(const struct dns_ops *ops, void *be)
{
	struct dns_resolver *r = xcalloc(1, sizeof *r);

	r->ops = ops;
	r->be = be;
	return r;
}

/* dns_resolver_free - destroy a resolver of any backend; NULL is a no-op */
void
dns_resolver_free(struct dns_resolver *r)
{
	if (r == NULL)
		return;
	if (r->ops != NULL && r->ops->destroy != NULL)
		r->ops->destroy(r->be);
	free(r);
}

/* dns_open - the resolver named by DNSBackend */
struct dns_resolver *
dns_open(const struct config *cfg, struct buf *err)
{
	switch (cfg->dns_backend) {
	case DNS_BACKEND_ZONE:
		if (cfg->dns_zone_file == NULL || cfg->dns_zone_file[0] == '\0') {
			buf_adds(err, "DNSBackend zone needs DNSZoneFile\n");
			return NULL;
		}
		return dns_zone_open(cfg->dns_zone_file, err);
	case DNS_BACKEND_UNBOUND:
		return dns_unbound_open(cfg, err);
	}
	buf_printf(err, "unknown DNS backend %d\n", (int)cfg->dns_backend);
	return NULL;
}

/* dns_answer_new - an empty answer */
struct dns_answer *
dns_answer_new(enum dns_status st, int qtype)
{
	struct dns_answer *a = xcalloc(1, sizeof *a);

	a->status = st;
	a->qtype = qtype;
	return a;
}

/* dns_answer_add - append a zeroed record to an answer */
struct dns_rr *
dns_answer_add(struct dns_answer *a)
{
	a->rr = xreallocarray(a->rr, a->n + 1, sizeof *a->rr);
	memset(&a->rr[a->n], 0, sizeof a->rr[a->n]);
	return &a->rr[a->n++];
}

/* dns_rr_set_txt - give a TXT record copies of its strings and their concatenation */
void
dns_rr_set_txt(struct dns_rr *rr, const char *const *strings, const size_t *lens,
    size_t n)
{
	size_t i, total = 0;

	rr->u.txt.nstrings = n;
	rr->u.txt.strings = xcalloc(n ? n : 1, sizeof *rr->u.txt.strings);
	rr->u.txt.lens = xcalloc(n ? n : 1, sizeof *rr->u.txt.lens);
	for (i = 0; i < n; i++) {
		rr->u.txt.strings[i] = xmalloc(lens[i] + 1);
		memcpy(rr->u.txt.strings[i], strings[i], lens[i]);
		rr->u.txt.strings[i][lens[i]] = '\0';
		rr->u.txt.lens[i] = lens[i];
		total += lens[i];
	}
	rr->u.txt.data = xmalloc(total + 1);
	rr->u.txt.len = total;
	total = 0;
	for (i = 0; i < n; i++) {
		memcpy(rr->u.txt.data + total, strings[i], lens[i]);
		total += lens[i];
	}
	rr->u.txt.data[total] = '\0';
}

/* dns_rr_copy - deep copy of a record of type qtype */
void
dns_rr_copy(struct dns_rr *dst, const struct dns_rr *src, int qtype)
{
	if (qtype == ns_t_txt) {
		dst->ttl = src->ttl;
		dns_rr_set_txt(dst, (const char *const *)src->u.txt.strings,
		    src->u.txt.lens, src->u.txt.nstrings);
	} else
		*dst = *src;
}

/* dns_rr_clear - free what a record of type qtype owns */
void
dns_rr_clear(struct dns_rr *rr, int qtype)
{
	size_t i;

	if (qtype != ns_t_txt)
		return;
	for (i = 0; i < rr->u.txt.nstrings; i++)
		free(rr->u.txt.strings[i]);
	free(rr->u.txt.strings);
	free(rr->u.txt.lens);
	free(rr->u.txt.data);
	memset(&rr->u.txt, 0, sizeof rr->u.txt);
}

/* dns_answer_free - free an answer of any backend; NULL is a no-op */
void
dns_answer_free(struct dns_answer *a)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < a->n; i++)
		dns_rr_clear(&a->rr[i], a->qtype);
	free(a->rr);
	free(a);
}

/* dns_status_name - a short name for logs */
const char *
dns_status_name(enum dns_status st)
{
	switch (st) {
	case DNS_OK:
		return "ok";
	case DNS_NXDOMAIN:
		return "nxdomain";
	case DNS_NODATA:
		return "nodata";
	case DNS_TEMPFAIL:
		return "tempfail";
	case DNS_PERMFAIL:
		return "permfail";
	}
	return "unknown";
}

/* dns_query - ask the session's resolver; always sets *out, returns its status */
int
dns_query(struct dns_session *s, const char *name, int qtype,
    struct dns_answer **out)
{
	char norm[256];
	struct dns_answer *a;
	struct timespec deadline, now;
	uint64_t started;

	if (s == NULL || s->res == NULL) {
		*out = dns_answer_new(DNS_TEMPFAIL, qtype);
		return DNS_TEMPFAIL;
	}
	if (name == NULL || dns_name_normalize(name, norm, sizeof norm) < 0 ||
	    qtype <= 0 || qtype > 65535) {
		*out = dns_answer_new(DNS_PERMFAIL, qtype);
		return DNS_PERMFAIL;
	}
	if (dns_session_expired(s)) {
		s->tempfails++;
		*out = dns_answer_new(DNS_TEMPFAIL, qtype);
		return DNS_TEMPFAIL;
	}
	deadline = ts_add_ms(ts_now(), s->query_timeout_ms ? s->query_timeout_ms :
	    DNS_DEFAULT_TIMEOUT_MS);
	if ((s->deadline.tv_sec != 0 || s->deadline.tv_nsec != 0) &&
	    ts_before(&s->deadline, &deadline))
		deadline = s->deadline;
	s->queries++;
	started = metrics_now();
	a = s->res->ops->query(s->res->be, norm, qtype, &deadline);
	if (a == NULL)
		a = dns_answer_new(DNS_TEMPFAIL, qtype);
	now = ts_now();		/* a timeout: a temporary failure at the deadline */
	metrics_dns_query(started, a->status == DNS_TEMPFAIL &&
	    !ts_before(&now, &deadline));
	a->qtype = qtype;
	if (a->status != DNS_OK) {
		/* a failed answer carries no records */
		size_t i;

		for (i = 0; i < a->n; i++)
			dns_rr_clear(&a->rr[i], qtype);
		free(a->rr);
		a->rr = NULL;
		a->n = 0;
	} else if (a->n == 0)
		a->status = DNS_NODATA;
	if (a->status == DNS_TEMPFAIL)
		s->tempfails++;
	*out = a;
	return a->status;
}

/* dns_wire_name - a dotted name as uncompressed wire labels; length or -1 */
int
dns_wire_name(const char *name, unsigned char *buf, size_t buflen)
{
	size_t len = strlen(name), pos = 0, start, i;

	if (len > 0 && name[len - 1] == '.')
		len--;
	for (start = 0; start < len; start = i + 1) {
		for (i = start; i < len && name[i] != '.'; i++)
			;
		if (i == start || i - start > 63 || pos + 1 + (i - start) + 1 > buflen)
			return -1;
		buf[pos++] = (unsigned char)(i - start);
		memcpy(buf + pos, name + start, i - start);
		pos += i - start;
	}
	if (pos + 1 > buflen || pos + 1 > 255)
		return -1;
	buf[pos++] = 0;
	return (int)pos;
}

/* dns_wire_name_text - an uncompressed wire name as dotted text; bytes used or -1 */
int
dns_wire_name_text(const unsigned char *p, size_t len, char *out, size_t outlen)
{
	size_t pos = 0, o = 0;

	/* label bytes are copied as they are, like the names dns_query() takes; a
	 * label holding '.' or NUL has no such text form and is refused */
	for (;;) {
		size_t l;

		if (pos >= len)
			return -1;
		l = p[pos++];
		if (l == 0)
			break;
		if (l > 63 || pos + l > len)
			return -1;	/* compression pointer or truncated */
		if (memchr(p + pos, '.', l) != NULL || memchr(p + pos, '\0', l) != NULL)
			return -1;
		if (o + (o > 0) + l + 1 > outlen)
			return -1;
		if (o > 0)
			out[o++] = '.';
		memcpy(out + o, p + pos, l);
		o += l;
		pos += l;
	}
	if (outlen == 0)
		return -1;
	out[o] = '\0';
	return (int)pos;
}

/* put16 - append a 16-bit big-endian value */
static int
put16(unsigned char *buf, size_t buflen, size_t *pos, unsigned v)
{
	if (*pos + 2 > buflen)
		return -1;
	buf[(*pos)++] = (unsigned char)(v >> 8);
	buf[(*pos)++] = (unsigned char)v;
	return 0;
}

/* put_bytes - append raw bytes */
static int
put_bytes(unsigned char *buf, size_t buflen, size_t *pos, const void *p, size_t n)
{
	if (*pos + n > buflen)
		return -1;
	memcpy(buf + *pos, p, n);
	*pos += n;
	return 0;
}

/* wire_rdata - append the RDATA of one record */
static int
wire_rdata(const struct dns_rr *rr, int qtype, unsigned char *buf, size_t buflen,
    size_t *pos)
{
	unsigned char name[256];
	int n;
	size_t i, off;

	switch (qtype) {
	case ns_t_a:
		return put_bytes(buf, buflen, pos, &rr->u.a, 4);
	case ns_t_aaaa:
		return put_bytes(buf, buflen, pos, &rr->u.aaaa, 16);
	case ns_t_mx:
		if (put16(buf, buflen, pos, rr->u.mx.pref) < 0 ||
		    (n = dns_wire_name(rr->u.mx.host, name, sizeof name)) < 0)
			return -1;
		return put_bytes(buf, buflen, pos, name, (size_t)n);
	case ns_t_ptr:
	case ns_t_cname:
		if ((n = dns_wire_name(rr->u.host, name, sizeof name)) < 0)
			return -1;
		return put_bytes(buf, buflen, pos, name, (size_t)n);
	case ns_t_txt:
		for (i = 0; i < rr->u.txt.nstrings; i++) {
			const char *s = rr->u.txt.strings[i];
			size_t len = rr->u.txt.lens[i];

			off = 0;
			do {
				size_t chunk = len - off > 255 ? 255 : len - off;
				unsigned char l = (unsigned char)chunk;

				if (put_bytes(buf, buflen, pos, &l, 1) < 0 ||
				    put_bytes(buf, buflen, pos, s + off, chunk) < 0)
					return -1;
				off += chunk;
			} while (off < len);
		}
		return 0;
	}
	return -1;
}

/* dns_answer_wire - synthesize an RFC 1035 response; 0, or -1 if it does not fit */
int
dns_answer_wire(const struct dns_answer *a, const char *qname, int qtype,
    unsigned char *buf, size_t buflen, size_t *outlen)
{
	size_t pos = 0, i, nans = 0, rdlen_at;
	unsigned rcode;
	int n;

	if (a == NULL || qname == NULL || buf == NULL || buflen < 12)
		return -1;
	switch (a->status) {
	case DNS_OK:
	case DNS_NODATA:
		rcode = 0;
		nans = a->status == DNS_OK ? a->n : 0;
		break;
	case DNS_NXDOMAIN:
		rcode = 3;
		break;
	case DNS_TEMPFAIL:
		rcode = 2;
		break;
	default:
		rcode = 5;
		break;
	}
	if (nans > 65535)
		return -1;
	memset(buf, 0, 12);
	buf[2] = 0x81;			/* QR, opcode QUERY, RD */
	buf[3] = (unsigned char)(0x80 | rcode);	/* RA, rcode */
	buf[5] = 1;			/* QDCOUNT */
	buf[6] = (unsigned char)(nans >> 8);
	buf[7] = (unsigned char)nans;
	pos = 12;
	if ((n = dns_wire_name(qname, buf + pos, buflen - pos)) < 0)
		return -1;
	pos += (size_t)n;
	if (put16(buf, buflen, &pos, (unsigned)qtype) < 0 ||
	    put16(buf, buflen, &pos, ns_c_in) < 0)
		return -1;
	for (i = 0; i < nans; i++) {
		const struct dns_rr *rr = &a->rr[i];
		unsigned char fixed[8];
		size_t rdlen;

		if (put16(buf, buflen, &pos, 0xC00C) < 0 ||
		    put16(buf, buflen, &pos, (unsigned)a->qtype) < 0 ||
		    put16(buf, buflen, &pos, ns_c_in) < 0)
			return -1;
		fixed[0] = (unsigned char)(rr->ttl >> 24);
		fixed[1] = (unsigned char)(rr->ttl >> 16);
		fixed[2] = (unsigned char)(rr->ttl >> 8);
		fixed[3] = (unsigned char)rr->ttl;
		if (put_bytes(buf, buflen, &pos, fixed, 4) < 0)
			return -1;
		rdlen_at = pos;
		if (put16(buf, buflen, &pos, 0) < 0 ||
		    wire_rdata(rr, a->qtype, buf, buflen, &pos) < 0)
			return -1;
		rdlen = pos - rdlen_at - 2;
		if (rdlen > 65535)
			return -1;
		buf[rdlen_at] = (unsigned char)(rdlen >> 8);
		buf[rdlen_at + 1] = (unsigned char)rdlen;
	}
	if (outlen != NULL)
		*outlen = pos;
	return 0;
}
