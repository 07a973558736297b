// SPDX-License-Identifier: Apache-2.0
/* Unit tests of the profile model (fold/profile.c): interning, frames, stack aggregation, value types, losses, meta. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fold/profile.h"

static int setup(void **state)
{
	*state = profile_new();
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	profile_free(*state);
	return 0;
}

static void test_profile_intern_dedups(void **state)
{
	struct profile *p = *state;
	int a = profile_intern(p, "main", 4);
	int b = profile_intern(p, "mainx", 4); /* only the first 4 bytes count */
	int c = profile_intern(p, "other", 5);
	assert_true(a > 0);
	assert_int_equal(a, b);
	assert_int_not_equal(a, c);
	assert_string_equal(profile_str(p, (uint32_t)a), "main");
	assert_int_equal(profile_str_len(p, (uint32_t)c), 5);
	/* id 0 is the empty string; unknown ids read as "" */
	assert_int_equal(profile_intern(p, "", 0), 0);
	assert_string_equal(profile_str(p, 0), "");
	assert_string_equal(profile_str(p, 999999), "");
	assert_int_equal(profile_str_len(p, 999999), 0);
}

static void test_profile_intern_binary(void **state)
{
	struct profile *p = *state;
	const char a[] = { 'x', '\0', 'y' }, b[] = { 'x', '\0', 'z' };
	int ia = profile_intern(p, a, 3), ib = profile_intern(p, b, 3), ix = profile_intern(p, "x", 1);
	assert_true(ia > 0 && ib > 0 && ix > 0);
	assert_int_not_equal(ia, ib);
	assert_int_not_equal(ia, ix);
	assert_int_equal(profile_str_len(p, (uint32_t)ia), 3);
	assert_memory_equal(profile_str(p, (uint32_t)ia), a, 3);
	/* invalid UTF-8 and control bytes are just bytes */
	const char bad[] = "\xff\xfe\x01\x1b[31m";
	int ibad = profile_intern(p, bad, sizeof(bad) - 1);
	assert_memory_equal(profile_str(p, (uint32_t)ibad), bad, sizeof(bad));
}

static void test_profile_intern_many(void **state)
{
	struct profile *p = *state;
	char name[32];
	int ids[20000];
	for (int i = 0; i < 20000; i++) {
		int n = snprintf(name, sizeof(name), "fn_%d", i);
		ids[i] = profile_intern(p, name, (size_t)n);
		assert_true(ids[i] > 0);
	}
	/* after every table growth, the old ids still name the same strings */
	for (int i = 0; i < 20000; i += 997) {
		int n = snprintf(name, sizeof(name), "fn_%d", i);
		assert_int_equal(profile_intern(p, name, (size_t)n), ids[i]);
		assert_string_equal(profile_str(p, (uint32_t)ids[i]), name);
	}
}

static void test_profile_frame_dedups(void **state)
{
	struct profile *p = *state;
	int name = profile_intern(p, "read", 4), mod = profile_intern(p, "libc.so.6", 9);
	struct frame f = { .name = (uint32_t)name, .module = (uint32_t)mod, .kind = FRAME_USER };
	int a = profile_frame(p, &f), b = profile_frame(p, &f);
	assert_true(a >= 0);
	assert_int_equal(a, b);
	f.kind = FRAME_KERNEL;
	int c = profile_frame(p, &f);
	f.kind = FRAME_USER;
	f.line = 12;
	int d = profile_frame(p, &f);
	assert_int_not_equal(a, c);
	assert_int_not_equal(a, d);
	assert_int_equal(profile_frame_count(p), 3);
	const struct frame *g = profile_frame_get(p, (uint32_t)d);
	assert_int_equal(g->line, 12);
	assert_int_equal(g->module, mod);
	/* the shorthand interns the name and makes the same frame as a by-hand one */
	int e = profile_frame_named(p, "read", 4, FRAME_KERNEL);
	struct frame k = { .name = (uint32_t)name, .kind = FRAME_KERNEL };
	assert_int_equal(e, profile_frame(p, &k));
	assert_int_not_equal(e, c); /* c has a module */
}

