/*
 * subs_json.c - the pure parts of the submissions API (see subs_json.h): the checks of the
 * list's query (limit, cursor, language, status, since), the answers built from the store's
 * replies, timestamps in ISO 8601, and results cut to store.max_result_kb.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jsonutil.h"
#include "store.h"
#include "subs_json.h"

int64_t subs_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int all_digits(const char *s, size_t max)
{
	size_t n = 0;
	for (; s[n]; n++)
		if (s[n] < '0' || s[n] > '9')
			return 0;
	return n > 0 && n <= max;
}

/* since: Unix seconds, or YYYY-MM-DDTHH:MM:SSZ. ms, or -1. */
static int64_t parse_since(const char *s)
{
	if (all_digits(s, 12))
		return (int64_t)strtoll(s, NULL, 10) * 1000;
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	const char *end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!end || *end)
		return -1;
	return (int64_t)timegm(&tm) * 1000;
}

static cJSON *bad(const char *msg, const char *field, int *http, char **body)
{
	*http = 400;
	*body = json_error(msg, field);
	return NULL;
}

cJSON *subs_list_query(const struct subs_req *r, const struct config *c, const char *owner,
		       int *limit, int *http, char **body)
{
	char msg[160];
	*limit = c->store_max_page < 20 ? c->store_max_page : 20;
	if (r->limit) {
		if (!all_digits(r->limit, 9) || atoi(r->limit) < 1)
			return bad("limit must be a positive integer", "limit", http, body);
		if (atoi(r->limit) > c->store_max_page) {
			snprintf(msg, sizeof(msg), "limit is over the page size cap of %d",
				 c->store_max_page);
			return bad(msg, "limit", http, body);
		}
		*limit = atoi(r->limit);
	}
	if (r->cursor && !all_digits(r->cursor, 18))
		return bad("cursor must be a next_cursor a listing gave", "cursor", http, body);
	int st = r->status ? store_status_parse(r->status) : -1;
	if (r->status && st < 0)
		return bad("status must be queued, running, done or failed", "status", http, body);
	int64_t since = r->since ? parse_since(r->since) : 0;
	if (since < 0)
		return bad("since must be Unix seconds or YYYY-MM-DDTHH:MM:SSZ", "since", http,
			   body);
	if (r->language && (!*r->language || strlen(r->language) >= CONF_ID_MAX))
		return bad("language must be a language id", "language", http, body);
	cJSON *q = cJSON_CreateObject();
	cJSON_AddStringToObject(q, "owner", owner);
	cJSON_AddNumberToObject(q, "limit", *limit + 1);
	cJSON_AddNumberToObject(q, "before", r->cursor ? (double)strtoll(r->cursor, NULL, 10) : 0);
	cJSON_AddNumberToObject(q, "since_ms", (double)since);
	cJSON_AddNumberToObject(q, "status", st);
	if (r->language)
		cJSON_AddStringToObject(q, "lang", r->language);
	return q;
}

static void add_time(cJSON *o, const char *k, double ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char s[40];
	gmtime_r(&t, &tm);
	size_t n = strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(s + n, sizeof(s) - n, ".%03dZ", (int)((int64_t)ms % 1000));
	cJSON_AddStringToObject(o, k, s);
}

/* A row of the store's reply as the API shows it. */
static cJSON *row_out(const cJSON *row)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "token", json_str(row, "token", ""));
	cJSON_AddStringToObject(o, "status", store_status_name((int)json_num(row, "status", 0)));
	cJSON_AddStringToObject(o, "language", json_str(row, "lang", ""));
	add_time(o, "created_at", json_num(row, "created_ms", 0));
	add_time(o, "updated_at", json_num(row, "updated_ms", 0));
	cJSON_AddNumberToObject(o, "attempts", json_num(row, "attempts", 0));
	const char *res = cJSON_GetStringValue(cJSON_GetObjectItem(row, "result"));
	if (res) {
		cJSON_AddNumberToObject(o, "http_status", json_num(row, "http", 0));
		cJSON *r = cJSON_Parse(res);
		cJSON_AddItemToObject(o, "result", r ? r : cJSON_CreateString(res));
	}
	return o;
}

