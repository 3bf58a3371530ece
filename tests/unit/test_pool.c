/*
 * test_pool.c - unit tests of master/pool.c: which ready container a job takes (running before
 * paused, never one being paused), which idle one is paused next and when, what a failed or
 * successful pause leaves behind, the surplus cap, and draining into removal chores.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "pool.h"

static struct master m;

#define TEST(name) static void name(void **state __attribute__((unused)))

static int reset(void **state __attribute__((unused)))
{
	pool_free_all(&m);
	return 0;
}

static struct pool *fresh(int target)
{
	struct pool *p = pool_add(&m, "python");
	assert_non_null(p);
	p->target = target;
	return p;
}

TEST(take_prefers_running_then_oldest_paused)
{
	struct pool *p = fresh(4);
	pool_push(&m, p, "a", 1, 0);
	pool_push(&m, p, "b", 1, 0);
	pool_push(&m, p, "c", 0, 0);
	char id[72];
	int paused = -1;
	assert_int_equal(pool_take(p, id, &paused), 0);
	assert_string_equal(id, "c");
	assert_int_equal(paused, 0);
	assert_int_equal(pool_take(p, id, &paused), 0);
	assert_string_equal(id, "a");
	assert_int_equal(paused, 1);
	assert_int_equal(pool_take(p, id, &paused), 0);
	assert_string_equal(id, "b");
	assert_int_equal(pool_take(p, id, &paused), -1);
	assert_int_equal(p->nready, 0);
}

TEST(pause_due_only_after_the_idle_delay_oldest_first)
{
	struct pool *p = fresh(4);
	pool_push(&m, p, "old", 0, 0);
	pool_push(&m, p, "new", 0, 0);
	pool_push(&m, p, "frozen", 1, 0);
	p->ready[0].since = 1000;
	p->ready[1].since = 1400;
	p->ready[2].since = 0;
	assert_null(pool_pause_due(&m, 1200, 500));
	struct ready_ct *r = pool_pause_due(&m, 1500, 500);
	assert_non_null(r);
	assert_string_equal(r->id, "old");
	assert_int_equal(r->pausing, 1);
	assert_null(pool_pause_due(&m, 1500, 500)); /* "new" is not due yet, "old" is in flight */
	r = pool_pause_due(&m, 1900, 500);
	assert_non_null(r);
	assert_string_equal(r->id, "new");
}

TEST(container_being_paused_is_not_handed_out)
{
	struct pool *p = fresh(2);
	pool_push(&m, p, "x", 0, 0);
	p->ready[0].since = 0;
	assert_non_null(pool_pause_due(&m, 10000, 1));
	assert_int_equal(pool_available(p), 0);
	char id[72];
	int paused;
	assert_int_equal(pool_take(p, id, &paused), -1);
	pool_pause_done(&m, "x", 1);
	assert_int_equal(pool_available(p), 1);
	assert_int_equal(pool_take(p, id, &paused), 0);
	assert_string_equal(id, "x");
	assert_int_equal(paused, 1);
}

TEST(failed_pause_discards_the_container)
{
	struct pool *p = fresh(2);
	pool_push(&m, p, "gone", 0, 0);
	pool_push(&m, p, "kept", 0, 0);
	p->ready[0].since = 0;
	p->ready[1].since = 5000;
	assert_string_equal(pool_pause_due(&m, 5000, 100)->id, "gone");
	int chores = m.nchores;
	pool_pause_done(&m, "gone", 0);
	assert_int_equal(p->nready, 1);
	assert_string_equal(p->ready[0].id, "kept");
	assert_int_equal(m.nchores, chores + 1);
	assert_string_equal(m.chores[m.nchores - 1], "gone");
	pool_pause_done(&m, "unknown", 1); /* drained meanwhile: nothing to do */
	assert_int_equal(p->nready, 1);
}

