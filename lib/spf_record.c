/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * spf_record.c - RFC 7208 record syntax (section 12) and the record libspf2 gets
 * SYNOPSIS
 *	const char *spf_record_rewrite(const char *rec, size_t len, int family,
 *	    const unsigned char *addr, const char *marker, struct buf *out);
 * DESCRIPTION
 *	rec (len bytes, printable ASCII, starting "v=spf1") is checked term by term
 *	against the ABNF of RFC 7208 section 12: mechanism and modifier names
 *	(case-insensitive), domain-spec = macro-string domain-end with the toplabel
 *	rule, macro-expand letters (c, r, t only in exp text), nonzero DIGIT
 *	transformers up to 128, delimiters, ip4-network without leading zeros, ip6
 *	per RFC 4291, CIDR lengths (0-32, 0-128, no leading zeros; dual for a/mx
 *	only), exp= and redirect= at most once each. The first error is returned as
 *	a short English phrase (the evaluation is then permerror); NULL means valid.
 *
 *	For a valid record, out receives the equivalent record for libspf2 1.2.10,
 *	for the client address addr (4 bytes for AF_INET, 16 for AF_INET6; an
 *	IPv4-mapped client is AF_INET). libspf2 silently drops every mechanism
 *	once the compiled ones fill 511 bytes (SPF_MAX_MECH_LEN, checked in
 *	SPF_c_mech_add without a word in the response): about 64 ip4 or 25 ip6
 *	terms, so a trailing -all was lost and fail became neutral. RFC 7208 limits
 *	the DNS-querying terms, not the number of terms, so the record is made
 *	short instead, without changing its result:
 *	  - ip4: and ip6: are evaluated here (5.6): a term that does not match the
 *	    client is left out; the first that matches becomes "all" with its
 *	    qualifier (the walk stops there, as check_host() does);
 *	  - nothing after an "all" (or such a match) is written: it is never
 *	    evaluated, and redirect= is then left out as well (6.1);
 *	  - after the 11th DNS-querying term (a, mx, ptr, include, exists) the next
 *	    mechanism becomes "?all" and the rest is left out: libspf2 stops with
 *	    its lookup-limit permerror before it evaluates a mechanism that follows
 *	    11 DNS terms (4.6.4: the 11th already exceeds the limit of 10);
 *	  - exp= and unknown modifiers are left out (no effect on the result, 6; we
 *	    do not evaluate explanations); redirect= goes last;
 *	  - a or mx whose CIDR for the client's family is /0 become
 *	    "a:DOMAIN.MARKER" ("%{d}" when no domain was given) without CIDR: the
 *	    DNS layer in spf.c strips MARKER and answers the client's own address for
 *	    each address record, which is what /0 means; a /0 for the other family
 *	    only is dropped (it cannot matter for this client).
 *	Every other term is copied as it is. The whole record is still checked
 *	term by term (a syntax error anywhere is permerror, 4.6), written or not.
 *	So at most 11 DNS terms, one "all" and one redirect= reach libspf2; should
 *	their compiled form still not fit, spf.c sees it (SPF_record_compile keeps
 *	fewer mechanisms than were written) and the result is permerror, never a
 *	silent neutral.
 */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "spf.h"
#include "util.h"

/* is_alnum - ASCII letter or digit */
static bool
is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* macro_string - RFC 7208 7.1 macro-string; true if valid. *ends_macro: the
 * string ends with a macro-expand. Letters c, r and t only when exp_text. */
static bool
macro_string(const char *p, size_t len, bool exp_text, bool *ends_macro)
{
	size_t i = 0;

	*ends_macro = false;
	while (i < len) {
		unsigned char c = (unsigned char)p[i];

		*ends_macro = false;
		if (c != '%') {
			if (c < 0x21 || c > 0x7e)
				return false;
			i++;
			continue;
		}
		if (i + 1 >= len)
			return false;
		c = (unsigned char)p[i + 1];
		if (c == '%' || c == '_' || c == '-') {
			i += 2;
			*ends_macro = true;
			continue;
		}
		if (c != '{' || i + 2 >= len)
			return false;
		c = (unsigned char)tolower((unsigned char)p[i + 2]);
		if (strchr("slodiphv", c) == NULL && !(exp_text && strchr("crt", c) != NULL))
			return false;
		i += 3;
		if (i < len && isdigit((unsigned char)p[i])) {
			unsigned long v = 0;

			while (i < len && isdigit((unsigned char)p[i])) {
				v = v * 10 + (unsigned long)(p[i] - '0');
				if (v > 128)
					return false;
				i++;
			}
			if (v == 0)
				return false;	/* 7.1: a DIGIT transformer is nonzero */
		}
		if (i < len && (p[i] == 'r' || p[i] == 'R'))
			i++;
		while (i < len && strchr(".-+,/_=", p[i]) != NULL)
			i++;
		if (i >= len || p[i] != '}')
			return false;
		i++;
		*ends_macro = true;
	}
	return true;
}

