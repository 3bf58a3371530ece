/*
 * test_hmac.c - unit tests of shared/hmac.c (HMAC-SHA256) against the test vectors of RFC 4231
 * (cases 1-7; case 5 is truncated to 128 bits), and of sha256_bin beside sha256_hex.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "hmac.h"
#include "sha256.h"

static void check(const unsigned char *key, size_t klen, const char *msg, size_t n,
		  const char *want)
{
	char hex[65];
	assert_int_equal(hmac_sha256_hex(key, klen, msg, n, hex), 0);
	assert_int_equal(strncmp(hex, want, strlen(want)), 0);
}

static void test_rfc4231(void **state)
{
	(void)state;
	unsigned char k[131], d[50];
	memset(k, 0x0b, 20);
	check(k, 20, "Hi There", 8,
	      "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	check((const unsigned char *)"Jefe", 4, "what do ya want for nothing?", 28,
	      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	memset(k, 0xaa, 20);
	memset(d, 0xdd, 50);
	check(k, 20, (const char *)d, 50,
	      "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
	for (int i = 0; i < 25; i++)
		k[i] = (unsigned char)(i + 1);
	memset(d, 0xcd, 50);
	check(k, 25, (const char *)d, 50,
	      "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
	memset(k, 0x0c, 20);
	check(k, 20, "Test With Truncation", 20, "a3b6167473100ee06e0c796c2955552b");
	memset(k, 0xaa, 131);
	const char *m6 = "Test Using Larger Than Block-Size Key - Hash Key First";
	check(k, 131, m6, strlen(m6),
	      "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
	const char *m7 = "This is a test using a larger than block-size key and a larger than "
			 "block-size data. The key needs to be hashed before being used by the "
			 "HMAC algorithm.";
	check(k, 131, m7, strlen(m7),
	      "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

static void test_empty_message_and_sha256_bin(void **state)
{
	(void)state;
	/* HMAC-SHA256 with an empty key and message (python3 -c 'import hmac...') */
	check((const unsigned char *)"", 0, "", 0,
	      "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
	unsigned char bin[32];
	char hex[65], again[65];
	sha256_bin("abc", 3, bin);
	sha256_hex("abc", 3, hex);
	for (int i = 0; i < 32; i++)
		snprintf(again + 2 * i, 3, "%02x", bin[i]);
	assert_string_equal(hex, again);
	assert_string_equal(hex,
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc4231),
		cmocka_unit_test(test_empty_message_and_sha256_bin),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
