/*
 * hmac.h - HMAC-SHA256 (RFC 2104 over sha256.c): the X-Executioner-Signature of a callback's
 * body (callbacks.secret), so that its receiver can tell the service sent it, unchanged.
 */
#ifndef EXECUTIONER_HMAC_H
#define EXECUTIONER_HMAC_H

#include <stddef.h>

/* HMAC-SHA256 of msg (n bytes) under key (klen bytes) into out: 0, or -1 (out of memory). */
int hmac_sha256(const void *key, size_t klen, const void *msg, size_t n, unsigned char out[32]);
/* The same as 64 lowercase hex digits and a NUL in hex[65]. 0 or -1. */
int hmac_sha256_hex(const void *key, size_t klen, const void *msg, size_t n, char hex[65]);

#endif
