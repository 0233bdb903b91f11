/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * arc.c - ARC chain validation (RFC 8617 section 5.2), see arc.h
 *
 * Owns the chain: which header fields are ARC fields and of which instance, the
 * structure rules, the order of the validator actions, the AMS header hash (h=
 * selection bottom-up, RFC 6376 5.4.2) and the AS hash (every set from 1 to i, in
 * the order AAR, AMS, AS, relaxed, RFC 8617 5.1.1), the key cache of one message.
 * The primitives (tag-list, canonicalization, key records, RSA) are lib/arc_sig.c;
 * body hashes are lib/dkim_body.c, one state per (canonicalization, l=).
 *
 * Validator actions, as numbered in RFC 8617 5.2:
 *   1. no ARC field: none. An instance outside 1..50 (more than 50 sets): fail.
 *   2. the newest ARC-Seal says cv=fail: fail.
 *   3. every instance 1..N has exactly one AAR, one AMS and one AS; cv=none at 1,
 *      cv=pass above; anything else (gaps, duplicates, an ARC field whose
 *      instance cannot be read): fail.
 *   4. the newest AMS must validate: else fail.
 *   5. oldest-pass: older AMSs from N-1 down; the first that fails at M gives
 *      M+1, all validating give 0. Undetermined (-1) when a key lookup failed
 *      temporarily or more than ARC_BODY_STATES distinct body states would be
 *      needed (a hostile chain could otherwise make us hash the body 50 times).
 *   6. every AS from N down to 1 must validate: else fail.
 *   7. pass.
 * Decisions where RFC 8617 leaves room or imports RFC 6376:
 *   - Algorithms: rsa-sha256 only. RFC 8617 defines ARC with one signing
 *     algorithm; using others needs the parallel sets of the ARC multi-algorithm
 *     draft, never published, whose rules we do not implement. So ed25519-sha256
 *     (RFC 8463, DKIM only) and rsa-sha1 (RFC 8301) are fail.
 *   - RFC 8617 5.2.1: every error is permanent, DNS failures included, so a key
 *     lookup that fails temporarily gives fail; we mark it temporary.
 *   - An AMS whose h= names ARC-Seal is fail (RFC 8617 4.1.2 forbids ARC fields
 *     in h=; an AS is always added after its AMS, so such a signature cannot be
 *     what the sealer meant). h= naming AMS or AAR is hashed as listed (the
 *     test suite's reading); h= need not name From (the AMS is no DKIM-Signature:
 *     RFC 6376 5.4's From rule protects the author identity, which ARC does not
 *     claim). Empty names in h= select nothing.
 *   - t= (AMS and AS) must be digits when present; a t= more than ClockDrift in
 *     the future is fail (RFC 6376 3.5 lets verifiers ignore such signatures);
 *     old timestamps are fine: ARC sets are verified long after sealing, and the
 *     test suite's t=12345 is 1970. AMS x= (imported from DKIM) in the past
 *     beyond ClockDrift is fail. AS tags other than a, b, cv, d, i, s, t are
 *     ignored, except h=, which is fail (RFC 8617 4.1.3).
 *   - RSA keys below MinimumKeyBits are fail (the DKIM minimum, RFC 8301 3.2).
 *   - An AMS whose h= names more than MaximumSignedFields fields is fail (the
 *     DKIM bound): each name is looked for among all kept fields, and 500000
 *     names over 4000 fields cost seconds of CPU before any key is fetched.
 *   - Bounds for hostile chains (RFC 8617 9: more DNS lookups and signature
 *     evaluations): each key (s=, d=) is looked up once per message, at most
 *     ARC_MAX_KEYS distinct ones (a further one is fail, "more than 32 distinct
 *     keys": a real chain of 50 sets has far fewer sealers); at most
 *     ARC_BODY_STATES body hash states; header fields kept as arc.h says.
 */
#include "autoconf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arc.h"
#include "arc_sig.h"
#include "b64.h"
#include "dkim_body.h"
#include "util.h"

#define K_AAR		ARC_AAR
#define K_AMS		ARC_AMS
#define K_AS		ARC_AS
#define MAX_FIELDS	4000		/* header fields kept while ARC fields exist */
#define ARC_BODY_STATES	8		/* distinct body hash states at most */
#define MAX_SIG		1024		/* decoded b= bytes (8192-bit RSA) */
#define MAX_NAME	253
#define ARC_MAX_KEYS	32		/* distinct key lookups per message */

struct field {
	char *text;			/* "Name:value", CRLF folding, no final CRLF */
	size_t len;
	size_t nlen;			/* name length */
};

struct keyent {
	char sel[MAX_NAME + 1], dom[MAX_NAME + 1];
	int st;				/* 0 key, 1 temporary failure, -1 permanent,
					   2 over ARC_MAX_KEYS */
	struct arc_key key;
	char why[200];
};

struct bstate {
	enum dkb_canon canon;
	long long limit;
};

struct ams {
	struct arc_tags t;
	const struct arc_tag *b, *bh, *h;
	char d[MAX_NAME + 1], s[MAX_NAME + 1];
	bool hrelaxed, brelaxed;
	long long l;			/* -1: no l= */
};

enum vres { V_PASS, V_FAIL, V_TEMP, V_LIMIT };	/* LIMIT: ARC_MAX_KEYS reached */

struct arc_msg {
	unsigned min_bits, drift, max_names;
	struct field *f;
	size_t nf, cap, bytes;
	bool overflow;
	unsigned narc;			/* ARC fields seen */
	int at[3][ARC_MAX_SETS + 1];	/* field index per kind and instance, -1 none */
	bool dup[3][ARC_MAX_SETS + 1];
	bool bad;			/* an ARC field without a usable instance */
	char bad_why[160];
	unsigned n;
	bool eoh_done, decided, body_final;
	struct dkb *body;
	int sink[ARC_MAX_SETS + 1];	/* body state of each AMS, -1 none */
	struct bstate bs[ARC_BODY_STATES];
	size_t nbs;
	struct keyent *keys;
	size_t nkeys;
	struct keyent over;		/* the answer past ARC_MAX_KEYS */
	struct arc_result res;
};

static const char *const kind_name[3] = {
	"ARC-Authentication-Results", "ARC-Message-Signature", "ARC-Seal"
};

/* arc_cv_name - RFC 8617 chain validation status word */
const char *
arc_cv_name(enum arc_cv cv)
{
	switch (cv) {
	case ARC_PASS:
		return "pass";
	case ARC_FAIL:
		return "fail";
	default:
		return "none";
	}
}

/* arc_msg_new - state for one message */
struct arc_msg *
arc_msg_new(const struct config *cfg)
{
	struct arc_msg *m = xcalloc(1, sizeof *m);

	m->min_bits = cfg != NULL ? cfg->dkim_min_key_bits : 1024;
	m->drift = cfg != NULL ? cfg->dkim_clock_drift : 300;
	m->max_names = cfg != NULL ? cfg->dkim_max_signed : 100;
	memset(m->at, -1, sizeof m->at);
	for (size_t i = 0; i <= ARC_MAX_SETS; i++)
		m->sink[i] = -1;
	m->res.oldest_pass = -1;
	return m;
}

/* free_fields - drop the kept header fields */
static void
free_fields(struct arc_msg *m)
{
	for (size_t i = 0; i < m->nf; i++)
		free(m->f[i].text);
	free(m->f);
	m->f = NULL;
	m->nf = m->cap = 0;
}

void
arc_msg_free(struct arc_msg *m)
{
	if (m == NULL)
		return;
	free_fields(m);
	dkb_free(m->body);
	for (size_t i = 0; i < m->nkeys; i++)
		arc_key_clear(&m->keys[i].key);
	free(m->keys);
	free(m);
}

const struct arc_result *
arc_result(const struct arc_msg *m)
{
	return &m->res;
}

/* decide - the chain's final state */
static void
decide(struct arc_msg *m, enum arc_cv cv, const char *fmt, ...) PRINTF_LIKE(3, 4);

static void
decide(struct arc_msg *m, enum arc_cv cv, const char *fmt, ...)
{
	va_list ap;

	m->res.cv = cv;
	m->res.reason[0] = '\0';
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(m->res.reason, sizeof m->res.reason, fmt, ap);
		va_end(ap);
	}
	if (cv != ARC_PASS)
		m->res.oldest_pass = -1;
	m->decided = true;
}

