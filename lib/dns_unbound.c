/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dns_unbound.c - the "unbound" DNS backend (production): libunbound, shared cache
 * SYNOPSIS
 *	struct dns_resolver *dns_unbound_open(const struct config *cfg, struct buf *err);
 *	struct dns_resolver *dns_unbound_open_local(const char *const *rrs,
 *	    struct buf *err);
 *	unsigned long dns_unbound_cache_hits(struct dns_resolver *r);
 *	void dns_unbound_cache_limit(struct dns_resolver *r, size_t max);
 *	void dns_unbound_cache_advance(struct dns_resolver *r, unsigned seconds);
 * DESCRIPTION
 *	One ub_ctx per resolver, in libunbound's thread mode (ub_ctx_async 1); its cache
 *	is shared by every message. Nothing is read implicitly: no /etc/resolv.conf, no
 *	/etc/hosts. DNSForwarders words ("ADDR" or "ADDR@PORT") become ub_ctx_set_fwd();
 *	with none, libunbound recurses from its built-in root hints. DNSTrustAnchorFile
 *	turns on DNSSEC validation (ub_ctx_add_ta_file): answers then carry
 *	DNSSEC_SECURE/INSECURE, and a bogus answer is DNS_TEMPFAIL with DNSSEC_BOGUS.
 *
 *	One dispatcher thread polls ub_fd() and runs ub_process(), which calls back into
 *	this file. A caller starts ub_resolve_async() and waits on the query's own
 *	condition variable (CLOCK_MONOTONIC) until its deadline: the query timeout
 *	bounded by the session deadline. On timeout the caller marks the query abandoned
 *	(under the backend mutex) and calls ub_cancel(). In thread mode libunbound takes
 *	a query out of its table before it runs the callback, so ub_cancel() succeeds
 *	exactly when the callback will never run: then the caller frees the query;
 *	otherwise the callback (running or about to) finds it abandoned and frees it.
 *	Abandoned queries sit on a list so that dns_resolver_free() can free those whose
 *	callback never came because ub_ctx_delete() dropped them.
 *
 *	Result mapping (LIBRARIES.md 6.2): err != 0, SERVFAIL or other rcodes ->
 *	DNS_TEMPFAIL; FORMERR, NOTIMP, REFUSED -> DNS_PERMFAIL; nxdomain -> DNS_NXDOMAIN;
 *	no data -> DNS_NODATA. RDATA is decoded from result->data (TXT length-prefixed
 *	strings, MX preference + name, PTR/CNAME names as dotted text of the raw label
 *	bytes); malformed RDATA, or a name with '.' or NUL inside a label, is skipped. CNAMEs are followed by libunbound.
 *
 *	Answer cache: in front of libunbound, so that a repeated question costs no
 *	thread hand-off. Key (normalized name, qtype); value a deep copy of the answer
 *	(records in order, TXT strings, sec). DNS_OK is kept for the smallest record
 *	TTL, at most 300 s; NXDOMAIN/NODATA for the negative TTL libunbound reports, at
 *	most 60 s; TEMPFAIL, PERMFAIL (and so BOGUS) and TTL 0 never. A hit returns a
 *	fresh copy, exactly the answer that was stored (TTLs as first received). One
 *	mutex guards a hash table of at most CACHE_MAX entries, kept in insertion order:
 *	a full cache drops its oldest entry; expired entries go when met. Times are
 *	CLOCK_MONOTONIC. The cache belongs to the resolver and goes with it.
 *	dns_unbound_cache_hits/limit/advance are for tests: the number of hits, the
 *	capacity (0 turns the cache off), and a shift of the cache's clock.
 *
 *	Outage detector (lib/dns_outage.c): a query that got no answer within most
 *	of its DNSTimeout is noted as a timeout, one answered (OK, NXDOMAIN, NODATA,
 *	PERMFAIL) as an answer; SERVFAIL and bogus answers count as neither. While
 *	the detector holds the resolver for down, a query missing the cache fails
 *	at once. Its probe is ub_probe(): an A query for a fresh random name at the
 *	root, not cached.
 *
 *	dns_unbound_open_local() is for tests: a static root zone holding only the given
 *	records (ub_ctx_data_add syntax), so the real code path runs without a network.
 *	dns_resolver_free() must not run while queries are in progress.
 */