/* toplabel - RFC 7208 toplabel: alphanumeric, not all digits, dashes inside */
static bool
toplabel(const char *p, size_t len)
{
	size_t i;
	bool alpha = false, dash = false;

	if (len == 0 || !is_alnum((unsigned char)p[0]) ||
	    !is_alnum((unsigned char)p[len - 1]))
		return false;
	for (i = 0; i < len; i++) {
		if (p[i] == '-')
			dash = true;
		else if (!is_alnum((unsigned char)p[i]))
			return false;
		else if (!isdigit((unsigned char)p[i]))
			alpha = true;
	}
	return alpha || dash;
}

/* domain_spec - RFC 7208 domain-spec = macro-string domain-end */
static bool
domain_spec(const char *p, size_t len)
{
	bool ends_macro;
	const char *dot;

	if (len == 0 || !macro_string(p, len, false, &ends_macro))
		return false;
	if (ends_macro)
		return true;
	if (p[len - 1] == '.')
		len--;
	if (len == 0 || (dot = memrchr(p, '.', len)) == NULL)
		return false;
	return toplabel(dot + 1, len - (size_t)(dot + 1 - p));
}

/* cidr_len - "/N" digits (no leading zero, at most max); value or -1 */
static int
cidr_len(const char *p, size_t len, int max)
{
	int v = 0;
	size_t i;

	if (len == 0 || len > 3 || (p[0] == '0' && len > 1))
		return -1;
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)p[i]))
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v > max ? -1 : v;
}

/* trailing_digits - how many digits end p[0..len) */
static size_t
trailing_digits(const char *p, size_t len)
{
	size_t n = 0;

	while (n < len && isdigit((unsigned char)p[len - 1 - n]))
		n++;
	return n;
}

/* dual_cidr - strip a dual-cidr-length from the end of p; false if malformed */
static bool
dual_cidr(const char *p, size_t *len, int *c4, int *c6)
{
	size_t n;

	*c4 = *c6 = -1;
	n = trailing_digits(p, *len);
	if (n > 0 && *len >= n + 2 && p[*len - n - 1] == '/' && p[*len - n - 2] == '/') {
		if ((*c6 = cidr_len(p + *len - n, n, 128)) < 0)
			return false;
		*len -= n + 2;
		n = trailing_digits(p, *len);
	}
	if (n > 0 && *len >= n + 1 && p[*len - n - 1] == '/' &&
	    (*len < n + 2 || p[*len - n - 2] != '/')) {
		if ((*c4 = cidr_len(p + *len - n, n, 32)) < 0)
			return false;
		*len -= n + 1;
	}
	return true;
}

/* ip4_network - RFC 7208 ip4-network: four qnums, no leading zeros */
static bool
ip4_network(const char *p, size_t len)
{
	size_t i = 0;
	int part;

	for (part = 0; part < 4; part++) {
		size_t start = i;
		int v = 0;

		while (i < len && isdigit((unsigned char)p[i])) {
			if (i - start < 3)	/* a longer run is refused below */
				v = v * 10 + (p[i] - '0');
			i++;
		}
		if (i == start || i - start > 3 || (p[start] == '0' && i - start > 1) ||
		    v > 255)
			return false;
		if (part < 3) {
			if (i >= len || p[i] != '.')
				return false;
			i++;
		}
	}
	return i == len;
}

/* ip6_network - an RFC 4291 text address */
static bool
ip6_network(const char *p, size_t len)
{
	char tmp[INET6_ADDRSTRLEN + 8];
	struct in6_addr a6;

	if (len == 0 || len >= sizeof tmp)
		return false;
	memcpy(tmp, p, len);
	tmp[len] = '\0';
	return inet_pton(AF_INET6, tmp, &a6) == 1;
}

