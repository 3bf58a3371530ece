/*
 * problem.h - the worker's side of stored problems: the job's "problem" {"id", "version" (0:
 * the latest), "dir", "wall_factor", "max_mb"} becomes inline tests and the problem's limits,
 * compare rule and groups, read from the host's data directory (never from the sandbox).
 */
#ifndef EXECUTIONER_PROBLEM_H
#define EXECUTIONER_PROBLEM_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* A copy of spec with the problem's tests and settings (the caller deletes it; its "problem"
 * gets the version read), or NULL with *http (404: gone, 500) and msg. */
cJSON *problem_load(const cJSON *spec, int *http, char *msg, size_t n);

#endif
