/*
 * store_problems.h - stored problems inside the store process (MSG_ST_PROB_* in wire.h): the
 * test data on disk under problems.data_dir (blobs by SHA-256, a manifest per version and a
 * "current" file for the workers) and the metadata rows through the store.h back-end.
 */
#ifndef EXECUTIONER_STORE_PROBLEMS_H
#define EXECUTIONER_STORE_PROBLEMS_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "config.h"
#include "store.h"
#include "wire.h"

struct store_problems_ctx {
	const struct config *cfg;
	const struct store_ops *ops;
	struct store *s;             /* NULL while the database is not open */
};

/* One MSG_ST_PROB_* request: 0 with out filled ("http" and "message" when refused: 404, 409,
 * 413), or -1 with e set. */
int store_problems_handle(const struct store_problems_ctx *x, uint16_t type, const cJSON *q,
			  cJSON *out, struct store_error *e);

#endif
