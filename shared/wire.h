/*
 * wire.h - the one framing used between master and workers and between a worker and the
 * in-container helper (cf. OpenBSD imsg): a 16-byte header, then len payload bytes, with a hard
 * cap checked on both sides. Below: every message, who sends it, and each field it carries.
 */
#ifndef EXECUTIONER_WIRE_H
#define EXECUTIONER_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define WIRE_HDR_LEN 16
#define WIRE_MAX_PAYLOAD (64u << 20) /* absolute ceiling; callers pass smaller caps */

/* Header, network byte order. `reserved` is written 0 and a frame with anything else there is
 * malformed: no message carries meaning in the header beyond type, id and gen. */
struct wire_hdr {
	uint16_t type;
	uint16_t reserved;
	uint32_t len; /* payload bytes after the header */
	uint32_t id;  /* job id (0 for messages about no job) */
	uint32_t gen; /* worker slot incarnation; the helper echoes what the worker sent */
};

/*
 * Master -> worker. Payloads are one JSON object; the worker refuses (logs, and answers as
 * noted) a message that lacks a required key instead of assuming a value.
 *   MSG_JOB      id: job id. The master's normalized job: required "id", "container",
 *                "uses" (jobs its container ran before), "max_uses" (jobs it may run),
 *                "reuse_key" (pool.reuse_scope: its API key's SHA-256 hex, "" without keys),
 *                "transport", "pause", "source", "stdin", "time_ms", "wall_ms", "memory_mb",
 *                "cpus", "output_bytes", "fsize_bytes", "nofile", "lang" {"id", "file", "run",
 *                "env", "compile_time_ms", "compile_memory_mb", "container_memory_mb",
 *                "workdir_slack_mb", "container_cpus"}; optional "lang"."compile", "args",
 *                "tests" [{"stdin","expected_output"}], "compare", "float_tolerance",
 *                "stop_on_first_failure", "max_request_ms", "queue_ms", "source_encoding"
 *                ("base64": "source" is base64), "files" [{"name","content","encoding"}]
 *                (more files beside the entry), "output_files" [names] with
 *                "output_file_bytes" (plain mode only). Refused: MSG_RESULT 500.
 *   MSG_FILL     required "lang", "image", "owner", "memory_mb", "cpus", "pids", "runtime",
 *                "pause", "transport", "workdir_mb", "tmp_mb", "shm_mb", "nofile",
 *                "fsize_bytes", "max_uses" (> 1: made for reuse, see container.c). Create +
 *                start one container (+ pause). Refused: MSG_FAILED.
 *   MSG_REMOVE   required "container": remove it (e.g. one a dead worker held).
 *   MSG_PAUSE    required "container": pause a ready container left idle.
 *   MSG_CLEANUP  required "owner" (this service's owner id), "mine_too": remove this
 *                instance's containers whose owner is gone (and ours when mine_too).
 *   MSG_PING     no payload: check the engine.       MSG_SHUTDOWN  no payload: exit.
 *   MSG_CANCEL   id: the job whose client is gone; no payload. Stop it and answer at once.
 *
 * Worker -> master. MSG_RESULT and MSG_IDLE are TLV (fields below, both required); the others
 * are one JSON object.
 *   MSG_RESULT   id: job id. T_HTTP u64 (the client's HTTP status: 200 the program was judged,
 *                499 cancelled, 500 internal error); T_BODY the JSON response body, passed to
 *                the client unparsed (its "status" / "verdict" strings are the JSON edge of
 *                enum judge_status / judge_verdict, see judge.h).
 *   MSG_IDLE     T_OK u64: 1 when the task just done succeeded (for MSG_PAUSE: the container is
 *                paused), 0 when it failed. The worker takes new work after it.
 *   MSG_READY    {"lang", "container", "paused", "version" (first fill of a language only)};
 *                during a job (max_uses > 1, after its MSG_RESULT): also "uses" (jobs it ran)
 *                and "key" (the job's "reuse_key"): its container, reset clean, goes back.
 *   MSG_FAILED   {"lang", "error", "engine_down"}: a MSG_FILL failed.
 *   MSG_PONG     {"engine": bool, "error" (when false)}.
 *   MSG_STATS    counters for /metrics: {"lang", "status", "compile_s", "run_s", "problem" (a
 *                stored problem's id, when the job named one)} after a job,
 *                or one of {"created", "removed", "create_failed", "reused",
 *                "reset_discarded"}: n (see metrics.c).
 *   MSG_RETRY    id: job id, no payload: its container was gone before the job began; the
 *                master queues it again.
 *   MSG_CHUNK    id: job id. TLV, exactly one T_STDOUT or T_STDERR: output of a streamed run
 *                (spec "stream": true) as the helper read it, before the MSG_RESULT.
 */
