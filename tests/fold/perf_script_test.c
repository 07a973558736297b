// SPDX-License-Identifier: Apache-2.0
/* Unit tests of the perf script reader (fold/perf_script.c): stackcollapse-perf.pl's semantics, values, bad input. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fold/fold.h"
#include "fold/profile.h"
#include "lib/err.h"

/*
 * Expected outputs below were checked against stackcollapse-perf.pl
 * (FlameGraph 41fee1f) run on the same text.
 */

/* Fold `in` with `o`, return the folded text (caller frees); stats into `st` when given. */
static char *fold(const char *in, size_t len, const struct fold_read_opts *o, struct fold_read_stats *st,
		  struct profile **keep)
{
	struct profile *p = profile_new();
	struct errbuf err;
	char *text = NULL;
	size_t n = 0;
	assert_non_null(p);
	errbuf_init(&err);
	assert_int_equal(fold_read_mem(FOLD_TEXT_PERF_SCRIPT, in, len, p, o, st, &err), 0);
	FILE *f = open_memstream(&text, &n);
	assert_non_null(f);
	if (profile_value_count(p))
		assert_int_equal(folded_write(p, f, NULL, &err), 0);
	fclose(f);
	errbuf_release(&err);
	if (keep)
		*keep = p;
	else
		profile_free(p);
	return text;
}

static void expect_fold(const char *in, const struct fold_read_opts *o, const char *want)
{
	char *got = fold(in, strlen(in), o, NULL, NULL);
	assert_string_equal(got, want);
	free(got);
}

static const char two_samples[] =
	"dd 29776 666709.771979:   10101010 cpu-clock: \n"
	"\t          414b3b fsnotify (/lib/modules/4.1.0-virtual/build/vmlinux)\n"
	"\t          3d6b9f sys_read (/lib/modules/4.1.0-virtual/build/vmlinux)\n"
	"\t    7f3c2a5b4d00 __read_nocancel+0x7 (/lib64/libc-2.17.so)\n"
	"\n"
	"dd 29776 666709.781979:   10101010 cpu-clock: \n"
	"\t          414b3b fsnotify (/lib/modules/4.1.0-virtual/build/vmlinux)\n"
	"\t          3d6b9f sys_read (/lib/modules/4.1.0-virtual/build/vmlinux)\n"
	"\t    7f3c2a5b4d00 __read_nocancel+0x7 (/lib64/libc-2.17.so)\n"
	"\n";

static void test_perf_script_periods_sum(void **state)
{
	(void)state;
	struct profile *p;
	char *got = fold(two_samples, sizeof(two_samples) - 1, NULL, NULL, &p);
	assert_string_equal(got, "dd;__read_nocancel;sys_read;fsnotify 20202020\n");
	/* periods of cpu-clock are nanoseconds */
	struct value_type t = profile_value_type(p, 0);
	assert_string_equal(profile_str(p, t.type), "cpu");
	assert_string_equal(profile_str(p, t.unit), "nanoseconds");
	assert_string_equal(profile_meta_get(p, "event"), "cpu-clock");
	free(got);
	profile_free(p);
}

static void test_perf_script_count_samples(void **state)
{
	(void)state;
	struct fold_read_opts o = { .count_samples = true };
	struct profile *p;
	char *got = fold(two_samples, sizeof(two_samples) - 1, &o, NULL, &p);
	assert_string_equal(got, "dd;__read_nocancel;sys_read;fsnotify 2\n");
	assert_string_equal(profile_str(p, profile_value_type(p, 0).type), "samples");
	free(got);
	profile_free(p);
}

static void test_perf_script_no_period(void **state)
{
	(void)state;
	expect_fold("func_ab 15294 cpu-clock: \n\t400570 func_b (/root/func_ab)\n\t4005b1 main (/root/func_ab)\n\n"
		    "func_ab 15294 cpu-clock: \n\t400570 func_b (/root/func_ab)\n\t4005b1 main (/root/func_ab)\n\n",
		    NULL, "func_ab;main;func_b 2\n");
	/* "if (not $period)": a period of 0 counts 1, "00" counts 0 */
	expect_fold("ab 1 1.0: 0 cycles:\n\t1 f (m)\n\n", NULL, "ab;f 1\n");
	expect_fold("ab 1 1.0: 00 cycles:\n\t1 f (m)\n\n", NULL, "ab;f 0\n");
}

