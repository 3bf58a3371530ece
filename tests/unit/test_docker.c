/*
 * test_docker.c - unit tests of the Docker Engine client (shared/docker.c, docker_stream.c)
 * against a scripted fake engine on a unix socket: calls, errors, timeouts, the hijacked attach
 * and exec streams, and the stream demultiplexer under every split and cap.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* asprintf, memmem, strndup (also set by the Makefile) */
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "docker.h"
#include "fake_engine.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static struct fake_engine *fe;

static struct docker *open_fake(const struct fake_step *steps, size_t n)
{
	fe = fake_engine_start(steps, n);
	assert_non_null(fe);
	struct docker *d = docker_open(fake_engine_sock(fe), "v1.41", 2000);
	assert_non_null(d);
	return d;
}

static void done(struct docker *d)
{
	docker_close(d);
	fake_engine_stop(fe);
	fe = NULL;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void test_ping_ok(void **state)
{
	(void)state;
	struct fake_step s[] = { { .kind = FAKE_REPLY, .status = 200, .body = "OK" } };
	struct docker *d = open_fake(s, N(s));
	assert_int_equal(docker_ping(d), 0);
	assert_int_equal(docker_last_error(d)->kind, DOCKER_OK);
	assert_int_equal(fake_engine_nreq(fe), 1);
	assert_non_null(strstr(fake_engine_head(fe, 0), "GET /v1.41/_ping HTTP/1.1\r\n"));
	done(d);
}

static void test_version_and_keepalive(void **state)
{
	(void)state;
	struct fake_step s[] = {
		{ .kind = FAKE_REPLY,
		  .status = 200,
		  .body = "{\"Version\":\"20.10.24\",\"ApiVersion\":\"1.41\"}" },
		{ .kind = FAKE_REPLY, .status = 200, .body = "OK" },
	};
	struct docker *d = open_fake(s, N(s));
	char v[32] = "";
	assert_int_equal(docker_version(d, v, sizeof(v)), 0);
	assert_string_equal(v, "20.10.24");
	assert_int_equal(docker_ping(d), 0);
	assert_int_equal(fake_engine_nconn(fe), 1); /* the handle kept its connection */
	assert_non_null(strstr(fake_engine_head(fe, 0), "GET /v1.41/version HTTP/1.1\r\n"));
	done(d);
}

static void test_unparseable_success_is_proto(void **state)
{
	(void)state;
	struct fake_step s[] = { { .kind = FAKE_REPLY, .status = 200, .body = "<html>no</html>" } };
	struct docker *d = open_fake(s, N(s));
	char v[32];
	assert_int_equal(docker_version(d, v, sizeof(v)), -1);
	assert_int_equal(docker_last_error(d)->kind, DOCKER_E_PROTO);
	done(d);
}

static void test_http_error_json(void **state)
{
	(void)state;
	struct fake_step s[] = {
		{ .kind = FAKE_REPLY,
		  .status = 404,
		  .body = "{\"message\":\"No such container: x\"}" },
		{ .kind = FAKE_REPLY, .status = 200, .body = "OK" },
	};
	struct docker *d = open_fake(s, N(s));
	assert_int_equal(docker_remove(d, "x", 1), -1);
	const struct docker_error *e = docker_last_error(d);
	assert_int_equal(e->kind, DOCKER_E_HTTP);
	assert_int_equal(e->http, 404);
	assert_string_equal(e->msg, "No such container: x");
	assert_non_null(
		strstr(fake_engine_head(fe, 0), "DELETE /v1.41/containers/x?force=1&v=1 HTTP/1.1"));
	/* the next call starts from a clean error */
	assert_int_equal(docker_ping(d), 0);
	assert_int_equal(e->kind, DOCKER_OK);
	assert_int_equal(e->http, 0);
	done(d);
}

static void test_http_error_not_json(void **state)
{
	(void)state;
	struct fake_step s[] = {
		{ .kind = FAKE_REPLY,
		  .status = 500,
		  .body = "  \n Internal trouble: disk on fire\r\n\n" },
		{ .kind = FAKE_REPLY, .status = 409, .body = "" },
	};
	struct docker *d = open_fake(s, N(s));
	assert_int_equal(docker_start(d, "abc"), -1);
	assert_int_equal(docker_last_error(d)->kind, DOCKER_E_HTTP);
	assert_int_equal(docker_last_error(d)->http, 500);
	assert_string_equal(docker_last_error(d)->msg, "Internal trouble: disk on fire");
	assert_int_equal(docker_pause(d, "abc"), -1);
	assert_int_equal(docker_last_error(d)->http, 409);
	assert_string_equal(docker_last_error(d)->msg, "HTTP 409");
	done(d);
}

static void test_not_modified_is_success(void **state)
{
	(void)state;
	struct fake_step s[] = {
		{ .kind = FAKE_REPLY, .status = 304 },
		{ .kind = FAKE_REPLY, .status = 204 },
	};
	struct docker *d = open_fake(s, N(s));
	assert_int_equal(docker_start(d, "abc"), 0);
	assert_int_equal(docker_kill(d, "abc", "SIGKILL"), 0);
	assert_non_null(
		strstr(fake_engine_head(fe, 0), "POST /v1.41/containers/abc/start HTTP/1.1"));
	assert_non_null(
		strstr(fake_engine_head(fe, 1), "POST /v1.41/containers/abc/kill?signal=SIGKILL "));
	done(d);
}

static void test_timeout(void **state)
{
	(void)state;
	struct fake_step s[] = { { .kind = FAKE_SILENT } };
	struct docker *d = open_fake(s, N(s));
	long long t0 = now_ms();
	assert_int_equal(docker_call(d, "GET", "/containers/json", NULL, NULL, 300), -1);
	long long el = now_ms() - t0;
	assert_true(el >= 250 && el < 1000);
	assert_int_equal(docker_last_error(d)->kind, DOCKER_E_TRANSPORT);
	assert_non_null(strstr(docker_last_error(d)->msg, "300 ms"));
	done(d);
}

static void test_early_close(void **state)
{
	(void)state;
	struct fake_step s[] = { { .kind = FAKE_CLOSE } };
	struct docker *d = open_fake(s, N(s));
	assert_int_equal(docker_ping(d), -1);
	assert_int_equal(docker_last_error(d)->kind, DOCKER_E_TRANSPORT);
	assert_true(strlen(docker_last_error(d)->msg) > 0);
	done(d);
}

static void test_engine_down(void **state)
{
	(void)state;
	const char *sock = "/nonexistent-executioner-dir/docker.sock";
	struct docker *d = docker_open(sock, "v1.41", 1000);
	assert_non_null(d);
	assert_int_equal(docker_ping(d), -1);
	const struct docker_error *e = docker_last_error(d);
	assert_int_equal(e->kind, DOCKER_E_TRANSPORT);
	assert_non_null(strstr(
		e->msg,
		"cannot reach the Docker engine at /nonexistent-executioner-dir/docker.sock"));
	assert_non_null(strstr(e->msg, "connect"));
	struct docker_stream st;
	assert_int_equal(docker_attach(d, "abc", &st), -1);
	assert_int_equal(e->kind, DOCKER_E_TRANSPORT);
	assert_null(st.curl);
	assert_int_equal(st.fd, -1);
	docker_close(d);
}

static void test_body_over_cap(void **state)
{
	(void)state;
	size_t n = (9u << 20);
	char *big = malloc(n + 1);
	assert_non_null(big);
	memset(big, 'a', n);
	big[0] = '[';
	big[n] = '\0';
	struct fake_step s[] = {
		{ .kind = FAKE_REPLY, .status = 200, .body = big, .body_len = n },
		{ .kind = FAKE_REPLY, .status = 200, .body = "OK" },
	};
	struct docker *d = open_fake(s, N(s));
	struct buf out;
	buf_init(&out, (size_t)64 << 20);
	assert_int_equal(docker_call(d, "GET", "/containers/json", NULL, &out, 0), -1);
	assert_int_equal(docker_last_error(d)->kind, DOCKER_E_LIMIT);
	assert_int_equal(docker_ping(d), 0); /* the handle recovers */
	buf_free(&out);
	done(d);
	free(big);
}

static void test_create_returns_id(void **state)
{
	(void)state;
	struct fake_step s[] = {
		{ .kind = FAKE_REPLY,
		  .status = 201,
		  .body = "{\"Id\":\"4fa6e0f0c678\",\"Warnings\":[]}" },
		{ .kind = FAKE_REPLY,
		  .status = 200,
		  .body = "{\"Id\":\"" /* 65 chars: too long */
			  "0123456789012345678901234567890123456789012345678901234567890123x\"}" },
	};
	struct docker *d = open_fake(s, N(s));
	cJSON *spec = cJSON_CreateObject();
	cJSON_AddStringToObject(spec, "Image", "python:3.11");
	char id[65] = "";
	assert_int_equal(docker_create(d, "job 1", spec, id), 0);
	assert_string_equal(id, "4fa6e0f0c678");
	const char *h = fake_engine_head(fe, 0);
	assert_non_null(strstr(h, "POST /v1.41/containers/create?name=job%201 HTTP/1.1"));
	assert_non_null(strstr(h, "Content-Type: application/json"));
	assert_string_equal(fake_engine_body(fe, 0), "{\"Image\":\"python:3.11\"}");
	assert_int_equal(docker_create(d, NULL, spec, id), -1);
	assert_int_equal(docker_last_error(d)->kind, DOCKER_E_PROTO);
	assert_non_null(strstr(fake_engine_head(fe, 1), "POST /v1.41/containers/create HTTP/1.1"));
	cJSON_Delete(spec);
	done(d);
}

static void test_list_ids(void **state)
{
	(void)state;
	struct fake_step s[] = {
		{ .kind = FAKE_REPLY,
		  .status = 200,
		  .body = "[{\"Id\":\"aaa\",\"Names\":[\"/x\"]},"
			  "{\"Id\":\"bbb\",\"State\":\"exited\"}]" },
		{ .kind = FAKE_REPLY, .status = 200, .body = "[]" },
	};
	struct docker *d = open_fake(s, N(s));
	char **ids;
	size_t n;
	assert_int_equal(docker_list(d, "executioner=1", &ids, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(ids[0], "aaa");
	assert_string_equal(ids[1], "bbb");
	docker_free_list(ids, n);
	/* {"label":["executioner=1"]} url-encoded */
	assert_non_null(strstr(fake_engine_head(fe, 0), "GET /v1.41/containers/json?all=1&filters="
				"%7B%22label%22%3A%5B%22executioner%3D1%22%5D%7D HTTP/1.1"));
	assert_int_equal(docker_list(d, "executioner=1", &ids, &n), 0);
	assert_int_equal(n, 0);
	docker_free_list(ids, n);
	done(d);
}

static void test_pull(void **state)
{
	(void)state;
	struct fake_step s[] = {
		{ .kind = FAKE_REPLY,
		  .status = 200,
		  .body = "{\"status\":\"Pulling from library/python\",\"id\":\"3.11\"}\r\n"
			  "{\"status\":\"Downloading\",\"progress\":\"[=>  ]\",\"id\":\"a1\"}\r\n"
			  "{\"status\":\"Status: Downloaded newer image\"}" },
		{ .kind = FAKE_REPLY,
		  .status = 200,
		  .body = "{\"status\":\"Pulling\"}\n"
			  "{\"errorDetail\":{\"message\":\"net down\"},\"error\":\"net down\"}\n" },
		{ .kind = FAKE_REPLY,
		  .status = 404,
		  .body = "{\"message\":\"pull access denied for nope\"}" },
	};
	struct docker *d = open_fake(s, N(s));
	assert_int_equal(docker_image_pull(d, "library/python:3.11", 0), 0);
	assert_non_null(
		strstr(fake_engine_head(fe, 0),
		       "POST /v1.41/images/create?fromImage=library%2Fpython&tag=3.11 HTTP/1.1"));
	assert_int_equal(docker_image_pull(d, "localhost:5000/img", 0), -1);
	assert_non_null(
		strstr(fake_engine_head(fe, 1), "fromImage=localhost%3A5000%2Fimg&tag=latest "));
	assert_int_equal(docker_last_error(d)->kind, DOCKER_E_HTTP);
	assert_string_equal(docker_last_error(d)->msg, "net down");
	assert_int_equal(docker_image_pull(d, "nope", 0), -1);
	assert_int_equal(docker_last_error(d)->http, 404);
	assert_string_equal(docker_last_error(d)->msg, "pull access denied for nope");
	done(d);
}

static void test_inspect_and_exec_inspect(void **state)
{
	(void)state;
	struct fake_step s[] = {
		{ .kind = FAKE_REPLY,
		  .status = 200,
		  .body = "{\"Id\":\"abc\",\"State\":{\"Running\":true}}" },
		{ .kind = FAKE_REPLY, .status = 200, .body = "{\"ExitCode\":3,\"Running\":false}" },
		{ .kind = FAKE_REPLY,
		  .status = 200,
		  .body = "{\"ExitCode\":null,\"Running\":true}" },
		{ .kind = FAKE_REPLY, .status = 200, .body = "{\"Id\":\"sha256:1\"}" },
	};
	struct docker *d = open_fake(s, N(s));
	cJSON *j = NULL;
	assert_int_equal(docker_inspect(d, "abc", &j), 0);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "State"), "Running")));
	cJSON_Delete(j);
	int code = 0, running = 1;
	assert_int_equal(docker_exec_inspect(d, "e1", &code, &running), 0);
	assert_int_equal(code, 3);
	assert_int_equal(running, 0);
	assert_int_equal(docker_exec_inspect(d, "e1", &code, &running), 0);
	assert_int_equal(code, -1);
	assert_int_equal(running, 1);
	assert_non_null(strstr(fake_engine_head(fe, 1), "GET /v1.41/exec/e1/json HTTP/1.1"));
	assert_int_equal(docker_image_inspect(d, "python:3.11", NULL), 0);
	assert_non_null(
		strstr(fake_engine_head(fe, 3), "GET /v1.41/images/python%3A3.11/json HTTP/1.1"));
	done(d);
}