#include "autoconf.h"

#include <arpa/nameser.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <unbound.h>

#include "config.h"
#include "dns.h"
#include "dns_int.h"
#include "dns_outage.h"
#include "log.h"
#include "util.h"

struct ubres;

struct ubq {
	struct ubres *b;
	struct ubq *prev, *next;	/* on the abandoned list */
	pthread_cond_t cv;
	bool done;
	bool abandoned;
	int err;
	struct ub_result *res;
};

#define CACHE_MAX	8192
#define CACHE_BUCKETS	16384		/* power of two */
#define CACHE_TTL_MAX	300
#define CACHE_NEG_MAX	60

struct centry {
	struct centry *hnext;		/* bucket chain */
	struct centry *older, *newer;	/* insertion order */
	uint64_t hash;
	int qtype;
	int64_t expires;		/* ns, CLOCK_MONOTONIC + skew */
	struct dns_answer *a;
	char name[];
};

struct acache {
	pthread_mutex_t mu;
	struct centry **bucket;
	struct centry *oldest, *newest;
	size_t n, max;
	int64_t skew;			/* ns added to the clock (tests) */
	unsigned long hits;
};

struct ubres {
	struct acache cache;
	struct ub_ctx *ctx;
	pthread_mutex_t mu;
	pthread_condattr_t cattr;
	pthread_t thread;
	bool thread_started;
	int stop[2];
	struct ubq *abandoned;
	bool validating;
	struct dns_outage *outage;
	unsigned timeout_ms;		/* DNSTimeout, for the detector */
};

static struct dns_answer *ub_query(void *be, const char *name, int qtype,
    const struct timespec *deadline);
static void ub_destroy(void *be);

static const struct dns_ops unbound_ops = { "unbound", ub_query, ub_destroy };

/* ubq_free - free a query and whatever result it holds */
static void
ubq_free(struct ubq *q)
{
	pthread_cond_destroy(&q->cv);
	if (q->res != NULL)
		ub_resolve_free(q->res);
	free(q);
}

/* cache_now - the cache's clock in ns: CLOCK_MONOTONIC plus the test skew */
static int64_t
cache_now(const struct acache *c)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec + c->skew;
}

/* cache_hash - FNV-1a of the name and the type */
static uint64_t
cache_hash(const char *name, int qtype)
{
	uint64_t h = 14695981039346656037ULL;
	const unsigned char *p;

	for (p = (const unsigned char *)name; *p != '\0'; p++)
		h = (h ^ *p) * 1099511628211ULL;
	h = (h ^ (unsigned)(qtype & 0xff)) * 1099511628211ULL;
	h = (h ^ (unsigned)((qtype >> 8) & 0xff)) * 1099511628211ULL;
	return h;
}

/* answer_dup - a deep copy of an answer: status, type, sec, records in order */
static struct dns_answer *
answer_dup(const struct dns_answer *a)
{
	struct dns_answer *d = dns_answer_new(a->status, a->qtype);
	size_t i;

	d->sec = a->sec;
	for (i = 0; i < a->n; i++)
		dns_rr_copy(dns_answer_add(d), &a->rr[i], a->qtype);
	return d;
}

/* cache_init - an empty cache of CACHE_MAX entries */
static void
cache_init(struct acache *c)
{
	pthread_mutex_init(&c->mu, NULL);
	c->bucket = xcalloc(CACHE_BUCKETS, sizeof *c->bucket);
	c->max = CACHE_MAX;
}

/* cache_drop - unlink an entry from its bucket and the order list, free it
 * (mutex held) */
static void
cache_drop(struct acache *c, struct centry *e)
{
	struct centry **pp = &c->bucket[e->hash & (CACHE_BUCKETS - 1)];

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	if (e->older != NULL)
		e->older->newer = e->newer;
	else
		c->oldest = e->newer;
	if (e->newer != NULL)
		e->newer->older = e->older;
	else
		c->newest = e->older;
	c->n--;
	dns_answer_free(e->a);
	free(e);
}

/* cache_find - the entry for (name, qtype), or NULL (mutex held) */
static struct centry *
cache_find(struct acache *c, const char *name, int qtype, uint64_t h)
{
	struct centry *e;

	for (e = c->bucket[h & (CACHE_BUCKETS - 1)]; e != NULL; e = e->hnext)
		if (e->hash == h && e->qtype == qtype && strcmp(e->name, name) == 0)
			return e;
	return NULL;
}