/* skip_cfws - blanks, line ends and (nested) comments */
static size_t
skip_cfws(const char *s, size_t len, size_t i)
{
	while (i < len) {
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n') {
			i++;
		} else if (s[i] == '(') {
			int depth = 0;

			for (; i < len; i++) {
				if (s[i] == '\\' && i + 1 < len)
					i++;
				else if (s[i] == '(')
					depth++;
				else if (s[i] == ')' && --depth == 0)
					break;
			}
			if (i >= len)
				return len;
			i++;
		} else {
			break;
		}
	}
	return i;
}

/* position - RFC 8617 "position" (1*2DIGIT, 1-50) of a tag value; -1 if not */
static int
position(const char *v, size_t n)
{
	if (n == 0 || n > 2 || !isdigit((unsigned char)v[0]) ||
	    (n == 2 && !isdigit((unsigned char)v[1])))
		return -1;
	return n == 1 ? v[0] - '0' : (v[0] - '0') * 10 + (v[1] - '0');
}

/* aar_instance - "i=N;" at the start of an AAR value (RFC 8617 4.1.1), -1 if not */
static int
aar_instance(const char *v, size_t len)
{
	size_t i = skip_cfws(v, len, 0), ds;

	if (i >= len || v[i] != 'i')
		return -1;
	i = skip_cfws(v, len, i + 1);
	if (i >= len || v[i] != '=')
		return -1;
	i = skip_cfws(v, len, i + 1);
	ds = i;
	while (i < len && isdigit((unsigned char)v[i]))
		i++;
	{
		int pos = position(v + ds, i - ds);

		i = skip_cfws(v, len, i);
		if (i >= len || v[i] != ';')
			return -1;
		return pos;
	}
}

