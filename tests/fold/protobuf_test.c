// SPDX-License-Identifier: Apache-2.0
/* Unit tests of fold/protobuf.c against the byte examples of the Protocol Buffers encoding guide. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "fold/protobuf.h"
#include "lib/buf.h"

/* Expected bytes are the worked examples of https://protobuf.dev/programming-guides/encoding/. */
static void assert_bytes(const struct buf *b, const char *want, size_t n)
{
	assert_int_equal(b->len, n);
	assert_memory_equal(b->data, want, n);
}

static void test_pb_varint_examples(void **state)
{
	uint8_t out[PB_VARINT_MAX];
	assert_int_equal(pb_varint_encode(out, 1), 1);
	assert_int_equal(out[0], 0x01);
	assert_int_equal(pb_varint_encode(out, 150), 2);
	assert_memory_equal(out, "\x96\x01", 2);
	assert_int_equal(pb_varint_encode(out, 0), 1);
	assert_int_equal(out[0], 0);
	assert_int_equal(pb_varint_encode(out, 127), 1);
	assert_int_equal(pb_varint_encode(out, 128), 2);
	assert_memory_equal(out, "\x80\x01", 2);
	assert_int_equal(pb_varint_encode(out, UINT64_MAX), 10);
	assert_memory_equal(out, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 10);
}

/* message Test1 { int32 a = 1; } with a = 150 is 08 96 01 */
static void test_pb_int_field(void **state)
{
	struct buf b = BUF_INIT;
	assert_int_equal(pb_add_int(&b, 1, 150), 0);
	assert_bytes(&b, "\x08\x96\x01", 3);
	buf_release(&b);
}

/* int64 -2 is ten bytes: fe ff ff ff ff ff ff ff ff 01 (two's complement, not zigzag) */
static void test_pb_negative_int64(void **state)
{
	struct buf b = BUF_INIT;
	assert_int_equal(pb_add_int(&b, 1, -2), 0);
	assert_bytes(&b, "\x08\xfe\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11);
	buf_release(&b);
}

/* message Test2 { string b = 2; } with b = "testing" is 12 07 74 65 73 74 69 6e 67 */
static void test_pb_string_field(void **state)
{
	struct buf b = BUF_INIT;
	assert_int_equal(pb_add_bytes(&b, 2, "testing", 7), 0);
	assert_bytes(&b, "\x12\x07testing", 9);
	buf_reset(&b);
	/* an empty string is still written (pprof's string_table[0] = "") */
	assert_int_equal(pb_add_bytes(&b, 6, "", 0), 0);
	assert_bytes(&b, "\x32\x00", 2);
	buf_release(&b);
}

/* message Test3 { Test1 c = 3; } with c.a = 150 is 1a 03 08 96 01 */
static void test_pb_nested_message(void **state)
{
	struct buf inner = BUF_INIT, outer = BUF_INIT;
	assert_int_equal(pb_add_int(&inner, 1, 150), 0);
	assert_int_equal(pb_add_bytes(&outer, 3, inner.data, inner.len), 0);
	assert_bytes(&outer, "\x1a\x03\x08\x96\x01", 5);
	buf_release(&inner);
	buf_release(&outer);
}

/* message Test5 { repeated int32 f = 6 [packed = true]; } with 3, 270, 86942 is 32 06 03 8e 02 9e a7 05 */
static void test_pb_packed(void **state)
{
	struct buf b = BUF_INIT;
	const int64_t v[] = { 3, 270, 86942 };
	assert_int_equal(pb_add_packed_int(&b, 6, v, 3), 0);
	assert_bytes(&b, "\x32\x06\x03\x8e\x02\x9e\xa7\x05", 8);
	buf_reset(&b);
	const uint64_t u[] = { 3, 270, 86942 };
	assert_int_equal(pb_add_packed_uint(&b, 6, u, 3), 0);
	assert_bytes(&b, "\x32\x06\x03\x8e\x02\x9e\xa7\x05", 8);
	buf_release(&b);
}

/* proto3 leaves default values out: zero scalars and empty packed fields write nothing */
static void test_pb_defaults_omitted(void **state)
{
	struct buf b = BUF_INIT;
	assert_int_equal(pb_add_int(&b, 1, 0), 0);
	assert_int_equal(pb_add_uint(&b, 2, 0), 0);
	assert_int_equal(pb_add_packed_int(&b, 3, NULL, 0), 0);
	assert_int_equal(pb_add_packed_uint(&b, 4, NULL, 0), 0);
	assert_int_equal(b.len, 0);
	buf_release(&b);
}

/* Field numbers past 15 take a two-byte key: field 16, wire type 0 is 80 01 */
static void test_pb_large_field_number(void **state)
{
	struct buf b = BUF_INIT;
	assert_int_equal(pb_add_tag(&b, 16, PB_VARINT), 0);
	assert_bytes(&b, "\x80\x01", 2);
	buf_reset(&b);
	assert_int_equal(pb_add_uint(&b, 536870911, 1), 0); /* the largest field number */
	assert_bytes(&b, "\xf8\xff\xff\xff\x0f\x01", 6);
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pb_varint_examples),
		cmocka_unit_test(test_pb_int_field),
		cmocka_unit_test(test_pb_negative_int64),
		cmocka_unit_test(test_pb_string_field),
		cmocka_unit_test(test_pb_nested_message),
		cmocka_unit_test(test_pb_packed),
		cmocka_unit_test(test_pb_defaults_omitted),
		cmocka_unit_test(test_pb_large_field_number),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
