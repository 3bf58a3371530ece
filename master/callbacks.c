/*
 * callbacks.c - the master's side of the callbacks process (see callbacks.h): a URL is first
 * checked here without the network (cbdest_parse); a name that must be resolved is checked by
 * the process (MSG_CB_CHECK). Deliveries (MSG_CB_SEND) wait in a list until MSG_CB_DONE, and
 * are sent again to a respawned process.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "callbacks.h"
#include "cb_main.h"
#include "cbdest.h"
#include "clock.h"
#include "log.h"
#include "metrics.h"
#include "procs.h"
#include "wire.h"

#define CHECK_TIMEOUT_MS 15000
#define MAX_WAITING 1024       /* deliveries in progress at most */
#define MAX_RESENDS 2          /* times a delivery is sent again to a respawned process */

struct cbreq {
	uint32_t id;
	int check;                   /* a MSG_CB_CHECK; else a delivery */
	callbacks_check_fn fn;       /* NULL: forgotten */
	void *arg;
	char *json;                  /* a delivery's message, to send again */
	char url[160];               /* for the log */
	int resends;
	long sent;
	struct cbreq *next;
};

static struct master *m;
static int index_ = -1;
static int up;
static uint32_t next_id = 1;
static struct cbreq *head;
static int ndeliveries;

static struct cbreq *take(uint32_t id)
{
	for (struct cbreq **pp = &head; *pp; pp = &(*pp)->next)
		if ((*pp)->id == id) {
			struct cbreq *r = *pp;
			*pp = r->next;
			ndeliveries -= !r->check;
			return r;
		}
	return NULL;
}

static void req_free(struct cbreq *r)
{
	free(r->json);
	free(r);
}

static void on_message(void *arg, int i, const struct wire_hdr *h, const char *payload)
{
	(void)arg;
	(void)i;
	struct cbreq *r = take(h->id);
	if (!r || (h->type != MSG_CB_REPLY && h->type != MSG_CB_DONE)) {
		log_warnx("callbacks: unexpected message %u (id %u)", h->type, h->id);
		if (r)
			req_free(r);
		return;
	}
	cJSON *o = cJSON_ParseWithLength(payload, h->len);
	int ok = cJSON_IsTrue(cJSON_GetObjectItem(o, "ok"));
	const char *err = cJSON_GetStringValue(cJSON_GetObjectItem(o, "error"));
	if (r->check && r->fn) {
		r->fn(r->arg, ok ? 0 : 400, ok ? NULL : err ? err : "callback_url is not allowed");
	} else if (!r->check) {
		int attempts = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(o, "attempts"));
		metrics_callback(ok, attempts);
		if (ok)
			log_info("callback to %s delivered (attempts: %d)", r->url, attempts);
		else
			log_warnx("callback to %s failed after %d attempts: %s", r->url, attempts,
				  err ? err : "?");
	}
	cJSON_Delete(o);
	req_free(r);
}

/* Checks in flight fail; deliveries wait for the respawned process (a few times). */
static void on_died(void *arg, int i)
{
	(void)arg;
	(void)i;
	up = 0;
	for (struct cbreq **pp = &head; *pp;) {
		struct cbreq *r = *pp;
		if (!r->check && r->resends < MAX_RESENDS) {
			pp = &r->next;
			continue;
		}
		*pp = r->next;
		ndeliveries -= !r->check;
		if (r->check && r->fn)
			r->fn(r->arg, 503, "the callbacks process died; try again");
		if (!r->check) {
			log_warnx("callback to %s dropped: the callbacks process died with it %d "
				  "times", r->url, r->resends + 1);
			metrics_callback(0, 0);
		}
		req_free(r);
	}
}

static void on_started(void *arg, int i, int respawned)
{
	(void)arg;
	(void)i;
	up = 1;
	if (!respawned)
		return;
	log_info("callbacks: process respawned; %d deliveries sent again", ndeliveries);
	for (struct cbreq *r = head; r; r = r->next)
		if (!r->check && procs_send(index_, MSG_CB_SEND, r->id, r->json) == 0)
			r->resends++;
}

