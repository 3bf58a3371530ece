/*
 * grpc_conv.c - the gRPC API's translations (see grpc_conv.h): protobuf-c messages to and from
 * the native JSON, so that the gRPC front reuses request.c's checks and the workers' results.
 */
#include <stdlib.h>
#include <string.h>

#include <grpc/status.h>

#include "b64.h"
#include "grpc_conv.h"
#include "jsonutil.h"

static void add_str(cJSON *o, const char *k, const char *v)
{
	if (v && *v)
		cJSON_AddStringToObject(o, k, v);
}

static void add_num(cJSON *o, const char *k, double v)
{
	if (v != 0)
		cJSON_AddNumberToObject(o, k, v);
}

static cJSON *str_array(char **v, size_t n)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; a && i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v[i] ? v[i] : ""));
	return a;
}

/* files: bytes travel as base64, whatever they are */
static cJSON *files_json(Executor__File **f, size_t n)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; a && i < n; i++) {
		cJSON *o = cJSON_CreateObject();
		char *b = b64_encode(f[i]->content.data ? (const void *)f[i]->content.data : "",
				     f[i]->content.len);
		if (!o || !b) {
			free(b);
			cJSON_Delete(o);
			cJSON_Delete(a);
			return NULL;
		}
		cJSON_AddStringToObject(o, "name", f[i]->name ? f[i]->name : "");
		cJSON_AddStringToObject(o, "content", b);
		cJSON_AddStringToObject(o, "encoding", "base64");
		free(b);
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

static cJSON *tests_json(Executor__TestCase **t, size_t n)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; a && i < n; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "stdin", t[i]->stdin ? t[i]->stdin : "");
		cJSON_AddStringToObject(o, "expected_output",
					t[i]->expected_output ? t[i]->expected_output : "");
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

cJSON *grpc_conv_request(const Executor__ExecuteRequest *r)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "language", r->language ? r->language : "");
	/* without files, the code is the program even when empty (request.c says what is wrong) */
	if ((r->code && *r->code) || r->n_files == 0)
		cJSON_AddStringToObject(o, "code", r->code ? r->code : "");
	add_str(o, "input", r->input);
	if (r->time_limit != 0)
		cJSON_AddNumberToObject(o, "time_limit", r->time_limit);
	else
		add_num(o, "timeout_seconds", r->timeout_seconds);
	add_num(o, "memory_limit_mb", r->memory_limit_mb);
	add_num(o, "cpu_limit", r->cpu_limit);
	add_num(o, "wall_time_limit", r->wall_time_limit);
	add_num(o, "output_limit_kb", r->output_limit_kb);
	if (r->n_args)
		cJSON_AddItemToObject(o, "args", str_array(r->args, r->n_args));
	if (r->n_files)
		cJSON_AddItemToObject(o, "files", files_json(r->files, r->n_files));
	add_str(o, "main", r->main);
	if (r->n_output_files)
		cJSON_AddItemToObject(o, "output_files",
				      str_array(r->output_files, r->n_output_files));
	if (r->n_tests)
		cJSON_AddItemToObject(o, "tests", tests_json(r->tests, r->n_tests));
	add_str(o, "compare", r->compare);
	add_num(o, "float_tolerance", r->float_tolerance);
	if (r->stop_on_first_failure)
		cJSON_AddBoolToObject(o, "stop_on_first_failure", 1);
	return o;
}

/* ---- result -> ExecuteResponse ---- */

/* Borrowed string members (the cJSON outlives the packing); "" when absent or null. */
static char *str(const cJSON *o, const char *k)
{
	char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
	return s ? s : (char *)"";
}

static int flag(const cJSON *o, const char *k)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, k));
}

/* exit_code, or -1 when null (killed by a signal, or never run) */
static int32_t exit_code(const cJSON *o)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "exit_code");
	return cJSON_IsNumber(v) ? (int32_t)v->valueint : -1;
}

