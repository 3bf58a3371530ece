/*
 * judge.h - what a worker concludes from one step's raw result: the plain-mode status, the
 * judge verdict (enums; names only at the JSON edge), and output comparison (lines, exact,
 * tokens, float). Pure code, unit-tested.
 */
#ifndef EXECUTIONER_JUDGE_H
#define EXECUTIONER_JUDGE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* One compile step or run, as the in-container helper reported it. */
struct step {
	int kind;                                   /* STEP_COMPILE or STEP_RUN (wire.h) */
	int64_t exit_code;
	int signal;
	uint64_t wall_us, cpu_us, maxrss_kb, flags; /* flags: SF_* from wire.h */
	struct buf out, err;
	char error[256];                            /* helper's own problem, "" if none */
	uint64_t seq;                               /* T_JOB_SEQ: the job's number in its
						     * container (0: not sent) */
};

/* What a job's status is (plain mode). The JSON strings are judge_status_name()'s, used only
 * where the answer is built (result.c) and counted (MSG_STATS). */
enum judge_status {
	STATUS_OK, STATUS_RUNTIME_ERROR, STATUS_TIMEOUT, STATUS_MEMORY_EXCEEDED,
	STATUS_OUTPUT_LIMIT, STATUS_INTERNAL_ERROR, STATUS_COMPILE_ERROR, STATUS_CANCELLED,
};

/* A judge-mode verdict, per test and overall. VERDICT_SKIPPED (0) is a test that did not run. */
enum judge_verdict {
	VERDICT_SKIPPED = 0, VERDICT_ACCEPTED, VERDICT_WRONG_ANSWER, VERDICT_TIME_LIMIT,
	VERDICT_MEMORY_LIMIT, VERDICT_RUNTIME_ERROR, VERDICT_OUTPUT_LIMIT, VERDICT_INTERNAL_ERROR,
	VERDICT_COMPILE_ERROR, VERDICT_PRESENTATION_ERROR, VERDICT_JUDGE_ERROR, VERDICT_PARTIAL,
};

/* "ok", "runtime_error", "timeout", "memory_exceeded", "output_limit_exceeded",
 * "internal_error", "compile_error", "cancelled". */
const char *judge_status_name(enum judge_status st);
/* "skipped", "accepted", "wrong_answer", "time_limit_exceeded", "memory_limit_exceeded",
 * "runtime_error", "output_limit_exceeded", "internal_error", "compile_error",
 * "presentation_error", "judge_error" (a problem's checker failed), "partial" (a checker gave
 * part of the test's points). */
const char *judge_verdict_name(enum judge_verdict v);

/* Plain mode: the status of one run (STATUS_INTERNAL_ERROR: the program could not be started).
 * cpu_ms/mem_kb: the job's limits. */
enum judge_status judge_status(const struct step *s, uint64_t cpu_ms, uint64_t mem_kb);

/* Judge mode: the verdict of one test run; matches: its output compared equal. */
enum judge_verdict judge_verdict(const struct step *s, uint64_t cpu_ms, uint64_t mem_kb,
				 int matches);

/* Compares program output with the expected output under mode ("lines" default, "exact",
 * "tokens", "float" with absolute-or-relative tolerance tol). 1 when equal, 0 otherwise. */
int judge_compare(const char *mode, double tol, const char *got, size_t glen, const char *exp,
		  size_t elen);

/* "SIGSEGV" etc., or NULL for 0. */
const char *judge_signal_name(int sig);

#endif
