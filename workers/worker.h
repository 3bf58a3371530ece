/*
 * worker.h - the worker process: one job at a time end to end (container, stream, limits,
 * result) and pool upkeep (create, remove), driven by framed messages from the master.
 */
#ifndef EXECUTIONER_WORKER_H
#define EXECUTIONER_WORKER_H

#include <stdint.h>

#include "config.h"

/* Runs the worker loop on fd (its socketpair end) until SHUTDOWN or EOF; returns the exit
 * status. */
int worker_main(int fd, uint32_t gen, const struct config *c);

#endif
