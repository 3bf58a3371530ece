/*
 * helper.h - internals of executioner-helper, the in-container main process that runs the
 * compile step and the runs of one job for the worker: helper_main.c speaks the protocol,
 * helper_step.c runs one step, helper_procs.c kills/reaps processes and reads the CPU and OOM
 * counters, helper_files.c writes and reads work-dir files, helper_reset.c resets a reused
 * container between jobs, helper_diag.c writes diagnostics.
 * Everything it exports is prefixed helper_.
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
	uint32_t stream_id, stream_gen; /* stream: send H_CHUNKs with this header (H_RUN's) */
	int stream;
};

/* What one step did (the fields of H_STEP). */
struct step_res {
	int exit_code, sig;
	uint64_t wall_us, cpu_us, maxrss_kb;
	uint32_t flags;    /* SF_* */
	struct buf out, err;
	char error[512];   /* T_ERROR when non-empty */
};

/* helper_step.c */
void helper_step_init(struct step_res *rs, size_t out_max);
void helper_step_free(struct step_res *rs);
void helper_step_run(const struct step_req *rq, struct step_res *rs);

/* helper_procs.c */
struct cpu_meter {
	int cg;         /* measuring the container's cgroup */
	int64_t cg0;
	uint64_t self0, ch0;
};

void helper_procs_init(void);       /* finds the cgroup counters; call once at start */
int helper_is_pid1(void);           /* getpid() == 1 at start */
uint64_t helper_rusage_us(int who); /* utime + stime of RUSAGE_SELF or RUSAGE_CHILDREN */
void helper_kill_step(pid_t pgid);  /* SIGKILL the group (while pinned) and, as PID 1, all */
void helper_kill_rest(void);        /* SIGKILL the rest: kill(-1) as PID 1, else our children */
void helper_kill_all(void);         /* helper_kill_rest, reap until no child is left (bounded) */
int helper_reap_others(pid_t main_pid);     /* reaps zombies but main_pid; 1 when it exited */
pid_t helper_reap_main(pid_t pid, int *st); /* blocking reap of pid */
void helper_rss_reset(void);        /* forget the peak RSS of what was reaped so far */
uint64_t helper_rss_max_kb(void);   /* largest peak RSS of what was reaped since the reset */
void helper_cpu_start(struct cpu_meter *m);
uint64_t helper_cpu_us(const struct cpu_meter *m, pid_t pid); /* CPU used by the step so far */
int64_t helper_oom_count(void);     /* the cgroup's oom_kill count, -1 if unknown */
void helper_memory_settle(void);     /* waits (1 s at most) until the cgroup has 4 MiB free */

/* helper_files.c: names follow relpath.h's rule and are checked again here. */
/* Writes name (a relative path; missing directories are made 0700) under the directory wd,
 * never following a symlink and never replacing a file. 0, or -1 with errno set. */
int helper_write_file(int wd, const char *name, const uint8_t *p, size_t n);
/* Reads at most max bytes of the regular file name under wd into out (*size: its size), never
 * following a symlink. NULL, or why it was not read ("is a symbolic link", "no such file", ...). */
const char *helper_read_file(int wd, const char *name, size_t max, struct buf *out,
			     uint64_t *size);

/* helper_reset.c: between two jobs of a reused container (PID 1 only). helper_reset kills every
 * other process, empties every writable tmpfs and the mqueue fs, removes SysV IPC objects and
 * restores the emptied mounts' owner and mode; it appends what it found to report (lines, "! "
 * before an odd one) and returns 1 when clean, 0 when the container must not be reused. */
int helper_reset(struct buf *report);
/* Gives the work dir (the cwd) to uid:gid if it is not theirs (needs CAP_CHOWN). 0 or -1. */
int helper_workdir_own(uid_t uid, gid_t gid);

/* helper_diag.c: the helper's error convention, as log.h's for the service. A function that
 * can fail returns 0 / a pointer, or -1 / NULL having said why with helper_warn (appends
 * ": strerror(errno)") or helper_warnx (does not); what must stop the helper goes through
 * fatal_reply() in helper_main.c, which answers H_FATAL with the reason and exits 1. */
void helper_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void helper_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