enum {
	MSG_JOB = 1, MSG_FILL, MSG_REMOVE, MSG_CLEANUP, MSG_PING, MSG_SHUTDOWN, MSG_PAUSE,
	MSG_CANCEL,
	MSG_RESULT = 32, MSG_READY, MSG_FAILED, MSG_IDLE, MSG_PONG, MSG_STATS, MSG_RETRY,
	MSG_CHUNK,
};

/*
 * Master <-> store process (master/store_proc.c, master/store_main.c). Every request carries a
 * nonzero id and one JSON object; the store answers each, in order, with MSG_ST_REPLY of the
 * same id: {"ok": true, ...} or {"ok": false, "error"}. MSG_SHUTDOWN ends the process.
 *   MSG_ST_PUT      required "token", "owner", "lang", "request", "created_ms". Committed
 *                   before the reply.
 *   MSG_ST_GET      required "token", "owner"; optional "with_request" (true: the row also has
 *                   "request", for judge0.c). Reply "found"; when found "row" {"seq", "token",
 *                   "lang", "status", "attempts", "created_ms", "updated_ms", "http",
 *                   "result" (null until it ends)}.
 *   MSG_ST_LIST     required "owner", "limit", "before" (0: newest), "since_ms", "status"
 *                   (-1: any); optional "lang". Reply "rows" [row without "result"].
 *   MSG_ST_DELETE   required "token", "owner". Reply "found".
 *   MSG_ST_START    required "token", "attempt" (this run's number), "now_ms": -> running,
 *                   attempts at least "attempt" (told twice, counted once).
 *   MSG_ST_FINISH   required "token", "status" (2 done, 3 failed), "http", "result", "now_ms".
 *   MSG_ST_PENDING  required "after", "upto" (-1: the last row now), "limit". Reply "upto",
 *                   "rows" [{"seq", "token", "owner", "lang", "request", "attempts",
 *                   "created_ms"}]: the queued and running ones, oldest first, as many as
 *                   fit 16 MiB.
 *   MSG_ST_PROB_PUT required "id", "problem" (tests inline), "create" (POST: must be new; PUT:
 *                   must exist). Reply "http" (201/200, or 404, 409, 413 with "message") and
 *                   "problem" (the stored manifest, tests by hash) (master/store_problems.c).
 *   MSG_ST_PROB_GET required "id", "version" (0: the latest). Reply "found", "problem".
 *   MSG_ST_PROB_DEL required "id". Reply "found".
 * Store -> master, besides the replies:
 *   MSG_ST_STATE    id 0: {"ok", "backend", "error" (when not ok)}: the database was opened
 *                   (or could not be; it is tried again every second), sent at each change.
 */
enum {
	MSG_ST_PUT = 16, MSG_ST_GET, MSG_ST_LIST, MSG_ST_DELETE, MSG_ST_START, MSG_ST_FINISH,
	MSG_ST_PENDING, MSG_ST_PROB_PUT, MSG_ST_PROB_GET, MSG_ST_PROB_DEL,
	MSG_ST_REPLY = 48, MSG_ST_STATE,
};

