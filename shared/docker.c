/*
 * docker.c - the Docker Engine API client over the engine's unix socket: one reusable libcurl
 * easy handle (keep-alive), a timeout on every call, bodies capped at 8 MiB, and typed errors
 * carrying the engine's own message. Hijacked streams and the demultiplexer: docker_stream.c.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* asprintf, memmem, strndup (also set by the Makefile) */
#endif
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "docker.h"
#include "docker_priv.h"
#include "log.h"

#define BODY_MAX ((size_t)8 << 20) /* cap on any response body */
#define PULL_LINE_MAX (64 * 1024)  /* cap on one line of the pull's progress stream */
#define PULL_RAW_MAX (64 * 1024)   /* first bytes of a pull's body, kept for an error message */

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc;

static void global_init(void)
{
	global_rc = curl_global_init(CURL_GLOBAL_ALL);
}

/* ---- errors ---- */

int docker_fail(struct docker *d, enum docker_errkind kind, int http, const char *method,
		const char *path, const char *fmt, ...)
{
	va_list ap;
	d->err.kind = kind;
	d->err.http = http;
	va_start(ap, fmt);
	vsnprintf(d->err.msg, sizeof(d->err.msg), fmt, ap);
	va_end(ap);
	/* A missing object is an everyday answer (callers probe with inspect/remove). */
	enum log_level lv = (kind == DOCKER_E_HTTP && http == 404) ? LOG_DEBUG : LOG_WARN;
	if (kind == DOCKER_E_HTTP)
		log_msg(lv, "docker %s %s: HTTP %d: %s", method, path, http, d->err.msg);
	else
		log_msg(lv, "docker %s %s: %s", method, path, d->err.msg);
	return -1;
}

void docker_reset_error(struct docker *d)
{
	d->err.kind = DOCKER_OK;
	d->err.http = 0;
	d->err.msg[0] = '\0';
}

void docker_http_error(struct docker *d, long status, const char *body, size_t len,
		       const char *method, const char *path)
{
	cJSON *j = (body && len) ? cJSON_ParseWithLength(body, len) : NULL;
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "message");
	if (cJSON_IsString(m) && m->valuestring && m->valuestring[0]) {
		docker_fail(d, DOCKER_E_HTTP, (int)status, method, path, "%s", m->valuestring);
	} else {
		while (len > 0 && isspace((unsigned char)body[0]))
			body++, len--;
		while (len > 0 && isspace((unsigned char)body[len - 1]))
			len--;
		if (len > 0)
			docker_fail(d, DOCKER_E_HTTP, (int)status, method, path, "%.*s", (int)len,
				    body);
		else
			docker_fail(d, DOCKER_E_HTTP, (int)status, method, path, "HTTP %ld",
				    status);
	}
	cJSON_Delete(j);
}

/* ---- the handle ---- */

struct docker *docker_open(const char *sock, const char *api, long timeout_ms)
{
	pthread_once(&global_once, global_init);
	if (global_rc != CURLE_OK) {
		log_warnx("docker: curl_global_init failed: %s", curl_easy_strerror(global_rc));
		return NULL;
	}
	struct docker *d = calloc(1, sizeof(*d));
	if (!d) {
		log_warnx("docker: out of memory");
		return NULL;
	}
	if (!api)
		api = "v1.41";
	d->sock = strdup(sock ? sock : "/var/run/docker.sock");
	if (asprintf(&d->prefix, "%s%s%s", api[0] ? "/" : "", (api[0] && api[0] != 'v') ? "v" : "",
		     api) < 0)
		d->prefix = NULL;
	d->timeout_ms = timeout_ms > 0 ? timeout_ms : 30000;
	d->curl = curl_easy_init();
	if (!d->sock || !d->prefix || !d->curl) {
		log_warnx("docker: cannot set up a client for %s",
			  sock ? sock : "(default socket)");
		docker_close(d);
		return NULL;
	}
	return d;
}

void docker_close(struct docker *d)
{
	if (!d)
		return;
	if (d->curl)
		curl_easy_cleanup(d->curl);
	free(d->sock);
	free(d->prefix);
	free(d);
}

