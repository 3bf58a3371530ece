/*
 * files.c - validation of "files", "main" and "output_files" of POST /execute (see files.h): every
 * name a relative path (relpath.h), no duplicate and no clash with the entry file, base64 checked
 * and decoded sizes summed against limits.files_kb, counts against limits.files_max.
 */
#include <stdio.h>
#include <string.h>

#include "b64.h"
#include "files.h"
#include "relpath.h"

/* e with "field" and "what" (the message is "<field> <what>"). */
static int fail(struct req_error *e, int http, const char *field, const char *what)
{
	e->http = http;
	snprintf(e->field, sizeof(e->field), "%s", field);
	snprintf(e->msg, sizeof(e->msg), "%s %s", field, what);
	return -1;
}

/* Decoded size of one file's content, or -1 (e set) when its fields are wrong. */
static long file_entry(const cJSON *f, int i, int *b64, struct req_error *e)
{
	char field[48];
	const char *why;
	snprintf(field, sizeof(field), "files[%d]", i);
	if (!cJSON_IsObject(f))
		return fail(e, 400, field,
			    "must be an object {\"name\", \"content\", \"encoding\"}");
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(f, "name");
	const cJSON *content = cJSON_GetObjectItemCaseSensitive(f, "content");
	const cJSON *enc = cJSON_GetObjectItemCaseSensitive(f, "encoding");
	snprintf(field, sizeof(field), "files[%d].name", i);
	if (!cJSON_IsString(name))
		return fail(e, 400, field, "must be a string");
	if (relpath_check(name->valuestring, strlen(name->valuestring), &why) < 0)
		return fail(e, 400, field, why);
	snprintf(field, sizeof(field), "files[%d].encoding", i);
	*b64 = 0;
	if (enc && !cJSON_IsNull(enc)) {
		if (!cJSON_IsString(enc) || (strcmp(enc->valuestring, "utf8") &&
					     strcmp(enc->valuestring, "base64")))
			return fail(e, 400, field, "must be \"utf8\" or \"base64\"");
		*b64 = !strcmp(enc->valuestring, "base64");
	}
	snprintf(field, sizeof(field), "files[%d].content", i);
	if (!cJSON_IsString(content))
		return fail(e, 400, field, "must be a string");
	size_t n = strlen(content->valuestring);
	if (!*b64)
		return (long)n;
	long d = b64_decode(content->valuestring, n, NULL);
	if (d < 0)
		return fail(e, 400, field, "is not valid base64");
	return d;
}

/* 1 when a and b are the same name, 2 when one is a directory of the other ("d" and "d/x"),
 * else 0: either way both cannot be written. */
static int clash(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	if (na == nb)
		return !strcmp(a, b);
	const char *shorter = na < nb ? a : b, *longer = na < nb ? b : a;
	size_t n = na < nb ? na : nb;
	return !strncmp(shorter, longer, n) && longer[n] == '/' ? 2 : 0;
}

static const char *name_of(const cJSON *files, int i)
{
	/* every entry was checked by file_entry: an object with a string "name" */
	return cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(files, i), "name")->valuestring;
}

/* Names must differ from each other and from the entry's (file), and none may be a directory of
 * another written one; entry is the entry's index (written as file) or -1. */
static int check_names(const cJSON *files, int entry, const char *file, struct req_error *e)
{
	char field[48], what[360];
	int n = cJSON_GetArraySize(files);
	for (int i = 0; i < n; i++) {
		const char *a = name_of(files, i);
		snprintf(field, sizeof(field), "files[%d].name", i);
		for (int k = 0; k < i; k++) {
			int c = clash(a, name_of(files, k));
			if (c == 1 || (c == 2 && i != entry && k != entry)) {
				snprintf(what, sizeof(what), "%s files[%d].name",
					 c == 1 ? "duplicates" : "is a file and a directory in", k);
				return fail(e, 400, field, what);
			}
		}
		if (i != entry && clash(a, file)) {
			snprintf(what, sizeof(what),
				 "clashes with the entry file's name (\"%.200s\", the language's "
				 "file)",
				 file);
			return fail(e, 400, field, what);
		}
	}
	return 0;
}

/* The index of the entry among files: "main" names it, else the first; -1 with e set. */
static int entry_index(const cJSON *req, const cJSON *files, const char *code,
		       struct req_error *e)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(req, "main");
	if (!m || cJSON_IsNull(m))
		return code ? -1 : 0;
	if (code)
		return fail(e, 400, "main", "cannot be given with source_code (that is the entry)"),
		       -2;
	if (!cJSON_IsString(m))
		return fail(e, 400, "main", "must be a string"), -2;
	int i = 0;
	const cJSON *f;
	cJSON_ArrayForEach(f, files) {
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(f, "name");
		if (!strcmp(name->valuestring, m->valuestring))
			return i;
		i++;
	}
	return fail(e, 400, "main", "names no file of files"), -2;
}