/* field_value - the value part of a kept field */
static const char *
field_value(const struct field *f, size_t *len)
{
	*len = f->len - f->nlen - 1;
	return f->text + f->nlen + 1;
}

/* tag_instance - i= of an AMS or AS value, -1 when unusable */
static int
tag_instance(const char *v, size_t len)
{
	struct arc_tags t;
	const struct arc_tag *i;

	if (arc_tags_parse(v, len, &t) != 0 || (i = arc_tag_get(&t, "i")) == NULL)
		return -1;
	return position(i->v, i->vlen);
}

/* note_arc - record an ARC field's kind and instance */
static void
note_arc(struct arc_msg *m, int kind, const char *v, size_t len, long idx)
{
	int i = kind == K_AAR ? aar_instance(v, len) : tag_instance(v, len);

	m->narc++;
	if (i < 1 || i > ARC_MAX_SETS) {
		if (!m->bad)
			snprintf(m->bad_why, sizeof m->bad_why, i > ARC_MAX_SETS ?
			    "%s i=%d: more than %d ARC sets" : "%s without a valid i=",
			    kind_name[kind], i, ARC_MAX_SETS);
		m->bad = true;
		return;
	}
	if (m->at[kind][i] >= 0 || idx < 0)
		m->dup[kind][i] = true;
	m->at[kind][i] = (int)idx;
	if ((unsigned)i > m->n)
		m->n = (unsigned)i;
}

/* arc_header - one header field */
void
arc_header(struct arc_msg *m, const char *name, const char *value)
{
	struct buf b;
	int kind = -1;
	size_t nlen;
	long idx = -1;

	if (m == NULL || name == NULL || m->eoh_done)
		return;
	if (value == NULL)
		value = "";
	if (strcasecmp(name, "ARC-Authentication-Results") == 0)
		kind = K_AAR;
	else if (strcasecmp(name, "ARC-Message-Signature") == 0)
		kind = K_AMS;
	else if (strcasecmp(name, "ARC-Seal") == 0)
		kind = K_AS;
	nlen = strlen(name);
	buf_init(&b);
	buf_add(&b, name, nlen);
	buf_addc(&b, ':');
	for (const char *p = value; *p != '\0'; p++) {
		if (*p == '\n' && (p == value || p[-1] != '\r'))
			buf_addc(&b, '\r');
		buf_addc(&b, *p);
	}
	if (!m->overflow && (m->nf >= MAX_FIELDS ||
	    m->bytes + b.len > ARC_MAX_HEADER_BYTES))
		m->overflow = true;
	if (!m->overflow) {
		if (m->nf == m->cap) {
			m->cap = m->cap ? m->cap * 2 : 32;
			m->f = xreallocarray(m->f, m->cap, sizeof *m->f);
		}
		m->bytes += b.len;
		m->f[m->nf].len = b.len;
		m->f[m->nf].nlen = nlen;
		m->f[m->nf].text = buf_steal(&b);
		idx = (long)m->nf++;
	}
	if (kind >= 0) {
		if (idx >= 0) {
			size_t vlen;
			const char *v = field_value(&m->f[idx], &vlen);

			note_arc(m, kind, v, vlen, idx);
		} else {
			m->narc++;
		}
	}
	buf_free(&b);
}