/* ---- hijacked streams ---- */

static size_t frame(uint8_t *dst, int stream, const void *p, size_t n)
{
	dst[0] = (uint8_t)stream;
	dst[1] = dst[2] = dst[3] = 0;
	dst[4] = (uint8_t)(n >> 24);
	dst[5] = (uint8_t)(n >> 16);
	dst[6] = (uint8_t)(n >> 8);
	dst[7] = (uint8_t)n;
	memcpy(dst + 8, p, n);
	return 8 + n;
}

/* Reads s to EOF through a demuxer into out[1], out[2]; returns clean_end. */
static int drain(struct docker_stream *s, struct buf *out1, struct buf *out2)
{
	struct docker_demux m;
	struct buf *out[3] = { NULL, out1, out2 };
	uint8_t tmp[3]; /* small reads: frames cross read boundaries */
	long k;
	docker_demux_init(&m);
	while ((k = docker_stream_read(s, tmp, sizeof(tmp), 2000)) > 0)
		assert_int_equal(docker_demux_feed(&m, tmp, (size_t)k, out), 0);
	assert_int_equal(k, 0);
	return docker_demux_clean_end(&m);
}

static const char bin_err[] = { 'e', 0, 'r', '\n', (char)0xff };

static void test_attach_stream(void **state)
{
	(void)state;
	static uint8_t raw1[512], raw2[512];
	const char *head =
		"HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\n"
		"Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n";
	size_t n1 = strlen(head), n2 = 0;
	memcpy(raw1, head, n1);
	n1 += frame(raw1 + n1, 1, "hello ", 6);
	n1 += frame(raw1 + n1, 2, "warn\n", 5);
	n2 += frame(raw2 + n2, 1, "", 0);
	n2 += frame(raw2 + n2, 1, "world\n", 6);
	n2 += frame(raw2 + n2, 2, bin_err, sizeof(bin_err));
	struct fake_step s[] = { { .kind = FAKE_RAW, .raw = raw1, .raw_len = n1, .hijack = 1,
				   .raw2 = raw2, .raw2_len = n2 } };
	struct docker *d = open_fake(s, N(s));
	struct docker_stream st;
	assert_int_equal(docker_attach(d, "cid", &st), 0);
	assert_true(st.fd >= 0);
	assert_int_equal(docker_stream_write(&st, "input\n", 6, 1000), 0);
	assert_int_equal(docker_stream_write(&st, "\0more", 5, 1000), 0);
	assert_int_equal(docker_stream_close_write(&st), 0);
	struct buf o1, o2;
	buf_init(&o1, 1024);
	buf_init(&o2, 1024);
	assert_int_equal(drain(&st, &o1, &o2), 1);
	assert_int_equal(o1.len, 12);
	assert_memory_equal(o1.data, "hello world\n", 12);
	assert_int_equal(o2.len, 5 + sizeof(bin_err));
	assert_memory_equal(o2.data, "warn\n", 5);
	assert_memory_equal(o2.data + 5, bin_err, sizeof(bin_err));
	size_t inl;
	const char *in = fake_engine_stdin(fe, &inl);
	assert_int_equal(inl, 11);
	assert_memory_equal(in, "input\n\0more", 11);
	const char *h = fake_engine_head(fe, 0);
	assert_non_null(
		strstr(h, "POST /v1.41/containers/cid/attach?stream=1&stdin=1&stdout=1&stderr=1 "
			  "HTTP/1.1\r\n"));
	assert_non_null(strstr(h, "Connection: Upgrade\r\n"));
	assert_non_null(strstr(h, "Upgrade: tcp\r\n"));
	docker_stream_close(&st);
	assert_int_equal(st.fd, -1);
	docker_stream_close(&st); /* twice is harmless */
	buf_free(&o1);
	buf_free(&o2);
	done(d);
}

