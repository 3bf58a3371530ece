/*
 * judge.h - what a worker concludes from one step's raw result: the plain-mode status, the
 * judge verdict, and output comparison (lines, exact, tokens, float). Pure code, unit-tested.
 */
#ifndef EXECUTIONER_JUDGE_H
#define EXECUTIONER_JUDGE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* One compile step or run, as the in-container helper reported it. */
struct step {
	int64_t exit_code;
	int signal;
	uint64_t wall_us, cpu_us, maxrss_kb, flags; /* flags: SF_* from wire.h */
	struct buf out, err;
	char error[256];                            /* helper's own problem, "" if none */
};

/* Plain mode: "ok", "runtime_error", "timeout", "memory_exceeded", "output_limit_exceeded",
 * or "internal_error" (the program could not be started). cpu_ms/mem_kb: the job's limits. */
const char *judge_status(const struct step *s, uint64_t cpu_ms, uint64_t mem_kb);

/* Judge mode: "accepted", "wrong_answer", "time_limit_exceeded", "memory_limit_exceeded",
 * "runtime_error", "output_limit_exceeded" (or "internal_error"). matches: output compared equal. */
const char *judge_verdict(const struct step *s, uint64_t cpu_ms, uint64_t mem_kb, int matches);

/* Compares program output with the expected output under mode ("lines" default, "exact",
 * "tokens", "float" with absolute-or-relative tolerance tol). 1 when equal, 0 otherwise. */
int judge_compare(const char *mode, double tol, const char *got, size_t glen, const char *exp, size_t elen);

/* "SIGSEGV" etc., or NULL for 0. */
const char *judge_signal_name(int sig);

#endif
