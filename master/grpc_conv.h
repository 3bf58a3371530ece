/*
 * grpc_conv.h - the gRPC API's translations, pure code (unit-tested): an ExecuteRequest into the
 * JSON body POST /execute takes (so request.c validates it), a native result into an
 * ExecuteResponse, and the service's HTTP answers into gRPC status codes.
 */
#ifndef EXECUTIONER_GRPC_CONV_H
#define EXECUTIONER_GRPC_CONV_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "executor.pb-c.h"

/* The request as POST /execute's JSON, named as in the .proto where request.c knows that name
 * (code, input, timeout_seconds), so a field error names the proto's field. Fields left at
 * their proto3 default are left out. NULL on ENOMEM. */
cJSON *grpc_conv_request(const Executor__ExecuteRequest *r);

/* Packs the native result res (POST /execute's 200 body) as an ExecuteResponse into a malloc'd
 * buffer (*len bytes); -1 on ENOMEM or a result that is not an object. */
int grpc_conv_response(const cJSON *res, uint8_t **out, size_t *len);

/* ExecuteStream's events, packed into a malloc'd buffer (*len bytes): an OutputChunk of stream
 * ("stdout", "stderr") with n bytes of data (sanitized to UTF-8), or the result given as the
 * packed ExecuteResponse resp[0..n). -1 on ENOMEM. */
int grpc_conv_chunk_event(const char *stream, const uint8_t *data, size_t n, uint8_t **out,
			  size_t *len);
int grpc_conv_result_event(const uint8_t *resp, size_t n, uint8_t **out, size_t *len);

/* The gRPC status code for an HTTP status of the service (200 OK, 400 INVALID_ARGUMENT, ...).
 * queue_full: the answer is the queue's refusal at admission (503 -> RESOURCE_EXHAUSTED). */
int grpc_conv_status(int http, int queue_full);

/* The name of a gRPC status code ("INVALID_ARGUMENT"), for logs. */
const char *grpc_conv_status_name(int code);

#endif
