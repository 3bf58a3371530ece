/*
 * helper_procs.c - process control and accounting for the helper: killing and reaping everything
 * a step started (kill(-1) only when PID 1; otherwise the process group and the orphans the
 * helper subreaps), CPU and OOM counters of the container's cgroup (v1 or v2, /proc fallback).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "helper.h"

#define KILL_WAIT_US 2000000 /* how long helper_kill_all waits for the killed to be reapable */
#define PATH_LEN 512
/* After an OOM kill, how long the next step waits for the victim's memory to be uncharged, and
 * how much must be free: the helper's own pipes and fork are charged to the same cgroup, and an
 * OOM there would pick the helper, the victim being already dead (seen under load). */
#define SETTLE_WAIT_US 1000000
#define SETTLE_FREE_BYTES (4 << 20)

static int g_init;
static char g_cpu[PATH_LEN]; /* cpuacct.usage (ns) or cpu.stat (usage_usec); "" = none */
static int g_cpu_v2;
static char g_oom[PATH_LEN]; /* memory.oom_control or memory.events; "" = none */
static char g_mem[PATH_LEN], g_mem_max[PATH_LEN]; /* the cgroup's memory usage and limit */
static uint64_t g_reaped_rss; /* largest peak RSS (KiB) of the processes reaped since the reset */

/* waitpid that keeps the peak RSS of what it reaps: a child the program never waited for (an
 * orphan the helper adopts) still counts towards the step's memory. */
static pid_t reap(pid_t pid, int *st, int flags)
{
	struct rusage ru;
	memset(&ru, 0, sizeof(ru));
	pid_t r = wait4(pid, st, flags, &ru);
	if (r > 0 && (uint64_t)ru.ru_maxrss > g_reaped_rss)
		g_reaped_rss = (uint64_t)ru.ru_maxrss;
	return r;
}

void helper_rss_reset(void)
{
	g_reaped_rss = 0;
}

uint64_t helper_rss_max_kb(void)
{
	return g_reaped_rss;
}

pid_t helper_reap_main(pid_t pid, int *st)
{
	pid_t r;
	while ((r = reap(pid, st, 0)) < 0 && errno == EINTR)
		;
	return r;
}

int helper_is_pid1(void)
{
	return g_init;
}

