/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	dmarc - DMARC (RFC 9989) evaluation: DNS Tree Walk, alignment, verdict
 * SYNOPSIS
 *	#include "dmarc.h"
 *	(see dmarc.h)
 * DESCRIPTION
 *	Owns discovery, alignment and the verdict; the From field grammar is in
 *	lib/addrlist, the record grammar in lib/dmarc_record.
 *
 *	Author domain. dmarc_from_domain() takes the mailboxes lib/addrlist finds in
 *	the From field. Exactly one From field is required; several mailboxes are
 *	accepted only when they all have the same domain (RFC 9989 lets receivers
 *	reject or evaluate each; several author domains are refused here as a whole:
 *	none escapes evaluation). The domain is normalised by
 *	dmarc_domain_normalize(); an address literal ("[192.0.2.1]") or an
 *	all-numeric top label is refused.
 *
 *	Record discovery (RFC 9989 section 4.10). TXT at _dmarc.NAME; the records
 *	kept are those starting with "v" *WSP "=" *WSP "DMARC1" (case-insensitive)
 *	followed by ';', WSP or the end; several at one name are all discarded. The
 *	DNS Tree Walk from a name asks NAME, then (8 or more labels) its last 7
 *	labels or (fewer) its parent, then one label less each time up to the top-level
 *	domain, at most 8 queries; it stops early at a record with psd=y or psd=n.
 *	The organizational domain of the walk's start is, over the records found from
 *	the longest name to the shortest: a psd=n name; the name one label below a
 *	psd=y name other than the start; else the name with the fewest labels; with no
 *	record the start itself. The record that applies to the From domain is its own
 *	(one query when it publishes), else its organizational domain's, else the PSD
 *	record (psd=y). A DNS_TEMPFAIL on any query of the walk gives DMR_TEMPERROR.
 *	Every query goes through the message's dns_session (deadline, counters); the
 *	answers are cached for the message, and all DMARC queries of a message are
 *	capped at MSG_QUERIES (past it a query counts as failed). DMARCOrgDomain psl
 *	(DMD_PSL) is the RFC 7489 compatibility mode: the From domain, then its PSL
 *	organizational domain unless that is the From domain or it is a public suffix.
 *
 *	Records are parsed by lib/dmarc_record. p= absent or invalid, or sp= or np=
 *	present but invalid: if rua= holds at least one syntactically valid URI the
 *	record acts as p=none, otherwise DMARC does not apply (DMR_NONE) -- RFC 9989
 *	section 4.10.1.
 *	libopendmarc is not used: it would only duplicate this (its own DNS, its own
 *	PSL, its own record parser); t/dmarc_oracle_test runs its parser beside ours
 *	and lists where and why they differ.
 *
 *	Policy. Record at FROM: p. Record elsewhere (org domain or PSD): sp, or p when
 *	sp is absent; with np= published and cfg->dmarc_np (default on), one more
 *	query (A at FROM) decides whether FROM exists: NXDOMAIN means it does not and
 *	np applies. Any other answer (including a DNS failure) keeps sp/p. An invalid
 *	np= is treated like an invalid sp=.
 *
 *	Alignment: strict = same name; relaxed = same organizational domain, by the
 *	walk (or the PSL in psl mode). Only identifiers at or below the From domain's
 *	organizational domain can share it, so no other identifier costs a query, and
 *	a sender cannot make its own domain's DNS failures matter. SPF counts the MAIL
 *	FROM identity only; for the null sender that identity is postmaster@HELO (RFC
 *	7208 section 2.4), which spf_check() already did. DKIM: any DKIMR_PASS whose d=
 *	aligns. Alignment is also computed (with no new query) when there is no record,
 *	for the logs.
 *
 *	t= and pct= (RFC 9989 section 4.7 and Appendix A.6): t=y applies the policy one
 *	level lower to a failing message (reject -> quarantine, quarantine -> none);
 *	pct is historic: without a t= tag pct=0 means t=y, other values are ignored.
 *	disposition is DMP_NONE on pass, the applied policy after t=y on fail and on a
 *	temperror with a known policy, and DMP_UNSET for none, record temperror and
 *	permerror. dmarc_policy_name(DMP_UNSET) is "none" (nothing is applied), so an
 *	A-R "dis=" never shows an unknown word.
 *
 *	Temperror: spf_temperror / dkim_temperror say that an identity that is or
 *	may be aligned with the From domain got a temperror, or that its alignment
 *	could not be walked; when nothing aligned, the result is then DMR_TEMPERROR
 *	(RFC 9989: a query that did not complete means neither pass nor fail), with the
 *	policy and disposition known; lib/policy decides what that does. Unaligned
 *	temperrors are ignored, so a sender cannot turn a reject into a deferral with
 *	a broken signature of its own.
 * SEE ALSO
 *	RFC 9989 (DMARC), RFC 7489 (DMARCOrgDomain psl), RFC 5322 section 3.4.
 */
