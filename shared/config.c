/*
 * config.c - loads executioner.conf with libconfig. Scalar settings come from one table
 * (section, key, type, default, range), so parsing, EXECUTIONER_<SECTION>_<KEY> overrides,
 * validation and --check-config printing cannot drift apart; the language list is parsed apart
 * (config_lang.c).
 */
#include <ctype.h>
#include <errno.h>
#include <libconfig.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cbdest.h"
#include "config.h"
#include "seccomp_profile.h"
#include "store.h"

enum stype { S_INT, S_DBL, S_STR, S_BOOL };

struct setting {
	const char *section, *key;
	enum stype type;
	size_t off, size; /* size: for strings */
	const char *def;
	double min, max;
};

#define SI(sec, k, f, d, lo, hi) { sec, k, S_INT, offsetof(struct config, f), 0, d, lo, hi }
#define SD(sec, k, f, d, lo, hi) { sec, k, S_DBL, offsetof(struct config, f), 0, d, lo, hi }
#define SB(sec, k, f, d) { sec, k, S_BOOL, offsetof(struct config, f), 0, d, 0, 1 }
#define SS(sec, k, f, d) \
	{ sec, k, S_STR, offsetof(struct config, f), sizeof(((struct config *)0)->f), d, 0, 0 }

static const struct setting settings[] = {
	SS("server", "address", address, "0.0.0.0"),
	SI("server", "port", port, "8080", 0, 65535),
	SI("server", "body_kb", body_kb, "2048", 1, 65536),
	SI("server", "queue_size", queue_size, "256", 1, 100000),
	SD("server", "queue_timeout_s", queue_timeout_s, "30", 0.1, 3600),
	SI("server", "max_connections", max_connections, "512", 4, 65536),
	SI("server", "connection_timeout_s", connection_timeout_s, "30", 1, 3600),
	SS("server", "cors_origin", cors_origin, ""),
	SI("grpc", "port", grpc_port, "50051", 0, 65535),
	SI("workers", "count", workers, "4", 1, 256),
	SS("docker", "socket", docker_socket, "/var/run/docker.sock"),
	SS("docker", "api_version", docker_api, "v1.41"),
	SI("docker", "timeout_ms", docker_timeout_ms, "15000", 100, 600000),
	SS("docker", "runtime", runtime, "runc"),
	SS("docker", "instance", instance, "default"),
	SS("docker", "state_dir", state_dir, "/run/executioner"),
	SI("docker", "cleanup_interval_s", cleanup_interval_s, "60", 0, 86400),
	SS("docker", "seccomp_profile", seccomp_profile, "conf/seccomp.json"),
	SI("pool", "size", pool_size, "2", 0, 64),
	SB("pool", "pause", pool_pause, "true"),
	SI("pool", "pause_idle_ms", pool_pause_idle_ms, "500", 0, 3600000),
	SS("pool", "transport", pool_transport, "attach"),
	SI("pool", "max_uses", pool_max_uses, "1", 1, 999),
	SS("pool", "reuse_scope", pool_reuse_scope, "key"),
	SD("limits", "time_s", time_s, "5", 0.01, 3600),
	SD("limits", "max_time_s", max_time_s, "30", 0.01, 3600),
	SD("limits", "wall_factor", wall_factor, "2", 1, 100),
	SI("limits", "memory_mb", memory_mb, "256", 8, 65536),
	SI("limits", "max_memory_mb", max_memory_mb, "1024", 8, 65536),
	SD("limits", "cpus", cpus, "1", 0.01, 256),
	SD("limits", "max_cpus", max_cpus, "2", 0.01, 256),
	SI("limits", "pids", pids, "64", 8, 100000),
	SI("limits", "output_kb", output_kb, "1024", 1, 1048576),
	SI("limits", "max_output_kb", max_output_kb, "8192", 1, 1048576),
	SI("limits", "source_kb", source_kb, "1024", 1, 65536),
	SI("limits", "stdin_kb", stdin_kb, "8192", 0, 65536),
	SI("limits", "file_size_kb", fsize_kb, "16384", 1, 1048576),
	SI("limits", "nofile", nofile, "256", 16, 65536),
	SI("limits", "workdir_mb", workdir_mb, "64", 1, 65536),
	SI("limits", "tmp_mb", tmp_mb, "16", 1, 65536),
	SD("limits", "compile_time_s", compile_time_s, "30", 0.1, 3600),
	SI("limits", "compile_memory_mb", compile_memory_mb, "1024", 8, 65536),
	SI("limits", "tests_max", tests_max, "512", 1, 100000),
	SI("limits", "files_max", files_max, "64", 1, 1024),
	SI("limits", "files_kb", files_kb, "1024", 1, 65536),
	SI("limits", "output_file_kb", output_file_kb, "1024", 1, 16384),
	SD("limits", "max_request_s", max_request_s, "120", 1, 86400),
	SI("limits", "shm_mb", shm_mb, "16", 1, 65536),
	SD("rate", "global_per_s", rate_global, "200", 0, 1e6),
	SD("rate", "global_burst", rate_global_burst, "400", 1, 1e6),
	SD("rate", "per_ip_per_s", rate_per_ip, "50", 0, 1e6),
	SD("rate", "per_ip_burst", rate_per_ip_burst, "100", 1, 1e6),
	SI("rate", "max_concurrent", max_concurrent, "256", 0, 1000000),
	SI("rate", "clients_tracked", per_ip_table, "4096", 16, 1000000),
	SS("log", "level", log_level, "info"),
	SS("log", "format", log_format, "text"),
	SS("store", "path", store_path, "/var/lib/executioner/submissions.db"),
	SI("store", "busy_timeout_ms", store_busy_ms, "5000", 1, 600000),
	SS("store", "url", store_url, ""),
	SI("store", "connect_timeout_s", store_connect_s, "5", 1, 600),
	SI("store", "statement_timeout_ms", store_statement_ms, "10000", 100, 600000),
	SI("store", "max_source_kb", store_source_kb, "1024", 1, 65536),
	SI("store", "max_result_kb", store_result_kb, "1024", 1, 65536),
	SI("store", "max_page", store_max_page, "100", 1, 10000),
	SI("store", "retention_days", store_retention_days, "30", 0, 36500),
	SI("store", "max_rows", store_max_rows, "100000", 0, 100000000),
	SI("store", "sweep_interval_s", store_sweep_s, "600", 1, 86400),
	SS("judge0", "prefix", judge0_prefix, "/judge0"),
	SS("judge0", "compiler_options", judge0_compiler_options, "c, cpp"),
	SS("problems", "data_dir", problems_dir, "/var/lib/executioner/problems"),
	SI("problems", "max_problem_mb", problems_max_mb, "16", 1, 40),
	SI("problems", "max_total_mb", problems_total_mb, "1024", 1, 1048576),
	SI("callbacks", "retries", cb_retries, "3", 0, 20),
	SI("callbacks", "backoff_ms", cb_backoff_ms, "1000", 1, 600000),
	SI("callbacks", "timeout_ms", cb_timeout_ms, "10000", 100, 600000),
	SI("callbacks", "max_body_kb", cb_body_kb, "2048", 1, 65536),
	SS("callbacks", "secret", cb_secret, ""),
};
#define NSETTINGS (sizeof(settings) / sizeof(settings[0]))

