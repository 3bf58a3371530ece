/*
 * test_helper.c - runs the in-container helper (HELPER_BIN, default build/executioner-helper)
 * as a child in a fresh temp dir, speaks the wire protocol to it over pipes (or a socketpair)
 * and checks the H_STEP results: output, stdin, exits, signals, limits, caps, sessions, cleanup.
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

#include "wire.h"

#define MSG_TIMEOUT_MS 20000
#define TEST(name) static void name(void **state __attribute__((unused)))
#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define SH(cmd) ARGS("/bin/sh", "-c", cmd)

struct helper {
	pid_t pid;
	int to, from; /* equal with a socketpair */
	char dir[64];
};

struct step {
	uint64_t kind, exit, sig, wall_us, cpu_us, rss_kb, flags;
	struct buf out, err;
	char error[512];
};

/* The H_SETUP to send; the same limits go to the compile step and the runs. */
struct spec {
	const char *const *files; /* name, data, ..., NULL */
	const char *const *compile, *const *run, *const *env;
	uint64_t wall_ms, cpu_ms, mem_kb, out_max, fsize, nofile, stack_kb;
};

static char helper_bin[4096];
static struct step st; /* the last H_STEP received (recv_step frees the one before) */
static const char *const default_env[] = { "PATH=/usr/bin:/bin", "HOME=/tmp", NULL };

static uint64_t ms_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

static int group_setup(void **state)
{
	(void)state;
	const char *bin = getenv("HELPER_BIN");
	if (!bin || !*bin)
		bin = "build/executioner-helper";
	if (!realpath(bin, helper_bin) || access(helper_bin, X_OK) < 0) {
		fprintf(stderr, "test_helper: no helper at %s (make build/executioner-helper)\n",
			bin);
		return -1;
	}
	signal(SIGPIPE, SIG_IGN);
	setenv("EXH_SECRET", "must-not-leak", 1); /* the helper's env must not reach programs */
	return 0;
}

/* Starts argv (NULL: just the helper) in a fresh temp dir with its fds 0/1 connected to us
 * through two pipes, or one socketpair: it reads a[0] and writes b[1]; we write a[1], read b[0]. */
static void start_argv(struct helper *h, int use_socket, const char *const *argv)
{
	const char *const plain[] = { helper_bin, NULL };
	int a[2], b[2];
	strcpy(h->dir, "/tmp/exh-test.XXXXXX");
	assert_non_null(mkdtemp(h->dir));
	if (use_socket) {
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, b), 0);
		a[0] = b[1], a[1] = b[0];
	} else {
		assert_int_equal(pipe2(a, O_CLOEXEC) | pipe2(b, O_CLOEXEC), 0);
	}
	h->pid = fork();
	assert_true(h->pid >= 0);
	if (h->pid == 0) {
		argv = argv ? argv : plain;
		if (chdir(h->dir) == 0 && dup2(a[0], 0) == 0 && dup2(b[1], 1) == 1)
			execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(a[0]);
	if (b[1] != a[0])
		close(b[1]);
	h->to = a[1];
	h->from = b[0];
}

static void start(struct helper *h)
{
	start_argv(h, 0, NULL);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)flag, (void)f;
	return remove(p);
}

/* Waits for the helper to exit (SIGKILL after timeout_ms); returns its wait status. */
static int wait_exit(struct helper *h, int timeout_ms)
{
	int ws = 0;
	uint64_t end = ms_now() + (uint64_t)timeout_ms;
	while (waitpid(h->pid, &ws, WNOHANG) == 0) {
		if (ms_now() > end) {
			kill(h->pid, SIGKILL);
			waitpid(h->pid, &ws, 0);
			return -1;
		}
		usleep(2000);
	}
	return ws;
}

