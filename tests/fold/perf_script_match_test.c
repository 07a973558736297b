// SPDX-License-Identifier: Apache-2.0
/* Unit tests of stackcollapse-perf.pl's expressions matched by hand (fold/perf_script_match.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fold/internal.h"
#include "lib/buf.h"

/* Captures below are what Perl 5.36 gives for the same expression and line. */

static void expect_span(struct span got, const char *want)
{
	assert_int_equal(got.n, strlen(want));
	assert_memory_equal(got.s, want, got.n);
}

static void expect_header(const char *line, const char *comm, const char *pid, const char *tid)
{
	struct span c, p, t;
	assert_true(perf_script_match_header(line, strlen(line), &c, &p, &t));
	expect_span(c, comm);
	expect_span(p, pid);
	expect_span(t, tid);
}

static void test_match_header(void **state)
{
	(void)state;
	expect_header("java 25607 4794564.109216: 1 cycles:", "java", "25607", "");
	expect_header("java 12688 [002] 6544038.708352: 235 cpu-clock:", "java", "12688", "");
	expect_header("V8 WorkerThread 24636/25607 [000] 94564.109216: 100 cycles:", "V8 WorkerThread", "24636", "25607");
	expect_header("emulator  4152 75695.008865:          1 cycles:u: ", "emulator", "4152", "");
	expect_header("app 77//78 x", "app", "77", "78");
	expect_header("app 7/ x", "app", "7", "");
	/* the lazy (\S.+?) needs two characters: a one-letter comm runs on to the period */
	expect_header("a 123 [000] 1.000: 10 cycles:", "a 123 [000] 1.000:", "10", "");
	struct span c, p, t;
	assert_false(perf_script_match_header("\tffff f (m)", 11, &c, &p, &t));
	assert_false(perf_script_match_header("app 12x 3", 9, &c, &p, &t));
	assert_false(perf_script_match_header("app 12", 6, &c, &p, &t)); /* \s+ after the pid */
	assert_false(perf_script_match_header("", 0, &c, &p, &t));
}

static void test_match_event(void **state)
{
	(void)state;
	struct span per, ev;
	const char *l1 = "java 12688 [002] 6544038.708352: 235 cpu-clock: ";
	assert_true(perf_script_match_event(l1, strlen(l1), &per, &ev));
	expect_span(per, "235");
	expect_span(ev, "cpu-clock");
	const char *l2 = "perf 47118 [011] 51499.088689:          1 page-faults:\t ";
	assert_true(perf_script_match_event(l2, strlen(l2), &per, &ev));
	expect_span(per, "1");
	expect_span(ev, "page-faults");
	const char *l3 = "func_ab 15294 cpu-clock: ";
	assert_false(perf_script_match_event(l3, strlen(l3), &per, &ev)); /* no ':' before the event */
	const char *l4 = "x 1 1.0: cycles:u:";
	assert_true(perf_script_match_event(l4, strlen(l4), &per, &ev));
	expect_span(per, "");
	expect_span(ev, "cycles:u");
	const char *l5 = "x 1 1.0: 1 2 cycles:";
	assert_false(perf_script_match_event(l5, strlen(l5), &per, &ev));
	const char *l6 = "sleeper 3715 [000] 4401.98: sched:sched_switch: prev_comm=x ==> next_pid=3";
	assert_false(perf_script_match_event(l6, strlen(l6), &per, &ev));
}

static void expect_frame(const char *line, const char *pc, const char *func, const char *mod)
{
	struct span a, f, m;
	assert_true(perf_script_match_frame(line, strlen(line), &a, &f, &m));
	expect_span(a, pc);
	expect_span(f, func);
	expect_span(m, mod);
}

static void test_match_frame(void **state)
{
	(void)state;
	expect_frame("\tffffffff8103ce3b native_safe_halt ([kernel.kallsyms])", "ffffffff8103ce3b", "native_safe_halt",
		     "[kernel.kallsyms]");
	expect_frame("  7f1e2162ad6f StealTask::do_it(GCTaskManager*, unsigned int) (/x/libjvm.so)", "7f1e2162ad6f",
		     "StealTask::do_it(GCTaskManager*, unsigned int)", "/x/libjvm.so");
	/* greedy: the module is from the last " (" that a ')' follows to the last ')' */
	expect_frame("\t1 f (a) (b) tail)", "1", "f (a)", "b) tail");
	/* backtracking: \s* gives back a blank, then \w+ gives back a letter */
	expect_frame("  400008  (spaced)", "400008", " ", "spaced");
	expect_frame("\tabc (x)", "ab", "c", "x");
	struct span a, f, m;
	assert_false(perf_script_match_frame("\tf (x)", 6, &a, &f, &m)); /* one-letter word cannot give back */
	assert_false(perf_script_match_frame("\t1 f", 4, &a, &f, &m));
	assert_false(perf_script_match_frame("\t1 f (x", 7, &a, &f, &m));
	assert_false(perf_script_match_frame("\t\xff f (x)", 8, &a, &f, &m)); /* \w is ASCII */
}

static void test_match_modules(void **state)
{
	(void)state;
	assert_true(perf_script_mod_is_kernel((struct span){ "[kernel.kallsyms]", 17 }));
	assert_true(perf_script_mod_is_kernel((struct span){ "/lib/modules/4.1/build/vmlinux", 30 }));
	assert_false(perf_script_mod_is_kernel((struct span){ "[unknown]", 9 }));
	assert_false(perf_script_mod_is_kernel((struct span){ "/usr/lib/libc.so", 16 }));
	assert_true(perf_script_mod_is_jit((struct span){ "/tmp/perf-19982.map", 19 }));
	assert_false(perf_script_mod_is_jit((struct span){ "/tmp/perf-.map", 14 }));
	assert_true(perf_script_mod_is_jit((struct span){ "/tmp/perf-12.mapx", 17 })); /* unanchored */
}

static void expect_tidy(const char *in, bool java, const char *want)
{
	struct buf b = BUF_INIT;
	assert_int_equal(buf_addstr(&b, in), 0);
	perf_script_tidy(&b, java);
	assert_string_equal(b.data, want);
	buf_release(&b);
}

static void test_tidy(void **state)
{
	(void)state;
	expect_tidy("v8::internal::Foo(int, char const*)", false, "v8::internal::Foo");
	expect_tidy("ns::(anonymous namespace)::f(int)", false, "ns::(anonymous namespace)::f");
	expect_tidy("net/http.(*Client).Do", false, "net/http.(*Client).Do");
	expect_tidy("RegExp:[&<>\"']", false, "RegExp:[&<>]");
	expect_tidy("a;b;c", false, "a:b:c");
	expect_tidy("Lorg/mozilla/javascript/MemberBox;.<init>(Ljava/lang/reflect/Method;)V", true,
		    "org/mozilla/javascript/MemberBox:.<init>");
	expect_tidy("Lorg/x;.y", false, "Lorg/x:.y"); /* not a java process */
	expect_tidy("LNoSlash;.x", true, "LNoSlash:.x");
	expect_tidy("", true, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match_header),
		cmocka_unit_test(test_match_event),
		cmocka_unit_test(test_match_frame),
		cmocka_unit_test(test_match_modules),
		cmocka_unit_test(test_tidy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