#define ERR(...) snprintf(err, errlen, __VA_ARGS__)

/* Stores text s into setting st of c, checking type and range. Returns 0 or -1 with why. */
static int setting_store(struct config *c, const struct setting *st, const char *s, char *why,
			 size_t whylen)
{
	char *p = (char *)c + st->off, *end = NULL;
	double v = 0;
	if (st->type == S_STR) {
		if (strlen(s) >= st->size)
			return snprintf(why, whylen, "is longer than %zu bytes", st->size - 1), -1;
		if (st->off == offsetof(struct config, store_url) && *s && !store_is_pg_url(s))
			return snprintf(why, whylen, "must be a postgresql:// or postgres:// URL, "
					"or \"\" (SQLite at store.path)"), -1;
		memcpy(p, s, strlen(s) + 1);
		return 0;
	}
	if (st->type == S_BOOL) {
		int b = !strcmp(s, "true") || !strcmp(s, "1")    ? 1
			: !strcmp(s, "false") || !strcmp(s, "0") ? 0
								 : -1;
		if (b < 0)
			return snprintf(why, whylen, "must be true or false"), -1;
		*(int *)p = b;
		return 0;
	}
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end)
		return snprintf(why, whylen, "must be a number, not \"%s\"", s), -1;
	if (st->type == S_INT && v != (double)(long)v)
		return snprintf(why, whylen, "must be an integer"), -1;
	if (v < st->min || v > st->max)
		return snprintf(why, whylen, "must be between %g and %g", st->min, st->max), -1;
	if (st->type == S_INT)
		*(int *)p = (int)v;
	else
		*(double *)p = v;
	return 0;
}

