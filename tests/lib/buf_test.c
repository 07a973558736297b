// SPDX-License-Identifier: Apache-2.0
/* Unit tests of lib/buf.c: growth, formatting, truncation, detach. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/buf.h"

static void test_buf_empty_is_terminated(void **state)
{
	struct buf b = BUF_INIT;
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	buf_release(&b);
	assert_string_equal(b.data, "");
}

static void test_buf_add_grows_and_keeps_bytes(void **state)
{
	struct buf b;
	buf_init(&b);
	for (int i = 0; i < 10000; i++)
		assert_int_equal(buf_addch(&b, (char)('a' + i % 26)), 0);
	assert_int_equal(b.len, 10000);
	assert_true(b.cap > b.len);
	for (int i = 0; i < 10000; i++)
		assert_int_equal(b.data[i], 'a' + i % 26);
	assert_int_equal(b.data[10000], '\0');
	buf_release(&b);
}

static void test_buf_add_binary_with_nul(void **state)
{
	struct buf b = BUF_INIT;
	const char bytes[] = { 'x', '\0', 'y' };
	assert_int_equal(buf_add(&b, bytes, 3), 0);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.data, bytes, 3);
	assert_int_equal(b.data[3], '\0');
	buf_release(&b);
}

static void test_buf_addf_long_output(void **state)
{
	struct buf b = BUF_INIT;
	char big[5000];
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(buf_addstr(&b, "pre:"), 0);
	assert_int_equal(buf_addf(&b, "%s|%d", big, 42), 0);
	assert_int_equal(b.len, 4 + 4999 + 3);
	assert_memory_equal(b.data, "pre:", 4);
	assert_string_equal(b.data + 4 + 4999, "|42");
	buf_release(&b);
}

static void test_buf_truncate_and_reset(void **state)
{
	struct buf b = BUF_INIT;
	buf_addstr(&b, "hello world");
	buf_truncate(&b, 5);
	assert_string_equal(b.data, "hello");
	buf_truncate(&b, 50); /* longer than len: ignored */
	assert_string_equal(b.data, "hello");
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	buf_release(&b);
}

static void test_buf_detach_transfers_ownership(void **state)
{
	struct buf b = BUF_INIT;
	size_t len = 99;
	char *s = buf_detach(&b, &len);
	assert_non_null(s);
	assert_string_equal(s, "");
	assert_int_equal(len, 0);
	free(s);
	buf_addstr(&b, "abc");
	s = buf_detach(&b, &len);
	assert_string_equal(s, "abc");
	assert_int_equal(len, 3);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	free(s);
}

static void test_buf_grow_refuses_absurd_size(void **state)
{
	struct buf b = BUF_INIT;
	assert_int_equal(buf_grow(&b, SIZE_MAX - 8), -ENOMEM);
	assert_int_equal(b.len, 0);
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_empty_is_terminated),
		cmocka_unit_test(test_buf_add_grows_and_keeps_bytes),
		cmocka_unit_test(test_buf_add_binary_with_nul),
		cmocka_unit_test(test_buf_addf_long_output),
		cmocka_unit_test(test_buf_truncate_and_reset),
		cmocka_unit_test(test_buf_detach_transfers_ownership),
		cmocka_unit_test(test_buf_grow_refuses_absurd_size),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