static void test_profile_stacks_aggregate(void **state)
{
	struct profile *p = *state;
	assert_int_equal(profile_add_value_type(p, "samples", "count"), 0);
	uint32_t a = (uint32_t)profile_frame_named(p, "a", 1, FRAME_USER);
	uint32_t b = (uint32_t)profile_frame_named(p, "b", 1, FRAME_USER);
	uint32_t ab[] = { a, b }, ba[] = { b, a }, aba[] = { a, b, a };
	int64_t one = 1, five = 5;

	int s1 = profile_add_stack(p, ab, 2, &one);
	int s2 = profile_add_stack(p, ab, 2, &five);
	int s3 = profile_add_stack(p, ba, 2, &one); /* order matters */
	int s4 = profile_add_stack(p, ab, 1, &one); /* a prefix is another stack */
	int s5 = profile_add_stack(p, aba, 3, &one);
	assert_int_equal(s1, s2);
	assert_int_not_equal(s1, s3);
	assert_int_not_equal(s1, s4);
	assert_int_not_equal(s1, s5);
	assert_int_equal(profile_stack_count(p), 4);
	struct profile_stack st = profile_stack_get(p, (uint32_t)s1);
	assert_int_equal(st.depth, 2);
	assert_int_equal(st.frames[0], a);
	assert_int_equal(st.frames[1], b);
	assert_int_equal(st.values[0], 6);
	assert_int_equal(profile_total(p, 0), 9);
	assert_int_equal(profile_total(p, 7), 0);
}

static void test_profile_value_types(void **state)
{
	struct profile *p = *state;
	uint32_t f = 0;
	assert_int_equal(profile_value_count(p), 0);
	/* no value type yet: a stack cannot be added */
	int64_t v[PROFILE_MAX_VALUES] = { 1, 2, 3, 4 };
	assert_int_equal(profile_add_stack(p, &f, 0, v), -EINVAL);
	assert_int_equal(profile_add_value_type(p, "samples", "count"), 0);
	assert_int_equal(profile_add_value_type(p, "cpu", "nanoseconds"), 1);
	assert_int_equal(profile_add_value_type(p, "samples", "count"), 0); /* same type: same index */
	assert_int_equal(profile_add_value_type(p, "samples", "bytes"), 2);  /* same name, other unit */
	assert_int_equal(profile_add_value_type(p, "off-cpu", "nanoseconds"), 3);
	assert_int_equal(profile_add_value_type(p, "wakeup", "nanoseconds"), -E2BIG);
	assert_int_equal(profile_value_count(p), 4);
	struct value_type t = profile_value_type(p, 1);
	assert_string_equal(profile_str(p, t.type), "cpu");
	assert_string_equal(profile_str(p, t.unit), "nanoseconds");
	t = profile_value_type(p, 9);
	assert_int_equal(t.type, 0);

	f = (uint32_t)profile_frame_named(p, "main", 4, FRAME_USER);
	assert_true(profile_add_stack(p, &f, 1, v) >= 0);
	assert_true(profile_add_sample(p, &f, 1, 1, 10) >= 0);
	assert_int_equal(profile_add_sample(p, &f, 1, 4, 10), -EINVAL);
	struct profile_stack st = profile_stack_get(p, 0);
	assert_int_equal(st.values[0], 1);
	assert_int_equal(st.values[1], 12);
	assert_int_equal(st.values[2], 3);
	assert_int_equal(st.values[3], 4);
}

static void test_profile_value_type_after_stacks(void **state)
{
	struct profile *p = *state;
	assert_int_equal(profile_add_value_type(p, "samples", "count"), 0);
	uint32_t f = (uint32_t)profile_frame_named(p, "main", 4, FRAME_USER);
	assert_true(profile_add_sample(p, &f, 1, 0, 1) >= 0);
	/* values are stored per stack: a new type would misalign them */
	assert_int_equal(profile_add_value_type(p, "cpu", "nanoseconds"), -EINVAL);
	assert_int_equal(profile_add_value_type(p, "samples", "count"), 0);
	assert_int_equal(profile_value_count(p), 1);
}

static void test_profile_empty_stack(void **state)
{
	struct profile *p = *state;
	int64_t one = 1;
	uint32_t none[1] = { 0 };
	assert_int_equal(profile_add_value_type(p, "samples", "count"), 0);
	/* a stack with no frames (all of a sample's frames filtered away) aggregates too */
	int a = profile_add_stack(p, none, 0, &one);
	int b = profile_add_stack(p, none, 0, &one);
	assert_true(a >= 0);
	assert_int_equal(a, b);
	struct profile_stack st = profile_stack_get(p, (uint32_t)a);
	assert_int_equal(st.depth, 0);
	assert_int_equal(st.values[0], 2);
}

