/*
 * admit.c - admission control (see admit.h). Buckets refill continuously at rate r up to burst
 * b; per-IP buckets live in a fixed-size open-addressing table, the least recently seen entry
 * being recycled when it is full, so memory stays bounded whatever the clients do.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admit.h"
#include "sha256.h"

struct bucket {
	double tokens, last;
};

struct client {
	char ip[48];
	struct bucket b;
	double seen;
};

static struct bucket global;
static struct client *clients;
static size_t nclients;

int admit_key_ok(const struct config *c, const char *key)
{
	if (!c->api_keys)
		return 1;
	if (!key)
		return 0;
	size_t klen = strlen(key);
	int ok = 0;
	for (int i = 0; c->api_keys[i]; i++) {
		const char *want = c->api_keys[i];
		size_t wlen = strlen(want), n = klen > wlen ? klen : wlen;
		unsigned char diff = (unsigned char)(klen != wlen);
		for (size_t k = 0; k < n; k++)
			diff |= (unsigned char)((k < klen ? key[k] : 0) ^ (k < wlen ? want[k] : 0));
		ok |= diff == 0;
	}
	return ok;
}

/* Takes one token; returns 0, or the seconds until one is there. */
static double take(struct bucket *b, double rate, double burst, double now)
{
	if (b->last == 0) {
		b->tokens = burst;
		b->last = now;
	}
	b->tokens += (now - b->last) * rate;
	if (b->tokens > burst)
		b->tokens = burst;
	b->last = now;
	if (b->tokens >= 1) {
		b->tokens -= 1;
		return 0;
	}
	return (1 - b->tokens) / rate;
}

static struct bucket *client_bucket(const struct config *c, const char *ip, double now)
{
	if (!clients) {
		nclients = (size_t)c->per_ip_table;
		clients = calloc(nclients, sizeof(*clients));
		if (!clients)
			return NULL;
	}
	size_t h = 5381;
	for (const char *p = ip; *p; p++)
		h = h * 33 + (unsigned char)*p;
	size_t oldest = h % nclients;
	for (size_t i = 0; i < 16; i++) { /* probe a short run; recycle the stalest in it */
		size_t k = (h + i) % nclients;
		if (!strcmp(clients[k].ip, ip) || clients[k].ip[0] == '\0') {
			if (clients[k].ip[0] == '\0')
				snprintf(clients[k].ip, sizeof(clients[k].ip), "%s", ip);
			clients[k].seen = now;
			return &clients[k].b;
		}
		if (clients[k].seen < clients[oldest].seen)
			oldest = k;
	}
	memset(&clients[oldest], 0, sizeof(clients[oldest]));
	snprintf(clients[oldest].ip, sizeof(clients[oldest].ip), "%s", ip);
	clients[oldest].seen = now;
	return &clients[oldest].b;
}

static void refuse(struct admit_verdict *v, const char *which, double wait, const char *msg)
{
	v->http = 429;
	v->which = which;
	v->retry_after = wait < 1 ? 1 : wait;
	snprintf(v->msg, sizeof(v->msg), "%s; retry after %.0f s", msg, v->retry_after + 0.49);
}

void admit_check(const struct config *c, const char *ip, int executes, int in_flight, double now,
		 struct admit_verdict *v)
{
	memset(v, 0, sizeof(*v));
	if (executes && c->max_concurrent > 0 && in_flight >= c->max_concurrent) {
		refuse(v, "concurrency", 1, "too many executions in progress");
		return;
	}
	if (c->rate_per_ip > 0) {
		struct bucket *b = client_bucket(c, ip ? ip : "?", now);
		double w = b ? take(b, c->rate_per_ip, c->rate_per_ip_burst, now) : 0;
		if (w > 0) {
			refuse(v, "per_ip", w, "this client is over its request rate");
			return;
		}
	}
	if (c->rate_global > 0) {
		double w = take(&global, c->rate_global, c->rate_global_burst, now);
		if (w > 0)
			refuse(v, "global", w, "the service is over its request rate");
	}
}

void admit_reset(void)
{
	free(clients);
	clients = NULL;
	nclients = 0;
	memset(&global, 0, sizeof(global));
}

void admit_owner(const struct config *c, const char *key, char out[65])
{
	if (c->api_keys && key)
		sha256_hex(key, strlen(key), out);
	else
		out[0] = '\0';
}
