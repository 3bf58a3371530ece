/*
 * test_wire.c - unit tests of shared/wire.c, wire_msg.c and buf.c: round trips, caps, malformed
 * and truncated input (every prefix of a valid message), whole-message reads over a socketpair,
 * and the typed messages: MSG_RESULT / MSG_IDLE / H_STEP refused when a required field is absent.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "judge.h"
#include "jsonutil.h"
#include "session.h"
#include "wire.h"
#include "wire_msg.h"

static void test_roundtrip_fields(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 1 << 20);
	size_t start = b.len;
	assert_int_equal(wire_begin(&b, H_SETUP, 7, 3), 0);
	assert_int_equal(wire_put_str(&b, T_FILE_NAME, "main.py"), 0);
	assert_int_equal(wire_put(&b, T_FILE_DATA, "a\0b", 3), 0);
	assert_int_equal(wire_put_u64(&b, T_RUN_WALL_MS, 0x123456789ULL), 0);
	assert_int_equal(wire_end(&b, start), 0);
	struct wire_hdr h;
	const uint8_t *p;
	long n = wire_peek(&b, &h, &p, 1 << 20);
	assert_int_equal(n, (long)b.len);
	assert_int_equal(h.type, H_SETUP);
	assert_int_equal(h.id, 7);
	assert_int_equal(h.gen, 3);
	const uint8_t *end = p + h.len;
	struct wire_field f;
	assert_int_equal(wire_next(&p, end, &f), 1);
	assert_int_equal(f.tag, T_FILE_NAME);
	assert_memory_equal(f.data, "main.py", 7);
	assert_int_equal(wire_next(&p, end, &f), 1);
	assert_int_equal(f.len, 3);
	assert_memory_equal(f.data, "a\0b", 3);
	assert_int_equal(wire_next(&p, end, &f), 1);
	assert_true(wire_u64(&f) == 0x123456789ULL);
	assert_int_equal(wire_next(&p, end, &f), 0);
	buf_free(&b);
}

/* b (capped at 4096 bytes) made to hold one message of this type with payload as its body. */
static void pack_one(struct buf *b, uint16_t type, uint32_t id, uint32_t gen, const char *payload)
{
	buf_init(b, 4096);
	assert_int_equal(wire_pack(b, type, id, gen, payload, strlen(payload)), 0);
}

static void test_every_prefix_is_incomplete(void **state)
{
	(void)state;
	struct buf b, part;
	pack_one(&b, MSG_JOB, 1, 1, "{\"x\":1}");
	for (size_t i = 0; i < b.len; i++) {
		struct wire_hdr h;
		const uint8_t *p;
		buf_init(&part, 4096);
		buf_append(&part, b.data, i);
		assert_int_equal(wire_peek(&part, &h, &p, 4096), 0);
		buf_free(&part);
	}
	buf_free(&b);
}

static void test_caps_and_malformed(void **state)
{
	(void)state;
	struct buf b;
	pack_one(&b, MSG_JOB, 1, 1, "0123456789");
	struct wire_hdr h;
	const uint8_t *p;
	assert_int_equal(wire_peek(&b, &h, &p, 5), -1); /* over the reader's cap */
	b.data[0] = b.data[1] = 0;                        /* type 0 is invalid */
	assert_int_equal(wire_peek(&b, &h, &p, 4096), -1);
	/* a field whose length runs past the payload */
	uint8_t bad[12] = { 0, 0, 0, 1, 0, 0, 0, 200, 'x', 'y', 'z', 'w' };
	const uint8_t *q = bad;
	struct wire_field f;
	assert_int_equal(wire_next(&q, bad + sizeof(bad), &f), -1);
	q = bad;
	assert_int_equal(wire_next(&q, bad + 5, &f), -1);
	buf_free(&b);
	/* buf caps */
	buf_init(&b, 4);
	assert_int_equal(buf_append(&b, "abcd", 4), 0);
	assert_int_equal(buf_append(&b, "e", 1), -1);
	assert_int_equal(b.len, 4);
	assert_int_equal(buf_append_trunc(&b, "xyz", 3), 3);
	buf_free(&b);
}