/* cache_get - a fresh copy of the cached answer, or NULL; drops an expired one */
static struct dns_answer *
cache_get(struct acache *c, const char *name, int qtype)
{
	uint64_t h = cache_hash(name, qtype);
	struct dns_answer *a = NULL;
	struct centry *e;

	pthread_mutex_lock(&c->mu);
	if (c->bucket != NULL && (e = cache_find(c, name, qtype, h)) != NULL) {
		if (e->expires > cache_now(c)) {
			a = answer_dup(e->a);
			c->hits++;
		} else
			cache_drop(c, e);
	}
	pthread_mutex_unlock(&c->mu);
	return a;
}

/* cache_ttl - how long an answer may be kept (s), from the TTL libunbound gave for
 * a negative answer; 0: never */
static uint32_t
cache_ttl(const struct dns_answer *a, uint32_t negttl)
{
	uint32_t ttl = CACHE_TTL_MAX;
	size_t i;

	switch (a->status) {
	case DNS_OK:
		for (i = 0; i < a->n; i++)
			if (a->rr[i].ttl < ttl)
				ttl = a->rr[i].ttl;
		return a->n > 0 ? ttl : 0;
	case DNS_NXDOMAIN:
	case DNS_NODATA:
		return negttl < CACHE_NEG_MAX ? negttl : CACHE_NEG_MAX;
	default:
		return 0;
	}
}

/* cache_put - keep a copy of a for ttl seconds (replacing an older entry for the
 * same question); a full cache drops its oldest entry first */
static void
cache_put(struct acache *c, const char *name, int qtype, const struct dns_answer *a,
    uint32_t ttl)
{
	uint64_t h = cache_hash(name, qtype);
	size_t len = strlen(name);
	struct centry *e, *old;
	struct centry **head;

	if (ttl == 0 || a->sec == DNSSEC_BOGUS)
		return;
	e = xcalloc(1, sizeof *e + len + 1);
	memcpy(e->name, name, len + 1);
	e->hash = h;
	e->qtype = qtype;
	e->a = answer_dup(a);
	pthread_mutex_lock(&c->mu);
	if (c->bucket == NULL || c->max == 0) {
		pthread_mutex_unlock(&c->mu);
		dns_answer_free(e->a);
		free(e);
		return;
	}
	e->expires = cache_now(c) + (int64_t)ttl * 1000000000;
	if ((old = cache_find(c, name, qtype, h)) != NULL)
		cache_drop(c, old);
	while (c->n >= c->max && c->oldest != NULL)
		cache_drop(c, c->oldest);
	head = &c->bucket[h & (CACHE_BUCKETS - 1)];
	e->hnext = *head;
	*head = e;
	e->older = c->newest;
	if (c->newest != NULL)
		c->newest->newer = e;
	else
		c->oldest = e;
	c->newest = e;
	c->n++;
	pthread_mutex_unlock(&c->mu);
}

/* cache_free - every entry, the table and the mutex */
static void
cache_free(struct acache *c)
{
	if (c->bucket == NULL)
		return;
	while (c->oldest != NULL)
		cache_drop(c, c->oldest);
	free(c->bucket);
	c->bucket = NULL;
	pthread_mutex_destroy(&c->mu);
}

/* unlink_abandoned - take q off the abandoned list (mutex held) */
static void
unlink_abandoned(struct ubres *b, struct ubq *q)
{
	if (q->prev != NULL)
		q->prev->next = q->next;
	else
		b->abandoned = q->next;
	if (q->next != NULL)
		q->next->prev = q->prev;
	q->prev = q->next = NULL;
}

/* ub_callback - libunbound delivers a result (dispatcher thread) */
static void
ub_callback(void *arg, int err, struct ub_result *res)
{
	struct ubq *q = arg;
	struct ubres *b = q->b;
	bool abandoned;

	pthread_mutex_lock(&b->mu);
	abandoned = q->abandoned;
	if (abandoned)
		unlink_abandoned(b, q);
	else {
		q->err = err;
		q->res = res;
		q->done = true;
		pthread_cond_signal(&q->cv);
	}
	pthread_mutex_unlock(&b->mu);
	if (abandoned) {
		if (res != NULL)
			ub_resolve_free(res);
		ubq_free(q);
	}
}

