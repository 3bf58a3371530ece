/*
 * helper_main.c - executioner-helper, the main process of every job container: reads H_SETUP
 * (files, argv, env, limits; fields in wire.h) from the worker on fd 0, writes the files, runs
 * the compile step and each H_RUN (helper_step.c), reads output files for H_COLLECT
 * (helper_files.c), and replies H_STEP, H_FILES or H_FATAL on fd 1;
 * diagnostics go to fd 2. A message that lacks a required field is answered with H_FATAL.
 * After a job, H_RESET (helper_reset.c) makes the container ready for another H_SETUP.
 * Also `--idle` (a PID 1 that only reaps, for an exec-based transport) and `--version`.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helper.h"
#include "relpath.h"
#include "version.h"
#include "wire.h"

#define DEFAULT_PATH "/usr/local/bin:/usr/bin:/bin"
#define DEFAULT_OUTPUT_MAX (1u << 20)
#define OUTPUT_MAX_CEIL ((WIRE_MAX_PAYLOAD - (1u << 16)) / 2) /* both streams fit in one reply */
#define MSG_MAX ((size_t)WIRE_HDR_LEN + WIRE_MAX_PAYLOAD)

static uint64_t g_seq; /* jobs this container has begun (T_JOB_SEQ) */

/* A growable NULL-terminated string vector (argv, env). */
struct strv {
	char **v;
	size_t n, cap;
};

/* The H_SETUP fields every job must give (T_RUN_UID/GID are checked first, in setup_ids). */
static const uint32_t setup_required[] = {
	T_COMPILE_WALL_MS, T_COMPILE_CPU_MS, T_COMPILE_MEM_KB, T_RUN_WALL_MS, T_RUN_CPU_MS,
	T_RUN_MEM_KB, T_OUTPUT_MAX, T_FSIZE_MAX, T_NOFILE, T_STACK_KB, 0,
};

/* One job's setup, as H_SETUP gave it. */
struct helper_job {
	struct wire_seen seen; /* the once-only fields seen */
	struct strv compile, run, env;
	struct limits cl, rl;
	struct rlims r;
	size_t out_max;
	const char *path;
	int wd;    /* the work dir (O_PATH), opened before any program ran, for H_COLLECT */
	uid_t uid; /* the program's uid/gid, 0 = the helper's own */
	gid_t gid;
};

static int strv_init(struct strv *s)
{
	s->n = 0;
	s->cap = 8;
	s->v = calloc(s->cap, sizeof(char *));
	return s->v ? 0 : -1;
}