static void add_file(cJSON *arr, const cJSON *f)
{
	const cJSON *enc = cJSON_GetObjectItemCaseSensitive(f, "encoding");
	cJSON *o = cJSON_CreateObject();
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(f, "name");
	cJSON_AddStringToObject(o, "name", name->valuestring);
	cJSON_AddStringToObject(o, "content",
				cJSON_GetObjectItemCaseSensitive(f, "content")->valuestring);
	cJSON_AddStringToObject(o, "encoding", cJSON_IsString(enc) ? enc->valuestring : "utf8");
	cJSON_AddItemToArray(arr, o);
}

int files_parse(const cJSON *req, const struct config *c, const char *file, const char *code,
		cJSON *job, struct req_error *e)
{
	const cJSON *files = cJSON_GetObjectItemCaseSensitive(req, "files");
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(req, "main");
	char what[96];
	if (!files || cJSON_IsNull(files)) {
		if (m && !cJSON_IsNull(m))
			return fail(e, 400, "main", "is given without files");
		if (!code)
			return fail(e, 400, "source_code", "is required (or files)");
		cJSON_AddStringToObject(job, "source", code);
		return 0;
	}
	int n = cJSON_GetArraySize(files);
	if (!cJSON_IsArray(files) || n == 0)
		return fail(e, 400, "files",
			    "must be a non-empty array of {\"name\", \"content\"}");
	if (n > c->files_max) {
		snprintf(what, sizeof(what), "has more than %d entries", c->files_max);
		return fail(e, 400, "files", what);
	}
	size_t total = code ? strlen(code) : 0, cap = (size_t)c->files_kb * 1024;
	for (int i = 0; i < n; i++) {
		int b64;
		long size = file_entry(cJSON_GetArrayItem(files, i), i, &b64, e);
		if (size < 0)
			return -1;
		total += (size_t)size;
	}
	int entry = entry_index(req, files, code, e);
	if (entry < -1 || check_names(files, entry, file, e) < 0)
		return -1;
	if (total > cap) {
		snprintf(what, sizeof(what),
			 "with source_code are larger than the limit of %d KiB", c->files_kb);
		return fail(e, 413, "files", what);
	}
	cJSON *rest = cJSON_AddArrayToObject(job, "files");
	for (int i = 0; i < n; i++) {
		const cJSON *f = cJSON_GetArrayItem(files, i);
		if (i != entry) {
			add_file(rest, f);
			continue;
		}
		const cJSON *enc = cJSON_GetObjectItemCaseSensitive(f, "encoding");
		cJSON_AddStringToObject(job, "source",
			cJSON_GetObjectItemCaseSensitive(f, "content")->valuestring);
		if (cJSON_IsString(enc) && !strcmp(enc->valuestring, "base64"))
			cJSON_AddStringToObject(job, "source_encoding", "base64");
	}
	if (code)
		cJSON_AddStringToObject(job, "source", code);
	return 0;
}

int files_parse_output(const cJSON *req, const struct config *c, cJSON *job, struct req_error *e)
{
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(req, "output_files");
	const cJSON *tests = cJSON_GetObjectItemCaseSensitive(req, "tests");
	char field[48], what[96];
	const char *why;
	if (!o || cJSON_IsNull(o))
		return 0;
	if (tests && !cJSON_IsNull(tests))
		return fail(e, 400, "output_files", "is not supported with tests");
	int n = cJSON_GetArraySize(o);
	if (!cJSON_IsArray(o) || n == 0)
		return fail(e, 400, "output_files", "must be a non-empty array of file names");
	if (n > c->files_max) {
		snprintf(what, sizeof(what), "has more than %d entries", c->files_max);
		return fail(e, 400, "output_files", what);
	}
	for (int i = 0; i < n; i++) {
		const cJSON *a = cJSON_GetArrayItem(o, i);
		snprintf(field, sizeof(field), "output_files[%d]", i);
		if (!cJSON_IsString(a))
			return fail(e, 400, field, "must be a string");
		if (relpath_check(a->valuestring, strlen(a->valuestring), &why) < 0)
			return fail(e, 400, field, why);
		for (int k = 0; k < i; k++)
			if (!strcmp(a->valuestring, cJSON_GetArrayItem(o, k)->valuestring)) {
				snprintf(what, sizeof(what), "duplicates output_files[%d]", k);
				return fail(e, 400, field, what);
			}
	}
	cJSON_AddItemToObject(job, "output_files", cJSON_Duplicate(o, 1));
	cJSON_AddNumberToObject(job, "output_file_bytes", (double)c->output_file_kb * 1024);
	return 0;
}
