/*
 * cb_main.c - the callbacks process (see cb_main.h): MSG_CB_CHECK answered at once, each
 * MSG_CB_SEND a delivery driven by curl_multi_poll beside the master's socket: the host
 * resolved and checked again at each attempt and the connection pinned to the address checked
 * (CURLOPT_RESOLVE), no redirect, http(s) only, a timeout per attempt, exponential backoff.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "buf.h"
#include "cb_main.h"
#include "cbdest.h"
#include "clock.h"
#include "hmac.h"
#include "jsonutil.h"
#include "log.h"
#include "wire.h"

#define MAX_DELIVERIES 1024            /* in progress at most; more fail at once */
#define ANSWER_CAP (64u << 10)         /* bytes of a receiver's answer read; then cut off */
#define MAX_BACKOFF_MS 300000
#define STOP_GRACE_MS 2000             /* a stop lets attempts in flight end this long */

struct dlv {
	uint32_t id;
	char *url, *method, *body;
	size_t len;
	char sig[128];               /* the signature header, or "" */
	int attempt;                 /* attempts begun */
	long next_at;                /* when the next one begins (not in flight) */
	CURL *easy;                  /* in flight */
	struct curl_slist *hdrs, *pin;
	size_t got;                  /* answer bytes read this attempt */
	long http;
	char error[300];
	struct dlv *next;
};

struct cbx {
	int fd;
	uint32_t gen;
	const struct config *cfg;
	CURLM *multi;
	struct dlv *head;
	int n;
};

static void send_json(struct cbx *x, uint16_t type, uint32_t id, cJSON *o)
{
	char *txt = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!txt)
		return;
	struct buf b;
	buf_init(&b, (1u << 20) + WIRE_HDR_LEN);
	if (wire_pack(&b, type, id, x->gen, txt, strlen(txt)) == 0)
		wire_write_all(x->fd, b.data, b.len);
	buf_free(&b);
	free(txt);
}

static void reply(struct cbx *x, uint16_t type, uint32_t id, const char *err, int attempts,
		  long http)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddBoolToObject(o, "ok", !err);
	if (err)
		cJSON_AddStringToObject(o, "error", err);
	if (type == MSG_CB_DONE) {
		cJSON_AddNumberToObject(o, "attempts", attempts);
		cJSON_AddNumberToObject(o, "http", (double)http);
	}
	send_json(x, type, id, o);
}

/* Checks url (resolving its host when it is not listed): 0, or -1 with why. */
static int check_url(const struct config *c, const char *url, char *pin, size_t pinlen,
		     char *why, size_t n)
{
	struct cbdest d;
	pin[0] = '\0';
	if (cbdest_parse(url, c->cb_allow, &d, why, n) < 0)
		return -1;
	return d.literal ? 0 : cbdest_resolve(&d, c->cb_allow, pin, pinlen, why, n);
}

static size_t on_answer(char *p, size_t size, size_t nmemb, void *arg)
{
	(void)p;
	struct dlv *d = arg;
	d->got += size * nmemb;
	return d->got > ANSWER_CAP ? 0 : size * nmemb; /* 0: curl stops reading */
}

static void attempt_clear(struct cbx *x, struct dlv *d)
{
	if (d->easy) {
		curl_multi_remove_handle(x->multi, d->easy);
		curl_easy_cleanup(d->easy);
	}
	curl_slist_free_all(d->hdrs);
	curl_slist_free_all(d->pin);
	d->easy = NULL;
	d->hdrs = d->pin = NULL;
}

static void dlv_free(struct cbx *x, struct dlv *d)
{
	struct dlv **pp = &x->head;
	while (*pp && *pp != d)
		pp = &(*pp)->next;
	if (*pp)
		*pp = d->next;
	attempt_clear(x, d);
	free(d->url);
	free(d->method);
	free(d->body);
	free(d);
	x->n--;
}

/* The delivery is over: the master is told, and it is freed. */
static void dlv_end(struct cbx *x, struct dlv *d, int ok)
{
	reply(x, MSG_CB_DONE, d->id, ok ? NULL : d->error, d->attempt, d->http);
	dlv_free(x, d);
}

/* This attempt failed: another one later, or the end. */
static void dlv_failed(struct cbx *x, struct dlv *d)
{
	attempt_clear(x, d);
	if (d->attempt > x->cfg->cb_retries) {
		dlv_end(x, d, 0);
		return;
	}
	long wait = x->cfg->cb_backoff_ms;
	for (int i = 1; i < d->attempt && wait < MAX_BACKOFF_MS; i++)
		wait *= 2;
	d->next_at = clock_ms() + (wait < MAX_BACKOFF_MS ? wait : MAX_BACKOFF_MS);
	log_info("callback to %s: attempt %d failed (%s); next in %ld ms", d->url, d->attempt,
		 d->error, wait);
}

