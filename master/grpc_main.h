/*
 * grpc_main.h - the gRPC process: forked by the master (grpc_proc.c), it serves the gRPC API
 * (shared/proto/executor.proto, health.proto) with gRPC's C core, which runs threads of its
 * own, and hands every call to the master over its socketpair (wire.h, MSG_GR_*), so the
 * master's loop never waits on it.
 */
#ifndef EXECUTIONER_GRPC_MAIN_H
#define EXECUTIONER_GRPC_MAIN_H

#include <stdint.h>

#include "config.h"

#define GRPC_PROC_NAME "ex-grpc" /* its name in ps and /proc/PID/comm */

/* Serves until MSG_SHUTDOWN or EOF on fd; the exit status (1: the port could not be bound). */
int grpc_main(int fd, uint32_t gen, const struct config *c);

#endif
