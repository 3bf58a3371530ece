/*
 * test_config.c - unit tests of shared/config.c: defaults, the language table, type and range
 * errors with file and line, environment overrides, the seccomp profile file
 * (docker.seccomp_profile) and the shipped executioner.conf.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "seccomp_profile.h"

/* Configs are written into dir, which has conf/seccomp.json like the repository (the default
 * docker.seccomp_profile is taken from the config file's directory). */
static char dir[64], path[128], prof[128];
#define PROFILE                                                                                    \
	"{ \"defaultAction\": \"SCMP_ACT_ERRNO\",\n  \"syscalls\": [ { \"names\": [\"read\"], "    \
	"\"action\": \"SCMP_ACT_ALLOW\" } ] }\n"
#define PROFILE_COMPACT                                                                            \
	"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],\"action\":"    \
	"\"SCMP_ACT_ALLOW\"}]}"

static void write_file(const char *p, const char *text, size_t n)
{
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, n, f), n);
	fclose(f);
}

static const char *write_conf(const char *text)
{
	write_file(path, text, strlen(text));
	return path;
}

static int make_dir(void **state)
{
	(void)state;
	char conf[96];
	snprintf(dir, sizeof(dir), "/tmp/executioner-test-%d", (int)getpid());
	snprintf(path, sizeof(path), "%s/c.conf", dir);
	snprintf(conf, sizeof(conf), "%s/conf", dir);
	snprintf(prof, sizeof(prof), "%s/conf/seccomp.json", dir);
	if (mkdir(dir, 0700) < 0 || mkdir(conf, 0700) < 0)
		return -1;
	write_file(prof, PROFILE, strlen(PROFILE));
	return 0;
}

static int remove_dir(void **state)
{
	(void)state;
	char conf[96], other[160];
	snprintf(conf, sizeof(conf), "%s/conf", dir);
	snprintf(other, sizeof(other), "%s/other.json", dir);
	unlink(prof);
	unlink(other);
	unlink(path);
	rmdir(conf);
	rmdir(dir);
	return 0;
}

#define ONE_LANG                                                                                   \
	"languages = ( { id = \"py\"; name = \"Python\"; version = \"3\"; image = \"img:1\";"      \
	" file = \"main.py\"; run = [\"python3\", \"main.py\"]; } );\n"

static void test_defaults_and_language(void **state)
{
	(void)state;
	struct config c;
	struct config_error e;
	assert_int_equal(config_load(write_conf(ONE_LANG), &c, &e), 0);
	assert_int_equal(c.port, 8080);
	assert_int_equal(c.workers, 4);
	assert_string_equal(c.docker_socket, "/var/run/docker.sock");
	assert_int_equal(c.nlangs, 1);
	const struct lang *g = config_lang(&c, "py");
	assert_non_null(g);
	assert_string_equal(g->run[0], "python3");
	assert_null(g->run[2]);
	assert_null(g->compile);
	assert_int_equal(g->pool_size, c.pool_size);
	assert_null(config_lang(&c, "nope"));
	config_free(&c);
}

/* callbacks.allow: loopback by default, entries checked (FILE:LINE), the environment wins. */
static void test_callbacks_allow(void **state)
{
	(void)state;
	struct config c;
	struct config_error e;
	assert_int_equal(config_load(write_conf(ONE_LANG), &c, &e), 0);
	assert_string_equal(c.cb_allow[0], "127.0.0.0/8");
	assert_string_equal(c.cb_allow[2], "localhost");
	assert_null(c.cb_allow[3]);
	assert_int_equal(c.cb_retries, 3);
	config_free(&c);
	assert_int_equal(config_load(write_conf("callbacks = {\n allow = [\"10.0.0.0/8\",\n"
						"\"10.0.0.0/40\"]; };\n" ONE_LANG),
				     &c, &e),
			 -1);
	assert_non_null(strstr(e.msg, ":2: callbacks.allow: \"10.0.0.0/40\""));
	assert_int_equal(config_load(write_conf("callbacks = { allow = 3; };\n" ONE_LANG), &c, &e),
			 -1);
	setenv("EXECUTIONER_CALLBACKS_ALLOW", "hooks.example.com,fd00::/8", 1);
	assert_int_equal(config_load(write_conf(ONE_LANG), &c, &e), 0);
	unsetenv("EXECUTIONER_CALLBACKS_ALLOW");
	assert_string_equal(c.cb_allow[0], "hooks.example.com");
	assert_string_equal(c.cb_allow[1], "fd00::/8");
	assert_null(c.cb_allow[2]);
	config_free(&c);
}

