/*
 * judge0_map.h - the pure tables of the Judge0 CE drop-in (judge0.c): Judge0's language ids and
 * our languages, its statuses (ids 1-14, exact descriptions), signals to statuses, our result to
 * its verdict (its own output comparison), units, command-line splitting and `fields`.
 */
#ifndef EXECUTIONER_JUDGE0_MAP_H
#define EXECUTIONER_JUDGE0_MAP_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "config.h"

enum judge0_status {
	J0_IN_QUEUE = 1,
	J0_PROCESSING,
	J0_ACCEPTED,
	J0_WRONG_ANSWER,
	J0_TLE,
	J0_COMPILE_ERROR,
	J0_SIGSEGV,
	J0_SIGXFSZ,
	J0_SIGFPE,
	J0_SIGABRT,
	J0_NZEC,
	J0_OTHER,
	J0_INTERNAL,
	J0_EXEC_FORMAT,
	J0_NSTATUS
};

struct judge0_lang {
	int id;		  /* Judge0's language id */
	const char *ours; /* our language id */
	const char *name; /* Judge0's name, a printf format taking our version */
};

/* Status id to Judge0's description ("Runtime Error (SIGSEGV)"), NULL when out of 1..14. */
const char *judge0_status_name(int id);
/* The Judge0 languages known (id ascending); *n gets the count. */
const struct judge0_lang *judge0_langs(size_t *n);
/* Judge0 language id to ours, NULL when Judge0 has no such id among ours. */
const struct judge0_lang *judge0_lang_find(int id);
/* Signal name ("SIGSEGV") to its number (11), 0 when unknown. */
int judge0_signal_number(const char *name);
/* A signal to its status: SIGSEGV 7, SIGXFSZ 8, SIGFPE 9, SIGABRT 10, any other 12 (Judge0's
 * Status.find_runtime_error_by_status_code). */
int judge0_signal_status(int signo);
/* Judge0's comparison (isolate_job.rb strip): each line's trailing whitespace and the text's
 * trailing whitespace ignored. 1 when equal. */
int judge0_output_equal(const char *expected, const char *actual);
/* The status of a native result n (POST /execute's answer) given expected_output (may be NULL). */
int judge0_verdict(const cJSON *n, const char *expected);
/* Milliseconds as Judge0 shows seconds: "0.012" (malloc'd into out, n bytes). */
void judge0_seconds(double ms, char *out, size_t n);
/* Splits a command line as a shell would (blanks, '...', "...", backslash), with no expansion.
 * A JSON array of strings, or NULL when a quote is left open. */
cJSON *judge0_split_args(const char *line);
/* Checks `fields` (comma list, "*" for all): a JSON array of the names to show, or NULL with
 * the unknown names in bad ("a, b"). NULL/"" gives the default fields. */
cJSON *judge0_fields(const char *fields, char *bad, size_t n);
/* Is language id (ours) listed in list (comma-separated ids)? */
int judge0_listed(const char *list, const char *id);

#endif
