/*
 * helper.h - internals of executioner-helper, the in-container main process that runs the
 * compile step and the runs of one job for the worker: helper.c speaks the protocol, step.c
 * runs one step, procs.c kills/reaps processes and reads the CPU and OOM counters.
 */
#ifndef EXECUTIONER_HELPER_H
#define EXECUTIONER_HELPER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"

struct limits {
	uint64_t wall_ms, cpu_ms, mem_kb; /* 0 = no limit */
};

struct rlims {
	uint64_t fsize, nofile, stack_kb; /* 0 = leave as inherited */
};

/* What one step runs, and with what. */
struct step_req {
	char *const *argv; /* NULL-terminated, argv[0] non-NULL */
	char *const *env;  /* the entire environment of the program */
	const char *path;  /* PATH searched for argv[0] */
	struct limits lim;
	struct rlims rl;
	size_t out_max;    /* cap per output stream */
	const uint8_t *in; /* stdin bytes */
	size_t in_len;
	uid_t uid;         /* run the program as uid/gid (0 = as the helper) */
	gid_t gid;
};

/* What one step did (the fields of H_STEP). */
struct step_res {
	int exit_code, sig;
	uint64_t wall_us, cpu_us, maxrss_kb;
	uint32_t flags;    /* SF_* */
	struct buf out, err;
	char error[512];   /* T_ERROR when non-empty */
};

/* step.c */
void step_res_init(struct step_res *rs, size_t out_max);
void step_res_free(struct step_res *rs);
void step_run(const struct step_req *rq, struct step_res *rs);

/* procs.c */
struct cpu_meter {
	int cg;         /* measuring the container's cgroup */
	int64_t cg0;
	uint64_t self0, ch0;
};

void procs_init(void);          /* finds the cgroup counters; call once at start */
int is_init(void);              /* getpid() == 1 at start */
uint64_t now_us(void);          /* CLOCK_MONOTONIC */
uint64_t rusage_us(int who);    /* utime + stime of RUSAGE_SELF or RUSAGE_CHILDREN */
void kill_step(pid_t pgid);     /* SIGKILL the group (while pinned) and, as PID 1, everything */
void kill_rest(void);           /* SIGKILL everything else: kill(-1) as PID 1, else our children */
void kill_all(void);            /* kill_rest and reap until no child is left (bounded) */
int reap_others(pid_t main_pid); /* reaps zombies but main_pid; 1 when main_pid has exited */
pid_t reap_main(pid_t pid, int *st); /* blocking reap of pid */
void reap_rss_reset(void);      /* forget the peak RSS of what was reaped so far */
uint64_t reap_rss_max_kb(void); /* largest peak RSS of every process reaped since the reset */
void cpu_meter_start(struct cpu_meter *m);
uint64_t cpu_meter_us(const struct cpu_meter *m, pid_t pid); /* CPU used by the step so far */
int64_t oom_count(void);        /* the cgroup's oom_kill count, -1 if unknown */
void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
