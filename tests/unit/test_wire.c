/*
 * test_wire.c - unit tests of shared/wire.c and shared/buf.c: round trips, caps, malformed and
 * truncated input (every prefix of a valid message), and whole-message reads over a socketpair.
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

#include "jsonutil.h"
#include "wire.h"

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

static void test_every_prefix_is_incomplete(void **state)
{
	(void)state;
	struct buf b, part;
	buf_init(&b, 4096);
	assert_int_equal(wire_pack(&b, MSG_JOB, 1, 1, "{\"x\":1}", 7), 0);
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
	buf_init(&b, 4096);
	assert_int_equal(wire_pack(&b, MSG_JOB, 1, 1, "0123456789", 10), 0);
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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
