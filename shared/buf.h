/*
 * buf.h - a growable byte buffer with a hard cap: every byte the service holds for a job
 * (request bodies, captured output, messages) lives in one of these, so nothing grows unbounded.
 */
#ifndef EXECUTIONER_BUF_H
#define EXECUTIONER_BUF_H

#include <stddef.h>

struct buf {
	char *data;   /* always NUL-terminated when non-NULL (the NUL is not counted in len) */
	size_t len;
	size_t cap;   /* allocated */
	size_t max;   /* hard cap on len; appends past it fail */
};

void buf_init(struct buf *b, size_t max);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);
/* Appends n bytes; returns 0, or -1 when the cap would be passed (nothing is appended) or on
 * ENOMEM. */
int buf_append(struct buf *b, const void *p, size_t n);
/* Appends what fits under the cap; returns the number of bytes dropped. */
size_t buf_append_trunc(struct buf *b, const void *p, size_t n);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Drops the first n bytes. */
void buf_consume(struct buf *b, size_t n);
/* Hands the data to the caller (who frees it) and resets b. */
char *buf_steal(struct buf *b);

#endif
