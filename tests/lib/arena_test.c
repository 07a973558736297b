// SPDX-License-Identifier: Apache-2.0
/* Unit tests of lib/arena.c: alignment, large blocks, string copies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/arena.h"

static void test_arena_alignment_and_independence(void **state)
{
	struct arena a;
	arena_init(&a);
	char *prev = NULL;
	for (int i = 1; i < 5000; i++) {
		char *p = arena_alloc(&a, (size_t)(i % 13) + 1);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % 8, 0);
		memset(p, i & 0xff, (size_t)(i % 13) + 1);
		if (prev)
			assert_int_equal((unsigned char)prev[0], (unsigned char)((i - 1) & 0xff));
		prev = p;
	}
	arena_release(&a);
	assert_null(a.head);
}

static void test_arena_large_allocation(void **state)
{
	struct arena a;
	arena_init(&a);
	char *p = arena_alloc(&a, 10 << 20);
	assert_non_null(p);
	memset(p, 1, 10 << 20);
	char *s = arena_strndup(&a, "abcdef", 3);
	assert_string_equal(s, "abc");
	assert_true(a.total >= (10u << 20));
	assert_null(arena_alloc(&a, SIZE_MAX - 4));
	arena_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arena_alignment_and_independence),
		cmocka_unit_test(test_arena_large_allocation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