static const char two_events[] =
	"app 100 [000] 1.0: 1000 cycles: \n\t400000 hot (/app)\n\n"
	"app 100 [000] 1.1: 3000 instructions: \n\t400000 hot (/app)\n\n"
	"app 100 [000] 1.2: 500 cycles: \n\t400002 cold (/app)\n\n";

static void test_perf_script_first_event_only(void **state)
{
	(void)state;
	struct fold_read_stats st;
	char *got = fold(two_events, sizeof(two_events) - 1, NULL, &st, NULL);
	assert_string_equal(got, "app;cold 500\napp;hot 1000\n");
	assert_int_equal(st.samples, 2);
	assert_int_equal(st.other_events, 1);
	free(got);

	struct fold_read_opts o = { .event = "instructions" };
	got = fold(two_events, sizeof(two_events) - 1, &o, &st, NULL);
	assert_string_equal(got, "app;hot 3000\n");
	assert_int_equal(st.other_events, 2);
	free(got);
}

static const char labels[] =
	"java 24636/25607 [000] 94564.109216: 100 cycles:\n"
	"\tffffffff8103ce3b native_safe_halt ([kernel.kallsyms])\n"
	"\t7f722d142778 Ljava/io/PrintStream;::print (/tmp/perf-19982.map)\n"
	"\t7f722d142779 [unknown] (/tmp/perf-19982.map)\n"
	"\t7f722d14277a [unknown] ([unknown])\n"
	"\n";

static void test_perf_script_labels(void **state)
{
	(void)state;
	struct fold_read_opts o = { 0 };
	expect_fold(labels, &o, "java;[unknown];[perf-19982.map];java/io/PrintStream:::print;native_safe_halt 100\n");
	o.flags = FOLD_PID;
	expect_fold(labels, &o,
		    "java-24636;[unknown];[perf-19982.map];java/io/PrintStream:::print;native_safe_halt 100\n");
	o.flags = FOLD_TID;
	expect_fold(labels, &o,
		    "java-24636/25607;[unknown];[perf-19982.map];java/io/PrintStream:::print;native_safe_halt 100\n");
	o.flags = FOLD_KERNEL_TAG | FOLD_JIT_TAG;
	expect_fold(labels, &o,
		    "java;[unknown];[perf-19982.map]_[j];java/io/PrintStream:::print_[j];native_safe_halt_[k] 100\n");
	o.flags = FOLD_ADDRS;
	expect_fold(labels, &o,
		    "java;[unknown <7f722d14277a>];[perf-19982.map <7f722d142779>];java/io/PrintStream:::print;"
		    "native_safe_halt 100\n");
	/* one number is the tid: the pid is unknown */
	o.flags = FOLD_TID;
	expect_fold("V8 WorkerThread 25607 4794564.109216: 104345 cycles:\n\t1 f (m)\n\n", &o,
		    "V8_WorkerThread-?/25607;f 104345\n");
}

static void test_perf_script_tidy(void **state)
{
	(void)state;
	expect_fold("app 1 1.0: 1 cycles:\n"
		    "\t1 v8::internal::Foo(int, char const*) (/lib.so)\n"
		    "\t2 ns::(anonymous namespace)::helper(int) (/lib.so)\n"
		    "\t3 net/http.(*Client).Do (/go)\n"
		    "\t4 RegExp:[&<>\"'] (/tmp/perf-1.map)\n"
		    "\t5 semi;colon+0x1f (/app)\n"
		    "\t6 upper+0x1F (/app)\n"
		    "\t7 (process) (/app)\n"
		    "\n",
		    NULL,
		    "app;upper+0x1F;semi:colon;RegExp:[&<>];net/http.(*Client).Do;ns::(anonymous namespace)::helper;"
		    "v8::internal::Foo 1\n");
}

static void test_perf_script_inline_chains(void **state)
{
	(void)state;
	/* "a->b->c" is one line of inlined functions, kept in order and tagged _[i] */
	expect_fold("app 1 1.0: 1 cycles:\n\t1 leaf->mid->outer (/app)\n\t2 main (/app)\n\n", NULL,
		    "app;main;leaf;mid_[i];outer_[i] 1\n");
	/* trailing empty parts are dropped, leading ones kept */
	expect_fold("app 1 1.0: 1 cycles:\n\t1 a->b-> (/app)\n\t2 ->c (/app)\n\n", NULL, "app;;c_[i];a;b_[i] 1\n");
}