/* copy_name - a d= or s= value as a C string, checked */
static bool
copy_name(char *out, const struct arc_tag *t)
{
	if (t == NULL || !arc_domain_ok(t->v, t->vlen))
		return false;
	memcpy(out, t->v, t->vlen);
	out[t->vlen] = '\0';
	return true;
}

/* check_alg - a= must be rsa-sha256 */
static bool
check_alg(const struct arc_tag *a, char *why, size_t wl)
{
	if (a == NULL) {
		snprintf(why, wl, "no a=");
		return false;
	}
	if (arc_tag_is(a, "rsa-sha256"))
		return true;
	if (arc_tag_is(a, "rsa-sha1"))
		snprintf(why, wl, "rsa-sha1 not accepted (RFC 8301)");
	else
		snprintf(why, wl, "algorithm not accepted in ARC");
	return false;
}

/* digits - a tag value of 1-12 digits as a number, -1 if not */
static long long
digits(const struct arc_tag *t, size_t max)
{
	long long v = 0;

	if (t->vlen == 0 || t->vlen > max)
		return -1;
	for (size_t i = 0; i < t->vlen; i++) {
		if (!isdigit((unsigned char)t->v[i]))
			return -1;
		v = v * 10 + (t->v[i] - '0');
	}
	return v;
}

/* check_t - t= syntax (12 digits, RFC 6376 3.5) */
static bool
check_t(const struct arc_tags *t, char *why, size_t wl)
{
	const struct arc_tag *ts = arc_tag_get(t, "t");

	if (ts != NULL && digits(ts, 12) < 0) {
		snprintf(why, wl, "t= is not a timestamp");
		return false;
	}
	return true;
}

/* check_time - t= not in the future, x= not past (both beyond the drift) */
static bool
check_time(const struct arc_msg *m, const struct arc_tags *t, bool use_x, time_t now,
    char *why, size_t wl)
{
	const struct arc_tag *ts = arc_tag_get(t, "t"), *xs = arc_tag_get(t, "x");
	long long tv = ts != NULL ? digits(ts, 12) : -1;

	if (tv > (long long)now + m->drift) {
		snprintf(why, wl, "timestamp in the future");
		return false;
	}
	if (use_x && xs != NULL) {
		long long xv = digits(xs, 12);

		if (xv < 0 || (tv >= 0 && xv < tv)) {
			snprintf(why, wl, "x= is not a valid expiry");
			return false;
		}
		if (xv + m->drift < (long long)now) {
			snprintf(why, wl, "signature expired");
			return false;
		}
	}
	return true;
}

/* ams_parse - the tags of an AMS; false with why when unusable (h= naming more
 * than max_names fields included: each name costs a look at every kept field) */