/* dispatcher - poll libunbound's result pipe and run the callbacks */
static void *
dispatcher(void *arg)
{
	struct ubres *b = arg;
	struct pollfd pfd[2];
	int rc;

	for (;;) {
		pfd[0].fd = ub_fd(b->ctx);
		pfd[0].events = POLLIN;
		pfd[1].fd = b->stop[0];
		pfd[1].events = POLLIN;
		pfd[0].revents = pfd[1].revents = 0;
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_msg(LOG_ERR, "dns: unbound dispatcher poll: %s", strerror(errno));
			break;
		}
		if (pfd[1].revents != 0)
			break;
		if (pfd[0].revents != 0 && (rc = ub_process(b->ctx)) != 0) {
			log_msg(LOG_ERR, "dns: ub_process: %s", ub_strerror(rc));
			break;
		}
	}
	return NULL;
}

/* rdata_txt - decode length-prefixed character-strings into rr; -1 if malformed */
static int
rdata_txt(struct dns_rr *rr, const unsigned char *p, size_t len)
{
	const char **strs = NULL;
	size_t *lens = NULL, n = 0, off = 0;

	while (off < len) {
		size_t l = p[off];

		if (off + 1 + l > len) {
			free(strs);
			free(lens);
			return -1;
		}
		strs = xreallocarray(strs, n + 1, sizeof *strs);
		lens = xreallocarray(lens, n + 1, sizeof *lens);
		strs[n] = (const char *)p + off + 1;
		lens[n++] = l;
		off += 1 + l;
	}
	if (n == 0) {
		free(strs);
		free(lens);
		return -1;
	}
	dns_rr_set_txt(rr, strs, lens, n);
	free(strs);
	free(lens);
	return 0;
}

/* rdata_decode - one RDATA of type qtype into rr; -1 if malformed */
static int
rdata_decode(struct dns_rr *rr, int qtype, const unsigned char *p, size_t len)
{
	int n;

	switch (qtype) {
	case ns_t_a:
		if (len != 4)
			return -1;
		memcpy(&rr->u.a, p, 4);
		return 0;
	case ns_t_aaaa:
		if (len != 16)
			return -1;
		memcpy(&rr->u.aaaa, p, 16);
		return 0;
	case ns_t_mx:
		if (len < 3)
			return -1;
		rr->u.mx.pref = (uint16_t)(p[0] << 8 | p[1]);
		n = dns_wire_name_text(p + 2, len - 2, rr->u.mx.host, sizeof rr->u.mx.host);
		return n < 0 || (size_t)n != len - 2 ? -1 : 0;
	case ns_t_ptr:
	case ns_t_cname:
		n = dns_wire_name_text(p, len, rr->u.host, sizeof rr->u.host);
		return n < 0 || (size_t)n != len ? -1 : 0;
	case ns_t_txt:
		return rdata_txt(rr, p, len);
	}
	return -1;
}

/* convert - a libunbound result as our answer */
static struct dns_answer *
convert(const struct ubres *b, int qtype, int err, const struct ub_result *res,
    uint32_t *ttlp)
{
	struct dns_answer *a;
	size_t i;

	*ttlp = 0;
	if (err != 0 || res == NULL)
		return dns_answer_new(err == UB_SYNTAX ? DNS_PERMFAIL : DNS_TEMPFAIL, qtype);
	a = dns_answer_new(DNS_NODATA, qtype);
	if (res->secure)
		a->sec = DNSSEC_SECURE;
	else if (res->bogus)
		a->sec = DNSSEC_BOGUS;
	else
		a->sec = b->validating ? DNSSEC_INSECURE : DNSSEC_UNKNOWN;
	if (res->bogus) {
		a->status = DNS_TEMPFAIL;
		return a;
	}
	*ttlp = res->ttl > 0 ? (uint32_t)res->ttl : 0;
	switch (res->rcode) {
	case ns_r_noerror:
		break;
	case ns_r_nxdomain:
		a->status = DNS_NXDOMAIN;
		return a;
	case ns_r_formerr:
	case ns_r_notimpl:
	case ns_r_refused:
		a->status = DNS_PERMFAIL;
		return a;
	default:
		a->status = DNS_TEMPFAIL;
		return a;
	}
	if (res->nxdomain) {
		a->status = DNS_NXDOMAIN;
		return a;
	}
	if (!res->havedata || res->data == NULL)
		return a;
	for (i = 0; res->data[i] != NULL; i++) {
		struct dns_rr *rr = dns_answer_add(a);

		rr->ttl = res->ttl > 0 ? (uint32_t)res->ttl : 0;
		if (res->len[i] < 0 || rdata_decode(rr, qtype,
		    (const unsigned char *)res->data[i], (size_t)res->len[i]) < 0) {
			dns_rr_clear(rr, qtype);
			a->n--;		/* skip malformed RDATA */
		}
	}
	if (a->n > 0)
		a->status = DNS_OK;
	return a;
}