uint64_t helper_rusage_us(int who)
{
	struct rusage ru;
	if (getrusage(who, &ru) < 0)
		return 0;
	return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000u +
	       (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

/* Reads at most n-1 bytes of a small (proc/sys) file, NUL-terminated. */
static ssize_t read_small(const char *path, char *b, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	size_t got = 0;
	while (got < n - 1) {
		ssize_t r = read(fd, b + got, n - 1 - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	b[got] = '\0';
	return (ssize_t)got;
}

/* The number after "key " on a line of path, or the first number when key is NULL; -1 if none. */
static int64_t read_key(const char *path, const char *key)
{
	char b[4096];
	if (read_small(path, b, sizeof(b)) <= 0)
		return -1;
	size_t kl = key ? strlen(key) : 0;
	for (char *line = b; line && *line;
	     line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		if (key && (strncmp(line, key, kl) != 0 || line[kl] != ' '))
			continue;
		char *end;
		long long v = strtoll(line + kl, &end, 10);
		return end == line + kl || v < 0 ? -1 : (int64_t)v;
	}
	return -1;
}

/* 1 when the comma-separated list holds item. */
static int has_item(const char *list, const char *item)
{
	size_t n = strlen(item);
	for (const char *p = list; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (strncmp(p, item, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return 1;
	return 0;
}

/* The path in /proc/self/cgroup of controller ctrl (v1), or of the unified line when NULL. */
static int self_cgroup(const char *ctrl, char *out, size_t n)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	if (!f)
		return -1;
	char line[1024];
	int rc = -1;
	while (rc < 0 && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c1 = *c2 = '\0';
		int match =
			ctrl ? has_item(c1 + 1, ctrl) : (strcmp(line, "0") == 0 && c1[1] == '\0');
		if (match && (size_t)snprintf(out, n, "%s", c2 + 1) < n)
			rc = 0;
	}
	fclose(f);
	return rc;
}

/* The mount point and root of the cgroup v1 mount holding ctrl, or of a cgroup2 mount (NULL). */
static int cg_mount(const char *ctrl, char *mp, char *root)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -1;
	char line[4096], r[PATH_LEN], m[PATH_LEN], type[64], opts[1024];
	int rc = -1;
	while (rc < 0 && fgets(line, sizeof(line), f)) {
		const char *sep = strstr(line, " - ");
		if (!sep || sscanf(line, "%*s %*s %*s %511s %511s", r, m) != 2 ||
		    sscanf(sep + 3, "%63s %*s %1023s", type, opts) != 2)
			continue;
		if (ctrl ? strcmp(type, "cgroup") == 0 && has_item(opts, ctrl)
			 : strcmp(type, "cgroup2") == 0) {
			memcpy(mp, m, sizeof(m));
			memcpy(root, r, sizeof(r));
			rc = 0;
		}
	}
	fclose(f);
	return rc;
}

/* 1 when this pid namespace is a job container: we are its PID 1, or its PID 1 is the helper
 * (--idle, with the helper exec'd into the container). Its cmdline cannot be forged by a step. */
static int in_container(void)
{
	char b[256];
	if (g_init)
		return 1;
	if (read_small("/proc/1/cmdline", b, sizeof(b)) <= 0)
		return 0;
	const char *base = strrchr(b, '/');
	return strcmp(base ? base + 1 : b, "executioner-helper") == 0;
}

/* The counter file when the cgroup mount shows the helper's own cgroup. The root cgroup counts
 * only inside a job container (a private cgroup namespace); on a host it is the whole machine. */
static int cg_file(const char *ctrl, const char *file, char *out)
{
	char mp[PATH_LEN], root[PATH_LEN], self[PATH_LEN];
	if (cg_mount(ctrl, mp, root) < 0 || self_cgroup(ctrl, self, sizeof(self)) < 0)
		return -1;
	if (strcmp(root, self) != 0 || (strcmp(self, "/") == 0 && !in_container()))
		return -1;
	if ((size_t)snprintf(out, PATH_LEN, "%s/%s", mp, file) >= PATH_LEN ||
	    access(out, R_OK) < 0) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}

void helper_procs_init(void)
{
	g_init = getpid() == 1;
	if (cg_file("cpuacct", "cpuacct.usage", g_cpu) == 0)
		g_cpu_v2 = 0;
	else if (cg_file(NULL, "cpu.stat", g_cpu) == 0)
		g_cpu_v2 = 1;
	if (cg_file("memory", "memory.oom_control", g_oom) < 0)
		cg_file(NULL, "memory.events", g_oom);
	if (cg_file("memory", "memory.usage_in_bytes", g_mem) < 0 ||
	    cg_file("memory", "memory.limit_in_bytes", g_mem_max) < 0) {
		g_mem[0] = '\0';
		if (cg_file(NULL, "memory.current", g_mem) < 0 ||
		    cg_file(NULL, "memory.max", g_mem_max) < 0)
			g_mem[0] = '\0';
	}
}

void helper_kill_step(pid_t pgid)
{
	if (pgid > 0)
		kill(-pgid, SIGKILL);
	if (g_init)
		kill(-1, SIGKILL);
}

/* Not PID 1: SIGKILLs the helper's children (the step's processes and the orphans it subreaps);
 * -1 when they cannot be listed. */
static int kill_children(void)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/task/%d/children", (int)getpid());
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	int pid;
	while (fscanf(f, "%d", &pid) == 1)
		if (pid > 1)
			kill(pid, SIGKILL);
	fclose(f);
	return 0;
}

void helper_kill_rest(void)
{
	if (g_init)
		kill(-1, SIGKILL);
	else
		kill_children();
}

void helper_kill_all(void)
{
	uint64_t end = clock_us() + KILL_WAIT_US;
	for (;;) {
		int listed = g_init ? (kill(-1, SIGKILL), 0) : kill_children();
		pid_t r;
		do
			r = reap(-1, NULL, WNOHANG);
		while (r > 0 || (r < 0 && errno == EINTR));
		if (r < 0)
			return; /* ECHILD: nothing left */
		if (listed < 0)
			return; /* cannot find them: what is left is reaped next time */
		if (clock_us() >= end) {
			helper_warnx("processes survive SIGKILL; going on");
			return;
		}
		struct timespec ms = { 0, 1000000 };
		nanosleep(&ms, NULL);
	}
}

int helper_reap_others(pid_t main_pid)
{
	for (int i = 0; i < 4096; i++) {
		siginfo_t si;
		memset(&si, 0, sizeof(si));
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0 || si.si_pid == 0)
			return 0;
		if (si.si_pid == main_pid)
			return 1;
		reap(si.si_pid, NULL, WNOHANG);
	}
	return 0;
}

static int64_t cg_cpu_us(void)
{
	if (!g_cpu[0])
		return -1;
	int64_t v = read_key(g_cpu, g_cpu_v2 ? "usage_usec" : NULL);
	return v < 0 ? -1 : g_cpu_v2 ? v : v / 1000;
}

/* utime+stime+cutime+cstime of pid from /proc/<pid>/stat, in microseconds (0 if unreadable). */
static uint64_t proc_cpu_us(pid_t pid)
{
	char path[64], b[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_small(path, b, sizeof(b)) <= 0)
		return 0;
	const char *p = strrchr(b, ')');
	unsigned long long ut, st;
	long long cut, cst;
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %lld %lld",
			 &ut, &st, &cut, &cst) != 4)
		return 0;
	long hz = sysconf(_SC_CLK_TCK);
	unsigned long long ticks = ut + st + (cut > 0 ? (unsigned long long)cut : 0) +
				   (cst > 0 ? (unsigned long long)cst : 0);
	return (uint64_t)(ticks * 1000000ull / (unsigned long long)(hz > 0 ? hz : 100));
}

void helper_cpu_start(struct cpu_meter *m)
{
	m->cg0 = cg_cpu_us();
	m->cg = m->cg0 >= 0;
	m->self0 = helper_rusage_us(RUSAGE_SELF);
	m->ch0 = helper_rusage_us(RUSAGE_CHILDREN);
}

uint64_t helper_cpu_us(const struct cpu_meter *m, pid_t pid)
{
	if (m->cg) {
		int64_t now = cg_cpu_us();
		if (now >= 0) { /* the cgroup's usage minus the helper's own */
			int64_t d =
				now - m->cg0 - (int64_t)(helper_rusage_us(RUSAGE_SELF) - m->self0);
			return d > 0 ? (uint64_t)d : 0;
		}
	}
	return helper_rusage_us(RUSAGE_CHILDREN) - m->ch0 + proc_cpu_us(pid);
}

int64_t helper_oom_count(void)
{
	return g_oom[0] ? read_key(g_oom, "oom_kill") : -1;
}

void helper_memory_settle(void)
{
	if (!g_mem[0])
		return;
	/* -1 for v2's "max": no limit, nothing to wait for */
	int64_t max = read_key(g_mem_max, NULL);
	uint64_t end = clock_us() + SETTLE_WAIT_US;
	while (max > 0 && clock_us() < end) {
		int64_t used = read_key(g_mem, NULL);
		if (used < 0 || used + SETTLE_FREE_BYTES <= max)
			return;
		struct timespec ms = { 0, 1000000 };
		nanosleep(&ms, NULL);
	}
}
