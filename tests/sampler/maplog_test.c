// SPDX-License-Identifier: Apache-2.0
/* Unit tests of sampler/maplog.c: mappings kept per process and image (between execs), replayed into the symbolizer. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "sampler/internal.h"
#include "symbolize/symbolize.h"

static void map(struct maplog *l, uint32_t pid, uint64_t t, uint64_t addr, const char *name)
{
	struct mmap_seen m = { .pid = pid, .tid = pid, .time_ns = t, .addr = addr, .len = 0x1000, .filename = name };
	assert_int_equal(maplog_add(l, &m), 0);
}

static void exec_at(struct maplog *l, uint32_t pid, uint64_t t)
{
	struct mmap_seen m = { .pid = pid, .tid = pid, .time_ns = t, .exec = true };
	assert_int_equal(maplog_add(l, &m), 0);
}

static int add_name(const struct sym_mmap *m, void *arg)
{
	struct buf *b = arg;
	return buf_addf(b, "%s%s", b->len ? "," : "", m->filename);
}

/* The maps of symbolizer address space `pid`, as "name,name,...". */
static void names_of(struct symbolizer *s, int pid, struct buf *b)
{
	buf_reset(b);
	buf_addstr(b, "");
	symbolizer_proc_maps(s, pid, add_name, b);
}

static void test_maplog_images_between_execs(void **state)
{
	(void)state;
	struct maplog *l = maplog_new();
	assert_non_null(l);
	map(l, 5, 100, 0x1000, "/before/exec");
	exec_at(l, 5, 200);
	map(l, 5, 250, 0x2000, "/second/exe");
	map(l, 5, 260, 0x3000, "/second/lib");
	exec_at(l, 5, 300);
	/* read after the exec that followed it (another CPU's ring): its time says where it belongs */
	map(l, 5, 210, 0x4000, "/second/late");
	map(l, 5, 310, 0x5000, "/third/exe");
	map(l, 6, 150, 0x6000, "/other/process");

	struct symbolizer *s = symbolizer_new(NULL);
	assert_non_null(s);
	struct buf b = BUF_INIT;
	assert_int_equal(maplog_replay(l, 5, 150, s, 1001), 1);
	names_of(s, 1001, &b);
	assert_string_equal(b.data, "/before/exec");
	assert_int_equal(maplog_replay(l, 5, 220, s, 1002), 3);
	names_of(s, 1002, &b);
	assert_string_equal(b.data, "/second/exe,/second/lib,/second/late");
	assert_int_equal(maplog_replay(l, 5, 1000, s, 1003), 1);
	names_of(s, 1003, &b);
	assert_string_equal(b.data, "/third/exe");
	assert_int_equal(maplog_replay(l, 6, 1000, s, 1004), 1);
	assert_int_equal(maplog_replay(l, 7, 1000, s, 1005), 0); /* never seen */
	uint64_t procs, entries, dropped;
	maplog_stats(l, &procs, &entries, &dropped);
	assert_int_equal(procs, 2);
	assert_int_equal(entries, 6);
	assert_int_equal(dropped, 0);
	buf_release(&b);
	symbolizer_free(s);
	maplog_free(l);
}

/* A process whose snapshot failed (gone): the replayed maps take over from "process unknown". */
static void test_maplog_replay_replaces_a_failed_snapshot(void **state)
{
	(void)state;
	struct maplog *l = maplog_new();
	map(l, 42, 10, 0x400000, "/nonexistent/scorch-maplog-test");
	struct symbolizer *s = symbolizer_new(NULL);
	const int gone = 999999999;
	assert_true(symbolizer_proc_snapshot(s, gone, NULL) < 0);
	struct sym_chain c;
	assert_int_equal(symbolizer_resolve(s, gone, 0x400010, 0, &c), 0);
	assert_int_equal(c.reason, SYM_NO_PROCESS);
	assert_int_equal(maplog_replay(l, 42, 20, s, gone), 1);
	assert_int_equal(symbolizer_resolve(s, gone, 0x400010, 0, &c), 0);
	assert_int_equal(c.reason, SYM_NO_FILE); /* known now; its file is not there */
	assert_string_equal(c.module, "/nonexistent/scorch-maplog-test");
	symbolizer_free(s);
	maplog_free(l);
}

