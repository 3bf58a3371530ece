/*
 * container.c - hardened pool containers: no network, every capability dropped,
 * no-new-privileges, our seccomp profile, read-only root and /sys/fs/cgroup, size-capped tmpfs
 * work dir owned by the sandbox uid, a non-root user, memory = memory+swap, CPU quota, PID limit,
 * ulimits, no logging, and labels. The helper is the container's main process, waiting on stdin.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "container.h"
#include "jsonutil.h"
#include "log.h"
#include "orphans.h"
#include "owner.h"

static void add_ulimit(cJSON *arr, const char *name, double v)
{
	cJSON *u = cJSON_CreateObject();
	cJSON_AddStringToObject(u, "Name", name);
	cJSON_AddNumberToObject(u, "Soft", v);
	cJSON_AddNumberToObject(u, "Hard", v);
	cJSON_AddItemToArray(arr, u);
}

/* Setting ReadonlyPaths replaces the engine's list: Docker 20.10's defaults (oci/defaults.go), then
 * /sys/fs/cgroup, a tmpfs that would stay writable above the read-only controller mounts (cgroup
 * v1; crun even makes it mode 1777). MaskedPaths is left to the engine's defaults. */
static const char *const readonly_paths[] = { "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
					      "/proc/sysrq-trigger", "/sys/fs/cgroup" };

/* "seccomp=<the profile's JSON>" (the docker CLI inlines a profile file the same way); without a
 * profile, the engine applies its default one. -1 on ENOMEM. */
static int add_seccomp(cJSON *sec, const char *profile)
{
	if (!profile)
		return 0;
	size_t n = strlen(profile) + sizeof("seccomp=");
	char *opt = malloc(n);
	if (!opt) {
		log_errorx("out of memory for the seccomp option (%zu bytes)", n);
		return -1;
	}
	snprintf(opt, n, "seccomp=%s", profile);
	cJSON *s = cJSON_CreateString(opt);
	free(opt);
	if (!s) {
		log_errorx("out of memory for the seccomp option (%zu bytes)", n);
		return -1;
	}
	cJSON_AddItemToArray(sec, s);
	return 0;
}

