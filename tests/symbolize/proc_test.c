// SPDX-License-Identifier: Apache-2.0
/* Unit tests of symbolize/proc.c's process maps: additive snapshots (symbolizer_proc_keep_gone). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lib/buf.h"
#include "symbolize/symbolize.h"

static void map(struct symbolizer *s, int pid, uint64_t start, uint64_t len, const char *name)
{
	struct sym_mmap m = { .start = start, .len = len, .filename = name, .exec = true };
	assert_int_equal(symbolizer_proc_mmap(s, pid, &m), 0);
}

static int list_one(const struct sym_mmap *m, void *arg)
{
	buf_addf(arg, "%llx-%llx %s\n", (unsigned long long)m->start, (unsigned long long)(m->start + m->len),
		 m->filename);
	return 0;
}

static void expect_maps(struct symbolizer *s, int pid, const char *want)
{
	struct buf b = BUF_INIT;
	buf_addstr(&b, "");
	symbolizer_proc_maps(s, pid, list_one, &b);
	assert_string_equal(b.data, want);
	buf_release(&b);
}

/*
 * Process 10 had libplug.so at 0x5000 and libgone.so at 0x9000; its new
 * snapshot (process 11 here) has libnew.so over part of libplug's range and
 * nothing where libgone was. libgone is kept (a dlclose'd library still names
 * its samples); libplug is not (something else is mapped there now).
 */
static void test_keep_gone_adds_what_nothing_replaced(void **state)
{
	(void)state;
	struct symbolizer *s = symbolizer_new(NULL);
	assert_non_null(s);
	map(s, 10, 0x1000, 0x1000, "/bin/app");
	map(s, 10, 0x5000, 0x1000, "/lib/libplug.so");
	map(s, 10, 0x9000, 0x2000, "/lib/libgone.so");
	map(s, 11, 0x1000, 0x1000, "/bin/app");
	map(s, 11, 0x5800, 0x1800, "/lib/libnew.so");
	assert_int_equal(symbolizer_proc_keep_gone(s, 11, 10), 0);
	expect_maps(s, 11, "1000-2000 /bin/app\n5800-7000 /lib/libnew.so\n9000-b000 /lib/libgone.so\n");
	/* again: idempotent */
	assert_int_equal(symbolizer_proc_keep_gone(s, 11, 10), 0);
	expect_maps(s, 11, "1000-2000 /bin/app\n5800-7000 /lib/libnew.so\n9000-b000 /lib/libgone.so\n");
	/* the old maps are left as they were */
	expect_maps(s, 10, "1000-2000 /bin/app\n5000-6000 /lib/libplug.so\n9000-b000 /lib/libgone.so\n");
	symbolizer_free(s);
}

/* Touching ends do not overlap; unknown processes and itself are no-ops. */
static void test_keep_gone_edges(void **state)
{
	(void)state;
	struct symbolizer *s = symbolizer_new(NULL);
	assert_non_null(s);
	map(s, 20, 0x2000, 0x1000, "/lib/a.so");
	map(s, 20, 0x4000, 0x1000, "/lib/b.so");
	map(s, 21, 0x1000, 0x1000, "/lib/c.so"); /* ends where a.so starts */
	map(s, 21, 0x3000, 0x1000, "/lib/d.so"); /* between them */
	assert_int_equal(symbolizer_proc_keep_gone(s, 21, 20), 0);
	expect_maps(s, 21, "1000-2000 /lib/c.so\n2000-3000 /lib/a.so\n3000-4000 /lib/d.so\n4000-5000 /lib/b.so\n");
	assert_int_equal(symbolizer_proc_keep_gone(s, 21, 99), 0);
	assert_int_equal(symbolizer_proc_keep_gone(s, 99, 20), 0);
	assert_int_equal(symbolizer_proc_keep_gone(s, 20, 20), 0);
	expect_maps(s, 20, "2000-3000 /lib/a.so\n4000-5000 /lib/b.so\n");
	symbolizer_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keep_gone_adds_what_nothing_replaced),
		cmocka_unit_test(test_keep_gone_edges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
