/*
 * test_config.c - unit tests of shared/config.c: defaults, the language table, type and range
 * errors with file and line, environment overrides, and the shipped executioner.conf.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

static char path[64];

static const char *write_conf(const char *text)
{
	snprintf(path, sizeof(path), "/tmp/executioner-test-%d.conf", (int)getpid());
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

#define ONE_LANG "languages = ( { id = \"py\"; name = \"Python\"; version = \"3\"; image = \"img:1\";" \
		 " file = \"main.py\"; run = [\"python3\", \"main.py\"]; } );\n"

static void test_defaults_and_language(void **state)
{
	(void)state;
	struct config c;
	char err[600];
	assert_int_equal(config_load(write_conf(ONE_LANG), &c, err, sizeof(err)), 0);
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

static void test_wrong_type_names_line(void **state)
{
	(void)state;
	struct config c;
	char err[600];
	assert_int_equal(config_load(write_conf("server = {\n  port = \"x\";\n};\n" ONE_LANG), &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":2: server.port must be an integer"));
	assert_non_null(strstr(err, path));
}

static void test_syntax_error_line(void **state)
{
	(void)state;
	struct config c;
	char err[600];
	assert_int_equal(config_load(write_conf("server = {\n port = ;\n};\n"), &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":2: syntax error"));
	assert_non_null(strstr(err, path));
}

static void test_range_and_consistency(void **state)
{
	(void)state;
	struct config c;
	char err[600];
	assert_int_equal(config_load(write_conf("server = { port = 70000; };\n" ONE_LANG), &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "between 0 and 65535"));
	assert_int_equal(config_load(write_conf("limits = { time_s = 50.0; max_time_s = 10.0; };\n" ONE_LANG), &c, err,
				     sizeof(err)), -1);
	assert_non_null(strstr(err, "max_time_s"));
	assert_int_equal(config_load(write_conf("languages = ();\n"), &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "languages"));
	assert_int_equal(config_load(write_conf("languages = ( { id = \"a\"; name = \"A\"; version = \"1\"; image = \"i\";"
						" file = \"../x\"; run = [\"a\"]; } );\n"), &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "plain file name"));
}

static void test_missing_file(void **state)
{
	(void)state;
	struct config c;
	char err[600];
	assert_int_equal(config_load("/nonexistent/executioner.conf", &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/executioner.conf: cannot read"));
}

static void test_env_override(void **state)
{
	(void)state;
	struct config c;
	char err[600];
	setenv("EXECUTIONER_SERVER_PORT", "9191", 1);
	setenv("EXECUTIONER_LIMITS_TIME_S", "2.5", 1);
	assert_int_equal(config_load(write_conf("server = { port = 1234; };\n" ONE_LANG), &c, err, sizeof(err)), 0);
	assert_int_equal(c.port, 9191);
	assert_true(c.time_s > 2.49 && c.time_s < 2.51);
	config_free(&c);
	setenv("EXECUTIONER_SERVER_PORT", "abc", 1);
	assert_int_equal(config_load(write_conf(ONE_LANG), &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "EXECUTIONER_SERVER_PORT"));
	unsetenv("EXECUTIONER_SERVER_PORT");
	unsetenv("EXECUTIONER_LIMITS_TIME_S");
}

static void test_shipped_config(void **state)
{
	(void)state;
	struct config c;
	char err[600];
	int rc = config_load("executioner.conf", &c, err, sizeof(err));
	if (rc < 0)
		fail_msg("%s", err);
	assert_true(c.nlangs >= 11);
	assert_non_null(config_lang(&c, "python"));
	assert_non_null(config_lang(&c, "java")->compile);
	config_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_and_language), cmocka_unit_test(test_wrong_type_names_line),
		cmocka_unit_test(test_syntax_error_line),     cmocka_unit_test(test_range_and_consistency),
		cmocka_unit_test(test_missing_file),          cmocka_unit_test(test_env_override),
		cmocka_unit_test(test_shipped_config),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	unlink(path);
	return rc;
}
