/*
 * fuzz_authres.c - libFuzzer target: the Authentication-Results recogniser and the
 *	quoting of values we write
 *
 * The input is one incoming A-R field value: authres_servid() must leave a
 * NUL-terminated id, authres_claims_id() must agree with it when it names our id
 * exactly, and authres_quote_value() of the input must write printable ASCII only.
 */
#include "autoconf.h"

#include <strings.h>

#include "authres.h"
#include "fuzz.h"

/* LLVMFuzzerInitialize - quiet logging */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	return 0;
}

/* LLVMFuzzerTestOneInput - one field value */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	char id[256];
	struct buf b;
	bool claims;

	memset(id, 'x', sizeof id);
	claims = authres_claims_id(s, "mx.test.example");
	if (authres_servid(s, id, sizeof id) == 0) {
		if (memchr(id, '\0', sizeof id) == NULL)
			abort();
		if (strcasecmp(id, "mx.test.example") == 0 && !claims)
			abort();
	}
	buf_init(&b);
	authres_quote_value(&b, s);
	for (size_t i = 0; i < b.len; i++)
		if ((unsigned char)b.data[i] < 0x20 || (unsigned char)b.data[i] > 0x7e)
			abort();
	buf_free(&b);
	free(s);
	return 0;
}
