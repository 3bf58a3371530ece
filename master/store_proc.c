/*
 * store_proc.c - the master's side of the store process (see store_proc.h): it is one more
 * child of procs.c with its own callback table; requests wait in a list, in the order sent,
 * until their reply (same id) arrives, and fail when the process dies or takes too long,
 * except job updates, which are sent again to the respawned process, or when the database is
 * back after the store refused them as unavailable.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "procs.h"
#include "store_main.h"
#include "store_proc.h"
#include "wire.h"

#define REPLY_TIMEOUT_MS 30000
#define MAX_OUTSTANDING 4096 /* requests in flight at most (job updates not counted) */
#define UPDATE_RETRY_MS 1000 /* a job update the database refused is sent again after this, */
#define UPDATE_RETRIES 600   /* at most this many times while the store is up */

struct sreq {
	uint32_t id;
	uint16_t type;
	char *json;                  /* kept for updates only, to send again */
	store_reply_fn fn;           /* NULL: an update, or forgotten */
	void *arg;
	int update;
	long sent;
	long retry_at;               /* an update to send again at this time (0: none) */
	int retries;
	struct sreq *next;
};

static struct master *m;
static int index_ = -1;          /* the store's index in procs.c */
static int up, ever_up;
static uint32_t next_id = 1;
static struct sreq *head, *tail;
static int outstanding;
static store_up_fn up_cb;

static void set_down(const char *why)
{
	up = 0;
	m->store_up = 0;
	snprintf(m->store_error, sizeof(m->store_error), "%s", why);
}

static void unlink_req(struct sreq *prev, struct sreq *r)
{
	if (prev)
		prev->next = r->next;
	else
		head = r->next;
	if (tail == r)
		tail = prev;
	if (!r->update)
		outstanding--;
	free(r->json);
	free(r);
}

/* The store went away: waiting callers are told; updates stay to be sent again. */
static void fail_waiting(const char *why)
{
	struct sreq *prev = NULL, *r = head;
	while (r) {
		struct sreq *next = r->next;
		if (r->update) {
			prev = r;
		} else {
			store_reply_fn fn = r->fn;
			void *arg = r->arg;
			unlink_req(prev, r);
			if (fn)
				fn(arg, NULL, why);
		}
		r = next;
	}
}

static void resend_updates(void)
{
	for (struct sreq *r = head; r; r = r->next)
		if (r->update && procs_send(index_, r->type, r->id, r->json) == 0) {
			r->sent = clock_ms();
			r->retry_at = 0;
		}
}

static void on_state(const char *payload, size_t len)
{
	cJSON *o = cJSON_ParseWithLength(payload, len);
	const char *err = cJSON_GetStringValue(cJSON_GetObjectItem(o, "error"));
	const char *backend = cJSON_GetStringValue(cJSON_GetObjectItem(o, "backend"));
	if (backend)
		snprintf(m->store_backend, sizeof(m->store_backend), "%s", backend);
	if (cJSON_IsTrue(cJSON_GetObjectItem(o, "ok"))) {
		int first = !ever_up;
		up = ever_up = 1;
		m->store_up = 1;
		m->store_error[0] = '\0';
		log_info("store: ready (%s)", m->store_backend);
		resend_updates();
		if (up_cb)
			up_cb(first);
	} else {
		set_down(err ? err : "the store cannot open its database");
	}
	cJSON_Delete(o);
}

static void on_reply(uint32_t id, const char *payload, size_t len)
{
	struct sreq *prev = NULL, *r = head;
	for (; r && r->id != id; prev = r, r = r->next)
		;
	if (!r) {
		log_warnx("store: a reply to request %u, which is not waiting", id);
		return;
	}
	cJSON *o = cJSON_ParseWithLength(payload, len);
	if (r->update && !cJSON_IsTrue(cJSON_GetObjectItem(o, "ok"))) {
		const char *err = cJSON_GetStringValue(cJSON_GetObjectItem(o, "error"));
		int retry = cJSON_IsTrue(cJSON_GetObjectItem(o, "retry"));
		if (retry && r->retries++ < UPDATE_RETRIES) {
			log_warnx("store: update %u kept to be sent again: %s", r->type,
				  err ? err : "?");
			r->retry_at = clock_ms() + UPDATE_RETRY_MS; /* or when the store is up */
			cJSON_Delete(o);
			return;
		}
		log_warnx("store: update %u refused: %s", r->type, err ? err : "?");
	}
	store_reply_fn fn = r->fn;
	void *arg = r->arg;
	unlink_req(prev, r);
	if (fn)
		fn(arg, o, o ? NULL : "the store's reply was unreadable");
	cJSON_Delete(o);
}