#include "autoconf.h"

#include <arpa/nameser.h>
#include <ctype.h>
#include <idn2.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#include "addrlist.h"
#include "dmarc.h"
#include "log.h"

#define DOMAIN_MAX	254	/* 253 + NUL */

struct dmarc_engine {
	const struct psl *psl;
	bool np;			/* cfg->dmarc_np at creation */
	enum dmarc_discovery discovery;	/* cfg->dmarc_org_domain at creation */
};

/* dmarc_engine_new - keep the PSL and the options DMARC reads */
struct dmarc_engine *
dmarc_engine_new(const struct config *cfg, const struct psl *psl, struct buf *err)
{
	struct dmarc_engine *e;

	if (psl == NULL) {
		buf_adds(err, "dmarc: no Public Suffix List loaded\n");
		return NULL;
	}
	e = xcalloc(1, sizeof(*e));
	e->psl = psl;
	e->np = cfg == NULL || cfg->dmarc_np;
	e->discovery = cfg != NULL ? (enum dmarc_discovery)cfg->dmarc_org_domain :
	    DMD_TREEWALK;
	return e;
}

/* dmarc_engine_free - release the engine */
void
dmarc_engine_free(struct dmarc_engine *e)
{
	free(e);
}

/* dmarc_domain_normalize - lowercase A-label LDH name without final dot */
int
dmarc_domain_normalize(const char *in, char *out, size_t outlen)
{
	char tmp[1024];
	const char *ascii = tmp;
	uint8_t *idn = NULL;
	size_t n, i, label = 0;
	bool eightbit = false, alldigits = true;
	int rc = -1;

	if (in == NULL || (n = strlen(in)) == 0 || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, in, n + 1);
	if (tmp[n - 1] == '.')
		tmp[--n] = '\0';
	if (n == 0)
		return -1;
	for (i = 0; i < n; i++)
		if ((unsigned char)tmp[i] >= 0x80)
			eightbit = true;
	if (eightbit) {
		if (idn2_lookup_u8((const uint8_t *)tmp, &idn,
		    IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL) != IDN2_OK)
			return -1;
		ascii = (const char *)idn;
	}
	n = strlen(ascii);
	if (n == 0 || n > 253 || n >= outlen)
		goto out;
	for (i = 0; i <= n; i++) {
		unsigned char c = (unsigned char)ascii[i];

		if (c == '.' || c == '\0') {
			if (label == 0 || label > 63 || ascii[i - 1] == '-')
				goto out;
			if (c == '\0')
				break;
			label = 0;
			alldigits = true;
			out[i] = '.';
			continue;
		}
		if (!isalnum(c) && c != '-')
			goto out;
		if (c == '-' && label == 0)
			goto out;
		if (!isdigit(c))
			alldigits = false;
		out[i] = (char)tolower(c);
		label++;
	}
	out[n] = '\0';
	/* a numeric top label is an address, not a domain (RFC 3696 section 2) */
	rc = alldigits ? -1 : 0;
out:
	if (idn != NULL)
		idn2_free(idn);
	if (rc != 0 && outlen > 0)
		out[0] = '\0';
	return rc;
}

/* --- the author domain --- */

struct author {
	char domain[DOMAIN_MAX];
	size_t n;
};

/* one_domain - addrlist callback: normalise, and every mailbox has one domain */
static int
one_domain(const char *raw, void *arg, const char **why)
{
	struct author *au = arg;
	char dom[DOMAIN_MAX];

	if (dmarc_domain_normalize(raw, dom, sizeof(dom)) != 0) {
		*why = "From domain is not a valid domain name";
		return -1;
	}
	if (au->n++ > 0 && strcmp(au->domain, dom) != 0) {
		*why = "From has several domains";
		return -1;
	}
	memcpy(au->domain, dom, sizeof(dom));
	return 0;
}