TEST(surplus_and_removed_pools_go_to_chores)
{
	struct pool *p = fresh(1);
	for (int i = 0; i < 8; i++) {
		char id[16];
		snprintf(id, sizeof(id), "c%d", i);
		pool_push(&m, p, id, 1, 0);
	}
	assert_int_equal(p->nready, 5); /* target + waiting + 4 */
	assert_int_equal(m.nchores, 3);
	pool_push(&m, p, "w", 1, 3); /* three jobs waiting: room for more */
	assert_int_equal(p->nready, 6);
	p->removed = 1;
	pool_push(&m, p, "late", 0, 0);
	assert_int_equal(p->nready, 6);
	pool_drain(&m, p);
	assert_int_equal(p->nready, 0);
	assert_int_equal(m.nchores, 3 + 1 + 6);
	assert_null(pool_pause_due(&m, 1L << 40, 0));
}

/* Container reuse: a reused container goes only to a job of its key (NULL: scope "any"), is
 * kept only while the pool is below target + waiting, and is counted apart from fresh ones. */
TEST(reused_containers_follow_their_key)
{
	struct pool *p = fresh(2);
	char id[72];
	int paused, uses;
	pool_push_reused(&m, p, "ka", 3, "key-a", 0);
	assert_int_equal(pool_reused_count(p), 1);
	assert_int_equal(pool_available_for(p, "key-b"), 0);
	assert_int_equal(pool_available_for(p, "key-a"), 1);
	assert_int_equal(pool_available_for(p, NULL), 1);
	assert_int_equal(pool_take_for(p, "key-b", id, &paused, &uses), -1);
	pool_push(&m, p, "fresh", 1, 0);
	assert_int_equal(pool_take_for(p, "key-b", id, &paused, &uses), 0);
	assert_string_equal(id, "fresh");
	assert_int_equal(uses, 0);
	assert_int_equal(pool_take_for(p, "key-a", id, &paused, &uses), 0);
	assert_string_equal(id, "ka");
	assert_int_equal(uses, 3);
	assert_int_equal(paused, 0);
	/* full pool: the returned container is removed */
	pool_push(&m, p, "f1", 1, 0);
	pool_push(&m, p, "f2", 1, 0);
	pool_push_reused(&m, p, "late", 1, "key-a", 0);
	assert_int_equal(p->nready, 2);
	assert_int_equal(m.nchores, 1);
	assert_string_equal(m.chores[0], "late");
	assert_int_equal(pool_reused_count(p), 0);
	/* a burst's reused containers beyond the target go once nothing waits; fresh ones stay */
	pool_push_reused(&m, p, "r1", 2, "key-a", 5);
	pool_push_reused(&m, p, "r2", 2, "key-a", 5);
	pool_push(&m, p, "f3", 1, 5);
	assert_int_equal(p->nready, 5);
	assert_int_equal(pool_trim_reused(&m, p, 1), 2);
	assert_int_equal(p->nready, 3);
	assert_int_equal(pool_reused_count(p), 0);
	assert_int_equal(pool_trim_reused(&m, p, 0), 0);
}

TEST(find_and_add)
{
	assert_null(pool_find(&m, "python"));
	fresh(1);
	assert_non_null(pool_add(&m, "c"));
	assert_string_equal(pool_find(&m, "python")->lang, "python");
	assert_string_equal(pool_find(&m, "c")->lang, "c");
	assert_null(pool_find(&m, "cobol"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(take_prefers_running_then_oldest_paused, reset),
		cmocka_unit_test_setup(pause_due_only_after_the_idle_delay_oldest_first, reset),
		cmocka_unit_test_setup(container_being_paused_is_not_handed_out, reset),
		cmocka_unit_test_setup(failed_pause_discards_the_container, reset),
		cmocka_unit_test_setup(surplus_and_removed_pools_go_to_chores, reset),
		cmocka_unit_test_setup(reused_containers_follow_their_key, reset),
		cmocka_unit_test_setup(find_and_add, reset),
	};
	int rc = cmocka_run_group_tests_name("pool", tests, NULL, NULL);
	pool_free_all(&m);
	return rc;
}
