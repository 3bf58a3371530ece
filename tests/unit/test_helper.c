/*
 * test_helper.c - runs the in-container helper (HELPER_BIN, default build/executioner-helper)
 * as a child in a fresh temp dir, speaks the wire protocol to it over pipes (or a socketpair)
 * and checks the H_STEP results: output, stdin, exits, signals, limits, caps, sessions, cleanup,
 * and that a message lacking a required field (wire.h) is refused with H_FATAL.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "helper_harness.h"
#include "version.h"
#include "wire.h"

#define TEST(name) static void name(void **state __attribute__((unused)))

TEST(test_hello)
{
	run_once(&(struct spec){ .run = SH("echo hi; echo oops >&2") }, NULL, 0);
	assert_string_equal(last.out.data, "hi\n");
	assert_string_equal(last.err.data, "oops\n");
	assert_int_equal(last.exit, 0);
	assert_int_equal(last.sig, 0);
	assert_int_equal(last.flags, 0);
	assert_true(last.wall_us > 0 && last.wall_us < 5000000);
	assert_true(last.rss_kb > 0);
	assert_int_equal(last.error[0], '\0');
	struct helper h; /* the same over a socketpair */
	start_argv(&h, 1, NULL);
	send_setup(&h, &(struct spec){ .run = ARGS("echo", "via", "socket") });
	send_run(&h, "", 0, NULL);
	recv_step(&h);
	assert_string_equal(last.out.data, "via socket\n");
	stop(&h);
}

TEST(test_stdin_binary)
{
	size_t n = 1 << 20;
	unsigned char *in = malloc(n);
	assert_non_null(in);
	for (size_t i = 0; i < n; i++)
		in[i] = (unsigned char)(i % 251 == 0 ? 0 : (i * 7 + (i >> 9)) & 0xff);
	run_once(&(struct spec){ .run = ARGS("cat"), .out_max = 2 << 20 }, in, n);
	assert_int_equal(last.flags, 0);
	assert_int_equal(last.out.len, n);
	assert_memory_equal(last.out.data, in, n);
	/* a program that reads nothing: EPIPE on stdin is fine */
	run_once(&(struct spec){ .run = ARGS("true") }, in, n);
	assert_int_equal(last.exit, 0);
	assert_int_equal(last.flags, 0);
	free(in);
	/* an empty T_STDIN */
	run_once(&(struct spec){ .run = ARGS("wc", "-c") }, NULL, 0);
	assert_string_equal(last.out.data, "0\n");
}

TEST(test_exit_and_signal)
{
	run_once(&(struct spec){ .run = SH("exit 3") }, NULL, 0);
	assert_int_equal(last.exit, 3);
	assert_int_equal(last.sig, 0);
	run_once(&(struct spec){ .run = SH("kill -SEGV $$") }, NULL, 0);
	assert_int_equal(last.sig, SIGSEGV);
	assert_int_equal(last.exit, 0);
	assert_int_equal(last.flags, 0);
}

TEST(test_wall_timeout)
{
	uint64_t t0 = ms_now();
	run_once(&(struct spec){ .run = ARGS("sleep", "5"), .wall_ms = 300 }, NULL, 0);
	uint64_t took = ms_now() - t0;
	assert_true(last.flags & SF_WALL_TIMEOUT);
	assert_int_equal(last.sig, SIGKILL);
	assert_true(last.wall_us >= 300000);
	assert_true(took < 2000);
}

TEST(test_cpu_timeout)
{
	uint64_t t0 = ms_now();
	run_once(&(struct spec){ .run = SH("while :; do :; done"), .cpu_ms = 300,
				 .wall_ms = 20000 }, NULL, 0);
	assert_true(last.flags & SF_CPU_TIMEOUT);
	assert_false(last.flags & SF_WALL_TIMEOUT);
	assert_int_equal(last.sig, SIGKILL);
	assert_true(last.cpu_us >= 250000);
	assert_true(ms_now() - t0 < 10000);
}

