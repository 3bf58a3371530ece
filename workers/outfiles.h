/*
 * outfiles.h - "output_files": asking the helper for files of the work dir after a plain run
 * (H_COLLECT), decoding its H_FILES answer, and rendering them into the JSON answer.
 */
#ifndef EXECUTIONER_OUTFILES_H
#define EXECUTIONER_OUTFILES_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "session.h"

struct out_file {
	char *name;
	struct buf data;  /* the first bytes read (at most T_OUT_MAX) */
	uint64_t size;    /* the file's size */
	char error[128];  /* why it was not read, "" when it was */
};

struct out_files {
	struct out_file *v;
	int n;
};

/* Sends H_COLLECT for the spec's "output_files" and reads H_FILES into *of (which the caller
 * frees with outfiles_free, also on failure). 0, or -1 with s->error set. */
int outfiles_fetch(struct session *s, const cJSON *spec, struct out_files *of);
/* Decodes an H_FILES payload against the names asked (cJSON array of strings), at most max bytes
 * of data each: 0, or -1 when it is malformed or does not answer each name once, in order. */
int outfiles_decode(const uint8_t *p, size_t n, const cJSON *names, size_t max,
		    struct out_files *of);
/* [{name, content, encoding ("utf8" | "base64"), size, truncated} | {name, error}], each content
 * within share rendered bytes. NULL on ENOMEM. */
cJSON *outfiles_json(const struct out_files *of, size_t share);
void outfiles_free(struct out_files *of);

#endif