static void test_wrong_type_names_line(void **state)
{
	(void)state;
	struct config c;
	struct config_error e;
	const char *err = e.msg;
	assert_int_equal(
		config_load(write_conf("server = {\n  port = \"x\";\n};\n" ONE_LANG), &c, &e), -1);
	assert_non_null(strstr(err, ":2: server.port must be an integer"));
	assert_non_null(strstr(err, path));
}

/* store.url: "" (SQLite) or a PostgreSQL URL; anything else names the setting and its line. */
static void test_store_url(void **state)
{
	(void)state;
	struct config c;
	struct config_error e;
	const char *err = e.msg;
	const char *bad = "store = {\n  url = \"mysql://h/db\";\n};\n" ONE_LANG;
	assert_int_equal(config_load(write_conf(bad), &c, &e), -1);
	assert_non_null(strstr(err, ":2: store.url must be a postgresql:// or postgres:// URL"));
	const char *good = "store = { url = \"postgres://u:p@h/d\"; };\n" ONE_LANG;
	assert_int_equal(config_load(write_conf(good), &c, &e), 0);
	assert_string_equal(c.store_url, "postgres://u:p@h/d");
	assert_int_equal(c.store_connect_s, 5);
	assert_int_equal(c.store_statement_ms, 10000);
	config_free(&c);
}

static void test_syntax_error_line(void **state)
{
	(void)state;
	struct config c;
	struct config_error e;
	const char *err = e.msg;
	assert_int_equal(config_load(write_conf("server = {\n port = ;\n};\n"), &c, &e), -1);
	assert_non_null(strstr(err, ":2: syntax error"));
	assert_non_null(strstr(err, path));
}

static void test_range_and_consistency(void **state)
{
	(void)state;
	struct config c;
	struct config_error e;
	const char *err = e.msg;
	assert_int_equal(config_load(write_conf("server = { port = 70000; };\n" ONE_LANG), &c, &e),
			 -1);
	assert_non_null(strstr(err, "between 0 and 65535"));
	assert_int_equal(
		config_load(
			write_conf("limits = { time_s = 50.0; max_time_s = 10.0; };\n" ONE_LANG),
			&c, &e),
		-1);
	assert_non_null(strstr(err, "max_time_s"));
	assert_int_equal(config_load(write_conf("languages = ();\n"), &c, &e), -1);
	assert_non_null(strstr(err, "languages"));
	assert_int_equal(config_load(write_conf("languages = ( { id = \"a\"; name = \"A\"; version "
						"= \"1\"; image = \"i\";"
						" file = \"../x\"; run = [\"a\"]; } );\n"),
				     &c, &e),
			 -1);
	assert_non_null(strstr(err, "plain file name"));
}

/* judge0.prefix and judge0.compiler_options (the Judge0 drop-in, master/judge0.c) */
static void test_judge0_settings(void **state)
{
	(void)state;
	struct config c;
	struct config_error e;
	const char *err = e.msg;
	assert_int_equal(config_load(write_conf(ONE_LANG), &c, &e), 0);
	assert_string_equal(c.judge0_prefix, "/judge0");
	assert_string_equal(c.judge0_compiler_options, "c, cpp"); /* not configured: ignored */
	config_free(&c);
	assert_int_equal(
		config_load(write_conf("judge0 = { prefix = \"/api/j0\"; };\n" ONE_LANG), &c, &e),
		0);
	assert_string_equal(c.judge0_prefix, "/api/j0");
	config_free(&c);
	assert_int_equal(
		config_load(write_conf("judge0 = { prefix = \"/j0/\"; };\n" ONE_LANG), &c, &e), -1);
	assert_non_null(strstr(err, "judge0.prefix"));
	assert_int_equal(
		config_load(write_conf("judge0 = { prefix = \"j0\"; };\n" ONE_LANG), &c, &e), -1);
	assert_int_equal(config_load(write_conf("judge0 = { compiler_options = \"c, py\"; };\n"
						ONE_LANG),
				     &c, &e),
			 -1);
	assert_non_null(strstr(err, "judge0.compiler_options: py compiles nothing"));
}

