/*
 * engine_stubs.c - link-time stand-ins for the engine calls workers/session.c and reuse.c make,
 * so the wire fuzzer links without libcurl: it only decodes bytes and never opens a session.
 * Each fails.
 */
#include <errno.h>

#include "docker.h"

int docker_exec_create(struct docker *d, const char *id, const cJSON *spec, char eid[65])
{
	(void)d, (void)id, (void)spec, (void)eid;
	return -1;
}

int docker_exec_start(struct docker *d, const char *eid, struct docker_stream *s)
{
	(void)d, (void)eid, (void)s;
	return -1;
}

int docker_attach(struct docker *d, const char *id, struct docker_stream *s)
{
	(void)d, (void)id, (void)s;
	return -1;
}

int docker_stream_write(struct docker_stream *s, const void *p, size_t n, int timeout_ms)
{
	(void)s, (void)p, (void)n, (void)timeout_ms;
	errno = EPIPE;
	return -1;
}

long docker_stream_read(struct docker_stream *s, void *p, size_t n, int timeout_ms)
{
	(void)s, (void)p, (void)n, (void)timeout_ms;
	errno = EPIPE;
	return -1;
}

void docker_stream_close(struct docker_stream *s)
{
	(void)s;
}

int docker_update(struct docker *d, const char *id, const cJSON *spec)
{
	(void)d, (void)id, (void)spec;
	return -1;
}

const struct docker_error *docker_last_error(const struct docker *d)
{
	static struct docker_error e;
	(void)d;
	return &e;
}
