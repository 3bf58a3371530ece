/*
 * grpc_proc.h - the master's side of the gRPC process (grpc_main.c): forks it through procs.c
 * when grpc.port is set, and puts each call it forwards through REST's admission (API key, rate
 * limits), request checks (request.c), queue and workers; the answer goes back as MSG_GR_REPLY.
 */
#ifndef EXECUTIONER_GRPC_PROC_H
#define EXECUTIONER_GRPC_PROC_H

#include "master.h"

/* Forks the gRPC process unless grpc.port is 0. 0, or -1. */
int grpc_proc_start(struct master *m);

#endif
