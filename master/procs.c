/*
 * procs.c - the master's child processes (see procs.h): the workers and the store process,
 * pre-forked (fork, no exec) with one socketpair each, non-blocking framed I/O, reaping, respawn
 * with a new generation, and the graceful stop. Events go to each process's callback table.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "log.h"
#include "procs.h"
#include "worker.h"

#define PROC_MSG_MAX (WIRE_MAX_PAYLOAD)
#define RESPAWN_RETRY_MS 1000
#define PROCS_EXTRA 4 /* processes besides the workers (procs_add) */

struct proc {
	char name[24];               /* "worker-3", "store" */
	procs_main_fn run;           /* what the child runs */
	const struct procs_cb *cb;
	pid_t pid;                   /* 0 when dead */
	int fd;                      /* -1 when dead */
	uint32_t gen;                /* frames of another generation are ignored */
	struct buf in, out;          /* unparsed input, unsent output */
	long respawn_at;             /* dead: when to fork again */
};

static struct proc *procs;
static int nprocs, capprocs;
static const struct config *wcfg;
static struct procs_cb worker_cb;

/* In the child: keep only fd (and stdio), restore default signals, run the process's main. */
static void child_run(procs_main_fn run, int fd, uint32_t gen)
{
	if (fd != 3) {
		if (dup2(fd, 3) < 0)
			_exit(1);
		fd = 3;
	}
	if (close_range(4, ~0U, 0) < 0)
		log_warn("close_range"); /* the worker runs on, holding fds it does not use */
	/* `pkill executioner` or a terminal's ^C reaches every process: the master stops the
	 * workers in order (after its container cleanup), so they ignore TERM/INT; KILL and the
	 * master's death (PR_SET_PDEATHSIG) still end them */
	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	_exit(run(fd, gen, wcfg));
}

/* In the child: its end of the socketpair must survive into fd 3. */
static void child_start(const struct proc *p, int fd, uint32_t gen)
{
	log_set_proc(p->name);
	int fl = fcntl(fd, F_GETFD);
	if (fl < 0 || fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC) < 0) {
		log_error("fcntl F_SETFD");
		_exit(1);
	}
	child_run(p->run, fd, gen);
}

static int proc_spawn(int i)
{
	struct proc *p = &procs[i];
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		log_error("socketpair");
		return -1;
	}
	int fl = fcntl(sv[0], F_GETFL);
	if (fl < 0 || fcntl(sv[0], F_SETFL, fl | O_NONBLOCK) < 0) {
		log_error("fcntl O_NONBLOCK");
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	p->gen++;
	pid_t pid = fork();
	if (pid < 0) {
		log_error("fork");
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		child_start(p, sv[1], p->gen);
	}
	close(sv[1]);
	p->pid = pid;
	p->fd = sv[0];
	buf_init(&p->in, PROC_MSG_MAX + WIRE_HDR_LEN);
	buf_init(&p->out, (size_t)PROC_MSG_MAX * 4);
	log_debug("%s started (pid %d, generation %u)", p->name, (int)pid, p->gen);
	return 0;
}

int procs_start(int n, const struct config *cfg, const struct procs_cb *callbacks)
{
	procs = calloc((size_t)n + PROCS_EXTRA, sizeof(*procs));
	if (!procs) {
		log_error("calloc");
		return -1;
	}
	nprocs = n;
	capprocs = n + PROCS_EXTRA;
	wcfg = cfg;
	worker_cb = *callbacks;
	for (int i = 0; i < capprocs; i++)
		procs[i].fd = -1;
	for (int i = 0; i < n; i++) {
		struct proc *p = &procs[i];
		snprintf(p->name, sizeof(p->name), "worker-%d", i);
		p->run = worker_main;
		p->cb = &worker_cb;
			if (proc_spawn(i) < 0)
			return -1;
		worker_cb.started(worker_cb.arg, i, 0);
	}
	log_info("%d workers started", n);
	return 0;
}

int procs_add(const char *name, procs_main_fn run, const struct procs_cb *callbacks)
{
	if (nprocs >= capprocs) {
		log_errorx("no room for process %s", name);
		return -1;
	}
	int i = nprocs++;
	struct proc *p = &procs[i];
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->run = run;
	p->cb = callbacks;
	if (proc_spawn(i) < 0) {
		p->respawn_at = clock_ms() + RESPAWN_RETRY_MS; /* tried again like a dead one */
		return i;
	}
	callbacks->started(callbacks->arg, i, 0);
	return i;
}

static void proc_close(struct proc *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	buf_free(&p->in);
	buf_free(&p->out);
}

static void log_exit(const struct proc *p, pid_t pid, int status)
{
	if (WIFSIGNALED(status))
		log_warnx("%s (pid %d) killed by signal %d", p->name, (int)pid, WTERMSIG(status));
	else
		log_warnx("%s (pid %d) exited with %d", p->name, (int)pid, WEXITSTATUS(status));
}

void procs_reap(int quiet)
{
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (int i = 0; i < nprocs; i++) {
			struct proc *p = &procs[i];
			if (p->pid != pid)
				continue;
			if (!quiet)
				log_exit(p, pid, status);
			proc_close(p);
			p->pid = 0;
			p->respawn_at = clock_ms();
			p->cb->died(p->cb->arg, i);
		}
	}
}

void procs_kill(int i)
{
	struct proc *p = &procs[i];
	if (p->pid <= 0)
		return;
	if (kill(p->pid, SIGKILL) < 0)
		log_warn("kill worker pid %d", (int)p->pid);
	p->gen++;
}

pid_t procs_pid(int i)
{
	return i >= 0 && i < nprocs ? procs[i].pid : 0;
}

