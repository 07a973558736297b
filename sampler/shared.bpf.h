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
#ifndef ENOENT
#define ENOENT 2
#endif

/* Set by the loader before load; the verifier prunes what they switch off. */
const volatile __u32 filter = 0;         /* FILTER_* */
const volatile bool per_thread = false;  /* key samples by tid too */
const volatile bool user_stacks = true;  /* collect user stacks */
const volatile bool kernel_stacks = true;/* collect kernel stacks */
/* --call-graph dwarf: bytes of user stack copied per record (a multiple of 8); 0 = walk frame pointers */
const volatile __u32 dwarf_stack = 0;
/* --call-graph dwarf: wake user space when this many bytes wait in `samples` (else it polls) */
const volatile __u64 dwarf_wakeup_bytes = 0;

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

/*
 * Per-CPU cache of `images` entries whose code range user space has filled
 * in, direct-mapped by tgid: the sample's path reads one line here instead of
 * a hash bucket and an element. procs.bpf.c clears a process's slot on every
 * CPU when it deletes the process's entry (exec, exit).
 */
#define IMAGE_CACHE_SLOTS 64

struct image_slot {
	__u32 tgid; /* 0: empty */
	__u32 pad;
	struct sampler_image im;
};

struct image_cache {
	struct image_slot slot[IMAGE_CACHE_SLOTS];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct image_cache);
} image_cache SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

/* --call-graph dwarf: user registers and stack copies (struct sampler_dwarf_head + stack), sized by the loader. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} samples SEC(".maps");

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

/*
 * Stack ids this CPU has seen stored (stacks are never deleted while
 * recording): a direct-mapped hint that spares the stack map for stacks seen
 * before. It only ever holds ids of stored stacks, so a stale slot costs an
 * insert attempt, never a wrong answer.
 */
#define STACK_SEEN_SLOTS 1024

struct stacks_seen {
	__u64 id[STACK_SEEN_SLOTS];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct stacks_seen);
} stacks_seen SEC(".maps");

static __always_inline __u64 rotl64(__u64 x, int r)
{
	return (x << r) | (x >> (64 - r));
}

#define HASH_P1 0x9E3779B185EBCA87ULL
#define HASH_P2 0xC2B2AE3D27D4EB4FULL

static __always_inline __u64 hash_lane(__u64 v, __u64 x)
{
	return rotl64(v + x * HASH_P2, 31) * HASH_P1;
}

/*
 * 64-bit hash of the frames of a stack (xxh64's four lanes, murmur's
 * finaliser); never 0. Unrolled four frames a step, stopping at the depth:
 * no call per frame, and the four lanes multiply in parallel. Frames past
 * `nr` up to the step are zero (bpf_get_stack() clears the rest of the buffer).
 * A global function: the verifier checks it once, not once per path of its
 * callers (31 exits times the callers' paths would exceed its limits).
 */
__noinline __u64 stack_hash(const struct sampler_stack *st)
{
	if (!st)
		return 1;
	__u32 nr = st->nr;
	__u64 v1 = 0x27D4EB2F165667C5ULL + HASH_P1 + HASH_P2, v2 = HASH_P2, v3 = 0, v4 = 0 - HASH_P1;

#define HASH_STEP(i)                                     \
	if ((i) >= nr)                                   \
		goto done;                               \
	v1 = hash_lane(v1, st->ips[(i)]);                \
	v2 = hash_lane(v2, st->ips[(i) + 1]);            \
	v3 = hash_lane(v3, st->ips[(i) + 2]);            \
	v4 = hash_lane(v4, st->ips[(i) + 3]);
#define HASH_STEP4(i) HASH_STEP(i) HASH_STEP((i) + 4) HASH_STEP((i) + 8) HASH_STEP((i) + 12)
	/* frames 0-123, four at a time (clang 14 will not unroll a loop with an exit) */
	HASH_STEP4(0) HASH_STEP4(16) HASH_STEP4(32) HASH_STEP4(48)
	HASH_STEP4(64) HASH_STEP4(80) HASH_STEP4(96)
	HASH_STEP(112) HASH_STEP(116) HASH_STEP(120)
#undef HASH_STEP4
#undef HASH_STEP
	_Static_assert(SAMPLER_MAX_DEPTH == 127, "stack_hash() unrolls 124 + 3 frames");
	if (nr > SAMPLER_MAX_DEPTH / 4 * 4) { /* the last three frames */
		v1 = hash_lane(v1, st->ips[SAMPLER_MAX_DEPTH - 3]);
		v2 = hash_lane(v2, st->ips[SAMPLER_MAX_DEPTH - 2]);
		v3 = hash_lane(v3, st->ips[SAMPLER_MAX_DEPTH - 1]);
	}
done:;
	__u64 h = rotl64(v1, 1) + rotl64(v2, 7) + rotl64(v3, 12) + rotl64(v4, 18) + nr;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h ? h : 1;
}