static void on_message(void *arg, int i, const struct wire_hdr *h, const char *payload)
{
	(void)arg;
	(void)i;
	if (h->type == MSG_ST_REPLY)
		on_reply(h->id, payload, h->len);
	else if (h->type == MSG_ST_STATE)
		on_state(payload, h->len);
	else
		log_warnx("store: unexpected message %u", h->type);
}

static void on_started(void *arg, int i, int respawned)
{
	(void)arg;
	(void)i;
	set_down("the store process is starting");
	if (respawned)
		log_info("store: process respawned; waiting for its database");
}

static void on_died(void *arg, int i)
{
	(void)arg;
	(void)i;
	set_down("the store process died; it is being restarted");
	fail_waiting("the store process died");
}

static const struct procs_cb store_cb = { on_started, on_message, on_died, NULL };

int store_proc_start(struct master *state, store_up_fn on_up)
{
	m = state;
	up_cb = on_up;
	set_down("the store process is starting");
	index_ = procs_add("store", store_main, &store_cb);
	return index_ < 0 ? -1 : 0;
}

int store_proc_up(void)
{
	return up;
}

static struct sreq *enqueue(uint16_t type, cJSON *q, int update)
{
	char *txt = cJSON_PrintUnformatted(q);
	cJSON_Delete(q);
	struct sreq *r = txt ? calloc(1, sizeof(*r)) : NULL;
	if (!r) {
		log_errorx("store: out of memory for request %u", type);
		free(txt);
		return NULL;
	}
	*r = (struct sreq){ .id = next_id++, .type = type, .update = update, .sent = clock_ms() };
	if (!next_id)
		next_id = 1;
	if (up && procs_send(index_, type, r->id, txt) < 0 && !update) {
		free(txt);
		free(r);
		return NULL;
	}
	r->json = update ? txt : (free(txt), NULL);
	if (tail)
		tail->next = r;
	else
		head = r;
	tail = r;
	outstanding += !update;
	return r;
}

uint32_t store_proc_request(uint16_t type, cJSON *q, store_reply_fn fn, void *arg,
			    const char **why)
{
	const char *w = !up ? m->store_error
			: outstanding >= MAX_OUTSTANDING ? "the store has too many requests waiting"
							 : NULL;
	struct sreq *r = w ? NULL : enqueue(type, q, 0);
	if (w)
		cJSON_Delete(q);
	else if (!r)
		w = "the request could not be sent to the store";
	if (why)
		*why = w;
	if (!r)
		return 0;
	r->fn = fn;
	r->arg = arg;
	return r->id;
}

void store_proc_forget(uint32_t id)
{
	for (struct sreq *r = head; r; r = r->next)
		if (r->id == id)
			r->fn = NULL;
}

void store_proc_update(uint16_t type, cJSON *q)
{
	enqueue(type, q, 1); /* while the store is down it is sent when it is back */
}

void store_proc_timers(void)
{
	long t = clock_ms();
	struct sreq *prev = NULL, *r = head;
	while (r) {
		struct sreq *next = r->next;
		if (r->update && r->retry_at && t >= r->retry_at && up) {
			r->retry_at = 0;
			if (procs_send(index_, r->type, r->id, r->json) == 0)
				r->sent = t;
		}
		if (!r->update && t - r->sent > REPLY_TIMEOUT_MS) {
			store_reply_fn fn = r->fn;
			void *arg = r->arg;
			log_warnx("store: request %u unanswered after %d s", r->type,
				  REPLY_TIMEOUT_MS / 1000);
			unlink_req(prev, r);
			if (fn)
				fn(arg, NULL, "the store did not answer in time");
		} else {
			prev = r;
		}
		r = next;
	}
}

void store_proc_stop(void)
{
	fail_waiting("the service stopped");
	while (head)
		unlink_req(NULL, head); /* updates the store never acknowledged: rows the next start
					   runs again */
	up = 0;
}