/* pool.max_uses and pool.reuse_scope (container reuse): bad values name the file and line. */
static void test_reuse_settings(void **state)
{
	(void)state;
	struct config c;
	struct config_error e;
	const char *err = e.msg;
	assert_int_equal(config_load(write_conf(ONE_LANG), &c, &e), 0);
	assert_int_equal(c.pool_max_uses, 1);
	assert_string_equal(c.pool_reuse_scope, "key");
	assert_int_equal(c.langs[0].max_uses, 1);
	config_free(&c);
	assert_int_equal(config_load(write_conf("pool = {\n max_uses = 0; };\n" ONE_LANG), &c, &e),
			 -1);
	assert_non_null(strstr(err, ":2: pool.max_uses must be between 1 and 999"));
	assert_int_equal(config_load(write_conf("pool = { max_uses = -4; };\n" ONE_LANG), &c, &e),
			 -1);
	assert_non_null(strstr(err, ":1: pool.max_uses"));
	const char *scope = "pool = {\n\n reuse_scope = \"all\"; };\n" ONE_LANG;
	assert_int_equal(config_load(write_conf(scope), &c, &e), -1);
	assert_non_null(strstr(err, ":3: pool.reuse_scope must be \"key\" or \"any\""));
	assert_int_equal(config_load(write_conf("pool = { max_uses = 50; reuse_scope = \"any\"; "
						"};\nlanguages = ( { id = \"a\"; name = \"A\"; "
						"version = \"1\"; image = \"i\"; file = \"x\"; "
						"run = [\"a\"]; max_uses = 3; } );\n"),
				     &c, &e),
			 0);
	assert_int_equal(c.pool_max_uses, 50);
	assert_string_equal(c.pool_reuse_scope, "any");
	assert_int_equal(c.langs[0].max_uses, 3);
	config_free(&c);
	assert_int_equal(config_load(write_conf("languages = ( { id = \"a\"; name = \"A\"; "
						"version = \"1\"; image = \"i\"; file = \"x\"; "
						"run = [\"a\"]; max_uses = 0; } );\n"),
				     &c, &e),
			 -1);
	assert_non_null(strstr(err, "max_uses"));
}

static void test_missing_file(void **state)
{
	(void)state;
	struct config c;
	struct config_error e;
	const char *err = e.msg;
	assert_int_equal(config_load("/nonexistent/executioner.conf", &c, &e), -1);
	assert_non_null(strstr(err, "/nonexistent/executioner.conf: cannot read"));
}

static void test_env_override(void **state)
{
	(void)state;
	struct config c;
	struct config_error e;
	const char *err = e.msg;
	setenv("EXECUTIONER_SERVER_PORT", "9191", 1);
	setenv("EXECUTIONER_LIMITS_TIME_S", "2.5", 1);
	assert_int_equal(config_load(write_conf("server = { port = 1234; };\n" ONE_LANG), &c, &e),
			 0);
	assert_int_equal(c.port, 9191);
	assert_true(c.time_s > 2.49 && c.time_s < 2.51);
	config_free(&c);
	setenv("EXECUTIONER_SERVER_PORT", "abc", 1);
	assert_int_equal(config_load(write_conf(ONE_LANG), &c, &e), -1);
	assert_non_null(strstr(err, "EXECUTIONER_SERVER_PORT"));
	unsetenv("EXECUTIONER_SERVER_PORT");
	unsetenv("EXECUTIONER_LIMITS_TIME_S");
}

static void test_seccomp_default_is_next_to_the_config(void **state)
{
	(void)state;
	struct config c;
	struct config_error e;
	assert_int_equal(config_load(write_conf(ONE_LANG), &c, &e), 0);
	assert_string_equal(c.seccomp_profile, "conf/seccomp.json");
	assert_string_equal(c.seccomp_path, prof);
	assert_non_null(c.seccomp);
	assert_string_equal(c.seccomp, PROFILE_COMPACT);
	config_free(&c);
	assert_null(c.seccomp);
}

static void test_seccomp_missing_or_broken_file_names_it(void **state)
{
	(void)state;
	struct config c;
	struct config_error e;
	const char *err = e.msg;
	char want[300], other[160];
	assert_int_equal(
		config_load(write_conf("docker = { seccomp_profile = \"nope.json\"; };\n" ONE_LANG),
			    &c, &e),
		-1);
	snprintf(want, sizeof(want),
		 "%s: docker.seccomp_profile: cannot read %s/nope.json: No such file or directory",
		 path, dir);
	assert_string_equal(err, want);
	snprintf(other, sizeof(other), "%s/other.json", dir);
	const char *bad[] = {"{ \"defaultAction\": ", "[1, 2]", "{ \"syscalls\": [] }",
			     "{ \"defaultAction\": \"x\", \"syscalls\": [] } x"};
	const char *why[] = {"is not valid JSON", "is not a seccomp profile",
			     "is not a seccomp profile", "is not valid JSON"};
	setenv("EXECUTIONER_DOCKER_SECCOMP_PROFILE", other, 1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_file(other, bad[i], strlen(bad[i]));
		assert_int_equal(config_load(write_conf(ONE_LANG), &c, &e), -1);
		assert_non_null(strstr(err, other));
		assert_non_null(strstr(err, why[i]));
	}
	write_file(other, "{\"defaultAction\":\"x\",\"syscalls\":[]}\0junk", 40);
	assert_int_equal(config_load(write_conf(ONE_LANG), &c, &e), -1);
	assert_non_null(strstr(err, "is not valid JSON"));
	unsetenv("EXECUTIONER_DOCKER_SECCOMP_PROFILE");
}

