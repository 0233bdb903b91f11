/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_arc_key.c - libFuzzer target: the p= of an ARC key record (lib/arc_sig.c)
 *
 * The input is the DER that p= carries (base64-encoded here into the record
 * "v=DKIM1; k=rsa; p=..." of a one-line zone) and goes through arc_key_fetch().
 * A key it accepts must be at least MinimumKeyBits and the same key as OpenSSL's
 * own decoders make of those bytes (d2i_PUBKEY, else d2i_PublicKey for a bare
 * RSAPublicKey): our DER reading may refuse more, never accept other keys.
 * A refusal must give a reason; a zone answer is never a temporary failure.
 */
#include "autoconf.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "arc_sig.h"
#include "b64.h"
#include "dns.h"
#include "fuzz.h"

#define MAX_INPUT	4096

/* LLVMFuzzerInitialize - quiet logs */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	return 0;
}

/* openssl_key - what OpenSSL's decoders make of the DER, or NULL */
static EVP_PKEY *
openssl_key(const uint8_t *data, size_t size)
{
	const unsigned char *p = data;
	EVP_PKEY *k = d2i_PUBKEY(NULL, &p, (long)size);

	if (k == NULL) {
		p = data;
		k = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, (long)size);
	}
	return k;
}

/* LLVMFuzzerTestOneInput - one p= value */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_resolver *zone;
	struct dns_session s;
	struct arc_key key;
	struct buf line, err;
	char why[300];
	int st;

	if (size > MAX_INPUT)
		return 0;
	buf_init(&line);
	buf_init(&err);
	buf_adds(&line, "k._domainkey.fuzz.example TXT \"v=DKIM1; k=rsa; p=");
	b64_encode(&line, data, size);
	buf_adds(&line, "\"");
	zone = dns_zone_new();
	if (dns_zone_add_line(zone, buf_str(&line), &err) != 0)
		abort();
	dns_session_init(&s, zone, 1000);
	why[0] = '\0';
	st = arc_key_fetch(&s, "k", "fuzz.example", 1024, &key, why, sizeof why);
	if (st == 0) {
		EVP_PKEY *theirs = openssl_key(data, size);

		if (key.pkey == NULL || key.bits < 1024 || theirs == NULL ||
		    EVP_PKEY_eq(key.pkey, theirs) != 1)
			abort();
		EVP_PKEY_free(theirs);
	} else if (st != -1 || key.pkey != NULL || why[0] == '\0') {
		abort();
	}
	arc_key_clear(&key);
	dns_resolver_free(zone);
	buf_free(&line);
	buf_free(&err);
	return 0;
}
