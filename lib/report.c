/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	report - DMARC aggregate report pieces: XML, DKIM list decoder, gzip, rua=, MIME
 * SYNOPSIS
 *	#include "report.h"
 *	(see report.h)
 * DESCRIPTION
 *	XML (RFC 9990, Appendix A). The document is <feedback
 *	xmlns="urn:ietf:params:xml:ns:dmarc-2.0">, the DMARC namespace as the default
 *	namespace (the form of RFC 9990's examples), so every element is in it
 *	without a prefix; <version>1.0</version> first ("MUST have the value 1.0").
 *	RFC 9990 does not let a sender write RFC 7489's form instead (it obsoletes
 *	RFC 7489 and names no compatibility form), so there is no option for it.
 *	report_metadata carries generator when given; the schema allows one error
 *	element, so several errors are joined by "; ". policy_published writes
 *	domain, discovery_method (when known), p, sp, np (when published), fo,
 *	adkim, aspf, testing (when known): RFC 9990 dropped pct (RFC 9989 made it
 *	historic; t=y and pct=0 are testing "y"). Rows recorded before these were
 *	stored have them unknown, and the optional elements are then left out.
 *	Every string is written as UTF-8 text: '&', '<', '>', '"' and '\'' become
 *	entities, CR becomes &#13;, and every byte that is not part of a well-formed
 *	UTF-8 sequence of an XML 1.0 Char (C0 controls other than TAB/LF/CR, stray or
 *	overlong bytes, surrogates, U+FFFE/U+FFFF) becomes U+FFFD. Values the schema
 *	restricts are checked, case-insensitively, and written in lowercase; what the
 *	schema cannot hold becomes a fixed value:
 *	  disposition (none, pass, quarantine, reject), p -> "none"; sp NULL or invalid -> p; np, discovery_method,
 *	  testing invalid -> left out; dkim_eval, spf_eval -> "fail"; adkim/aspf
 *	  other than r/s -> left out; fo NULL -> "0" (the default); spf_scope is
 *	  always "mfrom" (RFC 9990: "the only valid value"): a row whose scope says
 *	  "helo" is a null reverse-path, whose MAIL FROM identity is postmaster at
 *	  the HELO name (RFC 7208 section 2.4, as RFC 9989 "Terminology" recalls),
 *	  so its domain is that MAIL FROM identity's; spf_result NULL or "" -> "none", "unknown" -> "temperror", "error" ->
 *	  "permerror" (RFC 7489's notes), other -> "permerror"; a DKIM result
 *	  likewise ("" -> "none", other -> "permerror"); reason_type "sampled_out"
 *	  (RFC 7489, recorded for t=y/pct=0) -> "policy_test_mode", other unknown
 *	  ones -> "other" with the given text as comment when there is no comment;
 *	  reason_comment without reason_type -> type "other".
 *	  source_ip is parsed (inet_pton) and written as dotted IPv4, an IPv4-mapped
 *	  IPv6 address as IPv4, other IPv6 with all eight groups (an RFC 3986
 *	  IPv6address, and also what RFC 7489's pattern accepted); an unparseable
 *	  one becomes 0.0.0.0.
 *	header_from and the DKIM selector are required, so NULL there gives an
 *	empty element; envelope_from is written, empty when NULL (RFC 9990: it "MAY
 *	be existing but empty" for a null reverse-path); NULL optional fields
 *	(extra_contact_info, error, generator, reason, comment, envelope_to) leave
 *	their element out. A DKIM list entry gives one auth_results/dkim, in RFC
 *	9990's order of preference ("DKIM Signatures in Aggregate Reports": a pass
 *	strictly aligned with header_from, one in relaxed alignment, any other pass,
 *	then those that do not pass; the stored order within each), at most
 *	REPORT_DKIM_MAX (100, "no more than 100 signatures for a given row") per
 *	record. Relaxed alignment here is by m->psl's organizational domains (the
 *	reporter has no tree walk; it only orders what is written); with a NULL psl
 *	only names equal to header_from rank first.
 *
 *	DKIM list. hist_dkim_encode() (lib/history.c, so that the milter, which
 *	builds the rows, does not link this file) appends "d/s/r", preceded by one
 *	space when out is not empty; NULL fields are empty. Bytes outside
 *	[A-Za-z0-9._-] are written %XX (uppercase hex). report_dkim_decode()
 *	splits on spaces (runs of spaces are one separator), skips a token without
 *	exactly two '/', and decodes %XX; a malformed escape, or %00, stays as
 *	literal text.
 *
 *	rua= (RFC 9989 section 4.7). Split on ','; blanks around each URI are ignored
 *	and an empty element is skipped. The text after the last '!' is RFC 9989's
 *	obs-dmarc-report-size (1*DIGIT with an optional k/m/g/t, either case):
 *	"reporters should ignore the obs-dmarc-report-size", so the URI is used
 *	without it and no limit applies, whatever the number. A suffix that is not
 *	of that form leaves an unencoded '!' in the URI, which RFC 9989 says MUST be
 *	encoded: the URI is malformed and unusable (RFC 9990 "Report Delivery": "If
 *	any of the URIs are malformed, they SHOULD be ignored"). mailto:
 *	URIs give address = local "@" domain, percent-decoded, without the query
 *	part; usable only for a dot-atom local part of at most 64 bytes and a valid
 *	domain (normalised by dmarc_domain_normalize: lowercase, A-labels). Other
 *	schemes are kept with usable false and a reason.
 *
 *	Destinations (RFC 9990 "Verifying External Destinations").
 *	report_dest_external() compares organizational
 *	domains (psl_org_domain; a name without one, or a NULL psl, compares as
 *	itself); a NULL or invalid name counts as external. report_dest_authorized()
 *	asks TXT <policy>._report._dmarc.<dest> (both normalised first; an invalid
 *	name is 0 without a query) and accepts any record passing
 *	dmarc_record_is_v1(); the first accepted record with a non-empty rua= tag
 *	(dmarc_record_parse) gives *rua. Step 9 of that section: that rua= replaces
 *	the URI, and every overriding URI "MUST use the same destination host";
 *	"if the confirming record includes a URI whose host is again different ...
 *	MUST NOT generate a report to either the original or the override URI".
 *	report_dest_override() parses it with report_parse_rua() and returns its
 *	URIs only when every one is a usable mailto: URI whose (normalised) domain
 *	is the destination host; a URI of another host, one whose host cannot be
 *	told (another scheme, malformed) or an empty list gives 0: nothing is sent
 *	for that URI, neither to it nor to the override.
 *
 *	File name and message (RFC 9990 "Email"). In report_filename() the two
 *	domains are lowercased with every byte outside [a-z0-9._-] written '_', and
 *	the unique id keeps its letters and digits only (left out when none remain).
 *	report_mime() writes From, To, Date (UTC), Message-ID, Subject (folded at
 *	78 columns), MIME-Version, Auto-Submitted, then multipart/mixed with a
 *	text/plain summary and the application/gzip part in base64 (76 columns).
 *	Every header value and summary line is made of printable ASCII only: other
 *	bytes (CR, LF, controls, 8-bit) become '?', so no value can end a header or
 *	start a MIME boundary line. Long values are cut (255 bytes per domain or id).
 *	The header text (unstructured values, the Message-ID's LDH parts, the
 *	Subject's folding) and the mailto: dot-atom check are lib/hdrtext's, the
 *	base64 lines lib/b64's; the XML escaping above stays here, the only XML
 *	written (XML character data is not a header token: see lib/hdrtext.c).
 * DIAGNOSTICS
 *	report_gzip() returns -1 when zlib fails; nothing here logs or exits except
 *	through xmalloc().
 * SEE ALSO
 *	RFC 9990 (sections "Report Delivery", "Email", "Verifying External
 *	Destinations", Appendix A); RFC 9989 section 4.7; RFC 1952; RFC 2045/2046.
 */
#include "autoconf.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <zlib.h>

#include "b64.h"
#include "dmarc.h"
#include "dns.h"
#include "hdrtext.h"
#include "psl.h"
#include "report.h"
#include "util.h"

#define NAME_MAX_LEN	254	/* 253 + NUL */
#define VALUE_MAX	255	/* longest domain or id copied into a header */

/* --- XML text --- */

/* utf8_seq - length of a well-formed UTF-8 sequence at p that is an XML Char, or 0 */
static size_t
utf8_seq(const unsigned char *p, size_t n)
{
	unsigned long cp;
	size_t len, i;

	if (p[0] < 0x80) {
		if (p[0] < 0x20 && p[0] != '\t' && p[0] != '\n' && p[0] != '\r')
			return 0;
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff)
		return 0;	/* overlong or beyond Unicode */
	if ((cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe || cp == 0xffff)
		return 0;	/* surrogates and the two non-characters XML excludes */
	return len;
}

/* xml_text - append s as XML character data (escaped, valid UTF-8 only) */
static void
xml_text(struct buf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
	size_t n = strlen((const char *)p), k;

	while (n > 0) {
		switch (*p) {
		case '&': buf_adds(out, "&amp;"); k = 1; break;
		case '<': buf_adds(out, "&lt;"); k = 1; break;
		case '>': buf_adds(out, "&gt;"); k = 1; break;
		case '"': buf_adds(out, "&quot;"); k = 1; break;
		case '\'': buf_adds(out, "&apos;"); k = 1; break;
		case '\r': buf_adds(out, "&#13;"); k = 1; break;
		default:
			if ((k = utf8_seq(p, n)) > 0)
				buf_add(out, p, k);
			else {
				buf_adds(out, "\xef\xbf\xbd");	/* U+FFFD */
				k = 1;
			}
		}
		p += k;
		n -= k;
	}
}

/* xml_elem - append one indented <name>text</name> line */
static void
xml_elem(struct buf *out, int depth, const char *name, const char *text)
{
	buf_printf(out, "%*s<%s>", depth * 2, "", name);
	xml_text(out, text);
	buf_printf(out, "</%s>\n", name);
}

/* xml_tag - append an indented opening (close false) or closing tag line */
static void
xml_tag(struct buf *out, int depth, const char *name, bool close)
{
	buf_printf(out, "%*s<%s%s>\n", depth * 2, "", close ? "/" : "", name);
}

/* pick - the canonical spelling of v in list (case-insensitive), or NULL */
static const char *
pick(const char *v, const char *const *list)
{
	size_t i;

	if (v == NULL)
		return NULL;
	for (i = 0; list[i] != NULL; i++)
		if (strcasecmp(v, list[i]) == 0)
			return list[i];
	return NULL;
}

static const char *const dispositions[] = { "none", "quarantine", "reject", NULL };
static const char *const action_dispositions[] = { "none", "pass", "quarantine",
	"reject", NULL };
static const char *const dmarc_results[] = { "pass", "fail", NULL };
static const char *const override_types[] = { "local_policy", "mailing_list", "other",
	"policy_test_mode", "trusted_forwarder", NULL };
static const char *const discovery_methods[] = { "psl", "treewalk", NULL };
static const char *const testing_values[] = { "n", "y", NULL };
static const char *const dkim_results[] = { "none", "pass", "fail", "policy", "neutral",
	"temperror", "permerror", NULL };
static const char *const spf_results[] = { "none", "neutral", "pass", "fail", "softfail",
	"policy", "temperror", "permerror", NULL };

/* auth_result - a DKIM or SPF result as the schema spells it (see DESCRIPTION) */
static const char *
auth_result(const char *v, const char *const *list)
{
	const char *c;

	if (v == NULL || *v == '\0')
		return "none";
	if ((c = pick(v, list)) != NULL)
		return c;
	if (strcasecmp(v, "unknown") == 0)
		return "temperror";
	return "permerror";
}

/* ip_literal - source_ip as an RFC 3986 IPv4address or IPv6address */
static void
ip_literal(const char *in, char *out, size_t outlen)
{
	struct in_addr a4;
	struct in6_addr a6;
	const unsigned char *b = a6.s6_addr;
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (in != NULL && inet_pton(AF_INET, in, &a4) == 1 &&
	    inet_ntop(AF_INET, &a4, out, (socklen_t)outlen) != NULL)
		return;
	if (in != NULL && inet_pton(AF_INET6, in, &a6) == 1) {
		if (memcmp(b, mapped, sizeof(mapped)) == 0)
			snprintf(out, outlen, "%u.%u.%u.%u", b[12], b[13], b[14], b[15]);
		else
			snprintf(out, outlen, "%x:%x:%x:%x:%x:%x:%x:%x",
			    b[0] << 8 | b[1], b[2] << 8 | b[3], b[4] << 8 | b[5],
			    b[6] << 8 | b[7], b[8] << 8 | b[9], b[10] << 8 | b[11],
			    b[12] << 8 | b[13], b[14] << 8 | b[15]);
		return;
	}
	snprintf(out, outlen, "0.0.0.0");
}

/* xml_metadata - report_metadata and policy_published */
static void
xml_metadata(struct buf *out, const struct report_meta *m)
{
	const char *p, *sp, *v;
	size_t i;
	bool any = false;

	xml_tag(out, 1, "report_metadata", false);
	xml_elem(out, 2, "org_name", m->org_name);
	xml_elem(out, 2, "email", m->email);
	if (m->extra_contact != NULL)
		xml_elem(out, 2, "extra_contact_info", m->extra_contact);
	xml_elem(out, 2, "report_id", m->report_id);
	xml_tag(out, 2, "date_range", false);
	buf_printf(out, "      <begin>%lld</begin>\n", m->begin);
	buf_printf(out, "      <end>%lld</end>\n", m->end);
	xml_tag(out, 2, "date_range", true);
	for (i = 0; m->errors != NULL && i < m->nerrors; i++) {
		if (m->errors[i] == NULL)
			continue;
		buf_adds(out, any ? "; " : "    <error>");
		xml_text(out, m->errors[i]);
		any = true;
	}
	if (any)
		buf_adds(out, "</error>\n");
	if (m->generator != NULL)
		xml_elem(out, 2, "generator", m->generator);
	xml_tag(out, 1, "report_metadata", true);

	if ((p = pick(m->p, dispositions)) == NULL)
		p = "none";
	if ((sp = pick(m->sp, dispositions)) == NULL)
		sp = p;
	xml_tag(out, 1, "policy_published", false);
	xml_elem(out, 2, "domain", m->domain);
	if ((v = pick(m->discovery_method, discovery_methods)) != NULL)
		xml_elem(out, 2, "discovery_method", v);
	xml_elem(out, 2, "p", p);
	xml_elem(out, 2, "sp", sp);
	if ((v = pick(m->np, dispositions)) != NULL)
		xml_elem(out, 2, "np", v);
	xml_elem(out, 2, "fo", m->fo != NULL ? m->fo : "0");
	if (m->adkim == 'r' || m->adkim == 's' || m->adkim == 'R' || m->adkim == 'S')
		xml_elem(out, 2, "adkim", tolower((unsigned char)m->adkim) == 'r' ? "r" : "s");
	if (m->aspf == 'r' || m->aspf == 's' || m->aspf == 'R' || m->aspf == 'S')
		xml_elem(out, 2, "aspf", tolower((unsigned char)m->aspf) == 'r' ? "r" : "s");
	if ((v = pick(m->testing, testing_values)) != NULL)
		xml_elem(out, 2, "testing", v);
	xml_tag(out, 1, "policy_published", true);
}

/* xml_reason - policy_evaluated/reason, if the record has one */
static void
xml_reason(struct buf *out, const struct report_record *r)
{
	const char *type, *comment = r->reason_comment;

	if (r->reason_type == NULL && r->reason_comment == NULL)
		return;
	if (r->reason_type != NULL && strcasecmp(r->reason_type, "sampled_out") == 0)
		type = "policy_test_mode";
	else if ((type = pick(r->reason_type, override_types)) == NULL) {
		type = "other";
		if (comment == NULL)
			comment = r->reason_type;
	}
	xml_tag(out, 4, "reason", false);
	xml_elem(out, 5, "type", type);
	if (comment != NULL)
		xml_elem(out, 5, "comment", comment);
	xml_tag(out, 4, "reason", true);
}

/* dkim_rank - a signature's place in RFC 9990's order of preference: 0 a pass in
 * strict alignment with the RFC5322.From domain, 1 a pass in relaxed alignment,
 * 2 any other pass, 3 not a pass */
static int
dkim_rank(const struct psl *psl, const char *d, const char *result, const char *from)
{
	if (strcmp(auth_result(result, dkim_results), "pass") != 0)
		return 3;
	if (dmarc_aligned(NULL, d, from, 's'))
		return 0;
	if (psl != NULL && dmarc_aligned(psl, d, from, 'r'))
		return 1;
	return 2;
}

/* xml_dkim - the record's DKIM results, best first, at most REPORT_DKIM_MAX */
static void
xml_dkim(struct buf *out, const struct report_record *r, const struct psl *psl)
{
	char **dd = NULL, **ds = NULL, **dr = NULL;
	size_t i, nd, written = 0;
	int rank, *rk;

	nd = report_dkim_decode(r->dkim, &dd, &ds, &dr);
	rk = xreallocarray(NULL, nd ? nd : 1, sizeof *rk);
	for (i = 0; i < nd; i++)
		rk[i] = dkim_rank(psl, dd[i], dr[i], r->header_from);
	for (rank = 0; rank <= 3; rank++)
		for (i = 0; i < nd && written < REPORT_DKIM_MAX; i++) {
			if (rk[i] != rank)
				continue;
			xml_tag(out, 3, "dkim", false);
			xml_elem(out, 4, "domain", dd[i]);
			xml_elem(out, 4, "selector", ds[i]);
			xml_elem(out, 4, "result", auth_result(dr[i], dkim_results));
			xml_tag(out, 3, "dkim", true);
			written++;
		}
	free(rk);
	report_dkim_free(dd, ds, dr, nd);
}

/* xml_record - one <record> */
static void
xml_record(struct buf *out, const struct report_record *r, const struct psl *psl)
{
	char ip[INET6_ADDRSTRLEN + 8];
	const char *v;

	ip_literal(r->source_ip, ip, sizeof(ip));
	xml_tag(out, 1, "record", false);
	xml_tag(out, 2, "row", false);
	xml_elem(out, 3, "source_ip", ip);
	buf_printf(out, "      <count>%lu</count>\n", r->count);
	xml_tag(out, 3, "policy_evaluated", false);
	xml_elem(out, 4, "disposition",
	    (v = pick(r->disposition, action_dispositions)) != NULL ? v : "none");
	xml_elem(out, 4, "dkim", (v = pick(r->dkim_eval, dmarc_results)) != NULL ? v : "fail");
	xml_elem(out, 4, "spf", (v = pick(r->spf_eval, dmarc_results)) != NULL ? v : "fail");
	xml_reason(out, r);
	xml_tag(out, 3, "policy_evaluated", true);
	xml_tag(out, 2, "row", true);

	xml_tag(out, 2, "identifiers", false);
	xml_elem(out, 3, "header_from", r->header_from);
	xml_elem(out, 3, "envelope_from", r->envelope_from);
	if (r->envelope_to != NULL)
		xml_elem(out, 3, "envelope_to", r->envelope_to);
	xml_tag(out, 2, "identifiers", true);

	xml_tag(out, 2, "auth_results", false);
	xml_dkim(out, r, psl);
	xml_tag(out, 3, "spf", false);
	xml_elem(out, 4, "domain", r->spf_domain);
	xml_elem(out, 4, "scope", "mfrom");
	xml_elem(out, 4, "result", auth_result(r->spf_result, spf_results));
	xml_tag(out, 3, "spf", true);
	xml_tag(out, 2, "auth_results", true);
	xml_tag(out, 1, "record", true);
}

/* report_xml - the aggregate report document */
void
report_xml(struct buf *out, const struct report_meta *m, const struct report_record *r,
    size_t n)
{
	size_t i;

	buf_adds(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	buf_adds(out, "<feedback xmlns=\"" REPORT_XMLNS "\">\n");
	buf_adds(out, "  <version>1.0</version>\n");
	xml_metadata(out, m);
	for (i = 0; i < n; i++)
		xml_record(out, &r[i], m->psl);
	buf_adds(out, "</feedback>\n");
}

/* --- the stored DKIM list --- */

/* hexval - value of one hex digit, or -1 */
static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* pct_decode - decode [p, p+n); strict: -1 on a bad escape or %00, else 0 */
static int
pct_decode(const char *p, size_t n, struct buf *out, bool strict)
{
	size_t i;
	int hi, lo;

	for (i = 0; i < n; i++) {
		if (p[i] == '%' && i + 2 < n && (hi = hexval(p[i + 1])) >= 0 &&
		    (lo = hexval(p[i + 2])) >= 0 && hi * 16 + lo != 0) {
			buf_addc(out, hi * 16 + lo);
			i += 2;
		} else if (p[i] == '%' && strict)
			return -1;
		else
			buf_addc(out, p[i]);
	}
	return 0;
}

/* report_dkim_decode - split a stored list into its signatures */
size_t
report_dkim_decode(const char *enc, char ***domains, char ***selectors, char ***results)
{
	char ***arr[3] = { domains, selectors, results };
	const char *p = enc != NULL ? enc : "", *tok, *slash[2] = { NULL, NULL };
	size_t n = 0, cap = 0, len, i, k;
	struct buf b;

	for (k = 0; k < 3; k++)
		if (arr[k] != NULL)
			*arr[k] = NULL;
	buf_init(&b);
	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		tok = p;
		for (len = 0, k = 0; tok[len] != '\0' && tok[len] != ' '; len++)
			if (tok[len] == '/' && k++ < 2)
				slash[k - 1] = tok + len;
		p = tok + len;
		if (k != 2)
			continue;	/* not domain/selector/result */
		if (n + 1 >= cap) {
			cap = cap ? cap * 2 : 4;
			for (i = 0; i < 3; i++)
				if (arr[i] != NULL)
					*arr[i] = xreallocarray(*arr[i], cap, sizeof(char *));
		}
		{
			const char *from[3] = { tok, slash[0] + 1, slash[1] + 1 };
			const char *to[3] = { slash[0], slash[1], tok + len };

			for (i = 0; i < 3; i++) {
				if (arr[i] == NULL)
					continue;
				buf_reset(&b);
				pct_decode(from[i], (size_t)(to[i] - from[i]), &b, false);
				(*arr[i])[n] = xstrdup(buf_str(&b));
				(*arr[i])[n + 1] = NULL;
			}
		}
		n++;
	}
	buf_free(&b);
	return n;
}

/* report_dkim_free - free what report_dkim_decode returned */
void
report_dkim_free(char **domains, char **selectors, char **results, size_t n)
{
	char **arr[3] = { domains, selectors, results };
	size_t i, k;

	for (k = 0; k < 3; k++) {
		if (arr[k] == NULL)
			continue;
		for (i = 0; i < n; i++)
			free(arr[k][i]);
		free(arr[k]);
	}
}

/* --- gzip --- */

/* report_gzip - RFC 1952 gzip member of data, appended to out */
int
report_gzip(const void *data, size_t len, struct buf *out)
{
	unsigned char chunk[16384];
	const unsigned char *in = data;
	size_t start = out->len, left = len;
	z_stream zs;
	int rc, flush;

	memset(&zs, 0, sizeof(zs));
	/* windowBits 15 + 16: a gzip header and trailer instead of zlib's */
	if (deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	buf_add(out, "", 0);	/* out->data exists even when nothing follows */
	do {
		size_t take = left > UINT_MAX ? UINT_MAX : left;

		zs.next_in = (unsigned char *)(uintptr_t)in;
		zs.avail_in = (unsigned)take;
		in += take;
		left -= take;
		flush = left == 0 ? Z_FINISH : Z_NO_FLUSH;
		do {
			zs.next_out = chunk;
			zs.avail_out = sizeof(chunk);
			rc = deflate(&zs, flush);
			if (rc == Z_STREAM_ERROR) {
				deflateEnd(&zs);
				out->len = start;
				out->data[start] = '\0';
				return -1;
			}
			buf_add(out, chunk, sizeof(chunk) - zs.avail_out);
		} while (zs.avail_out == 0);
	} while (flush != Z_FINISH);
	rc = deflateEnd(&zs);
	if (rc != Z_OK) {
		out->len = start;
		out->data[start] = '\0';
		return -1;
	}
	return 0;
}

/* --- rua= --- */

/* obs_size - whether [p, p+n) is RFC 9989's obs-dmarc-report-size after its '!' */
static bool
obs_size(const char *p, size_t n)
{
	size_t i;

	if (n > 0 && strchr("kKmMgGtT", p[n - 1]) != NULL)
		n--;
	if (n == 0)
		return false;
	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)p[i]))
			return false;
	return true;
}

/* mailto_address - the addr-spec of a mailto: URI body into u, or a reason */
static const char *
mailto_address(const char *p, size_t n, struct report_uri *u)
{
	char dom[NAME_MAX_LEN];
	const char *q = memchr(p, '?', n), *addr, *at;
	struct buf b;
	const char *why = NULL;

	if (q != NULL)
		n = (size_t)(q - p);
	buf_init(&b);
	if (pct_decode(p, n, &b, true) < 0)
		why = "invalid percent-encoding in the mailto: address";
	else if (b.len == 0)
		why = "mailto: URI without an address";
	else if (strchr((addr = buf_str(&b)), ',') != NULL)
		why = "several addresses in one mailto: URI";
	else if ((at = strrchr(addr, '@')) == NULL || at[1] == '\0')
		why = "mailto: address without a domain";
	else if (at == addr)
		why = "mailto: address without a local part";
	else if (at - addr > 64)
		why = "mailto: local part longer than 64 bytes";
	else {
		b.data[at - addr] = '\0';
		if (!hdr_is_dot_atom(addr, strlen(addr)))
			why = "unsupported mailto: local part";
		else if (dmarc_domain_normalize(at + 1, dom, sizeof(dom)) != 0)
			why = "invalid mailto: domain";
		else {
			str_set_printf(&u->address, "%s@%s", addr, dom);
			u->domain = xstrdup(dom);
		}
	}
	buf_free(&b);
	return why;
}

/* parse_uri - one DMARC URI of the list (lib/dmarc_record) into u */
static void
parse_uri(const struct dmarc_uri *d, struct report_uri *u)
{
	const char *why = NULL;

	memset(u, 0, sizeof(*u));
	u->uri = xstrndup(d->uri, d->len);
	/* the obsolete size is ignored; anything else after '!' is a malformed URI */
	if (d->size != NULL && !obs_size(d->size, d->size_len))
		why = "unencoded \"!\" in the URI";
	if (why != NULL)
		;
	else if (d->scheme_len == 0)
		why = "not a URI";
	else if (d->scheme_len != 6 || strncasecmp(d->uri, "mailto", 6) != 0) {
		str_set_printf(&u->why, "unsupported URI scheme \"%.*s\"",
		    (int)d->scheme_len, d->uri);
		return;
	} else
		why = mailto_address(d->uri + 7, d->len - 7, u);
	if (why != NULL) {
		u->why = xstrdup(why);
		free(u->address);
		free(u->domain);
		u->address = u->domain = NULL;
		return;
	}
	u->usable = true;
}

/* report_parse_rua - the URIs of an rua= value */
size_t
report_parse_rua(const char *rua, struct report_uri **out)
{
	struct report_uri *v = NULL;
	struct dmarc_uri d;
	size_t n = 0, cap = 0;
	const char *p = rua;

	*out = NULL;
	if (rua == NULL)
		return 0;
	while (dmarc_uri_next(&p, rua + strlen(rua), &d)) {
		if (n == cap) {
			cap = cap ? cap * 2 : 4;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		parse_uri(&d, &v[n++]);
	}
	*out = v;
	return n;
}

/* report_uris_free - free what report_parse_rua returned */
void
report_uris_free(struct report_uri *u, size_t n)
{
	size_t i;

	for (i = 0; u != NULL && i < n; i++) {
		free(u[i].uri);
		free(u[i].address);
		free(u[i].domain);
		free(u[i].why);
	}
	free(u);
}

/* --- external destinations (section 7.1) --- */

/* org_or_self - organizational domain of name, or name itself; -1 if invalid */
static int
org_or_self(const struct psl *psl, const char *name, char *out, size_t outlen)
{
	char norm[NAME_MAX_LEN];

	if (dmarc_domain_normalize(name, norm, sizeof(norm)) != 0)
		return -1;
	if (psl != NULL && psl_org_domain(psl, norm, out, outlen) == 0)
		return 0;
	snprintf(out, outlen, "%s", norm);
	return 0;
}

/* report_dest_external - whether dest_domain is outside the policy's organization */
bool
report_dest_external(const struct psl *psl, const char *policy_domain,
    const char *dest_domain)
{
	char a[NAME_MAX_LEN], b[NAME_MAX_LEN];

	if (org_or_self(psl, policy_domain, a, sizeof(a)) != 0 ||
	    org_or_self(psl, dest_domain, b, sizeof(b)) != 0)
		return true;
	return strcmp(a, b) != 0;
}

/* report_dest_authorized - TXT <policy>._report._dmarc.<dest> holds a DMARC1 record;
 * *rua (if rua): the first such record's rua= value, or NULL */
int
report_dest_authorized(struct dns_session *s, const char *policy_domain,
    const char *dest_domain, char **rua)
{
	char pd[NAME_MAX_LEN], dd[NAME_MAX_LEN], name[2 * NAME_MAX_LEN + 16];
	struct dns_answer *a = NULL;
	struct dmarc_rec rec;
	size_t i;
	int st, rc = 0;

	if (rua != NULL)
		*rua = NULL;
	if (dmarc_domain_normalize(policy_domain, pd, sizeof(pd)) != 0 ||
	    dmarc_domain_normalize(dest_domain, dd, sizeof(dd)) != 0)
		return 0;
	snprintf(name, sizeof(name), "%s._report._dmarc.%s", pd, dd);
	st = dns_query(s, name, ns_t_txt, &a);
	if (st == DNS_TEMPFAIL)
		rc = -1;
	else if (st == DNS_OK && a != NULL)
		for (i = 0; i < a->n; i++) {
			const char *d = a->rr[i].u.txt.data;
			size_t len = a->rr[i].u.txt.len;

			if (!dmarc_record_is_v1(d, len))
				continue;
			rc = 1;
			if (rua == NULL)
				break;
			dmarc_record_parse(d, len, &rec);
			if (rec.rua[0] != '\0') {
				*rua = xstrdup(rec.rua);
				break;
			}
		}
	dns_answer_free(a);
	return rc;
}

/* report_dest_override - the URIs a confirming record's rua= puts in the place of
 * one whose host is dest_domain: their number, or 0 (with *why) when one of them
 * is not at that host or there is none, and then no report goes anywhere */
size_t
report_dest_override(const char *dest_domain, const char *rua,
    struct report_uri **out, const char **why)
{
	char dd[NAME_MAX_LEN];
	size_t i, n = report_parse_rua(rua, out);

	*why = NULL;
	if (n == 0)
		*why = "it lists no URI";
	else if (dest_domain == NULL ||
	    dmarc_domain_normalize(dest_domain, dd, sizeof(dd)) != 0)
		*why = "the destination host is invalid";
	for (i = 0; *why == NULL && i < n; i++)
		if ((*out)[i].domain == NULL || strcmp((*out)[i].domain, dd) != 0)
			*why = "it names a URI at another host";
	if (*why == NULL)
		return n;
	report_uris_free(*out, n);
	*out = NULL;
	return 0;
}

/* --- file name and message (section 7.2.1.1) --- */

/* name_part - append s lowercased, bytes outside [a-z0-9._-] as '_' */
static void
name_part(struct buf *out, const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)(s != NULL ? s : ""); *p != '\0'; p++) {
		int c = *p < 0x80 ? tolower(*p) : '_';

		buf_addc(out, (isalnum(c) || c == '.' || c == '-' || c == '_') ? c : '_');
	}
}

/* report_filename - receiver!policy-domain!begin!end[!unique-id].xml.gz */
void
report_filename(struct buf *out, const char *receiver, const char *policy_domain,
    long long begin, long long end, const char *unique_id)
{
	const unsigned char *p;
	bool any = false;

	name_part(out, receiver);
	buf_addc(out, '!');
	name_part(out, policy_domain);
	buf_printf(out, "!%lld!%lld", begin, end);
	for (p = (const unsigned char *)(unique_id != NULL ? unique_id : ""); *p != '\0'; p++)
		if (*p < 0x80 && isalnum(*p)) {
			if (!any)
				buf_addc(out, '!');
			any = true;
			buf_addc(out, *p);
		}
	buf_adds(out, ".xml.gz");
}

/* format_time - RFC 5322 date-time (is_date) or "YYYY-MM-DD HH:MM:SS", UTC */
static void
format_time(struct buf *out, long long t, bool is_date)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL) {
		tt = 0;
		gmtime_r(&tt, &tm);
	}
	if (is_date)
		buf_printf(out, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday],
		    tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
		    tm.tm_min, tm.tm_sec);
	else
		buf_printf(out, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900,
		    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* report_mime - the whole report message to one rua address */
void
report_mime(struct buf *out, const char *from, const char *to, const char *receiver,
    const struct report_meta *m, const char *filename, const void *gz, size_t gzlen,
    long long now)
{
	struct buf v, fn;
	char boundary[64];

	buf_init(&v);
	buf_init(&fn);
	/* '=' and '_' never start a base64 line, and no summary line starts with "--" */
	snprintf(boundary, sizeof(boundary), "=_mailauth_%llx_%zx", (unsigned long long)now,
	    gzlen);
	for (const char *p = filename != NULL ? filename : ""; *p != '\0' && fn.len < 200; p++)
		buf_addc(&fn, (isalnum((unsigned char)*p) && (unsigned char)*p < 0x80) ||
		    strchr("!._-+", *p) != NULL ? *p : '_');

	buf_adds(out, "From: ");
	hdr_unstructured(out, from, 998 - 6);
	buf_adds(out, "\nTo: ");
	hdr_unstructured(out, to, 998 - 4);
	buf_adds(out, "\nDate: ");
	format_time(out, now, true);
	buf_adds(out, "\nMessage-ID: <dmarc-report.");
	hdr_ldh_text(out, m->report_id, false, 64);
	buf_printf(out, ".%llx@", (unsigned long long)now);
	buf_reset(&v);
	hdr_ldh_text(&v, receiver, true, VALUE_MAX);
	buf_adds(out, v.len > 0 ? buf_str(&v) : "localhost");
	buf_adds(out, ">\n");

	buf_reset(&v);
	buf_adds(&v, " Report Domain: ");
	hdr_unstructured(&v, m->domain, VALUE_MAX);
	buf_adds(&v, " Submitter: ");
	hdr_unstructured(&v, receiver, VALUE_MAX);
	buf_adds(&v, " Report-ID: <");
	hdr_unstructured(&v, m->report_id, VALUE_MAX);
	buf_adds(&v, ">");
	hdr_folded(out, "Subject", buf_str(&v));
	buf_adds(out, "MIME-Version: 1.0\n");
	buf_adds(out, "Auto-Submitted: auto-generated\n");
	buf_printf(out, "Content-Type: multipart/mixed;\n boundary=\"%s\"\n\n", boundary);
	buf_adds(out, "This is a multi-part message in MIME format.\n\n");

	buf_printf(out, "--%s\n", boundary);
	buf_adds(out, "Content-Type: text/plain; charset=us-ascii\n");
	buf_adds(out, "Content-Transfer-Encoding: 7bit\n\n");
	buf_adds(out, "This is a DMARC aggregate report (RFC 9990), attached as gzip'd XML.\n\n");
	buf_adds(out, "Report domain: ");
	hdr_unstructured(out, m->domain, VALUE_MAX);
	buf_adds(out, "\nSubmitter: ");
	hdr_unstructured(out, receiver, VALUE_MAX);
	buf_adds(out, "\nReport-ID: ");
	hdr_unstructured(out, m->report_id, VALUE_MAX);
	buf_adds(out, "\nPeriod: ");
	format_time(out, m->begin, false);
	buf_adds(out, " to ");
	format_time(out, m->end, false);
	buf_adds(out, " UTC\n\n");

	buf_printf(out, "--%s\n", boundary);
	buf_printf(out, "Content-Type: application/gzip;\n name=\"%s\"\n", buf_str(&fn));
	buf_adds(out, "Content-Transfer-Encoding: base64\n");
	buf_printf(out, "Content-Disposition: attachment;\n filename=\"%s\"\n\n", buf_str(&fn));
	b64_encode_lines(out, gz, gzlen);
	buf_printf(out, "\n--%s--\n", boundary);
	buf_free(&v);
	buf_free(&fn);
}