static bool
ams_parse(const struct field *f, struct ams *a, unsigned max_names, char *why,
    size_t wl)
{
	unsigned names = 0;

	size_t vlen;
	const char *v = field_value(f, &vlen);
	const struct arc_tag *c, *l;

	memset(a, 0, sizeof *a);
	a->l = -1;
	if (arc_tags_parse(v, vlen, &a->t) != 0) {
		snprintf(why, wl, "tag syntax error");
		return false;
	}
	if (!check_alg(arc_tag_get(&a->t, "a"), why, wl))
		return false;
	a->b = arc_tag_get(&a->t, "b");
	a->bh = arc_tag_get(&a->t, "bh");
	a->h = arc_tag_get(&a->t, "h");
	if (a->b == NULL || a->bh == NULL || a->h == NULL) {
		snprintf(why, wl, "b=, bh= or h= missing");
		return false;
	}
	if (!copy_name(a->d, arc_tag_get(&a->t, "d")) ||
	    !copy_name(a->s, arc_tag_get(&a->t, "s"))) {
		snprintf(why, wl, "d= or s= missing or invalid");
		return false;
	}
	if ((c = arc_tag_get(&a->t, "c")) != NULL) {
		const char *slash = memchr(c->v, '/', c->vlen);
		size_t hl = slash != NULL ? (size_t)(slash - c->v) : c->vlen;
		size_t bl = slash != NULL ? c->vlen - hl - 1 : 0;
		const char *bp = slash != NULL ? slash + 1 : NULL;

		if (hl == 7 && memcmp(c->v, "relaxed", 7) == 0)
			a->hrelaxed = true;
		else if (!(hl == 6 && memcmp(c->v, "simple", 6) == 0))
			goto badc;
		if (bp != NULL) {
			if (bl == 7 && memcmp(bp, "relaxed", 7) == 0)
				a->brelaxed = true;
			else if (!(bl == 6 && memcmp(bp, "simple", 6) == 0))
				goto badc;
		}
	}
	if ((l = arc_tag_get(&a->t, "l")) != NULL && (a->l = digits(l, 18)) < 0) {
		snprintf(why, wl, "l= is not a number");
		return false;
	}
	if (!check_t(&a->t, why, wl))
		return false;
	/* RFC 8617 4.1.2: ARC fields are never signed by an AMS; ARC-Seal cannot be */
	for (size_t i = 0; i < a->h->vlen; ) {
		const char *p = a->h->v + i, *e = memchr(p, ':', a->h->vlen - i);
		size_t n = e != NULL ? (size_t)(e - p) : a->h->vlen - i;
		char name[16];
		size_t s = 0, k = 0;

		while (s < n && isspace((unsigned char)p[s]))
			s++;
		while (n > s && isspace((unsigned char)p[n - 1]))
			n--;
		if (n > s && ++names > max_names) {
			snprintf(why, wl, "h= names more than %u header fields", max_names);
			return false;
		}
		if (n - s == 8) {
			for (k = 0; k < 8; k++)
				name[k] = (char)tolower((unsigned char)p[s + k]);
			name[k] = '\0';
			if (strcmp(name, "arc-seal") == 0) {
				snprintf(why, wl, "h= includes ARC-Seal");
				return false;
			}
		}
		i += (e != NULL ? (size_t)(e - p) : a->h->vlen - i) + 1;
	}
	return true;
badc:
	snprintf(why, wl, "c= is not a canonicalization");
	return false;
}

/* add_bstate - a body state for an AMS; -1 when over ARC_BODY_STATES */
static int
add_bstate(struct arc_msg *m, const struct ams *a)
{
	enum dkb_canon c = a->brelaxed ? DKB_RELAXED : DKB_SIMPLE;
	size_t i;

	for (i = 0; i < m->nbs; i++)
		if (m->bs[i].canon == c && m->bs[i].limit == a->l)
			break;
	if (i == m->nbs) {
		if (m->nbs >= ARC_BODY_STATES)
			return -1;
		m->bs[m->nbs].canon = c;
		m->bs[m->nbs].limit = a->l;
		m->nbs++;
	}
	if (m->body == NULL)
		m->body = dkb_new();
	return dkb_add(m->body, c, DKB_SHA256, a->l, true);
}

/* seal_tags - the tags of an AS; false with why when unusable */
static bool
seal_tags(const struct field *f, struct arc_tags *t, char *why, size_t wl)
{
	size_t vlen;
	const char *v = field_value(f, &vlen);

	if (arc_tags_parse(v, vlen, t) != 0) {
		snprintf(why, wl, "tag syntax error");
		return false;
	}
	return true;
}

/* structure - RFC 8617 5.2 steps 1 to 3; false when the chain failed */
static bool
structure(struct arc_msg *m)
{
	char why[160];
	struct arc_tags t;
	const struct arc_tag *cv;

	if (m->bad) {
		decide(m, ARC_FAIL, "%s", m->bad_why);
		return false;
	}
	if (m->overflow) {
		decide(m, ARC_FAIL, "header over %u bytes or %u fields", ARC_MAX_HEADER_BYTES,
		    MAX_FIELDS);
		return false;
	}
	/* step 2: the newest seal already says the chain is broken */
	if (m->at[K_AS][m->n] >= 0 && !m->dup[K_AS][m->n] &&
	    seal_tags(&m->f[m->at[K_AS][m->n]], &t, why, sizeof why) &&
	    arc_tag_is(arc_tag_get(&t, "cv"), "fail")) {
		decide(m, ARC_FAIL, "ARC-Seal i=%u says cv=fail", m->n);
		return false;
	}
	/* step 3 */
	for (unsigned i = 1; i <= m->n; i++) {
		for (int k = 0; k < 3; k++) {
			if (m->at[k][i] < 0) {
				decide(m, ARC_FAIL, "ARC set i=%u has no %s", i, kind_name[k]);
				return false;
			}
			if (m->dup[k][i]) {
				decide(m, ARC_FAIL, "ARC set i=%u has more than one %s", i,
				    kind_name[k]);
				return false;
			}
		}
		if (!seal_tags(&m->f[m->at[K_AS][i]], &t, why, sizeof why)) {
			decide(m, ARC_FAIL, "ARC-Seal i=%u: %s", i, why);
			return false;
		}
		cv = arc_tag_get(&t, "cv");
		if (i == m->n && copy_name(m->res.claimed, arc_tag_get(&t, "d")))
			str_lower(m->res.claimed);
		if (!arc_tag_is(cv, i == 1 ? "none" : "pass")) {
			decide(m, ARC_FAIL, "ARC-Seal i=%u: cv= is not %s", i,
			    i == 1 ? "none" : "pass");
			return false;
		}
	}
	return true;
}

