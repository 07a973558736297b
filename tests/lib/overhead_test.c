// SPDX-License-Identifier: Apache-2.0
/* Unit tests of lib/overhead.c: the overhead guard's two-seconds-over-budget rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "lib/overhead.h"

#define S 1000000000ull
#define MS 1000000ull

/* 10% budget: 50 ms of run time per second is 5%, 200 ms is 20%. */
static void test_two_seconds_over_in_a_row(void **state)
{
	(void)state;
	struct overhead_guard g = { .budget_pct = 10 };
	assert_false(overhead_guard_check(&g, 1 * S, 0));          /* baseline */
	assert_false(overhead_guard_check(&g, 2 * S, 200 * MS));   /* 20%: one second over */
	assert_false(overhead_guard_check(&g, 3 * S, 250 * MS));   /* 5%: back under */
	assert_false(overhead_guard_check(&g, 4 * S, 450 * MS));   /* 20%: one second over again */
	assert_true(overhead_guard_check(&g, 5 * S, 750 * MS));    /* 30%: the second in a row */
	assert_true(g.over_pct > 24.9 && g.over_pct < 25.1);      /* their mean */
}

/* Checks less than a second apart count nothing; a long gap is one measurement. */
static void test_whole_seconds_only(void **state)
{
	(void)state;
	struct overhead_guard g = { .budget_pct = 10 };
	assert_true(overhead_guard_due(&g, 10 * S));
	assert_false(overhead_guard_check(&g, 10 * S, 0));
	assert_false(overhead_guard_due(&g, 10 * S + 500 * MS));
	assert_false(overhead_guard_check(&g, 10 * S + 500 * MS, 900 * MS)); /* ignored: too soon */
	assert_true(overhead_guard_due(&g, 11 * S));
	assert_int_equal(g.last_ns, 10 * S);
	assert_false(overhead_guard_check(&g, 13 * S, 900 * MS)); /* 900 ms over 3 s: 30%, first */
	assert_true(overhead_guard_check(&g, 14 * S, 1200 * MS)); /* 30% again */
}

/* A budget of 0 never trips; a counter that goes back (reset) is no measurement. */
static void test_off_and_counter_reset(void **state)
{
	(void)state;
	struct overhead_guard off = { 0 };
	assert_false(overhead_guard_due(&off, 5 * S));
	for (uint64_t t = 1; t < 10; t++)
		assert_false(overhead_guard_check(&off, t * S, t * S));
	struct overhead_guard g = { .budget_pct = 1 };
	assert_false(overhead_guard_check(&g, 1 * S, 500 * MS));
	assert_false(overhead_guard_check(&g, 2 * S, 10 * MS)); /* went back: not counted */
	assert_false(overhead_guard_check(&g, 3 * S, 20 * MS)); /* 1%: not over */
	assert_false(overhead_guard_check(&g, 4 * S, 520 * MS)); /* 50%: first */
	assert_true(overhead_guard_check(&g, 5 * S, 1020 * MS));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_seconds_over_in_a_row),
		cmocka_unit_test(test_whole_seconds_only),
		cmocka_unit_test(test_off_and_counter_reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