static void test_attach_404(void **state)
{
	(void)state;
	struct fake_step s[] = {
		{ .kind = FAKE_REPLY,
		  .status = 404,
		  .body = "{\"message\":\"No such container: nope\"}" },
	};
	struct docker *d = open_fake(s, N(s));
	struct docker_stream st;
	assert_int_equal(docker_attach(d, "nope", &st), -1);
	const struct docker_error *e = docker_last_error(d);
	assert_int_equal(e->kind, DOCKER_E_HTTP);
	assert_int_equal(e->http, 404);
	assert_string_equal(e->msg, "No such container: nope");
	assert_null(st.curl);
	assert_int_equal(st.fd, -1);
	done(d);
}

static void test_exec_start_stream(void **state)
{
	(void)state;
	static uint8_t raw[512];
	const char *head =
		"HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\n";
	size_t n = strlen(head);
	memcpy(raw, head, n);
	n += frame(raw + n, 1, "42\n", 3);
	n += 5; /* a truncated header: the stream ends inside a frame */
	raw[n - 5] = 1;
	struct fake_step s[] = {
		{ .kind = FAKE_REPLY, .status = 201, .body = "{\"Id\":\"e99\"}" },
		{ .kind = FAKE_RAW, .raw = raw, .raw_len = n },
		{ .kind = FAKE_REPLY, .status = 200, .body = "{\"ExitCode\":0,\"Running\":false}" },
	};
	struct docker *d = open_fake(s, N(s));
	cJSON *spec = cJSON_Parse("{\"Cmd\":[\"true\"],\"AttachStdout\":true}");
	char eid[65];
	assert_int_equal(docker_exec_create(d, "cid", spec, eid), 0);
	assert_string_equal(eid, "e99");
	struct docker_stream st;
	assert_int_equal(docker_exec_start(d, eid, &st), 0);
	struct buf o1;
	buf_init(&o1, 64);
	assert_int_equal(drain(&st, &o1, NULL), 0);
	assert_string_equal(o1.data, "42\n");
	docker_stream_close(&st);
	assert_non_null(strstr(fake_engine_head(fe, 1), "POST /v1.41/exec/e99/start HTTP/1.1\r\n"));
	assert_string_equal(fake_engine_body(fe, 1), "{\"Detach\":false,\"Tty\":false}");
	int code = -5, running = -5;
	assert_int_equal(docker_exec_inspect(d, eid, &code, &running), 0);
	assert_int_equal(code, 0);
	assert_int_equal(running, 0);
	buf_free(&o1);
	cJSON_Delete(spec);
	done(d);
}