static void test_read_msg_socketpair(void **state)
{
	(void)state;
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	struct buf b, in;
	buf_init(&b, 1 << 22);
	static char big[1 << 20];
	memset(big, 'q', sizeof(big));
	assert_int_equal(wire_pack(&b, MSG_RESULT, 9, 2, big, sizeof(big)), 0);
	if (fork() == 0) {
		close(sv[0]);
		wire_write_all(sv[1], b.data, b.len);
		_exit(0);
	}
	close(sv[1]);
	buf_init(&in, 16);
	struct wire_hdr h;
	assert_int_equal(wire_read_msg(sv[0], &in, &h, 1 << 21, 5000), 0);
	assert_int_equal(h.len, sizeof(big));
	assert_memory_equal(in.data + WIRE_HDR_LEN, big, sizeof(big));
	assert_int_equal(wire_read_msg(sv[0], &in, &h, 1 << 21, 1000), -1); /* EOF */
	close(sv[0]);
	buf_free(&b);
	buf_free(&in);
}

static void test_read_msg_timeout(void **state)
{
	(void)state;
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	struct buf in;
	buf_init(&in, 64);
	struct wire_hdr h;
	assert_int_equal(write(sv[1], "\0\1\0\0", 4), 4); /* half a header, then nothing */
	assert_int_equal(wire_read_msg(sv[0], &in, &h, 64, 200), -1);
	assert_int_equal(errno, ETIMEDOUT);
	close(sv[0]);
	close(sv[1]);
	buf_free(&in);
}

/* Review [9] point 1: the cap is on the string as printed, so control bytes (six each) can
 * never make a result outgrow the wire. */
static void test_json_bytes_capped_counts_escapes(void **state)
{
	(void)state;
	char raw[100];
	memset(raw, 1, sizeof(raw));
	int clipped = 0;
	cJSON *j = json_bytes_capped(raw, sizeof(raw), 2 + 6 * 10, &clipped);
	assert_true(clipped);
	assert_int_equal(strlen(j->valuestring), 10);
	char *txt = cJSON_PrintUnformatted(j);
	assert_true(strlen(txt) <= 2 + 6 * 10);
	free(txt);
	cJSON_Delete(j);
	j = json_bytes_capped("a\"b\n\xff", 5, 64, &clipped); /* fits: not clipped, U+FFFD kept */
	assert_false(clipped);
	assert_string_equal(j->valuestring, "a\"b\n\xef\xbf\xbd");
	cJSON_Delete(j);
	j = json_bytes_capped("\xc3\xa9\xc3\xa9", 4, 2 + 3, &clipped); /* never half a character */
	assert_true(clipped);
	assert_string_equal(j->valuestring, "\xc3\xa9");
	cJSON_Delete(j);
}

