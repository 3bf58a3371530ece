/*
 * store_problems.c - the store process's side of stored problems (see store_problems.h): test
 * data written content-addressed under problems.data_dir, a manifest per version beside it for
 * the workers, the metadata row through the store.h ops, and their removal.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "jsonutil.h"
#include "log.h"
#include "sha256.h"
#include "store_problems.h"

static int errf(struct store_error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* e's message from fmt; -1 */
static int errf(struct store_error *e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int mkdir_p(const char *path)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s", path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0750) < 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	return mkdir(p, 0750) < 0 && errno != EEXIST ? -1 : 0;
}

/* Writes data to path through a temporary file and a rename: readers see all of it or none. */
static int write_atomic(const char *path, const char *data, size_t n)
{
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0640);
	if (fd < 0)
		return -1;
	size_t off = 0;
	while (off < n) {
		ssize_t w = write(fd, data + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	int rc = off == n && fsync(fd) == 0 ? 0 : -1;
	close(fd);
	if (rc == 0 && rename(tmp, path) == 0)
		return 0;
	unlink(tmp);
	return -1;
}

/* Stores one test file as blobs/<sha256>; its hash in hex. */
static int put_blob(const char *dir, const char *data, char hex[65], struct store_error *e)
{
	char path[PATH_MAX];
	size_t n = strlen(data);
	sha256_hex(data, n, hex);
	snprintf(path, sizeof(path), "%s/blobs/%s", dir, hex);
	if (access(path, F_OK) == 0)
		return 0;
	if (write_atomic(path, data, n) < 0)
		return errf(e, "cannot write %s: %s", path, strerror(errno));
	return 0;
}

/* The manifest of one version: the problem's settings with each test's data by hash. */
static cJSON *manifest(const char *dir, const char *id, int version, const cJSON *prob,
		       int64_t *bytes, struct store_error *e)
{
	cJSON *m = cJSON_Duplicate(prob, 1), *tests = cJSON_CreateArray(), *t;
	cJSON_DeleteItemFromObject(m, "tests");
	cJSON_DeleteItemFromObject(m, "id");
	cJSON_AddStringToObject(m, "id", id);
	cJSON_AddNumberToObject(m, "version", version);
	cJSON_AddItemToObject(m, "tests", tests);
	*bytes = 0;
	cJSON_ArrayForEach(t, cJSON_GetObjectItem(prob, "tests")) {
		const char *in = json_str(t, "stdin", "");
		const char *out = json_str(t, "expected_output", "");
		char hin[65], hout[65];
		if (put_blob(dir, in, hin, e) < 0 || put_blob(dir, out, hout, e) < 0) {
			cJSON_Delete(m);
			return NULL;
		}
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "in", hin);
		cJSON_AddStringToObject(o, "out", hout);
		cJSON_AddNumberToObject(o, "in_bytes", (double)strlen(in));
		cJSON_AddNumberToObject(o, "out_bytes", (double)strlen(out));
		cJSON_AddItemToArray(tests, o);
		*bytes += (int64_t)(strlen(in) + strlen(out));
	}
	cJSON *ck = cJSON_GetObjectItem(m, "checker");
	if (ck) { /* its program by hash; its source is kept only in the row */
		char h[65];
		const char *prog = json_str(ck, "program", "");
		if (put_blob(dir, prog, h, e) < 0) {
			cJSON_Delete(m);
			return NULL;
		}
		*bytes += (int64_t)strlen(prog);
		cJSON_DeleteItemFromObject(ck, "program");
		cJSON_DeleteItemFromObject(ck, "files");
		cJSON_AddStringToObject(ck, "blob", h);
	}
	return m;
}

static void set_http(cJSON *out, int http, const char *msg)
{
	cJSON_AddNumberToObject(out, "http", http);
	cJSON_AddStringToObject(out, "message", msg);
}

/* Files first, then the row, then "current": a worker never sees a version half stored. */
static int prob_put(const struct store_problems_ctx *x, const cJSON *q, cJSON *out,
		    struct store_error *e)
{
	const char *id = json_str(q, "id", "");
	const cJSON *prob = cJSON_GetObjectItem(q, "problem");
	struct store_problem cur;
	int found = x->ops->prob_get(x->s, id, 0, &cur, e);
	if (found < 0)
		return -1;
	int latest = found ? cur.version : 0;
	int create = cJSON_IsTrue(cJSON_GetObjectItem(q, "create"));
	free(cur.manifest);
	if (create && found)
		return set_http(out, 409, "a problem with this id exists (PUT adds a version)"), 0;
	if (!create && !found)
		return set_http(out, 404, "no such problem"), 0;
	int64_t total = x->ops->prob_bytes(x->s, e);
	if (total < 0)
		return -1;
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s/problems/%s", x->cfg->problems_dir, id);
	char blobs[PATH_MAX];
	snprintf(blobs, sizeof(blobs), "%s/blobs", x->cfg->problems_dir);
	if (mkdir_p(blobs) < 0 || mkdir_p(dir) < 0)
		return errf(e, "cannot make %s: %s", dir, strerror(errno));
	struct store_problem p = { .version = latest + 1, .created_ms = now_ms() };
	snprintf(p.id, sizeof(p.id), "%s", id);
	cJSON *m = manifest(x->cfg->problems_dir, id, p.version, prob, &p.bytes, e);
	if (!m)
		return -1;
	if (total + p.bytes > (int64_t)x->cfg->problems_total_mb << 20) {
		cJSON_Delete(m);
		return set_http(out, 413, "the stored problems' data would exceed "
					  "problems.max_total_mb"), 0;
	}
	cJSON_AddNumberToObject(m, "created_ms", (double)p.created_ms);
	p.manifest = cJSON_PrintUnformatted(m);
	cJSON_Delete(m);
	char path[PATH_MAX + 32], ver[32];
	snprintf(path, sizeof(path), "%s/%d.json", dir, p.version);
	int rc = -1;
	if (!p.manifest)
		errf(e, "out of memory");
	else if (write_atomic(path, p.manifest, strlen(p.manifest)) < 0)
		errf(e, "cannot write %s: %s", path, strerror(errno));
	else if (x->ops->prob_put(x->s, &p, e) == 0) {
		snprintf(path, sizeof(path), "%s/current", dir);
		int n = snprintf(ver, sizeof(ver), "%d\n", p.version);
		if (write_atomic(path, ver, (size_t)n) < 0)
			errf(e, "cannot write %s: %s", path, strerror(errno));
		else
			rc = 0;
	}
	if (rc == 0) {
		cJSON_AddNumberToObject(out, "http", create ? 201 : 200);
		cJSON_AddItemToObject(out, "problem", cJSON_Parse(p.manifest));
	}
	free(p.manifest);
	return rc;
}