const struct docker_error *docker_last_error(const struct docker *d)
{
	return &d->err;
}

/* ---- one request ---- */

struct req {
	const char *method, *path, *body;
	long timeout_ms;
	curl_write_callback sink;
	void *ctx;
	const int *over; /* set by the sink when the body passed its cap */
};

static void set_method(CURL *c, const char *method, const char *body)
{
	if (strcmp(method, "GET") == 0 && !body) {
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
		return;
	}
	if (strcmp(method, "POST") == 0)
		curl_easy_setopt(c, CURLOPT_POST, 1L);
	else
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (body || strcmp(method, "POST") == 0) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)(body ? strlen(body) : 0));
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
	}
}

void docker_transport_error(struct docker *d, CURL *c, CURLcode rc, const char *errbuf,
			    const char *method, const char *path, long timeout_ms)
{
	long oserr = 0;
	curl_easy_getinfo(c, CURLINFO_OS_ERRNO, &oserr);
	const char *detail = (errbuf && errbuf[0]) ? errbuf : curl_easy_strerror(rc);
	if (rc == CURLE_OPERATION_TIMEDOUT)
		docker_fail(d, DOCKER_E_TRANSPORT, 0, method, path,
			    "the Docker engine at %s did not answer within %ld ms", d->sock,
			    timeout_ms);
	else if (rc == CURLE_COULDNT_CONNECT && oserr)
		docker_fail(d, DOCKER_E_TRANSPORT, 0, method, path,
			    "cannot reach the Docker engine at %s: %s (%s)", d->sock,
			    curl_easy_strerror(rc), strerror((int)oserr));
	else if (rc == CURLE_COULDNT_CONNECT)
		docker_fail(d, DOCKER_E_TRANSPORT, 0, method, path,
			    "cannot reach the Docker engine at %s: %s", d->sock,
			    curl_easy_strerror(rc));
	else
		docker_fail(d, DOCKER_E_TRANSPORT, 0, method, path,
			    "talking to the Docker engine at %s failed: %s", d->sock, detail);
}

/* Runs one request on the shared handle; 0 with *status set, or -1 with the error set. */
static int perform(struct docker *d, const struct req *r, long *status)
{
	CURL *c = d->curl;
	long t = r->timeout_ms > 0 ? r->timeout_ms : d->timeout_ms;
	char *url = NULL;
	struct curl_slist *hdr = curl_slist_append(NULL, "Expect:");
	if (hdr && r->body)
		hdr = curl_slist_append(hdr, "Content-Type: application/json");
	if (!hdr || asprintf(&url, "http://localhost%s%s", d->prefix, r->path) < 0) {
		curl_slist_free_all(hdr);
		docker_fail(d, DOCKER_E_TRANSPORT, 0, r->method, r->path, "out of memory");
		return -1;
	}
	curl_easy_reset(c); /* keeps the live connection */
	d->errbuf[0] = '\0';
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, d->sock);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, t);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
			 t < DOCKER_CONNECT_MAX_MS ? t : DOCKER_CONNECT_MAX_MS);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, d->errbuf);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, r->sink);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r->ctx);
	set_method(c, r->method, r->body);
	CURLcode rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	else if (r->over && *r->over)
		docker_fail(d, DOCKER_E_LIMIT, 0, r->method, r->path,
			    "the engine's answer is over the %zu-byte cap", BODY_MAX);
	else if (rc == CURLE_WEIRD_SERVER_REPLY)
		docker_fail(d, DOCKER_E_PROTO, 0, r->method, r->path,
			    "not an HTTP answer from the engine: %s", d->errbuf);
	else
		docker_transport_error(d, c, rc, d->errbuf, r->method, r->path, t);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hdr);
	free(url);
	return rc == CURLE_OK ? 0 : -1;
}

struct sink {
	struct buf *b;
	int over;
};

static size_t sink_buf(char *p, size_t sz, size_t nm, void *ctx)
{
	struct sink *s = ctx;
	if (buf_append(s->b, p, sz * nm) < 0) {
		s->over = 1;
		return 0;
	}
	return sz * nm;
}