static void fill_test(Executor__TestResult *t, const cJSON *o)
{
	executor__test_result__init(t);
	t->verdict = str(o, "verdict");
	t->execution_time_ms = json_num(o, "execution_time_ms", 0);
	t->cpu_time_ms = json_num(o, "cpu_time_ms", 0);
	t->memory_used_kb = (int64_t)json_num(o, "memory_used_kb", 0);
	t->exit_code = exit_code(o);
	t->signal = str(o, "signal");
	t->stdout = str(o, "stdout");
	t->stderr = str(o, "stderr");
	t->output_truncated = flag(o, "output_truncated");
}

/* An output file: content decoded from base64 into a buffer of its own (freed by the caller). */
static int fill_outfile(Executor__OutputFile *f, const cJSON *o)
{
	executor__output_file__init(f);
	f->name = str(o, "name");
	f->size = (int64_t)json_num(o, "size", 0);
	f->truncated = flag(o, "truncated");
	f->error = str(o, "error");
	const char *c = str(o, "content");
	size_t n = strlen(c);
	if (!strcmp(str(o, "encoding"), "base64")) {
		uint8_t *d = malloc(B64_DECODED_MAX(n) + 1);
		long dn = d ? b64_decode(c, n, d) : -1;
		if (dn < 0) {
			free(d);
			return -1;
		}
		f->content = (ProtobufCBinaryData){ (size_t)dn, d };
		return 0;
	}
	uint8_t *d = malloc(n + 1);
	if (!d)
		return -1;
	memcpy(d, c, n);
	f->content = (ProtobufCBinaryData){ n, d };
	return 0;
}

struct resp_arrays {
	Executor__TestResult *tests, **tptr;
	Executor__OutputFile *files, **fptr;
	size_t nfiles;
};

static void arrays_free(struct resp_arrays *a)
{
	for (size_t i = 0; a->files && i < a->nfiles; i++)
		free(a->files[i].content.data);
	free(a->tests);
	free(a->tptr);
	free(a->files);
	free(a->fptr);
}

static int fill_arrays(Executor__ExecuteResponse *p, const cJSON *res, struct resp_arrays *a)
{
	const cJSON *tests = cJSON_GetObjectItemCaseSensitive(res, "tests");
	const cJSON *files = cJSON_GetObjectItemCaseSensitive(res, "output_files");
	size_t nt = cJSON_IsArray(tests) ? (size_t)cJSON_GetArraySize(tests) : 0;
	size_t nf = cJSON_IsArray(files) ? (size_t)cJSON_GetArraySize(files) : 0;
	a->tests = calloc(nt + 1, sizeof(*a->tests));
	a->tptr = calloc(nt + 1, sizeof(*a->tptr));
	a->files = calloc(nf + 1, sizeof(*a->files));
	a->fptr = calloc(nf + 1, sizeof(*a->fptr));
	if (!a->tests || !a->tptr || !a->files || !a->fptr)
		return -1;
	size_t i = 0;
	for (const cJSON *t = nt ? tests->child : NULL; t; t = t->next, i++) {
		fill_test(&a->tests[i], t);
		a->tptr[i] = &a->tests[i];
	}
	i = 0;
	for (const cJSON *f = nf ? files->child : NULL; f; f = f->next, i++) {
		a->nfiles = i + 1;
		if (fill_outfile(&a->files[i], f) < 0)
			return -1;
		a->fptr[i] = &a->files[i];
	}
	p->n_tests = nt;
	p->tests = a->tptr;
	p->n_output_files = nf;
	p->output_files = a->fptr;
	return 0;
}