/* dmarc_from_domain - the one author domain of the message */
int
dmarc_from_domain(const char *const *from_values, size_t nfrom, char *out,
    size_t outlen, const char **why)
{
	struct author au;
	const char *dummy, *w = NULL;
	size_t nmailbox = 0;

	if (why == NULL)
		why = &dummy;
	if (outlen > 0)
		out[0] = '\0';
	if (nfrom == 0 || from_values == NULL || from_values[0] == NULL) {
		*why = "no From field";
		return -1;
	}
	if (nfrom > 1) {
		*why = "several From fields";
		return -1;
	}
	memset(&au, 0, sizeof(au));
	if (addrlist_parse(from_values[0], one_domain, &au, &nmailbox, &w) != 0) {
		*why = w != NULL ? w : "unparseable From";
		return -1;
	}
	if (nmailbox == 0) {
		*why = "From has no address";
		return -1;
	}
	if (strlen(au.domain) >= outlen) {
		*why = "From domain is too long";
		return -1;
	}
	strcpy(out, au.domain);
	*why = NULL;
	return 0;
}

enum lookup { LK_FOUND, LK_NONE, LK_SEVERAL, LK_TEMP };

/* lookup_record - TXT _dmarc.DOMAIN, keeping DMARC records only */
static enum lookup
lookup_record(struct dns_session *s, const char *domain, struct dmarc_rec *r)
{
	char name[DOMAIN_MAX + 8];
	struct dns_answer *a = NULL;
	size_t i, found = 0, which = 0;
	enum lookup lk;
	int st;

	snprintf(name, sizeof(name), "_dmarc.%s", domain);
	st = dns_query(s, name, ns_t_txt, &a);
	if (st == DNS_TEMPFAIL)
		lk = LK_TEMP;
	else if (st != DNS_OK || a == NULL)
		lk = LK_NONE;
	else {
		for (i = 0; i < a->n; i++)
			if (a->rr[i].u.txt.data != NULL &&
			    dmarc_record_is_v1(a->rr[i].u.txt.data, a->rr[i].u.txt.len)) {
				found++;
				which = i;
			}
		if (found == 1) {
			dmarc_record_parse(a->rr[which].u.txt.data, a->rr[which].u.txt.len, r);
			lk = LK_FOUND;
		} else
			lk = found > 1 ? LK_SEVERAL : LK_NONE;
	}
	dns_answer_free(a);
	return lk;
}

/* --- DNS Tree Walk (RFC 9989 section 4.10) --- */

#define WALK_QUERIES	8	/* at most 8 queries per walk */
#define WALK_SHORTEN	7	/* 8 or more labels: jump to the last 7 */
#define MSG_QUERIES	32	/* all DMARC queries of one message */
#define CACHE_MAX	MSG_QUERIES

/* one _dmarc name asked during this message */
struct cached {
	char name[DOMAIN_MAX];
	enum lookup lk;
	struct dmarc_rec rec;
};

/* per-message state: the answers already had, so no name is asked twice */
struct walk_ctx {
	struct dns_session *s;
	struct cached c[CACHE_MAX];
	size_t n;
	unsigned asked;			/* DMARC queries of this message */
	bool from_org_done;		/* from_org / from_org_temp computed */
	bool from_org_temp;
	char from_org[DOMAIN_MAX];
};

/* the result of one walk */
struct walk {
	bool temp;			/* a query failed: the result is unknown */
	char tempname[DOMAIN_MAX];	/* the name whose query failed */
	char org[DOMAIN_MAX];		/* organizational domain of the start */
	const struct cached *policy;	/* the record that applies to the start */
};

/* cached_lookup - TXT _dmarc.NAME once per message; past the budget: LK_TEMP */
static const struct cached *
cached_lookup(struct walk_ctx *w, const char *name)
{
	struct cached *c;
	size_t i;

	for (i = 0; i < w->n; i++)
		if (strcmp(w->c[i].name, name) == 0)
			return &w->c[i];
	if (w->asked >= MSG_QUERIES || w->n >= CACHE_MAX)
		return NULL;
	w->asked++;
	c = &w->c[w->n];
	memset(c, 0, sizeof(*c));
	strlcpy(c->name, name, sizeof(c->name));
	c->lk = lookup_record(w->s, name, &c->rec);
	if (c->lk == LK_TEMP)
		return c;	/* not kept: a later walk may ask again */
	w->n++;
	return c;
}

