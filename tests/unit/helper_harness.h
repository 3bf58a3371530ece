/*
 * helper_harness.h - what test_helper.c needs to drive the real helper binary: start it in a
 * temp dir, speak the wire protocol to it (H_SETUP with every required field, H_RUN, H_END) and
 * read its H_STEP / H_FATAL answers. Defined in helper_harness.c.
 */
#ifndef EXECUTIONER_HELPER_HARNESS_H
#define EXECUTIONER_HELPER_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"

#define MSG_TIMEOUT_MS 20000
#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define SH(cmd) ARGS("/bin/sh", "-c", cmd)

struct helper {
	pid_t pid;
	int to, from; /* equal with a socketpair */
	char dir[64];
};

/* One H_STEP as received. */
struct reply_step {
	uint64_t kind, exit, sig, wall_us, cpu_us, rss_kb, flags;
	struct buf out, err;
	char error[512];
};

/* The H_SETUP to send; the same limits go to the compile step and the runs. */
struct spec {
	const char *const *files; /* name, data, ..., NULL */
	const char *const *compile, *const *run, *const *env;
	uint64_t wall_ms, cpu_ms, mem_kb, out_max, fsize, nofile, stack_kb;
};

extern char helper_bin[4096]; /* the helper under test (absolute path) */
extern struct reply_step last;      /* the last H_STEP received */

uint64_t ms_now(void); /* CLOCK_MONOTONIC in ms */
/* cmocka group setup: finds HELPER_BIN (default build/executioner-helper) */
int group_setup(void **state);
/* argv (NULL: the helper) in a fresh temp dir, fds 0/1 to us (pipes or a socketpair) */
void start_argv(struct helper *h, int use_socket, const char *const *argv);
void start(struct helper *h); /* the helper over pipes */
/* waits (SIGKILL after timeout_ms); the wait status */
int wait_exit(struct helper *h, int timeout_ms);
void cleanup(struct helper *h); /* closes our ends and removes the temp dir */
void send_buf(struct helper *h, struct buf *b); /* writes b and frees it */
/* one field per string of the NULL-terminated v */
void put_strs(struct buf *b, uint32_t tag, const char *const *v);
/* H_SETUP's required u64 fields but skip */
void put_required(struct buf *b, const struct spec *sp, uint32_t skip);
/* H_SETUP for sp without the required field skip (0: complete) */
void send_setup_but(struct helper *h, const struct spec *sp, uint32_t skip);
void send_setup(struct helper *h, const struct spec *sp); /* a complete H_SETUP for sp */
/* H_RUN; in NULL: no T_STDIN (a protocol error) */
void send_run(struct helper *h, const void *in, size_t n, const char *const *extra);
void send_type(struct helper *h, uint16_t type); /* an empty message of that type */
/* one message, which must be of that type; its payload */
const uint8_t *recv_type(struct helper *h, struct buf *m, uint16_t type, uint32_t *len);
void step_free(struct reply_step *s); /* frees s's bufs */
void recv_step(struct helper *h); /* one H_STEP into `last`, every required field checked */
void expect_exit(struct helper *h, int code); /* the helper must exit with code within 5 s */
void stop(struct helper *h); /* H_END; the helper must exit 0 */
/* a session with one run, its H_STEP in `last` */
void run_once(const struct spec *sp, const void *in, size_t n);

#endif
