// SPDX-License-Identifier: Apache-2.0
/* Tests for lib/array.c: geometric growth, contents kept, overflow refused. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "lib/array.h"

static void test_array_grow(void **state)
{
	(void)state;
	int *v = NULL;
	size_t cap = 0;
	assert_int_equal(array_grow(&v, sizeof(*v), &cap, 0), 0);
	assert_null(v); /* nothing needed, nothing allocated */
	assert_int_equal(array_grow(&v, sizeof(*v), &cap, 1), 0);
	assert_int_equal(cap, 16);
	for (int i = 0; i < 16; i++)
		v[i] = i;
	assert_int_equal(array_grow(&v, sizeof(*v), &cap, 17), 0);
	assert_int_equal(cap, 32);
	for (int i = 0; i < 16; i++)
		assert_int_equal(v[i], i); /* kept across the move */
	assert_int_equal(array_grow(&v, sizeof(*v), &cap, 1000), 0);
	assert_int_equal(cap, 1024);
	int *before = v;
	assert_int_equal(array_grow(&v, sizeof(*v), &cap, 1024), 0);
	assert_ptr_equal(v, before); /* enough room: untouched */
	/* a size whose bytes overflow size_t: refused, the array left as it was */
	assert_int_equal(array_grow(&v, sizeof(*v), &cap, SIZE_MAX / 2), -ENOMEM);
	assert_ptr_equal(v, before);
	assert_int_equal(cap, 1024);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_array_grow) };
	return cmocka_run_group_tests(tests, NULL, NULL);
}