TEST(test_output_cap)
{
	uint64_t t0 = ms_now();
	run_once(&(struct spec){ .run = SH("yes | head -c 10M"), .out_max = 65536 }, NULL, 0);
	assert_true(last.flags & SF_STDOUT_CAP);
	assert_int_equal(last.out.len, 65536);
	for (size_t i = 0; i < last.out.len; i++)
		assert_int_equal(last.out.data[i], i % 2 ? '\n' : 'y');
	assert_true(ms_now() - t0 < 3000);
	run_once(&(struct spec){ .run = SH("yes >&2"), .out_max = 1000 }, NULL, 0);
	assert_true(last.flags & SF_STDERR_CAP);
	assert_false(last.flags & SF_STDOUT_CAP);
	assert_int_equal(last.err.len, 1000);
	/* exactly at the cap is not over it */
	run_once(&(struct spec){ .run = SH("head -c 1000 /dev/zero"), .out_max = 1000 }, NULL, 0);
	assert_int_equal(last.flags, 0);
	assert_int_equal(last.out.len, 1000);
}

TEST(test_compile_then_runs)
{
	struct helper h;
	start(&h);
	send_setup(&h, &(struct spec){
		.files = ARGS("src.txt", "hello\n", "other", ""),
		.compile = SH("tr a-z A-Z < src.txt > prog.out && echo compiled"),
		.run = SH("cat prog.out; cat; echo \"[$0]\""),
	});
	recv_step(&h);
	assert_int_equal(last.kind, STEP_COMPILE);
	assert_int_equal(last.exit, 0);
	assert_string_equal(last.out.data, "compiled\n");
	send_run(&h, "one\n", 4, ARGS("x"));
	recv_step(&h);
	assert_int_equal(last.kind, STEP_RUN);
	assert_string_equal(last.out.data, "HELLO\none\n[x]\n");
	send_run(&h, "two\n", 4, NULL);
	recv_step(&h);
	assert_string_equal(last.out.data, "HELLO\ntwo\n[/bin/sh]\n");
	stop(&h);
}