/* nlabels - number of labels of a (normalised, non-empty) name */
static size_t
nlabels(const char *d)
{
	size_t n = 1;

	for (; *d != '\0'; d++)
		if (*d == '.')
			n++;
	return n;
}

/* last_labels - the suffix of d made of its last n labels */
static const char *
last_labels(const char *d, size_t n)
{
	size_t have = nlabels(d);

	while (have > n) {
		d = strchr(d, '.') + 1;
		have--;
	}
	return d;
}

/* under - a is b or a subdomain of b */
static bool
under(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la == lb)
		return strcmp(a, b) == 0;
	return la > lb && a[la - lb - 1] == '.' && strcmp(a + la - lb, b) == 0;
}

/* tree_walk - the DNS Tree Walk from start: the records found, the organizational
 * domain (section 4.10.2 rules) and the record that applies (section 4.10.1) */
static void
tree_walk(struct walk_ctx *w, const char *start, struct walk *out)
{
	const struct cached *found[WALK_QUERIES], *c;
	const char *name = start, *org = NULL;
	size_t nfound = 0, nq = 0, i, x = nlabels(start);

	memset(out, 0, sizeof(*out));
	for (;;) {
		if ((c = cached_lookup(w, name)) == NULL || c->lk == LK_TEMP) {
			out->temp = true;
			snprintf(out->tempname, sizeof(out->tempname), "%s", name);
			return;
		}
		nq++;
		if (c->lk == LK_FOUND) {
			found[nfound++] = c;
			if (c->rec.psd == 'y' || c->rec.psd == 'n')
				break;
		}
		if (nq >= WALK_QUERIES)
			break;
		if (name == start && x >= WALK_SHORTEN + 1)
			name = last_labels(start, WALK_SHORTEN);
		else if ((name = strchr(name, '.')) != NULL)
			name++;
		else
			break;
	}
	/* longest to shortest: psd=n is the org domain; psd=y (not at the start)
	   makes the name one label below it the org domain; else the fewest labels */
	for (i = 0; i < nfound && org == NULL; i++) {
		if (found[i]->rec.psd == 'n')
			org = found[i]->name;
		else if (found[i]->rec.psd == 'y' && strcmp(found[i]->name, start) != 0)
			org = last_labels(start, nlabels(found[i]->name) + 1);
	}
	if (org == NULL)
		org = nfound > 0 ? found[nfound - 1]->name : start;
	snprintf(out->org, sizeof(out->org), "%s", org);
	/* the record at the start, else at the org domain, else the PSD's */
	for (i = 0; i < nfound && out->policy == NULL; i++)
		if (strcmp(found[i]->name, start) == 0 || strcmp(found[i]->name, org) == 0)
			out->policy = found[i];
	if (out->policy == NULL && nfound > 0 && found[nfound - 1]->rec.psd == 'y')
		out->policy = found[nfound - 1];
}

/* from_org - organizational domain of the From domain, walked once */
static const char *
from_org(struct walk_ctx *w, const char *from)
{
	struct walk wk;

	if (!w->from_org_done) {
		tree_walk(w, from, &wk);
		w->from_org_done = true;
		w->from_org_temp = wk.temp;
		snprintf(w->from_org, sizeof(w->from_org), "%s", wk.org);
	}
	return w->from_org_temp ? NULL : w->from_org;
}

/* walk_aligned - relaxed alignment by tree walk: 1 aligned, 0 not, -1 unknown
 * (a query failed); only an identifier at or below the From domain's org domain
 * can have the same org domain, so no other identifier costs a query */
static int
walk_aligned(struct walk_ctx *w, const char *id, const char *from)
{
	const char *of;
	struct walk wk;

	if ((of = from_org(w, from)) == NULL) {
		const char *a = strrchr(id, '.'), *b = strrchr(from, '.');

		/* no common top-level domain: no common org domain either */
		return strcmp(a != NULL ? a + 1 : id, b != NULL ? b + 1 : from) == 0 ? -1 : 0;
	}
	if (!under(id, of))
		return 0;
	tree_walk(w, id, &wk);
	if (wk.temp)
		return -1;
	return strcmp(wk.org, of) == 0;
}

