/*
 * problem_pkg.c - a problem package checked and made into one JSON object (see problem_pkg.h):
 * from a JSON body with tests inline or from a tar archive (tests/N.in, tests/N.out,
 * problem.json) read in memory with libarchive. Pure: no file is written here.
 */
#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonutil.h"
#include "problem_pkg.h"

static int fail(struct req_error *e, int http, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(struct req_error *e, int http, const char *field, const char *fmt, ...)
{
	va_list ap;
	e->http = http;
	snprintf(e->field, sizeof(e->field), "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int problem_pkg_id_valid(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > 64 || id[0] == '.' || id[0] == '-')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)id[i]) && !strchr("_.-", id[i]))
			return 0;
	return 1;
}

/* An optional number in [lo, hi] (default def) copied into out under key. */
static int num(const cJSON *in, const char *key, double lo, double hi, double def, cJSON *out,
	       const char *where, struct req_error *e)
{
	const cJSON *v = cJSON_GetObjectItem(in, key);
	if (v && !cJSON_IsNull(v)) {
		if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < lo ||
		    v->valuedouble > hi)
			return fail(e, 400, *where ? where : key,
				    "%s must be a number from %g to %g", key, lo, hi);
		def = v->valuedouble;
	}
	cJSON_AddNumberToObject(out, key, def);
	return 0;
}

static int group_index(const cJSON *groups, const char *name)
{
	int i = 0;
	const cJSON *g;
	cJSON_ArrayForEach(g, groups) {
		if (!strcmp(json_str(g, "name", ""), name))
			return i;
		i++;
	}
	return -1;
}

/* One group: {"name", "points", "tests": [first, last], "scoring", "depends"}; *next is the
 * first test it must start at (groups cover the tests in order). */
static int one_group(const cJSON *g, int k, int ntests, int *next, cJSON *groups, const char *w,
		     struct req_error *e)
{
	char name[40];
	const cJSON *tests = cJSON_GetObjectItem(g, "tests"), *d;
	const char *sc = json_str(g, "scoring", "min");
	snprintf(name, sizeof(name), "%.32s", json_str(g, "name", ""));
	if (!*name)
		snprintf(name, sizeof(name), "%d", k + 1);
	if (!cJSON_IsObject(g) || group_index(groups, name) >= 0)
		return fail(e, 400, w, "groups[%d] must be an object with a unique name", k);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemToArray(groups, o);
	cJSON_AddStringToObject(o, "name", name);
	if (num(g, "points", 0, 1e6, 0, o, w, e) < 0)
		return -1;
	if (!cJSON_IsArray(tests) || cJSON_GetArraySize(tests) != 2 ||
	    cJSON_GetArrayItem(tests, 0)->valuedouble != *next ||
	    cJSON_GetArrayItem(tests, 1)->valuedouble < *next ||
	    cJSON_GetArrayItem(tests, 1)->valuedouble > ntests)
		return fail(e, 400, w,
			    "groups[%d].tests must be [first, last]: groups take the tests in "
			    "order (this one from test %d, at most to %d)", k, *next, ntests);
	int last = (int)cJSON_GetArrayItem(tests, 1)->valuedouble;
	cJSON *t = cJSON_AddArrayToObject(o, "tests");
	cJSON_AddItemToArray(t, cJSON_CreateNumber(*next));
	cJSON_AddItemToArray(t, cJSON_CreateNumber(last));
	*next = last + 1;
	if (strcmp(sc, "min") && strcmp(sc, "sum"))
		return fail(e, 400, w, "groups[%d].scoring must be \"min\" or \"sum\"", k);
	cJSON_AddStringToObject(o, "scoring", sc);
	cJSON *deps = cJSON_AddArrayToObject(o, "depends");
	cJSON_ArrayForEach(d, cJSON_GetObjectItem(g, "depends")) {
		int at = cJSON_IsString(d) ? group_index(groups, d->valuestring) : -1;
		if (at < 0 || at >= k)
			return fail(e, 400, w, "groups[%d].depends must name earlier groups", k);
		cJSON_AddItemToArray(deps, cJSON_CreateString(d->valuestring));
	}
	return 0;
}

static int check_groups(const cJSON *in, int ntests, cJSON *out, const char *where,
			struct req_error *e)
{
	const cJSON *gs = cJSON_GetObjectItem(in, "groups"), *g;
	if (!gs || cJSON_IsNull(gs))
		return 0;
	const char *w = *where ? where : "groups";
	if (!cJSON_IsArray(gs) || cJSON_GetArraySize(gs) == 0 || cJSON_GetArraySize(gs) > 100)
		return fail(e, 400, w, "groups must be an array of 1 to 100 groups");
	cJSON *groups = cJSON_AddArrayToObject(out, "groups");
	int k = 0, next = 1;
	cJSON_ArrayForEach(g, gs) {
		if (one_group(g, k++, ntests, &next, groups, w, e) < 0)
			return -1;
	}
	if (next != ntests + 1)
		return fail(e, 400, w, "groups must cover every test (tests %d to %d are in none)",
			    next, ntests);
	return 0;
}

/* "checker": {"language", "source", "files": [{"name", "content"}], "time_limit",
 * "memory_limit_mb"}: a language of the config whose program is ./main when compiled. */
static int check_checker(const cJSON *in, const struct config *c, cJSON *out, const char *where,
			 struct req_error *e)
{
	const cJSON *ck = cJSON_GetObjectItem(in, "checker"), *f;
	const char *w = *where ? where : "checker";
	if (!ck || cJSON_IsNull(ck))
		return 0;
	const struct lang *g = config_lang(c, json_str(ck, "language", ""));
	if (!cJSON_IsObject(ck) || !g)
		return fail(e, 400, w, "checker must be {\"language\", \"source\", \"files\"} with "
			    "a configured language");
	if (g->compile && (!g->run || !g->run[0] || strcmp(g->run[0], "./main") || g->run[1]))
		return fail(e, 400, w, "checker.language %s is not supported for checkers (a "
			    "compiled language must run ./main)", g->id);
	const cJSON *src = cJSON_GetObjectItem(ck, "source");
	if (!cJSON_IsString(src) || !*src->valuestring)
		return fail(e, 400, w, "checker.source must be the checker's source text");
	cJSON *o = cJSON_AddObjectToObject(out, "checker");
	cJSON_AddStringToObject(o, "language", g->id);
	cJSON_AddStringToObject(o, "source", src->valuestring);
	cJSON *files = cJSON_AddArrayToObject(o, "files");
	cJSON_ArrayForEach(f, cJSON_GetObjectItem(ck, "files")) {
		if (!cJSON_IsString(cJSON_GetObjectItem(f, "name")) ||
		    !cJSON_IsString(cJSON_GetObjectItem(f, "content")) ||
		    cJSON_GetArraySize(files) >= 16)
			return fail(e, 400, w, "checker.files must be at most 16 {\"name\", "
				    "\"content\"}");
		cJSON_AddItemToArray(files, cJSON_Duplicate(f, 1));
	}
	if (num(ck, "time_limit", 0.01, c->max_time_s, 5, o, w, e) < 0 ||
	    num(ck, "memory_limit_mb", 8, c->max_memory_mb, 256, o, w, e) < 0)
		return -1;
	return 0;
}

/* The settings of a problem (limits, compare, groups) from in, for ntests tests; where names
 * the file they came from ("" for a JSON body). */
static int settings(const cJSON *in, const struct config *c, int ntests, cJSON *out,
		    const char *where, struct req_error *e)
{
	static const char *const modes[] = { "lines", "exact", "tokens", "float", NULL };
	if (!cJSON_IsObject(in))
		return fail(e, 400, where, "%s must be a JSON object", *where ? where : "the body");
	if (num(in, "time_limit", 0.001, c->max_time_s, c->time_s, out, where, e) < 0 ||
	    num(in, "memory_limit_mb", 8, c->max_memory_mb,
		c->memory_mb < c->max_memory_mb ? c->memory_mb : c->max_memory_mb, out, where,
		e) < 0 ||
	    num(in, "float_tolerance", 0, 1e9, 1e-6, out, where, e) < 0)
		return -1;
	const char *mode = json_str(in, "compare", "lines");
	int ok = 0;
	for (int i = 0; modes[i]; i++)
		ok |= !strcmp(mode, modes[i]);
	if (!ok)
		return fail(e, 400, *where ? where : "compare",
			    "compare must be one of lines, exact, tokens, float");
	cJSON_AddStringToObject(out, "compare", mode);
	if (check_checker(in, c, out, where, e) < 0)
		return -1;
	return check_groups(in, ntests, out, where, e);
}

static void add_test(cJSON *tests, const char *in, const char *exp)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "stdin", in);
	cJSON_AddStringToObject(o, "expected_output", exp);
	cJSON_AddItemToArray(tests, o);
}