static const struct procs_cb cb_table = { on_started, on_message, on_died, NULL };

int callbacks_start(struct master *state)
{
	m = state;
	index_ = procs_add("callbacks", cb_main, &cb_table);
	return index_ < 0 ? -1 : 0;
}

static struct cbreq *enqueue(uint16_t type, cJSON *q, int check, const char *url)
{
	char *txt = cJSON_PrintUnformatted(q);
	cJSON_Delete(q);
	struct cbreq *r = txt ? calloc(1, sizeof(*r)) : NULL;
	if (!r || !up || procs_send(index_, type, next_id, txt) < 0) {
		if (!r || !txt)
			log_errorx("callbacks: out of memory for a message");
		free(txt);
		free(r);
		return NULL;
	}
	*r = (struct cbreq){ .id = next_id++, .check = check, .sent = clock_ms(), .next = head };
	snprintf(r->url, sizeof(r->url), "%s", url);
	if (!next_id)
		next_id = 1;
	r->json = check ? (free(txt), NULL) : txt;
	head = r;
	ndeliveries += !check;
	return r;
}

int callbacks_check(const char *url, callbacks_check_fn fn, void *arg, uint32_t *id, int *http,
		    char *why, size_t n)
{
	struct cbdest d;
	*http = 400;
	int rc = cbdest_parse(url, m->cfg.cb_allow, &d, why, n);
	if (rc <= 0)
		return rc;
	cJSON *q = cJSON_CreateObject();
	cJSON_AddStringToObject(q, "url", url);
	struct cbreq *r = enqueue(MSG_CB_CHECK, q, 1, url);
	if (!r) {
		*http = 503;
		snprintf(why, n, "callback_url could not be checked: the callbacks process is "
			 "down");
		return -1;
	}
	r->fn = fn;
	r->arg = arg;
	*id = r->id;
	return 1;
}

void callbacks_forget(uint32_t id)
{
	for (struct cbreq *r = head; r; r = r->next)
		if (r->id == id)
			r->fn = NULL;
}

int callbacks_send(const char *url, const char *method, const char *body, size_t len)
{
	const char *why = len > (size_t)m->cfg.cb_body_kb * 1024 ? "the body is over "
								   "callbacks.max_body_kb"
			  : ndeliveries >= MAX_WAITING		  ? "too many callbacks in progress"
			  : strlen(body) != len			  ? "the body holds a NUL byte"
								  : NULL;
	cJSON *q = why ? NULL : cJSON_CreateObject();
	if (q) {
		cJSON_AddStringToObject(q, "url", url);
		cJSON_AddStringToObject(q, "method", method);
		cJSON_AddStringToObject(q, "body", body);
		if (!enqueue(MSG_CB_SEND, q, 0, url))
			why = "the callbacks process is down";
	}
	if (!why)
		return 0;
	log_warnx("callback to %s not sent: %s", url, why);
	metrics_callback(0, 0);
	return -1;
}

void callbacks_timers(void)
{
	long t = clock_ms();
	for (struct cbreq **pp = &head; *pp;) {
		struct cbreq *r = *pp;
		if (!r->check || t - r->sent < CHECK_TIMEOUT_MS) {
			pp = &r->next;
			continue;
		}
		*pp = r->next;
		if (r->fn)
			r->fn(r->arg, 503, "callback_url could not be checked in time");
		req_free(r);
	}
}

void callbacks_stop(void)
{
	if (ndeliveries)
		log_warnx("callbacks: %d deliveries unconfirmed at the stop (attempts in "
			  "flight had 2 s to end; retries not begun are dropped)", ndeliveries);
	while (head) {
		struct cbreq *r = head;
		head = r->next;
		if (r->check && r->fn)
			r->fn(r->arg, 503, "the service stopped");
		req_free(r);
	}
	ndeliveries = 0;
	up = 0;
}