/* ub_ask - one asynchronous query waited for until the deadline; NULL on timeout;
 * *ttlp: the result's TTL */
static struct dns_answer *
ub_ask(struct ubres *b, const char *name, int qtype, const struct timespec *deadline,
    int *rcp, uint32_t *ttlp)
{
	struct ubq *q;
	struct dns_answer *a;
	int id = 0;

	q = xcalloc(1, sizeof *q);
	q->b = b;
	pthread_cond_init(&q->cv, &b->cattr);
	if ((*rcp = ub_resolve_async(b->ctx, name, qtype, ns_c_in, q, ub_callback,
	    &id)) != 0) {
		ubq_free(q);
		return NULL;
	}
	pthread_mutex_lock(&b->mu);
	while (!q->done)
		if (pthread_cond_timedwait(&q->cv, &b->mu, deadline) == ETIMEDOUT)
			break;
	if (!q->done) {
		/* give up: whoever comes last (cancel or callback) frees q */
		q->abandoned = true;
		q->next = b->abandoned;
		if (q->next != NULL)
			q->next->prev = q;
		b->abandoned = q;
		pthread_mutex_unlock(&b->mu);
		if (ub_cancel(b->ctx, id) == 0) {
			pthread_mutex_lock(&b->mu);
			unlink_abandoned(b, q);
			pthread_mutex_unlock(&b->mu);
			ubq_free(q);
		}
		return NULL;
	}
	pthread_mutex_unlock(&b->mu);
	a = convert(b, qtype, q->err, q->res, ttlp);
	ubq_free(q);
	return a;
}

/* escape_name - a name as libunbound's text form: every label byte taken literally */
static void
escape_name(const char *name, char *out, size_t outlen)
{
	size_t o = 0;
	const unsigned char *p;

	for (p = (const unsigned char *)name; *p != '\0' && o + 5 < outlen; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		    *p == '_' || *p == '.' || (*p == '*' && (p[1] == '.' || p[1] == '\0')))
			out[o++] = (char)*p;
		else
			o += (size_t)snprintf(out + o, outlen - o, "\\%03u", *p);
	}
	out[o] = '\0';
}