/* Reads one libconfig setting as text, checking its type. */
static int setting_text(const config_setting_t *s, const struct setting *st, char *out, size_t n)
{
	int t = config_setting_type(s);
	switch (st->type) {
	case S_STR:
		if (t != CONFIG_TYPE_STRING)
			return -1;
		snprintf(out, n, "%s", config_setting_get_string(s));
		return 0;
	case S_BOOL:
		if (t != CONFIG_TYPE_BOOL)
			return -1;
		snprintf(out, n, "%s", config_setting_get_bool(s) ? "true" : "false");
		return 0;
	case S_INT:
		if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
			return -1;
		snprintf(out, n, "%lld", config_setting_get_int64(s));
		return 0;
	case S_DBL:
		if (t == CONFIG_TYPE_FLOAT)
			snprintf(out, n, "%.17g", config_setting_get_float(s));
		else if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64)
			snprintf(out, n, "%lld", config_setting_get_int64(s));
		else
			return -1;
		return 0;
	}
	return -1;
}

static const char *type_name(enum stype t)
{
	return t == S_INT    ? "an integer"
	       : t == S_DBL  ? "a number"
	       : t == S_BOOL ? "true or false"
			     : "a string";
}

static void env_name(const struct setting *st, char *out, size_t n)
{
	size_t o = (size_t)snprintf(out, n, "EXECUTIONER_%s_%s", st->section, st->key);
	for (size_t i = 0; i < o && i < n; i++)
		out[i] = (char)toupper((unsigned char)out[i]);
}

static int load_scalars(config_t *cf, struct config *c, char *err, size_t errlen)
{
	for (size_t i = 0; i < NSETTINGS; i++) {
		const struct setting *st = &settings[i];
		char path[96], text[CONF_STR_MAX], why[128], env[96];
		int line = 0;
		snprintf(path, sizeof(path), "%s.%s", st->section, st->key);
		snprintf(text, sizeof(text), "%s", st->def);
		config_setting_t *s = config_lookup(cf, path);
		if (s) {
			line = config_setting_source_line(s);
			if (setting_text(s, st, text, sizeof(text)) < 0)
				return ERR("%s:%d: %s must be %s", c->path, line, path,
					   type_name(st->type)),
				       -1;
		}
		env_name(st, env, sizeof(env));
		const char *ov = getenv(env);
		if (ov) {
			if (setting_store(c, st, ov, why, sizeof(why)) < 0)
				return ERR("%s: environment %s %s", c->path, env, why), -1;
			continue;
		}
		if (setting_store(c, st, text, why, sizeof(why)) < 0) {
			if (line)
				return ERR("%s:%d: %s %s", c->path, line, path, why), -1;
			return ERR("%s: %s %s", c->path, path, why), -1;
		}
	}
	if (strcmp(c->pool_reuse_scope, "key") && strcmp(c->pool_reuse_scope, "any")) {
		config_setting_t *s = config_lookup(cf, "pool.reuse_scope");
		return ERR("%s:%d: pool.reuse_scope must be \"key\" or \"any\"", c->path,
			   s ? config_setting_source_line(s) : 0),
		       -1;
	}
	return 0;
}

