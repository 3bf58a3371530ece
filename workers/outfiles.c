/*
 * outfiles.c - the worker's side of "output_files" (see outfiles.h): H_COLLECT out, H_FILES in
 * with its field order checked (wire.h), and the answer's entries: UTF-8 text as is, anything
 * else as base64, each cut to its share of the answer's budget.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "jsonutil.h"
#include "log.h"
#include "outfiles.h"
#include "wire.h"

void outfiles_free(struct out_files *of)
{
	for (int i = 0; of->v && i < of->n; i++) {
		free(of->v[i].name);
		buf_free(&of->v[i].data);
	}
	free(of->v);
	of->v = NULL;
	of->n = 0;
}

/* One field of an entry; *state: 0 = a T_OUT_NAME is due, 1 = T_OUT_SIZE, 2 = data or error. */
static int entry_field(struct out_file *o, const struct wire_field *f, int *state)
{
	if (*state == 1 && f->tag == T_OUT_SIZE && f->len == 8) {
		o->size = wire_u64(f);
		*state = 2;
		return 0;
	}
	if (*state == 2 && f->tag == T_OUT_DATA) {
		*state = 0;
		return f->len > o->data.max ? -1 : buf_append(&o->data, f->data, f->len);
	}
	if (*state == 2 && f->tag == T_OUT_ERROR && f->len > 0) {
		snprintf(o->error, sizeof(o->error), "%.*s", (int)(f->len > 120 ? 120 : f->len),
			 (const char *)f->data);
		*state = 0;
		return 0;
	}
	return -1;
}

int outfiles_decode(const uint8_t *p, size_t n, const cJSON *names, size_t max,
		    struct out_files *of)
{
	int want = cJSON_GetArraySize(names), state = 0, r;
	const uint8_t *end = p + n;
	struct wire_field f;
	of->n = 0;
	of->v = calloc((size_t)(want > 0 ? want : 1), sizeof(*of->v));
	if (!of->v)
		return -1;
	while ((r = wire_next(&p, end, &f)) == 1) {
		if (state == 0) {
			const cJSON *a = cJSON_GetArrayItem(names, of->n);
			if (f.tag != T_OUT_NAME || of->n >= want || !cJSON_IsString(a) ||
			    f.len != strlen(a->valuestring) ||
			    memcmp(f.data, a->valuestring, f.len))
				return -1;
			struct out_file *o = &of->v[of->n++];
			buf_init(&o->data, max);
			if (!(o->name = wire_strdup(&f)))
				return -1;
			state = 1;
		} else if (entry_field(&of->v[of->n - 1], &f, &state) < 0) {
			return -1;
		}
	}
	return r < 0 || state != 0 || of->n != want ? -1 : 0;
}

static int collect_msg(struct buf *m, const cJSON *spec)
{
	const cJSON *it;
	int rc = wire_begin(m, H_COLLECT, 0, 0);
	rc |= wire_put_u64(m, T_OUT_MAX, (uint64_t)json_num(spec, "output_file_bytes", 0));
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(spec, "output_files")) {
		if (cJSON_IsString(it))
			rc |= wire_put_str(m, T_OUT_NAME, it->valuestring);
	}
	return rc | wire_end(m, 0);
}

int outfiles_fetch(struct session *s, const cJSON *spec, struct out_files *of)
{
	struct buf m;
	struct wire_hdr h;
	const uint8_t *p;
	buf_init(&m, 1u << 20);
	int rc = collect_msg(&m, spec);
	if (rc)
		snprintf(s->error, sizeof(s->error), "cannot build the output files' request");
	else
		rc = session_send(s, &m, SESSION_IO_MS);
	buf_free(&m);
	if (rc || session_recv(s, &h, &p, SESSION_IO_MS * 3) < 0)
		return -1;
	size_t max = (size_t)json_num(spec, "output_file_bytes", 0);
	if (h.type == H_FATAL) {
		snprintf(s->error, sizeof(s->error),
			 "the sandbox helper failed while reading the output files");
		return -1;
	}
	if (h.type != H_FILES ||
	    outfiles_decode(p, h.len, cJSON_GetObjectItem(spec, "output_files"), max, of) < 0) {
		log_errorx("refusing the helper's answer to H_COLLECT (type %u): malformed, out of "
			   "order or not the files asked",
			   h.type);
		snprintf(s->error, sizeof(s->error),
			 "the sandbox helper sent a malformed output files answer");
		return -1;
	}
	return 0;
}

/* content + encoding of one file within share rendered bytes; *cut set when it was cut. */
static void add_content(cJSON *o, const struct out_file *f, size_t share, int *cut)
{
	const char *d = f->data.data ? f->data.data : "";
	size_t n = f->data.len;
	if (utf8_valid(d, n)) {
		cJSON_AddItemToObject(o, "content", json_bytes_capped(d, n, share, cut));
		cJSON_AddStringToObject(o, "encoding", "utf8");
		return;
	}
	size_t room = share > 8 ? (share - 8) / 4 * 3 : 0; /* quotes, padding */
	if (n > room) {
		n = room;
		*cut = 1;
	}
	char *b = b64_encode(d, n);
	cJSON_AddStringToObject(o, "content", b ? b : "");
	cJSON_AddStringToObject(o, "encoding", "base64");
	free(b);
}

cJSON *outfiles_json(const struct out_files *of, size_t share)
{
	cJSON *a = cJSON_CreateArray();
	for (int i = 0; a && i < of->n; i++) {
		const struct out_file *f = &of->v[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", f->name);
		if (f->error[0]) {
			cJSON_AddItemToObject(o, "error", json_bytes(f->error, strlen(f->error)));
		} else {
			int cut = 0;
			add_content(o, f, share, &cut);
			cJSON_AddNumberToObject(o, "size", (double)f->size);
			cJSON_AddBoolToObject(o, "truncated", cut || f->data.len < f->size);
		}
		cJSON_AddItemToArray(a, o);
	}
	return a;
}
