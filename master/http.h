/*
 * http.h - the REST front's plumbing (libmicrohttpd in external epoll mode, driven by main.c's
 * poll loop); its endpoints are the router given at start (http_routes.h).
 */
#ifndef EXECUTIONER_HTTP_H
#define EXECUTIONER_HTTP_H

#include "master.h"

struct http_router;

/* Listens on m->cfg's address and port and hands each request to r; m and r must outlive the
 * front. 0 or -1 (logged). */
int http_start(struct master *m, const struct http_router *r);
void http_stop_accepting(void);
void http_stop(void);
int http_poll_fd(void);
int http_timeout_ms(void);
void http_run(void);
/* Cancels the jobs of clients that closed their connection while it was suspended. */
void http_sweep_gone(void);

#endif
