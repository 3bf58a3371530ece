/*
 * helper_step.c - one compile step or run: fork/exec the program in its own process group with
 * pipes on its 0/1/2 and rlimits set, feed its stdin and collect capped output through poll(),
 * enforce the wall and CPU limits, then kill and reap everything the step started and account
 * for it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <grp.h>
#include <unistd.h>

#include "clock.h"
#include "helper.h"
#include "wire.h"

#define TICK_MS 10
#define DRAIN_US 100000 /* after the main process exits, how long output may still drain */
#define CHUNK 65536
#define CPU_EVERY_US 2000 /* CPU counters are read at most this often, however busy the pipes */
#define LIMIT_CEIL 1000000000000ull /* ms; larger limits are no limits */

struct run {
	pid_t pid;
	int pidfd, in_fd, out_fd, err_fd;
	size_t in_off;
	uint64_t t0, wall_end, drain_end; /* wall_end 0 = none */
	uint64_t next_cpu;                /* when to read the CPU counters next */
	int exited, killed;
	struct cpu_meter cm;
};

/* What the child reports through its CLOEXEC pipe when it cannot exec. */
struct child_err {
	int stage; /* CE_* */
	int err;   /* errno */
	int which; /* CE_LIMIT: index in limit_names */
};

enum { CE_DUP = 1, CE_LIMIT, CE_EXEC, CE_IDS, CE_SETUP };
static const char *const limit_names[] = { "RLIMIT_CORE", "RLIMIT_CPU", "RLIMIT_FSIZE",
					   "RLIMIT_NOFILE", "RLIMIT_STACK" };

void helper_step_init(struct step_res *rs, size_t out_max)
{
	memset(rs, 0, sizeof(*rs));
	buf_init(&rs->out, out_max);
	buf_init(&rs->err, out_max);
}

void helper_step_free(struct step_res *rs)
{
	buf_free(&rs->out);
	buf_free(&rs->err);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* ---- child side (between fork and exec: no allocation but setenv, no return) ---- */

static __attribute__((noreturn)) void child_fail(int ep, int stage, int err, int which)
{
	struct child_err ce = { stage, err, which };
	ssize_t w = write(ep, &ce, sizeof(ce));
	(void)w;
	_exit(127);
}

/* Every signal to its default, none blocked. -1 when that fails (EINVAL, for SIGKILL, SIGSTOP
 * and the real-time signals the C library keeps for itself, is expected and ignored). */
static int reset_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (int s = 1; s < NSIG; s++)
		if (sigaction(s, &sa, NULL) < 0 && errno != EINVAL)
			return -1;
	sigset_t none;
	sigemptyset(&none);
	return sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Closes every fd from 3 up except keep. */
static void close_fds(int keep)
{
	if ((keep <= 3 || close_range(3, (unsigned)keep - 1, 0) == 0) &&
	    close_range((unsigned)keep + 1, ~0U, 0) == 0)
		return;
	long max = sysconf(_SC_OPEN_MAX);
	if (max < 0 || max > 1 << 20)
		max = 1 << 20;
	for (int fd = 3; fd < max; fd++)
		if (fd != keep)
			close(fd);
}

/* Sets soft/hard, lowered to the current hard limit (an unprivileged process cannot raise it). */
static int set_limit(int res, uint64_t soft, uint64_t hard)
{
	struct rlimit cur, r;
	if (getrlimit(res, &cur) < 0)
		return -1;
	if (cur.rlim_max != RLIM_INFINITY && hard > cur.rlim_max)
		hard = cur.rlim_max;
	if (soft > hard)
		soft = hard;
	r.rlim_cur = (rlim_t)soft;
	r.rlim_max = (rlim_t)hard;
	return setrlimit(res, &r);
}

/* 0, or 1 + the index in limit_names of the limit that could not be set. */
static int set_rlimits(const struct step_req *rq)
{
	const struct rlims *l = &rq->rl;
	if (set_limit(RLIMIT_CORE, 0, 0) < 0)
		return 1;
	if (rq->lim.cpu_ms && rq->lim.cpu_ms < LIMIT_CEIL) {
		uint64_t soft = (rq->lim.cpu_ms + 999) / 1000 + 1;
		if (set_limit(RLIMIT_CPU, soft, soft + 1) < 0)
			return 2;
	}
	if (l->fsize && set_limit(RLIMIT_FSIZE, l->fsize, l->fsize) < 0)
		return 3;
	if (l->nofile && set_limit(RLIMIT_NOFILE, l->nofile, l->nofile) < 0)
		return 4;
	if (l->stack_kb) {
		uint64_t b = l->stack_kb > UINT64_MAX / 1024 ? UINT64_MAX : l->stack_kb * 1024;
		if (set_limit(RLIMIT_STACK, b, b) < 0)
			return 5;
	}
	return 0;
}

static __attribute__((noreturn)) void child_main(const struct step_req *rq, const int fds[3],
						 int ep, pid_t parent)
{
	/* setpgid may fail with EACCES once the parent's own setpgid won (same result) */
	if (setpgid(0, 0) < 0 && errno != EACCES)
		child_fail(ep, CE_SETUP, errno, 0);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || reset_signals() < 0)
		child_fail(ep, CE_SETUP, errno, 0);
	if (getppid() != parent)
		_exit(127);
	/* the program, not the helper, is the OOM killer's first choice (raising needs no
	 * privilege; the helper cannot lower its own score: the runtime refuses OomScoreAdj < 0) */
	int adj = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (adj < 0 || write(adj, "1000", 4) != 4)
		child_fail(ep, CE_SETUP, errno, 0);
	close(adj);
	if (dup2(fds[0], 0) < 0 || dup2(fds[1], 1) < 0 || dup2(fds[2], 2) < 0)
		child_fail(ep, CE_DUP, errno, 0);
	close_fds(ep);
	int which = set_rlimits(rq);
	if (which)
		child_fail(ep, CE_LIMIT, errno, which - 1);
	/* the program gets its own uid, no groups and (so) no capabilities: it cannot signal,
	 * re-limit or re-schedule the helper, which keeps uid 0 */
	if (rq->uid || rq->gid) {
		for (int cap = 0; cap < 64; cap++) /* EINVAL past the kernel's last capability */
			if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
				child_fail(ep, CE_IDS, errno, 0);
		if (setgroups(0, NULL) < 0 || setresgid(rq->gid, rq->gid, rq->gid) < 0 ||
		    setresuid(rq->uid, rq->uid, rq->uid) < 0)
			child_fail(ep, CE_IDS, errno, 0);
	}
	/* execvpe searches the PATH of the calling process: make it the program's */
	if (setenv("PATH", rq->path, 1) < 0)
		child_fail(ep, CE_EXEC, errno, 0);
	execvpe(rq->argv[0], rq->argv, rq->env);
	child_fail(ep, CE_EXEC, errno, 0);
}

