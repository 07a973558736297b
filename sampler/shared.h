/* SPDX-License-Identifier: Apache-2.0 */
/* Types shared by the sampler's BPF programs and their loaders: stacks, statistics, process events. */
#ifndef SCORCH_SAMPLER_SHARED_H
#define SCORCH_SAMPLER_SHARED_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Frames kept per stack, as perf's default kernel.perf_event_max_stack. */
#define SAMPLER_MAX_DEPTH 127
#define SAMPLER_COMM_LEN 16

/* Stacks up to this deep go to the small stack map (264-byte values), deeper ones to the big one. */
#define SAMPLER_SMALL_DEPTH 32
/* Stack ids with this bit live in the big map. */
#define SAMPLER_STACK_BIG (1ull << 63)

/*
 * A stack as stored in the content-addressed stack maps: the key is a 64-bit
 * hash of the frames (never 0), the value this, truncated to
 * SAMPLER_SMALL_DEPTH frames in the small map. Leaf first, as the kernel
 * returns them.
 */
struct sampler_stack {
	__u32 nr;   /* frames used in ips[] */
	__u32 pad;
	__u64 ips[SAMPLER_MAX_DEPTH];
};

/*
 * The counts maps (on- and off-CPU) are keyed by a 64-bit fingerprint of
 * their key struct (a lookup then reads a bucket and one line of the element,
 * not a long key spread over lines), and their values start with this.
 */
struct sampler_count {
	__u64 count; /* samples, or off-CPU intervals */
	__u64 ns;    /* off-CPU time; 0 on-CPU */
};

/*
 * Per-CPU cache of a counts map: fingerprints of keys known to be in the
 * map, direct-mapped, with what was counted since (pending), which is added
 * to the map when another key takes the slot, or by the loader at the end. A
 * repeated key then costs one warm line instead of a hash bucket and an
 * element, cold after a millisecond of someone else's work.
 */
#define SAMPLER_COUNT_SLOTS 256

struct sampler_count_slot {
	__u64 hash; /* 0: empty */
	__u64 count;
	__u64 ns;
};

/* Flags of a sample key. */
#define SAMPLE_KSTACK_LOST (1u << 0) /* the kernel stack could not be stored: show [lost stack] */
#define SAMPLE_USTACK_LOST (1u << 1) /* the user stack could not be stored or read */
#define SAMPLE_USTACK_FIXED (1u << 2) /* user stack repaired past a frame-pointer-less syscall wrapper */
#define SAMPLE_USTACK_TRUNCATED (1u << 3) /* --call-graph dwarf: the unwind stopped before the outermost frame */
/* Off-CPU with --call-graph dwarf, in struct offcpu_start only (never in a counts key): */
#define SAMPLE_DWARF_SENT (1u << 4)   /* the user stack went to the `samples` ring buffer */
#define SAMPLE_DWARF_FULL (1u << 5)   /* ... could not: the ring buffer was full */

/*
 * Per-CPU counters every program keeps (one PERCPU_ARRAY, summed by the
 * loader). STAT_* count events; LOSS_* count what was lost and why.
 */
enum sampler_stat {
	STAT_SAMPLES = 0,     /* samples / off-CPU intervals recorded in the counts map */
	STAT_FILTERED,        /* events that did not match the target filters */
	LOSS_KSTACK_MAP_FULL, /* kernel stack not stored: stack map full */
	LOSS_USTACK_MAP_FULL, /* user stack not stored: stack map full */
	LOSS_KSTACK_ERROR,    /* kernel stack walk failed */
	LOSS_NO_USTACK,       /* sampled in user mode (or blocked in a syscall) but no user stack */
	LOSS_COUNTS_MAP_FULL, /* the whole sample dropped: counts map full */
	LOSS_IMAGES_MAP_FULL, /* the process image table is full: frames may stay unnamed */
	LOSS_EVENTS_FULL,     /* a process event (new image, exit, exec) lost: ring buffer full */
	LOSS_START_MAP_FULL,  /* off-CPU: a blocked thread not tracked, no room for its start (map or task storage) */
	LOSS_WAKER_MAP_FULL,  /* off-CPU: a waker stack not kept, waker map full */
	STAT_SHORT_BLOCKS,    /* off-CPU: intervals below --min-block */
	STAT_LONG_BLOCKS,     /* off-CPU: intervals above --max-block */
	LOSS_RINGBUF_FULL,    /* --call-graph dwarf: user stack not copied, the `samples` ring buffer was full */
	STAT_DWARF_RETRIES,   /* --call-graph dwarf: stack copies retried shorter (the read ran past the stack's end) */
	STAT_COUNT
};

