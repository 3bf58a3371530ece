/*
 * wire.c - message framing and TLV fields (see wire.h): encoding into capped buffers, strict
 * decoding of untrusted bytes (every length is checked against what is there and the cap),
 * and blocking whole-message I/O for workers and the helper.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "wire.h"

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int wire_begin(struct buf *b, uint16_t type, uint32_t id, uint32_t gen)
{
	uint8_t h[WIRE_HDR_LEN] = { 0 };
	h[0] = (uint8_t)(type >> 8);
	h[1] = (uint8_t)type;
	put32(h + 8, id);
	put32(h + 12, gen);
	return buf_append(b, h, sizeof(h));
}

int wire_put(struct buf *b, uint32_t tag, const void *p, size_t n)
{
	uint8_t h[8];
	if (n > WIRE_MAX_PAYLOAD)
		return -1;
	put32(h, tag);
	put32(h + 4, (uint32_t)n);
	size_t old = b->len;
	if (buf_append(b, h, 8) < 0 || buf_append(b, p, n) < 0) {
		b->len = old;
		return -1;
	}
	return 0;
}

int wire_put_str(struct buf *b, uint32_t tag, const char *s)
{
	return wire_put(b, tag, s, strlen(s));
}

int wire_put_u64(struct buf *b, uint32_t tag, uint64_t v)
{
	uint8_t p[8];
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
	return wire_put(b, tag, p, 8);
}

int wire_end(struct buf *b, size_t start)
{
	size_t n = b->len - start - WIRE_HDR_LEN;
	if (n > WIRE_MAX_PAYLOAD)
		return -1;
	put32((uint8_t *)b->data + start + 4, (uint32_t)n);
	return 0;
}

int wire_pack(struct buf *b, uint16_t type, uint32_t id, uint32_t gen, const void *p, size_t n)
{
	size_t start = b->len;
	if (wire_begin(b, type, id, gen) < 0 || buf_append(b, p, n) < 0 || wire_end(b, start) < 0) {
		b->len = start;
		return -1;
	}
	return 0;
}

int wire_hdr_decode(const uint8_t *p, struct wire_hdr *h, uint32_t max)
{
	h->type = (uint16_t)(p[0] << 8 | p[1]);
	h->reserved = (uint16_t)(p[2] << 8 | p[3]);
	h->len = get32(p + 4);
	h->id = get32(p + 8);
	h->gen = get32(p + 12);
	if (h->len > max || h->len > WIRE_MAX_PAYLOAD || h->type == 0 || h->reserved != 0)
		return -1;
	return 0;
}

int wire_next(const uint8_t **p, const uint8_t *end, struct wire_field *f)
{
	if (*p == end)
		return 0;
	if (end - *p < 8)
		return -1;
	f->tag = get32(*p);
	f->len = get32(*p + 4);
	if ((size_t)(end - *p - 8) < f->len)
		return -1;
	f->data = *p + 8;
	*p += 8 + (size_t)f->len;
	return 1;
}

uint64_t wire_u64(const struct wire_field *f)
{
	if (f->len != 8)
		return 0;
	return (uint64_t)get32(f->data) << 32 | get32(f->data + 4);
}

char *wire_strdup(const struct wire_field *f)
{
	char *s = malloc((size_t)f->len + 1);
	if (!s)
		return NULL;
	memcpy(s, f->data, f->len);
	s[f->len] = '\0';
	return s;
}

int wire_seen(struct wire_seen *s, uint32_t tag)
{
	if (tag >= 128)
		return 0;
	uint64_t bit = (uint64_t)1 << (tag % 64);
	if (s->bits[tag / 64] & bit)
		return -1;
	s->bits[tag / 64] |= bit;
	return 0;
}

uint32_t wire_missing(const struct wire_seen *s, const uint32_t *required)
{
	for (; *required; required++)
		if (*required < 128 && !(s->bits[*required / 64] & (uint64_t)1 << (*required % 64)))
			return *required;
	return 0;
}

long wire_peek(const struct buf *b, struct wire_hdr *h, const uint8_t **payload, uint32_t max)
{
	if (b->len < WIRE_HDR_LEN)
		return 0;
	if (wire_hdr_decode((const uint8_t *)b->data, h, max) < 0)
		return -1;
	if (b->len - WIRE_HDR_LEN < h->len)
		return 0;
	*payload = (const uint8_t *)b->data + WIRE_HDR_LEN;
	return (long)(WIRE_HDR_LEN + (size_t)h->len);
}

int wire_write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n > 0) {
		ssize_t w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd pfd = { .fd = fd, .events = POLLOUT };
			if (poll(&pfd, 1, 1000) < 0 && errno != EINTR)
				return -1;
			continue;
		}
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Reads exactly n bytes into dst, within the deadline (deadline < 0: none). */
static int read_full(int fd, void *dst, size_t n, long deadline)
{
	char *c = dst;
	while (n > 0) {
		if (deadline >= 0) {
			long left = deadline - clock_ms();
			if (left <= 0) {
				errno = ETIMEDOUT;
				return -1;
			}
			struct pollfd pfd = { .fd = fd, .events = POLLIN };
			int r = poll(&pfd, 1, (int)left);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				if (r == 0)
					errno = ETIMEDOUT;
				return -1;
			}
		}
		ssize_t r = read(fd, c, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			errno = EPIPE;
		if (r <= 0)
			return -1;
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

int wire_read_msg(int fd, struct buf *b, struct wire_hdr *h, uint32_t max, int timeout_ms)
{
	uint8_t hdr[WIRE_HDR_LEN];
	long deadline = timeout_ms >= 0 ? clock_ms() + timeout_ms : -1;
	buf_reset(b);
	if (read_full(fd, hdr, sizeof(hdr), deadline) < 0)
		return -1;
	if (wire_hdr_decode(hdr, h, max) < 0) {
		errno = EMSGSIZE;
		return -1;
	}
	size_t old = b->max;
	b->max = (size_t)WIRE_HDR_LEN + h->len;
	if (buf_append(b, hdr, sizeof(hdr)) < 0) {
		b->max = old;
		return -1;
	}
	size_t need = h->len;
	/* grow once, then read straight into the buffer */
	if (need && buf_append(b, "", 0) == 0) {
		char *tmp = realloc(b->data, WIRE_HDR_LEN + need + 1);
		if (!tmp) {
			b->max = old;
			return -1;
		}
		b->data = tmp;
		b->cap = WIRE_HDR_LEN + need + 1;
		if (read_full(fd, b->data + WIRE_HDR_LEN, need, deadline) < 0) {
			b->max = old;
			return -1;
		}
		b->len = WIRE_HDR_LEN + need;
		b->data[b->len] = '\0';
	}
	b->max = old;
	return 0;
}
