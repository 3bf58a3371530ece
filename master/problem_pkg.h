/*
 * problem_pkg.h - checks a contest problem's package (a JSON body with tests inline, or a tar
 * archive of tests/N.in, tests/N.out and problem.json) and makes it one normalized object:
 * {"time_limit", "memory_limit_mb", "compare", "float_tolerance", "groups"?, "tests": [{"stdin",
 * "expected_output"}]} (and "id" when a JSON body gave one). Pure code, unit-tested.
 */
#ifndef EXECUTIONER_PROBLEM_PKG_H
#define EXECUTIONER_PROBLEM_PKG_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "config.h"
#include "request.h"

/* 1 when id is 1-64 of [A-Za-z0-9_.-], not starting with '.' or '-'. */
int problem_pkg_id_valid(const char *id);
/* A JSON body; NULL with e set (400 naming the field, 413 over problems.max_problem_mb). */
cJSON *problem_pkg_json(const char *body, size_t len, const struct config *c,
			struct req_error *e);
/* A tar (or tar.gz) archive; NULL with e set, the field naming the offending file. */
cJSON *problem_pkg_tar(const void *data, size_t len, const struct config *c,
		       struct req_error *e);

#endif