static void test_stream_read_timeout(void **state)
{
	(void)state;
	static const char head[] = "HTTP/1.1 101 UPGRADED\r\n\r\n";
	struct fake_step s[] = {
		{ .kind = FAKE_RAW, .raw = head, .raw_len = sizeof(head) - 1, .hijack = 1 }
	};
	struct docker *d = open_fake(s, N(s));
	struct docker_stream st;
	assert_int_equal(docker_attach(d, "cid", &st), 0);
	char c;
	long long t0 = now_ms();
	assert_int_equal(docker_stream_read(&st, &c, 1, 200), -1);
	assert_true(now_ms() - t0 < 1000);
	docker_stream_close_write(&st);
	assert_int_equal(docker_stream_read(&st, &c, 1, 2000), 0);
	docker_stream_close(&st);
	done(d);
}

/* ---- demultiplexer ---- */

static size_t sample(uint8_t *p)
{
	static const uint8_t bin[] = { 0, 1, 2, 0xff, 0, '\n' };
	size_t n = 0;
	n += frame(p + n, 1, "out-1 ", 6);
	n += frame(p + n, 2, bin, sizeof(bin));
	n += frame(p + n, 1, "", 0);
	n += frame(p + n, 1, "out-2\n", 6);
	n += frame(p + n, 0, "in", 2);
	n += frame(p + n, 2, "err", 3);
	return n;
}