/* A process image (value of the `images` map, keyed by tgid). */
struct sampler_image {
	__u64 gen;     /* generation: bpf_ktime_get_ns() when first seen */
	__u64 text_lo; /* the executable's code, [text_lo, text_hi) (mm->start_code, end_code), */
	__u64 text_hi; /* filled in by user space from /proc/PID/stat; 0 until then */
};

/* Process events sent to user space through the ring buffer. */
enum sampler_event_type {
	EVENT_NEW_IMAGE = 1, /* first sample of a (tgid, gen) image: snapshot its maps now */
	EVENT_EXEC,          /* the process replaced its image: a new gen comes with its next sample */
	EVENT_EXIT,          /* a thread exited; `flags` has EVENT_GROUP_DEAD for the last one */
	EVENT_FORK,          /* a target forked child `child`, now a target too */
};

#define EVENT_GROUP_DEAD (1u << 0)

struct sampler_event {
	__u64 gen;      /* image generation (EVENT_NEW_IMAGE) */
	__u64 ts;       /* bpf_ktime_get_ns() */
	__u32 type;     /* enum sampler_event_type */
	__u32 tgid;
	__u32 tid;
	__u32 child;    /* EVENT_FORK: the child's tgid */
	__u32 flags;
	__u32 pad;
	char comm[SAMPLER_COMM_LEN];
};

/*
 * --call-graph dwarf: instead of walking frame pointers in the kernel, the
 * programs copy the user registers and the top SIZE bytes of the user stack
 * into the `samples` ring buffer, and user space unwinds them with DWARF CFI.
 * A record is this head followed by `stack_len` bytes (SIZE reserved).
 */
#define SAMPLER_DWARF_MAX_STACK 65528 /* perf's limit: the largest multiple of 8 in a u16 */
#define SAMPLER_DWARF_NREGS 21       /* x86-64 struct pt_regs, as the kernel saved it at entry */

enum sampler_dwarf_type {
	DWARF_ONCPU = 1,   /* an on-CPU sample */
	DWARF_OFFCPU_START, /* a thread switched out: its stack; the time follows in an END record */
	DWARF_OFFCPU_END,   /* a thread timed since its START (`tid`, `id`) switched in after `ns` */
};

struct sampler_dwarf_head {
	__u64 gen;      /* image generation of tgid */
	__u64 kstack;   /* kernel stack id in the sending object's stack maps, 0 = none */
	__u64 id;       /* off-CPU: START and END of one interval share it (switch-out time) */
	__u64 ns;       /* OFFCPU_END: time off CPU */
	__u64 ts;       /* bpf_ktime_get_ns() when the stack was copied */
	__u64 regs[SAMPLER_DWARF_NREGS]; /* the user registers (struct pt_regs order) */
	__u32 type;     /* enum sampler_dwarf_type */
	__u32 tgid;
	__u32 tid;
	__u32 flags;    /* SAMPLE_* */
	__u32 cpu;
	__u32 stack_len; /* bytes of user stack that follow, copied from regs' sp upwards */
	char comm[SAMPLER_COMM_LEN];
};

/* Target filter flags (rodata `filter`). */
#define FILTER_TGID (1u << 0)   /* tgid must be in targets_tgid */
#define FILTER_TID (1u << 1)    /* tid must be in targets_tid (either set matching is enough) */
#define FILTER_CGROUP (1u << 2) /* current task must be under the cgroup in cgroup_filter */
#define FILTER_CPU (1u << 3)    /* the CPU must be in cpu_filter */

#endif
