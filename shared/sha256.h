/*
 * sha256.h - SHA-256 (FIPS 180-4), libc only: the store keeps a hash of the API key that owns a
 * submission, never the key itself.
 */
#ifndef EXECUTIONER_SHA256_H
#define EXECUTIONER_SHA256_H

#include <stddef.h>

/* The digest of n bytes at p, 32 bytes into out. */
void sha256_bin(const void *p, size_t n, unsigned char out[32]);
/* The digest of n bytes at p as 64 lowercase hex digits and a NUL in hex[65]. */
void sha256_hex(const void *p, size_t n, char hex[65]);

#endif
