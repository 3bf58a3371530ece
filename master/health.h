/*
 * health.h - the body of GET /health: status (starting, healthy, unhealthy, stopping), the
 * engine's reachability, workers, queue and per-language pools, read from the master's state.
 */
#ifndef EXECUTIONER_HEALTH_H
#define EXECUTIONER_HEALTH_H

#include <cjson/cJSON.h>

#include "master.h"

cJSON *health_render(const struct master *m);
/* The HTTP status of /health: 200, or 503 while the engine is unreachable. */
int health_http_status(const struct master *m);

#endif