/* The id of the stack in `st` (nr set): its hash, with SAMPLER_STACK_BIG when deep. 0 for none. */
static __always_inline __u64 stack_id(const struct sampler_stack *st)
{
	if (st->nr == 0)
		return 0;
	__u64 h = stack_hash(st);
	if (st->nr > SAMPLER_SMALL_DEPTH)
		return h | SAMPLER_STACK_BIG;
	h &= ~SAMPLER_STACK_BIG;
	return h ? h : 1;
}

/*
 * Store stack `st` as `id` (stack_id(st), not 0) unless it is there already.
 * Returns 0, or a negative errno when it cannot be stored (map full). No
 * lookup first: the insert finds an existing stack in the same one pass.
 */
static __always_inline long stack_store(const struct sampler_stack *st, __u64 id)
{
	__u32 zero = 0;
	struct stacks_seen *seen = bpf_map_lookup_elem(&stacks_seen, &zero);
	__u32 slot = (__u32)(id ^ (id >> 29)) & (STACK_SEEN_SLOTS - 1);
	if (seen && seen->id[slot] == id)
		return 0;
	long err;
	/* the small map copies the first 264 bytes: the same layout as its value */
	if (id & SAMPLER_STACK_BIG)
		err = bpf_map_update_elem(&stacks_big, &id, st, BPF_NOEXIST);
	else
		err = bpf_map_update_elem(&stacks, &id, st, BPF_NOEXIST);
	if (err && err != -EEXIST)
		return err;
	if (seen)
		seen->id[slot] = id;
	return 0;
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
	__u64 id = stack_id(st);
	if (!id)
		return 0;
	if (stack_store(st, id)) {
		stat_add(loss_full, 1);
		*key_flags |= lost_flag;
		return 0;
	}
	return id;
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
	st->nr = (__u32)((__u64)n / sizeof(__u64));
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
	__u32 zero = 0;
	struct image_cache *cache = bpf_map_lookup_elem(&image_cache, &zero);
	struct image_slot *slot = cache ? &cache->slot[tgid & (IMAGE_CACHE_SLOTS - 1)] : NULL;
	if (slot && slot->tgid == tgid) {
		*lo = slot->im.text_lo;
		*hi = slot->im.text_hi;
		return slot->im.gen;
	}
	*lo = *hi = 0;
	struct sampler_image *im = bpf_map_lookup_elem(&images, &tgid);
	if (im) {
		*lo = im->text_lo;
		*hi = im->text_hi;
		if (slot && *lo) { /* complete: cache it */
			slot->im = *im;
			slot->tgid = tgid;
		}
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

/* 64-bit fingerprint of `n` words (a counts key), never 0 (an empty count cache slot). */
static __always_inline __u64 words_hash(const __u64 *w, __u32 n)
{
	__u64 h = 0x27D4EB2F165667C5ULL + n * HASH_P1;
	for (__u32 i = 0; i < n; i++) /* n is a constant: unrolled */
		h = rotl64(h ^ hash_lane(0, w[i]), 27) * HASH_P1 + 0x85EBCA77C2B2AE63ULL;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h | 1;
}

/* ---- counting through a per-CPU cache (struct sampler_count_slot) ------------------------------ */

/* Add `count` and `ns` to key `hash` of counts map `map`; false when it is not there. */
static __always_inline bool count_add(void *map, const __u64 *hash, __u64 count, __u64 ns)
{
	struct sampler_count *c = bpf_map_lookup_elem(map, hash);
	if (!c)
		return false;
	__sync_fetch_and_add(&c->count, count);
	if (ns)
		__sync_fetch_and_add(&c->ns, ns);
	return true;
}

/*
 * Count in the cache slot of key `hash` if it holds the key: true, else
 * false (count in the map, then count_slot_take()).
 */
static __always_inline bool count_cached(struct sampler_count_slot *cache, __u64 hash, __u64 ns)
{
	struct sampler_count_slot *slot = &cache[hash & (SAMPLER_COUNT_SLOTS - 1)];
	if (slot->hash != hash)
		return false;
	slot->count++;
	slot->ns += ns;
	stat_add(STAT_SAMPLES, 1);
	return true;
}

/*
 * Key `hash`, just counted in `map`, takes its cache slot. The slot's
 * previous key has its pending counts added to the map first: a lookup only
 * after hits saved at least as many, so the cache never adds lookups.
 */
static __always_inline void count_slot_take(void *map, struct sampler_count_slot *cache, __u64 hash)
{
	struct sampler_count_slot *slot = &cache[hash & (SAMPLER_COUNT_SLOTS - 1)];
	if (slot->count && !count_add(map, &slot->hash, slot->count, slot->ns)) {
		/* cannot happen: a slot only holds keys in the map, which are never deleted */
		stat_add(STAT_SAMPLES, -slot->count);
		stat_add(LOSS_COUNTS_MAP_FULL, slot->count);
	}
	slot->hash = hash;
	slot->count = 0;
	slot->ns = 0;
}

/* ---- the caller a frame-pointer walk skips ------------------------------------------------- */

#define SCAN_WORDS 64
/* Words in the executable's code checked for a call before them, at most. */
#define SCAN_TRIES 8

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

/* Input and scratch of exe_caller(), filled by its caller. */
struct scan {
	__u64 ip, sp, fp; /* the user registers at kernel entry */
	__u64 lo, hi;     /* the executable's code */
	__u64 gen;        /* its image generation */
	__u64 slot;       /* out: the word index of what exe_caller() found */
	__u64 words[SCAN_WORDS];
};

/*
 * Return addresses found right after a call, per CPU, direct-mapped, keyed
 * with the image generation: a thread blocks or runs at the same places again
 * and again, and rereading the code bytes (a cold page of someone else's
 * text) costs more than the rest of the scan.
 */
#define CALLS_SEEN_SLOTS 256

struct calls_seen {
	__u64 key[CALLS_SEEN_SLOTS];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct calls_seen);
} calls_seen SEC(".maps");

/*
 * Libraries without frame pointers (Debian's libc: read, nanosleep, futex
 * waits, memcpy...) leave the frame pointer register to their caller, or use
 * it for data. The kernel's walk then goes from the library leaf (`ip`)
 * straight to its caller's caller: the function that called read() is
 * missing, and everything above it when the register held data. That
 * function's return address is still on the stack just above the library's
 * frames: take the first word of the SCAN_WORDS above the stack pointer `sp`
 * (bounded by the frame pointer `fp` when it points there) that lies in the
 * executable's code [lo, hi) right after a call instruction (checking at most
 * SCAN_TRIES words in the code). Returns it, or 0 when the leaf is in the
 * executable itself, nothing qualifies, or the walk (`ust`, leaf first)
 * already has it. Callers in other shared libraries are not recovered this
 * way. A global function, verified once.
 */
__noinline __u64 exe_caller(struct scan *sc, const struct sampler_stack *ust)
{
	if (!sc || !ust)
		return 0;
	__u64 lo = sc->lo, span = sc->hi - sc->lo, sp = sc->sp, fp = sc->fp;
	if (!lo || sc->ip - lo < span || span >> 63)
		return 0;
	__u32 n = SCAN_WORDS;
	if (fp > sp && fp - sp < SCAN_WORDS * sizeof(__u64))
		n = (__u32)((fp - sp) / sizeof(__u64));
	if (n == 0 || n > SCAN_WORDS)
		return 0;
	/* only the words up to the frame pointer: less to copy, and no page past the stack's top */
	if (bpf_probe_read_user(sc->words, n * sizeof(__u64), (void *)sp))
		return 0;

	/*
	 * Straight-line and branch-free: the verifier explores every path of a
	 * loop's body exactly, and the mask below feeds an index, so it cannot
	 * merge paths that differ in it either. First a mask of the words in the
	 * code: x < span (unsigned, span < 2^63) is the top bit of (x - span) & ~x...
	 */
	__u64 mask = 0;
#define SCAN_BIT(i)                                                                         \
	{                                                                                   \
		__u64 x = sc->words[(i)] - lo;                                              \
		mask |= ((x - span) & ~x) >> 63 << (i);                                     \
		asm volatile("" : "+r"(mask)); /* one word at a time: no spills */           \
	}
	/* eight words at a time, up to the n copied (words past n in the last eight are masked off) */
#define SCAN_BIT8(i)                                                                          \
	if ((i) >= n)                                                                         \
		goto masked;                                                                  \
	SCAN_BIT(i) SCAN_BIT((i) + 1) SCAN_BIT((i) + 2) SCAN_BIT((i) + 3)                     \
	SCAN_BIT((i) + 4) SCAN_BIT((i) + 5) SCAN_BIT((i) + 6) SCAN_BIT((i) + 7)
	SCAN_BIT8(0) SCAN_BIT8(8) SCAN_BIT8(16) SCAN_BIT8(24)
	SCAN_BIT8(32) SCAN_BIT8(40) SCAN_BIT8(48) SCAN_BIT8(56)
#undef SCAN_BIT8
#undef SCAN_BIT
	_Static_assert(SCAN_WORDS == 64, "exe_caller() unrolls 64 words");
masked:
	if (n < SCAN_WORDS)
		mask &= (1ull << n) - 1;

	/* ...then the lowest SCAN_TRIES of them, nearest the leaf first, checked for a call before */
	__u64 found = 0;
	__u32 zero = 0;
	struct calls_seen *seen = bpf_map_lookup_elem(&calls_seen, &zero);
	if (!seen)
		return 0;
	__u64 salt = sc->gen * HASH_P1;
#define SCAN_TRY                                                                                  \
	if (mask) {                                                                               \
		__u64 v = (mask & (0 - mask)) - 1; /* ones below the lowest set bit: count them */ \
		v = v - ((v >> 1) & 0x5555555555555555ULL);                                        \
		v = (v & 0x3333333333333333ULL) + ((v >> 2) & 0x3333333333333333ULL);              \
		v = (v + (v >> 4)) & 0x0f0f0f0f0f0f0f0fULL;                                        \
		__u64 i = ((v * 0x0101010101010101ULL) >> 56) & (SCAN_WORDS - 1);                 \
		__u64 w = sc->words[i];                                                            \
		__u64 k = (w ^ salt) | 1;                                                          \
		__u64 *slot = &seen->key[(k ^ (k >> 21)) & (CALLS_SEEN_SLOTS - 1)];               \
		if (*slot == k || after_call(w)) {                                                 \
			*slot = k;                                                                 \
			found = w;                                                                 \
			sc->slot = i;                                                              \
			goto out;                                                                  \
		}                                                                                  \
		mask &= mask - 1;                                                                  \
	}
	SCAN_TRY SCAN_TRY SCAN_TRY SCAN_TRY SCAN_TRY SCAN_TRY SCAN_TRY SCAN_TRY
#undef SCAN_TRY
	_Static_assert(SCAN_TRIES == 8, "exe_caller() unrolls 8 tries");
out:
	if (ust->nr > 1 && ust->ips[1] == found)
		return 0;
	return found;
}

/* ---- --call-graph dwarf: copies of the user registers and stack ----------------------------- */

/*
 * x86-64 struct pt_regs, which the kernel exports unchanged as the user ABI
 * (bpf_perf_event_data.regs). Declared here, without CO-RE, so the on-CPU
 * program needs no relocation against the kernel's BTF: libbpf then skips
 * parsing it, which keeps the time to the first sample short. (Only x86-64
 * reads it: elsewhere the loader refuses --call-graph dwarf.)
 */
struct x86_regs {
	__u64 r15, r14, r13, r12, bp, bx, r11, r10, r9, r8, ax, cx, dx, si, di, orig_ax, ip, cs, flags, sp, ss;
};
_Static_assert(sizeof(struct x86_regs) == SAMPLER_DWARF_NREGS * 8, "struct pt_regs is 21 words");

#define PAGE_BYTES 4096
/* Copies shortened page by page at most this often: SAMPLER_DWARF_MAX_STACK spans 16 pages. */
#define STACK_COPY_TRIES 17

/*
 * Where each thread's stack mapping ends, per CPU, direct-mapped by tid: a
 * copy near the top of a stack (main() sits a few KiB below the end of the
 * main thread's stack) would read past it and fail, and finding the end
 * again costs a failed read per page. A stale entry costs a failed read.
 */
#define STACK_END_SLOTS 64

struct stack_end_slot {
	__u32 tid; /* 0: empty */
	__u32 pad;
	__u64 end; /* first address past the readable stack */
};

struct stack_ends {
	struct stack_end_slot slot[STACK_END_SLOTS];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct stack_ends);
} stack_ends SEC(".maps");