/* dmarc_aligned - RFC 7489 section 3.1 identifier alignment with the PSL */
bool
dmarc_aligned(const struct psl *psl, const char *id_domain, const char *from_domain,
    char mode)
{
	char a[DOMAIN_MAX], b[DOMAIN_MAX], oa[DOMAIN_MAX], ob[DOMAIN_MAX];

	if (id_domain == NULL || from_domain == NULL ||
	    dmarc_domain_normalize(id_domain, a, sizeof(a)) != 0 ||
	    dmarc_domain_normalize(from_domain, b, sizeof(b)) != 0)
		return false;
	if (strcmp(a, b) == 0)
		return true;
	if (mode == 's' || psl == NULL)
		return false;
	if (psl_org_domain(psl, a, oa, sizeof(oa)) != 0 ||
	    psl_org_domain(psl, b, ob, sizeof(ob)) != 0)
		return false;
	return strcmp(oa, ob) == 0;
}

/* id_aligned - one identifier against the From domain: 1, 0, or -1 unknown */
static int
id_aligned(const struct dmarc_engine *e, struct walk_ctx *w,
    const struct dmarc_outcome *out, const char *id, char mode)
{
	char a[DOMAIN_MAX];

	if (out->discovery == DMD_PSL)
		return dmarc_aligned(e->psl, id, out->from_domain, mode);
	if (dmarc_domain_normalize(id, a, sizeof(a)) != 0)
		return 0;
	if (strcmp(a, out->from_domain) == 0)
		return 1;
	if (mode == 's')
		return 0;
	return walk_aligned(w, a, out->from_domain);
}

/* one walk context for callers outside dmarc_check */
struct dmarc_walk {
	struct walk_ctx ctx;
};

/* dmarc_walk_new - a walk context for dmarc_id_aligned (queries through s) */
struct dmarc_walk *
dmarc_walk_new(struct dns_session *s)
{
	struct dmarc_walk *w = xcalloc(1, sizeof(*w));

	w->ctx.s = s;
	return w;
}

/* dmarc_walk_free - NULL is a no-op */
void
dmarc_walk_free(struct dmarc_walk *w)
{
	free(w);
}

/* dmarc_id_aligned - id against from as dmarc_check aligns: 1, 0, -1 unknown */
int
dmarc_id_aligned(const struct dmarc_engine *e, struct dmarc_walk *w,
    enum dmarc_discovery mode, const char *id_domain, const char *from_domain,
    char align)
{
	struct dmarc_outcome o;
	char from[DOMAIN_MAX];

	if (id_domain == NULL || from_domain == NULL ||
	    dmarc_domain_normalize(from_domain, from, sizeof(from)) != 0)
		return 0;
	memset(&o, 0, sizeof(o));
	o.discovery = mode;
	o.from_domain = from;
	return id_aligned(e, &w->ctx, &o, id_domain, align);
}

/* compute_alignment - SPF (MAIL FROM) and DKIM alignment, temperror hints */
static void
compute_alignment(const struct dmarc_engine *e, struct walk_ctx *w,
    const struct dmarc_input *in, struct dmarc_outcome *out)
{
	const struct spf_outcome *spf = in->spf_mailfrom;
	size_t i;
	int al;

	if (spf != NULL && spf->domain != NULL && spf->domain[0] != '\0' &&
	    (spf->result == SPFR_PASS || spf->result == SPFR_TEMPERROR) &&
	    (al = id_aligned(e, w, out, spf->domain, out->aspf)) != 0) {
		if (spf->result == SPFR_PASS && al > 0)
			out->spf_aligned = true;
		else
			out->spf_temperror = true;
	}
	for (i = 0; i < in->ndkim && in->dkim != NULL; i++) {
		const struct dkv_result *d = in->dkim[i];

		if (d == NULL || d->domain == NULL || d->domain[0] == '\0')
			continue;
		if (d->result != DKIMR_PASS && d->result != DKIMR_TEMPERROR)
			continue;
		if ((al = id_aligned(e, w, out, d->domain, out->adkim)) == 0)
			continue;
		if (d->result == DKIMR_PASS && al > 0)
			out->dkim_aligned = true;
		else
			out->dkim_temperror = true;
	}
}