static void test_perf_script_regex_corners(void **state)
{
	(void)state;
	/* a one-character comm cannot end the lazy (\S.+?): the header swallows fields */
	expect_fold("a 123 [000] 1.000: 10 cycles:\n\t1 f (m)\n\n", NULL, "a_123_[000]_1.000:;f 10\n");
	/* no blank line between samples: the frames join the next header's sample */
	expect_fold("a1 5 1.0: 2 cycles:\n\t1 first (m)\nb1 6 1.0: 3 cycles:\n\t2 second (m)\n\n", NULL,
		    "b1;second;first 3\n");
	/* "\w+ (.+) \((.*)\)" backtracks into the address */
	expect_fold("a1 5 1.0: 2 cycles:\n\tabc (x)\n\n", NULL, "a1;c 2\n");
}

static int warned;
static uint64_t warned_line;
static void on_warn(void *arg, uint64_t line, const char *reason, const char *text, size_t len)
{
	(void)arg;
	(void)text;
	(void)len;
	assert_non_null(reason);
	warned++;
	warned_line = line;
}

static void test_perf_script_malformed(void **state)
{
	(void)state;
	struct fold_read_opts o = { .warn = on_warn };
	struct fold_read_stats st;
	struct profile *p;
	warned = 0;
	const char in[] = "a1 5 1.0: 2 cycles:\n\t1 f (m)\nnot a frame\n\n";
	char *got = fold(in, sizeof(in) - 1, &o, &st, &p);
	assert_string_equal(got, "a1;f 2\n");
	assert_int_equal(warned, 1);
	assert_int_equal(warned_line, 3);
	assert_int_equal(st.malformed, 1);
	uint64_t n;
	assert_string_equal(profile_loss_get(p, 0, &n), FOLD_LOSS_MALFORMED);
	assert_int_equal(n, 1);
	free(got);
	profile_free(p);
}

static void test_perf_script_cut_off(void **state)
{
	(void)state;
	struct fold_read_stats st;
	struct profile *p;
	const char in[] = "a1 5 1.0: 2 cycles:\n\t1 f (m)\n\na1 5 1.1: 2 cycles:\n\t1 g (m)\n";
	char *got = fold(in, sizeof(in) - 1, NULL, &st, &p);
	assert_string_equal(got, "a1;f 2\n"); /* as stackcollapse-perf.pl: left out, but counted */
	assert_int_equal(st.truncated, 1);
	uint64_t n;
	assert_string_equal(profile_loss_get(p, 0, &n), FOLD_LOSS_TRUNCATED);
	assert_int_equal(n, 1);
	free(got);
	profile_free(p);
}

static void test_perf_script_filters(void **state)
{
	(void)state;
	const char in[] = "srv 300/300 1.0: cpu-clock:\n\t1 a (m)\n\n"
			  "srv 300/301 1.0: cpu-clock:\n\t1 b (m)\n\n"
			  "cli 400/400 1.0: cpu-clock:\n\t1 c (m)\n\n";
	int64_t pid = 300, tid = 301;
	const char *comm = "cli";
	struct fold_read_stats st;
	struct fold_read_opts o = { .pids = &pid, .npids = 1 };
	char *got = fold(in, sizeof(in) - 1, &o, &st, NULL);
	assert_string_equal(got, "srv;a 1\nsrv;b 1\n");
	assert_int_equal(st.filtered, 1);
	free(got);
	o = (struct fold_read_opts){ .tids = &tid, .ntids = 1 };
	expect_fold(in, &o, "srv;b 1\n");
	o = (struct fold_read_opts){ .comms = &comm, .ncomms = 1 };
	expect_fold(in, &o, "cli;c 1\n");
	/* default perf script prints no pid: a pid filter cannot match */
	o = (struct fold_read_opts){ .pids = &pid, .npids = 1 };
	got = fold("srv 300 1.0: cpu-clock:\n\t1 a (m)\n\n", 34, &o, &st, NULL);
	assert_string_equal(got, "");
	assert_int_equal(st.filtered, 1);
	free(got);
}

