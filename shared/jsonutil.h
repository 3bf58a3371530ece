/*
 * jsonutil.h - JSON helpers both sides use: strings from untrusted bytes (invalid UTF-8 and NUL
 * become U+FFFD so output is always valid JSON), typed member lookups with aliases, error bodies.
 */
#ifndef EXECUTIONER_JSONUTIL_H
#define EXECUTIONER_JSONUTIL_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* A cJSON string made from n arbitrary bytes, with invalid UTF-8 sequences and NUL bytes replaced
 * by U+FFFD. NULL on ENOMEM. */
cJSON *json_bytes(const char *p, size_t n);
/* Same, cut where the string as cJSON prints it (quotes and escapes included: a control byte
 * takes six) would exceed max_rendered bytes; *clipped (if set) says whether it was cut. */
cJSON *json_bytes_capped(const char *p, size_t n, size_t max_rendered, int *clipped);
/* The sanitized bytes as a malloc'd NUL-terminated UTF-8 string (without and with the cap). */
char *utf8_sanitize(const char *p, size_t n, size_t *outlen);
char *utf8_sanitize_capped(const char *p, size_t n, size_t max_rendered, size_t *outlen,
			   int *clipped);
/* First member of obj named one of names (NULL-terminated list); *which gets the name found. */
cJSON *json_member(const cJSON *obj, const char *const *names, const char **which);
/* Member k of o as a number (def when absent or not a number) / a string (def likewise). */
double json_num(const cJSON *o, const char *k, double def);
const char *json_str(const cJSON *o, const char *k, const char *def);
/* {"error": msg} (and "field" when field is non-NULL) as a malloc'd string. */
char *json_error(const char *msg, const char *field);

#endif