/* arc_eoh - end of the header: structure, and the body states the AMSs need */
void
arc_eoh(struct arc_msg *m)
{
	char why[160];
	struct ams a;

	if (m == NULL || m->eoh_done)
		return;
	m->eoh_done = true;
	if (m->narc == 0) {
		free_fields(m);
		decide(m, ARC_NONE, NULL);
		return;
	}
	m->res.nsets = m->n;
	if (!structure(m))
		return;
	if (!ams_parse(&m->f[m->at[K_AMS][m->n]], &a, m->max_names, why, sizeof why)) {
		decide(m, ARC_FAIL, "ARC-Message-Signature i=%u: %s", m->n, why);
		return;
	}
	m->sink[m->n] = add_bstate(m, &a);
	for (unsigned i = m->n - 1; i >= 1; i--) {
		if (!ams_parse(&m->f[m->at[K_AMS][i]], &a, m->max_names, why,
		    sizeof why))
			break;		/* fails in step 5: older ones are not needed */
		if ((m->sink[i] = add_bstate(m, &a)) < 0)
			break;
	}
}

bool
arc_wants_body(const struct arc_msg *m)
{
	return m != NULL && m->eoh_done && !m->decided && m->body != NULL;
}

void
arc_body(struct arc_msg *m, const unsigned char *p, size_t n)
{
	if (arc_wants_body(m) && !m->body_final)
		dkb_chunk(m->body, p, n);
}

/* key_get - the key of s/d, looked up once per message */
static struct keyent *
key_get(struct arc_msg *m, struct dns_session *s, const char *sel, const char *dom)
{
	struct keyent *k;

	for (size_t i = 0; i < m->nkeys; i++)
		if (strcasecmp(m->keys[i].sel, sel) == 0 &&
		    strcasecmp(m->keys[i].dom, dom) == 0)
			return &m->keys[i];
	if (m->nkeys >= ARC_MAX_KEYS) {
		m->over.st = 2;
		snprintf(m->over.why, sizeof m->over.why, "more than %d distinct keys",
		    ARC_MAX_KEYS);
		return &m->over;
	}
	m->keys = xreallocarray(m->keys, m->nkeys + 1, sizeof *m->keys);
	k = &m->keys[m->nkeys++];
	memset(k, 0, sizeof *k);
	strlcpy(k->sel, sel, sizeof k->sel);
	strlcpy(k->dom, dom, sizeof k->dom);
	k->st = arc_key_fetch(s, sel, dom, m->min_bits, &k->key, k->why, sizeof k->why);
	return k;
}

/* without_b - the field with the value of its b= tag removed (RFC 6376 3.7) */
static void
without_b(struct buf *out, const struct field *f, const struct arc_tag *b)
{
	size_t voff = f->nlen + 1;

	buf_add(out, f->text, voff + b->voff);
	buf_add(out, f->text + voff + b->vend, f->len - voff - b->vend);
}

/* sign_check - key lookup and rsa-sha256 check of data against b= */
static enum vres
sign_check(struct arc_msg *m, struct dns_session *s, const char *sel, const char *dom,
    const struct arc_tag *b, const struct buf *data, char *why, size_t wl)
{
	unsigned char sig[MAX_SIG];
	long n = b64_decode(b->v, b->vlen, sig, sizeof sig);
	struct keyent *k;

	if (n <= 0) {
		snprintf(why, wl, "b= is not a signature");
		return V_FAIL;
	}
	k = key_get(m, s, sel, dom);
	if (k->st != 0) {
		snprintf(why, wl, "%s", k->why);
		return k->st == 2 ? V_LIMIT : k->st > 0 ? V_TEMP : V_FAIL;
	}
	if (!arc_rsa_verify(&k->key, data->data, data->len, sig, (size_t)n)) {
		snprintf(why, wl, "signature does not verify");
		return V_FAIL;
	}
	return V_PASS;
}