static void strv_free(struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

/* Appends a copy of p[0..n) (which must hold no NUL) and keeps v[n] == NULL. */
static int strv_push(struct strv *s, const void *p, size_t n)
{
	if (memchr(p, '\0', n))
		return -1;
	if (s->n + 1 >= s->cap) {
		char **v = realloc(s->v, s->cap * 2 * sizeof(char *));
		if (!v)
			return -1;
		s->v = v;
		s->cap *= 2;
	}
	char *c = malloc(n + 1);
	if (!c)
		return -1;
	memcpy(c, p, n);
	c[n] = '\0';
	s->v[s->n++] = c;
	s->v[s->n] = NULL;
	return 0;
}

static void write_or_die(const struct buf *b)
{
	if (wire_write_all(1, b->data, b->len) < 0) {
		helper_warn("cannot write to the worker");
		helper_kill_all();
		exit(1);
	}
}

static __attribute__((noreturn)) void fatal_reply(const struct wire_hdr *h, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Replies H_FATAL with the reason, kills everything, exits 1. */
static void fatal_reply(const struct wire_hdr *h, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	helper_warnx("fatal: %s", msg);
	struct buf b;
	buf_init(&b, 4096);
	if (wire_begin(&b, H_FATAL, h ? h->id : 0, h ? h->gen : 0) == 0 &&
	    wire_put_str(&b, T_ERROR, msg) == 0 && wire_end(&b, 0) == 0)
		wire_write_all(1, b.data, b.len);
	buf_free(&b);
	helper_kill_all();
	exit(1);
}

/* A file name by relpath.h's rule (checked again here: defence in depth). */
static int valid_name(const uint8_t *p, uint32_t n)
{
	return !memchr(p, '\0', n) && relpath_check((const char *)p, n, NULL) == 0;
}

/* A u64 limit field: 0, or -1 when the field is not 8 bytes. */
static int put_u64(const struct wire_field *f, uint64_t *dst)
{
	if (f->len != 8)
		return -1;
	*dst = wire_u64(f);
	return 0;
}

static uint64_t *limit_slot(struct helper_job *s, uint32_t tag, uint64_t *out_max)
{
	switch (tag) {
	case T_COMPILE_WALL_MS: return &s->cl.wall_ms;
	case T_COMPILE_CPU_MS: return &s->cl.cpu_ms;
	case T_COMPILE_MEM_KB: return &s->cl.mem_kb;
	case T_RUN_WALL_MS: return &s->rl.wall_ms;
	case T_RUN_CPU_MS: return &s->rl.cpu_ms;
	case T_RUN_MEM_KB: return &s->rl.mem_kb;
	case T_OUTPUT_MAX: return out_max;
	case T_FSIZE_MAX: return &s->r.fsize;
	case T_NOFILE: return &s->r.nofile;
	case T_STACK_KB: return &s->r.stack_kb;
	default: return NULL;
	}
}

/* One H_SETUP field; *name holds a pending T_FILE_NAME. */
static void setup_field(struct helper_job *s, const struct wire_hdr *h, int wd,
			const struct wire_field *f, char **name, uint64_t *out_max)
{
	uint64_t *slot = limit_slot(s, f->tag, out_max);
	if (slot) {
		if (put_u64(f, slot) < 0)
			fatal_reply(h, "bad setup: field %u is not a u64", (unsigned)f->tag);
		if (wire_seen(&s->seen, f->tag) < 0)
			fatal_reply(h, "bad setup: field %u given twice", (unsigned)f->tag);
		return;
	}
	switch (f->tag) {
	case T_FILE_NAME:
		if (*name)
			fatal_reply(h, "bad setup: file %s has no T_FILE_DATA", *name);
		if (!valid_name(f->data, f->len)) {
			char shown[65];
			size_t n = f->len < 64 ? f->len : 64;
			/* the name is untrusted: no control bytes in logs */
			for (size_t i = 0; i < n; i++)
				shown[i] = f->data[i] >= 0x20 && f->data[i] < 0x7f
						   ? (char)f->data[i] : '?';
			shown[n] = '\0';
			fatal_reply(h, "bad setup: bad file name \"%s\"", shown);
		}
		if (!(*name = wire_strdup(f)))
			fatal_reply(h, "out of memory");
		return;
	case T_FILE_DATA:
		if (!*name)
			fatal_reply(h, "bad setup: T_FILE_DATA without T_FILE_NAME");
		if (helper_write_file(wd, *name, f->data, f->len) < 0)
			fatal_reply(h, "cannot write %s: %s", *name, strerror(errno));
		free(*name);
		*name = NULL;
		return;
	case T_COMPILE_ARG:
	case T_RUN_ARG:
		if (strv_push(f->tag == T_RUN_ARG ? &s->run : &s->compile, f->data, f->len) < 0)
			fatal_reply(h, "bad setup: bad argument (NUL byte or out of memory)");
		return;
	case T_ENV:
		if (f->len < 2 || f->data[0] == '=' || !memchr(f->data, '=', f->len) ||
		    strv_push(&s->env, f->data, f->len) < 0)
			fatal_reply(h, "bad setup: bad T_ENV (need K=V without NUL)");
		return;
	default:
		return; /* unknown fields are ignored */
	}
}

/* T_RUN_UID / T_RUN_GID (required), looked up before anything else: files are written as
 * that user. */
static void setup_ids(struct helper_job *s, const struct wire_hdr *h, const uint8_t *p)
{
	const uint8_t *end = p + h->len;
	struct wire_field f;
	while (wire_next(&p, end, &f) == 1) {
		if (f.tag != T_RUN_UID && f.tag != T_RUN_GID)
			continue;
		if (f.len != 8 || wire_seen(&s->seen, f.tag) < 0)
			fatal_reply(h, "bad setup: T_RUN_UID/T_RUN_GID not one u64");
		if (f.tag == T_RUN_UID)
			s->uid = (uid_t)wire_u64(&f);
		else
			s->gid = (gid_t)wire_u64(&f);
	}
	if (wire_missing(&s->seen, (const uint32_t[]){ T_RUN_UID, T_RUN_GID, 0 }))
		fatal_reply(h, "bad setup: no T_RUN_UID or T_RUN_GID");
	if ((s->uid || s->gid) && geteuid() != 0)
		fatal_reply(h, "bad setup: T_RUN_UID needs the helper to run as root");
	/* a reused container's jobs each have their own uid: the work dir becomes theirs */
	if ((s->uid || s->gid) && helper_workdir_own(s->uid, s->gid) < 0)
		fatal_reply(h, "cannot give the work dir to uid %d", (int)s->uid);
}

/* Switches the effective ids to the program's (become = 1) or back to root (0). */
static void as_program(const struct helper_job *s, const struct wire_hdr *h, int become)
{
	if (!s->uid && !s->gid)
		return;
	int rc = become ? (setegid(s->gid) || seteuid(s->uid)) : (seteuid(0) || setegid(0));
	if (rc)
		fatal_reply(h, "cannot switch effective ids: %s", strerror(errno));
}

static void setup(struct helper_job *s, const struct wire_hdr *h, const uint8_t *p)
{
	if (strv_init(&s->compile) < 0 || strv_init(&s->run) < 0 || strv_init(&s->env) < 0)
		fatal_reply(h, "out of memory");
	setup_ids(s, h, p);
	/* the work dir is the program's; the helper writes in it as its user */
	as_program(s, h, 1);
	int wd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (wd < 0)
		fatal_reply(h, "cannot open the work dir: %s", strerror(errno));
	const uint8_t *end = p + h->len;
	struct wire_field f;
	char *name = NULL;
	uint64_t out_max = 0;
	int r;
	while ((r = wire_next(&p, end, &f)) == 1)
		setup_field(s, h, wd, &f, &name, &out_max);
	if (r < 0)
		fatal_reply(h, "bad setup: malformed fields");
	if (name)
		fatal_reply(h, "bad setup: file %s has no T_FILE_DATA", name);
	uint32_t miss = wire_missing(&s->seen, setup_required);
	if (miss)
		fatal_reply(h, "bad setup: required field %u is missing", (unsigned)miss);
	if (s->run.n == 0)
		fatal_reply(h, "bad setup: no T_RUN_ARG");
	if (close(wd) < 0)
		helper_warn("close of the work dir");
	if ((s->wd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		fatal_reply(h, "cannot open the work dir: %s", strerror(errno));
	as_program(s, h, 0);
	s->out_max = out_max == 0 ? DEFAULT_OUTPUT_MAX
		   : out_max > OUTPUT_MAX_CEIL ? OUTPUT_MAX_CEIL : (size_t)out_max;
	s->path = DEFAULT_PATH;
	for (size_t i = 0; i < s->env.n; i++)
		if (strncmp(s->env.v[i], "PATH=", 5) == 0) {
			s->path = s->env.v[i] + 5;
			break;
		}
}

static int put_result(struct buf *b, int kind, const struct step_res *rs)
{
	return wire_put_u64(b, T_KIND, (uint64_t)kind) ||
	       wire_put_u64(b, T_EXIT, (uint64_t)rs->exit_code) ||
	       wire_put_u64(b, T_SIGNAL, (uint64_t)rs->sig) ||
	       wire_put_u64(b, T_WALL_US, rs->wall_us) || wire_put_u64(b, T_CPU_US, rs->cpu_us) ||
	       wire_put_u64(b, T_MAXRSS_KB, rs->maxrss_kb) ||
	       wire_put(b, T_STDOUT, rs->out.data ? rs->out.data : "", rs->out.len) ||
	       wire_put(b, T_STDERR, rs->err.data ? rs->err.data : "", rs->err.len) ||
	       wire_put_u64(b, T_FLAGS, rs->flags) || wire_put_u64(b, T_JOB_SEQ, g_seq) ||
	       (rs->error[0] && wire_put_str(b, T_ERROR, rs->error));
}

static void send_step(const struct wire_hdr *h, int kind, const struct step_res *rs)
{
	struct buf b;
	buf_init(&b, MSG_MAX);
	if (wire_begin(&b, H_STEP, h->id, h->gen) < 0 || put_result(&b, kind, rs) ||
	    wire_end(&b, 0) < 0)
		fatal_reply(h, "cannot build the step reply (out of memory)");
	write_or_die(&b);
	buf_free(&b);
}

/* Runs one step (kind STEP_COMPILE or STEP_RUN) and replies H_STEP. */
static void do_step(const struct helper_job *s, const struct wire_hdr *h, int kind,
		    char *const *argv, const uint8_t *in, size_t in_len, int stream)
{
	struct step_req rq = {
		.argv = argv, .env = s->env.v, .path = s->path,
		.lim = kind == STEP_RUN ? s->rl : s->cl, .rl = s->r, .out_max = s->out_max,
		.in = in, .in_len = in_len, .uid = s->uid, .gid = s->gid,
		.stream = stream, .stream_id = h->id, .stream_gen = h->gen,
	};
	struct step_res rs;
	helper_step_init(&rs, s->out_max);
	if (argv[0])
		helper_step_run(&rq, &rs);
	else {
		rs.flags = SF_SPAWN_FAILED;
		rs.exit_code = 127;
		snprintf(rs.error, sizeof(rs.error), "no command to run");
	}
	send_step(h, kind, &rs);
	helper_step_free(&rs);
}

static void handle_run(const struct helper_job *s, const struct wire_hdr *h, const uint8_t *p)
{
	struct strv argv;
	if (strv_init(&argv) < 0)
		fatal_reply(h, "out of memory");
	for (size_t i = 0; i < s->run.n; i++)
		if (strv_push(&argv, s->run.v[i], strlen(s->run.v[i])) < 0)
			fatal_reply(h, "out of memory");
	const uint8_t *end = p + h->len, *in = NULL;
	size_t in_len = 0;
	int stream = 0;
	struct wire_field f;
	int r;
	while ((r = wire_next(&p, end, &f)) == 1) {
		if (f.tag == T_STDIN) {
			if (in)
				fatal_reply(h, "bad run: two T_STDIN");
			in = f.data;
			in_len = f.len;
		} else if (f.tag == T_STREAM) {
			stream = wire_u64(&f) == 1;
		} else if (f.tag == T_EXTRA_ARG && strv_push(&argv, f.data, f.len) < 0) {
			fatal_reply(h, "bad run: bad T_EXTRA_ARG (NUL byte or out of memory)");
		}
	}
	if (r < 0)
		fatal_reply(h, "bad run: malformed fields");
	if (!in)
		fatal_reply(h, "bad run: no T_STDIN");
	do_step(s, h, STEP_RUN, argv.v, in, in_len, stream);
	strv_free(&argv);
}

/* One H_FILES entry: the name, the size, then the data or why it was not read. */
static int put_out_file(struct buf *b, int wd, const struct wire_field *f, size_t max)
{
	char name[RELPATH_MAX_BYTES + 1];
	struct buf data;
	uint64_t size = 0;
	const char *why = "is not a valid name";
	buf_init(&data, max);
	snprintf(name, sizeof(name), "%.*s", (int)(f->len < sizeof(name) ? f->len : 0),
		 (const char *)f->data);
	if (valid_name(f->data, f->len))
		why = helper_read_file(wd, name, max, &data, &size);
	int rc = wire_put(b, T_OUT_NAME, f->data, f->len) || wire_put_u64(b, T_OUT_SIZE, size) ||
		 (why ? wire_put_str(b, T_OUT_ERROR, why)
		      : wire_put(b, T_OUT_DATA, data.data ? data.data : "", data.len));
	buf_free(&data);
	return rc ? -1 : 0;
}

/* H_COLLECT: reads the files asked (as the program's user, nothing followed) into H_FILES. Their
 * data together stays within one message: past that, files are sent cut (the size tells). */
static void handle_collect(const struct helper_job *s, const struct wire_hdr *h, const uint8_t *p)
{
	const uint8_t *end = p + h->len, *q = p;
	struct wire_field f;
	uint64_t max = 0;
	int r, names = 0, maxes = 0;
	while ((r = wire_next(&q, end, &f)) == 1) {
		if (f.tag == T_OUT_MAX && (f.len != 8 || maxes++ || put_u64(&f, &max) < 0))
			fatal_reply(h, "bad collect: T_OUT_MAX not one u64");
		names += f.tag == T_OUT_NAME;
	}
	if (r < 0 || !maxes || !names)
		fatal_reply(h, "bad collect: malformed, or no T_OUT_MAX or T_OUT_NAME");
	/* s->wd was opened before the program ran: one that took the work dir's permissions away
	 * gets "permission denied" for its files, not a failed job */
	as_program(s, h, 1);
	struct buf b;
	buf_init(&b, MSG_MAX);
	size_t left = WIRE_MAX_PAYLOAD - (1u << 20);
	if (wire_begin(&b, H_FILES, h->id, h->gen) < 0)
		fatal_reply(h, "out of memory");
	while (wire_next(&p, end, &f) == 1) {
		if (f.tag != T_OUT_NAME)
			continue;
		size_t cap = max < left ? (size_t)max : left, before = b.len;
		if (put_out_file(&b, s->wd, &f, cap) < 0)
			fatal_reply(h, "cannot build the output files' answer (out of memory)");
		left -= b.len - before < left ? b.len - before : left;
	}
	as_program(s, h, 0);
	if (wire_end(&b, 0) < 0)
		fatal_reply(h, "cannot build the output files' answer");
	write_or_die(&b);
	buf_free(&b);
}

/* Reads one message; on EOF kills everything and exits 0. While none is coming, reaps what
 * may have been reparented to us (PID 1 of the container). */
static void read_msg(struct buf *m, struct wire_hdr *h)
{
	struct pollfd p = { .fd = 0, .events = POLLIN };
	for (;;) {
		int r = poll(&p, 1, 1000);
		if (r > 0)
			break;
		if (r < 0 && errno != EINTR)
			fatal_reply(NULL, "poll on fd 0: %s", strerror(errno));
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
	}
	if (wire_read_msg(0, m, h, WIRE_MAX_PAYLOAD, -1) == 0)
		return;
	if (errno == EPIPE) {
		helper_kill_all();
		exit(0);
	}
	fatal_reply(NULL, "cannot read a message: %s", strerror(errno));
}

/* Sets sig's disposition; -1 (said why) on failure. */
static int set_signal(int sig, void (*handler)(int))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL) < 0) {
		helper_warn("sigaction(%d)", sig);
		return -1;
	}
	return 0;
}

/* fds 0-2 open (so pipes never land there), signals sane, no ptrace/proc access to us, no
 * privilege gained by exec. Anything that fails here stops the helper with H_FATAL. */
static void helper_init(void)
{
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) != fd)
			_exit(1); /* no fd 1 to answer on, or not the one we need */
	sigset_t none;
	sigemptyset(&none);
	/* SIGCHLD: an inherited SIG_IGN would auto-reap and break wait4 */
	if (set_signal(SIGPIPE, SIG_IGN) < 0 || set_signal(SIGCHLD, SIG_DFL) < 0 ||
	    sigprocmask(SIG_SETMASK, &none, NULL) < 0)
		fatal_reply(NULL, "cannot set up signals: %s", strerror(errno));
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		fatal_reply(NULL, "prctl(PR_SET_DUMPABLE): %s", strerror(errno));
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		fatal_reply(NULL, "prctl(PR_SET_NO_NEW_PRIVS): %s", strerror(errno));
	helper_procs_init();
	/* orphans come to us to be killed */
	if (!helper_is_pid1() && prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
		fatal_reply(NULL, "prctl(PR_SET_CHILD_SUBREAPER): %s", strerror(errno));
}

