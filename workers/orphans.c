/*
 * orphans.c - kills what an engine left of this instance's containers after it lost them (an
 * unclean restart): shims, stuck runtimes, helpers and programs that `docker ps` no longer shows.
 * Found by a /proc scan (container id from the cgroup path or the shim/runtime argv, instance and
 * owner from the environment the container was created with); only ids the engine answers 404 for.
 */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "log.h"
#include "orphans.h"
#include "owner.h"

#define SCAN_MAX 4096     /* processes of containers looked at in one scan */
#define ENV_MAX (64 << 10) /* bytes of /proc/<pid>/environ read */
#define BUNDLE_MAX (1 << 20)

struct cproc {
	pid_t pid;
	char cid[65];
};

/* Reads up to cap-1 bytes of a file into buf (NUL-terminated); the length, or -1. */
static ssize_t read_small(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t n = 0;
	ssize_t r;
	while (n + 1 < cap && (r = read(fd, buf + n, cap - 1 - n)) > 0)
		n += (size_t)r;
	close(fd);
	buf[n] = '\0';
	return (ssize_t)n;
}

static int is_cid(const char *s, size_t n)
{
	if (n != 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return 0;
	return 1;
}

int orphans_cid_from_cgroup(const char *text, char cid[65])
{
	static const char *const marks[] = { "/docker/", "/docker-" };
	for (size_t m = 0; m < 2; m++)
		for (const char *p = strstr(text, marks[m]); p; p = strstr(p + 1, marks[m])) {
			const char *s = p + strlen(marks[m]);
			size_t n = strspn(s, "0123456789abcdef");
			if (is_cid(s, n)) {
				memcpy(cid, s, 64);
				cid[64] = '\0';
				return 0;
			}
		}
	return -1;
}

int orphans_cid_from_cmdline(const char *argv, size_t len, char cid[65])
{
	const char *base = strrchr(argv, '/');
	base = base ? base + 1 : argv;
	int shim = !strncmp(base, "containerd-shim", 15);
	if (!shim && strcmp(base, "runc") && strcmp(base, "crun"))
		return -1;
	for (const char *a = argv + strlen(argv) + 1; a < argv + len; a += strlen(a) + 1)
		if (is_cid(a, strlen(a))) {
			memcpy(cid, a, 65);
			return 0;
		}
	return -1;
}

/* Processes that belong to some container: those in its cgroup, and its shim and runtime. */
static size_t scan_proc(struct cproc *out, size_t cap)
{
	DIR *dir = opendir("/proc");
	if (!dir) {
		log_warn("opendir /proc");
		return 0;
	}
	char path[64], buf[4096];
	size_t n = 0;
	struct dirent *e;
	while (n < cap && (e = readdir(dir))) {
		pid_t pid = (pid_t)atoi(e->d_name);
		if (pid <= 1 || pid == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
		if (read_small(path, buf, sizeof(buf)) > 0 &&
		    orphans_cid_from_cgroup(buf, out[n].cid) == 0) {
			out[n++].pid = pid;
			continue;
		}
		snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
		ssize_t len = read_small(path, buf, sizeof(buf));
		if (len > 0 && orphans_cid_from_cmdline(buf, (size_t)len, out[n].cid) == 0)
			out[n++].pid = pid;
	}
	closedir(dir);
	return n;
}

/* The value of NAME=... in a NUL-separated environment block, or NULL. */
static const char *env_get(const char *env, size_t len, const char *name)
{
	size_t nl = strlen(name);
	for (const char *p = env; p < env + len; p += strlen(p) + 1)
		if (!strncmp(p, name, nl) && p[nl] == '=')
			return p + nl + 1;
	return NULL;
}

/* Instance and owner of a container process: from its environment, or for a shim or runtime,
 * from the OCI bundle (config.json) in its working directory. 0 if found. */
static int proc_identity(pid_t pid, char *inst, size_t ilen, char *owner, size_t olen)
{
	char path[64], *buf = malloc(BUNDLE_MAX);
	if (!buf)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
	ssize_t n = read_small(path, buf, ENV_MAX);
	const char *i = n > 0 ? env_get(buf, (size_t)n, ORPHANS_ENV_INSTANCE) : NULL;
	const char *o = n > 0 ? env_get(buf, (size_t)n, ORPHANS_ENV_OWNER) : NULL;
	if (i && o) {
		snprintf(inst, ilen, "%s", i);
		snprintf(owner, olen, "%s", o);
		free(buf);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/%d/cwd/config.json", (int)pid);
	cJSON *spec = read_small(path, buf, BUNDLE_MAX) > 0 ? cJSON_Parse(buf) : NULL;
	free(buf);
	cJSON *env = cJSON_GetObjectItem(cJSON_GetObjectItem(spec, "process"), "env");
	size_t il = strlen(ORPHANS_ENV_INSTANCE), ol = strlen(ORPHANS_ENV_OWNER);
	int found = 0;
	const cJSON *v;
	cJSON_ArrayForEach(v, env)
	{
		const char *s = cJSON_GetStringValue(v);
		if (s && !strncmp(s, ORPHANS_ENV_INSTANCE "=", il + 1)) {
			snprintf(inst, ilen, "%s", s + il + 1);
			found |= 1;
		} else if (s && !strncmp(s, ORPHANS_ENV_OWNER "=", ol + 1)) {
			snprintf(owner, olen, "%s", s + ol + 1);
			found |= 2;
		}
	}
	cJSON_Delete(spec);
	return found == 3 ? 0 : -1;
}

/* 1 when the engine answers "no such container" for the id, 0 when it knows it or cannot say. */
static int engine_forgot(struct docker *d, const char *cid)
{
	char path[96];
	snprintf(path, sizeof(path), "/containers/%s/json", cid);
	if (docker_call(d, "GET", path, NULL, NULL, 0) >= 0)
		return 0;
	const struct docker_error *e = docker_last_error(d);
	return e->kind == DOCKER_E_HTTP && e->http == 404;
}

/* A frozen (paused) process only dies once thawed: thaw the container's freezer cgroup (v1), or
 * its cgroup.freeze (v2). Best effort: a missing file means nothing is frozen there. */
static void thaw(const char *cid)
{
	char path[160];
	snprintf(path, sizeof(path), "/sys/fs/cgroup/freezer/docker/%s/freezer.state", cid);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, "THAWED", 6) != 6)
			log_warn("thaw %.12s", cid);
		close(fd);
	}
}

