/*
 * config.h - the service's settings, read from one libconfig file (executioner.conf), with
 * EXECUTIONER_<SECTION>_<KEY> environment overrides; every scalar setting is described once in a
 * table (name, type, default, range) that drives parsing, overriding, checking and printing.
 */
#ifndef EXECUTIONER_CONFIG_H
#define EXECUTIONER_CONFIG_H

#include <stdio.h>

#include "config_lang.h"

struct config {
	char path[CONF_STR_MAX];
	/* server */
	char address[64];
	int port;
	int body_kb;          /* request body cap */
	int queue_size;
	double queue_timeout_s;
	int max_connections;
	int connection_timeout_s;
	/* grpc */
	int grpc_port;        /* the gRPC API's port (on server.address); 0: no gRPC */
	/* workers */
	int workers;
	/* docker */
	char docker_socket[CONF_STR_MAX];
	char docker_api[16];
	int docker_timeout_ms;
	char runtime[32];
	char instance[64];
	char state_dir[CONF_STR_MAX]; /* lock files proving which services of this instance run */
	int cleanup_interval_s; /* container cleanup and orphan scan, besides start and outages */
	char seccomp_profile[CONF_STR_MAX]; /* the setting: a path, "" or "default" */
	char seccomp_path[2 * CONF_STR_MAX +
			  2]; /* that path resolved ("" for the engine's default) */
	char *seccomp; /* the profile as compact JSON, read once by config_load; NULL: engine
			  default */
	/* pool */
	int pool_size;
	int pool_pause;
	int pool_pause_idle_ms; /* a ready container is paused once unused this long (0: at once) */
	int pool_max_uses;      /* jobs a container serves (1: a fresh one per job), 1..999 */
	char pool_reuse_scope[8]; /* "key": a reused container serves one API key; "any" */
	char pool_transport[16]; /* "attach": the helper is the container's main process; "exec":
				    exec'd per job */
	/* limits: defaults and maxima of what a request may ask */
	double time_s, max_time_s, wall_factor;
	int memory_mb, max_memory_mb;
	double cpus, max_cpus;
	int pids;
	int output_kb, max_output_kb;
	int source_kb, stdin_kb;
	int fsize_kb, nofile, workdir_mb, tmp_mb;
	double compile_time_s;
	int compile_memory_mb;
	int tests_max;
	int files_max;      /* entries of files[] and of output_files[] */
	int files_kb;       /* source_code and every files[].content together, decoded */
	int output_file_kb; /* bytes of each output file returned */
	double max_request_s;  /* all runs of one request (judge mode: every test) together, wall */
	int shm_mb;            /* tmpfs /dev/shm (counts against memory, like /work and /tmp) */
	/* admission: rates in requests/s (0 = off), bursts in requests */
	double rate_global, rate_global_burst, rate_per_ip, rate_per_ip_burst;
	int max_concurrent;    /* running + queued executions; 0 = off */
	int per_ip_table;      /* clients tracked for per-IP rates */
	/* auth and CORS */
	char **api_keys;       /* NULL-terminated, or NULL: no key needed */
	char cors_origin[CONF_STR_MAX];
	/* log */
	char log_level[16];
	char log_format[16];
	/* store: asynchronous submissions (POST /submissions) */
	char store_path[CONF_STR_MAX]; /* the SQLite file */
	int store_busy_ms;     /* SQLite busy timeout */
	char store_url[CONF_STR_MAX]; /* PostgreSQL connection URL ("": SQLite at store_path) */
	int store_connect_s;   /* PostgreSQL connect_timeout */
	int store_statement_ms; /* PostgreSQL statement_timeout (and lock_timeout) */
	int store_source_kb;   /* a submission's source cap (413 over it) */
	int store_result_kb;   /* a stored result's cap (its outputs are cut to fit) */
	int store_max_page;    /* GET /submissions?limit= cap (400 over it) */
	int store_retention_days; /* finished submissions kept this long (0: no age limit) */
	int store_max_rows;    /* finished submissions kept at most (0: no cap) */
	int store_sweep_s;     /* how often the store process sweeps */
	/* judge0: the Judge0 CE API drop-in (master/judge0.c) */
	char judge0_prefix[64];  /* its path prefix, e.g. "/judge0" */
	char judge0_compiler_options[CONF_STR_MAX]; /* language ids allowing compiler_options */
	/* problems: stored contest problems (POST /problems) */
	char problems_dir[CONF_STR_MAX]; /* test data (content-addressed) and manifests */
	int problems_max_mb;   /* one problem's tests (and an upload's body) at most */
	int problems_total_mb; /* every stored version's tests together at most */
	/* callbacks: callback_url of POST /submissions (master/callbacks.c, cb_main.c) */
	int cb_retries;        /* attempts after the first */
	int cb_backoff_ms;     /* before the first retry; doubled for each next one */
	int cb_timeout_ms;     /* one attempt at most */
	int cb_body_kb;        /* a callback's body cap (bigger ones are not sent) */
	char cb_secret[CONF_STR_MAX]; /* HMAC-SHA256 key of X-Executioner-Signature ("": none) */
	char **cb_allow;       /* allowed destinations: CIDRs, addresses, host names */
	/* languages */
	struct lang *langs;
	int nlangs;
};

/* The module's error (see log.h): why a config was refused, for the operator. */
struct config_error {
	char msg[600]; /* one line: "FILE:LINE: problem" (LINE omitted when unknown) */
};

/* Loads path into c (zeroed first): 0, or -1 with e filled (c is then freed). Environment
 * overrides are applied. The seccomp profile file is read here too (docker.seccomp_profile,
 * relative to path's directory). */
int config_load(const char *path, struct config *c, struct config_error *e);
void config_free(struct config *c);
const struct lang *config_lang(const struct config *c, const char *id);
/* Headroom above a run's memory limit in its container's cgroup: room for full tmpfs work dir,
 * /tmp, /dev/shm (their files count as memory) and the helper, so that files left by a killed
 * program can never exhaust the cgroup and take the helper with them. */
int config_slack_mb(const struct config *c);
/* Memory limit of a language's containers: what its largest step may use, plus the slack. */
int config_container_mb(const struct config *c, const struct lang *g);
/* Prints the effective settings (after overrides) in the file's own syntax. */
void config_print(const struct config *c, FILE *f);

#endif
