/*
 * wire_msg.c - MSG_RESULT / MSG_IDLE codecs and the JSON required-key check (see wire_msg.h).
 * Decoders refuse what lacks a required field: a default would hide a bug on the other side.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "wire.h"
#include "wire_msg.h"

#define REFUSED_BODY \
	"{\"status\":\"internal_error\",\"error\":\"the worker's result was malformed\"}"

int wire_msg_result(struct buf *b, uint32_t id, uint32_t gen, int http, const char *body)
{
	size_t start = b->len;
	if (wire_begin(b, MSG_RESULT, id, gen) < 0 || wire_put_u64(b, T_HTTP, (uint64_t)http) < 0 ||
	    wire_put_str(b, T_BODY, body) < 0 || wire_end(b, start) < 0) {
		b->len = start;
		return -1;
	}
	return 0;
}

int wire_msg_idle(struct buf *b, uint32_t gen, int ok)
{
	size_t start = b->len;
	if (wire_begin(b, MSG_IDLE, 0, gen) < 0 || wire_put_u64(b, T_OK, ok ? 1 : 0) < 0 ||
	    wire_end(b, start) < 0) {
		b->len = start;
		return -1;
	}
	return 0;
}

/* The fields of a MSG_RESULT; -1 with why set when it is malformed or incomplete. */
static int result_fields(const uint8_t *p, size_t n, uint64_t *http, struct wire_field *body,
			 const char **why)
{
	static const uint32_t required[] = { T_HTTP, T_BODY, 0 };
	const uint8_t *end = p + n;
	struct wire_seen seen = { { 0, 0 } };
	struct wire_field f;
	int r;
	while ((r = wire_next(&p, end, &f)) == 1) {
		if (f.tag != T_HTTP && f.tag != T_BODY)
			continue; /* a field this master does not know: ignored */
		if (wire_seen(&seen, f.tag) < 0 || (f.tag == T_HTTP && f.len != 8)) {
			*why = f.tag == T_HTTP ? "a bad T_HTTP" : "two T_BODY";
			return -1;
		}
		if (f.tag == T_HTTP)
			*http = wire_u64(&f);
		else
			*body = f;
	}
	if (r < 0) {
		*why = "malformed fields";
		return -1;
	}
	uint32_t miss = wire_missing(&seen, required);
	if (miss) {
		*why = miss == T_HTTP ? "no T_HTTP" : "no T_BODY";
		return -1;
	}
	if (*http < 100 || *http > 599) {
		*why = "a T_HTTP out of range";
		return -1;
	}
	return 0;
}

char *wire_msg_result_decode(const void *payload, size_t n, uint32_t id, int *http)
{
	uint64_t code = 0;
	struct wire_field body = { 0, 0, NULL };
	const char *why = NULL;
	*http = 500;
	if (result_fields(payload, n, &code, &body, &why) < 0) {
		log_errorx("job %u: refusing the worker's result: %s", id, why);
		return strdup(REFUSED_BODY);
	}
	char *s = wire_strdup(&body);
	if (!s) {
		log_errorx("job %u: out of memory for a %u-byte result", id, body.len);
		return NULL;
	}
	*http = (int)code;
	return s;
}

int wire_msg_idle_decode(const void *payload, size_t n)
{
	const uint8_t *p = payload, *end = p + n;
	struct wire_field f;
	int r, ok = -1;
	while ((r = wire_next(&p, end, &f)) == 1) {
		if (f.tag != T_OK)
			continue;
		if (f.len != 8 || ok >= 0 || wire_u64(&f) > 1) {
			r = -1; /* a second T_OK, or not a u64 0/1 */
			break;
		}
		ok = (int)wire_u64(&f);
	}
	if (r < 0 || ok < 0) {
		log_errorx("refusing a MSG_IDLE %s; taking its task as failed",
			   r < 0 ? "with malformed fields" : "without T_OK");
		return 0;
	}
	return ok;
}

int wire_msg_require(const cJSON *o, const char *const *keys, char *why, size_t n)
{
	for (; *keys; keys++) {
		char outer[64];
		const char *dot = strchr(*keys, '.');
		const cJSON *in = o, *v;
		if (dot) {
			snprintf(outer, sizeof(outer), "%.*s", (int)(dot - *keys), *keys);
			in = cJSON_GetObjectItemCaseSensitive(o, outer);
		}
		v = cJSON_GetObjectItemCaseSensitive(in, dot ? dot + 1 : *keys);
		if (!v || cJSON_IsNull(v)) {
			snprintf(why, n, "missing \"%s\"", *keys);
			return -1;
		}
	}
	return 0;
}