/* struct rw - the state of one rewrite */
struct rw {
	int family;
	const unsigned char *addr;	/* the client: 4 or 16 bytes */
	const char *marker;
	struct buf *out;		/* the record for libspf2 */
	struct buf *redirect;		/* redirect= domain-spec, written last */
	unsigned ndns;			/* DNS-querying mechanisms written */
	bool done;			/* what follows is never evaluated */
	bool seen_exp;
};

/* net_match - whether the client is in the network p[0..len) with CIDR cidr
 * (-1: none); v4 says ip4 or ip6; the text is valid (checked before) */
static bool
net_match(const struct rw *st, const char *p, size_t len, bool v4, int cidr)
{
	unsigned char net[16];
	char tmp[INET6_ADDRSTRLEN + 8];
	int bits, i;

	if (st->family != (v4 ? AF_INET : AF_INET6) || len >= sizeof tmp)
		return false;	/* ip4 never matches an IPv6 client, nor ip6 an IPv4 one */
	memcpy(tmp, p, len);
	tmp[len] = '\0';
	if (inet_pton(st->family, tmp, net) != 1)
		return false;
	bits = cidr >= 0 ? cidr : (v4 ? 32 : 128);
	for (i = 0; bits > 0; i++, bits -= 8) {
		unsigned char mask = bits >= 8 ? 0xff : (unsigned char)(0xff << (8 - bits));

		if ((net[i] & mask) != (st->addr[i] & mask))
			return false;
	}
	return true;
}

/* emit - append " " + the text of one mechanism to the record for libspf2 */
static void
emit(struct rw *st, const char *t, size_t len)
{
	buf_addc(st->out, ' ');
	buf_add(st->out, t, len);
}

/* rec_modifier - check a modifier (t[0..nlen) is its name); keep redirect= aside */
static const char *
rec_modifier(struct rw *st, const char *t, size_t nlen, size_t len)
{
	const char *rest = t + nlen + 1;
	size_t rlen = len - nlen - 1;
	bool ends;

	if (nlen == 8 && strncasecmp(t, "redirect", 8) == 0) {
		if (st->redirect->len > 0)
			return "redirect= appears twice";
		if (!domain_spec(rest, rlen))
			return "redirect= has an invalid domain-spec";
		buf_add(st->redirect, rest, rlen);
		return NULL;
	}
	if (nlen == 3 && strncasecmp(t, "exp", 3) == 0) {
		if (st->seen_exp)
			return "exp= appears twice";
		st->seen_exp = true;
		if (!domain_spec(rest, rlen))
			return "exp= has an invalid domain-spec";
		return NULL;	/* explanations are not evaluated */
	}
	if (!macro_string(rest, rlen, true, &ends))
		return "a modifier has an invalid macro-string";
	return NULL;		/* unknown modifiers have no effect */
}

/* rec_term - check one term and write its libspf2 form (see the top of this
 * file); NULL or the syntax error */
