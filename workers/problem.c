/*
 * problem.c - a job that names a stored problem (see problem.h): its manifest and test data
 * are read from problems.data_dir on the host by the worker, so they never enter the sandbox;
 * only each test's input reaches the program, through its stdin pipe.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jsonutil.h"
#include "log.h"
#include "problem.h"

/* A whole file of at most cap bytes, NUL-terminated; NULL (errno set) otherwise. */
static char *slurp(const char *path, size_t cap, size_t *len)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat sb;
	if (fd < 0)
		return NULL;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || (size_t)sb.st_size > cap) {
		close(fd);
		errno = EFBIG;
		return NULL;
	}
	char *d = malloc((size_t)sb.st_size + 1);
	size_t off = 0;
	while (d && off < (size_t)sb.st_size) {
		ssize_t r = read(fd, d + off, (size_t)sb.st_size - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		off += (size_t)r;
	}
	close(fd);
	if (!d || off != (size_t)sb.st_size) {
		free(d);
		errno = EIO;
		return NULL;
	}
	d[off] = '\0';
	if (len)
		*len = off;
	return d;
}

static int fail(char *msg, size_t n, int http, const char *what, const char *path)
{
	snprintf(msg, n, "%s%s%s", what, path ? ": " : "", path ? strerror(errno) : "");
	if (path)
		log_warn("problem: %s %s", what, path);
	return http;
}

/* The tests from the manifest's blobs, as inline tests ({"stdin", "expected_output"}). */
static int load_tests(const char *dir, const cJSON *man, size_t cap, cJSON *spec, char *msg,
		      size_t n)
{
	cJSON *tests = cJSON_CreateArray(), *t;
	cJSON_ReplaceItemInObject(spec, "tests", tests);
	if (!cJSON_GetObjectItem(spec, "tests"))
		cJSON_AddItemToObject(spec, "tests", tests);
	size_t total = 0;
	cJSON_ArrayForEach(t, cJSON_GetObjectItem(man, "tests")) {
		char path[PATH_MAX];
		const char *keys[2] = { "in", "out" };
		char *data[2] = { NULL, NULL };
		for (int k = 0; k < 2; k++) {
			size_t len = 0;
			snprintf(path, sizeof(path), "%s/blobs/%.64s", dir,
				 json_str(t, keys[k], ""));
			data[k] = slurp(path, cap - total, &len);
			total += len;
		}
		if (!data[0] || !data[1]) {
			free(data[0]);
			free(data[1]);
			return fail(msg, n, 500, "a test of the problem cannot be read", path);
		}
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "stdin", data[0]);
		cJSON_AddStringToObject(o, "expected_output", data[1]);
		cJSON_AddItemToArray(tests, o);
		free(data[0]);
		free(data[1]);
	}
	return 0;
}

static void set_num(cJSON *o, const char *k, double v)
{
	cJSON_DeleteItemFromObject(o, k);
	cJSON_AddNumberToObject(o, k, v);
}

/* The problem's settings replace the request's. */
static void apply(const cJSON *man, const cJSON *p, cJSON *spec)
{
	double t = ceil(json_num(man, "time_limit", 1) * 1000);
	set_num(spec, "time_ms", t);
	set_num(spec, "wall_ms", ceil(t * json_num(p, "wall_factor", 2)));
	set_num(spec, "memory_mb", floor(json_num(man, "memory_limit_mb", 256)));
	set_num(spec, "float_tolerance", json_num(man, "float_tolerance", 1e-6));
	cJSON_DeleteItemFromObject(spec, "compare");
	cJSON_AddStringToObject(spec, "compare", json_str(man, "compare", "lines"));
	const cJSON *g = cJSON_GetObjectItem(man, "groups");
	if (g)
		cJSON_AddItemToObject(spec, "groups", cJSON_Duplicate(g, 1));
	const cJSON *ck = cJSON_GetObjectItem(man, "checker");
	if (ck)
		cJSON_AddItemToObject(spec, "checker", cJSON_Duplicate(ck, 1));
}

/* The checker's cached program (base64 when compiled, else its source) into its "program". */
static int load_checker(const char *dir, cJSON *spec, char *msg, size_t n)
{
	cJSON *ck = cJSON_GetObjectItem(spec, "checker");
	if (!ck)
		return 0;
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/blobs/%.64s", dir, json_str(ck, "blob", ""));
	char *prog = slurp(path, 64u << 20, NULL);
	if (!prog)
		return fail(msg, n, 500, "the problem's checker cannot be read", path);
	cJSON_AddStringToObject(ck, "program", prog);
	free(prog);
	return 0;
}

cJSON *problem_load(const cJSON *spec, int *http, char *msg, size_t n)
{
	const cJSON *p = cJSON_GetObjectItem(spec, "problem");
	const char *dir = json_str(p, "dir", ""), *id = json_str(p, "id", "");
	size_t cap = (size_t)json_num(p, "max_mb", 16) << 20;
	int ver = (int)json_num(p, "version", 0);
	char path[PATH_MAX];
	*http = 0;
	if (!ver) {
		snprintf(path, sizeof(path), "%s/problems/%s/current", dir, id);
		char *cur = slurp(path, 64, NULL);
		ver = cur ? atoi(cur) : 0;
		free(cur);
		if (ver < 1) {
			*http = fail(msg, n, 404, "no such problem", NULL);
			return NULL;
		}
	}
	snprintf(path, sizeof(path), "%s/problems/%s/%d.json", dir, id, ver);
	char *txt = slurp(path, 16u << 20, NULL);
	cJSON *man = txt ? cJSON_Parse(txt) : NULL;
	free(txt);
	if (!man) {
		*http = fail(msg, n, errno == ENOENT ? 404 : 500, "the problem cannot be read",
			     errno == ENOENT ? NULL : path);
		return NULL;
	}
	cJSON *out = cJSON_Duplicate(spec, 1);
	cJSON *pp = cJSON_GetObjectItem(out, "problem");
	set_num(pp, "version", ver);
	apply(man, p, out);
	if ((*http = load_tests(dir, man, cap, out, msg, n)) ||
	    (*http = load_checker(dir, out, msg, n))) {
		cJSON_Delete(out);
		out = NULL;
	}
	cJSON_Delete(man);
	return out;
}
