/*
 * procs.c - the master's worker processes: pre-fork (fork, no exec) with one socketpair each,
 * non-blocking framed I/O, reaping, respawn within a second with a new generation, and the
 * graceful TERM-then-KILL stop. Signal handlers only set flags and poke a self-pipe.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "master.h"
#include "metrics.h"
#include "wire.h"
#include "worker.h"

#define SLOT_MSG_MAX (WIRE_MAX_PAYLOAD)

static void on_signal(int sig)
{
	int saved = errno;
	if (sig == SIGTERM || sig == SIGINT)
		M.sig_term = 1;
	else if (sig == SIGHUP)
		M.sig_hup = 1;
	else if (sig == SIGCHLD)
		M.sig_chld = 1;
	if (M.sigpipe[1] >= 0) {
		ssize_t w = write(M.sigpipe[1], "", 1);
		(void)w;
	}
	errno = saved;
}

void procs_signals_install(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* In the child: keep only fd (and stdio), restore default signals, run the worker. */
static void child_run(int fd, uint32_t gen)
{
	if (fd != 3) {
		if (dup2(fd, 3) < 0)
			_exit(1);
		fd = 3;
	}
	close_range(4, ~0U, 0);
	/* `pkill executioner` or a terminal's ^C reaches every process: the master stops the workers
	 * in order (after its container cleanup), so they ignore TERM/INT; KILL and the master's
	 * death (PR_SET_PDEATHSIG) still end them */
	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	_exit(worker_main(fd, gen, &M.cfg));
}

static int slot_spawn(struct slot *s, int index)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		log_errorx("socketpair: %s", strerror(errno));
		return -1;
	}
	s->gen++;
	pid_t pid = fork();
	if (pid < 0) {
		log_errorx("fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		char name[32];
		snprintf(name, sizeof(name), "worker-%d", index);
		log_set_proc(name);
		close(sv[0]);
		int fl = fcntl(sv[1], F_GETFD);
		fcntl(sv[1], F_SETFD, fl & ~FD_CLOEXEC);
		child_run(sv[1], s->gen);
	}
	close(sv[1]);
	fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK);
	s->pid = pid;
	s->fd = sv[0];
	s->state = SLOT_IDLE;
	s->task = TASK_NONE;
	s->job = NULL;
	s->container[0] = s->lang[0] = '\0';
	buf_init(&s->in, SLOT_MSG_MAX + WIRE_HDR_LEN);
	buf_init(&s->out, (size_t)SLOT_MSG_MAX * 4);
	log_debug("worker %d started (pid %d, generation %u)", index, (int)pid, s->gen);
	return 0;
}

int procs_start(void)
{
	M.slots = calloc((size_t)M.cfg.workers, sizeof(struct slot));
	if (!M.slots)
		return -1;
	M.nslots = M.cfg.workers;
	for (int i = 0; i < M.nslots; i++)
		if (slot_spawn(&M.slots[i], i) < 0)
			return -1;
	log_info("%d workers started", M.nslots);
	return 0;
}

static void slot_close(struct slot *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	buf_free(&s->in);
	buf_free(&s->out);
}

void procs_reap(void)
{
	int status;
	pid_t pid;
	M.sig_chld = 0;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (int i = 0; i < M.nslots; i++) {
			struct slot *s = &M.slots[i];
			if (s->pid != pid)
				continue;
			if (!M.stopping) {
				if (WIFSIGNALED(status))
					log_warnx("worker %d (pid %d) killed by signal %d", i, (int)pid, WTERMSIG(status));
				else
					log_warnx("worker %d (pid %d) exited with %d", i, (int)pid, WEXITSTATUS(status));
			}
			sched_slot_died(s);
			slot_close(s);
			s->pid = 0;
			s->state = SLOT_DEAD;
			s->respawn_at = clock_ms();
		}
	}
}

/* Kills a worker that must not finish what it does; whatever it still sends is ignored (its
 * generation moves on) and the reaper respawns it. */
void procs_kill(struct slot *s)
{
	if (s->pid <= 0)
		return;
	kill(s->pid, SIGKILL);
	s->gen++;
}

