/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* BPF side of the sampler shared by its programs: target filters, the stack store, process images, statistics. */
#ifndef SCORCH_SAMPLER_SHARED_BPF_H
#define SCORCH_SAMPLER_SHARED_BPF_H

/*
 * Only BPF programs include this (after vmlinux.h and the libbpf headers);
 * elsewhere it is empty, so `make check-headers` can compile it alone.
 */
#ifdef __bpf__

#include "sampler/shared.h"

#ifndef EEXIST
#define EEXIST 17
#endif

/* Set by the loader before load; the verifier prunes what they switch off. */
const volatile __u32 filter = 0;         /* FILTER_* */
const volatile bool per_thread = false;  /* key samples by tid too */
const volatile bool user_stacks = true;  /* collect user stacks */
const volatile bool kernel_stacks = true;/* collect kernel stacks */

/*
 * Maps shared by every program of a recording: the loader creates them with
 * the first object it loads and hands the same fds to the others.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);  /* tgid */
	__type(value, __u8);
} targets_tgid SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);  /* tid */
	__type(value, __u8);
} targets_tid SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} cgroup_filter SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);  /* cpu */
	__type(value, __u8); /* 1 = sample this cpu */
} cpu_filter SEC(".maps");

/*
 * The image generation of each process seen: a new one is made on the first
 * sample after start, exec or pid reuse, and user space is told to snapshot
 * its maps, so frames of processes that exit or exec keep their names.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);  /* tgid */
	__type(value, struct sampler_image);
} images SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

/* Per-object maps. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, STAT_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

/*
 * Content-addressed stacks: identical stacks share one entry, distinct ones
 * never collide (short of a 64-bit hash collision). Preallocated: inserts run
 * with interrupts off, where allocating on demand can fail.
 */
struct sampler_stack_small {
	__u32 nr;
	__u32 pad;
	__u64 ips[SAMPLER_SMALL_DEPTH];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u64);  /* stack_hash(), never 0, SAMPLER_STACK_BIG clear */
	__type(value, struct sampler_stack_small);
} stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u64);  /* stack_hash() | SAMPLER_STACK_BIG */
	__type(value, struct sampler_stack);
} stacks_big SEC(".maps");

static __always_inline void stat_add(__u32 idx, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &idx);
	if (v)
		*v += n; /* per-CPU: no other writer */
}

/* Does the current task on this CPU belong to the recording? */
static __always_inline bool target_match(__u32 tgid, __u32 tid)
{
	if (filter & (FILTER_TGID | FILTER_TID)) {
		bool hit = false;
		if ((filter & FILTER_TGID) && bpf_map_lookup_elem(&targets_tgid, &tgid))
			hit = true;
		if (!hit && (filter & FILTER_TID) && bpf_map_lookup_elem(&targets_tid, &tid))
			hit = true;
		if (!hit)
			return false;
	}
	if (filter & FILTER_CPU) {
		__u32 cpu = bpf_get_smp_processor_id();
		__u8 *on = bpf_map_lookup_elem(&cpu_filter, &cpu);
		if (!on || !*on)
			return false;
	}
	if ((filter & FILTER_CGROUP) && bpf_current_task_under_cgroup(&cgroup_filter, 0) != 1)
		return false;
	return true;
}

static __always_inline __u64 rotl64(__u64 x, int r)
{
	return (x << r) | (x >> (64 - r));
}

struct stack_hash_ctx {
	const struct sampler_stack *st;
	__u64 h;
};

static long stack_hash_step(__u64 i, void *arg)
{
	struct stack_hash_ctx *c = arg;
	if (i >= SAMPLER_MAX_DEPTH)
		return 1;
	c->h += c->st->ips[i] * 0xC2B2AE3D27D4EB4FULL;
	c->h = rotl64(c->h, 31) * 0x9E3779B185EBCA87ULL;
	return 0;
}

/*
 * 64-bit hash of a stack (xxh64 rounds, murmur finaliser); never 0.
 * bpf_loop() keeps verification to one pass over the body, where an open
 * loop would be verified once per possible depth (milliseconds at load).
 */
static __always_inline __u64 stack_hash(const struct sampler_stack *st)
{
	struct stack_hash_ctx c = { .st = st, .h = 0x27D4EB2F165667C5ULL + st->nr * 0x9E3779B185EBCA87ULL };
	__u32 nr = st->nr < SAMPLER_MAX_DEPTH ? st->nr : SAMPLER_MAX_DEPTH;
	bpf_loop(nr, stack_hash_step, &c, 0);
	__u64 h = c.h;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h ? h : 1;
}

/*
 * Store the stack already in `st` (nr set) and return its id, or 0 when
 * there is none; a stack that cannot be stored counts `loss_full` and sets
 * `lost_flag` in *key_flags, so the sample shows [lost stack] instead of
 * vanishing.
 */
static __always_inline __u64 stack_put(struct sampler_stack *st, __u32 loss_full, __u32 lost_flag,
				       __u32 *key_flags)
{
	if (st->nr == 0)
		return 0;
	__u64 h = stack_hash(st);
	void *map = &stacks;
	if (st->nr > SAMPLER_SMALL_DEPTH) {
		h |= SAMPLER_STACK_BIG;
		map = &stacks_big;
	} else {
		h &= ~SAMPLER_STACK_BIG;
		h = h ? h : 1;
	}
	if (bpf_map_lookup_elem(map, &h))
		return h;
	/* the small map copies the first 264 bytes: the same layout as its value */
	long err = bpf_map_update_elem(map, &h, st, BPF_NOEXIST);
	if (err && err != -EEXIST) {
		stat_add(loss_full, 1);
		*key_flags |= lost_flag;
		return 0;
	}
	return h;
}