static cJSON *host_config(const cJSON *fill, const char *seccomp)
{
	char tmpfs[160];
	double mem = json_num(fill, "memory_mb", 256) * 1024 * 1024;
	cJSON *h = cJSON_CreateObject();
	cJSON_AddStringToObject(h, "NetworkMode", "none");
	cJSON *cap = cJSON_AddArrayToObject(h, "CapDrop");
	cJSON_AddItemToArray(cap, cJSON_CreateString("ALL"));
	/* The helper (PID 1, uid 0) keeps only what it needs to run the program as SANDBOX_UID and
	 * to kill it; the program itself has no capability (not even in its bounding set) and
	 * another uid than the helper. */
	cJSON *add = cJSON_AddArrayToObject(h, "CapAdd");
	cJSON_AddItemToArray(add, cJSON_CreateString("SETUID"));
	cJSON_AddItemToArray(add, cJSON_CreateString("SETGID"));
	cJSON_AddItemToArray(add, cJSON_CreateString("KILL"));
	/* to empty the program's bounding set */
	cJSON_AddItemToArray(add, cJSON_CreateString("SETPCAP"));
	/* a reused container's helper empties the tmpfs mounts of files any job's uid left, in
	 * any mode, and gives /work to the next job's uid (helper_reset.c); the program never
	 * has these (another uid, an empty bounding set) */
	if (json_num(fill, "max_uses", 1) > 1) {
		cJSON_AddItemToArray(add, cJSON_CreateString("CHOWN"));
		cJSON_AddItemToArray(add, cJSON_CreateString("FOWNER"));
		cJSON_AddItemToArray(add, cJSON_CreateString("DAC_OVERRIDE"));
	}
	cJSON *sec = cJSON_AddArrayToObject(h, "SecurityOpt");
	cJSON_AddItemToArray(sec, cJSON_CreateString("no-new-privileges"));
	if (add_seccomp(sec, seccomp) < 0) {
		cJSON_Delete(h);
		return NULL;
	}
	cJSON_AddBoolToObject(h, "ReadonlyRootfs", 1);
	cJSON *ro = cJSON_AddArrayToObject(h, "ReadonlyPaths");
	for (size_t i = 0; i < sizeof(readonly_paths) / sizeof(readonly_paths[0]); i++)
		cJSON_AddItemToArray(ro, cJSON_CreateString(readonly_paths[i]));
	cJSON *t = cJSON_AddObjectToObject(h, "Tmpfs");
	snprintf(tmpfs, sizeof(tmpfs),
		 "rw,exec,nosuid,nodev,size=%dm,nr_inodes=16384,uid=" SANDBOX_UID
		 ",gid=" SANDBOX_UID ",mode=0700",
		 (int)json_num(fill, "workdir_mb", 64));
	cJSON_AddStringToObject(t, "/work", tmpfs);
	snprintf(tmpfs, sizeof(tmpfs), "rw,nosuid,nodev,noexec,size=%dm,nr_inodes=4096,mode=1777",
		 (int)json_num(fill, "tmp_mb", 16));
	cJSON_AddStringToObject(t, "/tmp", tmpfs);
	cJSON_AddNumberToObject(h, "Memory", mem);
	cJSON_AddNumberToObject(h, "MemorySwap", mem);
	cJSON_AddNumberToObject(h, "NanoCpus", json_num(fill, "cpus", 1) * 1e9);
	cJSON_AddNumberToObject(h, "PidsLimit", json_num(fill, "pids", 64));
	cJSON *ul = cJSON_AddArrayToObject(h, "Ulimits");
	add_ulimit(ul, "nofile", json_num(fill, "nofile", 256));
	add_ulimit(ul, "fsize", json_num(fill, "fsize_bytes", 16 << 20));
	add_ulimit(ul, "core", 0);
	cJSON_AddStringToObject(h, "IpcMode", "private");
	/* counts as memory */
	cJSON_AddNumberToObject(h, "ShmSize", json_num(fill, "shm_mb", 16) * 1024 * 1024);
	cJSON_AddStringToObject(h, "Runtime", json_str(fill, "runtime", "runc"));
	cJSON *lc = cJSON_AddObjectToObject(h, "LogConfig");
	cJSON_AddStringToObject(lc, "Type", "none");
	cJSON_AddBoolToObject(h, "Init", 0);
	cJSON_AddBoolToObject(h, "AutoRemove", 1); /* gone as soon as its helper exits */
	return h;
}

cJSON *container_spec(const cJSON *fill, const char *instance, const char *seccomp)
{
	cJSON *hc = host_config(fill, seccomp);
	if (!hc)
		return NULL;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "Image", json_str(fill, "image", ""));
	cJSON *cmd = cJSON_AddArrayToObject(o, "Cmd");
	cJSON_AddItemToArray(cmd, cJSON_CreateString(HELPER_PATH));
	if (!strcmp(json_str(fill, "transport", "attach"), "exec"))
		/* PID 1 only reaps; jobs exec the helper */
		cJSON_AddItemToArray(cmd, cJSON_CreateString("--idle"));
	cJSON_AddStringToObject(o, "User", "0:0");
	cJSON_AddStringToObject(o, "WorkingDir", "/work");
	/* who made it, for the orphan scan (the helper does not pass its environment on) */
	char env[160];
	cJSON *ev = cJSON_AddArrayToObject(o, "Env");
	snprintf(env, sizeof(env), ORPHANS_ENV_INSTANCE "=%s", instance);
	cJSON_AddItemToArray(ev, cJSON_CreateString(env));
	snprintf(env, sizeof(env), ORPHANS_ENV_OWNER "=%s", json_str(fill, "owner", ""));
	cJSON_AddItemToArray(ev, cJSON_CreateString(env));
	cJSON_AddBoolToObject(o, "OpenStdin", 1);
	/* StdinOnce: the engine closes the container's stdin when the attached client detaches,
	 * and the helper, reading EOF, ends the container (AutoRemove). A reused container keeps
	 * it open across attaches: the helper waits there for the next job (helper_main.c). */
	cJSON_AddBoolToObject(o, "StdinOnce", json_num(fill, "max_uses", 1) <= 1);
	cJSON_AddBoolToObject(o, "AttachStdin", 1);
	cJSON_AddBoolToObject(o, "AttachStdout", 1);
	cJSON_AddBoolToObject(o, "AttachStderr", 1);
	cJSON_AddBoolToObject(o, "Tty", 0);
	cJSON_AddBoolToObject(o, "NetworkDisabled", 1);
	cJSON_AddStringToObject(o, "StopSignal", "SIGKILL"); /* PID 1 ignores TERM: stop at once */
	cJSON *l = cJSON_AddObjectToObject(o, "Labels");
	cJSON_AddStringToObject(l, LABEL_KEY, instance);
	cJSON_AddStringToObject(l, "executioner.language", json_str(fill, "lang", ""));
	cJSON_AddStringToObject(l, OWNER_LABEL, json_str(fill, "owner", ""));
	cJSON_AddItemToObject(o, "HostConfig", hc);
	return o;
}