static void test_perf_script_frame_kinds(void **state)
{
	(void)state;
	struct profile *p;
	const char in[] = "app 1 1.0: 1 cycles:\n\tffff1 k ([kernel.kallsyms])\n\t2 j (/tmp/perf-7.map)\n"
			  "\t3 u->i (/app)\n\t4 [unknown] ([unknown])\n\n";
	char *got = fold(in, sizeof(in) - 1, NULL, NULL, &p);
	assert_string_equal(got, "app;[unknown];u;i_[i];j;k 1\n");
	struct profile_stack s = profile_stack_get(p, 0);
	enum frame_kind want[] = { FRAME_SYNTHETIC, FRAME_SYNTHETIC, FRAME_USER, FRAME_INLINED, FRAME_JIT, FRAME_KERNEL };
	assert_int_equal(s.depth, 6);
	for (uint32_t i = 0; i < s.depth; i++)
		assert_int_equal(profile_frame_get(p, s.frames[i])->kind, want[i]);
	const struct frame *k = profile_frame_get(p, s.frames[5]);
	assert_string_equal(profile_str(p, k->module), "[kernel.kallsyms]");
	free(got);
	profile_free(p);
}

static void test_perf_script_hostile_bytes(void **state)
{
	(void)state;
	/* NUL, escape sequences and invalid UTF-8 are kept as bytes; CR stays in the module */
	const char in[] = "app 1 1.0: 1 cycles:\n\t1 a\0b\x1b[31m\xff\xfe (/app)\n\t2 crlf (m)\r\n\n";
	char *got;
	size_t n = 0;
	struct profile *p = profile_new();
	struct errbuf err;
	errbuf_init(&err);
	assert_int_equal(fold_read_mem(FOLD_TEXT_PERF_SCRIPT, in, sizeof(in) - 1, p, NULL, NULL, &err), 0);
	FILE *f = open_memstream(&got, &n);
	assert_int_equal(folded_write(p, f, NULL, &err), 0);
	fclose(f);
	const char want[] = "app;crlf;a\0b\x1b[31m\xff\xfe 1\n";
	assert_int_equal(n, sizeof(want) - 1);
	assert_memory_equal(got, want, n);
	free(got);
	profile_free(p);
	errbuf_release(&err);
}

static void test_perf_script_deep_and_long(void **state)
{
	(void)state;
	enum { DEPTH = 10000, LONG = 1 << 20 };
	size_t cap = 64 + (size_t)DEPTH * 32 + LONG + 64;
	char *in = malloc(cap), *want = malloc((size_t)DEPTH * 16 + LONG + 64);
	size_t n = 0, w = 0;
	assert_non_null(in);
	assert_non_null(want);
	n += (size_t)sprintf(in + n, "deep 1 1.0: 1 cycles:\n\t1 ");
	memset(in + n, 'x', LONG);
	n += LONG;
	n += (size_t)sprintf(in + n, " (m)\n");
	for (int i = 0; i < DEPTH; i++)
		n += (size_t)sprintf(in + n, "\t%x f%d (m)\n", i, i);
	in[n++] = '\n';
	w += (size_t)sprintf(want, "deep");
	for (int i = DEPTH - 1; i >= 0; i--)
		w += (size_t)sprintf(want + w, ";f%d", i);
	want[w++] = ';';
	memset(want + w, 'x', LONG);
	w += LONG;
	w += (size_t)sprintf(want + w, " 1\n");
	char *got = fold(in, n, NULL, NULL, NULL);
	assert_int_equal(strlen(got), w);
	assert_memory_equal(got, want, w);
	free(got);
	free(in);
	free(want);
}

static void test_perf_script_garbage(void **state)
{
	(void)state;
	/* no crash, no sample from random bytes without structure */
	unsigned char junk[4096];
	uint32_t x = 12345;
	for (size_t i = 0; i < sizeof(junk); i++) {
		x = x * 1103515245 + 12345;
		junk[i] = (unsigned char)(x >> 16);
	}
	struct fold_read_stats st;
	char *got = fold((const char *)junk, sizeof(junk), NULL, &st, NULL);
	assert_true(st.lines > 0);
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_perf_script_periods_sum),
		cmocka_unit_test(test_perf_script_count_samples),
		cmocka_unit_test(test_perf_script_no_period),
		cmocka_unit_test(test_perf_script_first_event_only),
		cmocka_unit_test(test_perf_script_labels),
		cmocka_unit_test(test_perf_script_tidy),
		cmocka_unit_test(test_perf_script_inline_chains),
		cmocka_unit_test(test_perf_script_regex_corners),
		cmocka_unit_test(test_perf_script_malformed),
		cmocka_unit_test(test_perf_script_cut_off),
		cmocka_unit_test(test_perf_script_filters),
		cmocka_unit_test(test_perf_script_frame_kinds),
		cmocka_unit_test(test_perf_script_hostile_bytes),
		cmocka_unit_test(test_perf_script_deep_and_long),
		cmocka_unit_test(test_perf_script_garbage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
