/*
 * reuse.h - a worker's side of container reuse (pool.max_uses > 1): after a clean job's answer
 * went out, ask the helper for its reset (H_RESET -> H_RESET_DONE), restore the container's own
 * limits, and say whether the container may go back to its pool.
 */
#ifndef EXECUTIONER_REUSE_H
#define EXECUTIONER_REUSE_H

#include <cjson/cJSON.h>

#include "docker.h"
#include "session.h"

/* Resets the container of spec through s (still attached; closed and freed here). Returns 1
 * when the helper reported a clean reset and the limits are the container's own again, 0 when
 * the container must be discarded (logged). */
int reuse_reset(struct docker *d, const cJSON *spec, struct session *s, int limits_changed);

/* Decodes an H_RESET_DONE payload: *clean, *seq, and the report into rep (NUL-terminated, cut
 * to n). 0, or -1 when it is malformed or lacks a field. */
int reuse_done_decode(const uint8_t *p, size_t len, int *clean, uint64_t *seq, char *rep,
		      size_t n);

#endif