/* domain_nonexistent - FROM answers NXDOMAIN (RFC 9989 non-existent domain) */
static bool
domain_nonexistent(struct walk_ctx *w, const char *domain)
{
	struct dns_answer *a = NULL;
	int st;

	if (w->asked >= MSG_QUERIES)
		return false;
	w->asked++;
	st = dns_query(w->s, domain, ns_t_a, &a);
	dns_answer_free(a);
	return st == DNS_NXDOMAIN;
}

/* discover_psl - RFC 7489 discovery: From, then its PSL organizational domain */
static const struct cached *
discover_psl(const struct dmarc_engine *e, struct walk_ctx *w, const char *from,
    struct walk *wk)
{
	char org[DOMAIN_MAX];
	const struct cached *c;

	memset(wk, 0, sizeof(*wk));
	if ((c = cached_lookup(w, from)) == NULL || c->lk == LK_TEMP)
		goto temp;
	if (c->lk == LK_FOUND)
		return c;
	snprintf(wk->tempname, sizeof(wk->tempname), "%s", from);
	if (psl_org_domain(e->psl, from, org, sizeof(org)) != 0 || strcmp(org, from) == 0)
		return NULL;
	if ((c = cached_lookup(w, org)) == NULL || c->lk == LK_TEMP) {
		from = org;
		goto temp;
	}
	return c->lk == LK_FOUND ? c : NULL;
temp:
	wk->temp = true;
	snprintf(wk->tempname, sizeof(wk->tempname), "%s", from);
	return NULL;
}

/* discover - the record that applies to FROM, or NULL; wk->temp on DNS failure.
 * Tree walk: the From domain alone when it publishes, the whole walk otherwise */
static const struct cached *
discover(const struct dmarc_engine *e, struct walk_ctx *w, const char *from,
    enum dmarc_discovery mode, struct walk *wk)
{
	const struct cached *c;

	if (mode == DMD_PSL)
		return discover_psl(e, w, from, wk);
	memset(wk, 0, sizeof(*wk));
	c = cached_lookup(w, from);
	if (c == NULL || c->lk == LK_TEMP) {
		wk->temp = true;
		snprintf(wk->tempname, sizeof(wk->tempname), "%s", from);
		return NULL;
	}
	if (c->lk == LK_FOUND)
		return c;
	tree_walk(w, from, wk);
	if (wk->temp)
		return NULL;
	w->from_org_done = true;
	snprintf(w->from_org, sizeof(w->from_org), "%s", wk->org);
	return wk->policy;
}

/* testing_policy - RFC 9989 t=y: the policy one level below the published one */
static enum dmarc_policy
testing_policy(enum dmarc_policy p)
{
	if (p == DMP_REJECT)
		return DMP_QUARANTINE;
	if (p == DMP_QUARANTINE)
		return DMP_NONE;
	return p;
}

