/*
 * metrics.h - the master's counters, gauges and histograms, served as Prometheus text
 * exposition (format 0.0.4) by GET /metrics. Workers report job outcomes and container events
 * in MSG_STATS messages; the master counts requests, rate-limit refusals and worker restarts.
 */
#ifndef EXECUTIONER_METRICS_H
#define EXECUTIONER_METRICS_H

#include <cjson/cJSON.h>

#include "master.h"

enum phase { PH_QUEUE = 0, PH_COMPILE, PH_RUN, PH_TOTAL, PH_COUNT };

void metrics_request(const char *path, int code);
void metrics_execution(const char *lang, const char *status);
void metrics_observe(const char *lang, enum phase ph, double seconds);
void metrics_stats(const cJSON *stats); /* a worker's MSG_STATS payload */
void metrics_rate_limited(const char *which);
void metrics_worker_restart(void);
/* A callback's delivery is over: delivered (ok) or failed after retries; attempts made. */
void metrics_callback(int ok, int attempts);
/* The whole exposition (malloc'd): the counters, and gauges read from m. NULL when out of
 * memory. */
char *metrics_render(const struct master *m);

#endif