void procs_respawn_due(void)
{
	long t = clock_ms(); /* also while stopping: the final container cleanup needs a worker */
	for (int i = 0; i < M.nslots; i++) {
		struct slot *s = &M.slots[i];
		if (s->state != SLOT_DEAD || s->respawn_at > t)
			continue;
		if (slot_spawn(s, i) < 0)
			s->respawn_at = t + 1000;
		else {
			metrics_worker_restart();
			log_info("worker %d respawned (pid %d)", i, (int)s->pid);
		}
	}
}

static void slot_flush(struct slot *s)
{
	while (s->out.len > 0) {
		ssize_t w = write(s->fd, s->out.data, s->out.len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (w <= 0) {
			log_warnx("write to worker pid %d: %s", (int)s->pid, strerror(errno));
			buf_reset(&s->out);
			return;
		}
		buf_consume(&s->out, (size_t)w);
	}
}

int procs_send(struct slot *s, uint16_t type, uint32_t id, const char *json)
{
	if (s->state == SLOT_DEAD || s->fd < 0)
		return -1;
	if (wire_pack(&s->out, type, id, s->gen, json, json ? strlen(json) : 0) < 0) {
		log_errorx("message %u to worker pid %d is over the cap", type, (int)s->pid);
		return -1;
	}
	slot_flush(s);
	return 0;
}

static void slot_read(struct slot *s)
{
	char tmp[65536];
	for (;;) {
		ssize_t r = read(s->fd, tmp, sizeof(tmp));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (r <= 0)
			return; /* EOF: the reaper handles the death */
		if (buf_append(&s->in, tmp, (size_t)r) < 0) {
			log_errorx("worker pid %d sent more than the message cap; killing it", (int)s->pid);
			kill(s->pid, SIGKILL);
			buf_reset(&s->in);
			return;
		}
	}
	for (;;) {
		struct wire_hdr h;
		const uint8_t *payload;
		long n = wire_peek(&s->in, &h, &payload, SLOT_MSG_MAX);
		if (n == 0)
			break;
		if (n < 0) {
			log_errorx("worker pid %d sent a malformed frame; killing it", (int)s->pid);
			kill(s->pid, SIGKILL);
			buf_reset(&s->in);
			return;
		}
		if (h.gen == s->gen)
			sched_message(s, h.type, h.id, (const char *)payload, h.len);
		else
			log_warnx("ignoring a message of generation %u (current %u)", h.gen, s->gen);
		buf_consume(&s->in, (size_t)n);
		if (s->state == SLOT_DEAD)
			return;
	}
}

void procs_io(struct slot *s, short revents)
{
	if (revents & POLLOUT)
		slot_flush(s);
	if (revents & (POLLIN | POLLHUP | POLLERR))
		slot_read(s);
}

/* SHUTDOWN to every worker, wait up to grace_ms for them to exit, then SIGKILL the rest. */
void procs_stop_all(int grace_ms)
{
	for (int i = 0; i < M.nslots; i++)
		if (M.slots[i].state != SLOT_DEAD) {
			procs_send(&M.slots[i], MSG_SHUTDOWN, 0, NULL);
			shutdown(M.slots[i].fd, SHUT_WR);
		}
	long deadline = clock_ms() + grace_ms;
	for (;;) {
		int alive = 0;
		for (int i = 0; i < M.nslots; i++) {
			struct slot *s = &M.slots[i];
			if (s->pid <= 0)
				continue;
			int st;
			if (waitpid(s->pid, &st, WNOHANG) == s->pid)
				s->pid = 0;
			else
				alive++;
		}
		if (!alive)
			break;
		if (clock_ms() > deadline) {
			for (int i = 0; i < M.nslots; i++)
				if (M.slots[i].pid > 0) {
					log_warnx("worker pid %d did not stop in time; killing it", (int)M.slots[i].pid);
					kill(M.slots[i].pid, SIGKILL);
					waitpid(M.slots[i].pid, NULL, 0);
					M.slots[i].pid = 0;
				}
			break;
		}
		usleep(20000);
	}
	for (int i = 0; i < M.nslots; i++)
		slot_close(&M.slots[i]);
}