static void demux_all(const uint8_t *p, size_t n, const size_t *cuts, size_t ncuts, struct buf o[3])
{
	struct docker_demux m;
	struct buf *out[3] = { &o[0], &o[1], &o[2] };
	for (int i = 0; i < 3; i++)
		buf_init(&o[i], 1024);
	docker_demux_init(&m);
	size_t at = 0;
	for (size_t i = 0; i <= ncuts; i++) {
		size_t to = i < ncuts ? cuts[i] : n;
		assert_int_equal(docker_demux_feed(&m, p + at, to - at, out), 0);
		at = to;
	}
	assert_int_equal(docker_demux_clean_end(&m), 1);
	assert_int_equal(m.overflow[0] | m.overflow[1] | m.overflow[2], 0);
}

static void test_demux_every_split(void **state)
{
	(void)state;
	uint8_t p[256];
	size_t n = sample(p);
	struct buf ref[3], o[3];
	demux_all(p, n, NULL, 0, ref);
	assert_int_equal(ref[1].len, 12);
	assert_memory_equal(ref[1].data, "out-1 out-2\n", 12);
	assert_int_equal(ref[2].len, 9);
	assert_memory_equal(ref[2].data + 6, "err", 3);
	assert_memory_equal(ref[0].data, "in", 2);
	for (size_t a = 0; a <= n; a++)
		for (size_t b = a; b <= n; b++) {
			size_t cuts[2] = { a, b };
			demux_all(p, n, cuts, 2, o);
			for (int i = 0; i < 3; i++) {
				assert_int_equal(o[i].len, ref[i].len);
				assert_memory_equal(o[i].data, ref[i].data, ref[i].len);
				buf_free(&o[i]);
			}
		}
	size_t ones[256];
	for (size_t i = 0; i < n; i++)
		ones[i] = i; /* one byte at a time */
	demux_all(p, n, ones, n, o);
	for (int i = 0; i < 3; i++) {
		assert_memory_equal(o[i].data, ref[i].data, ref[i].len);
		buf_free(&o[i]);
		buf_free(&ref[i]);
	}
}

