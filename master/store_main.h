/*
 * store_main.h - the store process: forked by the master (store_proc.c), it owns the database
 * and answers the master's requests (wire.h, MSG_ST_*) one at a time, so only it ever waits on
 * the database; it also sweeps old submissions.
 */
#ifndef EXECUTIONER_STORE_MAIN_H
#define EXECUTIONER_STORE_MAIN_H

#include <stdint.h>

#include "config.h"

#define STORE_PROC_NAME "ex-store" /* its name in ps and /proc/PID/comm */

/* Runs on fd (the socketpair) until MSG_SHUTDOWN or EOF; the exit status. */
int store_main(int fd, uint32_t gen, const struct config *c);

#endif
