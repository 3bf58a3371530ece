/*
 * result.h - the JSON answer of a job (plain or judge mode) from its steps, as users see it.
 */
#ifndef EXECUTIONER_RESULT_H
#define EXECUTIONER_RESULT_H

#include <cjson/cJSON.h>

#include "judge.h"
#include "outfiles.h"
#include "jsonutil.h"
#include "wire.h"

/* A result must always travel to the master in one message: its rendered size is budgeted below
 * the wire cap, output fields sharing what the fixed fields leave. */
#define RESULT_MAX_BYTES (WIRE_MAX_PAYLOAD / 4 * 3)
#define RESULT_FIXED_BYTES (64u << 10)
#define RESULT_PER_TEST_BYTES 1024u

struct job_result {
	const cJSON *spec;
	int has_compile, compile_ran, compile_failed;
	struct step compile;
	int judge;                 /* tests were given */
	struct step *runs;         /* one per test, or one */
	enum judge_verdict *verdicts; /* judge mode: per test; VERDICT_SKIPPED: did not run */
	double *points;            /* with a checker: each test's share (0..1), else NULL */
	char (*ck_msg)[160];       /* with a checker: its message (stderr) per test */
	int nruns;                 /* runs that happened */
	int ntests;
	char error[700];           /* internal error, "" if none */
	int cancelled;             /* the client went away (MSG_CANCEL) */
	int gone;                  /* its container did not exist (the engine said 404 before the
	                            * job began) */
	int over_budget;           /* limits.max_request_s ended the tests early */
	struct out_files files;    /* "output_files" as the helper sent them (plain mode) */
	int want_files;            /* "output_files" were asked */
	long ms_attach, ms_unpause, ms_compile, ms_run, ms_total;
	uint64_t seq;              /* the job's number in its container (helper's T_JOB_SEQ) */
	const char *status;        /* set by result_json for the metrics: the status's name, or in
	                            * judge mode the overall verdict's */
};

/* Builds the body; sets *http (200 when the program ran, 499 when cancelled, 500 for internal
 * errors). NULL on ENOMEM. */
char *result_json(struct job_result *r, int *http);

#endif
