/*
 * orphans.h - kills the processes of this instance's containers that the engine no longer knows
 * (left by an engine's unclean restart); run with the container cleanup at start-up and whenever
 * the engine answers again after an outage.
 */
#ifndef EXECUTIONER_ORPHANS_H
#define EXECUTIONER_ORPHANS_H

#include "config.h"
#include "docker.h"

/* Set in every container's environment (not passed on to programs), read back from /proc. */
#define ORPHANS_ENV_INSTANCE "EXECUTIONER_INSTANCE"
#define ORPHANS_ENV_OWNER "EXECUTIONER_OWNER"

/* Kills the processes of containers of instance c->instance, owned by self or by a service that
 * is gone, for which the engine answers 404. The number of processes killed (0 also where /proc
 * shows no other pid namespace's processes), or -1 logged. */
int orphans_reap(struct docker *d, const struct config *c, const char *self);

/* The container id in a /proc/<pid>/cgroup text: ".../docker/<id>" (cgroupfs driver) or
 * ".../docker-<id>.scope" (systemd driver). 0, or -1 when there is none. */
int orphans_cid_from_cgroup(const char *text, char cid[65]);
/* The container id in a NUL-separated argv of len bytes, when argv[0] is a containerd shim or an
 * OCI runtime (runc, crun): the first argument that is a 64-hex-digit id. 0, or -1. */
int orphans_cid_from_cmdline(const char *argv, size_t len, char cid[65]);

#endif
