/*
 * test_orphans.c - the orphan scan's parsers: a container id from a /proc/<pid>/cgroup text and
 * from the argv of a shim or an OCI runtime; anything else yields none.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "orphans.h"

#define CID "0462115ec68f5a14745e20f23914fe16e61b0c23948a7e2a91d0d81086b080a8"

static void cgroup_v1_cgroupfs(void **state)
{
	(void)state;
	char cid[65];
	const char *t = "12:freezer:/docker/" CID "\n9:name=systemd:/docker/" CID "\n";
	assert_int_equal(orphans_cid_from_cgroup(t, cid), 0);
	assert_string_equal(cid, CID);
}

static void cgroup_systemd_scope(void **state)
{
	(void)state;
	char cid[65];
	assert_int_equal(orphans_cid_from_cgroup("0::/system.slice/docker-" CID ".scope\n", cid),
			 0);
	assert_string_equal(cid, CID);
}

static void cgroup_not_a_container(void **state)
{
	(void)state;
	char cid[65];
	assert_int_equal(orphans_cid_from_cgroup("0::/user.slice/session-1.scope\n", cid), -1);
	assert_int_equal(orphans_cid_from_cgroup("3:cpu:/docker/abc\n", cid), -1);	/* short */
	assert_int_equal(orphans_cid_from_cgroup("3:cpu:/docker/" CID "0\n", cid), -1); /* long */
	assert_int_equal(orphans_cid_from_cgroup("3:cpu:/docker/" "0462115EC68F5A14745E20F23914FE16"
						 "E61B0C23948A7E2A91D0D81086B080A8\n", cid), -1);
	assert_int_equal(orphans_cid_from_cgroup("", cid), -1);
}

static void cmdline_shim_and_runtime(void **state)
{
	(void)state;
	char cid[65];
	static const char shim[] = "/usr/bin/containerd-shim-runc-v2\0-namespace\0moby\0-id\0" CID
				   "\0-address\0/run/containerd/containerd.sock";
	assert_int_equal(orphans_cid_from_cmdline(shim, sizeof(shim), cid), 0);
	assert_string_equal(cid, CID);
	static const char crun[] = "crun\0--root\0/run/crun\0create\0--bundle\0/b\0" CID;
	memset(cid, 0, sizeof(cid));
	assert_int_equal(orphans_cid_from_cmdline(crun, sizeof(crun), cid), 0);
	assert_string_equal(cid, CID);
}

static void cmdline_other_programs(void **state)
{
	(void)state;
	char cid[65];
	static const char cat[] = "/bin/cat\0" CID; /* an id as an argument of anything else */
	assert_int_equal(orphans_cid_from_cmdline(cat, sizeof(cat), cid), -1);
	static const char shim[] = "containerd-shim-runc-v2\0-id\0short";
	assert_int_equal(orphans_cid_from_cmdline(shim, sizeof(shim), cid), -1);
	static const char lone[] = "runc";
	assert_int_equal(orphans_cid_from_cmdline(lone, sizeof(lone), cid), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cgroup_v1_cgroupfs),     cmocka_unit_test(cgroup_systemd_scope),
		cmocka_unit_test(cgroup_not_a_container),
		cmocka_unit_test(cmdline_shim_and_runtime),
		cmocka_unit_test(cmdline_other_programs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