cJSON *problem_pkg_json(const char *body, size_t len, const struct config *c,
			struct req_error *e)
{
	memset(e, 0, sizeof(*e));
	cJSON *in = cJSON_ParseWithLength(body, len), *out = NULL, *t;
	const cJSON *tests = cJSON_GetObjectItem(in, "tests");
	size_t total = 0, cap = (size_t)c->problems_max_mb << 20;
	if (!cJSON_IsObject(in)) {
		fail(e, 400, NULL, "the body is not a JSON object");
		goto bad;
	}
	if (!cJSON_IsArray(tests) || cJSON_GetArraySize(tests) < 1 ||
	    cJSON_GetArraySize(tests) > c->tests_max) {
		fail(e, 400, "tests", "tests must be an array of 1 to %d {\"stdin\", "
		     "\"expected_output\"}", c->tests_max);
		goto bad;
	}
	out = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(out, "tests");
	int i = 0;
	cJSON_ArrayForEach(t, tests) {
		const cJSON *a = cJSON_GetObjectItem(t, "stdin"), *b;
		if (!(b = cJSON_GetObjectItem(t, "expected_output")))
			b = cJSON_GetObjectItem(t, "output");
		if (!a)
			a = cJSON_GetObjectItem(t, "input");
		if (!cJSON_IsString(a) || !cJSON_IsString(b)) {
			fail(e, 400, "tests", "tests[%d] must have the strings stdin and "
			     "expected_output", i);
			goto bad;
		}
		total += strlen(a->valuestring) + strlen(b->valuestring);
		if (total > cap) {
			fail(e, 413, "tests", "the tests are larger than problems.max_problem_mb "
			     "(%d MiB)", c->problems_max_mb);
			goto bad;
		}
		add_test(arr, a->valuestring, b->valuestring);
		i++;
	}
	if (settings(in, c, i, out, "", e) < 0)
		goto bad;
	const cJSON *id = cJSON_GetObjectItem(in, "id");
	if (id && (!cJSON_IsString(id) || !problem_pkg_id_valid(id->valuestring))) {
		fail(e, 400, "id", "id must be 1 to 64 letters, digits, '_', '.', '-'");
		goto bad;
	}
	if (id)
		cJSON_AddStringToObject(out, "id", id->valuestring);
	cJSON_Delete(in);
	return out;
bad:
	cJSON_Delete(in);
	cJSON_Delete(out);
	return NULL;
}