static int easy_setup(struct cbx *x, struct dlv *d, const char *pin)
{
	CURL *e = d->easy;
	d->hdrs = curl_slist_append(NULL, "Content-Type: application/json");
	d->hdrs = curl_slist_append(d->hdrs, "User-Agent: executioner-callbacks");
	d->hdrs = curl_slist_append(d->hdrs, "Expect:");
	if (d->sig[0])
		d->hdrs = curl_slist_append(d->hdrs, d->sig);
	if (pin[0])
		d->pin = curl_slist_append(NULL, pin);
	if (!d->hdrs || (pin[0] && !d->pin))
		return -1;
	long t = x->cfg->cb_timeout_ms;
	int rc = curl_easy_setopt(e, CURLOPT_URL, d->url) |
		 curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") |
		 curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") |
		 curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L) |
		 curl_easy_setopt(e, CURLOPT_PROXY, "") | /* no proxy from the environment */
		 curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) |
		 curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, t) |
		 curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, t) |
		 curl_easy_setopt(e, CURLOPT_HTTPHEADER, d->hdrs) |
		 curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, d->method) |
		 curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)d->len) |
		 curl_easy_setopt(e, CURLOPT_POSTFIELDS, d->body) |
		 curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_answer) |
		 curl_easy_setopt(e, CURLOPT_WRITEDATA, d) |
		 curl_easy_setopt(e, CURLOPT_PRIVATE, d);
	if (d->pin)
		rc |= curl_easy_setopt(e, CURLOPT_RESOLVE, d->pin);
	return rc == CURLE_OK ? 0 : -1;
}

static void attempt_begin(struct cbx *x, struct dlv *d)
{
	char pin[600];
	d->attempt++;
	d->got = 0;
	d->http = 0;
	if (check_url(x->cfg, d->url, pin, sizeof(pin), d->error, sizeof(d->error)) < 0) {
		log_warnx("callback %u: %s", d->id, d->error);
		dlv_failed(x, d);
		return;
	}
	d->easy = curl_easy_init();
	if (!d->easy || easy_setup(x, d, pin) < 0 ||
	    curl_multi_add_handle(x->multi, d->easy) != CURLM_OK) {
		snprintf(d->error, sizeof(d->error), "the request could not be prepared");
		dlv_failed(x, d);
	}
}

/* Begins the attempts that are due; the ms until the next one (at most 1000). */
static long begin_due(struct cbx *x)
{
	long t = clock_ms(), wait = 1000;
	for (struct dlv *d = x->head, *next; d; d = next) {
		next = d->next;
		if (d->easy)
			continue;
		if (d->next_at <= t)
			attempt_begin(x, d);
		else if (d->next_at - t < wait)
			wait = d->next_at - t;
	}
	return wait;
}

static void attempt_done(struct cbx *x, CURL *e, CURLcode res)
{
	struct dlv *d = NULL;
	curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&d);
	if (!d)
		return;
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &d->http);
	/* an answer past the cap is cut off (CURLE_WRITE_ERROR): its status stands */
	int read = res == CURLE_OK || (res == CURLE_WRITE_ERROR && d->got > ANSWER_CAP);
	if (read && d->http >= 200 && d->http < 300) {
		dlv_end(x, d, 1);
		return;
	}
	if (read)
		snprintf(d->error, sizeof(d->error), "the receiver answered HTTP %ld", d->http);
	else
		snprintf(d->error, sizeof(d->error), "%s", curl_easy_strerror(res));
	dlv_failed(x, d);
}

static void reap_done(struct cbx *x)
{
	CURLMsg *msg;
	int left;
	while ((msg = curl_multi_info_read(x->multi, &left)))
		if (msg->msg == CURLMSG_DONE)
			attempt_done(x, msg->easy_handle, msg->data.result);
}

