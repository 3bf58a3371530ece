/*
 * test_helper_files.c - the helper's file work, against the real helper binary: files in
 * subdirectories (made 0700), and H_COLLECT / H_FILES for output files: text, binary, cut at
 * T_OUT_MAX, and planted symlinks, FIFOs, directories and missing files reported, never followed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "helper_harness.h"
#include "wire.h"

#define TEST(name) static void name(void **state __attribute__((unused)))

TEST(test_nested_files)
{
	run_once(&(struct spec){ .files = ARGS("main.txt", "M", "pkg/sub/util.txt", "U",
					       "pkg/other.txt", "O"),
				 .run = SH("cat main.txt pkg/sub/util.txt pkg/other.txt; echo; "
					   "stat -c %a pkg pkg/sub") },
		 NULL, 0);
	assert_int_equal(last.exit, 0);
	assert_string_equal(last.out.data, "MUO\n700\n700\n");
}

/* One answered file as the helper sent it. */
struct got {
	char name[64], error[128];
	uint64_t size;
	int has_data;
	char data[2048];
	size_t len;
};

/* Sends H_COLLECT for names (max bytes each) and parses H_FILES into g (n entries). */
static void collect(struct helper *h, const char *const *names, uint64_t max, struct got *g,
		    int n)
{
	struct buf b, m;
	buf_init(&b, 1 << 16);
	assert_int_equal(wire_begin(&b, H_COLLECT, 7, 1), 0);
	assert_int_equal(wire_put_u64(&b, T_OUT_MAX, max), 0);
	put_strs(&b, T_OUT_NAME, names);
	assert_int_equal(wire_end(&b, 0), 0);
	send_buf(h, &b);
	buf_init(&m, WIRE_HDR_LEN + WIRE_MAX_PAYLOAD);
	uint32_t len;
	const uint8_t *p = recv_type(h, &m, H_FILES, &len), *end = p + len;
	struct wire_field f;
	int i = -1;
	memset(g, 0, (size_t)n * sizeof(*g));
	while (wire_next(&p, end, &f) == 1) {
		if (f.tag == T_OUT_NAME) {
			assert_true(++i < n);
			snprintf(g[i].name, sizeof(g[i].name), "%.*s", (int)f.len, f.data);
		} else if (f.tag == T_OUT_SIZE) {
			g[i].size = wire_u64(&f);
		} else if (f.tag == T_OUT_DATA) {
			assert_true(f.len <= sizeof(g[i].data));
			memcpy(g[i].data, f.data, f.len);
			g[i].len = f.len;
			g[i].has_data = 1;
		} else {
			assert_int_equal(f.tag, T_OUT_ERROR);
			snprintf(g[i].error, sizeof(g[i].error), "%.*s", (int)f.len, f.data);
		}
	}
	assert_int_equal(i, n - 1);
	buf_free(&m);
}

TEST(test_collect)
{
	struct helper h;
	struct got g[9];
	start(&h);
	send_setup(&h, &(struct spec){
		.run = SH("printf hello > out.txt; mkdir -p d/e; printf deep > d/e/f.txt; "
			  "ln -s /etc/passwd link; ln -s /etc etc; ln -s d dl; "
			  "printf '\\377\\000\\001' > bin; mkfifo fifo; "
			  "head -c 5000 /dev/zero > big") });
	send_run(&h, "", 0, NULL);
	recv_step(&h);
	assert_int_equal(last.exit, 0);
	collect(&h, ARGS("out.txt", "d/e/f.txt", "link", "etc/passwd", "dl/e/f.txt", "missing",
			 "fifo", "d", "bin"),
		1024, g, 9);
	assert_string_equal(g[0].name, "out.txt");
	assert_true(g[0].has_data && g[0].len == 5 && !memcmp(g[0].data, "hello", 5));
	assert_int_equal(g[0].size, 5);
	assert_true(g[1].has_data && g[1].len == 4 && !memcmp(g[1].data, "deep", 4));
	assert_string_equal(g[2].error, "is a symbolic link");
	assert_false(g[2].has_data);
	assert_non_null(strstr(g[3].error, "symbolic link"));
	assert_non_null(strstr(g[4].error, "symbolic link"));
	assert_string_equal(g[5].error, "no such file");
	assert_string_equal(g[6].error, "is not a regular file");
	assert_string_equal(g[7].error, "is a directory");
	assert_true(g[8].has_data && g[8].len == 3 && !memcmp(g[8].data, "\377\000\001", 3));
	/* a second collect in the same session, cut at T_OUT_MAX */
	collect(&h, ARGS("big"), 100, g, 1);
	assert_int_equal(g[0].len, 100);
	assert_int_equal(g[0].size, 5000);
	stop(&h);
}

TEST(test_collect_work_dir_locked)
{
	struct helper h;
	struct got g[1];
	start(&h); /* the program takes every permission off the work dir: an answer, no fatal */
	send_setup(&h, &(struct spec){ .run = SH("printf x > o.txt; chmod 000 .") });
	send_run(&h, "", 0, NULL);
	recv_step(&h);
	assert_int_equal(last.exit, 0);
	collect(&h, ARGS("o.txt"), 64, g, 1);
	/* as root (DAC bypassed) the file is read; as anyone else it is refused */
	assert_true((g[0].has_data && g[0].len == 1) ||
		    !strcmp(g[0].error, "permission denied"));
	chmod(h.dir, 0700);
	stop(&h);
}

TEST(test_collect_refused)
{
	struct helper h;
	start(&h); /* no T_OUT_MAX */
	send_setup(&h, &(struct spec){ .run = ARGS("true") });
	struct buf b;
	buf_init(&b, 4096);
	assert_int_equal(wire_begin(&b, H_COLLECT, 7, 1), 0);
	put_strs(&b, T_OUT_NAME, ARGS("x"));
	assert_int_equal(wire_end(&b, 0), 0);
	send_buf(&h, &b);
	struct buf m;
	uint32_t len;
	buf_init(&m, 1 << 16);
	recv_type(&h, &m, H_FATAL, &len);
	buf_free(&m);
	expect_exit(&h, 1);
	/* a bad name is answered as an error for that file, not read */
	struct got g[2];
	start(&h);
	send_setup(&h, &(struct spec){ .run = ARGS("true") });
	collect(&h, ARGS("../x", "a//b"), 64, g, 2);
	assert_string_equal(g[0].error, "is not a valid name");
	assert_string_equal(g[1].error, "is not a valid name");
	stop(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nested_files),
		cmocka_unit_test(test_collect),
		cmocka_unit_test(test_collect_work_dir_locked),
		cmocka_unit_test(test_collect_refused),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