/* ---- tar archives ---- */

struct tar_files {
	char **in, **out;            /* [1..max] */
	int max;
	char *meta;                  /* problem.json */
	char *ck_name[16], *ck_data[16]; /* checker/NAME: the checker's source and its files */
	int nck;
	size_t total, cap;
};

/* The entry's name without "./"; -1 for an absolute path or a ".." component. */
static int clean_name(const char *raw, const char **name)
{
	while (raw[0] == '.' && raw[1] == '/')
		raw += 2;
	*name = raw;
	if (raw[0] == '/')
		return -1;
	for (const char *p = raw; (p = strstr(p, "..")); p += 2)
		if ((p == raw || p[-1] == '/') && (p[2] == '/' || p[2] == '\0'))
			return -1;
	return 0;
}

/* Where an entry's data goes: a test's slot or problem.json's, or NULL (unexpected). */
static char **slot(struct tar_files *f, const char *name)
{
	unsigned n;
	char ext[8], end;
	if (!strcmp(name, "problem.json"))
		return &f->meta;
	if (!strncmp(name, "checker/", 8) && name[8] && !strchr(name + 8, '/') && f->nck < 16) {
		for (int i = 0; i < f->nck; i++)
			if (!strcmp(f->ck_name[i], name + 8))
				return &f->ck_data[i];
		f->ck_name[f->nck] = strdup(name + 8);
		return f->ck_name[f->nck] ? &f->ck_data[f->nck++] : NULL;
	}
	if (sscanf(name, "tests/%u.%3[a-z]%c", &n, ext, &end) != 2 || n < 1 || (int)n > f->max)
		return NULL;
	if (!strcmp(ext, "in"))
		return &f->in[n];
	return !strcmp(ext, "out") ? &f->out[n] : NULL;
}