/* ms_since - milliseconds from t0 to now (CLOCK_MONOTONIC) */
static long long
ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)(t.tv_sec - t0->tv_sec) * 1000 +
	    (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* ub_probe - the outage detector's probe: does a random name get any answer? */
static bool
ub_probe(void *arg, unsigned ms)
{
	struct ubres *b = arg;
	struct dns_answer *a;
	struct timespec dl;
	char name[64];
	uint32_t ttl;
	bool ok;
	int rc = 0;

	snprintf(name, sizeof name, "mailauth-probe-%08x%08x", arc4random(),
	    arc4random());
	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl = ts_add_ms(dl, ms);
	a = ub_ask(b, name, ns_t_a, &dl, &rc, &ttl);
	ok = a != NULL && a->status != DNS_TEMPFAIL;
	dns_answer_free(a);
	return ok;
}

/* ub_query - the backend's query operation */
static struct dns_answer *
ub_query(void *be, const char *name, int qtype, const struct timespec *deadline)
{
	struct ubres *b = be;
	struct dns_answer *a;
	struct timespec t0;
	char text[253 * 4 + 2];
	uint32_t ttl = 0;
	int rc = 0;

	if ((a = cache_get(&b->cache, name, qtype)) != NULL)
		return a;
	if (dns_outage_fail_fast(b->outage))
		return dns_answer_new(DNS_TEMPFAIL, qtype);
	escape_name(name, text, sizeof text);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((a = ub_ask(b, text, qtype, deadline, &rc, &ttl)) != NULL) {
		if (a->status != DNS_TEMPFAIL)
			dns_outage_note(b->outage, name, true);
		cache_put(&b->cache, name, qtype, a, cache_ttl(a, ttl));
		return a;
	}
	/* no answer: a timeout if the wait was (most of) a whole DNSTimeout, not
	 * a wait the session deadline cut short */
	if (rc == 0 && ms_since(&t0) >= (long long)b->timeout_ms * 3 / 4)
		dns_outage_note(b->outage, name, false);
	if (rc != 0)
		log_msg(LOG_WARNING, "dns: ub_resolve_async %s: %s", text, ub_strerror(rc));
	return dns_answer_new(rc == UB_SYNTAX ? DNS_PERMFAIL : DNS_TEMPFAIL, qtype);
}

/* ub_destroy - stop the dispatcher, delete the context, free abandoned queries */
static void
ub_destroy(void *be)
{
	struct ubres *b = be;
	struct ubq *q, *next;

	if (b->thread_started) {
		if (write(b->stop[1], "x", 1) < 0)
			log_msg(LOG_ERR, "dns: cannot stop the dispatcher: %s", strerror(errno));
		pthread_join(b->thread, NULL);
	}
	if (b->ctx != NULL)
		ub_ctx_delete(b->ctx);
	for (q = b->abandoned; q != NULL; q = next) {
		next = q->next;
		ubq_free(q);
	}
	if (b->stop[0] >= 0)
		close(b->stop[0]);
	if (b->stop[1] >= 0)
		close(b->stop[1]);
	pthread_condattr_destroy(&b->cattr);
	pthread_mutex_destroy(&b->mu);
	cache_free(&b->cache);
	dns_outage_free(b->outage);
	free(b);
}

/* ub_new - a context in thread mode, nothing configured yet; timeout_ms is
 * DNSTimeout (0: 5 s) for the outage detector */
static struct ubres *
ub_new(unsigned timeout_ms, struct buf *err)
{
	struct ubres *b = xcalloc(1, sizeof *b);
	int rc;

	b->stop[0] = b->stop[1] = -1;
	b->timeout_ms = timeout_ms > 0 ? timeout_ms : DNS_DEFAULT_TIMEOUT_MS;
	b->outage = dns_outage_new(ub_probe, b, b->timeout_ms);
	cache_init(&b->cache);
	pthread_mutex_init(&b->mu, NULL);
	pthread_condattr_init(&b->cattr);
	pthread_condattr_setclock(&b->cattr, CLOCK_MONOTONIC);
	if ((b->ctx = ub_ctx_create()) == NULL) {
		buf_adds(err, "dns: ub_ctx_create failed\n");
		goto fail;
	}
	if ((rc = ub_ctx_async(b->ctx, 1)) != 0) {
		buf_printf(err, "dns: ub_ctx_async: %s\n", ub_strerror(rc));
		goto fail;
	}
	return b;
fail:
	ub_destroy(b);
	return NULL;
}

/* ub_start - start the dispatcher, then a first query to load and check the
 * configuration; libunbound starts its own thread then, with our signals blocked */
static struct dns_resolver *
ub_start(struct ubres *b, struct buf *err)
{
	sigset_t all, old;
	struct timespec dl;
	struct dns_answer *a;
	uint32_t ttl;
	int rc;

	if (pipe(b->stop) < 0) {
		buf_printf(err, "dns: pipe: %s\n", strerror(errno));
		b->stop[0] = b->stop[1] = -1;
		ub_destroy(b);
		return NULL;
	}
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	if ((rc = pthread_create(&b->thread, NULL, dispatcher, b)) != 0) {
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		buf_printf(err, "dns: cannot start the dispatcher: %s\n", strerror(rc));
		ub_destroy(b);
		return NULL;
	}
	b->thread_started = true;
	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl.tv_sec += 5;
	rc = 0;
	a = ub_ask(b, "localhost", ns_t_a, &dl, &rc, &ttl);	/* a built-in local zone */
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	dns_answer_free(a);
	if (rc != 0) {
		buf_printf(err, "dns: libunbound refuses the configuration: %s\n",
		    ub_strerror(rc));
		ub_destroy(b);
		return NULL;
	}
	return dns_resolver_new(&unbound_ops, b);
}

/* dns_unbound_open - the production resolver configured by DNSForwarders etc. */
struct dns_resolver *
dns_unbound_open(const struct config *cfg, struct buf *err)
{
	struct ubres *b;
	size_t i;
	int rc, errors = 0;

	if ((b = ub_new(cfg->dns_timeout * 1000, err)) == NULL)
		return NULL;
	for (i = 0; cfg->dns_forwarders != NULL && cfg->dns_forwarders[i] != NULL; i++) {
		const char *fwd = cfg->dns_forwarders[i];

		if (fwd[0] == '\0')
			continue;
		if ((rc = ub_ctx_set_fwd(b->ctx, fwd)) != 0) {
			buf_printf(err, "DNSForwarders: bad address \"%s\": %s\n", fwd,
			    ub_strerror(rc));
			errors++;
		}
	}
	if (cfg->dns_trust_anchor != NULL && cfg->dns_trust_anchor[0] != '\0') {
		if (access(cfg->dns_trust_anchor, R_OK) < 0) {
			buf_printf(err, "DNSTrustAnchorFile %s: %s\n", cfg->dns_trust_anchor,
			    strerror(errno));
			errors++;
		} else if ((rc = ub_ctx_add_ta_file(b->ctx, cfg->dns_trust_anchor)) != 0) {
			buf_printf(err, "DNSTrustAnchorFile %s: %s\n", cfg->dns_trust_anchor,
			    ub_strerror(rc));
			errors++;
		} else
			b->validating = true;
	}
	if (errors > 0) {
		ub_destroy(b);
		return NULL;
	}
	return ub_start(b, err);
}

/* dns_unbound_open_local - tests only: answers from the given records, no network */
struct dns_resolver *
dns_unbound_open_local(const char *const *rrs, struct buf *err)
{
	struct ubres *b;
	size_t i;
	int rc;

	if ((b = ub_new(0, err)) == NULL)
		return NULL;
	if ((rc = ub_ctx_zone_add(b->ctx, ".", "static")) != 0) {
		buf_printf(err, "dns: ub_ctx_zone_add: %s\n", ub_strerror(rc));
		ub_destroy(b);
		return NULL;
	}
	for (i = 0; rrs != NULL && rrs[i] != NULL; i++)
		if ((rc = ub_ctx_data_add(b->ctx, rrs[i])) != 0) {
			buf_printf(err, "dns: ub_ctx_data_add \"%s\": %s\n", rrs[i],
			    ub_strerror(rc));
			ub_destroy(b);
			return NULL;
		}
	return ub_start(b, err);
}

/* unbound_cache - the cache of an unbound resolver, or NULL for another backend */
static struct acache *
unbound_cache(struct dns_resolver *r)
{
	if (r == NULL || r->ops != &unbound_ops)
		return NULL;
	return &((struct ubres *)r->be)->cache;
}

/* dns_unbound_cache_hits - tests only: answers served from the cache so far */
unsigned long
dns_unbound_cache_hits(struct dns_resolver *r)
{
	struct acache *c = unbound_cache(r);
	unsigned long n;

	if (c == NULL)
		return 0;
	pthread_mutex_lock(&c->mu);
	n = c->hits;
	pthread_mutex_unlock(&c->mu);
	return n;
}

/* dns_unbound_cache_limit - tests only: at most max entries (0: off), dropping the
 * oldest beyond that */
void
dns_unbound_cache_limit(struct dns_resolver *r, size_t max)
{
	struct acache *c = unbound_cache(r);

	if (c == NULL)
		return;
	pthread_mutex_lock(&c->mu);
	c->max = max;
	while (c->n > c->max && c->oldest != NULL)
		cache_drop(c, c->oldest);
	pthread_mutex_unlock(&c->mu);
}

/* dns_unbound_cache_advance - tests only: move the cache's clock forward */
void
dns_unbound_cache_advance(struct dns_resolver *r, unsigned seconds)
{
	struct acache *c = unbound_cache(r);

	if (c == NULL)
		return;
	pthread_mutex_lock(&c->mu);
	c->skew += (int64_t)seconds * 1000000000;
	pthread_mutex_unlock(&c->mu);
}