static void test_utf8_sanitize(void **state)
{
	(void)state;
	size_t n;
	char *s = utf8_sanitize("ok\xff\0\xc3\xa9\xed\xa0\x80", 9, &n);
	assert_string_equal(
		s, "ok\xEF\xBF\xBD\xEF\xBF\xBD\xc3\xa9\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
	free(s);
	s = utf8_sanitize("\xf0\x9f\x98\x80", 4, &n); /* a valid 4-byte sequence stays */
	assert_int_equal(n, 4);
	free(s);
}

/* The header's reserved half-word carries nothing: a frame with it set is malformed. */
static void test_reserved_must_be_zero(void **state)
{
	(void)state;
	struct buf b;
	pack_one(&b, MSG_IDLE, 0, 1, "");
	struct wire_hdr h;
	const uint8_t *p;
	assert_true(wire_peek(&b, &h, &p, 4096) > 0);
	assert_int_equal(h.reserved, 0);
	b.data[3] = 1; /* what a worker used to put there: a status */
	assert_int_equal(wire_peek(&b, &h, &p, 4096), -1);
	buf_free(&b);
}

static void test_seen_and_missing(void **state)
{
	(void)state;
	static const uint32_t req[] = { T_HTTP, T_BODY, 0 };
	struct wire_seen s = { { 0, 0 } };
	assert_int_equal(wire_missing(&s, req), T_HTTP);
	assert_int_equal(wire_seen(&s, T_HTTP), 0);
	assert_int_equal(wire_seen(&s, T_HTTP), -1);
	assert_int_equal(wire_missing(&s, req), T_BODY);
	assert_int_equal(wire_seen(&s, T_BODY), 0);
	assert_int_equal(wire_missing(&s, req), 0);
}

/* The payload of the first message in b. */
static const uint8_t *payload_of(const struct buf *b, struct wire_hdr *h)
{
	const uint8_t *p = NULL;
	assert_int_equal(wire_peek(b, h, &p, WIRE_MAX_PAYLOAD), (long)b->len);
	return p;
}

static void test_result_roundtrip(void **state)
{
	(void)state;
	struct buf b;
	struct wire_hdr h;
	int http = 0;
	buf_init(&b, 4096);
	assert_int_equal(wire_msg_result(&b, 42, 3, 499, "{\"status\":\"cancelled\"}"), 0);
	const uint8_t *p = payload_of(&b, &h);
	assert_int_equal(h.type, MSG_RESULT);
	assert_int_equal(h.id, 42);
	assert_int_equal(h.reserved, 0);
	char *body = wire_msg_result_decode(p, h.len, h.id, &http);
	assert_int_equal(http, 499);
	assert_string_equal(body, "{\"status\":\"cancelled\"}");
	free(body);
	buf_free(&b);
}

/* A MSG_RESULT payload built from the given fields (http < 0: no T_HTTP; body NULL: none). */
static char *decode_fields(long long http, const char *body, int *code)
{
	struct buf b;
	buf_init(&b, 4096);
	if (http >= 0)
		assert_int_equal(wire_put_u64(&b, T_HTTP, (uint64_t)http), 0);
	if (body)
		assert_int_equal(wire_put_str(&b, T_BODY, body), 0);
	char *out = wire_msg_result_decode(b.data, b.len, 1, code);
	buf_free(&b);
	return out;
}

static void test_result_refused(void **state)
{
	(void)state;
	int http = 0;
	const long long cases[] = { -1, 0, 99, 600, 70000 };
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *body = decode_fields(cases[i], "{}", &http);
		assert_int_equal(http, 500); /* no status, or not one: refused, never defaulted */
		assert_non_null(strstr(body, "internal_error"));
		free(body);
	}
	char *body = decode_fields(200, NULL, &http); /* no body */
	assert_int_equal(http, 500);
	assert_non_null(strstr(body, "malformed"));
	free(body);
	body = wire_msg_result_decode("\0\0\0\x50\0\0\0\x09", 8, 1, &http); /* truncated */
	assert_int_equal(http, 500);
	free(body);
	body = decode_fields(200, "{\"a\":1}", &http);
	assert_int_equal(http, 200);
	assert_string_equal(body, "{\"a\":1}");
	free(body);
}

static void test_idle(void **state)
{
	(void)state;
	struct buf b;
	struct wire_hdr h;
	for (int ok = 0; ok <= 1; ok++) {
		buf_init(&b, 4096);
		assert_int_equal(wire_msg_idle(&b, 5, ok), 0);
		const uint8_t *p = payload_of(&b, &h);
		assert_int_equal(h.type, MSG_IDLE);
		assert_int_equal(wire_msg_idle_decode(p, h.len), ok);
		buf_free(&b);
	}
	assert_int_equal(wire_msg_idle_decode("", 0), 0); /* no T_OK: taken as failed */
	buf_init(&b, 4096);
	assert_int_equal(wire_put_u64(&b, T_OK, 7), 0); /* not 0 or 1 */
	assert_int_equal(wire_msg_idle_decode(b.data, b.len), 0);
	buf_reset(&b);
	assert_int_equal(wire_put_u64(&b, T_OK, 1) | wire_put_u64(&b, T_OK, 1), 0); /* twice */
	assert_int_equal(wire_msg_idle_decode(b.data, b.len), 0);
	buf_free(&b);
}