static char *render_list(const cJSON *rows, int limit)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *a = cJSON_AddArrayToObject(o, "submissions");
	int n = 0;
	double last = 0;
	const cJSON *row;
	cJSON_ArrayForEach(row, rows) {
		if (n == limit)
			break;
		cJSON_AddItemToArray(a, row_out(row));
		last = json_num(row, "seq", 0);
		n++;
	}
	if (cJSON_GetArraySize(rows) > limit) {
		char cur[32];
		snprintf(cur, sizeof(cur), "%.0f", last);
		cJSON_AddStringToObject(o, "next_cursor", cur);
	} else {
		cJSON_AddNullToObject(o, "next_cursor");
	}
	char *s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

char *subs_render_reply(const cJSON *reply, const char *why, int list_limit, int *http)
{
	char msg[400];
	if (!reply || !cJSON_IsTrue(cJSON_GetObjectItem(reply, "ok"))) {
		if (!why)
			why = json_str(reply, "error", "no reason given");
		snprintf(msg, sizeof(msg), "the submission store is unavailable: %s", why);
		*http = 503;
		return json_error(msg, NULL);
	}
	const cJSON *rows = cJSON_GetObjectItem(reply, "rows");
	if (rows) {
		*http = 200;
		return render_list(rows, list_limit);
	}
	if (!cJSON_IsTrue(cJSON_GetObjectItem(reply, "found"))) {
		*http = 404;
		return json_error("no such submission", "token");
	}
	const cJSON *row = cJSON_GetObjectItem(reply, "row");
	if (!row) {
		*http = 204; /* deleted */
		return strdup("");
	}
	*http = 200;
	return subs_render_row(row);
}

char *subs_render_row(const cJSON *row)
{
	cJSON *o = row_out(row);
	char *s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

/* Cuts string member k of o to at most n bytes (on a UTF-8 boundary). 1 when cut. */
static int cut(cJSON *o, const char *k, size_t n)
{
	cJSON *v = cJSON_GetObjectItem(o, k);
	const char *s = cJSON_GetStringValue(v);
	if (!s || strlen(s) <= n)
		return 0;
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	char *t = strndup(s, n);
	if (!t)
		return 0;
	cJSON_ReplaceItemInObject(o, k, cJSON_CreateString(t));
	free(t);
	return 1;
}

char *subs_clip_result(const char *body, size_t cap)
{
	if (strlen(body) <= cap)
		return strdup(body);
	static const char *const outs[] = { "stdout", "stderr", "compile_output" };
	cJSON *o = cJSON_Parse(body);
	cJSON *tests = cJSON_GetObjectItem(o, "tests");
	int streams = 3 + 2 * (cJSON_IsArray(tests) ? cJSON_GetArraySize(tests) : 0);
	size_t each = cap / 2 / (size_t)streams / 6; /* escapes take up to 6 bytes a byte */
	for (size_t i = 0; o && i < 3; i++)
		cut(o, outs[i], each);
	cJSON *t;
	cJSON_ArrayForEach(t, tests) {
		cut(t, "stdout", each);
		cut(t, "stderr", each);
	}
	char *s = o ? (cJSON_AddBoolToObject(o, "stored_output_truncated", 1),
		       cJSON_PrintUnformatted(o)) : NULL;
	if (!s || strlen(s) > cap) {
		free(s);
		cJSON *stub = cJSON_CreateObject();
		cJSON_AddStringToObject(stub, "status", json_str(o, "status", "internal_error"));
		cJSON_AddStringToObject(stub, "error", "the result was larger than "
				        "store.max_result_kb; not kept");
		cJSON_AddBoolToObject(stub, "stored_output_truncated", 1);
		s = cJSON_PrintUnformatted(stub);
		cJSON_Delete(stub);
	}
	cJSON_Delete(o);
	return s;
}