/* The languages, each member left out taken from the global settings (config_lang.c). */
static int load_langs(config_t *cf, struct config *c, char *err, size_t errlen)
{
	const struct lang def = {
		.pool_size = c->pool_size, .memory_mb = c->memory_mb, .pids = c->pids,
		.compile_time_s = c->compile_time_s, .compile_memory_mb = c->compile_memory_mb,
		.max_uses = c->pool_max_uses,
	};
	return config_langs_load(cf, c->path, &def, &c->langs, &c->nlangs, err, errlen);
}

/* auth.keys: a list of strings in the file, or EXECUTIONER_AUTH_KEYS="k1,k2". */
static int load_keys(config_t *cf, struct config *c, char *err, size_t errlen)
{
	const char *env = getenv("EXECUTIONER_AUTH_KEYS");
	config_setting_t *a = config_lookup(cf, "auth.keys");
	int n = 0;
	if (env) {
		char *dup = strdup(env), *save = NULL;
		c->api_keys = calloc(strlen(env) / 2 + 2, sizeof(char *));
		if (!dup || !c->api_keys)
			return free(dup), ERR("%s: out of memory", c->path), -1;
		for (char *t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save))
			if (*t)
				c->api_keys[n++] = strdup(t);
		free(dup);
		if (n == 0) {
			free(c->api_keys);
			c->api_keys = NULL;
		}
		return 0;
	}
	if (!a)
		return 0;
	if (!config_setting_is_array(a) && !config_setting_is_list(a))
		return ERR("%s:%d: auth.keys must be an array of strings", c->path,
			   config_setting_source_line(a)),
		       -1;
	int len = config_setting_length(a);
	if (len == 0)
		return 0;
	c->api_keys = calloc((size_t)len + 1, sizeof(char *));
	if (!c->api_keys)
		return ERR("%s: out of memory", c->path), -1;
	for (int i = 0; i < len; i++) {
		const char *k = config_setting_get_string_elem(a, i);
		if (!k || strlen(k) < 8)
			return ERR("%s:%d: auth.keys must be strings of at least 8 characters",
				   c->path, config_setting_source_line(a)),
			       -1;
		c->api_keys[i] = strdup(k);
	}
	return 0;
}

/* judge0.prefix: "/name" (letters, digits, - _ / .), no trailing '/'; judge0.compiler_options:
 * a configured language listed there must compile (ids not configured are ignored, as the
 * default "c, cpp" is with a config without them). */