/*
 * Master <-> callbacks process (master/callbacks.c, master/cb_main.c), one JSON object each.
 *   MSG_CB_CHECK  id nonzero. required "url": may a callback go there (the host resolved, every
 *                 address in callbacks.allow)? Answered by MSG_CB_REPLY, same id: {"ok",
 *                 "error" (when not ok: a sentence naming callback_url)}.
 *   MSG_CB_SEND   id nonzero. required "url", "method", "body": deliver (retries, backoff,
 *                 timeout, signature per callbacks.*). Answered, once it is over, by
 *                 MSG_CB_DONE, same id: {"ok", "attempts", "http" (the last answer's status,
 *                 0 when none), "error" (when not ok)}.
 */
enum {
	MSG_CB_CHECK = 64, MSG_CB_SEND,
	MSG_CB_REPLY = 80, MSG_CB_DONE,
};

/*
 * Master <-> gRPC process (master/grpc_proc.c, master/grpc_main.c), one JSON object each.
 *   MSG_GR_CALL    id: the call's number (nonzero, chosen by the gRPC process). Required "kind"
 *                  ("execute" or "health"), "peer" (the client's IP); optional "key" (the API
 *                  key its metadata gave), "request" (execute: a POST /execute body, made by
 *                  grpc_conv_request). Answered once by MSG_GR_REPLY, unless cancelled.
 *   MSG_GR_CANCEL  id: a call whose client went away (cancel, deadline); {}: its job is
 *                  cancelled (a MSG_GR_REPLY may still come, and is dropped).
 * Master -> gRPC process:
 *   MSG_GR_CHUNK   id: the call (ExecuteStream). {"stream": "stdout" or "stderr", "data": the
 *                  bytes as text (invalid UTF-8 becomes U+FFFD)}: sent before its MSG_GR_REPLY.
 *   MSG_GR_REPLY   id: the call. "code" (a gRPC status); when not 0 "message" and optional
 *                  "field" (the offending request field); when 0 "result" (execute: the native
 *                  result object, as POST /execute answers it) or "serving" (health: bool).
 */
enum { MSG_GR_CALL = 24, MSG_GR_CANCEL, MSG_GR_REPLY = 56, MSG_GR_CHUNK };

/*
 * Worker <-> helper, all TLV. Required fields must be present exactly once where marked (1);
 * the helper answers H_FATAL to a message that lacks one, the worker fails the job (500) on a
 * reply that does.
 *   H_SETUP (w->h, once)  id: job id. T_RUN_UID, T_RUN_GID (1; 0 = run as the helper),
 *            T_RUN_ARG (at least one), T_COMPILE_ARG (any: none = no compile step), T_ENV
 *            (any, "K=V"; its PATH, else /usr/local/bin:/usr/bin:/bin, finds argv[0]),
 *            T_FILE_NAME + T_FILE_DATA pairs (any; written in order as the program's user,
 *            missing directories made 0700, no symlink followed, no file replaced: a name
 *            that breaks relpath.h's rule or exists already is H_FATAL), and every limit (1):
 *            T_COMPILE_WALL_MS ..
 *            T_STACK_KB (0 = no limit / as inherited, but T_OUTPUT_MAX 0 = 1 MiB; it is
 *            capped so both streams fit one H_STEP).
 *   H_RUN   (w->h)   T_STDIN (1, may be empty), T_EXTRA_ARG (any: appended to the run argv),
 *            T_STREAM (optional, u64 1: send H_CHUNKs during the run).
 *   H_CHUNK (h->w, between H_RUN and its H_STEP, only with T_STREAM)  exactly one T_STDOUT or
 *            T_STDERR: bytes the program wrote, as read (within T_OUTPUT_MAX; the H_STEP still
 *            carries the whole output).
 *   H_END   (w->h)   no payload: kill everything and exit 0.
 *   H_COLLECT (w->h, after the last H_STEP of a plain run)  T_OUT_MAX (1: bytes read per
 *            file), T_OUT_NAME (at least one): files of the work dir to send back, read as
 *            the program's user with no symlink followed in any component of the path.
 *   H_FILES (h->w)   the answer to H_COLLECT: per name asked, in order, T_OUT_NAME (the same
 *            name), T_OUT_SIZE (the file's size; for an error 0), then exactly one of T_OUT_DATA
 *            (at most T_OUT_MAX bytes: fewer than T_OUT_SIZE means cut) or T_OUT_ERROR (why it
 *            was not read, e.g. "is a symbolic link"; also for a name that breaks relpath.h's
 *            rule). The data of all files stays under WIRE_MAX_PAYLOAD - 1 MiB (later files
 *            are cut, their size tells). Nothing else; the worker fails the job
 *            on anything out of this order.
 *   H_STEP  (h->w)   one compile step or run: T_KIND, T_EXIT, T_SIGNAL, T_WALL_US, T_CPU_US,
 *            T_MAXRSS_KB, T_FLAGS, T_STDOUT, T_STDERR (all 1); T_ERROR (optional: why the
 *            program could not be started, with SF_SPAWN_FAILED).
 *   H_FATAL (h->w)   T_ERROR (1): the helper could not do what was asked and exits 1.
 * Container reuse (pool.max_uses > 1, helper_reset.c; H_SETUP may then come again):
 *   H_RESET (w->h, after a job's last step instead of H_END)  no payload: kill every process
 *            but PID 1, empty every writable tmpfs, remove SysV IPC and POSIX mqueues, then
 *            wait for the next H_SETUP (or H_END).
 *   H_RESET_DONE (h->w)  T_RESET_CLEAN (1, u64 1 when everything checked out), T_JOB_SEQ (1),
 *            T_RESET_REPORT (1, text: what was found and removed, or what was odd).
 * Every H_STEP also carries T_JOB_SEQ: the 1-based number of the job in this container.
 */