int grpc_conv_response(const cJSON *res, uint8_t **out, size_t *len)
{
	Executor__ExecuteResponse p = EXECUTOR__EXECUTE_RESPONSE__INIT;
	struct resp_arrays a = { 0 };
	*out = NULL;
	if (!cJSON_IsObject(res))
		return -1;
	p.stdout = str(res, "stdout");
	p.stderr = str(res, "stderr");
	p.exit_code = exit_code(res);
	p.timeout = flag(res, "timeout");
	p.memory_exceeded = flag(res, "memory_exceeded");
	p.execution_time_ms = json_num(res, "execution_time_ms", 0);
	p.memory_used_mb = json_num(res, "memory_used_mb", 0);
	p.status = str(res, "status");
	p.cpu_time_ms = json_num(res, "cpu_time_ms", 0);
	p.signal = str(res, "signal");
	p.compile_output = str(res, "compile_output");
	p.compile_time_ms = json_num(res, "compile_time_ms", 0);
	p.memory_used_kb = (int64_t)json_num(res, "memory_used_kb", 0);
	p.output_truncated = flag(res, "output_truncated");
	p.verdict = str(res, "verdict");
	p.passed = (int32_t)json_num(res, "passed", 0);
	p.total = (int32_t)json_num(res, "total", 0);
	p.time_budget_exceeded = flag(res, "time_budget_exceeded");
	p.error = str(res, "error");
	p.id = (int64_t)json_num(res, "id", 0);
	p.language = str(res, "language");
	int rc = fill_arrays(&p, res, &a);
	if (rc == 0) {
		*len = executor__execute_response__get_packed_size(&p);
		*out = malloc(*len ? *len : 1);
		rc = *out ? 0 : -1;
		if (*out)
			executor__execute_response__pack(&p, *out);
	}
	arrays_free(&a);
	return rc;
}

int grpc_conv_chunk_event(const char *stream, const uint8_t *data, size_t n, uint8_t **out,
			  size_t *len)
{
	Executor__OutputChunk c = EXECUTOR__OUTPUT_CHUNK__INIT;
	Executor__ExecuteEvent e = EXECUTOR__EXECUTE_EVENT__INIT;
	size_t tn;
	char *text = utf8_sanitize((const char *)data, n, &tn);
	*out = NULL;
	if (!text)
		return -1;
	c.stream = (char *)stream;
	c.data = text;
	e.event_case = EXECUTOR__EXECUTE_EVENT__EVENT_OUTPUT;
	e.output = &c;
	*len = executor__execute_event__get_packed_size(&e);
	if ((*out = malloc(*len + 1)))
		executor__execute_event__pack(&e, *out);
	free(text);
	return *out ? 0 : -1;
}

/* The event is field 2 (length-delimited) around the packed response: key 0x12, the length as
 * a varint, the bytes, which is what packing ExecuteEvent{result} would write. */
int grpc_conv_result_event(const uint8_t *resp, size_t n, uint8_t **out, size_t *len)
{
	uint8_t head[11];
	size_t h = 0;
	head[h++] = (2 << 3) | 2;
	for (uint64_t v = n; ; v >>= 7) {
		head[h++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		if (v <= 0x7f)
			break;
	}
	if (!(*out = malloc(h + n + 1)))
		return -1;
	memcpy(*out, head, h);
	if (n)
		memcpy(*out + h, resp, n);
	*len = h + n;
	return 0;
}

int grpc_conv_status(int http, int queue_full)
{
	if (http >= 200 && http < 300)
		return GRPC_STATUS_OK;
	switch (http) {
	case 400: case 404: case 405: case 413: case 422: return GRPC_STATUS_INVALID_ARGUMENT;
	case 401: case 403: return GRPC_STATUS_UNAUTHENTICATED;
	case 429: return GRPC_STATUS_RESOURCE_EXHAUSTED;
	case 499: return GRPC_STATUS_CANCELLED;
	case 503: return queue_full ? GRPC_STATUS_RESOURCE_EXHAUSTED : GRPC_STATUS_UNAVAILABLE;
	case 504: return GRPC_STATUS_DEADLINE_EXCEEDED;
	default: return GRPC_STATUS_INTERNAL;
	}
}

const char *grpc_conv_status_name(int code)
{
	static const char *const names[] = {
		"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
		"ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
		"ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
		"UNAUTHENTICATED",
	};
	return code >= 0 && code <= 16 ? names[code] : "?";
}