/* --idle: a PID 1 that reaps whatever is reparented to it, until SIGTERM/SIGINT. */
static int idle(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (set_signal(SIGCHLD, SIG_DFL) < 0 || sigprocmask(SIG_SETMASK, &set, NULL) < 0 ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 ||
	    (getpid() != 1 && prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)) {
		helper_warn("--idle: cannot set up");
		return 1;
	}
	for (;;) {
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		struct timespec ts = { 1, 0 };
		int sig = sigtimedwait(&set, NULL, &ts);
		if (sig == SIGTERM || sig == SIGINT)
			return 0;
	}
}

/* One job from its H_SETUP (in m) to H_END or H_RESET, which it returns. */
static int run_job(struct buf *m, struct wire_hdr *h)
{
	struct helper_job s;
	memset(&s, 0, sizeof(s));
	g_seq++;
	setup(&s, h, (const uint8_t *)m->data + WIRE_HDR_LEN);
	if (s.compile.n)
		do_step(&s, h, STEP_COMPILE, s.compile.v, NULL, 0, 0);
	for (;;) {
		read_msg(m, h);
		if (h->type == H_RUN)
			handle_run(&s, h, (const uint8_t *)m->data + WIRE_HDR_LEN);
		else if (h->type == H_COLLECT)
			handle_collect(&s, h, (const uint8_t *)m->data + WIRE_HDR_LEN);
		else if (h->type == H_END || h->type == H_RESET)
			break;
		else
			fatal_reply(h, "unexpected message type %u", (unsigned)h->type);
	}
	strv_free(&s.compile);
	strv_free(&s.run);
	strv_free(&s.env);
	if (s.wd >= 0)
		close(s.wd);
	return h->type;
}