/* ams_verify - RFC 6376 6.1 for the AMS of instance i */
static enum vres
ams_verify(struct arc_msg *m, unsigned i, struct dns_session *s, time_t now,
    char *why, size_t wl)
{
	const struct field *self = &m->f[m->at[K_AMS][i]];
	unsigned char dig[64], bh[64];
	struct ams a;
	struct buf data, one;
	bool *used;
	long n;
	enum vres r;

	if (!ams_parse(self, &a, m->max_names, why, wl) ||
	    !check_time(m, &a.t, true, now, why, wl))
		return V_FAIL;
	if (m->sink[i] < 0) {
		snprintf(why, wl, "not checked");
		return V_LIMIT;
	}
	if (a.l >= 0 && dkb_wrote(m->body, m->sink[i]) < a.l) {
		snprintf(why, wl, "l= longer than the body");
		return V_FAIL;
	}
	n = b64_decode(a.bh->v, a.bh->vlen, bh, sizeof bh);
	if (n != 32 || dkb_digest(m->body, m->sink[i], dig) != 32 ||
	    memcmp(dig, bh, 32) != 0) {
		snprintf(why, wl, "body hash mismatch");
		return V_FAIL;
	}
	/* the h= fields, each name taking the lowest instance not yet taken */
	used = xcalloc(m->nf ? m->nf : 1, sizeof *used);
	buf_init(&data);
	buf_init(&one);
	for (size_t p = 0; p < a.h->vlen; ) {
		const char *nm = a.h->v + p, *e = memchr(nm, ':', a.h->vlen - p);
		size_t len = e != NULL ? (size_t)(e - nm) : a.h->vlen - p, st = 0, en;

		p += len + 1;
		en = len;
		while (st < en && isspace((unsigned char)nm[st]))
			st++;
		while (en > st && isspace((unsigned char)nm[en - 1]))
			en--;
		if (en == st)
			continue;
		for (size_t j = m->nf; j-- > 0; ) {
			if (used[j] || m->f[j].nlen != en - st ||
			    strncasecmp(m->f[j].text, nm + st, en - st) != 0)
				continue;
			used[j] = true;
			arc_canon_header(&data, m->f[j].text, m->f[j].len, a.hrelaxed);
			buf_add(&data, "\r\n", 2);
			break;
		}
	}
	without_b(&one, self, a.b);
	arc_canon_header(&data, one.data, one.len, a.hrelaxed);
	r = sign_check(m, s, a.s, a.d, a.b, &data, why, wl);
	free(used);
	buf_free(&data);
	buf_free(&one);
	return r;
}

/* as_verify - the ARC-Seal of instance i over sets 1..i (RFC 8617 5.1.1) */
static enum vres
as_verify(struct arc_msg *m, unsigned i, time_t now, struct dns_session *s,
    char *why, size_t wl, char *dom_out, size_t dlen)
{
	const struct field *self = &m->f[m->at[K_AS][i]];
	struct arc_tags t;
	const struct arc_tag *b;
	char d[MAX_NAME + 1], sel[MAX_NAME + 1];
	struct buf data, one;
	enum vres r;

	if (!seal_tags(self, &t, why, wl))
		return V_FAIL;
	if (arc_tag_get(&t, "h") != NULL) {
		snprintf(why, wl, "h= is not allowed in ARC-Seal");
		return V_FAIL;
	}
	if (!check_alg(arc_tag_get(&t, "a"), why, wl))
		return V_FAIL;
	if ((b = arc_tag_get(&t, "b")) == NULL || !copy_name(d, arc_tag_get(&t, "d")) ||
	    !copy_name(sel, arc_tag_get(&t, "s"))) {
		snprintf(why, wl, "b=, d= or s= missing or invalid");
		return V_FAIL;
	}
	if (!check_t(&t, why, wl) || !check_time(m, &t, false, now, why, wl))
		return V_FAIL;
	buf_init(&data);
	buf_init(&one);
	for (unsigned j = 1; j <= i; j++) {
		for (int k = 0; k < 3; k++) {
			const struct field *f = &m->f[m->at[k][j]];

			if (j == i && k == K_AS) {
				without_b(&one, f, b);
				arc_canon_header(&data, one.data, one.len, true);
			} else {
				arc_canon_header(&data, f->text, f->len, true);
				buf_add(&data, "\r\n", 2);
			}
		}
	}
	r = sign_check(m, s, sel, d, b, &data, why, wl);
	buf_free(&data);
	buf_free(&one);
	if (r == V_PASS && dom_out != NULL)
		strlcpy(dom_out, d, dlen);
	return r;
}

