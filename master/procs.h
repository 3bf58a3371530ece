/*
 * procs.h - the master's child processes (the workers, the store): fork, one socketpair each,
 * framed non-blocking I/O, reaping and respawn. It knows nothing of jobs or submissions: what a
 * child says, and that it started or died, go to its callback table (as in OpenBSD's proc.c).
 */
#ifndef EXECUTIONER_PROCS_H
#define EXECUTIONER_PROCS_H

#include <poll.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "wire.h"

struct procs_cb {
	/* Worker i runs (again: respawned is 1) and is ready for messages. */
	void (*started)(void *arg, int i, int respawned);
	/* A frame of worker i's current generation; payload holds h->len bytes. */
	void (*message)(void *arg, int i, const struct wire_hdr *h, const char *payload);
	/* Worker i is gone (reaped); it is respawned within a second. */
	void (*died)(void *arg, int i);
	void *arg;
};

/* What a child runs, on its end of the socketpair (fd 3); its exit status. */
typedef int (*procs_main_fn)(int fd, uint32_t gen, const struct config *cfg);

/* Forks n workers, each running worker_main() with cfg (which must outlive them). 0 or -1. */
int procs_start(int n, const struct config *cfg, const struct procs_cb *cb);
/* After procs_start: one more child running run(), with its own callbacks (cb must outlive
 * it), reaped and respawned like a worker. Its index, or -1 when there is no room. */
int procs_add(const char *name, procs_main_fn run, const struct procs_cb *cb);
/* Reaps dead workers (after SIGCHLD); quiet: do not log their exits (the service is stopping). */
void procs_reap(int quiet);
void procs_respawn_due(void);
/* Kills worker i: whatever it still sends is ignored, and it is reaped and respawned. */
void procs_kill(int i);
/* Queues a message to worker i (sent as its socket allows). 0, or -1 (dead, over the cap). */
int procs_send(int i, uint16_t type, uint32_t id, const char *json);
pid_t procs_pid(int i);
/* One pollfd per child in pfd[0..n) (fd -1 when dead); n is the child count, at most max. */
int procs_poll_fds(struct pollfd *pfd, int max);
/* Serves the workers whose pollfd (as filled by procs_poll_fds) has events. */
void procs_poll_done(const struct pollfd *pfd, int n);
/* SHUTDOWN to every child (after what it was sent), wait up to grace_ms for them to exit,
 * then SIGKILL the rest. */
void procs_stop_all(int grace_ms);

#endif
