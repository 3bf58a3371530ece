/*
 * fuzz_request.c - libFuzzer target: arbitrary bytes as a POST /execute body through the
 * request validator (master/request.c) against the shipped config. It must never crash, leak
 * or accept a job that breaks the limits.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "request.h"

static struct config cfg;
static int loaded;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!loaded) {
		struct config_error e;
		if (config_load("executioner.conf", &cfg, &e) < 0) {
			fprintf(stderr, "%s\n", e.msg);
			abort();
		}
		loaded = 1;
	}
	cJSON *job = NULL;
	struct req_error e;
	if (request_parse((const char *)data, size, &cfg, &job, &e) == 0) {
		const cJSON *t = cJSON_GetObjectItem(job, "time_ms");
		if (!cJSON_IsNumber(t) || t->valuedouble <= 0 ||
		    t->valuedouble > cfg.max_time_s * 1000 + 1)
			abort();
		cJSON_Delete(job);
	} else {
		if (e.http < 400 || e.http > 499)
			abort();
		free(request_error_json(&e));
	}
	return 0;
}
