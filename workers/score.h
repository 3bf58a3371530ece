/*
 * score.h - points of groups of tests (subtasks): "min" (all-or-nothing, CMS' rule) or "sum"
 * (each accepted test its share), and groups skipped when a group they depend on did not pass.
 * Pure code, unit-tested.
 */
#ifndef EXECUTIONER_SCORE_H
#define EXECUTIONER_SCORE_H

#include <cjson/cJSON.h>

#include "judge.h"

/* 1 when test i (0-based) is not to run: its group depends on a group (an earlier one, whose
 * tests all came before) with a test not accepted. groups: [{"name", "points", "tests": [first,
 * last] (1-based), "scoring", "depends": [names]}], as problem_pkg.c checked them. */
int score_skip(const cJSON *groups, const enum judge_verdict *v, int i);
/* Adds "groups" [{"name", "points", "score", "verdict", "passed", "total"}], "score" and
 * "max_score" to o from the tests' verdicts (v[0..ntests)) and, when not NULL, each test's
 * share of its points (a checker's partial points count in "sum" groups). */
void score_add(const cJSON *groups, const enum judge_verdict *v, const double *share, int ntests,
	       cJSON *o);

#endif