static const char *
rec_term(struct rw *st, const char *t, size_t len)
{
	const char *q = t, *name, *rest;
	size_t nlen, rlen, i, ql;
	int c4 = -1, c6 = -1, c;
	bool dns = false, write;

	/* modifier: name "=" ..., no qualifier */
	if (isalpha((unsigned char)t[0])) {
		for (i = 1; i < len && (is_alnum((unsigned char)t[i]) ||
		    strchr("-_.", t[i]) != NULL); i++)
			;
		if (i < len && t[i] == '=')
			return rec_modifier(st, t, i, len);
	}
	if (strchr("+-?~", q[0]) != NULL)
		q++;
	ql = (size_t)(q - t);
	name = q;
	for (nlen = 0; q + nlen < t + len && isalnum((unsigned char)q[nlen]); nlen++)
		;
	rest = q + nlen;
	rlen = len - (size_t)(rest - t);
	if (rlen > 0 && rest[0] != ':' && rest[0] != '/')
		return "unknown mechanism";
	/* after 11 DNS terms libspf2 ends with permerror at the next mechanism */
	write = !st->done;
	if (write && st->ndns > SPF_MAX_TERMS) {
		emit(st, "?all", 4);
		st->done = true;
		write = false;
	}
#define IS(w) (nlen == sizeof(w) - 1 && strncasecmp(name, w, nlen) == 0)
	if (IS("all")) {
		if (rlen != 0)
			return "\"all\" takes no argument";
		if (write)
			emit(st, t, len);
		st->done = true;
		return NULL;
	} else if (IS("include") || IS("exists")) {
		if (rlen < 1 || rest[0] != ':' || !domain_spec(rest + 1, rlen - 1))
			return IS("include") ? "include: needs a valid domain-spec" :
			    "exists: needs a valid domain-spec";
		dns = true;
	} else if (IS("ptr")) {
		if (rlen > 0 && (rest[0] != ':' || !domain_spec(rest + 1, rlen - 1)))
			return "ptr: has an invalid domain-spec";
		dns = true;
	} else if (IS("a") || IS("mx")) {
		if (!dual_cidr(rest, &rlen, &c4, &c6))
			return "invalid CIDR length";
		if (rlen > 0 && (rest[0] != ':' || !domain_spec(rest + 1, rlen - 1)))
			return IS("a") ? "a: has an invalid domain-spec" :
			    "mx: has an invalid domain-spec";
		if (!write)
			return NULL;
		st->ndns++;
		if ((st->family == AF_INET ? c4 : c6) == 0) {
			/* /0: any address matches; libspf2 refuses /0, so the name
			 * carries our marker and the layer answers the client's
			 * own address for each record found */
			emit(st, t, (size_t)(name - t) + nlen);
			buf_addc(st->out, ':');
			if (rlen > 1) {
				size_t dl = rlen - 1;

				if (rest[dl] == '.')
					dl--;
				buf_add(st->out, rest + 1, dl);
			} else
				buf_adds(st->out, "%{d}");
			buf_printf(st->out, ".%s", st->marker);
			return NULL;
		}
		if (c4 == 0 || c6 == 0) {
			/* /0 for the other family only: irrelevant here, but libspf2
			 * refuses it; keep the client family's length alone */
			c = st->family == AF_INET ? c4 : c6;
			emit(st, t, (size_t)(rest - t) + rlen);
			if (c > 0)
				buf_printf(st->out, "%s%d", st->family == AF_INET ? "/" : "//", c);
			return NULL;
		}
		emit(st, t, len);
		return NULL;
	} else if (IS("ip4") || IS("ip6")) {
		bool v4 = IS("ip4");
		const char *slash;
		size_t nl;

		if (rlen < 2 || rest[0] != ':')
			return v4 ? "ip4: needs an address" : "ip6: needs an address";
		slash = memrchr(rest + 1, '/', rlen - 1);
		nl = slash != NULL ? (size_t)(slash - rest - 1) : rlen - 1;
		if (v4 ? !ip4_network(rest + 1, nl) : !ip6_network(rest + 1, nl))
			return v4 ? "invalid IPv4 network" : "invalid IPv6 network";
		c = -1;
		if (slash != NULL &&
		    (c = cidr_len(slash + 1, rlen - 1 - nl - 1, v4 ? 32 : 128)) < 0)
			return "invalid CIDR length";
		if (write && net_match(st, rest + 1, nl, v4, c)) {
			/* the first match ends the walk: "all" with its qualifier */
			buf_printf(st->out, " %.*sall", (int)ql, t);
			st->done = true;
		}
		return NULL;	/* no match: the term has no effect, left out */
	} else
		return "unknown mechanism";
#undef IS
	if (write && dns) {
		st->ndns++;
		emit(st, t, len);
	}
	return NULL;
}

/* spf_record_rewrite - check a v=spf1 record, write what libspf2 should see */
const char *
spf_record_rewrite(const char *rec, size_t len, int family, const unsigned char *addr,
    const char *marker, struct buf *out)
{
	struct buf redirect;
	struct rw st;
	const char *p = rec + 6, *end = rec + len, *why = NULL;

	buf_init(&redirect);
	memset(&st, 0, sizeof st);
	st.family = family;
	st.addr = addr;
	st.marker = marker;
	st.out = out;
	st.redirect = &redirect;
	buf_adds(out, "v=spf1");
	while (p < end && why == NULL) {
		const char *t;

		while (p < end && *p == ' ')
			p++;
		if (p >= end)
			break;
		for (t = p; p < end && *p != ' '; p++)
			;
		why = rec_term(&st, t, (size_t)(p - t));
	}
	if (why == NULL && redirect.len > 0 && !st.done) {
		buf_adds(out, " redirect=");
		buf_add(out, redirect.data, redirect.len);
	}
	buf_free(&redirect);
	return why;
}
