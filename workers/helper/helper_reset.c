/*
 * helper_reset.c - the reset between two jobs of a reused container (pool.max_uses > 1), done by
 * the helper as PID 1: stop then kill every other process and check /proc shows none, empty every
 * writable tmpfs and the mqueue fs without following a symlink, remove SysV IPC objects, and
 * restore each emptied mount's owner and mode. Anything it cannot explain makes the reset unclean.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "helper.h"

#define KILL_WAIT_US 3000000 /* processes must be gone from /proc by then */
#define MAX_DEPTH 64         /* a deeper tree in a tmpfs is odd: unclean */
#define MAX_MOUNTS 64
#define REPORT_MAX 4096

struct report {
	struct buf *b;
	int odd;     /* something unexpected: the container must not be reused */
	long killed, removed, ipc;
};

static void say(struct report *r, int odd, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* One line of the report; odd marks the reset unclean. */
static void say(struct report *r, int odd, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	r->odd |= odd;
	if (n > 0 && r->b->len + (size_t)n + 2 < REPORT_MAX) {
		buf_append(r->b, odd ? "! " : "", odd ? 2 : 0);
		buf_append(r->b, line, (size_t)n);
		buf_append(r->b, "\n", 1);
	}
}

/* Pids in /proc other than ours; -1 when /proc cannot be read. */
static int count_others(void)
{
	DIR *d = opendir("/proc");
	if (!d)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		n += *end == '\0' && pid > 1 && pid != (long)getpid();
	}
	closedir(d);
	return n;
}

/* SIGSTOP first, so nothing forks during the sweep, then SIGKILL and reap until /proc is empty. */
static void kill_everything(struct report *r)
{
	uint64_t end = clock_us() + KILL_WAIT_US;
	kill(-1, SIGSTOP);
	for (;;) {
		kill(-1, SIGKILL);
		pid_t p;
		while ((p = waitpid(-1, NULL, WNOHANG)) > 0 || (p < 0 && errno == EINTR))
			r->killed += p > 0;
		int left = count_others();
		if (left == 0)
			return;
		if (left < 0 || clock_us() >= end) {
			say(r, 1, "%d processes left after SIGKILL", left);
			return;
		}
		struct timespec ms = { 0, 1000000 };
		nanosleep(&ms, NULL);
	}
}

/* Opens a mount point without following any symlink on the way. */
static int open_dir_nofollow(const char *path)
{
	struct open_how how = { .flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW,
				.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS };
	int fd = (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
	if (fd < 0 && errno == ENOSYS)
		fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	return fd;
}

/* One entry of the directory dfd: a directory of the same device is emptied first; nothing is
 * followed (entries are unlinked, not opened). 1 when it was removed. */
static int remove_entry(int dfd, const char *name, dev_t dev, int depth, const char *where,
			struct report *r);

/* Removes everything under the directory dfd (of device dev), depth-first. A pass that leaves
 * entries (removal while listing may skip some) is followed by another, three at most. */
static void empty_dir(int dfd, dev_t dev, int depth, const char *where, struct report *r)
{
	if (depth > MAX_DEPTH) {
		say(r, 1, "%s: directories nested deeper than %d", where, MAX_DEPTH);
		return;
	}
	for (int pass = 0;; pass++) {
		int dup_fd = dup(dfd), seen = 0, gone = 0;
		DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
		if (!d) {
			if (dup_fd >= 0)
				close(dup_fd);
			say(r, 1, "%s: cannot list: %s", where, strerror(errno));
			return;
		}
		rewinddir(d);
		struct dirent *e;
		while ((e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			seen++;
			gone += remove_entry(dfd, e->d_name, dev, depth, where, r);
		}
		closedir(d);
		if (seen == 0)
			return;
		if (gone < seen || pass == 2) {
			say(r, 1, "%s: entries that cannot be removed", where);
			return;
		}
	}
}

static int remove_entry(int dfd, const char *name, dev_t dev, int depth, const char *where,
			struct report *r)
{
	struct stat st;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		say(r, 1, "%s: cannot stat an entry: %s", where, strerror(errno));
		return 0;
	}
	if (st.st_dev != dev) {
		say(r, 1, "%s: a mount below it", where);
		return 0;
	}
	if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
		say(r, 1, "%s: a device node", where);
	if (S_ISDIR(st.st_mode)) {
		int sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0) {
			say(r, 1, "%s: cannot open a directory: %s", where, strerror(errno));
			return 0;
		}
		empty_dir(sub, dev, depth + 1, where, r);
		close(sub);
	}
	if (unlinkat(dfd, name, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) < 0) {
		say(r, 1, "%s: cannot remove an entry: %s", where, strerror(errno));
		return 0;
	}
	r->removed++;
	return 1;
}