/* Decides for one container id (its processes are procs[0..n) with that id) and kills them when
 * they are ours and orphaned. The number of processes killed. */
static int reap_container(struct docker *d, const struct config *c, const char *self,
			  const struct cproc *procs, size_t n)
{
	char inst[128] = "", owner[OWNER_ID_LEN + 8] = "";
	size_t i;
	for (i = 0; i < n; i++)
		if (proc_identity(procs[i].pid, inst, sizeof(inst), owner, sizeof(owner)) == 0)
			break;
	if (i == n || strcmp(inst, c->instance))
		return 0; /* not ours, or no way to tell */
	if ((!self || strcmp(owner, self)) && owner_alive(c->state_dir, c->instance, owner))
		return 0;
	if (!engine_forgot(d, procs[0].cid))
		return 0;
	thaw(procs[0].cid);
	int killed = 0;
	for (i = 0; i < n; i++)
		killed += kill(procs[i].pid, SIGKILL) == 0;
	log_info("killed %d processes of container %.12s, which the engine no longer knows", killed,
		 procs[0].cid);
	return killed;
}

static int by_cid(const void *a, const void *b)
{
	return strcmp(((const struct cproc *)a)->cid, ((const struct cproc *)b)->cid);
}

int orphans_reap(struct docker *d, const struct config *c, const char *self)
{
	struct cproc *procs = calloc(SCAN_MAX, sizeof(*procs));
	if (!procs) {
		log_errorx("out of memory for the orphan scan");
		return -1;
	}
	size_t n = scan_proc(procs, SCAN_MAX);
	qsort(procs, n, sizeof(*procs), by_cid);
	int killed = 0;
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && !strcmp(procs[j].cid, procs[i].cid); j++)
			;
		killed += reap_container(d, c, self, procs + i, j - i);
	}
	free(procs);
	return killed;
}