int docker_call(struct docker *d, const char *method, const char *path, const char *body,
		struct buf *out, long timeout_ms)
{
	docker_reset_error(d);
	struct buf b;
	buf_init(&b, BODY_MAX);
	struct sink s = { &b, 0 };
	struct req r = { method, path, body, timeout_ms, sink_buf, &s, &s.over };
	long status = 0;
	int rc = perform(d, &r, &status);
	if (rc == 0 && status >= 400) {
		docker_http_error(d, status, b.data, b.len, method, path);
		rc = -1;
	}
	if (rc == 0 && out) {
		buf_reset(out);
		if (buf_append(out, b.data ? b.data : "", b.len) < 0) {
			docker_fail(d, DOCKER_E_LIMIT, 0, method, path,
				    "the engine's answer (%zu bytes) is over the caller's cap",
				    b.len);
			rc = -1;
		}
	}
	buf_free(&b);
	return rc < 0 ? -1 : (int)status;
}

/* ---- JSON helpers ---- */

int docker_call_json(struct docker *d, const char *method, const char *path, const cJSON *spec,
		     cJSON **out)
{
	char *body = NULL;
	if (out)
		*out = NULL;
	if (spec && !(body = cJSON_PrintUnformatted(spec)))
		return docker_fail(d, DOCKER_E_PROTO, 0, method, path,
				   "cannot serialize the request body");
	struct buf b;
	buf_init(&b, BODY_MAX);
	int st = docker_call(d, method, path, body, out ? &b : NULL, 0);
	cJSON_free(body);
	if (st >= 0 && out) {
		*out = cJSON_ParseWithLength(b.data ? b.data : "", b.len);
		if (!*out) {
			docker_fail(d, DOCKER_E_PROTO, 0, method, path,
				    "unparseable answer from the engine: %.100s",
				    b.data ? b.data : "");
			st = -1;
		}
	}
	buf_free(&b);
	return st < 0 ? -1 : 0;
}

/* Copies j's "Id" into id and frees j. */
static int take_id(struct docker *d, cJSON *j, char id[65], const char *method, const char *path)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "Id");
	int ok = cJSON_IsString(v) && v->valuestring[0] && strlen(v->valuestring) <= 64;
	if (ok)
		strcpy(id, v->valuestring);
	else
		docker_fail(d, DOCKER_E_PROTO, 0, method, path,
			    "the engine's answer has no usable \"Id\"");
	cJSON_Delete(j);
	return ok ? 0 : -1;
}

char *docker_obj_path(struct docker *d, const char *coll, const char *id, const char *rest)
{
	char *e = id ? curl_easy_escape(d->curl, id, 0) : NULL;
	char *p = NULL;
	if (!e || asprintf(&p, "/%s/%s%s", coll, e, rest ? rest : "") < 0)
		p = NULL;
	curl_free(e);
	if (!p) {
		docker_fail(d, DOCKER_E_PROTO, 0, "-", coll, "cannot build a request path for %s",
			    id ? id : "(no id)");
	}
	return p;
}

static int obj_call(struct docker *d, const char *method, const char *coll, const char *id,
		    const char *rest, const cJSON *spec, cJSON **out)
{
	char *path = docker_obj_path(d, coll, id, rest);
	if (!path)
		return -1;
	int rc = docker_call_json(d, method, path, spec, out);
	free(path);
	return rc;
}

/* ---- engine and images ---- */

int docker_ping(struct docker *d)
{
	return docker_call(d, "GET", "/_ping", NULL, NULL, 0) < 0 ? -1 : 0;
}

int docker_version(struct docker *d, char *out, size_t outlen)
{
	cJSON *j;
	if (docker_call_json(d, "GET", "/version", NULL, &j) < 0)
		return -1;
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "Version");
	int ok = cJSON_IsString(v) && v->valuestring;
	if (ok && outlen)
		snprintf(out, outlen, "%s", v->valuestring);
	if (!ok)
		docker_fail(d, DOCKER_E_PROTO, 0, "GET", "/version",
			    "the answer has no \"Version\"");
	cJSON_Delete(j);
	return ok ? 0 : -1;
}

