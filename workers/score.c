/*
 * score.c - group points and dependency skips (see score.h).
 */
#include <math.h>
#include <string.h>

#include "jsonutil.h"
#include "score.h"

static void range(const cJSON *g, int *first, int *last)
{
	const cJSON *t = cJSON_GetObjectItem(g, "tests");
	*first = (int)cJSON_GetArrayItem(t, 0)->valuedouble - 1;
	*last = (int)cJSON_GetArrayItem(t, 1)->valuedouble - 1;
}

/* Every test of g accepted. */
static int passed_all(const cJSON *g, const enum judge_verdict *v)
{
	int a, b;
	range(g, &a, &b);
	for (int i = a; i <= b; i++)
		if (v[i] != VERDICT_ACCEPTED)
			return 0;
	return 1;
}

static const cJSON *by_name(const cJSON *groups, const char *name)
{
	const cJSON *g;
	cJSON_ArrayForEach(g, groups) {
		if (!strcmp(json_str(g, "name", ""), name))
			return g;
	}
	return NULL;
}

int score_skip(const cJSON *groups, const enum judge_verdict *v, int i)
{
	const cJSON *g, *d;
	cJSON_ArrayForEach(g, groups) {
		int a, b;
		range(g, &a, &b);
		if (i < a || i > b)
			continue;
		cJSON_ArrayForEach(d, cJSON_GetObjectItem(g, "depends")) {
			const cJSON *dg = by_name(groups, cJSON_GetStringValue(d));
			if (dg && !passed_all(dg, v))
				return 1;
		}
		return 0;
	}
	return 0;
}

void score_add(const cJSON *groups, const enum judge_verdict *v, const double *share, int ntests,
	       cJSON *o)
{
	const cJSON *g;
	cJSON *arr = cJSON_AddArrayToObject(o, "groups");
	double score = 0, max = 0;
	cJSON_ArrayForEach(g, groups) {
		int a, b, ok = 0;
		double part = 0;
		range(g, &a, &b);
		if (b >= ntests)
			b = ntests - 1;
		enum judge_verdict gv = VERDICT_ACCEPTED;
		int any_ran = 0;
		for (int i = a; i <= b; i++) {
			ok += v[i] == VERDICT_ACCEPTED;
			part += share ? share[i] : v[i] == VERDICT_ACCEPTED;
			any_ran |= v[i] != VERDICT_SKIPPED;
			if (v[i] != VERDICT_ACCEPTED && v[i] != VERDICT_SKIPPED &&
			    gv == VERDICT_ACCEPTED)
				gv = v[i];
		}
		int n = b - a + 1;
		if (!any_ran)
			gv = VERDICT_SKIPPED;
		else if (gv == VERDICT_ACCEPTED && ok < n)
			gv = VERDICT_SKIPPED; /* some ran and passed, the rest did not run */
		double pts = json_num(g, "points", 0), got;
		if (!strcmp(json_str(g, "scoring", "min"), "sum"))
			got = n > 0 ? round(pts * part / n * 1e6) / 1e6 : 0;
		else
			got = ok == n ? pts : 0;
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "name", json_str(g, "name", ""));
		cJSON_AddNumberToObject(e, "points", pts);
		cJSON_AddNumberToObject(e, "score", got);
		cJSON_AddStringToObject(e, "verdict", judge_verdict_name(gv));
		cJSON_AddNumberToObject(e, "passed", ok);
		cJSON_AddNumberToObject(e, "total", n);
		cJSON_AddItemToArray(arr, e);
		score += got;
		max += pts;
	}
	cJSON_AddNumberToObject(o, "score", score);
	cJSON_AddNumberToObject(o, "max_score", max);
}
