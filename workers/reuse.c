/*
 * reuse.c - a worker's side of container reuse (see reuse.h): H_RESET to the helper, its
 * H_RESET_DONE report checked, the container's memory and CPU limits put back when the job
 * changed them. Only a clean report lets the container serve another job.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonutil.h"
#include "log.h"
#include "reuse.h"
#include "wire.h"

#define RESET_MS 10000 /* the helper's reset: killing, emptying, IPC (3 s of it for the kill) */

int reuse_done_decode(const uint8_t *p, size_t len, int *clean, uint64_t *seq, char *rep,
		      size_t n)
{
	static const uint32_t required[] = { T_RESET_CLEAN, T_JOB_SEQ, T_RESET_REPORT, 0 };
	const uint8_t *end = p + len;
	struct wire_seen seen = { { 0, 0 } };
	struct wire_field f;
	int r;
	rep[0] = '\0';
	while ((r = wire_next(&p, end, &f)) == 1) {
		if (f.tag != T_RESET_CLEAN && f.tag != T_JOB_SEQ && f.tag != T_RESET_REPORT)
			continue;
		if (wire_seen(&seen, f.tag) < 0 || (f.tag != T_RESET_REPORT && f.len != 8))
			return -1;
		if (f.tag == T_RESET_CLEAN)
			*clean = wire_u64(&f) == 1;
		else if (f.tag == T_JOB_SEQ)
			*seq = wire_u64(&f);
		else
			snprintf(rep, n, "%.*s", (int)(f.len < n ? f.len : n - 1),
				 (const char *)f.data);
	}
	return r < 0 || wire_missing(&seen, required) ? -1 : 0;
}

/* The helper's reset; 1 clean, 0 not (said why). */
static int helper_reset(struct session *s, const char *cid)
{
	struct buf m;
	buf_init(&m, 64);
	int rc = wire_pack(&m, H_RESET, 0, 0, NULL, 0) < 0 ? -1 : session_send(s, &m, 1000);
	buf_free(&m);
	struct wire_hdr h;
	const uint8_t *p;
	if (rc < 0 || session_recv(s, &h, &p, RESET_MS) < 0) {
		log_warnx("container %.12s: no reset report: %s", cid, s->error);
		return 0;
	}
	int clean = 0;
	uint64_t seq = 0;
	char rep[2048];
	if (h.type != H_RESET_DONE || reuse_done_decode(p, h.len, &clean, &seq, rep,
							sizeof(rep)) < 0) {
		log_warnx("container %.12s: a malformed reset report (message %u)", cid, h.type);
		return 0;
	}
	for (char *c = rep; *c; c++)
		if (*c == '\n' && c[1])
			*c = ';';
	rep[strcspn(rep, "\n")] = '\0';
	if (!clean)
		log_warnx("container %.12s: unclean reset after job %llu, discarded: %s", cid,
			  (unsigned long long)seq, rep);
	else
		log_debug("container %.12s: reset after job %llu: %s", cid,
			  (unsigned long long)seq, rep);
	return clean;
}

int reuse_reset(struct docker *d, const cJSON *spec, struct session *s, int limits_changed)
{
	const char *cid = json_str(spec, "container", "");
	int clean = helper_reset(s, cid);
	session_close(s);
	free(s);
	if (!clean || !limits_changed)
		return clean;
	/* memory travels with the CPU (see job.c limits_initial) */
	const cJSON *lang = cJSON_GetObjectItem(spec, "lang");
	double mb = json_num(lang, "container_memory_mb", 0);
	cJSON *u = cJSON_CreateObject();
	cJSON_AddNumberToObject(u, "Memory", mb * 1024 * 1024);
	cJSON_AddNumberToObject(u, "MemorySwap", mb * 1024 * 1024);
	cJSON_AddNumberToObject(u, "NanoCpus", json_num(lang, "container_cpus", 0) * 1e9);
	int rc = docker_update(d, cid, u);
	cJSON_Delete(u);
	if (rc < 0) {
		log_warnx("container %.12s: cannot restore its limits, discarded: %s", cid,
			  docker_last_error(d)->msg);
		return 0;
	}
	return 1;
}
