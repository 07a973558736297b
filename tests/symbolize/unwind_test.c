// SPDX-License-Identifier: Apache-2.0
/* Unit tests of symbolize/unwind.c: unwinding this very process from a copy of its stack, register mapping, garbage. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/err.h"
#include "symbolize/symbolize.h"
#include "symbolize/unwind.h"

#define STACK_COPY 8192

/* What a sampler hands over: registers and the stack bytes above the stack pointer. */
struct capture {
	struct unwind_regs regs;
	uint8_t stack[STACK_COPY];
	size_t size;
};

/* The top of this thread's stack mapping, so the copy never reads past it. */
static uint64_t stack_top(uint64_t sp)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	uint64_t top = sp + STACK_COPY;

	while (f && fgets(line, sizeof(line), f)) {
		unsigned long a, b;
		if (sscanf(line, "%lx-%lx", &a, &b) == 2 && sp >= a && sp < b) {
			top = b;
			break;
		}
	}
	if (f)
		fclose(f);
	return top;
}

/*
 * Take the registers here, as a PMU interrupt would: rip, rsp and the callee-saved ones
 * (the caller-saved ones are not needed to unwind), then copy the stack above rsp.
 */
/* ASan poisons the red zones between frames: this copy, like a kernel's, must read them anyway. */
static __attribute__((noinline, no_sanitize_address)) void copy_stack(uint8_t *dst, uint64_t src, size_t n)
{
	const volatile uint8_t *s = (const volatile uint8_t *)(uintptr_t)src;
	for (size_t i = 0; i < n; i++)
		dst[i] = s[i];
}

static __attribute__((noinline)) void capture_here(struct capture *c)
{
	uint64_t ip, sp, bp, bx, r12, r13, r14, r15, top;

	__asm__ volatile("lea 0(%%rip), %0\n\tmov %%rsp, %1\n\tmov %%rbp, %2\n\tmov %%rbx, %3\n\t"
			 "mov %%r12, %4\n\tmov %%r13, %5\n\tmov %%r14, %6\n\tmov %%r15, %7"
			 : "=r"(ip), "=r"(sp), "=r"(bp), "=r"(bx), "=r"(r12), "=r"(r13), "=r"(r14), "=r"(r15));
	memset(&c->regs, 0, sizeof(c->regs));
	c->regs.r[UNWIND_REG_IP] = ip;
	c->regs.r[UNWIND_REG_SP] = sp;
	c->regs.r[UNWIND_REG_BP] = bp;
	c->regs.r[3] = bx;
	c->regs.r[12] = r12;
	c->regs.r[13] = r13;
	c->regs.r[14] = r14;
	c->regs.r[15] = r15;
	c->regs.valid = 1u << UNWIND_REG_IP | 1u << UNWIND_REG_SP | 1u << UNWIND_REG_BP | 1u << 3 | 0xfu << 12;
	top = stack_top(sp);
	c->size = top - sp < STACK_COPY ? (size_t)(top - sp) : STACK_COPY;
	copy_stack(c->stack, sp, c->size);
}

/* Three callers that keep real frames (they do work after the call), built -O2 without frame pointers. */
static __attribute__((noinline)) int unwind_leaf_fn(struct capture *c, int x)
{
	capture_here(c);
	return x * 3 + (int)c->size;
}

static __attribute__((noinline)) int unwind_mid_fn(struct capture *c, int x)
{
	int r = unwind_leaf_fn(c, x + 1);
	__asm__ volatile("" ::: "memory");
	return r + x;
}

static __attribute__((noinline)) int unwind_outer_fn(struct capture *c, int x)
{
	int r = unwind_mid_fn(c, x * 2);
	__asm__ volatile("" ::: "memory");
	return r - 1;
}

static void test_unwind_self(void **state)
{
	static struct capture c;
	struct symbolizer *s = symbolizer_new(NULL);
	struct unwind_cache *cache = unwind_cache_new();
	struct unwind_frame frames[64];
	struct unwind_result res;
	struct unwind_stack st;
	struct errbuf e;
	const char *want[] = { "capture_here", "unwind_leaf_fn", "unwind_mid_fn", "unwind_outer_fn", "test_unwind_self" };
	size_t next = 0;

	assert_non_null(s);
	assert_non_null(cache);
	errbuf_init(&e);
	if (symbolizer_proc_snapshot(s, getpid(), &e) != 0)
		fail_msg("cannot snapshot this process: %s", e.msg.data);
	assert_true(unwind_outer_fn(&c, 5) != 0);
	st.data = c.stack;
	st.size = c.size;
	st.start = c.regs.r[UNWIND_REG_SP];
	for (int round = 0; round < 2; round++) { /* the second round runs on cached rules */
		next = 0;
		assert_int_equal(unwind_user_stack(s, cache, getpid(), &c.regs, &st, frames, 64, &res), 0);
		assert_true(res.nframes >= 5);
		assert_true(frames[0].activation);
		for (size_t i = 0; i < res.nframes && next < 5; i++) {
			struct sym_chain ch;
			uint64_t pc = frames[i].activation ? frames[i].pc : frames[i].pc - 1;

			assert_int_equal(symbolizer_resolve(s, getpid(), pc, SYM_NO_INLINES, &ch), 0);
			if (getenv("UNWIND_TEST_VERBOSE"))
				fprintf(stderr, "frame %zu pc %#lx %s (%s) reason %u end %d\n", i, (unsigned long)pc, ch.symbol, ch.module, ch.reason, res.end);
			/* gcc may clone them: "unwind_leaf_fn.constprop.0" */
			size_t wl = strlen(want[next]);
			if (strncmp(ch.symbol, want[next], wl) == 0 && (ch.symbol[wl] == 0 || ch.symbol[wl] == '.'))
				next++;
			else if (next > 0 && next < 5)
				fail_msg("frame %zu is '%s', expected '%s'", i, ch.symbol, want[next]);
		}
		assert_int_equal(next, 5);
	}
	{
		struct unwind_cache_stats cs;
		unwind_cache_get_stats(cache, &cs);
		assert_true(cs.rule_hits > 0);
	}
	/* without a cache: the same frames */
	{
		struct unwind_frame again[64];
		struct unwind_result r2;
		assert_int_equal(unwind_user_stack(s, NULL, getpid(), &c.regs, &st, again, 64, &r2), 0);
		assert_int_equal(r2.nframes, res.nframes);
		for (size_t i = 0; i < res.nframes; i++) {
			assert_int_equal(again[i].pc, frames[i].pc);
			assert_int_equal(again[i].activation, frames[i].activation);
		}
	}
	/* a copy too short to reach the callers ends "outside the copied stack" */
	st.size = 16;
	assert_int_equal(unwind_user_stack(s, cache, getpid(), &c.regs, &st, frames, 64, &res), 0);
	assert_true(res.nframes >= 1 && res.nframes < 5);
	assert_int_equal(res.end, UNWIND_END_STACK);
	/* at most `max` frames */
	st.size = c.size;
	assert_int_equal(unwind_user_stack(s, cache, getpid(), &c.regs, &st, frames, 2, &res), 0);
	assert_int_equal(res.nframes, 2);
	assert_int_equal(res.end, UNWIND_END_MAX);
	errbuf_release(&e);
	unwind_cache_free(cache);
	symbolizer_free(s);
}

