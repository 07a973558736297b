// SPDX-License-Identifier: Apache-2.0
/* Unit tests of lib/strpool.c and the hash index under it: interning, ids, growth, binary strings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lib/strpool.h"

static int setup(void **state)
{
	static struct strpool pool;
	if (strpool_init(&pool))
		return -1;
	*state = &pool;
	return 0;
}

static int teardown(void **state)
{
	strpool_release(*state);
	return 0;
}

static void test_strpool_empty_string_is_id_zero(void **state)
{
	struct strpool *p = *state;
	assert_int_equal(strpool_intern(p, "", 0), 0);
	assert_string_equal(strpool_get(p, 0), "");
}

static void test_strpool_same_bytes_same_id(void **state)
{
	struct strpool *p = *state;
	int a = strpool_intern(p, "main", 4);
	int b = strpool_intern(p, "mainx", 4); /* only the first 4 bytes count */
	int c = strpool_intern(p, "mai", 3);
	assert_true(a > 0);
	assert_int_equal(a, b);
	assert_int_not_equal(a, c);
	assert_string_equal(strpool_get(p, (uint32_t)a), "main");
	assert_int_equal(strpool_len(p, (uint32_t)c), 3);
}

static void test_strpool_many_strings_stable(void **state)
{
	struct strpool *p = *state;
	char s[32];
	int ids[50000];
	for (int i = 0; i < 50000; i++) {
		int n = snprintf(s, sizeof(s), "func_%d", i);
		ids[i] = strpool_intern(p, s, (size_t)n);
		assert_true(ids[i] > 0);
	}
	/* Interning again returns the same ids, and the strings survived every growth. */
	for (int i = 0; i < 50000; i++) {
		int n = snprintf(s, sizeof(s), "func_%d", i);
		assert_int_equal(strpool_intern(p, s, (size_t)n), ids[i]);
		assert_string_equal(strpool_get(p, (uint32_t)ids[i]), s);
	}
	assert_int_equal(p->count, 50001);
}

static void test_strpool_binary_and_long(void **state)
{
	struct strpool *p = *state;
	const char with_nul[] = { 'a', '\0', 'b' };
	int a = strpool_intern(p, with_nul, 3);
	int b = strpool_intern(p, "a", 1);
	assert_int_not_equal(a, b);
	assert_int_equal(strpool_len(p, (uint32_t)a), 3);
	assert_memory_equal(strpool_get(p, (uint32_t)a), with_nul, 3);

	static char big[1 << 20];
	memset(big, 'q', sizeof(big));
	int c = strpool_intern(p, big, sizeof(big));
	assert_true(c > 0);
	assert_int_equal(strpool_len(p, (uint32_t)c), sizeof(big));
	assert_int_equal(strpool_intern(p, big, sizeof(big)), c);
}

static void test_strpool_unknown_id_reads_empty(void **state)
{
	struct strpool *p = *state;
	assert_string_equal(strpool_get(p, 123456), "");
	assert_int_equal(strpool_len(p, 123456), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_strpool_empty_string_is_id_zero, setup, teardown),
		cmocka_unit_test_setup_teardown(test_strpool_same_bytes_same_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_strpool_many_strings_stable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_strpool_binary_and_long, setup, teardown),
		cmocka_unit_test_setup_teardown(test_strpool_unknown_id_reads_empty, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
