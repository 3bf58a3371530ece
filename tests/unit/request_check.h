/*
 * request_check.h - the fixture the request-validation tests share: the shipped config loaded
 * once per group (setup/teardown), a body request_parse() accepts (ok: its job returned), and one
 * it refuses with an HTTP status, the field named and a phrase of the message (bad).
 * Header-only, for test files: cmocka must be included before it.
 */
#ifndef EXECUTIONER_TEST_REQUEST_CHECK_H
#define EXECUTIONER_TEST_REQUEST_CHECK_H

#include <string.h>

#include "request.h"

static struct config cfg;

static inline int setup(void **state)
{
	(void)state;
	struct config_error e;
	return config_load("executioner.conf", &cfg, &e);
}

static inline int teardown(void **state)
{
	(void)state;
	config_free(&cfg);
	return 0;
}

static inline cJSON *ok(const char *body)
{
	cJSON *j;
	struct req_error e;
	if (request_parse(body, strlen(body), &cfg, &j, &e) < 0)
		fail_msg("unexpected error %d %s: %s", e.http, e.field, e.msg);
	return j;
}

static inline void bad(const char *body, int http, const char *field, const char *needle)
{
	cJSON *j;
	struct req_error e;
	assert_int_equal(request_parse(body, strlen(body), &cfg, &j, &e), -1);
	assert_null(j);
	assert_int_equal(e.http, http);
	assert_string_equal(e.field, field);
	if (needle && !strstr(e.msg, needle))
		fail_msg("message \"%s\" lacks \"%s\"", e.msg, needle);
}

#endif
