/*
 * http_routes.h - the REST front's endpoints (http_routes.c), given to http_start() as its
 * router: main.c wires the two, so the server plumbing (http.c) never names a route.
 */
#ifndef EXECUTIONER_HTTP_ROUTES_H
#define EXECUTIONER_HTTP_ROUTES_H

#include "master.h"

struct http_router;

/* The router for http_start(); m must outlive the front. */
const struct http_router *http_routes(struct master *m);

#endif
