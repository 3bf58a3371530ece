/*
 * cb_main.h - the callbacks process: forked by the master (callbacks.c), it checks callback
 * destinations (resolving names, which may block) and delivers callbacks with libcurl's multi
 * interface, so that slow or hostile receivers never hold the master's loop.
 */
#ifndef EXECUTIONER_CB_MAIN_H
#define EXECUTIONER_CB_MAIN_H

#include <stdint.h>

#include "config.h"

#define CB_PROC_NAME "ex-callbacks" /* its name in ps and /proc/PID/comm */

/* Runs on fd (the socketpair) until MSG_SHUTDOWN or EOF; the exit status. */
int cb_main(int fd, uint32_t gen, const struct config *c);

#endif