int docker_image_inspect(struct docker *d, const char *image, cJSON **out)
{
	return obj_call(d, "GET", "images", image, "/json", NULL, out);
}

struct pull_sink {
	const char *image;
	struct buf line; /* the current progress line */
	struct buf raw;  /* the body's first bytes, for an HTTP error's message */
	char err[sizeof(((struct docker_error *)0)->msg)];
};

/* One JSON line of the pull's progress: the first "error" is kept, the rest logged at debug. */
static void pull_line(struct pull_sink *ps)
{
	cJSON *j = cJSON_ParseWithLength(ps->line.data ? ps->line.data : "", ps->line.len);
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "error");
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(j, "status");
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "id");
	const cJSON *pr = cJSON_GetObjectItemCaseSensitive(j, "progress");
	if (e && !ps->err[0]) {
		const char *m = cJSON_IsString(e) ? e->valuestring : "pull failed";
		snprintf(ps->err, sizeof(ps->err), "%s", m && m[0] ? m : "pull failed");
	} else if (cJSON_IsString(st)) {
		log_debug("docker pull %s: %s%s%s%s%s", ps->image,
			  cJSON_IsString(id) ? id->valuestring : "", cJSON_IsString(id) ? ": " : "",
			  st->valuestring, cJSON_IsString(pr) ? " " : "",
			  cJSON_IsString(pr) ? pr->valuestring : "");
	}
	cJSON_Delete(j);
	buf_reset(&ps->line);
}

static size_t sink_pull(char *p, size_t sz, size_t nm, void *ctx)
{
	struct pull_sink *ps = ctx;
	size_t n = sz * nm;
	buf_append_trunc(&ps->raw, p, n);
	while (n > 0) {
		char *nl = memchr(p, '\n', n);
		size_t k = nl ? (size_t)(nl - p) : n;
		buf_append_trunc(&ps->line, p, k);
		if (!nl)
			break;
		pull_line(ps);
		p += k + 1;
		n -= k + 1;
	}
	return sz * nm;
}

/* "/images/create?fromImage=NAME&tag=TAG" (tag "latest" when the image names none). */
static char *pull_path(struct docker *d, const char *image)
{
	const char *at = strchr(image, '@'), *slash = strrchr(image, '/'),
		   *colon = strrchr(image, ':');
	const char *cut = at ? at : (colon && (!slash || colon > slash)) ? colon : NULL;
	char *name = cut ? strndup(image, (size_t)(cut - image)) : strdup(image);
	char *en = name ? curl_easy_escape(d->curl, name, 0) : NULL;
	char *et = curl_easy_escape(d->curl, cut ? cut + 1 : "latest", 0);
	char *p = NULL;
	if (!en || !et || asprintf(&p, "/images/create?fromImage=%s&tag=%s", en, et) < 0)
		p = NULL;
	curl_free(en);
	curl_free(et);
	free(name);
	if (!p)
		docker_fail(d, DOCKER_E_PROTO, 0, "POST", "/images/create",
			    "cannot build the pull of %s", image);
	return p;
}

/* An "error" line inside a 200 progress stream is reported as DOCKER_E_HTTP with http 500. */
int docker_image_pull(struct docker *d, const char *image, long timeout_ms)
{
	docker_reset_error(d);
	char *path = pull_path(d, image);
	if (!path)
		return -1;
	struct pull_sink ps = { .image = image };
	buf_init(&ps.line, PULL_LINE_MAX);
	buf_init(&ps.raw, PULL_RAW_MAX);
	struct req r = { "POST", path, NULL, timeout_ms, sink_pull, &ps, NULL };
	long st = 0;
	int rc = perform(d, &r, &st);
	if (ps.line.len)
		pull_line(&ps);
	if (rc == 0 && st >= 400) {
		docker_http_error(d, st, ps.raw.data, ps.raw.len, "POST", path);
		rc = -1;
	} else if (rc == 0 && ps.err[0]) {
		docker_fail(d, DOCKER_E_HTTP, 500, "POST", path, "%s", ps.err);
		rc = -1;
	}
	buf_free(&ps.line);
	buf_free(&ps.raw);
	free(path);
	return rc;
}

