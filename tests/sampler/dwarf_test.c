// SPDX-License-Identifier: Apache-2.0
/* Unit tests of sampler/dwarf.c: records as the BPF programs send them, made from this very process, unwound and counted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include <cmocka.h>

#include "fold/fold.h"
#include "fold/profile.h"
#include "lib/buf.h"
#include "lib/err.h"
#include "sampler/internal.h"
#include "sampler/offcpu.h"
#include "symbolize/symbolize.h"
#include "symbolize/unwind.h"

#define STACK_COPY 8192

/* x86-64 struct pt_regs slots (the record's register order). */
enum { PT_R15 = 0, PT_R14, PT_R13, PT_R12, PT_BP, PT_BX, PT_IP = 16, PT_CS, PT_SP = 19 };

/* A record: the head, then the stack bytes copied from sp up. */
struct record {
	struct sampler_dwarf_head h;
	uint8_t stack[STACK_COPY];
};

/* The end of this thread's stack mapping, so the copy never reads past it. */
static uint64_t stack_end(uint64_t sp)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	uint64_t end = sp + STACK_COPY;

	while (f && fgets(line, sizeof(line), f)) {
		unsigned long a, b;
		if (sscanf(line, "%lx-%lx", &a, &b) == 2 && sp >= a && sp < b) {
			end = b;
			break;
		}
	}
	if (f)
		fclose(f);
	return end;
}

/* ASan poisons the red zones between frames: this copy, like the kernel's, must read them anyway. */
static __attribute__((noinline, no_sanitize_address)) void copy_stack(uint8_t *dst, uint64_t src, size_t n)
{
	const volatile uint8_t *s = (const volatile uint8_t *)(uintptr_t)src;
	for (size_t i = 0; i < n; i++)
		dst[i] = s[i];
}

/* Fill `rec` as the on-CPU program would for a sample taken right here: registers in pt_regs order, the stack. */
static __attribute__((noinline)) void capture_record(struct record *rec)
{
	uint64_t ip, sp, bp, bx, r12, r13, r14, r15;

	__asm__ volatile("lea 0(%%rip), %0\n\tmov %%rsp, %1\n\tmov %%rbp, %2\n\tmov %%rbx, %3\n\t"
			 "mov %%r12, %4\n\tmov %%r13, %5\n\tmov %%r14, %6\n\tmov %%r15, %7"
			 : "=r"(ip), "=r"(sp), "=r"(bp), "=r"(bx), "=r"(r12), "=r"(r13), "=r"(r14), "=r"(r15));
	memset(&rec->h, 0, sizeof(rec->h));
	rec->h.regs[PT_IP] = ip;
	rec->h.regs[PT_SP] = sp;
	rec->h.regs[PT_BP] = bp;
	rec->h.regs[PT_BX] = bx;
	rec->h.regs[PT_R12] = r12;
	rec->h.regs[PT_R13] = r13;
	rec->h.regs[PT_R14] = r14;
	rec->h.regs[PT_R15] = r15;
	rec->h.regs[PT_CS] = 0x33;
	uint64_t end = stack_end(sp);
	rec->h.stack_len = (uint32_t)(end - sp < STACK_COPY ? end - sp : STACK_COPY);
	copy_stack(rec->stack, sp, rec->h.stack_len);
}

/* Three callers that keep real frames (they use the result after the call), no clones. */
#ifdef __clang__
#define KEEP __attribute__((noinline))
#else
#define KEEP __attribute__((noinline, noipa))
#endif

KEEP int dw_leaf_fn(struct record *rec, int x)
{
	capture_record(rec);
	return x * 3 + (int)rec->h.stack_len;
}

KEEP int dw_mid_fn(struct record *rec, int x)
{
	int r = dw_leaf_fn(rec, x + 1);
	__asm__ volatile("" ::: "memory");
	return r + x;
}

KEEP int dw_outer_fn(struct record *rec, int x)
{
	int r = dw_mid_fn(rec, x * 2);
	__asm__ volatile("" ::: "memory");
	return r - 1;
}

