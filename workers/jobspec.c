/*
 * jobspec.c - a job's spec (MSG_JOB's JSON, wire.h) as the helper's H_SETUP message: files,
 * compile and run argv with {memory_mb}/{heap_mb} expanded, environment, limits and the uid the
 * program runs as. Used for a job's own container (job.c) and a checker's sandbox (checker.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "container.h"
#include "jobspec.h"
#include "jsonutil.h"
#include "log.h"
#include "wire.h"

static const char *const base_env[] = {
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/work",
	"LANG=C.UTF-8", "LC_ALL=C.UTF-8", "TMPDIR=/tmp", "USER=runner", NULL,
};

/* One argv entry with {memory_mb} / {heap_mb} expanded. */
static int put_arg(struct buf *m, uint32_t tag, const char *a, int mem_mb)
{
	char out[512];
	const char *p = strstr(a, "{memory_mb}"), *q = strstr(a, "{heap_mb}");
	if (!p && !q)
		return wire_put_str(m, tag, a);
	const char *at = p ? p : q;
	size_t keylen = p ? strlen("{memory_mb}") : strlen("{heap_mb}");
	int v = p ? mem_mb : (mem_mb * 3 / 4 > 16 ? mem_mb * 3 / 4 : 16);
	snprintf(out, sizeof(out), "%.*s%d%s", (int)(at - a), a, v, at + keylen);
	return wire_put_str(m, tag, out);
}

static int put_argv(struct buf *m, uint32_t tag, const cJSON *arr, int mem_mb)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, arr) {
		if (cJSON_IsString(it) && put_arg(m, tag, it->valuestring, mem_mb) < 0)
			return -1;
	}
	return 0;
}

/* One T_FILE_NAME + T_FILE_DATA pair; content is base64 when b64 (the master checked it). */
static int put_file(struct buf *m, const char *name, const char *content, int b64)
{
	size_t n = strlen(content);
	if (!b64)
		return wire_put_str(m, T_FILE_NAME, name) | wire_put(m, T_FILE_DATA, content, n);
	unsigned char *d = malloc(B64_DECODED_MAX(n));
	long len = d ? b64_decode(content, n, d) : -1;
	int rc = len < 0 ? -1
			 : wire_put_str(m, T_FILE_NAME, name) |
				   wire_put(m, T_FILE_DATA, d, (size_t)len);
	if (len < 0)
		log_warnx("jobspec: file %s: %s", name, d ? "bad base64" : "out of memory");
	free(d);
	return rc;
}

/* The entry ("source", as the language's file) and the other files of the request. */
static int put_files(struct buf *m, const cJSON *spec)
{
	const cJSON *lang = cJSON_GetObjectItem(spec, "lang"), *f;
	int rc = put_file(m, json_str(lang, "file", ""), json_str(spec, "source", ""),
			  !strcmp(json_str(spec, "source_encoding", ""), "base64"));
	cJSON_ArrayForEach(f, cJSON_GetObjectItem(spec, "files")) {
		rc |= put_file(m, json_str(f, "name", ""), json_str(f, "content", ""),
			       !strcmp(json_str(f, "encoding", ""), "base64"));
	}
	return rc;
}

int jobspec_run_uid(const cJSON *spec)
{
	int uses = (int)json_num(spec, "uses", 0);
	return SANDBOX_ID + (uses > 0 ? uses % SANDBOX_UIDS : 0);
}

/* The spec's required keys (wire.h, MSG_JOB) were checked by the worker before the job began:
 * the fallbacks below (0, "") are never used for them. */
int jobspec_setup_msg(const cJSON *spec, struct buf *m)
{
	const cJSON *lang = cJSON_GetObjectItem(spec, "lang");
	int mem = (int)json_num(spec, "memory_mb", 0);
	int cmem = (int)json_num(lang, "compile_memory_mb", 0);
	size_t start = m->len;
	int rc = wire_begin(m, H_SETUP, (uint32_t)json_num(spec, "id", 0), 0);
	rc |= wire_put_u64(m, T_RUN_UID, (uint64_t)jobspec_run_uid(spec));
	rc |= wire_put_u64(m, T_RUN_GID, (uint64_t)jobspec_run_uid(spec));
	rc |= put_files(m, spec);
	rc |= put_argv(m, T_COMPILE_ARG, cJSON_GetObjectItem(lang, "compile"), cmem);
	rc |= put_argv(m, T_RUN_ARG, cJSON_GetObjectItem(lang, "run"), mem);
	for (int i = 0; base_env[i]; i++)
		rc |= wire_put_str(m, T_ENV, base_env[i]);
	rc |= put_argv(m, T_ENV, cJSON_GetObjectItem(lang, "env"), mem);
	double ct = json_num(lang, "compile_time_ms", 0);
	double cwall = json_num(lang, "compile_wall_ms", ct * 2); /* Piston's compile_timeout */
	rc |= wire_put_u64(m, T_COMPILE_WALL_MS, (uint64_t)cwall);
	rc |= wire_put_u64(m, T_COMPILE_CPU_MS, (uint64_t)ct);
	rc |= wire_put_u64(m, T_COMPILE_MEM_KB, (uint64_t)cmem * 1024);
	rc |= wire_put_u64(m, T_RUN_WALL_MS, (uint64_t)json_num(spec, "wall_ms", 0));
	rc |= wire_put_u64(m, T_RUN_CPU_MS, (uint64_t)json_num(spec, "time_ms", 0));
	rc |= wire_put_u64(m, T_RUN_MEM_KB, (uint64_t)mem * 1024);
	rc |= wire_put_u64(m, T_OUTPUT_MAX, (uint64_t)json_num(spec, "output_bytes", 0));
	rc |= wire_put_u64(m, T_FSIZE_MAX, (uint64_t)json_num(spec, "fsize_bytes", 0));
	rc |= wire_put_u64(m, T_NOFILE, (uint64_t)json_num(spec, "nofile", 0));
	rc |= wire_put_u64(m, T_STACK_KB, (uint64_t)json_num(spec, "stack_kb", 65536));
	rc |= wire_end(m, start);
	return rc ? -1 : 0;
}