/* H_RESET: the reset (helper_reset.c), answered H_RESET_DONE. The helper then waits for the
 * next job on the same stdin: a reused container is made with StdinOnce off, so the engine
 * keeps the helper's stdin open when an attached worker detaches, and the next worker's attach
 * writes to that same pipe (the engine copies each attach's input into it; output written while
 * nobody is attached is dropped, which is why nothing is written between jobs). */
static void reply_reset(const struct wire_hdr *h)
{
	struct buf rep, b;
	buf_init(&rep, 8192);
	int clean = helper_reset(&rep);
	buf_init(&b, 16384);
	if (wire_begin(&b, H_RESET_DONE, h->id, h->gen) < 0 ||
	    wire_put_u64(&b, T_RESET_CLEAN, (uint64_t)clean) < 0 ||
	    wire_put_u64(&b, T_JOB_SEQ, g_seq) < 0 ||
	    wire_put(&b, T_RESET_REPORT, rep.data ? rep.data : "", rep.len) < 0 ||
	    wire_end(&b, 0) < 0)
		fatal_reply(h, "cannot build the reset report (out of memory)");
	write_or_die(&b);
	buf_free(&b);
	buf_free(&rep);
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("executioner-helper %s\n", EXECUTIONER_VERSION);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "--idle") == 0)
		return idle();
	if (argc != 1) {
		helper_warnx("usage: executioner-helper [--idle | --version]");
		return 2;
	}
	helper_init();
	struct buf m;
	buf_init(&m, MSG_MAX);
	struct wire_hdr h;
	/* one job, or (H_RESET after it) as many as the worker sends, each after a reset */
	for (;;) {
		read_msg(&m, &h);
		if (h.type == H_END && g_seq > 0)
			break;
		if (h.type != H_SETUP)
			fatal_reply(&h, "expected H_SETUP, got message type %u", (unsigned)h.type);
		if (run_job(&m, &h) == H_END)
			break;
		reply_reset(&h);
	}
	helper_kill_all();
	buf_free(&m);
	return 0;
}
