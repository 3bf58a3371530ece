/*
 * metrics.c - Prometheus metrics (see metrics.h). Label sets are few (endpoints x codes,
 * languages x statuses), so each family is a small array searched linearly; the gauges are
 * read at render time from the state handed to metrics_render (this file holds no pointer to it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "master.h"
#include "metrics.h"
#include "version.h"

#define MAX_SERIES 512

struct series {
	char labels[160];
	double v;
};

struct family {
	const char *name, *help;
	struct series *s;
	int n;
};

static struct family f_requests = {"executioner_requests_total",
				   "HTTP requests by endpoint and status code", NULL, 0};
static struct family f_exec = {"executioner_executions_total", "Executions by language and status",
			       NULL, 0};
static struct family f_problem = {"executioner_problem_verdicts_total",
				  "Judged submissions of stored problems by problem and verdict",
				  NULL, 0};
static struct family f_limited = {"executioner_rate_limited_total",
				  "Requests refused by admission control (429)", NULL, 0};
static struct family f_callbacks = {
	"executioner_callbacks_total",
	"Callback deliveries by outcome (delivered, failed after retries)", NULL, 0};
static double created, removed, create_failures, restarts, cb_retries;
static double reuses, reset_discards; /* pool.max_uses > 1 */

static const double buckets[] = { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60 };
#define NBUCKETS (sizeof(buckets) / sizeof(buckets[0]))
static const char *const phase_names[PH_COUNT] = { "queue", "compile", "run", "total" };

struct histo {
	char lang[CONF_ID_MAX];
	enum phase ph;
	double count[NBUCKETS], sum, n;
};
static struct histo *histos;
static int nhistos;

static void bump(struct family *f, const char *labels, double by)
{
	for (int i = 0; i < f->n; i++)
		if (!strcmp(f->s[i].labels, labels)) {
			f->s[i].v += by;
			return;
		}
	if (f->n >= MAX_SERIES)
		return;
	struct series *s = realloc(f->s, sizeof(*s) * (size_t)(f->n + 1));
	if (!s)
		return;
	f->s = s;
	snprintf(s[f->n].labels, sizeof(s[f->n].labels), "%s", labels);
	s[f->n++].v = by;
}

/* Label values here are ids we control, but escape anyway (exposition format rules). */
static void label_value(char *out, size_t n, const char *v)
{
	size_t o = 0;
	for (; *v && o + 3 < n; v++) {
		if (*v == '\\' || *v == '"')
			out[o++] = '\\', out[o++] = *v;
		else if (*v == '\n')
			out[o++] = '\\', out[o++] = 'n';
		else
			out[o++] = *v;
	}
	out[o] = '\0';
}

static const char *endpoint_of(const char *path)
{
	static const char *const known[] = {
		"/execute", "/api/v1/execute", "/languages", "/api/v1/languages",
		"/health",  "/api/v1/health",  "/metrics",
		"/v1/spec", "/v1/exec",        "/openapi.json", "/api/v2/runtimes",
		"/api/v2/execute", NULL};
	for (int i = 0; known[i]; i++)
		if (!strcmp(path, known[i]))
			return known[i];
	return "other";
}

void metrics_request(const char *path, int code)
{
	char l[160];
	snprintf(l, sizeof(l), "endpoint=\"%s\",code=\"%d\"", endpoint_of(path), code);
	bump(&f_requests, l, 1);
}

void metrics_execution(const char *lang, const char *status)
{
	char l[160], a[64], b[64];
	label_value(a, sizeof(a), lang);
	label_value(b, sizeof(b), status);
	snprintf(l, sizeof(l), "language=\"%s\",status=\"%s\"", a, b);
	bump(&f_exec, l, 1);
}

void metrics_observe(const char *lang, enum phase ph, double seconds)
{
	struct histo *h = NULL;
	for (int i = 0; i < nhistos; i++)
		if (histos[i].ph == ph && !strcmp(histos[i].lang, lang))
			h = &histos[i];
	if (!h) {
		if (nhistos >= MAX_SERIES)
			return;
		struct histo *n = realloc(histos, sizeof(*n) * (size_t)(nhistos + 1));
		if (!n)
			return;
		histos = n;
		h = &histos[nhistos++];
		memset(h, 0, sizeof(*h));
		snprintf(h->lang, sizeof(h->lang), "%s", lang);
		h->ph = ph;
	}
	for (size_t i = 0; i < NBUCKETS; i++)
		if (seconds <= buckets[i])
			h->count[i]++;
	h->sum += seconds;
	h->n++;
}

void metrics_stats(const cJSON *st)
{
	const char *lang = cJSON_GetStringValue(cJSON_GetObjectItem(st, "lang"));
	const char *status = cJSON_GetStringValue(cJSON_GetObjectItem(st, "status"));
	cJSON *v;
	if ((v = cJSON_GetObjectItem(st, "created")) && cJSON_IsNumber(v))
		created += v->valuedouble;
	if ((v = cJSON_GetObjectItem(st, "removed")) && cJSON_IsNumber(v))
		removed += v->valuedouble;
	if ((v = cJSON_GetObjectItem(st, "create_failed")) && cJSON_IsNumber(v))
		create_failures += v->valuedouble;
	if ((v = cJSON_GetObjectItem(st, "reused")) && cJSON_IsNumber(v))
		reuses += v->valuedouble;
	if ((v = cJSON_GetObjectItem(st, "reset_discarded")) && cJSON_IsNumber(v))
		reset_discards += v->valuedouble;
	if (!lang || !status)
		return;
	metrics_execution(lang, status);
	const char *prob = cJSON_GetStringValue(cJSON_GetObjectItem(st, "problem"));
	if (prob) {
		char l[160], a[72], b[64];
		label_value(a, sizeof(a), prob);
		label_value(b, sizeof(b), status);
		snprintf(l, sizeof(l), "problem=\"%s\",verdict=\"%s\"", a, b);
		bump(&f_problem, l, 1);
	}
	if ((v = cJSON_GetObjectItem(st, "compile_s")) && cJSON_IsNumber(v) && v->valuedouble >= 0)
		metrics_observe(lang, PH_COMPILE, v->valuedouble);
	if ((v = cJSON_GetObjectItem(st, "run_s")) && cJSON_IsNumber(v))
		metrics_observe(lang, PH_RUN, v->valuedouble);
}