void procs_respawn_due(void)
{
	long t = clock_ms(); /* also while stopping: the final container cleanup needs a worker */
	for (int i = 0; i < nprocs; i++) {
		struct proc *p = &procs[i];
		if (p->pid > 0 || p->respawn_at > t)
			continue;
		if (proc_spawn(i) < 0) {
			p->respawn_at = t + RESPAWN_RETRY_MS;
			continue;
		}
		log_info("%s respawned (pid %d)", p->name, (int)p->pid);
		p->cb->started(p->cb->arg, i, 1);
	}
}

static void proc_flush(struct proc *p)
{
	while (p->out.len > 0) {
		ssize_t w = write(p->fd, p->out.data, p->out.len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (w <= 0) {
			log_warn("write to worker pid %d", (int)p->pid);
			buf_reset(&p->out);
			return;
		}
		buf_consume(&p->out, (size_t)w);
	}
}

int procs_send(int i, uint16_t type, uint32_t id, const char *json)
{
	if (i < 0 || i >= nprocs || procs[i].pid <= 0 || procs[i].fd < 0)
		return -1;
	struct proc *p = &procs[i];
	if (wire_pack(&p->out, type, id, p->gen, json, json ? strlen(json) : 0) < 0) {
		log_errorx("message %u to worker pid %d is over the cap", type, (int)p->pid);
		return -1;
	}
	proc_flush(p);
	return 0;
}

/* A worker that breaks the protocol is killed; the reaper reports its death. */
static void proc_reject(struct proc *p, const char *why)
{
	log_errorx("worker pid %d %s; killing it", (int)p->pid, why);
	if (kill(p->pid, SIGKILL) < 0)
		log_warn("kill worker pid %d", (int)p->pid);
	buf_reset(&p->in);
}

/* Reads what the socket holds; 0, or -1 when the worker was rejected. */
static int proc_fill(struct proc *p)
{
	char tmp[65536];
	for (;;) {
		ssize_t r = read(p->fd, tmp, sizeof(tmp));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (r <= 0)
			return 0; /* EOF or error: the reaper handles the death */
		if (buf_append(&p->in, tmp, (size_t)r) < 0) {
			proc_reject(p, "sent more than the message cap");
			return -1;
		}
	}
}

static void proc_read(int i)
{
	struct proc *p = &procs[i];
	if (proc_fill(p) < 0)
		return;
	for (;;) {
		struct wire_hdr h;
		const uint8_t *payload;
		long n = wire_peek(&p->in, &h, &payload, PROC_MSG_MAX);
		if (n == 0)
			break;
		if (n < 0) {
			proc_reject(p, "sent a malformed frame");
			return;
		}
		if (h.gen == p->gen)
			p->cb->message(p->cb->arg, i, &h, (const char *)payload);
		else
			log_warnx("ignoring a message of generation %u (current %u)", h.gen,
				  p->gen);
		if (p->fd < 0)
			return;
		buf_consume(&p->in, (size_t)n);
	}
}

int procs_poll_fds(struct pollfd *pfd, int max)
{
	int n = nprocs < max ? nprocs : max;
	for (int i = 0; i < n; i++) {
		const struct proc *p = &procs[i];
		short ev = p->fd >= 0 ? (short)(POLLIN | (p->out.len ? POLLOUT : 0)) : 0;
		pfd[i] = (struct pollfd){ .fd = ev ? p->fd : -1, .events = ev };
	}
	return n;
}

void procs_poll_done(const struct pollfd *pfd, int n)
{
	for (int i = 0; i < n && i < nprocs; i++) {
		if (!pfd[i].revents || procs[i].fd < 0 || pfd[i].fd != procs[i].fd)
			continue;
		if (pfd[i].revents & POLLOUT)
			proc_flush(&procs[i]);
		if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
			proc_read(i);
	}
}

static void kill_stragglers(void)
{
	for (int i = 0; i < nprocs; i++) {
		if (procs[i].pid <= 0)
			continue;
		log_warnx("%s (pid %d) did not stop in time; killing it", procs[i].name,
			  (int)procs[i].pid);
		if (kill(procs[i].pid, SIGKILL) < 0)
			log_warn("kill worker pid %d", (int)procs[i].pid);
		waitpid(procs[i].pid, NULL, 0);
		procs[i].pid = 0;
	}
}

/* Writes what p still holds for its child (e.g. the store's last results) until deadline. */
static void proc_drain(struct proc *p, long deadline)
{
	while (p->out.len > 0 && p->fd >= 0 && clock_ms() < deadline) {
		struct pollfd w = { .fd = p->fd, .events = POLLOUT };
		if (poll(&w, 1, 100) < 0 && errno != EINTR)
			return;
		if (w.revents & (POLLERR | POLLHUP))
			return;
		if (w.revents & POLLOUT)
			proc_flush(p);
	}
}

void procs_stop_all(int grace_ms)
{
	long deadline = clock_ms() + grace_ms;
	for (int i = 0; i < nprocs; i++)
		if (procs[i].pid > 0 && procs[i].fd >= 0) {
			procs_send(i, MSG_SHUTDOWN, 0, NULL);
			proc_drain(&procs[i], deadline);
			shutdown(procs[i].fd, SHUT_WR);
		}
	for (;;) {
		int alive = 0;
		for (int i = 0; i < nprocs; i++) {
			int st;
			if (procs[i].pid <= 0)
				continue;
			if (waitpid(procs[i].pid, &st, WNOHANG) == procs[i].pid)
				procs[i].pid = 0;
			else
				alive++;
		}
		if (!alive)
			break;
		if (clock_ms() > deadline) {
			kill_stragglers();
			break;
		}
		usleep(20000);
	}
	for (int i = 0; i < nprocs; i++)
		proc_close(&procs[i]);
	free(procs);
	procs = NULL;
	nprocs = 0;
}