static int read_entry(struct archive *a, struct archive_entry *ent, struct tar_files *f,
		      struct req_error *e)
{
	const char *name;
	char **dst;
	int type = (int)archive_entry_filetype(ent);
	if (clean_name(archive_entry_pathname(ent), &name) < 0)
		return fail(e, 400, archive_entry_pathname(ent),
			    "%.200s: absolute paths and \"..\" are refused",
			    archive_entry_pathname(ent));
	if (type == AE_IFDIR && !archive_entry_hardlink(ent))
		return 0;
	if (type == AE_IFLNK || archive_entry_hardlink(ent))
		return fail(e, 400, name, "%.200s: links are refused", name);
	if (type != AE_IFREG)
		return fail(e, 400, name, "%.200s: only regular files are accepted", name);
	if (!(dst = slot(f, name)))
		return fail(e, 400, name, "%.200s: unexpected file (tests/N.in, tests/N.out with N "
			    "from 1 to %d, problem.json, up to 16 checker/NAME)", name, f->max);
	int64_t size = archive_entry_size(ent);
	if (size < 0 || (size_t)size > f->cap - f->total)
		return fail(e, 413, name, "%.200s: the files are larger than "
			    "problems.max_problem_mb", name);
	char *d = malloc((size_t)size + 1);
	la_ssize_t got = d ? archive_read_data(a, d, (size_t)size) : -1;
	if (got != size) {
		free(d);
		return fail(e, 400, name, "%.200s: cannot be read from the archive", name);
	}
	d[size] = '\0';
	if (memchr(d, '\0', (size_t)size)) {
		free(d);
		return fail(e, 400, name, "%.200s: NUL bytes are not supported in test data", name);
	}
	f->total += (size_t)size;
	free(*dst);
	*dst = d;
	return 0;
}

/* The tests in order; every tests/N.in has its tests/N.out and N runs from 1 without a gap. */
static int tar_tests(struct tar_files *f, cJSON *out, int *ntests, struct req_error *e)
{
	cJSON *arr = cJSON_AddArrayToObject(out, "tests");
	char name[40];
	int n = 0;
	for (int i = 1; i <= f->max; i++)
		if (f->in[i] || f->out[i])
			n = i;
	for (int i = 1; i <= n; i++) {
		if (!f->in[i] || !f->out[i]) {
			snprintf(name, sizeof(name), "tests/%d.%s", i, f->in[i] ? "out" : "in");
			return fail(e, 400, name, "%s is missing", name);
		}
		add_test(arr, f->in[i], f->out[i]);
	}
	if (n == 0)
		return fail(e, 400, "tests/1.in", "the archive has no tests (tests/1.in, "
			    "tests/1.out, ...)");
	*ntests = n;
	return 0;
}