/* ---- parent side ---- */

static void set_status(struct step_res *rs, int st)
{
	if (WIFEXITED(st)) {
		rs->exit_code = WEXITSTATUS(st);
		rs->sig = 0;
	} else if (WIFSIGNALED(st)) {
		rs->exit_code = 0;
		rs->sig = WTERMSIG(st);
	}
}

static void spawn_failed(struct step_res *rs, const char *fmt, const char *a, int err)
{
	snprintf(rs->error, sizeof(rs->error), fmt, a, strerror(err));
	rs->flags |= SF_SPAWN_FAILED;
	rs->exit_code = 127;
	rs->sig = 0;
}

/* The child could not exec: reap it and say why. */
static void child_failed(const struct step_req *rq, struct run *r, struct step_res *rs,
			 const struct child_err *ce)
{
	int st;
	helper_reap_main(r->pid, &st);
	rs->wall_us = clock_us() - r->t0;
	if (ce->stage == CE_EXEC)
		spawn_failed(rs, "cannot run %s: %s", rq->argv[0], ce->err);
	else if (ce->stage == CE_LIMIT && ce->which >= 0 && ce->which < 5)
		spawn_failed(rs, "cannot set %s: %s", limit_names[ce->which], ce->err);
	else if (ce->stage == CE_IDS)
		spawn_failed(rs, "cannot switch to the %s: %s", "program's uid/gid", ce->err);
	else if (ce->stage == CE_SETUP)
		spawn_failed(rs, "cannot set up the %s: %s", "child's process group or signals",
			     ce->err);
	else
		spawn_failed(rs, "cannot set up the %s: %s", "child's fds", ce->err);
}

static int open_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0); /* always CLOEXEC */
#else
	(void)pid;
	return -1;
#endif
}

