/*
 * fuzz_wire.c - libFuzzer target for everything that decodes bytes from the other side of a
 * trust boundary: the Docker stream demultiplexer, message framing (wire_peek / wire_next) and
 * the helper's step results (session_step_decode), output files (outfiles_decode, then
 * rendered) and reset reports (reuse_done_decode), fed the same input split at a fuzzed point.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "docker.h"
#include "outfiles.h"
#include "reuse.h"
#include "session.h"
#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf out, err, msgs;
	struct docker_demux m;
	buf_init(&out, 1 << 16);
	buf_init(&err, 1 << 16);
	buf_init(&msgs, 1 << 20);
	struct buf *outs[3] = { NULL, &out, &err };
	docker_demux_init(&m);
	size_t cut = size ? data[0] % (size + 1) : 0;
	if (docker_demux_feed(&m, data, cut, outs) == 0)
		docker_demux_feed(&m, data + cut, size - cut, outs);
	docker_demux_clean_end(&m);

	buf_append(&msgs, data, size);
	for (;;) {
		struct wire_hdr h;
		const uint8_t *p;
		long n = wire_peek(&msgs, &h, &p, 1 << 20);
		if (n <= 0)
			break;
		struct step st;
		if (session_step_decode(p, h.len, &st, 4096) == 0 && (st.out.len > 4096 || st.err.len > 4096))
			abort();
		buf_free(&st.out);
		buf_free(&st.err);
		int clean = 0;
		uint64_t seq = 0;
		char rep[64];
		if (reuse_done_decode(p, h.len, &clean, &seq, rep, sizeof(rep)) == 0 &&
		    strlen(rep) >= sizeof(rep))
			abort();
		cJSON *names = cJSON_Parse("[\"a\",\"b/c\"]");
		struct out_files of = { 0 };
		if (outfiles_decode(p, h.len, names, 64, &of) == 0) {
			for (int i = 0; i < of.n; i++)
				if (of.v[i].data.len > 64)
					abort();
			cJSON_Delete(outfiles_json(&of, 100));
		}
		outfiles_free(&of);
		cJSON_Delete(names);
		const uint8_t *q = p, *end = p + h.len;
		struct wire_field f;
		while (wire_next(&q, end, &f) == 1)
			if (f.data + f.len > end)
				abort();
		buf_consume(&msgs, (size_t)n);
	}
	buf_free(&out);
	buf_free(&err);
	buf_free(&msgs);
	return 0;
}
