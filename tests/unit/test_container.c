/*
 * test_container.c - unit tests of workers/container.c's create body: the seccomp profile goes
 * into SecurityOpt as "seccomp=<JSON>" (none without a profile), ReadonlyPaths repeats the
 * engine's defaults and adds /sys/fs/cgroup, MaskedPaths is left to the engine.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "container.h"

#define TEST(name) static void name(void **state __attribute__((unused)))

static cJSON *host(const char *profile, cJSON **spec)
{
	cJSON *fill = cJSON_Parse("{\"lang\":\"python\",\"image\":\"img:1\",\"memory_mb\":100}");
	assert_non_null(fill);
	*spec = container_spec(fill, "inst", profile);
	cJSON_Delete(fill);
	assert_non_null(*spec);
	cJSON *h = cJSON_GetObjectItem(*spec, "HostConfig");
	assert_non_null(h);
	return h;
}

TEST(test_seccomp_profile_in_security_opt)
{
	const char *profile = "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[]}";
	cJSON *spec, *h = host(profile, &spec);
	cJSON *sec = cJSON_GetObjectItem(h, "SecurityOpt");
	assert_int_equal(cJSON_GetArraySize(sec), 2);
	assert_string_equal(cJSON_GetArrayItem(sec, 0)->valuestring, "no-new-privileges");
	assert_string_equal(cJSON_GetArrayItem(sec, 1)->valuestring,
			    "seccomp={\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[]}");
	cJSON_Delete(spec);
}

TEST(test_no_profile_leaves_the_engine_default)
{
	cJSON *spec, *h = host(NULL, &spec);
	cJSON *sec = cJSON_GetObjectItem(h, "SecurityOpt");
	assert_int_equal(cJSON_GetArraySize(sec), 1);
	assert_string_equal(cJSON_GetArrayItem(sec, 0)->valuestring, "no-new-privileges");
	cJSON_Delete(spec);
}

TEST(test_readonly_paths_are_the_defaults_plus_cgroup)
{
	const char *want[] = { "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
			       "/proc/sysrq-trigger", "/sys/fs/cgroup" };
	cJSON *spec, *h = host(NULL, &spec);
	cJSON *ro = cJSON_GetObjectItem(h, "ReadonlyPaths");
	assert_int_equal(cJSON_GetArraySize(ro), 6);
	for (int i = 0; i < 6; i++)
		assert_string_equal(cJSON_GetArrayItem(ro, i)->valuestring, want[i]);
	assert_null(cJSON_GetObjectItem(h, "MaskedPaths")); /* the engine fills in its defaults */
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(h, "ReadonlyRootfs")));
	cJSON_Delete(spec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seccomp_profile_in_security_opt),
		cmocka_unit_test(test_no_profile_leaves_the_engine_default),
		cmocka_unit_test(test_readonly_paths_are_the_defaults_plus_cgroup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
