/*
 * docker_demux.c - splits the engine's multiplexed stream ([stream][0 0 0][u32 BE length]
 * [payload] frames) into stdout and stderr, for any split of the input. Needs no libcurl.
 */
#include <string.h>

#include "docker_demux.h"
#include "log.h"

void docker_demux_init(struct docker_demux *m)
{
	memset(m, 0, sizeof(*m));
	m->stream = -1;
}

/* A complete header: checks it and starts its frame; a bad one leaves hlen at 8 (sticky). */
static int demux_header(struct docker_demux *m)
{
	const uint8_t *h = m->hdr;
	if (h[0] > 2 || h[1] || h[2] || h[3]) {
		log_warnx("docker demux: malformed frame header %02x %02x %02x %02x", h[0], h[1],
			  h[2], h[3]);
		return -1;
	}
	m->stream = h[0];
	m->remain = (uint32_t)h[4] << 24 | (uint32_t)h[5] << 16 | (uint32_t)h[6] << 8 | h[7];
	m->hlen = 0;
	return 0;
}

int docker_demux_feed(struct docker_demux *m, const uint8_t *p, size_t n, struct buf *out[3])
{
	if (m->hlen >= 8)
		return -1;
	while (n > 0) {
		if (m->remain == 0) {
			size_t take = 8 - m->hlen < n ? 8 - m->hlen : n;
			memcpy(m->hdr + m->hlen, p, take);
			m->hlen += take;
			p += take;
			n -= take;
			if (m->hlen == 8 && demux_header(m) < 0)
				return -1;
			continue;
		}
		size_t take = m->remain < n ? m->remain : n;
		struct buf *o = out ? out[m->stream] : NULL;
		if (o && buf_append_trunc(o, p, take) > 0)
			m->overflow[m->stream] = 1;
		p += take;
		n -= take;
		m->remain -= (uint32_t)take;
	}
	return 0;
}

int docker_demux_clean_end(const struct docker_demux *m)
{
	return m->hlen == 0 && m->remain == 0;
}
