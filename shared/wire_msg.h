/*
 * wire_msg.h - the typed worker -> master messages MSG_RESULT and MSG_IDLE (their fields are
 * listed in wire.h), encoded by the worker and decoded by the master, and the required-key check
 * the worker applies to the master's JSON messages. Service only: it logs (the helper does not).
 */
#ifndef EXECUTIONER_WIRE_MSG_H
#define EXECUTIONER_WIRE_MSG_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "buf.h"

/* Appends a whole MSG_RESULT / MSG_IDLE to b. 0, or -1 when it does not fit b's cap. */
int wire_msg_result(struct buf *b, uint32_t id, uint32_t gen, int http, const char *body);
int wire_msg_idle(struct buf *b, uint32_t gen, int ok);

/* A MSG_RESULT payload: sets *http and returns the body (malloc'd, NUL-terminated). A payload
 * that is malformed or lacks T_HTTP or T_BODY is refused: logged, *http = 500 and an
 * internal_error body. NULL (with *http = 500) only when memory runs out. */
char *wire_msg_result_decode(const void *payload, size_t n, uint32_t id, int *http);
/* A MSG_IDLE payload: its T_OK (1 or 0). Malformed or without T_OK: logged, and 0. */
int wire_msg_idle_decode(const void *payload, size_t n);

/* Checks that every key of the NULL-terminated list is in o and not null; "a.b" looks in the
 * object o.a. 0, or -1 with why = "missing \"a.b\"". */
int wire_msg_require(const cJSON *o, const char *const *keys, char *why, size_t n);

#endif
