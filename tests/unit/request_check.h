/*
 * request_check.h - the two assertions the request-validation tests share: a body that
 * request_parse() accepts (its job returned), and one it refuses with an HTTP status, the field
 * named and a phrase of the message. Header-only: cmocka must be included before it.
 */
#ifndef EXECUTIONER_TEST_REQUEST_CHECK_H
#define EXECUTIONER_TEST_REQUEST_CHECK_H

#include <string.h>

#include "request.h"

static inline cJSON *req_ok(const struct config *c, const char *body)
{
	cJSON *j;
	struct req_error e;
	if (request_parse(body, strlen(body), c, &j, &e) < 0)
		fail_msg("unexpected error %d %s: %s", e.http, e.field, e.msg);
	return j;
}

static inline void req_bad(const struct config *c, const char *body, int http, const char *field,
			   const char *needle)
{
	cJSON *j;
	struct req_error e;
	assert_int_equal(request_parse(body, strlen(body), c, &j, &e), -1);
	assert_null(j);
	assert_int_equal(e.http, http);
	assert_string_equal(e.field, field);
	if (needle && !strstr(e.msg, needle))
		fail_msg("message \"%s\" lacks \"%s\"", e.msg, needle);
}

#endif