static int count_fds(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	DIR *d = opendir(path);
	if (!d)
		return -1;
	int n = 0;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* Many steps in one session: each is fast and the helper leaks no fds. */
TEST(test_many_runs)
{
	struct helper h;
	start(&h);
	send_setup(&h, &(struct spec){ .run = SH("echo $1 >&2; cat"), .env = ARGS("PATH=/bin") });
	int fds = -1;
	uint64_t t0 = ms_now();
	for (int i = 0; i < 50; i++) {
		char in[32], arg[16];
		snprintf(in, sizeof(in), "run %d", i);
		snprintf(arg, sizeof(arg), "%d", i);
		send_run(&h, in, strlen(in), ARGS("sh", arg));
		recv_step(&h);
		assert_string_equal(last.out.data, in);
		assert_int_equal(atoi(last.err.data), i);
		if (i == 0)
			fds = count_fds(h.pid);
	}
	print_message("50 runs in %llu ms\n", (unsigned long long)(ms_now() - t0));
	assert_int_equal(count_fds(h.pid), fds);
	stop(&h);
}

/* The helper must answer H_FATAL with a T_ERROR and exit 1. */
static void expect_fatal(struct helper *h)
{
	struct buf m;
	buf_init(&m, 0);
	uint32_t len;
	const uint8_t *p = recv_type(h, &m, H_FATAL, &len);
	struct wire_field f;
	assert_int_equal(wire_next(&p, p + len, &f), 1);
	assert_int_equal(f.tag, T_ERROR);
	assert_true(f.len > 0);
	buf_free(&m);
	expect_exit(h, 1);
}

static void expect_fatal_setup(const char *name, size_t name_len)
{
	struct helper h;
	struct buf b;
	start(&h);
	buf_init(&b, 1 << 20);
	assert_int_equal(wire_begin(&b, H_SETUP, 7, 1), 0);
	assert_int_equal(wire_put(&b, T_FILE_NAME, name, name_len), 0);
	assert_int_equal(wire_put_str(&b, T_FILE_DATA, "x"), 0);
	assert_int_equal(wire_put_str(&b, T_RUN_ARG, "true"), 0);
	put_required(&b, &(struct spec){ 0 }, 0); /* complete but for the name */
	assert_int_equal(wire_end(&b, 0), 0);
	send_buf(&h, &b);
	expect_fatal(&h);
}

TEST(test_bad_names)
{
	char esc[64], longname[300];
	snprintf(esc, sizeof(esc), "../exh-escape-%d", (int)getpid());
	expect_fatal_setup(esc, strlen(esc));
	char where[96];
	snprintf(where, sizeof(where), "/tmp/exh-escape-%d", (int)getpid());
	assert_int_equal(access(where, F_OK), -1);
	const char *bad[] = { "", ".", "..", "a//b", "a/", "a/./b", "a/../../x", "a/b/c/d/e",
			      "/etc/x" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_fatal_setup(bad[i], strlen(bad[i]));
	expect_fatal_setup("a\0b", 3);
	memset(longname, 'a', 256);
	expect_fatal_setup(longname, 256);
}

TEST(test_protocol_errors)
{
	struct helper h;
	start(&h); /* the same file twice: O_EXCL */
	send_setup(&h, &(struct spec){ .files = ARGS("a", "1", "a", "2"), .run = ARGS("true") });
	expect_fatal(&h);
	start(&h); /* an unknown message after setup */
	send_setup(&h, &(struct spec){ .run = ARGS("true") });
	send_type(&h, 99);
	expect_fatal(&h);
	start(&h); /* H_RUN before H_SETUP */
	send_type(&h, H_RUN);
	expect_fatal(&h);
	/* EOF after setup: exit 0 */
	start(&h);
	send_setup(&h, &(struct spec){ .run = ARGS("true") });
	close(h.to);
	h.to = open("/dev/null", O_WRONLY);
	expect_exit(&h, 0);
}

/* Required fields (wire.h): a message without one is refused, not given a default. */
TEST(test_required_fields)
{
	static const uint32_t tags[] = { T_RUN_UID, T_RUN_GID, T_COMPILE_WALL_MS, T_RUN_CPU_MS,
					 T_RUN_MEM_KB, T_OUTPUT_MAX, T_STACK_KB };
	struct helper h;
	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		start(&h);
		send_setup_but(&h, &(struct spec){ .run = ARGS("true") }, tags[i]);
		expect_fatal(&h);
	}
	start(&h); /* no T_RUN_ARG */
	send_setup(&h, &(struct spec){ .compile = ARGS("true") });
	expect_fatal(&h);
	start(&h); /* H_RUN without T_STDIN */
	send_setup(&h, &(struct spec){ .run = ARGS("true") });
	send_run(&h, NULL, 0, NULL);
	expect_fatal(&h);
	start(&h); /* a once-only field twice */
	struct buf b;
	buf_init(&b, 1 << 20);
	assert_int_equal(wire_begin(&b, H_SETUP, 7, 1), 0);
	assert_int_equal(wire_put_str(&b, T_RUN_ARG, "true"), 0);
	put_required(&b, &(struct spec){ 0 }, 0);
	assert_int_equal(wire_put_u64(&b, T_RUN_CPU_MS, 1), 0);
	assert_int_equal(wire_end(&b, 0), 0);
	send_buf(&h, &b);
	expect_fatal(&h);
}

TEST(test_spawn_failed)
{
	run_once(&(struct spec){ .run = ARGS("/nonexistent/prog") }, NULL, 0);
	assert_true(last.flags & SF_SPAWN_FAILED);
	assert_int_equal(last.exit, 127);
	assert_string_equal(last.error, "cannot run /nonexistent/prog: No such file or directory");
	run_once(&(struct spec){ .run = ARGS("no-such-command-exh") }, NULL, 0);
	assert_true(last.flags & SF_SPAWN_FAILED);
	assert_non_null(strstr(last.error, "No such file or directory"));
	/* PATH comes from the given env only */
	run_once(&(struct spec){ .run = ARGS("sh", "-c", "echo ok"), .env = ARGS("PATH=/nowhere") },
		 NULL, 0);
	assert_true(last.flags & SF_SPAWN_FAILED);
}

TEST(test_env_and_fds)
{
	run_once(&(struct spec){ .run = ARGS("/usr/bin/env"),
				 .env = ARGS("A=1", "PATH=/usr/bin:/bin") },
		 NULL, 0);
	assert_string_equal(last.out.data, "A=1\nPATH=/usr/bin:/bin\n");
	/* the program holds 0, 1, 2 only (3 is ls's own directory fd) */
	run_once(&(struct spec){ .run = ARGS("ls", "/proc/self/fd") }, NULL, 0);
	assert_string_equal(last.out.data, "0\n1\n2\n3\n");
}

TEST(test_rlimits)
{
	run_once(&(struct spec){ .run = SH("ulimit -n; ulimit -s; ulimit -c"), .nofile = 64,
				 .stack_kb = 4096 }, NULL, 0);
	assert_string_equal(last.out.data, "64\n4096\n0\n");
	run_once(&(struct spec){ .run = SH("head -c 5000 /dev/zero > big; echo $?"),
				 .fsize = 1000 }, NULL, 0);
	assert_string_equal(last.out.data, "153\n"); /* 128 + SIGXFSZ */
	run_once(&(struct spec){ .run = ARGS("true"), .mem_kb = 1 }, NULL, 0);
	assert_true(last.flags & SF_MEM_OVER);
	run_once(&(struct spec){ .run = ARGS("true"), .mem_kb = 1 << 30 }, NULL, 0);
	assert_false(last.flags & SF_MEM_OVER);
}

static int gone(const char *pid_text)
{
	int pid = atoi(pid_text);
	return pid > 1 && kill(pid, 0) < 0 && errno == ESRCH;
}

static void check_background(struct helper *h)
{
	uint64_t t0 = ms_now();
	send_run(h, "", 0, NULL);
	recv_step(h);
	assert_true(ms_now() - t0 < 1500);
	assert_int_equal(last.exit, 0);
	assert_true(last.out.len > 0);
	assert_true(gone(last.out.data));
}

TEST(test_background)
{
	struct helper h;
	start(&h);
	send_setup(&h, &(struct spec){ .run = SH("sleep 100 & echo $!") });
	check_background(&h);
	check_background(&h);
	stop(&h);
	/* one that left the process group (setsid) and holds stdout */
	start(&h);
	send_setup(&h, &(struct spec){ .run = SH("setsid sleep 100 & echo $!") });
	check_background(&h);
	stop(&h);
}

/* As PID 1 of a fresh pid namespace (the container case): kill(-1) cleans up. */
TEST(test_pid1)
{
	if (geteuid() != 0 || system("unshare --pid --fork --mount-proc true >/dev/null 2>&1") != 0)
		skip();
	const char *argv[] = { "/usr/bin/unshare", "--pid", "--fork", "--mount-proc",
			       "--kill-child", helper_bin, NULL };
	struct helper h;
	start_argv(&h, 0, argv);
	send_setup(&h, &(struct spec){ .run = SH("echo $PPID; setsid sleep 100 & sleep 100 &") });
	uint64_t t0 = ms_now();
	send_run(&h, "", 0, NULL);
	recv_step(&h);
	assert_true(ms_now() - t0 < 1500);
	assert_string_equal(last.out.data, "1\n");
	stop(&h);
	/* CPU of several processes, measured on the cgroup (or /proc as a fallback) */
	start_argv(&h, 0, argv);
	send_setup(&h, &(struct spec){ .run = SH("(while :; do :; done) & while :; do :; done"),
				      .cpu_ms = 400, .wall_ms = 20000 });
	send_run(&h, "", 0, NULL);
	recv_step(&h);
	assert_true(last.flags & SF_CPU_TIMEOUT);
	stop(&h);
}

TEST(test_version_and_idle)
{
	char cmd[4200];
	snprintf(cmd, sizeof(cmd), "'%s' --version | grep -qx 'executioner-helper %s'", helper_bin,
		 EXECUTIONER_VERSION); /* the service's version (version.h), not one of its own */
	assert_int_equal(system(cmd), 0);
	struct helper h;
	start_argv(&h, 0, (const char *const[]){ helper_bin, "--idle", NULL });
	usleep(100000);
	int ws;
	assert_int_equal(waitpid(h.pid, &ws, WNOHANG), 0);
	kill(h.pid, SIGTERM);
	expect_exit(&h, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hello),
		cmocka_unit_test(test_stdin_binary),
		cmocka_unit_test(test_exit_and_signal),
		cmocka_unit_test(test_wall_timeout),
		cmocka_unit_test(test_cpu_timeout),
		cmocka_unit_test(test_output_cap),
		cmocka_unit_test(test_compile_then_runs),
		cmocka_unit_test(test_many_runs),
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_protocol_errors),
		cmocka_unit_test(test_required_fields),
		cmocka_unit_test(test_spawn_failed),
		cmocka_unit_test(test_env_and_fds),
		cmocka_unit_test(test_rlimits),
		cmocka_unit_test(test_background),
		cmocka_unit_test(test_pid1),
		cmocka_unit_test(test_version_and_idle),
	};
	int rc = cmocka_run_group_tests(tests, group_setup, NULL);
	step_free(&last);
	return rc;
}