enum { H_SETUP = 64, H_RUN, H_END, H_STEP, H_FATAL, H_COLLECT, H_FILES, H_CHUNK };
enum { H_RESET = 88, H_RESET_DONE };

/* TLV tags. Integers (u64) are exactly 8 bytes, big-endian; strings are bytes without NUL. */
enum {
	T_FILE_NAME = 1, /* a file's path relative to the work dir (relpath.h's rule) */
	T_FILE_DATA,     /* the contents of the file named just before */
	T_COMPILE_ARG,   /* one argv entry of the compile step */
	T_RUN_ARG,       /* one argv entry of each run */
	T_ENV,           /* one "K=V" of the programs' whole environment */
	T_COMPILE_WALL_MS, T_COMPILE_CPU_MS, T_COMPILE_MEM_KB, /* u64 limits of the compile step */
	T_RUN_WALL_MS, T_RUN_CPU_MS, T_RUN_MEM_KB,             /* u64 limits of each run */
	T_OUTPUT_MAX,    /* u64 bytes kept per output stream (the step is killed past it) */
	T_FSIZE_MAX, T_NOFILE, T_STACK_KB,                     /* u64 rlimits */
	T_STDIN = 20,    /* the run's stdin bytes */
	T_EXTRA_ARG,     /* one extra argv entry for this run */
	T_STREAM,        /* H_RUN: u64 1: stream the output as H_CHUNKs */
	T_RUN_UID = 30, T_RUN_GID, /* u64: the uid/gid programs run as (the helper runs as root
	                            * with only SETUID/SETGID/KILL, so the program cannot touch
	                            * it) */
	T_KIND = 40,     /* u64 STEP_COMPILE or STEP_RUN */
	T_EXIT,          /* u64 exit status (0 when killed by a signal) */
	T_SIGNAL,        /* u64 the signal that ended it, 0 if none */
	T_WALL_US, T_CPU_US, /* u64 wall-clock and CPU time of the step */
	T_MAXRSS_KB,     /* u64 peak RSS of the largest process of the step */
	T_STDOUT, T_STDERR, /* the captured output, at most T_OUTPUT_MAX bytes each */
	T_FLAGS,         /* u64 SF_* bits: what the helper saw happen */
	T_ERROR,         /* text: the helper's own problem */
	T_OUT_NAME = 50, /* H_COLLECT / H_FILES: an output file's path (relpath.h's rule) */
	T_OUT_SIZE,      /* H_FILES: u64 the file's size in bytes */
	T_OUT_DATA,      /* H_FILES: its first bytes (at most T_OUT_MAX) */
	T_OUT_ERROR,     /* H_FILES: text: why it was not read */
	T_OUT_MAX,       /* H_COLLECT: u64 bytes read per file */
	T_HTTP = 80,     /* MSG_RESULT: u64 HTTP status */
	T_BODY,          /* MSG_RESULT: JSON text */
	T_OK,            /* MSG_IDLE: u64 0 or 1 */
	T_JOB_SEQ = 96,  /* H_STEP, H_RESET_DONE: u64 the job's number in its container */
	T_RESET_CLEAN,   /* H_RESET_DONE: u64 1 clean, 0 not (the container must go) */
	T_RESET_REPORT,  /* H_RESET_DONE: text */
};

