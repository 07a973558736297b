/* SPDX-License-Identifier: Apache-2.0 */
/* On-CPU sampling: the counts key shared by oncpu.bpf.c and its loader oncpu.c. */
#ifndef SCORCH_SAMPLER_ONCPU_H
#define SCORCH_SAMPLER_ONCPU_H

#include "sampler/shared.h"

/* One aggregated on-CPU stack. */
struct oncpu_key {
	__u64 gen;    /* image generation of tgid (0: no user stack, e.g. kernel thread) */
	__u64 kstack; /* stack id in `stacks`, 0 = none */
	__u64 ustack; /* stack id in `stacks`, 0 = none */
	__u64 ufix;   /* the executable's caller of a frame-pointer-less library leaf, or 0 (see exe_caller()) */
	__u32 tgid;   /* 0 for the idle task */
	__u32 tid;    /* 0 unless per-thread */
	__u32 flags;  /* SAMPLE_* */
	__u32 cpu;    /* only with per-CPU keys, else 0 */
	char comm[SAMPLER_COMM_LEN];
};

/*
 * The head of oncpu.bpf.c's per-CPU scratch, which the loader reads: the key
 * being built, bpf_ktime_get_ns() of the CPU's first sample (0: none; next
 * to the key, so it costs no line of its own), the count cache.
 */
struct oncpu_scratch_head {
	struct oncpu_key key;
	__u64 first_ns;
	__u64 pad;
	struct sampler_count_slot cache[SAMPLER_COUNT_SLOTS];
};

/* The counts map's value, keyed by the words_hash() of the key. */
struct oncpu_count {
	struct sampler_count c; /* c.count: samples */
	struct oncpu_key key;
};

#endif