static void test_profile_many_stacks(void **state)
{
	struct profile *p = *state;
	assert_int_equal(profile_add_value_type(p, "samples", "count"), 0);
	uint32_t fr[4];
	for (int i = 0; i < 4; i++) {
		char n[2] = { (char)('a' + i), 0 };
		fr[i] = (uint32_t)profile_frame_named(p, n, 1, FRAME_USER);
	}
	/* 4^8 = 65536 distinct stacks of depth 8, each added twice */
	for (int pass = 0; pass < 2; pass++) {
		for (uint32_t i = 0; i < 65536; i++) {
			uint32_t st[8];
			for (int d = 0; d < 8; d++)
				st[d] = fr[(i >> (2 * d)) & 3];
			assert_true(profile_add_sample(p, st, 8, 0, (int64_t)i) >= 0);
		}
	}
	assert_int_equal(profile_stack_count(p), 65536);
	assert_int_equal(profile_total(p, 0), 2 * (int64_t)65535 * 65536 / 2);
	for (uint32_t id = 0; id < 65536; id += 4099) {
		struct profile_stack s = profile_stack_get(p, id);
		uint32_t i = 0;
		for (int d = 0; d < 8; d++)
			for (uint32_t k = 0; k < 4; k++)
				if (s.frames[d] == fr[k])
					i |= k << (2 * d);
		assert_int_equal(s.values[0], 2 * (int64_t)i);
	}
	assert_true(profile_memory(p) > 65536 * 8 * sizeof(uint32_t));
}

static void test_profile_deep_stack(void **state)
{
	struct profile *p = *state;
	enum { DEPTH = 10000 };
	uint32_t *st = calloc(DEPTH, sizeof(*st));
	assert_non_null(st);
	assert_int_equal(profile_add_value_type(p, "samples", "count"), 0);
	for (int i = 0; i < DEPTH; i++) {
		char n[16];
		int len = snprintf(n, sizeof(n), "f%d", i % 100);
		st[i] = (uint32_t)profile_frame_named(p, n, (size_t)len, FRAME_USER);
	}
	int a = profile_add_sample(p, st, DEPTH, 0, 3);
	st[DEPTH - 1] = st[0];
	int b = profile_add_sample(p, st, DEPTH, 0, 4);
	assert_true(a >= 0 && b >= 0 && a != b);
	struct profile_stack s = profile_stack_get(p, (uint32_t)a);
	assert_int_equal(s.depth, DEPTH);
	assert_string_equal(profile_str(p, profile_frame_get(p, s.frames[DEPTH - 1])->name), "f99");
	assert_int_equal(profile_frame_count(p), 100);
	free(st);
}

static void test_profile_losses(void **state)
{
	struct profile *p = *state;
	uint64_t n = 99;
	assert_int_equal(profile_loss_count(p), 0);
	assert_null(profile_loss_get(p, 0, &n));
	assert_int_equal(n, 0);
	assert_int_equal(profile_add_loss(p, "stack map full", 3), 0);
	assert_int_equal(profile_add_loss(p, "malformed line", 1), 0);
	assert_int_equal(profile_add_loss(p, "stack map full", 4), 0);
	assert_int_equal(profile_loss_count(p), 2);
	assert_string_equal(profile_loss_get(p, 0, &n), "stack map full");
	assert_int_equal(n, 7);
	assert_string_equal(profile_loss_get(p, 1, NULL), "malformed line");
}

static void test_profile_meta(void **state)
{
	struct profile *p = *state;
	assert_null(profile_meta_get(p, "event"));
	assert_int_equal(profile_meta_set(p, "event", "cpu-clock"), 0);
	assert_int_equal(profile_meta_set(p, "target", "pid 1234"), 0);
	assert_string_equal(profile_meta_get(p, "event"), "cpu-clock");
	assert_int_equal(profile_meta_set(p, "event", "cycles"), 0);
	assert_string_equal(profile_meta_get(p, "event"), "cycles");
	assert_string_equal(profile_meta_get(p, "target"), "pid 1234");
	assert_null(profile_meta_get(p, "even"));
}

static void test_profile_free_null(void **state)
{
	(void)state;
	profile_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_profile_intern_dedups, setup, teardown),
		cmocka_unit_test_setup_teardown(test_profile_intern_binary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_profile_intern_many, setup, teardown),
		cmocka_unit_test_setup_teardown(test_profile_frame_dedups, setup, teardown),
		cmocka_unit_test_setup_teardown(test_profile_stacks_aggregate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_profile_value_types, setup, teardown),
		cmocka_unit_test_setup_teardown(test_profile_value_type_after_stacks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_profile_empty_stack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_profile_many_stacks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_profile_deep_stack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_profile_losses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_profile_meta, setup, teardown),
		cmocka_unit_test(test_profile_free_null),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