/* problem.json's "checker": {"language", "source": NAME} takes checker/NAME as its source and
 * the other files under checker/ as its files, as a JSON body gives them. */
static int tar_checker(struct tar_files *f, cJSON *meta, struct req_error *e)
{
	cJSON *ck = cJSON_GetObjectItem(meta, "checker");
	const char *src = json_str(ck, "source", "");
	int at = -1;
	if (!cJSON_IsObject(ck))
		return 0;
	for (int i = 0; i < f->nck; i++)
		if (f->ck_data[i] && !strcmp(f->ck_name[i], src))
			at = i;
	if (at < 0)
		return fail(e, 400, "problem.json",
			    "checker.source must name a file under checker/ in the archive");
	cJSON_DeleteItemFromObject(ck, "source");
	cJSON_AddStringToObject(ck, "source", f->ck_data[at]);
	cJSON_DeleteItemFromObject(ck, "files");
	cJSON *files = cJSON_AddArrayToObject(ck, "files");
	for (int i = 0; i < f->nck; i++) {
		if (i == at || !f->ck_data[i])
			continue;
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", f->ck_name[i]);
		cJSON_AddStringToObject(o, "content", f->ck_data[i]);
		cJSON_AddItemToArray(files, o);
	}
	return 0;
}

static cJSON *from_files(struct tar_files *f, const struct config *c, struct req_error *e)
{
	cJSON *out = cJSON_CreateObject(), *meta = NULL;
	int n = 0;
	if (tar_tests(f, out, &n, e) < 0)
		goto bad;
	meta = f->meta ? cJSON_Parse(f->meta) : cJSON_CreateObject();
	if (!meta) {
		fail(e, 400, "problem.json", "problem.json is not valid JSON");
		goto bad;
	}
	if (tar_checker(f, meta, e) < 0 || settings(meta, c, n, out, "problem.json", e) < 0)
		goto bad;
	cJSON_Delete(meta);
	return out;
bad:
	cJSON_Delete(meta);
	cJSON_Delete(out);
	return NULL;
}

cJSON *problem_pkg_tar(const void *data, size_t len, const struct config *c,
		       struct req_error *e)
{
	memset(e, 0, sizeof(*e));
	struct tar_files f = { .max = c->tests_max, .cap = (size_t)c->problems_max_mb << 20 };
	f.in = calloc((size_t)f.max + 1, sizeof(char *));
	f.out = calloc((size_t)f.max + 1, sizeof(char *));
	struct archive *a = archive_read_new();
	struct archive_entry *ent;
	cJSON *out = NULL;
	int rc = ARCHIVE_FATAL, entries = 0;
	if (!f.in || !f.out || !a) {
		fail(e, 500, NULL, "out of memory");
		goto done;
	}
	archive_read_support_format_tar(a);
	archive_read_support_filter_gzip(a);
	if (archive_read_open_memory(a, data, len) != ARCHIVE_OK) {
		fail(e, 400, NULL, "the body is neither JSON nor a tar archive (%s)",
		     archive_error_string(a));
		goto done;
	}
	while ((rc = archive_read_next_header(a, &ent)) == ARCHIVE_OK) {
		if (++entries > 2 * c->tests_max + 16) {
			fail(e, 413, NULL, "the archive has more than %d entries",
			     2 * c->tests_max + 16);
			goto done;
		}
		if (read_entry(a, ent, &f, e) < 0)
			goto done;
	}
	if (rc != ARCHIVE_EOF)
		fail(e, 400, NULL, "the archive is damaged (%s)", archive_error_string(a));
	else
		out = from_files(&f, c, e);
done:
	if (a)
		archive_read_free(a);
	for (int i = 0; i <= f.max && f.in && f.out; i++) {
		free(f.in[i]);
		free(f.out[i]);
	}
	free(f.in);
	free(f.out);
	free(f.meta);
	for (int i = 0; i < f.nck; i++) {
		free(f.ck_name[i]);
		free(f.ck_data[i]);
	}
	return out;
}
