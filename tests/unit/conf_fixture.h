/*
 * conf_fixture.h - the shipped executioner.conf loaded into a struct master, once per test
 * group (cmocka group setup/teardown), for the tests of code that reads the config: the
 * translators of foreign APIs (v1, Piston, Judge0, gRPC). Included by one test file each.
 */
#ifndef EXECUTIONER_CONF_FIXTURE_H
#define EXECUTIONER_CONF_FIXTURE_H

#include "config.h"
#include "master.h"

static struct master m;

static int setup(void **state)
{
	(void)state;
	struct config_error e;
	return config_load("executioner.conf", &m.cfg, &e);
}

static int teardown(void **state)
{
	(void)state;
	config_free(&m.cfg);
	return 0;
}

#endif
