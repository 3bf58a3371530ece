/*
 * admit.h - admission control before any work is done: API keys (constant-time compare), a
 * global and a per-client-IP token bucket, and a cap on concurrent executions.
 */
#ifndef EXECUTIONER_ADMIT_H
#define EXECUTIONER_ADMIT_H

#include <stddef.h>

#include "config.h"

struct admit_verdict {
	int http;          /* 0 = admitted; 401 or 429 */
	double retry_after; /* seconds, for 429 */
	const char *which;  /* "global", "per_ip", "concurrency" */
	char msg[160];
};

/* Is the presented key (may be NULL) one of the configured keys? Constant time per key. */
int admit_key_ok(const struct config *c, const char *key);
/* Whose request this is: the key's SHA-256 in hex with API keys configured, "" without (or
 * without a key). Submissions are stored under it; pool.reuse_scope "key" reuses by it. */
void admit_owner(const struct config *c, const char *key, char out[65]);
/* Takes a token for this client (and a concurrency slot check when executing), or refuses. */
void admit_check(const struct config *c, const char *client_ip, int executes, int in_flight,
		 double now_s, struct admit_verdict *v);
void admit_reset(void);

#endif
