/*
 * hmac.c - HMAC-SHA256 (RFC 2104; test vectors of RFC 4231 in tests/unit/test_hmac.c): the
 * inner and outer hashes over one buffer each (sha256.c hashes one buffer at a time).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hmac.h"
#include "log.h"
#include "sha256.h"

#define BLOCK 64

int hmac_sha256(const void *key, size_t klen, const void *msg, size_t n, unsigned char out[32])
{
	unsigned char k[BLOCK] = { 0 }, outer[BLOCK + 32];
	if (klen > BLOCK)
		sha256_bin(key, klen, k); /* a long key is hashed first */
	else if (klen)
		memcpy(k, key, klen);
	unsigned char *inner = malloc(BLOCK + n);
	if (!inner) {
		log_error("hmac: malloc(%zu)", BLOCK + n);
		return -1;
	}
	for (int i = 0; i < BLOCK; i++) {
		inner[i] = k[i] ^ 0x36;
		outer[i] = k[i] ^ 0x5c;
	}
	if (n)
		memcpy(inner + BLOCK, msg, n);
	sha256_bin(inner, BLOCK + n, outer + BLOCK);
	free(inner);
	sha256_bin(outer, sizeof(outer), out);
	return 0;
}

int hmac_sha256_hex(const void *key, size_t klen, const void *msg, size_t n, char hex[65])
{
	unsigned char d[32];
	if (hmac_sha256(key, klen, msg, n, d) < 0)
		return -1;
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	return 0;
}
