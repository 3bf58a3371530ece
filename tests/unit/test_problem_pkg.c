/*
 * test_problem_pkg.c - unit tests of master/problem_pkg.c (problem packages: JSON bodies and tar
 * archives built in memory, each refusal naming its field or file) and workers/score.c (group
 * points under "min" and "sum", dependency skips).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "config.h"
#include "problem_pkg.h"
#include "score.h"

#define TEST(name) static void name(void **state __attribute__((unused)))

static struct config cfg;

static int setup(void **state)
{
	(void)state;
	struct config_error e;
	return config_load("executioner.conf", &cfg, &e);
}

/* One ustar member: header (name, size, type) and data padded to 512 bytes; returns bytes. */
static size_t member(char *out, const char *name, const char *data, char type, const char *link)
{
	size_t n = data ? strlen(data) : 0;
	memset(out, 0, 512);
	snprintf(out, 100, "%s", name);
	snprintf(out + 100, 8, "%07o", 0644);
	snprintf(out + 108, 8, "%07o", 0);
	snprintf(out + 116, 8, "%07o", 0);
	snprintf(out + 124, 12, "%011o", (unsigned)n & 07777777u);
	snprintf(out + 136, 12, "%011o", 0);
	out[156] = type;
	if (link)
		snprintf(out + 157, 100, "%s", link);
	memcpy(out + 257, "ustar", 6);
	memcpy(out + 263, "00", 2);
	memset(out + 148, ' ', 8);
	unsigned sum = 0;
	for (int i = 0; i < 512; i++)
		sum += (unsigned char)out[i];
	snprintf(out + 148, 8, "%06o", sum);
	if (n)
		memcpy(out + 512, data, n);
	size_t total = 512 + (n + 511) / 512 * 512;
	memset(out + 512 + n, 0, total - 512 - n);
	return total;
}

static char tarbuf[64 * 1024];

/* A tar of pairs (name, data) ending with NULL; a data of "->x" makes a symlink to x. */
static size_t make_tar(const char *const *files)
{
	size_t off = 0;
	for (int i = 0; files[i]; i += 2) {
		const char *d = files[i + 1];
		if (!strncmp(d, "->", 2))
			off += member(tarbuf + off, files[i], NULL, '2', d + 2);
		else
			off += member(tarbuf + off, files[i], d, '0', NULL);
	}
	memset(tarbuf + off, 0, 1024);
	return off + 1024;
}

static void refused(const char *const *files, int http, const char *field)
{
	struct req_error e;
	size_t n = make_tar(files);
	assert_null(problem_pkg_tar(tarbuf, n, &cfg, &e));
	assert_int_equal(e.http, http);
	assert_string_equal(e.field, field);
}

TEST(tar_good_with_groups)
{
	const char *const files[] = {
		"./tests/1.in", "1 2\n", "tests/1.out", "3\n", "tests/2.in", "2 2\n",
		"tests/2.out", "4\n", "problem.json",
		"{\"time_limit\":2,\"groups\":[{\"name\":\"a\",\"points\":40,\"tests\":[1,1]},"
		"{\"points\":60,\"tests\":[2,2],\"depends\":[\"a\"],\"scoring\":\"sum\"}]}",
		NULL,
	};
	struct req_error e;
	size_t n = make_tar(files);
	cJSON *p = problem_pkg_tar(tarbuf, n, &cfg, &e);
	assert_non_null(p);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(p, "tests")), 2);
	assert_int_equal(cJSON_GetObjectItem(p, "time_limit")->valuedouble, 2);
	cJSON *g = cJSON_GetObjectItem(p, "groups");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(g, 1), "name")->valuestring,
			    "2");
	cJSON_Delete(p);
}