struct fixture {
	struct symbolizer *sym;
	struct image_table images;
	struct profile *p;
	struct dwarf *d;
	struct folded_lines lines;
	struct record rec;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	struct symbolizer_opts so = { .no_system_debug = true, .no_perf_cache = true, .no_jit_maps = true };
	f->sym = symbolizer_new(&so);
	image_table_init(&f->images, f->sym);
	f->p = profile_new();
	if (!f->sym || !f->p || profile_add_value_type(f->p, "samples", "count") < 0)
		return -1;
	struct dwarf_opts o = { .sym = f->sym, .images = &f->images };
	if (dwarf_new(&f->d, -1, &o, NULL))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	folded_lines_release(&f->lines);
	dwarf_free(f->d);
	profile_free(f->p);
	image_table_release(&f->images);
	symbolizer_free(f->sym);
	free(f);
	return 0;
}

/* The stacks read so far, as folded lines (f->lines). */
static void read_lines(struct fixture *f, uint32_t kind)
{
	struct sampler_read_opts ro = { .sym_flags = SYM_PROFILE_NO_INLINES };
	struct readout *r = readout_new(f->p, f->sym, &f->images, &ro, -1);
	struct errbuf err;
	assert_non_null(r);
	assert_int_equal(dwarf_read(f->d, r, NULL, kind, 0, 1, false), 0);
	readout_free(r);
	errbuf_init(&err);
	folded_lines_release(&f->lines);
	memset(&f->lines, 0, sizeof(f->lines));
	assert_int_equal(folded_lines_build(f->p, NULL, &f->lines, &err), 0);
	errbuf_release(&err);
}

static void head(struct record *rec, uint32_t type, uint32_t tid, uint64_t id, uint64_t ns)
{
	rec->h.type = type;
	rec->h.tgid = (uint32_t)getpid();
	rec->h.tid = tid;
	rec->h.gen = 1;
	rec->h.id = id;
	rec->h.ns = ns;
	memcpy(rec->h.comm, "me", 3);
}