/* perf's REGS_USER layout (mask 0xff0fff, as perf --call-graph dwarf records) into DWARF numbering. */
static void test_unwind_regs_from_perf(void **state)
{
	uint64_t vals[20];
	struct unwind_regs r;

	for (int i = 0; i < 20; i++)
		vals[i] = 1000 + (uint64_t)i;
	/* bits 0-11 (ax..ss) then 16-23 (r8..r15): values 1000..1011 then 1012..1019 */
	unwind_regs_from_perf_x86(&r, vals, 20, 0xff0fffULL);
	assert_int_equal(r.r[0], 1000);              /* rax = perf AX (0) */
	assert_int_equal(r.r[1], 1003);              /* rdx = perf DX (3) */
	assert_int_equal(r.r[2], 1002);              /* rcx = perf CX (2) */
	assert_int_equal(r.r[3], 1001);              /* rbx = perf BX (1) */
	assert_int_equal(r.r[UNWIND_REG_BP], 1006);
	assert_int_equal(r.r[UNWIND_REG_SP], 1007);
	assert_int_equal(r.r[UNWIND_REG_IP], 1008);
	assert_int_equal(r.r[8], 1012);              /* r8 = perf R8 (16), the 13th value */
	assert_int_equal(r.r[15], 1019);
	assert_int_equal(r.valid, (1u << UNWIND_NREGS) - 1);
	/* fewer values than the mask says: the missing ones stay unknown */
	unwind_regs_from_perf_x86(&r, vals, 9, 0xff0fffULL);
	assert_true(r.valid >> UNWIND_REG_IP & 1);
	assert_false(r.valid >> 8 & 1);
}

/* Garbage registers and stacks: every unwind ends, with a reason, and reads stay inside the copy. */
static void test_unwind_garbage(void **state)
{
	struct symbolizer *s = symbolizer_new(NULL);
	struct unwind_cache *cache = unwind_cache_new();
	struct errbuf e;
	uint64_t x = 0x2545f4914f6cdd1dULL;
	static uint8_t stack[4096];
	struct unwind_frame frames[128];

	errbuf_init(&e);
	assert_int_equal(symbolizer_proc_snapshot(s, getpid(), &e), 0);
	for (int round = 0; round < 3000; round++) {
		struct unwind_regs r;
		struct unwind_stack st;
		struct unwind_result res;
		size_t len = (size_t)(x % sizeof(stack));
		uint8_t *copy;

		for (size_t i = 0; i < sizeof(stack); i += 8) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			memcpy(stack + i, &x, 8);
		}
		memset(&r, 0, sizeof(r));
		r.valid = (uint32_t)x & ((1u << UNWIND_NREGS) - 1);
		r.valid |= 1u << UNWIND_REG_IP;
		for (int k = 0; k < UNWIND_NREGS; k++)
			r.r[k] = ((const uint64_t *)stack)[k];
		/* half the time point the registers at real code and into the copy, so the CFI paths run */
		if (round & 1) {
			r.r[UNWIND_REG_IP] = (uint64_t)(uintptr_t)&test_unwind_garbage + (x % 200);
			r.r[UNWIND_REG_SP] = 0x7fff0000 + (x % 64) * 8;
			r.r[UNWIND_REG_BP] = 0x7fff0000 + (x % 512) * 8;
			r.valid |= 1u << UNWIND_REG_SP | 1u << UNWIND_REG_BP;
		}
		copy = malloc(len ? len : 1); /* exactly `len` bytes: ASan sees a read past the copy */
		memcpy(copy, stack, len);
		st.data = copy;
		st.size = len;
		st.start = 0x7fff0000;
		assert_int_equal(unwind_user_stack(s, cache, getpid(), &r, &st, frames, 128, &res), 0);
		assert_true(res.nframes >= 1 && res.nframes <= 128);
		assert_true((unsigned)res.end < UNWIND_END_COUNT);
		assert_non_null(unwind_end_str(res.end));
		free(copy);
	}
	errbuf_release(&e);
	unwind_cache_free(cache);
	symbolizer_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unwind_self),
		cmocka_unit_test(test_unwind_regs_from_perf),
		cmocka_unit_test(test_unwind_garbage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