static int prob_get(const struct store_problems_ctx *x, const cJSON *q, cJSON *out,
		    struct store_error *e)
{
	struct store_problem p;
	int found = x->ops->prob_get(x->s, json_str(q, "id", ""), (int)json_num(q, "version", 0),
				     &p, e);
	if (found < 0)
		return -1;
	cJSON_AddBoolToObject(out, "found", found);
	if (found) {
		cJSON_AddItemToObject(out, "problem", cJSON_Parse(p.manifest ? p.manifest : "{}"));
		free(p.manifest);
	}
	return 0;
}

/* The hashes a manifest names, appended to list (a JSON array of strings). */
static void blob_names(const char *manifest, cJSON *list)
{
	cJSON *m = cJSON_Parse(manifest ? manifest : "{}"), *t;
	cJSON_ArrayForEach(t, cJSON_GetObjectItem(m, "tests")) {
		cJSON_AddItemToArray(list, cJSON_CreateString(json_str(t, "in", "")));
		cJSON_AddItemToArray(list, cJSON_CreateString(json_str(t, "out", "")));
	}
	t = cJSON_GetObjectItem(m, "checker");
	if (t)
		cJSON_AddItemToArray(list, cJSON_CreateString(json_str(t, "blob", "")));
	cJSON_Delete(m);
}

static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[2 * PATH_MAX];
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.' && (!de->d_name[1] || !strcmp(de->d_name, "..")))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (unlink(path) < 0)
			log_warn("store: unlink %s", path);
	}
	if (d)
		closedir(d);
	if (rmdir(dir) < 0 && errno != ENOENT)
		log_warn("store: rmdir %s", dir);
}

/* The rows go first; then the manifests, then the blobs no remaining version names. */
static int prob_del(const struct store_problems_ctx *x, const cJSON *q, cJSON *out,
		    struct store_error *e)
{
	const char *id = json_str(q, "id", "");
	cJSON *names = cJSON_CreateArray(), *it;
	struct store_problem p;
	int found, v = 0;
	while ((found = x->ops->prob_get(x->s, id, v, &p, e)) == 1) {
		blob_names(p.manifest, names);
		free(p.manifest);
		if ((v = p.version - 1) < 1)
			break;
	}
	int n = found < 0 ? -1 : x->ops->prob_del(x->s, id, e);
	if (n >= 0) {
		char path[PATH_MAX + 80];
		snprintf(path, sizeof(path), "%s/problems/%s", x->cfg->problems_dir, id);
		remove_dir(path);
		cJSON_ArrayForEach(it, names) {
			if (x->ops->prob_refs(x->s, it->valuestring, e) != 0)
				continue;
			snprintf(path, sizeof(path), "%s/blobs/%s", x->cfg->problems_dir,
				 it->valuestring);
			unlink(path); /* a blob named twice is gone the second time */
		}
		cJSON_AddBoolToObject(out, "found", n > 0);
	}
	cJSON_Delete(names);
	return n < 0 ? -1 : 0;
}

int store_problems_handle(const struct store_problems_ctx *x, uint16_t type, const cJSON *q,
			  cJSON *out, struct store_error *e)
{
	if (!cJSON_IsString(cJSON_GetObjectItem(q, "id")))
		return errf(e, "request %u lacks \"id\"", type);
	if (type == MSG_ST_PROB_PUT && !cJSON_IsObject(cJSON_GetObjectItem(q, "problem")))
		return errf(e, "request %u lacks \"problem\"", type);
	if (!x->s)
		return errf(e, "the store is not open");
	switch (type) {
	case MSG_ST_PROB_PUT: return prob_put(x, q, out, e);
	case MSG_ST_PROB_GET: return prob_get(x, q, out, e);
	case MSG_ST_PROB_DEL: return prob_del(x, q, out, e);
	default: return errf(e, "unknown request %u", type);
	}
}
