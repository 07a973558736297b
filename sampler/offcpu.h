/* SPDX-License-Identifier: Apache-2.0 */
/* Off-CPU time: the structs shared by offcpu.bpf.c and its loader offcpu.c. */
#ifndef SCORCH_SAMPLER_OFFCPU_H
#define SCORCH_SAMPLER_OFFCPU_H

#include "sampler/shared.h"

/*
 * A thread that switched out and is being timed: in its task storage, or
 * keyed by tid in the start map (the raw_tp twins).
 */
struct offcpu_start {
	__u64 ts;     /* bpf_ktime_get_ns() at switch-out */
	__u64 gen;    /* image generation of tgid */
	__u64 kstack; /* stack ids in `stacks` (0 = none) */
	__u64 ustack;
	__u64 ufix;   /* the executable's caller of a frame-pointer-less library leaf (see offcpu.bpf.c), or 0 */
	__u32 tgid;
	__u32 flags;  /* SAMPLE_* */
	char comm[SAMPLER_COMM_LEN];
	__u64 hash;   /* words_hash() of the counts key, without --wakeup (the waker is not known yet) */
	__u64 id;     /* --call-graph dwarf: the id of the interval's START record (SAMPLE_DWARF_SENT) */
};

/* The last waker of a tracked blocked thread: in the wakee's task storage, or keyed by its tid (raw_tp). */
struct offcpu_waker {
	__u64 gen;
	__u64 kstack;
	__u64 ustack;
	__u64 ufix;
	__u32 tgid;
	__u32 flags;
	char comm[SAMPLER_COMM_LEN];
};

/* One aggregated off-CPU stack (with its waker's when --wakeup). */
struct offcpu_key {
	__u64 gen;
	__u64 kstack;
	__u64 ustack;
	__u64 ufix;
	__u64 wgen;    /* waker: 0s when none or not asked for */
	__u64 wkstack;
	__u64 wustack;
	__u64 wufix;
	__u32 tgid;
	__u32 tid;     /* 0 unless per-thread */
	__u32 flags;   /* SAMPLE_* of the blocked stack */
	__u32 wtgid;
	__u32 wflags;  /* SAMPLE_* of the waker's stack; OFFCPU_HAS_WAKER when one was seen */
	__u32 pad;
	char comm[SAMPLER_COMM_LEN];
	char wcomm[SAMPLER_COMM_LEN];
};

#define OFFCPU_HAS_WAKER (1u << 8)

/* The counts map's value, keyed by the words_hash() of the key. */
struct offcpu_count {
	struct sampler_count c; /* intervals and their total time off CPU */
	struct offcpu_key key;
};

/* The head of offcpu.bpf.c's per-CPU scratch, which the loader reads: the key being built, the count cache. */
struct offcpu_scratch_head {
	struct offcpu_key key;
	__u64 pad;
	struct sampler_count_slot cache[SAMPLER_COUNT_SLOTS];
};

#endif