/* dmarc_check - evaluate DMARC for one message */
void
dmarc_check(struct dmarc_engine *e, struct dns_session *s,
    const struct dmarc_input *in, struct dmarc_outcome *out)
{
	char from[DOMAIN_MAX];
	const char *why = NULL;
	const struct cached *pc;
	const struct dmarc_rec *rec;
	struct walk_ctx *w;
	struct walk wk;
	bool use_np = in->cfg != NULL ? in->cfg->dmarc_np : e->np;

	memset(out, 0, sizeof(*out));
	out->adkim = out->aspf = 'r';
	out->pct = 100;
	out->psd = 'u';
	out->discovery = in->cfg != NULL ? (enum dmarc_discovery)in->cfg->dmarc_org_domain :
	    e->discovery;
	if (dmarc_from_domain(in->from_values, in->nfrom, from, sizeof(from), &why) != 0) {
		out->result = DMR_PERMERROR;
		out->bad_from = true;
		out->reason = xstrdup(why != NULL ? why : "unparseable From");
		return;
	}
	out->from_domain = xstrdup(from);
	w = xcalloc(1, sizeof(*w));
	w->s = s;

	pc = discover(e, w, from, out->discovery, &wk);
	if (wk.temp) {
		str_set_printf(&out->reason, "DNS failure looking up _dmarc.%s", wk.tempname);
		out->result = DMR_TEMPERROR;
		goto out;
	}
	if (pc == NULL) {
		str_set_printf(&out->reason, "no DMARC record for %s", from);
		goto none;
	}
	rec = &pc->rec;
	out->policy_domain = xstrdup(pc->name);
	out->found_at_org = strcmp(pc->name, from) != 0;
	out->p = rec->p;
	out->sp = rec->sp;
	out->np = rec->np;
	out->rua = rec->rua[0] != '\0' ? xstrdup(rec->rua) : NULL;
	out->fo = rec->fo[0] != '\0' ? xstrdup(rec->fo) : NULL;
	out->pct = rec->pct;
	out->adkim = rec->adkim;
	out->aspf = rec->aspf;
	out->psd = rec->psd;
	out->testing = rec->testing;
	if (rec->p_bad || !rec->p_seen || rec->sp_bad || rec->np_bad) {
		if (!rec->rua_valid) {
			str_set_printf(&out->reason, rec->sp_bad || rec->np_bad ?
			    "DMARC record at _dmarc.%s has an invalid %s= and no valid rua=" :
			    "DMARC record at _dmarc.%s has no valid p= and no valid rua=",
			    out->policy_domain, rec->sp_bad ? "sp" : "np");
			goto none;
		}
		/* RFC 9989 section 4.10.1: act as p=none */
		out->applied = DMP_NONE;
	} else if (!out->found_at_org)
		out->applied = rec->p;
	else {
		out->applied = rec->sp != DMP_UNSET ? rec->sp : rec->p;
		if (use_np && rec->np != DMP_UNSET && domain_nonexistent(w, from)) {
			out->nonexistent = true;
			out->applied = rec->np;
		}
	}
	compute_alignment(e, w, in, out);
	if (out->spf_aligned || out->dkim_aligned) {
		out->result = DMR_PASS;
		out->disposition = DMP_NONE;
		str_set_printf(&out->reason, out->spf_aligned && out->dkim_aligned ?
		    "SPF and DKIM aligned with %s" : out->spf_aligned ?
		    "SPF aligned with %s" : "DKIM aligned with %s", from);
		goto done;
	}
	out->disposition = out->testing ? testing_policy(out->applied) : out->applied;
	if (out->spf_temperror || out->dkim_temperror) {
		/* RFC 9989 "Apply Policy If Appropriate": a query that did not complete
		   means neither pass nor fail */
		out->result = DMR_TEMPERROR;
		str_set_printf(&out->reason, "temporary error checking an aligned %s "
		    "identifier for %s", out->spf_temperror ? "SPF" : "DKIM", from);
		goto done;
	}
	out->result = DMR_FAIL;
	str_set_printf(&out->reason, "SPF and DKIM not aligned with %s", from);
	goto done;

none:
	out->result = DMR_NONE;
	out->p = out->sp = out->np = DMP_UNSET;
	out->pct = 100;
	out->adkim = out->aspf = 'r';
	out->psd = 'u';
	out->testing = false;
	free(out->policy_domain);
	out->policy_domain = NULL;
	free(out->rua);
	free(out->fo);
	out->rua = out->fo = NULL;
	out->found_at_org = false;
out:
	/* for the logs only: no query beyond those already answered */
	w->asked = MSG_QUERIES;
	compute_alignment(e, w, in, out);
done:
	free(w);
}

/* dmarc_outcome_clear - free what dmarc_check allocated */
void
dmarc_outcome_clear(struct dmarc_outcome *o)
{
	if (o == NULL)
		return;
	free(o->from_domain);
	free(o->policy_domain);
	free(o->reason);
	free(o->rua);
	free(o->fo);
	memset(o, 0, sizeof(*o));
}

/* dmarc_result_name - RFC 8601 result keyword */
const char *
dmarc_result_name(enum dmarc_result r)
{
	switch (r) {
	case DMR_NONE:
		return "none";
	case DMR_PASS:
		return "pass";
	case DMR_FAIL:
		return "fail";
	case DMR_TEMPERROR:
		return "temperror";
	case DMR_PERMERROR:
		return "permerror";
	}
	return "permerror";
}

/* dmarc_policy_name - policy keyword; DMP_UNSET reads "none" (nothing applied) */
const char *
dmarc_policy_name(enum dmarc_policy p)
{
	switch (p) {
	case DMP_QUARANTINE:
		return "quarantine";
	case DMP_REJECT:
		return "reject";
	case DMP_UNSET:
	case DMP_NONE:
		break;
	}
	return "none";
}