static void add(struct fixture *f, const struct record *rec)
{
	assert_int_equal(dwarf_add_record(f->d, rec, sizeof(rec->h) + rec->h.stack_len), 0);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static void test_dwarf_unwinds_to_the_outermost_frame(void **state)
{
	struct fixture *f = *state;
	assert_true(dw_outer_fn(&f->rec, 1) != 0);
	head(&f->rec, DWARF_ONCPU, 1, 0, 0);
	/* the process's image is not known yet: the record itself brings the snapshot */
	add(f, &f->rec);
	assert_true(image_table_known(&f->images, (uint32_t)getpid(), 1));
	add(f, &f->rec);
	read_lines(f, DWARF_ONCPU);
	assert_int_equal(f->lines.count, 1);
	const char *line = f->lines.lines[0].stack;
	/* (libc's and cmocka's local functions may have no name without their debug files: [unknown] inside) */
	if (!ends_with(line, ";dw_outer_fn;dw_mid_fn;dw_leaf_fn;capture_record") || strncmp(line, "me;_start;", 10))
		fail_msg("unexpected stack: %s", line);
	/* two identical samples: one stack counted twice */
	assert_int_equal(f->lines.lines[0].value, 2);
	struct dwarf_stats st;
	dwarf_get_stats(f->d, &st);
	assert_int_equal(st.records, 2);
	assert_int_equal(st.stacks, 1);
	assert_int_equal(st.ends[UNWIND_END_OUTERMOST], 2);
}

static void test_dwarf_short_copy_ends_in_unknown(void **state)
{
	struct fixture *f = *state;
	assert_true(dw_outer_fn(&f->rec, 2) != 0);
	head(&f->rec, DWARF_ONCPU, 1, 0, 0);
	f->rec.h.stack_len = 16; /* not even the leaf's caller's frame */
	add(f, &f->rec);
	read_lines(f, DWARF_ONCPU);
	assert_int_equal(f->lines.count, 1);
	const char *line = f->lines.lines[0].stack;
	if (strncmp(line, "me;[unknown];", 13) || !ends_with(line, ";capture_record"))
		fail_msg("a cut-short unwind must start at [unknown]: %s", line);
}

static void test_dwarf_offcpu_start_and_end_pair_up(void **state)
{
	struct fixture *f = *state;
	profile_free(f->p);
	f->p = profile_new();
	assert_true(profile_add_value_type(f->p, "off-cpu", "nanoseconds") >= 0);
	assert_true(dw_outer_fn(&f->rec, 3) != 0);
	struct record *end = calloc(1, sizeof(*end));
	assert_non_null(end);

	head(&f->rec, DWARF_OFFCPU_START, 7, 100, 0);
	add(f, &f->rec);
	head(end, DWARF_OFFCPU_END, 7, 100, 5000);
	add(f, end);
	/* the same END again: its START was used up */
	add(f, end);
	/* thread 8: an interval left out (no END), then one timed */
	head(&f->rec, DWARF_OFFCPU_START, 8, 1, 0);
	add(f, &f->rec);
	head(&f->rec, DWARF_OFFCPU_START, 8, 2, 0);
	add(f, &f->rec);
	head(end, DWARF_OFFCPU_END, 8, 2, 1000);
	add(f, end);
	head(end, DWARF_OFFCPU_END, 8, 1, 2000);
	add(f, end);
	read_lines(f, DWARF_OFFCPU_START);

	int64_t named = 0, lost = 0;
	for (size_t i = 0; i < f->lines.count; i++) {
		const char *line = f->lines.lines[i].stack;
		if (ends_with(line, ";dw_outer_fn;dw_mid_fn;dw_leaf_fn;capture_record"))
			named += f->lines.lines[i].value;
		else if (strcmp(line, "me;[lost stack]") == 0)
			lost += f->lines.lines[i].value;
		else
			fail_msg("unexpected stack: %s", line);
	}
	assert_int_equal(named, 5000 + 1000);
	assert_int_equal(lost, 5000 + 2000);
	struct dwarf_stats st;
	dwarf_get_stats(f->d, &st);
	assert_int_equal(st.unmatched, 2);
	free(end);
}

/* --wakeup: an END carrying a waker counts its START's stack under that waker; a part without one does not. */
static void test_dwarf_offcpu_end_with_waker(void **state)
{
	struct fixture *f = *state;
	profile_free(f->p);
	f->p = profile_new();
	assert_true(profile_add_value_type(f->p, "off-cpu", "nanoseconds") >= 0);
	assert_true(dw_outer_fn(&f->rec, 4) != 0);
	struct record *end = calloc(1, sizeof(*end));
	assert_non_null(end);
	struct offcpu_waker w = { .gen = 1, .kstack = 0, .ustack = 0, .tgid = (uint32_t)getpid(),
				  .flags = OFFCPU_HAS_WAKER };
	memcpy(w.comm, "wk", 3);

	/* woken by "wk" twice, 300 + 400 ns */
	for (uint64_t id = 1; id <= 2; id++) {
		head(&f->rec, DWARF_OFFCPU_START, 7, id, 0);
		add(f, &f->rec);
		head(end, DWARF_OFFCPU_END, 7, id, 100 * (id + 2));
		end->h.stack_len = sizeof(w);
		memcpy(end->stack, &w, sizeof(w));
		add(f, end);
	}
	/* a waker part with no waker in it: counted as without --wakeup */
	head(&f->rec, DWARF_OFFCPU_START, 7, 3, 0);
	add(f, &f->rec);
	head(end, DWARF_OFFCPU_END, 7, 3, 50);
	end->h.stack_len = sizeof(w);
	memset(end->stack, 0, sizeof(w));
	add(f, end);
	/* a record cut short inside its waker part: the part is ignored, the time kept */
	head(&f->rec, DWARF_OFFCPU_START, 7, 4, 0);
	add(f, &f->rec);
	head(end, DWARF_OFFCPU_END, 7, 4, 7);
	end->h.stack_len = sizeof(w);
	memcpy(end->stack, &w, sizeof(w));
	assert_int_equal(dwarf_add_record(f->d, end, sizeof(end->h) + sizeof(w) - 1), 0);
	read_lines(f, DWARF_OFFCPU_START);

	int64_t woken = 0, alone = 0;
	for (size_t i = 0; i < f->lines.count; i++) {
		const char *line = f->lines.lines[i].stack;
		/* stack ids 0: no waker stacks, only its name after the separator */
		if (ends_with(line, ";dw_leaf_fn;capture_record;--;wk"))
			woken += f->lines.lines[i].value;
		else if (ends_with(line, ";dw_leaf_fn;capture_record"))
			alone += f->lines.lines[i].value;
		else
			fail_msg("unexpected stack: %s", line);
	}
	assert_int_equal(woken, 300 + 400);
	assert_int_equal(alone, 50 + 7);
	free(end);
}

static void test_dwarf_bad_records_are_skipped(void **state)
{
	struct fixture *f = *state;
	assert_true(dw_outer_fn(&f->rec, 4) != 0);
	head(&f->rec, DWARF_ONCPU, 1, 0, 0);
	assert_int_equal(dwarf_add_record(f->d, &f->rec, sizeof(f->rec.h) - 1), 0);
	head(&f->rec, 99, 1, 0, 0);
	assert_int_equal(dwarf_add_record(f->d, &f->rec, sizeof(f->rec.h) + f->rec.h.stack_len), 0);
	/* a stack length past the record: only what the record holds is read */
	head(&f->rec, DWARF_ONCPU, 1, 0, 0);
	f->rec.h.stack_len = 0xffffffffu;
	assert_int_equal(dwarf_add_record(f->d, &f->rec, sizeof(f->rec.h) + 64), 0);
	/* garbage registers and stack */
	memset(&f->rec, 0x5a, sizeof(f->rec));
	head(&f->rec, DWARF_ONCPU, 1, 0, 0);
	f->rec.h.stack_len = 512;
	assert_int_equal(dwarf_add_record(f->d, &f->rec, sizeof(f->rec.h) + 512), 0);
	struct dwarf_stats st;
	dwarf_get_stats(f->d, &st);
	assert_int_equal(st.bad_records, 2);
	assert_int_equal(st.records, 3);
	read_lines(f, DWARF_ONCPU);
	assert_int_equal(f->lines.count, 2);
}

/* A table of unique unwound stacks holding one: a second stack keeps its sample, not its frames. */
static void test_dwarf_stack_table_cap(void **state)
{
	struct fixture *f = *state;
	dwarf_free(f->d);
	struct dwarf_opts o = { .sym = f->sym, .images = &f->images, .max_stacks = 1 };
	assert_int_equal(dwarf_new(&f->d, -1, &o, NULL), 0);
	assert_true(dw_outer_fn(&f->rec, 5) != 0);
	head(&f->rec, DWARF_ONCPU, 1, 0, 0);
	add(f, &f->rec);
	add(f, &f->rec); /* the same stack: counted, no new entry */
	struct record *other = calloc(1, sizeof(*other));
	assert_non_null(other);
	assert_true(dw_mid_fn(other, 6) != 0); /* another chain: no dw_outer_fn */
	head(other, DWARF_ONCPU, 1, 0, 0);
	add(f, other);
	add(f, other);
	struct dwarf_stats st;
	dwarf_get_stats(f->d, &st);
	assert_int_equal(st.capped, 2);
	assert_int_equal(st.stacks, 2); /* the kept one, and one [lost stack] entry for both of the other */
	read_lines(f, DWARF_ONCPU);
	int64_t named = 0, lost = 0;
	for (size_t i = 0; i < f->lines.count; i++) {
		const char *line = f->lines.lines[i].stack;
		if (ends_with(line, ";dw_outer_fn;dw_mid_fn;dw_leaf_fn;capture_record"))
			named += f->lines.lines[i].value;
		else if (strcmp(line, "me;[lost stack]") == 0)
			lost += f->lines.lines[i].value;
		else
			fail_msg("unexpected stack: %s", line);
	}
	assert_int_equal(named, 2);
	assert_int_equal(lost, 2);
	free(other);
}

struct raw_seen {
	struct symbolizer *sym;
	struct buf names; /* user frames, root first, ';'-joined */
	size_t n;
	struct sampler_raw_stack st; /* its pointers are borrowed for the call only: */
	char comm[16];
};

static int raw_names(const struct sampler_raw_stack *st, void *arg)
{
	struct raw_seen *w = arg;
	w->n++;
	w->st = *st;
	snprintf(w->comm, sizeof(w->comm), "%s", st->comm);
	struct profile *p = profile_new();
	assert_non_null(p);
	for (size_t i = st->nuser; i-- > 0;) {
		struct sym_chain c;
		assert_int_equal(symbolizer_resolve(w->sym, st->sym_pid, st->user_ips[i],
						    (i ? SYM_RETURN_ADDRESS : 0) | SYM_NO_INLINES, &c), 0);
		/* named as a profile names it (a file's unnamed code is "[file]") */
		uint32_t ids[64];
		int n = symbolizer_chain_to_profile(w->sym, &c, p, SYM_PROFILE_NO_INLINES, ids, 64);
		assert_int_equal(n, 1);
		buf_addf(&w->names, ";%s", profile_str(p, profile_frame_get(p, ids[0])->name));
	}
	profile_free(p);
	return 0;
}

/* The raw readout hands out the unwound addresses: named, they are the folded stack's frames. */
static void test_dwarf_raw_stacks_are_the_unwound_frames(void **state)
{
	struct fixture *f = *state;
	assert_true(dw_outer_fn(&f->rec, 7) != 0);
	head(&f->rec, DWARF_ONCPU, 1, 0, 0);
	add(f, &f->rec);
	add(f, &f->rec);
	add(f, &f->rec);
	read_lines(f, DWARF_ONCPU);
	assert_int_equal(f->lines.count, 1);
	struct raw_seen w = { .sym = f->sym, .names = BUF_INIT };
	struct readout *r = readout_new_raw(f->sym, &f->images, raw_names, &w);
	assert_non_null(r);
	assert_int_equal(dwarf_read(f->d, r, NULL, DWARF_ONCPU, 0, 1, false), 0);
	readout_free(r);
	assert_int_equal(w.n, 1);
	assert_int_equal(w.st.kind, SAMPLER_RAW_ONCPU);
	assert_int_equal(w.st.count, 3);
	assert_int_equal(w.st.tgid, (uint32_t)getpid());
	assert_int_equal(w.st.sym_pid, getpid());
	assert_string_equal(w.comm, "me");
	assert_true(w.st.nuser >= 5);
	/* "me" and the frames after it, as the profile readout named them */
	const char *line = f->lines.lines[0].stack;
	assert_string_equal(line + 2, w.names.data);
	buf_release(&w.names);
}

/*
 * ld.so's _start has no CFI, and the kernel starts a process with rbp 0:
 * the psABI's mark of the outermost frame, where the unwind ends without an
 * [unknown] root. A non-zero rbp there is not the end.
 */
static void test_unwind_zero_frame_pointer_without_cfi_is_the_bottom(void **state)
{
	struct fixture *f = *state;
	uint64_t base = getauxval(AT_BASE);
	if (!base)
		skip(); /* statically linked */
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)(uintptr_t)base;
	uint64_t start = base + eh->e_entry;
	uint64_t stack[4] = { 0 };
	struct unwind_stack st = { .data = (const uint8_t *)stack, .size = sizeof(stack), .start = 0x7ff000000000 };
	struct unwind_regs regs = { .valid = 1u << UNWIND_REG_IP | 1u << UNWIND_REG_SP | 1u << UNWIND_REG_BP };
	struct unwind_frame frames[4];
	struct unwind_result res;

	assert_int_equal(symbolizer_proc_snapshot(f->sym, getpid(), NULL), 0);
	regs.r[UNWIND_REG_IP] = start + 3;
	regs.r[UNWIND_REG_SP] = st.start;
	regs.r[UNWIND_REG_BP] = 0;
	assert_int_equal(unwind_user_stack(f->sym, NULL, getpid(), &regs, &st, frames, 4, &res), 0);
	assert_int_equal(res.nframes, 1);
	assert_int_equal(res.end, UNWIND_END_OUTERMOST);
	regs.r[UNWIND_REG_BP] = 8;
	assert_int_equal(unwind_user_stack(f->sym, NULL, getpid(), &regs, &st, frames, 4, &res), 0);
	assert_int_equal(res.nframes, 1);
	assert_int_equal(res.end, UNWIND_END_NO_CFI);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dwarf_unwinds_to_the_outermost_frame, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dwarf_short_copy_ends_in_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dwarf_offcpu_start_and_end_pair_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dwarf_offcpu_end_with_waker, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dwarf_bad_records_are_skipped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dwarf_stack_table_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dwarf_raw_stacks_are_the_unwound_frames, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unwind_zero_frame_pointer_without_cfi_is_the_bottom, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