static void cleanup(struct helper *h)
{
	if (h->to != h->from)
		close(h->from);
	close(h->to);
	nftw(h->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void send_buf(struct helper *h, struct buf *b)
{
	assert_int_equal(wire_write_all(h->to, b->data, b->len), 0);
	buf_free(b);
}

static void put_strs(struct buf *b, uint32_t tag, const char *const *v)
{
	for (; v && *v; v++)
		assert_int_equal(wire_put_str(b, tag, *v), 0);
}

static void send_setup(struct helper *h, const struct spec *sp)
{
	struct buf b;
	buf_init(&b, WIRE_MAX_PAYLOAD);
	assert_int_equal(wire_begin(&b, H_SETUP, 7, 1), 0);
	for (const char *const *f = sp->files; f && f[0]; f += 2) {
		assert_int_equal(wire_put_str(&b, T_FILE_NAME, f[0]), 0);
		assert_int_equal(wire_put_str(&b, T_FILE_DATA, f[1]), 0);
	}
	put_strs(&b, T_COMPILE_ARG, sp->compile);
	put_strs(&b, T_RUN_ARG, sp->run);
	put_strs(&b, T_ENV, sp->env ? sp->env : default_env);
	uint64_t wall = sp->wall_ms ? sp->wall_ms : 10000, cpu = sp->cpu_ms;
	const uint64_t vals[][2] = {
		{ T_COMPILE_WALL_MS, wall },
		{ T_COMPILE_CPU_MS, cpu },
		{ T_COMPILE_MEM_KB, sp->mem_kb },
		{ T_RUN_WALL_MS, wall },
		{ T_RUN_CPU_MS, cpu },
		{ T_RUN_MEM_KB, sp->mem_kb },
		{ T_OUTPUT_MAX, sp->out_max ? sp->out_max : 1 << 20 },
		{ T_FSIZE_MAX, sp->fsize },
		{ T_NOFILE, sp->nofile },
		{ T_STACK_KB, sp->stack_kb },
	};
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++)
		assert_int_equal(wire_put_u64(&b, (uint32_t)vals[i][0], vals[i][1]), 0);
	assert_int_equal(wire_end(&b, 0), 0);
	send_buf(h, &b);
}

static void send_run(struct helper *h, const void *in, size_t n, const char *const *extra)
{
	struct buf b;
	buf_init(&b, WIRE_MAX_PAYLOAD);
	assert_int_equal(wire_begin(&b, H_RUN, 7, 1), 0);
	if (in)
		assert_int_equal(wire_put(&b, T_STDIN, in, n), 0);
	put_strs(&b, T_EXTRA_ARG, extra);
	assert_int_equal(wire_end(&b, 0), 0);
	send_buf(h, &b);
}

static void send_type(struct helper *h, uint16_t type)
{
	struct buf b;
	buf_init(&b, 64);
	assert_int_equal(wire_pack(&b, type, 7, 1, "", 0), 0);
	send_buf(h, &b);
}

/* Receives one message of the given type; returns its payload (valid until m changes). */
static const uint8_t *recv_type(struct helper *h, struct buf *m, uint16_t type, uint32_t *len)
{
	struct wire_hdr hd;
	assert_int_equal(wire_read_msg(h->from, m, &hd, WIRE_MAX_PAYLOAD, MSG_TIMEOUT_MS), 0);
	assert_int_equal(hd.type, type);
	assert_int_equal(hd.id, 7);
	*len = hd.len;
	return (const uint8_t *)m->data + WIRE_HDR_LEN;
}

static void step_free(struct step *s)
{
	buf_free(&s->out);
	buf_free(&s->err);
}

static void recv_step(struct helper *h)
{
	struct step *s = &st;
	step_free(s);
	struct buf m;
	buf_init(&m, 0);
	uint32_t len;
	const uint8_t *p = recv_type(h, &m, H_STEP, &len), *end = p + len;
	memset(s, 0, sizeof(*s));
	buf_init(&s->out, WIRE_MAX_PAYLOAD);
	buf_init(&s->err, WIRE_MAX_PAYLOAD);
	struct wire_field f;
	int r;
	while ((r = wire_next(&p, end, &f)) == 1) {
		uint64_t *u[] = {
			&s->kind, &s->exit, &s->sig, &s->wall_us, &s->cpu_us, &s->rss_kb
		};
		if (f.tag >= T_KIND && f.tag <= T_MAXRSS_KB)
			*u[f.tag - T_KIND] = wire_u64(&f);
		else if (f.tag == T_FLAGS)
			s->flags = wire_u64(&f);
		else if (f.tag == T_STDOUT || f.tag == T_STDERR)
			assert_int_equal(
				buf_append(f.tag == T_STDOUT ? &s->out : &s->err, f.data, f.len),
				0);
		else if (f.tag == T_ERROR)
			snprintf(s->error, sizeof(s->error), "%.*s", (int)f.len,
				 (const char *)f.data);
	}
	assert_int_equal(r, 0);
	buf_free(&m);
	/* never NULL, so tests can compare strings */
	assert_int_equal(buf_append(&s->out, "", 0) | buf_append(&s->err, "", 0), 0);
}

/* The helper must exit with code within a few seconds. */
static void expect_exit(struct helper *h, int code)
{
	int ws = wait_exit(h, 5000);
	cleanup(h);
	assert_true(WIFEXITED(ws));
	assert_int_equal(WEXITSTATUS(ws), code);
}

/* Sends H_END; the helper must exit 0. */
static void stop(struct helper *h)
{
	send_type(h, H_END);
	expect_exit(h, 0);
}

/* One session with one run. */
static void run_once(const struct spec *sp, const void *in, size_t n)
{
	struct helper h;
	start(&h);
	send_setup(&h, sp);
	send_run(&h, in, n, NULL);
	recv_step(&h);
	assert_int_equal(st.kind, 1);
	stop(&h);
}

TEST(test_hello)
{
	run_once(&(struct spec){ .run = SH("echo hi; echo oops >&2") }, NULL, 0);
	assert_string_equal(st.out.data, "hi\n");
	assert_string_equal(st.err.data, "oops\n");
	assert_int_equal(st.exit, 0);
	assert_int_equal(st.sig, 0);
	assert_int_equal(st.flags, 0);
	assert_true(st.wall_us > 0 && st.wall_us < 5000000);
	assert_true(st.rss_kb > 0);
	assert_int_equal(st.error[0], '\0');
	struct helper h; /* the same over a socketpair */
	start_argv(&h, 1, NULL);
	send_setup(&h, &(struct spec){ .run = ARGS("echo", "via", "socket") });
	send_run(&h, NULL, 0, NULL);
	recv_step(&h);
	assert_string_equal(st.out.data, "via socket\n");
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
	assert_int_equal(st.flags, 0);
	assert_int_equal(st.out.len, n);
	assert_memory_equal(st.out.data, in, n);
	/* a program that reads nothing: EPIPE on stdin is fine */
	run_once(&(struct spec){ .run = ARGS("true") }, in, n);
	assert_int_equal(st.exit, 0);
	assert_int_equal(st.flags, 0);
	free(in);
	/* no T_STDIN: empty stdin */
	run_once(&(struct spec){ .run = ARGS("wc", "-c") }, NULL, 0);
	assert_string_equal(st.out.data, "0\n");
}

TEST(test_exit_and_signal)
{
	run_once(&(struct spec){ .run = SH("exit 3") }, NULL, 0);
	assert_int_equal(st.exit, 3);
	assert_int_equal(st.sig, 0);
	run_once(&(struct spec){ .run = SH("kill -SEGV $$") }, NULL, 0);
	assert_int_equal(st.sig, SIGSEGV);
	assert_int_equal(st.exit, 0);
	assert_int_equal(st.flags, 0);
}

TEST(test_wall_timeout)
{
	uint64_t t0 = ms_now();
	run_once(&(struct spec){ .run = ARGS("sleep", "5"), .wall_ms = 300 }, NULL, 0);
	uint64_t took = ms_now() - t0;
	assert_true(st.flags & SF_WALL_TIMEOUT);
	assert_int_equal(st.sig, SIGKILL);
	assert_true(st.wall_us >= 300000);
	assert_true(took < 2000);
}

TEST(test_cpu_timeout)
{
	uint64_t t0 = ms_now();
	run_once(
		&(struct spec){ .run = SH("while :; do :; done"), .cpu_ms = 300, .wall_ms = 20000 },
		NULL, 0);
	assert_true(st.flags & SF_CPU_TIMEOUT);
	assert_false(st.flags & SF_WALL_TIMEOUT);
	assert_int_equal(st.sig, SIGKILL);
	assert_true(st.cpu_us >= 250000);
	assert_true(ms_now() - t0 < 10000);
}

TEST(test_output_cap)
{
	uint64_t t0 = ms_now();
	run_once(&(struct spec){ .run = SH("yes | head -c 10M"), .out_max = 65536 }, NULL, 0);
	assert_true(st.flags & SF_STDOUT_CAP);
	assert_int_equal(st.out.len, 65536);
	for (size_t i = 0; i < st.out.len; i++)
		assert_int_equal(st.out.data[i], i % 2 ? '\n' : 'y');
	assert_true(ms_now() - t0 < 3000);
	run_once(&(struct spec){ .run = SH("yes >&2"), .out_max = 1000 }, NULL, 0);
	assert_true(st.flags & SF_STDERR_CAP);
	assert_false(st.flags & SF_STDOUT_CAP);
	assert_int_equal(st.err.len, 1000);
	/* exactly at the cap is not over it */
	run_once(&(struct spec){ .run = SH("head -c 1000 /dev/zero"), .out_max = 1000 }, NULL, 0);
	assert_int_equal(st.flags, 0);
	assert_int_equal(st.out.len, 1000);
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
	assert_int_equal(st.kind, 0);
	assert_int_equal(st.exit, 0);
	assert_string_equal(st.out.data, "compiled\n");
	send_run(&h, "one\n", 4, ARGS("x"));
	recv_step(&h);
	assert_int_equal(st.kind, 1);
	assert_string_equal(st.out.data, "HELLO\none\n[x]\n");
	send_run(&h, "two\n", 4, NULL);
	recv_step(&h);
	assert_string_equal(st.out.data, "HELLO\ntwo\n[/bin/sh]\n");
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
		assert_string_equal(st.out.data, in);
		assert_int_equal(atoi(st.err.data), i);
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
	const char *bad[] = { "", ".", "..", "a/b", "/etc/x" };
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

TEST(test_spawn_failed)
{
	run_once(&(struct spec){ .run = ARGS("/nonexistent/prog") }, NULL, 0);
	assert_true(st.flags & SF_SPAWN_FAILED);
	assert_int_equal(st.exit, 127);
	assert_string_equal(st.error, "cannot run /nonexistent/prog: No such file or directory");
	run_once(&(struct spec){ .run = ARGS("no-such-command-exh") }, NULL, 0);
	assert_true(st.flags & SF_SPAWN_FAILED);
	assert_non_null(strstr(st.error, "No such file or directory"));
	/* PATH comes from the given env only */
	run_once(&(struct spec){ .run = ARGS("sh", "-c", "echo ok"), .env = ARGS("PATH=/nowhere") },
		 NULL, 0);
	assert_true(st.flags & SF_SPAWN_FAILED);
}

TEST(test_env_and_fds)
{
	run_once(&(struct spec){ .run = ARGS("/usr/bin/env"),
				 .env = ARGS("A=1", "PATH=/usr/bin:/bin") },
		 NULL, 0);
	assert_string_equal(st.out.data, "A=1\nPATH=/usr/bin:/bin\n");
	/* the program holds 0, 1, 2 only (3 is ls's own directory fd) */
	run_once(&(struct spec){ .run = ARGS("ls", "/proc/self/fd") }, NULL, 0);
	assert_string_equal(st.out.data, "0\n1\n2\n3\n");
}

TEST(test_rlimits)
{
	run_once(&(struct spec){ .run = SH("ulimit -n; ulimit -s; ulimit -c"), .nofile = 64,
				 .stack_kb = 4096 }, NULL, 0);
	assert_string_equal(st.out.data, "64\n4096\n0\n");
	run_once(
		&(struct spec){ .run = SH("head -c 5000 /dev/zero > big; echo $?"), .fsize = 1000 },
		NULL, 0);
	assert_string_equal(st.out.data, "153\n"); /* 128 + SIGXFSZ */
	run_once(&(struct spec){ .run = ARGS("true"), .mem_kb = 1 }, NULL, 0);
	assert_true(st.flags & SF_MEM_OVER);
	run_once(&(struct spec){ .run = ARGS("true"), .mem_kb = 1 << 30 }, NULL, 0);
	assert_false(st.flags & SF_MEM_OVER);
}

static int gone(const char *pid_text)
{
	int pid = atoi(pid_text);
	return pid > 1 && kill(pid, 0) < 0 && errno == ESRCH;
}

static void check_background(struct helper *h)
{
	uint64_t t0 = ms_now();
	send_run(h, NULL, 0, NULL);
	recv_step(h);
	assert_true(ms_now() - t0 < 1500);
	assert_int_equal(st.exit, 0);
	assert_true(st.out.len > 0);
	assert_true(gone(st.out.data));
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
	send_run(&h, NULL, 0, NULL);
	recv_step(&h);
	assert_true(ms_now() - t0 < 1500);
	assert_string_equal(st.out.data, "1\n");
	stop(&h);
	/* CPU of several processes, measured on the cgroup (or /proc as a fallback) */
	start_argv(&h, 0, argv);
	send_setup(&h, &(struct spec){ .run = SH("(while :; do :; done) & while :; do :; done"),
				      .cpu_ms = 400, .wall_ms = 20000 });
	send_run(&h, NULL, 0, NULL);
	recv_step(&h);
	assert_true(st.flags & SF_CPU_TIMEOUT);
	stop(&h);
}

TEST(test_version_and_idle)
{
	char cmd[4200];
	snprintf(cmd, sizeof(cmd), "'%s' --version | grep -q '^executioner-helper '", helper_bin);
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
		cmocka_unit_test(test_spawn_failed),
		cmocka_unit_test(test_env_and_fds),
		cmocka_unit_test(test_rlimits),
		cmocka_unit_test(test_background),
		cmocka_unit_test(test_pid1),
		cmocka_unit_test(test_version_and_idle),
	};
	int rc = cmocka_run_group_tests(tests, group_setup, NULL);
	step_free(&st);
	return rc;
}