static void test_demux_truncated(void **state)
{
	(void)state;
	uint8_t p[64];
	size_t n = frame(p, 1, "abcdef", 6);
	struct docker_demux m;
	struct buf o1;
	buf_init(&o1, 64);
	struct buf *out[3] = { NULL, &o1, NULL };
	docker_demux_init(&m);
	assert_int_equal(docker_demux_clean_end(&m), 1);
	assert_int_equal(docker_demux_feed(&m, p, n - 2, out), 0); /* inside the payload */
	assert_int_equal(docker_demux_clean_end(&m), 0);
	assert_string_equal(o1.data, "abcd");
	assert_int_equal(docker_demux_feed(&m, p + n - 2, 2, out), 0);
	assert_int_equal(docker_demux_clean_end(&m), 1);
	assert_int_equal(docker_demux_feed(&m, p, 3, out), 0); /* inside a header */
	assert_int_equal(docker_demux_clean_end(&m), 0);
	assert_string_equal(o1.data, "abcdef");
	buf_free(&o1);
}

static void test_demux_bad_stream(void **state)
{
	(void)state;
	uint8_t p[64];
	size_t n = frame(p, 1, "ok", 2);
	size_t bad = frame(p + n, 3, "no", 2);
	struct docker_demux m;
	struct buf o1;
	buf_init(&o1, 64);
	struct buf *out[3] = { NULL, &o1, NULL };
	docker_demux_init(&m);
	assert_int_equal(docker_demux_feed(&m, p, n + bad, out), -1);
	assert_string_equal(o1.data, "ok");
	assert_int_equal(docker_demux_feed(&m, p, n, out), -1); /* stays failed */
	assert_int_equal(docker_demux_clean_end(&m), 0);
	docker_demux_init(&m);
	p[1] = 7; /* non-zero padding is malformed too */
	assert_int_equal(docker_demux_feed(&m, p, n, out), -1);
	buf_free(&o1);
}