static void on_send(struct cbx *x, uint32_t id, const cJSON *q)
{
	const cJSON *b = cJSON_GetObjectItem(q, "body");
	const char *url = json_str(q, "url", NULL), *method = json_str(q, "method", NULL);
	struct dlv *d = url && method && cJSON_IsString(b) && x->n < MAX_DELIVERIES
				? calloc(1, sizeof(*d))
				: NULL;
	if (!d) {
		reply(x, MSG_CB_DONE, id, x->n >= MAX_DELIVERIES ? "too many callbacks in progress"
								 : "a malformed delivery",
		      0, 0);
		return;
	}
	d->id = id;
	d->url = strdup(url);
	d->method = strdup(method);
	d->body = strdup(b->valuestring);
	d->len = d->body ? strlen(d->body) : 0;
	d->next_at = clock_ms();
	d->next = x->head;
	x->head = d;
	x->n++;
	const char *key = x->cfg->cb_secret;
	char hex[65];
	if (!d->url || !d->method || !d->body ||
	    (*key && hmac_sha256_hex(key, strlen(key), d->body, d->len, hex) < 0)) {
		snprintf(d->error, sizeof(d->error), "out of memory");
		dlv_end(x, d, 0);
		return;
	}
	if (*key)
		snprintf(d->sig, sizeof(d->sig), "X-Executioner-Signature: sha256=%s", hex);
}

static void on_check(struct cbx *x, uint32_t id, const cJSON *q)
{
	char pin[600], why[300];
	const char *url = json_str(q, "url", NULL);
	if (!url)
		reply(x, MSG_CB_REPLY, id, "callback_url is missing", 0, 0);
	else
		reply(x, MSG_CB_REPLY, id,
		      check_url(x->cfg, url, pin, sizeof(pin), why, sizeof(why)) < 0 ? why : NULL,
		      0, 0);
}

/* One message from the master: 0, or -1 to stop. */
static int serve_one(struct cbx *x, struct buf *b, uint32_t cap)
{
	struct wire_hdr h;
	if (wire_read_msg(x->fd, b, &h, cap, -1) < 0 || h.type == MSG_SHUTDOWN)
		return -1; /* EOF: the master is gone or stopping */
	cJSON *q = cJSON_ParseWithLength(b->data + WIRE_HDR_LEN, h.len);
	if (h.type == MSG_CB_SEND)
		on_send(x, h.id, q);
	else if (h.type == MSG_CB_CHECK)
		on_check(x, h.id, q);
	else
		log_warnx("callbacks: unexpected message %u", h.type);
	cJSON_Delete(q);
	return 0;
}

static int in_flight(const struct cbx *x)
{
	for (const struct dlv *d = x->head; d; d = d->next)
		if (d->easy)
			return 1;
	return 0;
}

int cb_main(int fd, uint32_t gen, const struct config *c)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0) {
		log_error("prctl(PR_SET_PDEATHSIG)");
		return 1;
	}
	if (prctl(PR_SET_NAME, CB_PROC_NAME) < 0)
		log_warn("prctl(PR_SET_NAME)");
	struct cbx x = { .fd = fd, .gen = gen, .cfg = c, .multi = curl_multi_init() };
	if (!x.multi) {
		log_errorx("callbacks: curl_multi_init failed");
		return 1;
	}
	curl_multi_setopt(x.multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, 64L);
	/* a body and a URL escaped as JSON strings: 6 bytes per byte at worst */
	uint32_t cap = (uint32_t)c->cb_body_kb * 1024 * 6 + 6 * CBDEST_URL_MAX + 4096;
	cap = cap < WIRE_MAX_PAYLOAD ? cap : WIRE_MAX_PAYLOAD;
	struct buf b;
	buf_init(&b, cap + WIRE_HDR_LEN);
	long stop_at = 0; /* after MSG_SHUTDOWN: the attempts in flight may end until then */
	for (;;) {
		long wait = stop_at ? 100 : begin_due(&x);
		struct curl_waitfd w = { .fd = fd, .events = CURL_WAIT_POLLIN };
		int running;
		if (curl_multi_poll(x.multi, &w, stop_at ? 0 : 1, (int)wait, NULL) != CURLM_OK)
			break;
		curl_multi_perform(x.multi, &running);
		reap_done(&x);
		if (stop_at && (!in_flight(&x) || clock_ms() > stop_at))
			break;
		if (!stop_at && (w.revents & CURL_WAIT_POLLIN) && serve_one(&x, &b, cap) < 0) {
			stop_at = clock_ms() + STOP_GRACE_MS;
			if (!in_flight(&x))
				break;
		}
	}
	if (x.n)
		log_warnx("callbacks: %d deliveries not finished at the stop", x.n);
	while (x.head)
		dlv_free(&x, x.head);
	buf_free(&b);
	curl_multi_cleanup(x.multi);
	return 0;
}