/* ---- containers ---- */

int docker_create(struct docker *d, const char *name, const cJSON *spec, char id[65])
{
	char *path = NULL;
	char *e = name ? curl_easy_escape(d->curl, name, 0) : NULL;
	if (asprintf(&path, "/containers/create%s%s", e ? "?name=" : "", e ? e : "") < 0)
		path = NULL;
	curl_free(e);
	if (!path || (name && !e)) {
		free(path);
		return docker_fail(d, DOCKER_E_PROTO, 0, "POST", "/containers/create",
				   "cannot build the path");
	}
	cJSON *j;
	int rc = docker_call_json(d, "POST", path, spec, &j);
	if (rc == 0)
		rc = take_id(d, j, id, "POST", path);
	free(path);
	return rc;
}

int docker_start(struct docker *d, const char *id)
{
	return obj_call(d, "POST", "containers", id, "/start", NULL, NULL);
}

int docker_pause(struct docker *d, const char *id)
{
	return obj_call(d, "POST", "containers", id, "/pause", NULL, NULL);
}

int docker_unpause(struct docker *d, const char *id)
{
	return obj_call(d, "POST", "containers", id, "/unpause", NULL, NULL);
}

int docker_kill(struct docker *d, const char *id, const char *signal)
{
	char *e = curl_easy_escape(d->curl, signal ? signal : "KILL", 0);
	char *rest = NULL;
	if (!e || asprintf(&rest, "/kill?signal=%s", e) < 0)
		rest = NULL;
	curl_free(e);
	int rc = rest ? obj_call(d, "POST", "containers", id, rest, NULL, NULL) : -1;
	if (!rest)
		docker_fail(d, DOCKER_E_PROTO, 0, "POST", "/kill", "cannot build the path");
	free(rest);
	return rc;
}

int docker_remove(struct docker *d, const char *id, int force)
{
	return obj_call(d, "DELETE", "containers", id, force ? "?force=1&v=1" : "?force=0&v=1",
			NULL, NULL);
}

int docker_inspect(struct docker *d, const char *id, cJSON **out)
{
	return obj_call(d, "GET", "containers", id, "/json", NULL, out);
}

int docker_update(struct docker *d, const char *id, const cJSON *spec)
{
	return obj_call(d, "POST", "containers", id, "/update", spec, NULL);
}

/* ---- exec (its hijacked stream: docker_stream.c) ---- */

int docker_exec_create(struct docker *d, const char *id, const cJSON *spec, char eid[65])
{
	cJSON *j;
	if (obj_call(d, "POST", "containers", id, "/exec", spec, &j) < 0)
		return -1;
	return take_id(d, j, eid, "POST", "/containers/{id}/exec");
}

/* exit_code is -1 while the engine has none (still running). */
int docker_exec_inspect(struct docker *d, const char *eid, int *exit_code, int *running)
{
	cJSON *j;
	if (obj_call(d, "GET", "exec", eid, "/json", NULL, &j) < 0)
		return -1;
	const cJSON *ec = cJSON_GetObjectItemCaseSensitive(j, "ExitCode");
	const cJSON *ru = cJSON_GetObjectItemCaseSensitive(j, "Running");
	int ok = cJSON_IsBool(ru) && (cJSON_IsNumber(ec) || cJSON_IsNull(ec) || !ec);
	if (ok) {
		if (exit_code)
			*exit_code = cJSON_IsNumber(ec) ? (int)ec->valuedouble : -1;
		if (running)
			*running = cJSON_IsTrue(ru);
	} else {
		docker_fail(d, DOCKER_E_PROTO, 0, "GET", "/exec/{id}/json",
			    "the answer lacks \"Running\" or a numeric \"ExitCode\"");
	}
	cJSON_Delete(j);
	return ok ? 0 : -1;
}