/* Walk the current stack (`flags` BPF_F_USER_STACK or 0) into `st` and store it. */
static __always_inline __u64 stack_collect(void *ctx, struct sampler_stack *st, __u64 flags, __u32 loss_full,
					   __u32 loss_err, __u32 lost_flag, __u32 *key_flags)
{
	long n = bpf_get_stack(ctx, st->ips, sizeof(st->ips), flags);
	if (n < 0) {
		st->nr = 0;
		stat_add(loss_err, 1);
		*key_flags |= lost_flag;
		return 0;
	}
	st->nr = (__u32)(n / sizeof(__u64));
	return stack_put(st, loss_full, lost_flag, key_flags);
}

static __always_inline void event_send(struct sampler_event *ev)
{
	ev->ts = bpf_ktime_get_ns();
	if (bpf_ringbuf_output(&events, ev, sizeof(*ev), 0))
		stat_add(LOSS_EVENTS_FULL, 1);
}

/*
 * The image of process `tgid`, making one (and telling user space) on first
 * sight. Returns its generation (0 when the table is full), and its code range
 * in *lo, *hi (0 until user space filled it in).
 */
static __always_inline __u64 image_gen(__u32 tgid, __u32 tid, __u64 *lo, __u64 *hi)
{
	*lo = *hi = 0;
	struct sampler_image *im = bpf_map_lookup_elem(&images, &tgid);
	if (im) {
		*lo = im->text_lo;
		*hi = im->text_hi;
		return im->gen;
	}
	struct sampler_image fresh = { .gen = bpf_ktime_get_ns() };
	long err = bpf_map_update_elem(&images, &tgid, &fresh, BPF_NOEXIST);
	if (err == -EEXIST) {
		im = bpf_map_lookup_elem(&images, &tgid);
		return im ? im->gen : 0;
	}
	if (err) {
		stat_add(LOSS_IMAGES_MAP_FULL, 1);
		return 0;
	}
	struct sampler_event ev = {
		.type = EVENT_NEW_IMAGE,
		.tgid = tgid,
		.tid = tid,
		.gen = fresh.gen,
	};
	bpf_get_current_comm(ev.comm, sizeof(ev.comm));
	event_send(&ev);
	return fresh.gen;
}

/* ---- the caller a frame-pointer walk skips ------------------------------------------------- */

#define SCAN_WORDS 64

struct scan_ctx {
	const __u64 *words;
	__u64 lo, hi, found;
};

/*
 * Is `ra` a return address, i.e. right after a call instruction? Spilled
 * registers holding function pointers also point into the code; they point at
 * a function's first instruction, which a call does not end at. x86-64 call
 * forms: e8 rel32; ff /2 with a register, disp8, SIB+disp8, disp32 or rip+disp32.
 */
static __always_inline bool after_call(__u64 ra)
{
#if defined(__TARGET_ARCH_x86)
	__u8 b[8];
	if (bpf_probe_read_user(b, sizeof(b), (void *)(ra - 8)))
		return false;
	return b[3] == 0xe8 ||                              /* call rel32 */
	       (b[6] == 0xff && (b[7] & 0xf8) == 0xd0) ||   /* call *%reg */
	       (b[5] == 0xff && (b[6] & 0x38) == 0x10) ||   /* call *disp8(%reg) */
	       (b[4] == 0xff && (b[5] & 0x38) == 0x10) ||   /* call *disp8(SIB) */
	       (b[2] == 0xff && (b[3] & 0x38) == 0x10) ||   /* call *disp32(%reg), *disp32(%rip) */
	       (b[1] == 0xff && (b[2] & 0x38) == 0x10);     /* call *disp32(SIB) */
#else
	return true;
#endif
}

static long scan_step(__u64 i, void *arg)
{
	struct scan_ctx *c = arg;
	if (i >= SCAN_WORDS)
		return 1;
	__u64 w = c->words[i];
	if (w >= c->lo && w < c->hi && after_call(w)) {
		c->found = w;
		return 1;
	}
	return 0;
}

/*
 * Libraries without frame pointers (Debian's libc: read, nanosleep, futex
 * waits, memcpy...) leave the frame pointer register to their caller, or use
 * it for data. The kernel's walk then goes from the library leaf (`ip`)
 * straight to its caller's caller: the function that called read() is
 * missing, and everything above it when the register held data. That
 * function's return address is still on the stack just above the library's
 * frames: take the first word of the SCAN_WORDS above the stack pointer `sp`
 * (bounded by the frame pointer `fp` when it points there) that lies in the
 * executable's code [lo, hi) right after a call instruction. `words` is
 * scratch for the copy. Returns it, or 0 when the leaf is in the executable
 * itself, nothing qualifies, or the walk (`ust`, leaf first) already has it.
 * Callers in other shared libraries are not recovered this way.
 */
static __always_inline __u64 exe_caller(__u64 *words, const struct sampler_stack *ust, __u64 ip, __u64 sp, __u64 fp,
					__u64 lo, __u64 hi)
{
	if (!lo || (ip >= lo && ip < hi))
		return 0;
	if (bpf_probe_read_user(words, SCAN_WORDS * sizeof(__u64), (void *)sp))
		return 0;
	struct scan_ctx c = { .words = words, .lo = lo, .hi = hi };
	__u32 limit = SCAN_WORDS;
	if (fp > sp && fp - sp < SCAN_WORDS * sizeof(__u64))
		limit = (__u32)((fp - sp) / sizeof(__u64));
	bpf_loop(limit, scan_step, &c, 0);
	if (ust->nr > 1 && ust->ips[1] == c.found)
		return 0;
	return c.found;
}

#endif /* __bpf__ */
#endif