/* Forks and execs the program; 0 when it runs, -1 (with rs filled) when it could not start. */
static int spawn(const struct step_req *rq, struct run *r, struct step_res *rs)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 }, ep[2] = { -1, -1 };
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0 ||
	    pipe2(ep, O_CLOEXEC) < 0) {
		spawn_failed(rs, "cannot create %s: %s", "pipes", errno);
		int *all[] = { &in[0], &in[1], &out[0], &out[1], &err[0], &err[1], &ep[0], &ep[1] };
		for (size_t i = 0; i < 8; i++)
			close_fd(all[i]);
		return -1;
	}
	pid_t parent = getpid();
	r->t0 = clock_us();
	pid_t pid = fork();
	if (pid == 0) {
		int fds[3] = { in[0], out[1], err[1] };
		child_main(rq, fds, ep[1], parent);
	}
	int fe = errno;
	close_fd(&in[0]);
	close_fd(&out[1]);
	close_fd(&err[1]);
	close_fd(&ep[1]);
	r->in_fd = in[1];
	r->out_fd = out[0];
	r->err_fd = err[0];
	if (pid < 0) {
		spawn_failed(rs, "cannot %s: %s", "fork", fe);
		close_fd(&ep[0]);
		return -1;
	}
	/* also in the child, whichever runs first; EACCES once the child has exec'd (it did it) */
	if (setpgid(pid, pid) < 0 && errno != EACCES && errno != ESRCH)
		helper_warn("setpgid(%d)", (int)pid);
	r->pid = pid;
	struct child_err ce;
	ssize_t n;
	while ((n = read(ep[0], &ce, sizeof(ce))) < 0 && errno == EINTR)
		;
	close_fd(&ep[0]);
	if (n == (ssize_t)sizeof(ce)) {
		child_failed(rq, r, rs, &ce);
		return -1;
	}
	/* blocking pipes would stall the whole supervision loop on one slow reader */
	if (fcntl(r->in_fd, F_SETFL, O_NONBLOCK) < 0 || fcntl(r->out_fd, F_SETFL, O_NONBLOCK) < 0 ||
	    fcntl(r->err_fd, F_SETFL, O_NONBLOCK) < 0) {
		spawn_failed(rs, "cannot set up the %s: %s", "program's pipes", errno);
		helper_kill_step(pid);
		int st;
		helper_reap_main(pid, &st);
		return -1;
	}
	r->pidfd = open_pidfd(pid); /* -1 (old kernel): the loop polls on a tick instead */
	if (rq->in_len == 0)
		close_fd(&r->in_fd);
	return 0;
}

/* Kills the step while its main process is unreaped (so its pid still pins the group id). */
static void step_kill(struct run *r)
{
	r->killed = 1;
	if (!r->exited)
		helper_kill_step(r->pid);
}

/* The main process is a zombie: kill what is left of the step, reap it, start draining. */
static void on_main_exit(struct run *r, struct step_res *rs)
{
	int st = 0;
	rs->wall_us = clock_us() - r->t0;
	helper_kill_step(r->pid);
	helper_reap_main(r->pid, &st);
	r->exited = 1;
	set_status(rs, st);
	helper_kill_rest();
	close_fd(&r->pidfd);
	close_fd(&r->in_fd);
	r->drain_end = clock_us() + DRAIN_US;
}

/* A streamed run: the bytes just kept go to the worker at once as an H_CHUNK (the H_STEP still
 * carries them all). A write error is left to the H_STEP's write to report. */
static void stream_chunk(const struct step_req *rq, uint32_t tag, const char *p, size_t n)
{
	struct buf m;
	buf_init(&m, n + 64);
	if (n && wire_begin(&m, H_CHUNK, rq->stream_id, rq->stream_gen) == 0 &&
	    wire_put(&m, tag, p, n) == 0 && wire_end(&m, 0) == 0 &&
	    wire_write_all(1, m.data, m.len) < 0)
		helper_warn("cannot stream output to the worker");
	buf_free(&m);
}

static void pump_out(const struct step_req *rq, struct run *r, int *fd, struct buf *b,
		     uint32_t cap_flag, struct step_res *rs)
{
	static char chunk[CHUNK];
	ssize_t n = read(*fd, chunk, sizeof(chunk));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		close_fd(fd);
		return;
	}
	size_t before = b->len;
	int cut = buf_append_trunc(b, chunk, (size_t)n) > 0;
	if (rq->stream)
		stream_chunk(rq, cap_flag == SF_STDOUT_CAP ? T_STDOUT : T_STDERR, chunk,
			     b->len - before);
	if (cut && !(rs->flags & cap_flag)) {
		rs->flags |= cap_flag;
		step_kill(r);
	}
}

static void pump_in(struct run *r, const struct step_req *rq)
{
	size_t left = rq->in_len - r->in_off;
	ssize_t n = write(r->in_fd, rq->in + r->in_off, left < CHUNK ? left : CHUNK);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n < 0) { /* EPIPE: the program did not read it all */
		close_fd(&r->in_fd);
		return;
	}
	r->in_off += (size_t)n;
	if (r->in_off >= rq->in_len)
		close_fd(&r->in_fd);
}

