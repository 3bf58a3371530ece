/*
 * checker.h - checks each test's output with a stored problem's checker (testlib conventions:
 * exit 0 accepted, 1 wrong answer, 2 presentation error, 3 checker failure, 7 partial points),
 * run in a sandbox of its own so that the solution never shares a container with the answers.
 */
#ifndef EXECUTIONER_CHECKER_H
#define EXECUTIONER_CHECKER_H

#include <cjson/cJSON.h>

#include "config.h"
#include "docker.h"
#include "judge.h"
#include "session.h"

struct checker {
	struct docker *d;
	struct session s;
	int open;
	char id[65];                 /* its container, "" when none */
	uint64_t time_ms, mem_kb;
	char error[400];
};

/* The worker's config (instance, seccomp profile) for the containers it makes. */
void checker_init(const struct config *c);
/* Makes the sandbox for the job's spec (its "checker", "problem".sandbox and "tests"). 0, or -1
 * with c->error set; checker_close() either way. */
int checker_open(struct checker *c, struct docker *d, const cJSON *spec);
/* Test i's verdict from the solution's output; st gets the checker's run (the caller frees its
 * bufs), *points the test's share (0..1). VERDICT_JUDGE_ERROR when the checker failed. */
enum judge_verdict checker_check(struct checker *c, int i, const struct buf *out,
				 struct step *st, double *points);
void checker_close(struct checker *c);

#endif
