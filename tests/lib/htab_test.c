// SPDX-License-Identifier: Apache-2.0
/* Unit tests of lib/htab.c: find/insert, colliding hashes, growth, reserve. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "lib/hash.h"
#include "lib/htab.h"

static uint64_t keys[100000];

static bool key_eq(uint32_t id, const void *key, void *arg)
{
	return keys[id] == *(const uint64_t *)key;
}

static void test_htab_empty_finds_nothing(void **state)
{
	struct htab t;
	htab_init(&t);
	uint64_t k = 5;
	assert_int_equal(htab_find(&t, 5, key_eq, &k, NULL), HTAB_NONE);
	htab_release(&t);
}

static void test_htab_insert_then_find_many(void **state)
{
	struct htab t;
	htab_init(&t);
	for (uint32_t i = 0; i < 100000; i++) {
		keys[i] = (uint64_t)i * 7919 + 3;
		assert_int_equal(htab_insert(&t, hash_u64(keys[i]), i), 0);
	}
	assert_int_equal(t.count, 100000);
	/* Load factor stays at or below one half. */
	assert_true((uint64_t)t.mask + 1 >= 200000);
	for (uint32_t i = 0; i < 100000; i++)
		assert_int_equal(htab_find(&t, hash_u64(keys[i]), key_eq, &keys[i], NULL), i);
	uint64_t absent = 1;
	assert_int_equal(htab_find(&t, hash_u64(absent), key_eq, &absent, NULL), HTAB_NONE);
	htab_release(&t);
}

static void test_htab_full_hash_collisions(void **state)
{
	struct htab t;
	htab_init(&t);
	/* Every item has the same hash: equality alone must tell them apart. */
	for (uint32_t i = 0; i < 1000; i++) {
		keys[i] = 1000 + i;
		assert_int_equal(htab_insert(&t, 42, i), 0);
	}
	for (uint32_t i = 0; i < 1000; i++)
		assert_int_equal(htab_find(&t, 42, key_eq, &keys[i], NULL), i);
	htab_release(&t);
}

static void test_htab_reserve_keeps_items(void **state)
{
	struct htab t;
	htab_init(&t);
	for (uint32_t i = 0; i < 10; i++) {
		keys[i] = i;
		htab_insert(&t, hash_u64(i), i);
	}
	assert_int_equal(htab_reserve(&t, 50000), 0);
	assert_true((uint64_t)t.mask + 1 >= 100000);
	for (uint32_t i = 0; i < 10; i++)
		assert_int_equal(htab_find(&t, hash_u64(i), key_eq, &keys[i], NULL), i);
	htab_release(&t);
}

static void test_hash_bytes_depends_on_every_byte(void **state)
{
	unsigned char a[37] = { 0 }, b[37] = { 0 };
	uint64_t base = hash_bytes(a, sizeof(a), 0);
	for (size_t i = 0; i < sizeof(b); i++) {
		b[i] = 1;
		assert_true(hash_bytes(b, sizeof(b), 0) != base);
		b[i] = 0;
	}
	assert_true(hash_bytes(a, 36, 0) != hash_bytes(a, 37, 0));
	assert_true(hash_bytes(a, 37, 0) != hash_bytes(a, 37, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_htab_empty_finds_nothing),
		cmocka_unit_test(test_htab_insert_then_find_many),
		cmocka_unit_test(test_htab_full_hash_collisions),
		cmocka_unit_test(test_htab_reserve_keeps_items),
		cmocka_unit_test(test_hash_bytes_depends_on_every_byte),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