/* arc_field_value - the value of the ARC field of kind k and instance i, or NULL */
const char *
arc_field_value(const struct arc_msg *m, enum arc_kind k, unsigned i, size_t *len)
{
	if (m == NULL || i < 1 || i > ARC_MAX_SETS || m->f == NULL || m->at[k][i] < 0 ||
	    m->dup[k][i])
		return NULL;
	return field_value(&m->f[m->at[k][i]], len);
}

/* arc_eom - RFC 8617 5.2 steps 4 to 7 */
void
arc_eom(struct arc_msg *m, struct dns_session *s, time_t now)
{
	char why[200], sealer[MAX_NAME + 1] = "";
	enum vres r;

	if (m == NULL)
		return;
	if (!m->eoh_done)
		arc_eoh(m);
	if (m->decided)
		return;
	if (m->body != NULL && !m->body_final) {
		dkb_final(m->body);
		m->body_final = true;
	}
	/* step 4 */
	if ((r = ams_verify(m, m->n, s, now, why, sizeof why)) != V_PASS) {
		decide(m, ARC_FAIL, "ARC-Message-Signature i=%u: %s", m->n, why);
		m->res.temporary = r == V_TEMP;
		return;
	}
	/* step 5 */
	m->res.oldest_pass = 0;
	for (unsigned i = m->n - 1; i >= 1; i--) {
		r = ams_verify(m, i, s, now, why, sizeof why);
		if (r == V_FAIL) {
			m->res.oldest_pass = (int)i + 1;
			break;
		}
		if (r != V_PASS) {	/* temporary, or the key limit: undetermined */
			m->res.oldest_pass = -1;
			break;
		}
	}
	/* step 6 */
	for (unsigned i = m->n; i >= 1; i--) {
		r = as_verify(m, i, now, s, why, sizeof why, i == m->n ? sealer : NULL,
		    sizeof sealer);
		if (r != V_PASS) {
			decide(m, ARC_FAIL, "ARC-Seal i=%u: %s", i, why);
			m->res.temporary = r == V_TEMP;
			return;
		}
	}
	/* step 7 */
	{
		int op = m->res.oldest_pass;

		decide(m, ARC_PASS, NULL);
		m->res.oldest_pass = op;
	}
	strlcpy(m->res.sealer, str_lower(sealer), sizeof m->res.sealer);
}

/* arc_feed_raw - a whole saved message (tests, tools) */
int
arc_feed_raw(struct arc_msg *m, const unsigned char *p, size_t n)
{
	struct buf name, value, body;
	size_t i = 0;
	bool in_field = false;

	buf_init(&name);
	buf_init(&value);
	buf_init(&body);
	while (i < n) {
		size_t e = i, le;
		const char *line = (const char *)p + i;

		while (e < n && p[e] != '\n')
			e++;
		le = e - i;
		if (le > 0 && line[le - 1] == '\r')
			le--;
		i = e < n ? e + 1 : n;
		if (le > 0 && (line[0] == ' ' || line[0] == '\t') && in_field) {
			buf_addc(&value, '\n');
			buf_add(&value, line, le);
			continue;
		}
		if (in_field)
			arc_header(m, buf_str(&name), buf_str(&value));
		in_field = false;
		buf_reset(&name);
		buf_reset(&value);
		if (le == 0)
			break;
		{
			const char *colon = memchr(line, ':', le);

			if (colon == NULL)
				continue;
			buf_add(&name, line, (size_t)(colon - line));
			buf_add(&value, colon + 1, le - (size_t)(colon - line) - 1);
			in_field = true;
		}
	}
	if (in_field)
		arc_header(m, buf_str(&name), buf_str(&value));
	arc_eoh(m);
	while (i < n && arc_wants_body(m)) {
		size_t e = i, le;

		while (e < n && p[e] != '\n')
			e++;
		le = e - i;
		if (le > 0 && p[i + le - 1] == '\r')
			le--;
		buf_add(&body, p + i, le);
		if (e < n)
			buf_add(&body, "\r\n", 2);
		i = e < n ? e + 1 : n;
	}
	if (body.len > 0)
		arc_body(m, (const unsigned char *)body.data, body.len);
	buf_free(&name);
	buf_free(&value);
	buf_free(&body);
	return 0;
}
