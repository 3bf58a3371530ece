/*
 * b64.h - base64 (RFC 4648, standard alphabet) for files[].content and output_files, and a UTF-8
 * validity check. Neither cJSON nor libcurl exports a decoder, so this small one is ours.
 */
#ifndef EXECUTIONER_B64_H
#define EXECUTIONER_B64_H

#include <stddef.h>

/* Bytes b64_decode writes at most for n characters of input. */
#define B64_DECODED_MAX(n) ((n) / 4 * 3 + 3)

/* Decodes s[0..n) into out (B64_DECODED_MAX(n) bytes; out may be NULL to only check and count).
 * Whitespace (space, \t, \r, \n) is skipped; '=' padding is optional but, when present, only at
 * the end and completing a group. Returns the decoded length, or -1 on invalid input. */
long b64_decode(const char *s, size_t n, unsigned char *out);

/* Encodes p[0..n) into a malloc'd NUL-terminated string (with padding); NULL on ENOMEM. */
char *b64_encode(const void *p, size_t n);

/* 1 when p[0..n) is valid UTF-8 with no NUL byte (so it can travel as a JSON string as is). */
int utf8_valid(const void *p, size_t n);

#endif