static void test_seccomp_size_cap_and_absolute_path(void **state)
{
	(void)state;
	struct config c;
	struct config_error e;
	const char *err = e.msg;
	char other[160];
	snprintf(other, sizeof(other), "%s/other.json", dir);
	size_t n = SECCOMP_PROFILE_MAX + 1;
	char *big = malloc(n);
	assert_non_null(big);
	memset(big, ' ', n);
	memcpy(big, PROFILE,
	       strlen(PROFILE)); /* valid JSON padded with spaces, one byte over the cap */
	write_file(other, big, n);
	setenv("EXECUTIONER_DOCKER_SECCOMP_PROFILE", other, 1);
	assert_int_equal(config_load(write_conf(ONE_LANG), &c, &e), -1);
	assert_non_null(strstr(err, "larger than 262144 bytes"));
	write_file(other, big, n - 1); /* at the cap: accepted */
	free(big);
	assert_int_equal(config_load(write_conf(ONE_LANG), &c, &e), 0);
	assert_string_equal(c.seccomp_path, other);
	assert_string_equal(c.seccomp, PROFILE_COMPACT);
	config_free(&c);
	unsetenv("EXECUTIONER_DOCKER_SECCOMP_PROFILE");
}

static void test_seccomp_engine_default(void **state)
{
	(void)state;
	struct config c;
	struct config_error e;
	assert_int_equal(
		config_load(write_conf("docker = { seccomp_profile = \"default\"; };\n" ONE_LANG),
			    &c, &e),
		0);
	assert_null(c.seccomp);
	assert_string_equal(c.seccomp_path, "");
	config_free(&c);
	assert_int_equal(
		config_load(write_conf("docker = { seccomp_profile = \"\"; };\n" ONE_LANG), &c, &e),
		0);
	assert_null(c.seccomp);
	config_free(&c);
}

static void test_shipped_config(void **state)
{
	(void)state;
	struct config c;
	struct config_error e;
	const char *err = e.msg;
	int rc = config_load("executioner.conf", &c, &e);
	if (rc < 0)
		fail_msg("%s", err);
	assert_true(c.nlangs >= 11);
	assert_non_null(config_lang(&c, "python"));
	assert_non_null(config_lang(&c, "java")->compile);
	/* conf/seccomp.json: the engine's default profile without io_uring, socket only for some
	 * families */
	assert_non_null(c.seccomp);
	assert_string_equal(c.seccomp_path, "conf/seccomp.json");
	assert_null(strstr(c.seccomp, "io_uring"));
	assert_null(strstr(c.seccomp, "socketcall"));
	assert_null(strstr(c.seccomp, "\"value\":40,")); /* no rule names AF_VSOCK */
	assert_non_null(strstr(c.seccomp, "\"names\":[\"socket\"],\"action\":\"SCMP_ACT_ALLOW\","
					  "\"args\":[{\"index\":0,\"value\":1,"));
	assert_non_null(strstr(c.seccomp, "\"defaultAction\":\"SCMP_ACT_ERRNO\""));
	config_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_and_language),
		cmocka_unit_test(test_wrong_type_names_line),
		cmocka_unit_test(test_syntax_error_line),
		cmocka_unit_test(test_store_url),
		cmocka_unit_test(test_range_and_consistency),
		cmocka_unit_test(test_reuse_settings),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_judge0_settings),
		cmocka_unit_test(test_env_override),
		cmocka_unit_test(test_seccomp_default_is_next_to_the_config),
		cmocka_unit_test(test_seccomp_missing_or_broken_file_names_it),
		cmocka_unit_test(test_seccomp_size_cap_and_absolute_path),
		cmocka_unit_test(test_seccomp_engine_default),
		cmocka_unit_test(test_shipped_config),
		cmocka_unit_test(test_callbacks_allow),
	};
	return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
