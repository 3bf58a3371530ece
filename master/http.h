/*
 * http.h - the REST front (libmicrohttpd in external epoll mode, driven by main.c's poll loop):
 * POST /execute, GET /languages, /health, /metrics.
 */
#ifndef EXECUTIONER_HTTP_H
#define EXECUTIONER_HTTP_H

#include "master.h"

/* Listens on m->cfg's address and port; m must outlive the front. 0 or -1 (logged). */
int http_start(struct master *m);
void http_stop_accepting(void);
void http_stop(void);
int http_poll_fd(void);
int http_timeout_ms(void);
void http_run(void);
/* Cancels the jobs of clients that closed their connection while it was suspended. */
void http_sweep_gone(void);

#endif
