/*
 * test_metrics.c - unit tests of master/metrics.c: request and execution counters by label,
 * label escaping, histogram buckets (cumulative, +Inf, sum, count), a worker's MSG_STATS, and
 * the gauges rendered from the master's state (queue, running, workers, pools, engine).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

#define TEST(name) static void name(void **state __attribute__((unused)))

/* Asserts that the exposition holds this exact line. */
static void has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	for (const char *p = text; (p = strstr(p, line)); p += n)
		if ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
			return;
	fail_msg("missing line: %s", line);
}

static char *render_empty(void)
{
	struct master m;
	memset(&m, 0, sizeof(m));
	char *t = metrics_render(&m);
	assert_non_null(t);
	return t;
}

TEST(requests_are_counted_by_endpoint_and_code)
{
	metrics_request("/execute", 200);
	metrics_request("/execute", 200);
	metrics_request("/api/v1/health", 503);
	metrics_request("/no/such/path", 404); /* unknown paths share one label */
	metrics_request("/other/path", 404);
	char *t = render_empty();
	has_line(t, "# TYPE executioner_requests_total counter");
	has_line(t, "executioner_requests_total{endpoint=\"/execute\",code=\"200\"} 2");
	has_line(t, "executioner_requests_total{endpoint=\"/api/v1/health\",code=\"503\"} 1");
	has_line(t, "executioner_requests_total{endpoint=\"other\",code=\"404\"} 2");
	free(t);
}

TEST(execution_labels_are_escaped)
{
	metrics_execution("py\"th\\on", "ok");
	metrics_execution("c", "time_limit");
	metrics_execution("c", "time_limit");
	char *t = render_empty();
	has_line(t, "executioner_executions_total{language=\"py\\\"th\\\\on\",status=\"ok\"} 1");
	has_line(t, "executioner_executions_total{language=\"c\",status=\"time_limit\"} 2");
	free(t);
}

TEST(histogram_buckets_are_cumulative)
{
	metrics_observe("go", PH_RUN, 0.003);
	metrics_observe("go", PH_RUN, 0.2);
	metrics_observe("go", PH_RUN, 100);
	char *t = render_empty();
	static const char *const want[] = {
		/* after "executioner_execution_duration_seconds" */
		"_bucket{language=\"go\",phase=\"run\",le=\"0.005\"} 1",
		"_bucket{language=\"go\",phase=\"run\",le=\"0.25\"} 2",
		"_bucket{language=\"go\",phase=\"run\",le=\"60\"} 2",
		"_bucket{language=\"go\",phase=\"run\",le=\"+Inf\"} 3",
		"_count{language=\"go\",phase=\"run\"} 3",
		"_sum{language=\"go\",phase=\"run\"} 100.203",
	};
	char l[200];
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		snprintf(l, sizeof(l), "executioner_execution_duration_seconds%s", want[i]);
		has_line(t, l);
	}
	free(t);
}

TEST(worker_stats_and_restarts)
{
	cJSON *st = cJSON_Parse("{\"lang\":\"rust\",\"status\":\"ok\",\"created\":2,\"removed\":1,"
				"\"create_failed\":1,\"compile_s\":1.5,\"run_s\":0.01}");
	assert_non_null(st);
	metrics_stats(st);
	cJSON_Delete(st);
	metrics_worker_restart();
	metrics_rate_limited("per_ip");
	char *t = render_empty();
	has_line(t, "executioner_executions_total{language=\"rust\",status=\"ok\"} 1");
	has_line(t, "executioner_containers_created_total 2");
	has_line(t, "executioner_containers_removed_total 1");
	has_line(t, "executioner_container_create_failures_total 1");
	has_line(t, "executioner_worker_restarts_total 1");
	has_line(t, "executioner_rate_limited_total{limit=\"per_ip\"} 1");
	has_line(t, "executioner_execution_duration_seconds_count{language=\"rust\",phase="
		    "\"compile\"} 1");
	free(t);
}

TEST(gauges_come_from_the_state_given)
{
	struct slot slots[3] = {{.state = SLOT_BUSY}, {.state = SLOT_IDLE}, {.state = SLOT_DEAD}};
	struct pool pools[2];
	memset(pools, 0, sizeof(pools));
	snprintf(pools[0].lang, sizeof(pools[0].lang), "python");
	pools[0].nready = 2;
	snprintf(pools[1].lang, sizeof(pools[1].lang), "gone");
	pools[1].removed = 1;
	struct master m;
	memset(&m, 0, sizeof(m));
	m.slots = slots;
	m.nslots = 3;
	m.pools = pools;
	m.npools = 2;
	m.queue.len = 4;
	m.running = 1;
	m.engine_ok = 1;
	char *t = metrics_render(&m);
	has_line(t, "executioner_queue_depth 4");
	has_line(t, "executioner_executions_running 1");
	has_line(t, "executioner_workers_busy 1");
	has_line(t, "executioner_workers_alive 2");
	has_line(t, "executioner_pool_ready{language=\"python\"} 2");
	assert_null(strstr(t, "language=\"gone\"")); /* a removed language is not shown */
	has_line(t, "executioner_engine_up 1");
	has_line(t, "# TYPE executioner_build_info gauge");
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(requests_are_counted_by_endpoint_and_code),
		cmocka_unit_test(execution_labels_are_escaped),
		cmocka_unit_test(histogram_buckets_are_cumulative),
		cmocka_unit_test(worker_stats_and_restarts),
		cmocka_unit_test(gauges_come_from_the_state_given),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