static void check_limits(const struct step_req *rq, struct run *r, struct step_res *rs)
{
	uint64_t now = clock_us();
	if (r->wall_end && now >= r->wall_end) {
		rs->flags |= SF_WALL_TIMEOUT;
		step_kill(r);
	} else if (rq->lim.cpu_ms && rq->lim.cpu_ms < LIMIT_CEIL && now >= r->next_cpu) {
		r->next_cpu = now + CPU_EVERY_US;
		if (helper_cpu_us(&r->cm, r->pid) > rq->lim.cpu_ms * 1000) {
			rs->flags |= SF_CPU_TIMEOUT;
			step_kill(r);
		}
	}
}

/* Poll timeout: one tick, bounded by the wall deadline (or the drain deadline after exit). */
static int tick_ms(const struct run *r)
{
	if (r->killed && !r->exited)
		return r->pidfd >= 0 ? TICK_MS : 1;
	uint64_t end = r->exited ? r->drain_end : r->wall_end, now = clock_us();
	if (!end)
		return TICK_MS;
	if (end <= now)
		return 0;
	uint64_t left = (end - now + 999) / 1000;
	return left < TICK_MS ? (int)left : TICK_MS;
}

static void supervise(const struct step_req *rq, struct run *r, struct step_res *rs)
{
	if (rq->lim.wall_ms && rq->lim.wall_ms < LIMIT_CEIL)
		r->wall_end = r->t0 + rq->lim.wall_ms * 1000;
	for (;;) {
		if (!r->exited && helper_reap_others(r->pid))
			on_main_exit(r, rs);
		if (r->exited && ((r->out_fd < 0 && r->err_fd < 0) || clock_us() >= r->drain_end))
			break;
		struct pollfd p[4];
		int n = 0, io = -1, iout = -1, ierr = -1;
		if (r->out_fd >= 0)
			p[iout = n++] = (struct pollfd){ .fd = r->out_fd, .events = POLLIN };
		if (r->err_fd >= 0)
			p[ierr = n++] = (struct pollfd){ .fd = r->err_fd, .events = POLLIN };
		if (r->in_fd >= 0)
			p[io = n++] = (struct pollfd){ .fd = r->in_fd, .events = POLLOUT };
		if (r->pidfd >= 0)
			p[n++] = (struct pollfd){ .fd = r->pidfd, .events = POLLIN };
		int ready = poll(p, (nfds_t)n, tick_ms(r));
		if (ready < 0 && errno != EINTR)
			helper_warn("poll"); /* the limits below still end the step */
		if (ready > 0) {
			if (iout >= 0 && p[iout].revents)
				pump_out(rq, r, &r->out_fd, &rs->out, SF_STDOUT_CAP, rs);
			if (ierr >= 0 && p[ierr].revents)
				pump_out(rq, r, &r->err_fd, &rs->err, SF_STDERR_CAP, rs);
			if (io >= 0 && p[io].revents)
				pump_in(r, rq);
		}
		if (!r->exited && !r->killed)
			check_limits(rq, r, rs);
	}
	close_fd(&r->in_fd);
	close_fd(&r->out_fd);
	close_fd(&r->err_fd);
}

void helper_step_run(const struct step_req *rq, struct step_res *rs)
{
	struct run r = { .pid = -1, .pidfd = -1, .in_fd = -1, .out_fd = -1, .err_fd = -1 };
	helper_kill_all(); /* nothing from before survives into this step */
	helper_rss_reset();
	int64_t oom0 = helper_oom_count();
	uint64_t ch0 = helper_rusage_us(RUSAGE_CHILDREN);
	helper_cpu_start(&r.cm);
	if (spawn(rq, &r, rs) == 0)
		supervise(rq, &r, rs);
	close_fd(&r.in_fd);
	close_fd(&r.out_fd);
	close_fd(&r.err_fd);
	helper_kill_all();
	rs->cpu_us = helper_rusage_us(RUSAGE_CHILDREN) - ch0;
	/* the peak of every process of the step, waited for or not */
	rs->maxrss_kb = helper_rss_max_kb();
	int64_t oom1 = helper_oom_count();
	if (oom0 >= 0 && oom1 > oom0) {
		rs->flags |= SF_OOM;
		helper_memory_settle(); /* before the helper allocates again */
	}
	if (rq->lim.mem_kb && rs->maxrss_kb > rq->lim.mem_kb)
		rs->flags |= SF_MEM_OVER;
	if (rq->lim.cpu_ms && rs->sig == SIGXCPU)
		rs->flags |= SF_CPU_TIMEOUT;
}