/* The value of "key=" in a mount's super options (octal for mode), or def. */
static long super_opt(const char *opts, const char *key, int base, long def)
{
	size_t n = strlen(key);
	for (const char *p = opts; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (!strncmp(p, key, n) && p[n] == '=')
			return strtol(p + n + 1, NULL, base);
	return def;
}

/* Empties the tmpfs (or mqueue fs) mounted at path and gives its root back its mount-time owner
 * and mode (tmpfs: uid=, gid=, mode= of its options, 0 / 0 / 1777 by default). */
static void empty_mount(const char *path, const char *super, int tmpfs, struct report *r)
{
	int fd = open_dir_nofollow(path);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		say(r, 1, "%s: cannot open: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	long before = r->removed;
	empty_dir(fd, st.st_dev, 0, path, r);
	if (tmpfs) {
		uid_t uid = (uid_t)super_opt(super, "uid", 10, 0);
		gid_t gid = (gid_t)super_opt(super, "gid", 10, 0);
		mode_t mode = (mode_t)super_opt(super, "mode", 8, 01777);
		if (fchown(fd, uid, gid) < 0 || fchmod(fd, mode) < 0)
			say(r, 1, "%s: cannot restore owner and mode: %s", path, strerror(errno));
	}
	if (r->removed > before)
		say(r, 0, "%s: removed %ld entries", path, r->removed - before);
	close(fd);
}

/* A writable mount the reset does not empty (one with mounts below it, like /dev, or a bind of
 * a file): fine only when the program could not have written to it. */
static void check_mount(const char *path, struct report *r)
{
	struct stat st;
	if (lstat(path, &st) < 0) {
		say(r, 1, "%s: cannot stat: %s", path, strerror(errno));
		return;
	}
	if (S_ISCHR(st.st_mode))
		return; /* a bind of /dev/null over a /proc file */
	if (st.st_uid != 0 || (st.st_mode & 022) || !(S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)))
		say(r, 1, "%s: writable by others than root (mode %o, uid %d)", path,
		    (unsigned)st.st_mode, (int)st.st_uid);
}

struct mount {
	char path[256], type[32], super[256];
	int rw, root; /* mounted read-write; its fs root is "/" */
};

/* The mounts of /proc/self/mountinfo; -1 when it cannot be read. */
static int read_mounts(struct mount *ms, int max, struct report *r)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f) {
		say(r, 1, "cannot read /proc/self/mountinfo: %s", strerror(errno));
		return -1;
	}
	char line[4096], root[256], opts[256];
	int n = 0;
	while (fgets(line, sizeof(line), f)) {
		const char *sep = strstr(line, " - ");
		struct mount *m = &ms[n];
		if (!sep ||
		    sscanf(line, "%*s %*s %*s %255s %255s %255s", root, m->path, opts) != 3 ||
		    sscanf(sep + 3, "%31s %*s %255s", m->type, m->super) != 2)
			continue;
		if (strchr(m->path, '\\')) {
			say(r, 1, "a mount point with escaped characters");
			continue;
		}
		m->rw = !strncmp(opts, "rw", 2) && (opts[2] == ',' || !opts[2]);
		m->root = !strcmp(root, "/");
		if (++n == max) {
			say(r, 1, "more than %d mounts", max);
			break;
		}
	}
	fclose(f);
	return n;
}

/* 1 when a later mount on the same path hides mount i (e.g. a read-only bind over a tmpfs). */
static int hidden(const struct mount *ms, int n, int i)
{
	for (int k = i + 1; k < n; k++)
		if (!strcmp(ms[k].path, ms[i].path))
			return 1;
	return 0;
}

/* 1 when another mount lies below mount i. */
static int has_submount(const struct mount *ms, int n, int i)
{
	size_t len = strlen(ms[i].path);
	for (int k = 0; k < n; k++)
		if (k != i && !strncmp(ms[k].path, ms[i].path, len) &&
		    (ms[k].path[len] == '/' || len == 1) && strcmp(ms[k].path, ms[i].path))
			return 1;
	return 0;
}

/* Every writable place: tmpfs mounts without mounts below them are emptied (/work, /tmp,
 * /dev/shm, any other), the mqueue fs too (POSIX message queues); the rest must be root's. */
