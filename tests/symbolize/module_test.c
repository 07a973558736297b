// SPDX-License-Identifier: Apache-2.0
/* Unit tests of symbolize/module.c's module_bias(): where a mapping of a file sits in the ELF's addresses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "symbolize/internal.h"

/*
 * GNU ld's PIE: each segment starts a page of its own, vaddr = offset.
 * `readelf -lW` of a gcc 12 build of tests/workloads/cpu_hot.c.
 */
static void test_bias_gnu_ld(void **state)
{
	(void)state;
	struct phdr_load loads[] = {
		{ .offset = 0x0, .vaddr = 0x0, .filesz = 0x860, .memsz = 0x860 },
		{ .offset = 0x1000, .vaddr = 0x1000, .filesz = 0x6d1, .memsz = 0x6d1, .exec = true },
		{ .offset = 0x2000, .vaddr = 0x2000, .filesz = 0x1c4, .memsz = 0x1c4 },
		{ .offset = 0x2dd8, .vaddr = 0x3dd8, .filesz = 0x270, .memsz = 0x280 },
	};
	struct sym_module m = { .loads = loads, .nloads = 4 };
	/* r-xp at 0x555555555000, pgoff 0x1000: ELF address = runtime - 0x555555554000 */
	assert_int_equal(module_bias(&m, 0x555555555000, 0x1000, true), 0x555555554000);
	/* r--p at 0x555555556000, pgoff 0x2000: .rodata. (Data mappings are never symbolized: only
	   code addresses are, so the read-only and the data segment sharing page 0x2000 need no tie-break.) */
	assert_int_equal(module_bias(&m, 0x555555556000, 0x2000, false), 0x555555554000);
}

/*
 * lld packs segments: the read-only one ends at 0xebc and the text one starts
 * at offset 0xec0 in the same page, at vaddr 0x1ec0. ld.so maps the text from
 * file page 0 at base + 0x1000. Taking the first segment that holds page 0
 * (the read-only one) put every address 0x1000 off: all frames were named
 * __FRAME_END__ (`readelf -lW` of clang -fuse-ld=lld cpu_hot.c).
 */
static void test_bias_lld_shared_page(void **state)
{
	(void)state;
	struct phdr_load loads[] = {
		{ .offset = 0x0, .vaddr = 0x0, .filesz = 0xebc, .memsz = 0xebc },
		{ .offset = 0xec0, .vaddr = 0x1ec0, .filesz = 0xda0, .memsz = 0xda0, .exec = true },
		{ .offset = 0x1c60, .vaddr = 0x3c60, .filesz = 0x1f0, .memsz = 0x1f0 },
		{ .offset = 0x1e50, .vaddr = 0x4e50, .filesz = 0xc8, .memsz = 0x100f0 },
	};
	struct sym_module m = { .loads = loads, .nloads = 4 };
	uint64_t base = 0x555555554000;
	/* r--p base, pgoff 0: the read-only segment */
	assert_int_equal(module_bias(&m, base, 0, false), base);
	/* r-xp base + 0x1000, pgoff 0: the text segment (vaddr 0x1ec0 at runtime base + 0x1ec0) */
	assert_int_equal(module_bias(&m, base + 0x1000, 0, true), base);
}

/* rustc 1.95 (rust-lld): the same shape, text at offset 0x14320, vaddr 0x15320. */
static void test_bias_rust_lld(void **state)
{
	(void)state;
	struct phdr_load loads[] = {
		{ .offset = 0x0, .vaddr = 0x0, .filesz = 0x14318, .memsz = 0x14318 },
		{ .offset = 0x14320, .vaddr = 0x15320, .filesz = 0x40150, .memsz = 0x40150, .exec = true },
		{ .offset = 0x54470, .vaddr = 0x56470, .filesz = 0x2a60, .memsz = 0x2b90 },
	};
	struct sym_module m = { .loads = loads, .nloads = 3 };
	uint64_t base = 0x7f0000000000;
	assert_int_equal(module_bias(&m, base + 0x15000, 0x14000, true), base);
	/* a mapping from the middle of the text segment (split by mprotect) still lands in it */
	assert_int_equal(module_bias(&m, base + 0x20000, 0x1f000, true), base);
}

/* No segment holds the page (a file mapped by hand): runtime - pgoff. */
static void test_bias_no_segment(void **state)
{
	(void)state;
	struct phdr_load loads[] = { { .offset = 0x0, .vaddr = 0x0, .filesz = 0x100, .exec = true } };
	struct sym_module m = { .loads = loads, .nloads = 1 };
	assert_int_equal(module_bias(&m, 0x10000, 0x5000, true), 0xb000);
	struct sym_module none = { 0 };
	assert_int_equal(module_bias(&none, 0x10000, 0x5000, true), 0xb000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bias_gnu_ld),
		cmocka_unit_test(test_bias_lld_shared_page),
		cmocka_unit_test(test_bias_rust_lld),
		cmocka_unit_test(test_bias_no_segment),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