static void test_demux_caps(void **state)
{
	(void)state;
	uint8_t p[128];
	size_t n = frame(p, 1, "0123456789", 10);
	n += frame(p + n, 2, "err", 3);
	n += frame(p + n, 1, "abc", 3);
	struct docker_demux m;
	struct buf o1, o2;
	buf_init(&o1, 5);
	buf_init(&o2, 64);
	struct buf *out[3] = { NULL, &o1, &o2 };
	docker_demux_init(&m);
	for (size_t i = 0; i < n; i++) /* byte by byte, across the cap */
		assert_int_equal(docker_demux_feed(&m, p + i, 1, out), 0);
	assert_int_equal(o1.len, 5);
	assert_string_equal(o1.data, "01234");
	assert_string_equal(o2.data, "err");
	assert_int_equal(m.overflow[1], 1);
	assert_int_equal(m.overflow[2], 0);
	assert_int_equal(m.overflow[0], 0);
	assert_int_equal(docker_demux_clean_end(&m), 1);
	/* NULL outputs discard without flagging */
	struct buf *none[3] = { NULL, NULL, NULL };
	docker_demux_init(&m);
	assert_int_equal(docker_demux_feed(&m, p, n, none), 0);
	assert_int_equal(m.overflow[1], 0);
	buf_free(&o1);
	buf_free(&o2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ping_ok),
		cmocka_unit_test(test_version_and_keepalive),
		cmocka_unit_test(test_unparseable_success_is_proto),
		cmocka_unit_test(test_http_error_json),
		cmocka_unit_test(test_http_error_not_json),
		cmocka_unit_test(test_not_modified_is_success),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_early_close),
		cmocka_unit_test(test_engine_down),
		cmocka_unit_test(test_body_over_cap),
		cmocka_unit_test(test_create_returns_id),
		cmocka_unit_test(test_list_ids),
		cmocka_unit_test(test_pull),
		cmocka_unit_test(test_inspect_and_exec_inspect),
		cmocka_unit_test(test_attach_stream),
		cmocka_unit_test(test_attach_404),
		cmocka_unit_test(test_exec_start_stream),
		cmocka_unit_test(test_stream_read_timeout),
		cmocka_unit_test(test_demux_every_split),
		cmocka_unit_test(test_demux_truncated),
		cmocka_unit_test(test_demux_bad_stream),
		cmocka_unit_test(test_demux_caps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