enum { STEP_COMPILE = 0, STEP_RUN = 1 }; /* T_KIND values */

/* H_STEP T_FLAGS bits. */
enum {
	SF_WALL_TIMEOUT = 1, SF_CPU_TIMEOUT = 2, SF_OOM = 4, SF_STDOUT_CAP = 8, SF_STDERR_CAP = 16,
	SF_SPAWN_FAILED = 32, SF_MEM_OVER = 64,
};

struct wire_field {
	uint32_t tag;
	uint32_t len;
	const uint8_t *data;
};

/* Encoding: begin a message in b (appends a header), add fields, end (patches len). */
int wire_begin(struct buf *b, uint16_t type, uint32_t id, uint32_t gen);
int wire_put(struct buf *b, uint32_t tag, const void *p, size_t n);
int wire_put_str(struct buf *b, uint32_t tag, const char *s);
int wire_put_u64(struct buf *b, uint32_t tag, uint64_t v);
int wire_end(struct buf *b, size_t start); /* start: b->len before wire_begin */
/* A whole message with a raw payload (e.g. JSON text). */
int wire_pack(struct buf *b, uint16_t type, uint32_t id, uint32_t gen, const void *p, size_t n);

/* Decoding. wire_hdr_decode checks len against max and reserved == 0; returns 0 or -1. */
int wire_hdr_decode(const uint8_t *p, struct wire_hdr *h, uint32_t max);
/* Iterates fields: returns 1 with *f filled, 0 at the end, -1 on a malformed payload. */
int wire_next(const uint8_t **p, const uint8_t *end, struct wire_field *f);
uint64_t wire_u64(const struct wire_field *f); /* 0 unless len == 8 (check f->len first) */
/* Copies a field into a fresh NUL-terminated string (NULL on ENOMEM). */
char *wire_strdup(const struct wire_field *f);

/* Required-field bookkeeping for a decoder: wire_seen() records f's tag (tags < 128) and
 * returns -1 when it was seen before; wire_missing() returns the first of the 0-terminated
 * required tags not seen, or 0 when all were. */
struct wire_seen {
	uint64_t bits[2];
};
int wire_seen(struct wire_seen *s, uint32_t tag);
uint32_t wire_missing(const struct wire_seen *s, const uint32_t *required);

/* If b starts with a complete message, sets *h and *payload and returns its total length;
 * returns 0 when more bytes are needed, -1 when the header is bad or over max. */
long wire_peek(const struct buf *b, struct wire_hdr *h, const uint8_t **payload, uint32_t max);

/* Blocking I/O on a socket or pipe (EINTR-safe). */
int wire_write_all(int fd, const void *p, size_t n);
/* Reads one whole message into b (replacing its contents: header then payload). 0, or -1 on
 * EOF/error/oversize; with timeout_ms >= 0 gives up after that long (errno ETIMEDOUT). */
int wire_read_msg(int fd, struct buf *b, struct wire_hdr *h, uint32_t max, int timeout_ms);

#endif
