/*
 * docker_demux.h - the demultiplexer of the Docker engine's 8-byte-framed stdout/stderr (attach
 * and exec streams). Pure byte decoding: no libcurl, no engine; the fuzzer links it alone.
 */
#ifndef EXECUTIONER_DOCKER_DEMUX_H
#define EXECUTIONER_DOCKER_DEMUX_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Demultiplexer of the engine's stream framing: [stream 1 byte][0 0 0][u32 BE length][payload].
 * Feed it any split of the stream; payload bytes go to out[1] (stdout) or out[2] (stderr)
 * (out[0] may receive stdin-typed frames; NULL outputs discard). A stream over its buf cap
 * sets overflow[stream] and drops the excess. Returns 0, or -1 on a malformed header. */
struct docker_demux {
	uint8_t hdr[8];
	size_t hlen;       /* header bytes collected so far */
	uint32_t remain;   /* payload bytes left in the current frame */
	int stream;
	int overflow[3];
};

void docker_demux_init(struct docker_demux *m);
int docker_demux_feed(struct docker_demux *m, const uint8_t *p, size_t n, struct buf *out[3]);
/* 1 when the stream ended between frames, 0 when it ended inside one (truncated frame). */
int docker_demux_clean_end(const struct docker_demux *m);

#endif