static void empty_writable(struct report *r)
{
	static struct mount ms[MAX_MOUNTS];
	int n = read_mounts(ms, MAX_MOUNTS, r), mq = 0;
	for (int i = 0; i < n; i++) {
		const struct mount *m = &ms[i];
		if (!m->rw || hidden(ms, n, i) || !strcmp(m->type, "proc") ||
		    !strcmp(m->type, "sysfs") ||
		    !strcmp(m->type, "devpts") || !strncmp(m->type, "cgroup", 6))
			continue;
		if (!strcmp(m->type, "mqueue")) {
			mq = 1;
			empty_mount(m->path, m->super, 0, r);
		} else if (!strcmp(m->type, "tmpfs") && m->root && !has_submount(ms, n, i)) {
			empty_mount(m->path, m->super, 1, r);
		} else {
			check_mount(m->path, r);
		}
	}
	if (n >= 0 && !mq)
		say(r, 1, "no mqueue fs: POSIX message queues cannot be listed");
}

/* Removes one SysV IPC object as its owner, then its creator (IPC_RMID needs one of them
 * without CAP_SYS_ADMIN). */
static int ipc_rm(int kind, int id, uid_t uid, uid_t cuid)
{
	uid_t as[2] = { uid, cuid };
	int rc = -1;
	for (int k = 0; k < 2 && rc < 0; k++) {
		if (seteuid(as[k]) < 0)
			continue;
		rc = kind == 0 ? shmctl(id, IPC_RMID, NULL)
		   : kind == 1 ? semctl(id, 0, IPC_RMID)
			       : msgctl(id, IPC_RMID, NULL);
		if (seteuid(0) < 0) {
			helper_warn("seteuid(0)");
			_exit(1); /* cannot be root again: nothing else is safe */
		}
	}
	return rc;
}

/* The SysV IPC objects of one kind (0 shm, 1 sem, 2 msg): removed, then listed again (the
 * count of those left). -1 when the list cannot be read. */
static int ipc_sweep(int kind, int remove)
{
	static const char *const files[] = { "/proc/sysvipc/shm", "/proc/sysvipc/sem",
					     "/proc/sysvipc/msg" };
	/* columns after key and id: uid is the 6th/5th/8th... listed by name in the header */
	FILE *f = fopen(files[kind], "re");
	if (!f)
		return -1;
	char line[1024];
	int left = 0, col_uid = -1, col_cuid = -1;
	if (fgets(line, sizeof(line), f)) {
		int c = 0;
		for (char *t = strtok(line, " \t\n"); t; t = strtok(NULL, " \t\n"), c++) {
			if (!strcmp(t, "uid"))
				col_uid = c;
			else if (!strcmp(t, "cuid"))
				col_cuid = c;
		}
	}
	while (fgets(line, sizeof(line), f)) {
		long v[32];
		int c = 0;
		for (char *t = strtok(line, " \t\n"); t && c < 32; t = strtok(NULL, " \t\n"))
			v[c++] = strtol(t, NULL, 10);
		if (c < 2 || col_uid < 0 || col_cuid < 0 || col_uid >= c || col_cuid >= c) {
			left++;
			continue;
		}
		if (!remove || ipc_rm(kind, (int)v[1], (uid_t)v[col_uid], (uid_t)v[col_cuid]) < 0)
			left++;
	}
	fclose(f);
	return left;
}

static void remove_ipc(struct report *r)
{
	static const char *const names[] = { "shared memory segments", "semaphore sets",
					     "message queues" };
	for (int kind = 0; kind < 3; kind++) {
		int before = ipc_sweep(kind, 0);
		if (before < 0) {
			say(r, 1, "cannot list SysV %s", names[kind]);
			continue;
		}
		int left = before ? ipc_sweep(kind, 1) : 0;
		if (left == 0 && before)
			left = ipc_sweep(kind, 0);
		if (before)
			say(r, left != 0, "SysV %s: %d found, %d left", names[kind], before, left);
		r->ipc += before;
	}
}

int helper_reset(struct buf *report)
{
	struct report r = { .b = report };
	if (!helper_is_pid1()) {
		say(&r, 1, "the helper is not PID 1: it cannot see every process");
		return 0;
	}
	kill_everything(&r);
	empty_writable(&r);
	remove_ipc(&r);
	say(&r, 0, "killed %ld processes, removed %ld entries, %ld SysV IPC objects", r.killed,
	    r.removed, r.ipc);
	return !r.odd;
}

int helper_workdir_own(uid_t uid, gid_t gid)
{
	/* the cwd itself (AT_EMPTY_PATH): without CAP_DAC_OVERRIDE (max_uses 1) root cannot even
	 * look "." up in another uid's 0700 directory */
	struct stat st;
	if (fstatat(AT_FDCWD, "", &st, AT_EMPTY_PATH) < 0) {
		helper_warn("the work dir");
		return -1;
	}
	if ((st.st_uid != uid || st.st_gid != gid) &&
	    fchownat(AT_FDCWD, "", uid, gid, AT_EMPTY_PATH) < 0) {
		helper_warn("chown of the work dir to %d:%d", (int)uid, (int)gid);
		return -1;
	}
	return 0;
}