static int check_judge0(const struct config *c, char *err, size_t errlen)
{
	const char *p = c->judge0_prefix;
	size_t n = strlen(p);
	if (n < 2 || p[0] != '/' || p[n - 1] == '/' ||
	    strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_/.") != n)
		return ERR("%s: judge0.prefix must be a path like \"/judge0\" (no trailing /)",
			   c->path), -1;
	char ids[CONF_STR_MAX], *save = NULL;
	snprintf(ids, sizeof(ids), "%s", c->judge0_compiler_options);
	for (char *t = strtok_r(ids, ", ", &save); t; t = strtok_r(NULL, ", ", &save))
		for (int i = 0; i < c->nlangs; i++)
			if (!strcmp(c->langs[i].id, t) && !c->langs[i].compile)
				return ERR("%s: judge0.compiler_options: %s compiles nothing",
					   c->path, t), -1;
	return 0;
}

/* callbacks.allow: a list of strings, or EXECUTIONER_CALLBACKS_ALLOW="a,b"; loopback when
 * absent. Each entry a CIDR, an address or a host name (cbdest.h). */
static int load_allow(config_t *cf, struct config *c, char *err, size_t errlen)
{
	static const char *const def[] = { "127.0.0.0/8", "::1", "localhost", NULL };
	const char *env = getenv("EXECUTIONER_CALLBACKS_ALLOW");
	config_setting_t *a = config_lookup(cf, "callbacks.allow");
	int line = a ? config_setting_source_line(a) : 0;
	if (a && !config_setting_is_array(a) && !config_setting_is_list(a))
		return ERR("%s:%d: callbacks.allow must be a list of strings", c->path, line), -1;
	int len = env ? (int)strlen(env) / 2 + 1 : a ? config_setting_length(a) : 3;
	char *dup = env ? strdup(env) : NULL, *save = NULL, *t = dup ? strtok_r(dup, ",", &save)
								  : NULL;
	c->cb_allow = calloc((size_t)len + 1, sizeof(char *));
	if (!c->cb_allow || (env && !dup))
		return free(dup), ERR("%s: out of memory", c->path), -1;
	for (int i = 0, n = 0; i < len; i++) {
		const char *v = env ? t : a ? config_setting_get_string_elem(a, i) : def[i];
		if (env && !t)
			break;
		if (env)
			t = strtok_r(NULL, ",", &save);
		if (!v || !cbdest_entry_valid(v)) {
			ERR("%s:%d: callbacks.allow: \"%s\" is not a CIDR, an address or a host "
			    "name", c->path, line, v ? v : "(not a string)");
			return free(dup), -1;
		}
		c->cb_allow[n++] = strdup(v);
	}
	free(dup);
	return 0;
}

static int check_consistency(struct config *c, char *err, size_t errlen)
{
	if (c->time_s > c->max_time_s)
		return ERR("%s: limits.time_s (%g) is above limits.max_time_s (%g)", c->path,
			   c->time_s, c->max_time_s),
		       -1;
	if (c->memory_mb > c->max_memory_mb)
		return ERR("%s: limits.memory_mb is above limits.max_memory_mb", c->path), -1;
	if (c->cpus > c->max_cpus)
		return ERR("%s: limits.cpus is above limits.max_cpus", c->path), -1;
	if (c->output_kb > c->max_output_kb)
		return ERR("%s: limits.output_kb is above limits.max_output_kb", c->path), -1;
	if (strcmp(c->pool_transport, "attach") && strcmp(c->pool_transport, "exec"))
		return ERR("%s: pool.transport must be \"attach\" or \"exec\"", c->path), -1;
	if (strcmp(c->log_format, "text") && strcmp(c->log_format, "json"))
		return ERR("%s: log.format must be \"text\" or \"json\"", c->path), -1;
	if (strcmp(c->log_level, "debug") && strcmp(c->log_level, "info") &&
	    strcmp(c->log_level, "warn") && strcmp(c->log_level, "error"))
		return ERR("%s: log.level must be debug, info, warn or error", c->path), -1;
	return check_judge0(c, err, errlen);
}

static int load_seccomp(struct config *c, char *err, size_t errlen)
{
	char why[300]; /* fits in struct config_error after the path */
	if (seccomp_profile_load(c->seccomp_profile, c->path, c->seccomp_path,
				 sizeof(c->seccomp_path), &c->seccomp, why, sizeof(why)) < 0)
		return ERR("%s: docker.seccomp_profile: %s", c->path, why), -1;
	return 0;
}

int config_load(const char *path, struct config *c, struct config_error *e)
{
	char *err = e->msg; /* the loaders below write one line into it (ERR) */
	size_t errlen = sizeof(e->msg);
	config_t cf;
	err[0] = '\0';
	memset(c, 0, sizeof(*c));
	snprintf(c->path, sizeof(c->path), "%s", path);
	config_init(&cf);
	int rc = -1;
	if (!config_read_file(&cf, path)) {
		if (config_error_type(&cf) == CONFIG_ERR_FILE_IO)
			ERR("%s: cannot read the file: %s", path, strerror(errno));
		else
			ERR("%s:%d: %s", path, config_error_line(&cf), config_error_text(&cf));
		goto out;
	}
	if (load_scalars(&cf, c, err, errlen) < 0 || load_langs(&cf, c, err, errlen) < 0 ||
	    load_keys(&cf, c, err, errlen) < 0 || load_allow(&cf, c, err, errlen) < 0 ||
	    check_consistency(c, err, errlen) < 0 || load_seccomp(c, err, errlen) < 0)
		goto out;
	rc = 0;
out:
	config_destroy(&cf);
	if (rc < 0)
		config_free(c);
	return rc;
}

void config_free(struct config *c)
{
	config_langs_free(c->langs, c->nlangs);
	c->langs = NULL;
	c->nlangs = 0;
	config_argv_free(c->api_keys);
	c->api_keys = NULL;
	config_argv_free(c->cb_allow);
	c->cb_allow = NULL;
	free(c->seccomp);
	c->seccomp = NULL;
}

const struct lang *config_lang(const struct config *c, const char *id)
{
	for (int i = 0; id && i < c->nlangs; i++)
		if (!strcmp(c->langs[i].id, id))
			return &c->langs[i];
	return NULL;
}

int config_slack_mb(const struct config *c)
{
	return c->workdir_mb + c->tmp_mb + c->shm_mb + 16;
}

int config_container_mb(const struct config *c, const struct lang *g)
{
	int mem = g->memory_mb;
	if (g->compile && g->compile_memory_mb > mem)
		mem = g->compile_memory_mb;
	return mem + config_slack_mb(c);
}

void config_print(const struct config *c, FILE *f)
{
	const char *sec = "";
	for (size_t i = 0; i < NSETTINGS; i++) {
		const struct setting *st = &settings[i];
		const char *p = (const char *)c + st->off;
		if (strcmp(sec, st->section)) {
			fprintf(f, "%s%s = {\n", *sec ? "};\n" : "", st->section);
			sec = st->section;
		}
		char url[CONF_STR_MAX];
		if (st->off == offsetof(struct config, store_url)) { /* never its password */
			store_url_redact(p, url, sizeof(url));
			p = url;
		}
		if (st->type == S_STR && (char *)p == c->cb_secret && *p) /* never printed */
			fprintf(f, "  %s = \"(%zu characters)\";\n", st->key, strlen(p));
		else if (st->type == S_STR)
			fprintf(f, "  %s = \"%s\";\n", st->key, p);
		else if (st->type == S_BOOL)
			fprintf(f, "  %s = %s;\n", st->key, *(const int *)p ? "true" : "false");
		else if (st->type == S_INT)
			fprintf(f, "  %s = %d;\n", st->key, *(const int *)p);
		else
			fprintf(f, "  %s = %g;\n", st->key, *(const double *)p);
	}
	fprintf(f, "  allow = ["); /* the last section of the table is callbacks */
	for (int i = 0; c->cb_allow && c->cb_allow[i]; i++)
		fprintf(f, "%s\"%s\"", i ? ", " : "", c->cb_allow[i]);
	fprintf(f, "];\n};\nauth = { keys = [");
	for (int i = 0; c->api_keys && c->api_keys[i]; i++)
		fprintf(f, "%s\"(%zu characters)\"", i ? ", " : "", strlen(c->api_keys[i]));
	fprintf(f, "]; };\n");
	config_langs_print(c->langs, c->nlangs, f);
	if (c->seccomp)
		fprintf(f, "# docker.seccomp_profile: %s (%zu bytes of compact JSON)\n",
			c->seccomp_path, strlen(c->seccomp));
	else
		fprintf(f, "# docker.seccomp_profile: the engine's default profile (weaker: "
			   "AF_VSOCK, io_uring open)\n");
}