/*
 * The user registers of the current task, saved by the kernel when it entered
 * from user space (a syscall, an interrupt, a fault): also those of a sample
 * that interrupted user mode, which pushed them at the same place. NULL for
 * a kernel thread, whose saved registers are not a user context.
 */
static __always_inline const struct x86_regs *dwarf_user_regs(void)
{
#if defined(__TARGET_ARCH_x86)
	const struct x86_regs *r = (const struct x86_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	if (!r || (r->cs & 3) != 3)
		return NULL;
	return r;
#else
	return NULL;
#endif
}

/*
 * Copy the current task's user stack from `sp` up into `dst` (room for
 * dwarf_stack bytes): all of it when readable, else up to the end of the
 * stack's mapping (or the first page not present), found from the top page
 * by page and remembered per thread. Returns the bytes copied (0: none).
 */
static __always_inline __u32 dwarf_copy_stack(__u8 *dst, __u64 sp, __u32 tid)
{
	__u32 zero = 0;
	struct stack_ends *ends = bpf_map_lookup_elem(&stack_ends, &zero);
	struct stack_end_slot *slot = ends ? &ends->slot[tid & (STACK_END_SLOTS - 1)] : NULL;
	__u64 len = dwarf_stack;

	if (slot && slot->tid == tid && slot->end > sp && slot->end - sp < len)
		len = slot->end - sp;
	asm volatile("" : "+r"(len));
	if (len > dwarf_stack)
		return 0;
	if (bpf_probe_read_user(dst, len, (const void *)sp) == 0)
		return (__u32)len;
	stat_add(STAT_DWARF_RETRIES, 1);
	__u64 top = (sp + dwarf_stack) & ~(__u64)(PAGE_BYTES - 1);
	for (int i = 0; i < STACK_COPY_TRIES; i++) {
		if (top <= sp)
			break;
		len = top - sp;
		/* one value for the check and the call: the verifier must see the bound on what is passed */
		asm volatile("" : "+r"(len));
		if (len > dwarf_stack)
			break;
		if (bpf_probe_read_user(dst, len, (const void *)sp) == 0) {
			if (slot) {
				slot->tid = tid;
				slot->end = top;
			}
			return (__u32)len;
		}
		top -= PAGE_BYTES;
	}
	return 0;
}

/*
 * Reserve a record of the `samples` ring buffer and fill in the current
 * task's user registers `r` (from dwarf_user_regs()) and stack. NULL when
 * the ring buffer is full; the caller fills in the rest and dwarf_submit()s.
 */
static __always_inline struct sampler_dwarf_head *dwarf_record(const struct x86_regs *r, __u32 tid)
{
	struct sampler_dwarf_head *h =
		bpf_ringbuf_reserve(&samples, sizeof(struct sampler_dwarf_head) + dwarf_stack, 0);
	if (!h)
		return NULL;
	h->ts = bpf_ktime_get_ns();
	if (bpf_probe_read_kernel(h->regs, sizeof(h->regs), r))
		__builtin_memset(h->regs, 0, sizeof(h->regs));
	h->stack_len = dwarf_copy_stack((__u8 *)(h + 1), r->sp, tid);
	return h;
}

/*
 * Hand a record to user space. It is woken only once dwarf_wakeup_bytes
 * wait, not per record: one wake-up per batch instead of one per sample.
 */
static __always_inline void dwarf_submit(void *rec)
{
	__u64 flags = BPF_RB_NO_WAKEUP;
	if (bpf_ringbuf_query(&samples, BPF_RB_AVAIL_DATA) >= dwarf_wakeup_bytes)
		flags = BPF_RB_FORCE_WAKEUP;
	bpf_ringbuf_submit(rec, flags);
}

#endif /* __bpf__ */
#endif