/* An H_STEP payload with every required field but skip (0: complete), kind given. */
static void step_payload(struct buf *b, uint32_t skip, uint64_t kind)
{
	const uint32_t u64s[] = { T_KIND,   T_EXIT,      T_SIGNAL, T_WALL_US,
				  T_CPU_US, T_MAXRSS_KB, T_FLAGS };
	buf_reset(b);
	for (size_t i = 0; i < sizeof(u64s) / sizeof(u64s[0]); i++)
		if (u64s[i] != skip)
			assert_int_equal(wire_put_u64(b, u64s[i], u64s[i] == T_KIND ? kind : 3), 0);
	if (skip != T_STDOUT)
		assert_int_equal(wire_put_str(b, T_STDOUT, "out"), 0);
	if (skip != T_STDERR)
		assert_int_equal(wire_put_str(b, T_STDERR, ""), 0);
}

static void test_step_required_fields(void **state)
{
	(void)state;
	static const uint32_t tags[] = { T_KIND, T_EXIT, T_SIGNAL, T_WALL_US, T_CPU_US,
					 T_MAXRSS_KB, T_FLAGS, T_STDOUT, T_STDERR };
	struct buf b;
	struct step st;
	buf_init(&b, 4096);
	step_payload(&b, 0, STEP_RUN);
	assert_int_equal(session_step_decode((const uint8_t *)b.data, b.len, &st, 64), 0);
	assert_int_equal(st.kind, STEP_RUN);
	assert_int_equal(st.exit_code, 3);
	assert_int_equal(st.out.len, 3);
	buf_free(&st.out);
	buf_free(&st.err);
	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		step_payload(&b, tags[i], STEP_COMPILE);
		assert_int_equal(session_step_decode((const uint8_t *)b.data, b.len, &st, 64), -1);
		buf_free(&st.out);
		buf_free(&st.err);
	}
	step_payload(&b, 0, 2); /* a kind that does not exist */
	assert_int_equal(session_step_decode((const uint8_t *)b.data, b.len, &st, 64), -1);
	buf_free(&st.out);
	buf_free(&st.err);
	step_payload(&b, 0, STEP_RUN);
	assert_int_equal(wire_put_u64(&b, T_EXIT, 0), 0); /* a field twice */
	assert_int_equal(session_step_decode((const uint8_t *)b.data, b.len, &st, 64), -1);
	buf_free(&st.out);
	buf_free(&st.err);
	buf_free(&b);
}

static void test_require_keys(void **state)
{
	(void)state;
	static const char *const keys[] = { "id", "lang.file", NULL };
	char why[64];
	cJSON *o = cJSON_Parse("{\"id\":1,\"lang\":{\"file\":\"a.c\"}}");
	assert_int_equal(wire_msg_require(o, keys, why, sizeof(why)), 0);
	cJSON_DeleteItemFromObject(cJSON_GetObjectItem(o, "lang"), "file");
	assert_int_equal(wire_msg_require(o, keys, why, sizeof(why)), -1);
	assert_string_equal(why, "missing \"lang.file\"");
	cJSON_ReplaceItemInObject(o, "id", cJSON_CreateNull()); /* null is not a value */
	assert_int_equal(wire_msg_require(o, keys, why, sizeof(why)), -1);
	assert_string_equal(why, "missing \"id\"");
	cJSON_Delete(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_fields),
		cmocka_unit_test(test_every_prefix_is_incomplete),
		cmocka_unit_test(test_caps_and_malformed),
		cmocka_unit_test(test_read_msg_socketpair),
		cmocka_unit_test(test_read_msg_timeout),
		cmocka_unit_test(test_utf8_sanitize),
		cmocka_unit_test(test_json_bytes_capped_counts_escapes),
		cmocka_unit_test(test_reserved_must_be_zero),
		cmocka_unit_test(test_seen_and_missing),
		cmocka_unit_test(test_result_roundtrip), cmocka_unit_test(test_result_refused),
		cmocka_unit_test(test_idle), cmocka_unit_test(test_step_required_fields),
		cmocka_unit_test(test_require_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
