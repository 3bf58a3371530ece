/*
 * files.h - the multi-file fields of POST /execute: "files" (with "main") and "output_files",
 * checked against the relative-path rule (relpath.h) and the limits.files_* caps. Used by
 * request.c only; pure code, unit-tested.
 */
#ifndef EXECUTIONER_FILES_H
#define EXECUTIONER_FILES_H

#include <cjson/cJSON.h>

#include "config.h"
#include "request.h"

/* "files" and "main" of req into job: "source" (the entry's content, written as the language's
 * file), "source_encoding" ("base64" when so), "files" [{"name","content","encoding"}] (the
 * others).
 * code is source_code when given (then it is the entry), else NULL. Returns 0, or -1 with *e
 * naming the field (e.g. "files[2].name"). */
int files_parse(const cJSON *req, const struct config *c, const char *file, const char *code,
		cJSON *job, struct req_error *e);

/* "output_files" of req into job ("output_files" [names], "output_file_bytes"); refused with
 * tests. Returns 0, or -1 with *e set. */
int files_parse_output(const cJSON *req, const struct config *c, cJSON *job, struct req_error *e);

#endif