TEST(tar_refusals_name_the_file)
{
	const char *const missing[] = { "tests/1.in", "1", "tests/1.out", "1", "tests/2.in", "2",
					NULL };
	refused(missing, 400, "tests/2.out");
	const char *const gap[] = { "tests/1.in", "1", "tests/1.out", "1", "tests/3.in", "2",
				    "tests/3.out", "2", NULL };
	refused(gap, 400, "tests/2.in");
	const char *const dotdot[] = { "tests/1.in", "1", "tests/1.out", "1", "tests/../../x",
				       "2", NULL };
	refused(dotdot, 400, "tests/../../x");
	const char *const abs[] = { "/etc/passwd", "x", NULL };
	refused(abs, 400, "/etc/passwd");
	const char *const link[] = { "tests/1.in", "->/etc/shadow", "tests/1.out", "1", NULL };
	refused(link, 400, "tests/1.in");
	const char *const meta[] = { "tests/1.in", "1", "tests/1.out", "1", "problem.json", "[",
				     NULL };
	refused(meta, 400, "problem.json");
	const char *const other[] = { "tests/1.in", "1", "tests/1.out", "1", "x.txt", "1", NULL };
	refused(other, 400, "x.txt");
	const char *const none[] = { "problem.json", "{}", NULL };
	refused(none, 400, "tests/1.in");
}

TEST(json_bodies)
{
	struct req_error e;
	const char *ok = "{\"id\":\"a.b-c_1\",\"tests\":[{\"stdin\":\"1\","
			 "\"expected_output\":\"1\"},{\"input\":\"2\",\"output\":\"2\"}],"
			 "\"compare\":\"tokens\"}";
	cJSON *p = problem_pkg_json(ok, strlen(ok), &cfg, &e);
	assert_non_null(p);
	assert_string_equal(cJSON_GetObjectItem(p, "id")->valuestring, "a.b-c_1");
	assert_string_equal(cJSON_GetObjectItem(p, "compare")->valuestring, "tokens");
	cJSON_Delete(p);
	const char *bad[][2] = {
		{ "{\"tests\":[]}", "tests" },
		{ "{\"tests\":[{\"stdin\":1}]}", "tests" },
		{ "{\"tests\":[{\"stdin\":\"1\",\"expected_output\":\"1\"}],\"time_limit\":0}",
		  "time_limit" },
		{ "{\"tests\":[{\"stdin\":\"1\",\"expected_output\":\"1\"}],\"groups\":[{\"tests\":"
		  "[1,2]}]}", "groups" },
		{ "{\"tests\":[{\"stdin\":\"1\",\"expected_output\":\"1\"}],\"id\":\"../x\"}",
		  "id" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_null(problem_pkg_json(bad[i][0], strlen(bad[i][0]), &cfg, &e));
		assert_int_equal(e.http, 400);
		assert_string_equal(e.field, bad[i][1]);
	}
	assert_int_equal(problem_pkg_id_valid("-x"), 0);
	assert_int_equal(problem_pkg_id_valid(""), 0);
	assert_int_equal(problem_pkg_id_valid("a/b"), 0);
}

TEST(scores_min_sum_and_skips)
{
	cJSON *g = cJSON_Parse(
		"[{\"name\":\"a\",\"points\":30,\"tests\":[1,2],\"scoring\":\"min\","
		"\"depends\":[]},"
		"{\"name\":\"b\",\"points\":30,\"tests\":[3,4],\"scoring\":\"sum\",\"depends\":[]},"
		"{\"name\":\"c\",\"points\":40,\"tests\":[5,6],\"scoring\":\"min\","
		"\"depends\":[\"b\"]}]");
	enum judge_verdict v[6] = { VERDICT_ACCEPTED, VERDICT_ACCEPTED, VERDICT_ACCEPTED,
				    VERDICT_WRONG_ANSWER, VERDICT_SKIPPED, VERDICT_SKIPPED };
	assert_int_equal(score_skip(g, v, 1), 0);
	assert_int_equal(score_skip(g, v, 4), 1);
	cJSON *o = cJSON_CreateObject();
	score_add(g, v, NULL, 6, o);
	assert_true(cJSON_GetObjectItem(o, "score")->valuedouble == 45);
	assert_true(cJSON_GetObjectItem(o, "max_score")->valuedouble == 100);
	cJSON *gs = cJSON_GetObjectItem(o, "groups");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(gs, 1), "verdict")->valuestring,
			    "wrong_answer");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(gs, 2), "verdict")->valuestring,
			    "skipped");
	cJSON_Delete(o);
	cJSON_Delete(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tar_good_with_groups),
		cmocka_unit_test(tar_refusals_name_the_file),
		cmocka_unit_test(json_bodies),
		cmocka_unit_test(scores_min_sum_and_skips),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
