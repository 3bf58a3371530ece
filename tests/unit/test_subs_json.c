/*
 * test_subs_json.c - unit tests of master/subs_json.c, the pure parts of /submissions: the
 * list's query checks (limit cap, cursor, status, since, language), the answers made from store
 * replies (row, page and its cursor, 404, 204, 503), and stored results cut to their cap.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "subs_json.h"

#define TEST(name) static void name(void **state __attribute__((unused)))

static struct config cfg(void)
{
	struct config c;
	memset(&c, 0, sizeof(c));
	c.store_max_page = 50;
	return c;
}

/* The 400's field for a query, or NULL when it is accepted. */
static const char *refused(struct subs_req r)
{
	static char field[32];
	struct config c = cfg();
	int limit, http = 0;
	char *body = NULL;
	cJSON *q = subs_list_query(&r, &c, "", &limit, &http, &body);
	if (q) {
		cJSON_Delete(q);
		return NULL;
	}
	assert_int_equal(http, 400);
	cJSON *o = cJSON_Parse(body);
	snprintf(field, sizeof(field), "%s",
		 cJSON_GetStringValue(cJSON_GetObjectItem(o, "field")));
	cJSON_Delete(o);
	free(body);
	return field;
}

TEST(list_query_checks)
{
	assert_null(refused((struct subs_req){ .limit = "50" }));
	assert_string_equal(refused((struct subs_req){ .limit = "51" }), "limit");
	assert_string_equal(refused((struct subs_req){ .limit = "0" }), "limit");
	assert_string_equal(refused((struct subs_req){ .limit = "-1" }), "limit");
	assert_string_equal(refused((struct subs_req){ .cursor = "1e3" }), "cursor");
	assert_string_equal(refused((struct subs_req){ .status = "sleeping" }), "status");
	assert_null(refused((struct subs_req){ .status = "failed" }));
	assert_null(refused((struct subs_req){ .since = "1700000000" }));
	assert_null(refused((struct subs_req){ .since = "2026-12-05T00:00:00Z" }));
	assert_string_equal(refused((struct subs_req){ .since = "2026-12-05" }), "since");
	assert_string_equal(refused((struct subs_req){ .language = "" }), "language");
	struct config c = cfg();
	int limit, http;
	char *body;
	struct subs_req r = { .cursor = "17", .since = "2026-12-05T00:00:00Z", .status = "done" };
	cJSON *q = subs_list_query(&r, &c, "own", &limit, &http, &body);
	assert_int_equal(limit, 20);
	assert_int_equal((int)cJSON_GetNumberValue(cJSON_GetObjectItem(q, "limit")), 21);
	assert_int_equal((int)cJSON_GetNumberValue(cJSON_GetObjectItem(q, "before")), 17);
	assert_int_equal((int)cJSON_GetNumberValue(cJSON_GetObjectItem(q, "status")), 2);
	assert_true(cJSON_GetNumberValue(cJSON_GetObjectItem(q, "since_ms")) == 1796428800000.0);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(q, "owner")), "own");
	cJSON_Delete(q);
}

static char *render(const char *reply, int limit, int *http)
{
	cJSON *o = reply ? cJSON_Parse(reply) : NULL;
	char *s = subs_render_reply(o, reply ? NULL : "it died", limit, http);
	cJSON_Delete(o);
	return s;
}

TEST(replies_become_answers)
{
	int http;
	static const char row[] =
		"{\"ok\":true,\"found\":true,\"row\":{\"seq\":3,\"token\":\"ab\","
		"\"lang\":\"c\",\"status\":2,\"attempts\":1,\"created_ms\":1000,"
		"\"updated_ms\":2500,\"http\":200,"
		"\"result\":\"{\\\"stdout\\\":\\\"x\\\"}\"}}";
	char *s = render(row, 0, &http);
	assert_int_equal(http, 200);
	assert_non_null(strstr(s, "\"status\":\"done\""));
	assert_non_null(strstr(s, "\"created_at\":\"1970-01-01T00:00:01.000Z\""));
	assert_non_null(strstr(s, "\"result\":{\"stdout\":\"x\"}"));
	assert_null(strstr(s, "seq"));
	free(s);
	s = render("{\"ok\":true,\"rows\":[{\"seq\":9},{\"seq\":8},{\"seq\":7}]}", 2, &http);
	assert_int_equal(http, 200);
	assert_non_null(strstr(s, "\"next_cursor\":\"8\""));
	free(s);
	s = render("{\"ok\":true,\"rows\":[{\"seq\":9}]}", 2, &http);
	assert_non_null(strstr(s, "\"next_cursor\":null"));
	free(s);
	s = render("{\"ok\":true,\"found\":false}", 0, &http);
	assert_int_equal(http, 404);
	free(s);
	s = render("{\"ok\":true,\"found\":true}", 0, &http);
	assert_int_equal(http, 204);
	assert_string_equal(s, "");
	free(s);
	s = render("{\"ok\":false,\"error\":\"disk full\"}", 0, &http);
	assert_int_equal(http, 503);
	assert_non_null(strstr(s, "disk full"));
	free(s);
	s = render(NULL, 0, &http);
	assert_int_equal(http, 503);
	assert_non_null(strstr(s, "it died"));
	free(s);
}

TEST(results_cut_to_their_cap)
{
	char *small = subs_clip_result("{\"status\":\"ok\"}", 100);
	assert_string_equal(small, "{\"status\":\"ok\"}");
	free(small);
	size_t n = 100000;
	char *out = malloc(n + 1);
	memset(out, 'y', n);
	out[n] = '\0';
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "status", "ok");
	cJSON_AddStringToObject(o, "stdout", out);
	cJSON_AddStringToObject(o, "stderr", "é");
	char *big = cJSON_PrintUnformatted(o);
	char *c = subs_clip_result(big, 8192);
	assert_true(strlen(c) <= 8192);
	cJSON *r = cJSON_Parse(c);
	assert_non_null(r);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(r, "stored_output_truncated")));
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(r, "status")), "ok");
	assert_true(strlen(cJSON_GetStringValue(cJSON_GetObjectItem(r, "stdout"))) > 100);
	cJSON_Delete(r);
	free(c);
	c = subs_clip_result(big, 40); /* not even the cut outputs fit: a stub */
	r = cJSON_Parse(c);
	assert_non_null(cJSON_GetObjectItem(r, "error"));
	cJSON_Delete(r);
	free(c);
	free(big);
	cJSON_Delete(o);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(list_query_checks),
		cmocka_unit_test(replies_become_answers),
		cmocka_unit_test(results_cut_to_their_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
