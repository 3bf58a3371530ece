/*
 * helper_harness.c - the test harness of test_helper.c (see helper_harness.h): the helper as a
 * child process over pipes or a socketpair, and the protocol's messages built and checked with
 * cmocka assertions.
 */
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
#include "wire.h"

char helper_bin[4096];
struct reply_step last; /* the last H_STEP received (recv_step frees the one before) */
static const char *const default_env[] = { "PATH=/usr/bin:/bin", "HOME=/tmp", NULL };

uint64_t ms_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

int group_setup(void **state)
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
void start_argv(struct helper *h, int use_socket, const char *const *argv)
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

void start(struct helper *h)
{
	start_argv(h, 0, NULL);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)flag, (void)f;
	return remove(p);
}

/* Waits for the helper to exit (SIGKILL after timeout_ms); returns its wait status. */
int wait_exit(struct helper *h, int timeout_ms)
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

void cleanup(struct helper *h)
{
	if (h->to != h->from)
		close(h->from);
	close(h->to);
	nftw(h->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

void send_buf(struct helper *h, struct buf *b)
{
	assert_int_equal(wire_write_all(h->to, b->data, b->len), 0);
	buf_free(b);
}

void put_strs(struct buf *b, uint32_t tag, const char *const *v)
{
	for (; v && *v; v++)
		assert_int_equal(wire_put_str(b, tag, *v), 0);
}

/* The required u64 fields of H_SETUP (ids 0: run as the helper), but the one tagged skip. */
void put_required(struct buf *b, const struct spec *sp, uint32_t skip)
{
	uint64_t wall = sp->wall_ms ? sp->wall_ms : 10000, cpu = sp->cpu_ms;
	const uint64_t vals[][2] = {
		{ T_RUN_UID, 0 }, { T_RUN_GID, 0 },
		{ T_COMPILE_WALL_MS, wall }, { T_COMPILE_CPU_MS, cpu },
		{ T_COMPILE_MEM_KB, sp->mem_kb },
		{ T_RUN_WALL_MS, wall }, { T_RUN_CPU_MS, cpu }, { T_RUN_MEM_KB, sp->mem_kb },
		{ T_OUTPUT_MAX, sp->out_max ? sp->out_max : 1 << 20 }, { T_FSIZE_MAX, sp->fsize },
		{ T_NOFILE, sp->nofile }, { T_STACK_KB, sp->stack_kb },
	};
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++)
		if (vals[i][0] != skip)
			assert_int_equal(wire_put_u64(b, (uint32_t)vals[i][0], vals[i][1]), 0);
}

/* H_SETUP for sp, without the required field skip (0: complete). */
void send_setup_but(struct helper *h, const struct spec *sp, uint32_t skip)
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
	put_required(&b, sp, skip);
	assert_int_equal(wire_end(&b, 0), 0);
	send_buf(h, &b);
}

void send_setup(struct helper *h, const struct spec *sp)
{
	send_setup_but(h, sp, 0);
}

/* H_RUN; in == NULL sends no T_STDIN (a protocol error), n == 0 an empty one. */
void send_run(struct helper *h, const void *in, size_t n, const char *const *extra)
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

void send_type(struct helper *h, uint16_t type)
{
	struct buf b;
	buf_init(&b, 64);
	assert_int_equal(wire_pack(&b, type, 7, 1, "", 0), 0);
	send_buf(h, &b);
}

/* Receives one message of the given type; returns its payload (valid until m changes). */
const uint8_t *recv_type(struct helper *h, struct buf *m, uint16_t type, uint32_t *len)
{
	struct wire_hdr hd;
	assert_int_equal(wire_read_msg(h->from, m, &hd, WIRE_MAX_PAYLOAD, MSG_TIMEOUT_MS), 0);
	assert_int_equal(hd.type, type);
	assert_int_equal(hd.id, 7);
	*len = hd.len;
	return (const uint8_t *)m->data + WIRE_HDR_LEN;
}

void step_free(struct reply_step *s)
{
	buf_free(&s->out);
	buf_free(&s->err);
}

void recv_step(struct helper *h)
{
	struct reply_step *s = &last;
	step_free(s);
	struct buf m;
	buf_init(&m, 0);
	uint32_t len;
	const uint8_t *p = recv_type(h, &m, H_STEP, &len), *end = p + len;
	memset(s, 0, sizeof(*s));
	buf_init(&s->out, WIRE_MAX_PAYLOAD);
	buf_init(&s->err, WIRE_MAX_PAYLOAD);
	struct wire_field f;
	struct wire_seen seen = { { 0, 0 } };
	static const uint32_t required[] = { T_KIND, T_EXIT, T_SIGNAL, T_WALL_US, T_CPU_US,
					     T_MAXRSS_KB, T_FLAGS, T_STDOUT, T_STDERR, 0 };
	int r;
	while ((r = wire_next(&p, end, &f)) == 1) {
		assert_int_equal(wire_seen(&seen, f.tag), 0); /* each field once */
		uint64_t *u[] = { &s->kind,   &s->exit,   &s->sig,
				  &s->wall_us, &s->cpu_us, &s->rss_kb };
		if (f.tag >= T_KIND && f.tag <= T_MAXRSS_KB)
			*u[f.tag - T_KIND] = wire_u64(&f);
		else if (f.tag == T_FLAGS)
			s->flags = wire_u64(&f);
		else if (f.tag == T_STDOUT || f.tag == T_STDERR)
			assert_int_equal(buf_append(f.tag == T_STDOUT ? &s->out : &s->err, f.data,
						    f.len), 0);
		else if (f.tag == T_ERROR)
			snprintf(s->error, sizeof(s->error), "%.*s", (int)f.len,
				 (const char *)f.data);
	}
	assert_int_equal(r, 0);
	assert_int_equal(wire_missing(&seen, required), 0);
	buf_free(&m);
	/* never NULL, so tests can compare strings */
	assert_int_equal(buf_append(&s->out, "", 0) | buf_append(&s->err, "", 0), 0);
}

/* The helper must exit with code within a few seconds. */
void expect_exit(struct helper *h, int code)
{
	int ws = wait_exit(h, 5000);
	cleanup(h);
	assert_true(WIFEXITED(ws));
	assert_int_equal(WEXITSTATUS(ws), code);
}

/* Sends H_END; the helper must exit 0. */
void stop(struct helper *h)
{
	send_type(h, H_END);
	expect_exit(h, 0);
}

/* One session with one run. */
void run_once(const struct spec *sp, const void *in, size_t n)
{
	struct helper h;
	start(&h);
	send_setup(&h, sp);
	send_run(&h, in ? in : "", n, NULL);
	recv_step(&h);
	assert_int_equal(last.kind, STEP_RUN);
	stop(&h);
}