/* Bad records: no name, no length; and a storm past the cap is counted, not kept. */
static void test_maplog_bad_records_and_cap(void **state)
{
	(void)state;
	struct maplog *l = maplog_new();
	struct mmap_seen m = { .pid = 1, .time_ns = 1, .addr = 0x1000, .len = 0, .filename = "/x" };
	assert_int_equal(maplog_add(l, &m), 0);
	m.len = 0x1000;
	m.filename = NULL;
	assert_int_equal(maplog_add(l, &m), 0);
	uint64_t procs, entries, dropped;
	maplog_stats(l, &procs, &entries, &dropped);
	assert_int_equal(entries, 0);
	m.filename = "/storm";
	uint64_t n = 0;
	do {
		m.pid = (uint32_t)(n % 1000);
		assert_int_equal(maplog_add(l, &m), 0);
		maplog_stats(l, &procs, &entries, &dropped);
		n++;
	} while (!dropped && n < 10000000);
	assert_int_equal(dropped, 1);
	assert_int_equal(entries, n - 1);
	assert_int_equal(procs, 1000);
	maplog_free(l);
	maplog_free(NULL);
}

/* A fork: the child starts with what its parent had mapped at that time, its own after its exec. */
static void test_maplog_fork_inherits(void **state)
{
	(void)state;
	struct maplog *l = maplog_new();
	map(l, 10, 100, 0x1000, "/parent/exe");
	map(l, 10, 400, 0x2000, "/parent/later"); /* after the fork: not the child's */
	struct mmap_seen f = { .pid = 11, .tid = 11, .ppid = 10, .time_ns = 300, .fork = true };
	assert_int_equal(maplog_add(l, &f), 0);
	exec_at(l, 11, 500);
	map(l, 11, 510, 0x3000, "/child/exe");
	/* a fork of a process never seen: nothing to inherit */
	f.pid = f.tid = 13;
	f.ppid = 12;
	assert_int_equal(maplog_add(l, &f), 0);

	struct symbolizer *s = symbolizer_new(NULL);
	struct buf b = BUF_INIT;
	assert_int_equal(maplog_replay(l, 11, 350, s, 3001), 1);
	names_of(s, 3001, &b);
	assert_string_equal(b.data, "/parent/exe");
	assert_int_equal(maplog_replay(l, 11, 600, s, 3002), 1);
	names_of(s, 3002, &b);
	assert_string_equal(b.data, "/child/exe");
	assert_int_equal(maplog_replay(l, 13, 600, s, 3003), 0);
	/* the exec that makes a late snapshot stale */
	assert_true(maplog_exec_between(l, 11, 350, 600));
	assert_false(maplog_exec_between(l, 11, 500, 600)); /* strictly after the first sample */
	assert_false(maplog_exec_between(l, 10, 0, 1000));
	assert_false(maplog_exec_between(l, 99, 0, 1000));
	buf_release(&b);
	symbolizer_free(s);
	maplog_free(l);
}

static bool needed_if_odd(uint32_t tgid, void *arg)
{
	(void)arg;
	return tgid % 2 == 1;
}

/* Pruning: only processes whose records are all older than the cut, and that are not needed. */
static void test_maplog_prune(void **state)
{
	(void)state;
	struct maplog *l = maplog_new();
	map(l, 2, 100, 0x1000, "/old/even");    /* old, not needed: forgotten */
	map(l, 3, 100, 0x1000, "/old/odd");     /* old, needed: kept */
	map(l, 4, 100, 0x1000, "/old/then/new");
	map(l, 4, 5000, 0x2000, "/new");        /* one recent record: all of it kept */
	exec_at(l, 6, 100);                      /* only an exec: forgotten too */
	maplog_prune(l, 1000, needed_if_odd, NULL);
	uint64_t procs, entries, dropped;
	maplog_stats(l, &procs, &entries, &dropped);
	assert_int_equal(entries, 3);
	struct symbolizer *s = symbolizer_new(NULL);
	assert_int_equal(maplog_replay(l, 2, 200, s, 2002), 0);
	assert_int_equal(maplog_replay(l, 3, 200, s, 2003), 1);
	assert_int_equal(maplog_replay(l, 4, 6000, s, 2004), 2);
	/* a process forgotten is logged afresh */
	map(l, 2, 7000, 0x3000, "/again");
	assert_int_equal(maplog_replay(l, 2, 7000, s, 2005), 1);
	symbolizer_free(s);
	maplog_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_maplog_images_between_execs),
		cmocka_unit_test(test_maplog_replay_replaces_a_failed_snapshot),
		cmocka_unit_test(test_maplog_bad_records_and_cap),
		cmocka_unit_test(test_maplog_prune),
		cmocka_unit_test(test_maplog_fork_inherits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
