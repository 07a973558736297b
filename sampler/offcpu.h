/* SPDX-License-Identifier: Apache-2.0 */
/* Off-CPU time: the structs shared by offcpu.bpf.c and its loader offcpu.c. */
#ifndef SCORCH_SAMPLER_OFFCPU_H
#define SCORCH_SAMPLER_OFFCPU_H

#include "sampler/shared.h"

/* A thread that switched out and is being timed, keyed by tid in the start map. */
struct offcpu_start {
	__u64 ts;     /* bpf_ktime_get_ns() at switch-out */
	__u64 gen;    /* image generation of tgid */
	__u64 kstack; /* stack ids in `stacks` (0 = none) */
	__u64 ustack;
	__u64 ufix;   /* the executable's caller of a frame-pointer-less library leaf (see offcpu.bpf.c), or 0 */
	__u32 tgid;
	__u32 flags;  /* SAMPLE_* */
	char comm[SAMPLER_COMM_LEN];
};

/* The last waker of a tracked blocked thread, keyed by the wakee's tid. */
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

struct offcpu_val {
	__u64 ns;    /* total time off CPU */
	__u64 count; /* intervals */
};

#endif
