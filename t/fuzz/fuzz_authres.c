/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_authres.c - libFuzzer target: the Authentication-Results recogniser and the
 *	quoting of values we write
 *
 * The input is used twice.
 * 1. As one incoming A-R field value: authres_servid() must leave a NUL-terminated
 *    id, authres_claims_id() must agree with it when it names our id exactly, and
 *    authres_quote_value() of the input must write printable ASCII only.
 * 2. As the choices of a generator (property check of the rule in lib/authres.c:
 *    a field is ours whenever a plausible reading names our id): our id with
 *    random plausible decorations (case, blanks, folding, comments, empty quoted
 *    strings, quoting, unterminated quoting, quoted-pairs, splits by "" or a
 *    comment or a backslash inside the id, trailing dots, a version, anything
 *    after ';') must be recognised; the same boundary decorations around a
 *    different id ("x" + id, id + ".evil") must not.
 */
#include "autoconf.h"

#include <ctype.h>
#include <stdbool.h>
#include <strings.h>

#include "authres.h"
#include "fuzz.h"

#define OUR_ID	"mx.test.example"

/* struct pick - the input read as a stream of choices (0 once it runs out) */
struct pick {
	const uint8_t *p;
	size_t n;
};

/* next - the next choice byte */
static unsigned
next(struct pick *k)
{
	if (k->n == 0)
		return 0;
	k->n--;
	return *k->p++;
}

/* decorate - a field value naming id, decorated as the choices say; splits:
 * also decorations inside the id */
static void
decorate(struct buf *b, const char *id, struct pick *k, bool splits)
{
	static const char *const pre[] = {
		" ", "\t", "\r\n ", "(c)", "(a(b)c)", "\"\"", "\xc2\xa0", "(a\\)b)",
	};
	static const char *const post[] = { "", " 1", "(c)", "\r\n\t", "\"\"", " " };
	unsigned i, npre = next(k) % 4, dots = next(k) % 3, c;
	bool quoted = next(k) % 3 == 0, closed = quoted && next(k) % 5 != 0;

	for (i = 0; i < npre; i++)
		buf_adds(b, pre[next(k) % NELEM(pre)]);
	if (quoted)
		buf_addc(b, '"');
	for (const char *p = id; *p != '\0'; p++) {
		c = next(k);
		if (splits && (c & 0x70) == 0) {
			if (!quoted && (c & 0x08))
				buf_adds(b, "(x)");
			switch ((c >> 7) + (quoted ? 0 : 2 * (next(k) & 1))) {
			case 0:
			case 2:
				buf_adds(b, "\"\"");
				break;
			case 1:
			case 3:
				buf_addc(b, '\\');	/* a quoted-pair: the next byte */
				break;
			default:
				break;
			}
		}
		buf_addc(b, (c & 1) && isalpha((unsigned char)*p) ?
		    (islower((unsigned char)*p) ? toupper((unsigned char)*p) :
		    tolower((unsigned char)*p)) : *p);
	}
	for (i = 0; i < dots; i++)
		buf_addc(b, '.');
	if (closed)
		buf_addc(b, '"');
	buf_adds(b, post[next(k) % NELEM(post)]);
	if (next(k) & 1) {
		buf_adds(b, "; ");
		/* the rest; no quote after a quote that is never closed */
		for (c = next(k); k->n > 0 && c != 0; c = next(k))
			if (c != '"' || !quoted || closed)
				buf_addc(b, (int)c);
	}
}

/* check_property - our id decorated is ours; another id decorated is not */
static void
check_property(const uint8_t *data, size_t size)
{
	struct pick k = { data, size };
	struct buf b;

	buf_init(&b);
	decorate(&b, OUR_ID, &k, true);
	if (!authres_claims_id(buf_str(&b), OUR_ID)) {
		fprintf(stderr, "not recognised: [%s]\n", buf_str(&b));
		abort();
	}
	for (int i = 0; i < 2; i++) {
		k.p = data;
		k.n = size;
		buf_reset(&b);
		decorate(&b, i == 0 ? "x" OUR_ID : OUR_ID ".evil", &k, false);
		if (authres_claims_id(buf_str(&b), OUR_ID)) {
			fprintf(stderr, "another id taken for ours: [%s]\n", buf_str(&b));
			abort();
		}
	}
	buf_free(&b);
}

FUZZ_QUIET_INIT

/* LLVMFuzzerTestOneInput - one field value, then the property check */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	char id[256];
	struct buf b;
	bool claims;

	memset(id, 'x', sizeof id);
	claims = authres_claims_id(s, OUR_ID);
	if (authres_servid(s, id, sizeof id) == 0) {
		if (memchr(id, '\0', sizeof id) == NULL)
			abort();
		if (strcasecmp(id, OUR_ID) == 0 && !claims)
			abort();
	}
	buf_init(&b);
	authres_quote_value(&b, s);
	for (size_t i = 0; i < b.len; i++)
		if ((unsigned char)b.data[i] < 0x20 || (unsigned char)b.data[i] > 0x7e)
			abort();
	buf_free(&b);
	free(s);
	check_property(data, size);
	return 0;
}
