/* SPDX-License-Identifier: Apache-2.0 */
/* DWARF CFI unwinding of a copied user stack (perf --call-graph dwarf, the live sampler's stack copies). */
#ifndef SCORCH_SYMBOLIZE_UNWIND_H
#define SCORCH_SYMBOLIZE_UNWIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct symbolizer;

/*
 * x86-64 registers in DWARF numbering (the psABI's): 0 rax, 1 rdx, 2 rcx,
 * 3 rbx, 4 rsi, 5 rdi, 6 rbp, 7 rsp, 8..15 r8..r15, 16 the return address
 * column (rip).
 */
#define UNWIND_NREGS 17
#define UNWIND_REG_BP 6
#define UNWIND_REG_SP 7
#define UNWIND_REG_IP 16

struct unwind_regs {
	uint64_t r[UNWIND_NREGS];
	uint32_t valid;   /* bit n: r[n] is known */
};

/*
 * Fill `out` from perf's x86-64 sample registers: `vals` holds one value per
 * set bit of `mask` in ascending bit order (PERF_SAMPLE_REGS_USER layout,
 * asm/perf_regs.h numbering: AX=0 ... IP=8 ... R15=23).
 */
void unwind_regs_from_perf_x86(struct unwind_regs *out, const uint64_t *vals, uint32_t nvals, uint64_t mask);

/* The stack bytes copied at the sample: data[0] is the byte at address `start` (the stack pointer then). */
struct unwind_stack {
	const uint8_t *data;
	size_t size;
	uint64_t start;
};

/* One frame: `pc` is exact for the first frame and after a signal frame, else a return address. */
struct unwind_frame {
	uint64_t pc;
	bool activation;  /* pc is the interrupted instruction itself, not a return address */
};

/* Why an unwind stopped (for statistics and tests). */
enum unwind_end {
	UNWIND_END_OUTERMOST = 0, /* CFI marks the return address undefined: the true bottom (_start, clone);
	                             or a pc without CFI and a zero frame pointer (ld.so's _start) */
	UNWIND_END_MAX,           /* `max` frames written */
	UNWIND_END_NO_MODULE,     /* pc in no file-backed mapping (JIT, unknown pid) */
	UNWIND_END_NO_CFI,        /* no CFI for pc and no usable frame pointer */
	UNWIND_END_STACK,         /* a read outside the copied stack (the copy was too small) */
	UNWIND_END_BAD_FRAME,     /* the CFI rules could not be evaluated, or the stack did not move up */
	UNWIND_END_COUNT
};

struct unwind_result {
	size_t nframes;
	enum unwind_end end;
	size_t fp_frames;          /* frames recovered by the frame-pointer fallback (no CFI) */
};

/*
 * Caches for repeated unwinding: the unwind rules of each pc seen (keyed by
 * module and ELF address, so shared by every process mapping that module)
 * and the last mappings looked up. A cache belongs to one symbolizer and must
 * be freed before it. Memory is bounded (a few hundred KiB).
 */
struct unwind_cache;

/* A new cache. NULL with errno=ENOMEM. */
struct unwind_cache *unwind_cache_new(void);
/* Free; NULL is fine. */
void unwind_cache_free(struct unwind_cache *c);
/* Forget the cached mappings: call after any process's mappings changed (mmap, exec, fork). */
void unwind_cache_maps_changed(struct unwind_cache *c);

struct unwind_cache_stats {
	uint64_t steps;        /* frames stepped */
	uint64_t rule_hits;    /* ... with cached rules */
	uint64_t complex;      /* ... whose rules needed the general DWARF expression evaluator */
};
void unwind_cache_get_stats(const struct unwind_cache *c, struct unwind_cache_stats *st);

/*
 * Unwind the user stack of process `pid` from `regs` over the bytes of
 * `stack`, writing at most `max` frames to `out`, innermost first (out[0] is
 * the pc in `regs`). Modules and their CFI come from `s` (the mappings of
 * `pid` as the symbolizer knows them at this point of a replay, or live):
 * .eh_frame first, then .debug_frame of the debug file; where a pc has no
 * CFI, the frame-pointer chain is followed, as libdwfl's x86-64 fallback does.
 * `cache` (may be NULL) makes repeated unwinds through the same code cheap.
 * Returns 0 with `res` filled, or -ENOMEM.
 */
int unwind_user_stack(struct symbolizer *s, struct unwind_cache *cache, int pid, const struct unwind_regs *regs,
		      const struct unwind_stack *stack, struct unwind_frame *out, size_t max, struct unwind_result *res);

/* A short lower-case description of `e` ("no CFI"); never NULL. */
const char *unwind_end_str(enum unwind_end e);

#endif