void metrics_rate_limited(const char *which)
{
	char l[160];
	snprintf(l, sizeof(l), "limit=\"%s\"", which);
	bump(&f_limited, l, 1);
}

void metrics_worker_restart(void)
{
	restarts++;
}

void metrics_callback(int ok, int attempts)
{
	bump(&f_callbacks, ok ? "outcome=\"delivered\"" : "outcome=\"failed\"", 1);
	cb_retries += attempts > 1 ? attempts - 1 : 0;
}

static void render_family(struct buf *b, const struct family *f)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s counter\n", f->name, f->help, f->name);
	for (int i = 0; i < f->n; i++)
		buf_printf(b, "%s{%s} %.17g\n", f->name, f->s[i].labels, f->s[i].v);
}

static void render_scalar(struct buf *b, const char *name, const char *type, const char *help,
			  double v)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n%s %.17g\n", name, help, name, type, name, v);
}

static void render_histos(struct buf *b)
{
	const char *n = "executioner_execution_duration_seconds";
	buf_printf(b, "# HELP %s Execution time by language and phase"
		   " (queue, compile, run, total)\n# TYPE %s histogram\n", n, n);
	for (int i = 0; i < nhistos; i++) {
		const struct histo *h = &histos[i];
		const char *ph = phase_names[h->ph];
		for (size_t k = 0; k < NBUCKETS; k++)
			buf_printf(b, "%s_bucket{language=\"%s\",phase=\"%s\",le=\"%g\"} %.17g\n",
				   n, h->lang, ph, buckets[k], h->count[k]);
		buf_printf(b, "%s_bucket{language=\"%s\",phase=\"%s\",le=\"+Inf\"} %.17g\n", n,
			   h->lang, ph, h->n);
		buf_printf(b, "%s_sum{language=\"%s\",phase=\"%s\"} %.17g\n", n, h->lang, ph,
			   h->sum);
		buf_printf(b, "%s_count{language=\"%s\",phase=\"%s\"} %.17g\n", n, h->lang, ph,
			   h->n);
	}
}

static void render_state(struct buf *b, const struct master *m)
{
	int busy = 0, alive = 0;
	for (int i = 0; i < m->nslots; i++) {
		alive += m->slots[i].state != SLOT_DEAD;
		busy += m->slots[i].state == SLOT_BUSY;
	}
	render_scalar(b, "executioner_queue_depth", "gauge",
		      "Jobs waiting for a worker or a container", m->queue.len);
	render_scalar(b, "executioner_executions_running", "gauge", "Jobs being executed",
		      m->running);
	render_scalar(b, "executioner_workers_busy", "gauge", "Workers doing a task", busy);
	render_scalar(b, "executioner_workers_alive", "gauge", "Worker processes alive", alive);
	buf_printf(b,
		   "# HELP executioner_pool_ready Containers ready per language (paused or not)\n"
		   "# TYPE executioner_pool_ready gauge\n");
	for (int i = 0; i < m->npools; i++)
		if (!m->pools[i].removed)
			buf_printf(b, "executioner_pool_ready{language=\"%s\"} %d\n",
				   m->pools[i].lang, m->pools[i].nready);
	render_scalar(b, "executioner_engine_up", "gauge", "1 when the Docker engine answers",
		      m->engine_ok);
}

char *metrics_render(const struct master *m)
{
	struct buf b;
	buf_init(&b, 16u << 20);
	render_family(&b, &f_requests);
	render_family(&b, &f_exec);
	render_family(&b, &f_problem);
	render_histos(&b);
	render_state(&b, m);
	render_scalar(&b, "executioner_containers_created_total", "counter",
		      "Pool containers created", created);
	render_scalar(&b, "executioner_containers_removed_total", "counter", "Containers removed",
		      removed);
	render_scalar(&b, "executioner_container_create_failures_total", "counter",
		      "Failed container creations", create_failures);
	render_scalar(&b, "executioner_container_reuses_total", "counter",
		      "Containers reset clean and returned to their pool (pool.max_uses > 1)",
		      reuses);
	render_scalar(&b, "executioner_container_reset_discards_total", "counter",
		      "Containers discarded after a job instead of reused (unclean reset, or a job "
		      "that ended in a limit or an error)", reset_discards);
	render_family(&b, &f_limited);
	render_scalar(&b, "executioner_worker_restarts_total", "counter",
		      "Workers respawned after dying", restarts);
	render_family(&b, &f_callbacks);
	render_scalar(&b, "executioner_callback_retries_total", "counter",
		      "Callback attempts after the first", cb_retries);
	buf_printf(&b, "# HELP executioner_build_info Build information\n"
		   "# TYPE executioner_build_info gauge\n"
		   "executioner_build_info{version=\"%s\"} 1\n", EXECUTIONER_VERSION);
	return buf_steal(&b);
}