int container_fill(struct docker *d, const cJSON *fill, const char *instance, const char *seccomp,
		   char id[65])
{
	static unsigned counter;
	char name[128];
	snprintf(name, sizeof(name), "executioner-%s-%s-%d-%u", instance,
		 json_str(fill, "lang", "x"), (int)getpid(), ++counter);
	cJSON *spec = container_spec(fill, instance, seccomp);
	if (!spec) { /* logged; the caller reports docker_last_error() */
		struct docker_error *e = (struct docker_error *)docker_last_error(d);
		*e = (struct docker_error){ .kind = DOCKER_E_PROTO };
		snprintf(e->msg, sizeof(e->msg), "cannot build the create body (out of memory)");
		return -1;
	}
	int rc = docker_create(d, name, spec, id);
	cJSON_Delete(spec);
	if (rc < 0)
		return -1;
	if (docker_start(d, id) < 0 ||
	    (cJSON_IsTrue(cJSON_GetObjectItem(fill, "pause")) && docker_pause(d, id) < 0)) {
		struct docker_error keep = *docker_last_error(d);
		docker_remove(d, id, 1);
		*(struct docker_error *)docker_last_error(d) = keep;
		return -1;
	}
	return 0;
}

void container_image_version(struct docker *d, const char *image, char *out, size_t n)
{
	cJSON *img = NULL;
	out[0] = '\0';
	if (docker_image_inspect(d, image, &img) < 0)
		return;
	cJSON *labels = cJSON_GetObjectItem(cJSON_GetObjectItem(img, "Config"), "Labels");
	const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(labels, "executioner.version"));
	if (v)
		snprintf(out, n, "%s", v);
	cJSON_Delete(img);
}

int container_remove(struct docker *d, const char *id)
{
	if (docker_remove(d, id, 1) == 0)
		return 0;
	const struct docker_error *e = docker_last_error(d);
	if (e->kind == DOCKER_E_HTTP && e->http == 404)
		return 0;
	if (e->kind == DOCKER_E_HTTP && e->http == 409 && strstr(e->msg, "in progress"))
		return 0;
	log_warnx("remove %.12s: %s", id, e->msg);
	return -1;
}

int container_cleanup(struct docker *d, const struct config *c, const char *self, int mine_too)
{
	char label[160], **ids = NULL, **owners = NULL;
	size_t n = 0;
	snprintf(label, sizeof(label), LABEL_KEY "=%s", c->instance);
	if (docker_list_labelled(d, label, OWNER_LABEL, &ids, &owners, &n) < 0) {
		log_warnx("cannot list this instance's containers: %s", docker_last_error(d)->msg);
		return -1;
	}
	int removed = 0, live = 0;
	for (size_t i = 0; i < n; i++) {
		int ours = self && !strcmp(owners[i], self);
		if ((ours && !mine_too) ||
		    (!ours && owner_alive(c->state_dir, c->instance, owners[i]))) {
			live += !ours;
			continue;
		}
		removed += container_remove(d, ids[i]) == 0;
	}
	docker_free_list(ids, n);
	docker_free_list(owners, n);
	if (removed)
		log_info("removed %d containers of instance \"%s\"", removed, c->instance);
	if (live)
		log_info("left %d containers of instance \"%s\" that another running service owns",
			 live, c->instance);
	return removed;
}
