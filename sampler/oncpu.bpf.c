// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* On-CPU sampling: a cpu-clock perf event per CPU runs this, counting (process, stacks) in kernel. */
#include "vmlinux.h"

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "sampler/shared.bpf.h"
#include "sampler/oncpu.h"

const volatile bool include_idle = false; /* count the idle task (pid 0) too */
const volatile bool per_cpu = false;      /* key samples by CPU too */
const volatile bool fix_library_callers = true;
/*
 * Benchmarks only (SCORCH_BENCH_FLOOR): BENCH_WALKS walks both stacks and
 * keeps nothing, the floor of any BPF stack sampler; BENCH_EMPTY returns at
 * once, the cost of being run at all.
 */
#define BENCH_WALKS 1
#define BENCH_EMPTY 2
/* ... and each walk alone: which of the two costs what */
#define BENCH_KWALK 3
#define BENCH_UWALK 4
const volatile __u32 bench_floor = 0;

/*
 * Per-CPU scratch, too big for the BPF stack: what the loader reads (the key
 * being built, the first sample's time next to it so that it costs no line of
 * its own, the count cache), then the two stacks and the caller scan's copy.
 */
struct oncpu_scratch {
	struct oncpu_scratch_head head;
	struct sampler_stack kst;
	struct sampler_stack ust;
	struct scan scan;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct oncpu_scratch);
} oncpu_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u64); /* words_hash() of the oncpu_key */
	__type(value, struct oncpu_count);
} oncpu_counts SEC(".maps");

/*
 * The caller a frame-pointer walk skipped above a library leaf (exe_caller()),
 * from the user registers: those of the interrupted context when the sample
 * hit user mode, else those the kernel saved when the task entered it.
 */
static __always_inline __u64 sample_exe_caller(struct oncpu_scratch *sc, bool user_mode, __u64 lo, __u64 hi)
{
#if defined(__TARGET_ARCH_x86)
	struct scan *s = &sc->scan;
	s->ip = sc->ust.ips[0]; /* the walk starts at the saved ip */
	if (s->ip - lo < hi - lo)
		return 0; /* the leaf is the executable's own: its frame pointers hold */
	if (!user_mode) { /* s->sp, s->fp hold the interrupted user context's */
		const struct x86_regs *r = (const struct x86_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
		if (!r)
			return 0;
		s->sp = r->sp;
		s->fp = r->bp;
	}
	s->lo = lo;
	s->hi = hi;
	s->gen = sc->head.key.gen;
	return exe_caller(s, &sc->ust);
#else
	return 0;
#endif
}

static __always_inline __u64 key_hash(const struct oncpu_key *key)
{
	_Static_assert(sizeof(*key) % sizeof(__u64) == 0, "oncpu_key hashes as words");
	return words_hash((const __u64 *)key, sizeof(*key) / sizeof(__u64));
}

/*
 * Count one sample of a key not in the cache, in the map: 0 with its
 * fingerprint in *hash, or a negative errno when the counts map is full. The
 * key's stacks are stored first, so that a key in the map always has them
 * (one that cannot be stored is counted as [lost stack] instead); then the
 * key is inserted, and looked up only when it is there already. Keys seen
 * before mostly hit the cache, so what reaches here is mostly new: one pass
 * over each map, no lookup first.
 */
static __always_inline long count_in_map(struct oncpu_scratch *sc, __u64 *hash)
{
	struct oncpu_key *key = &sc->head.key;
	if (key->kstack && stack_store(&sc->kst, key->kstack)) {
		stat_add(LOSS_KSTACK_MAP_FULL, 1);
		key->flags |= SAMPLE_KSTACK_LOST;
		key->kstack = 0;
	}
	if (key->ustack && stack_store(&sc->ust, key->ustack)) {
		stat_add(LOSS_USTACK_MAP_FULL, 1);
		key->flags |= SAMPLE_USTACK_LOST;
		key->ustack = 0;
	}
	if (key->flags & (SAMPLE_KSTACK_LOST | SAMPLE_USTACK_LOST))
		*hash = key_hash(key);
	struct oncpu_count fresh = { .c.count = 1, .key = *key };
	long err = bpf_map_update_elem(&oncpu_counts, hash, &fresh, BPF_NOEXIST);
	if (err == -EEXIST)
		return count_add(&oncpu_counts, hash, 1, 0) ? 0 : -ENOENT;
	return err;
}

/* Count one sample of the key in scratch: in its cache slot when it holds the key, else in the map. */
static __always_inline void count_sample(struct oncpu_scratch *sc)
{
	__u64 h = key_hash(&sc->head.key);
	if (count_cached(sc->head.cache, h, 0))
		return;
	if (count_in_map(sc, &h)) {
		stat_add(LOSS_COUNTS_MAP_FULL, 1);
		return;
	}
	stat_add(STAT_SAMPLES, 1);
	count_slot_take(&oncpu_counts, sc->head.cache, h);
}

/*
 * --call-graph dwarf: send the sample (key, kernel stack id, user registers
 * and stack) to user space, which unwinds and counts it. Returns true when
 * sent; false to count it here instead: without a user stack (a kernel
 * thread), or with a [lost stack] when the ring buffer is full.
 */
static __always_inline bool dwarf_send(struct oncpu_scratch *sc, __u32 tgid, __u32 tid)
{
	struct oncpu_key *key = &sc->head.key;
	const struct x86_regs *r = dwarf_user_regs();
	if (!r)
		return false;
	__u64 lo, hi;
	key->gen = image_gen(tgid, tid, &lo, &hi);
	struct sampler_dwarf_head *h = dwarf_record(r, tid);
	if (!h) {
		stat_add(LOSS_RINGBUF_FULL, 1);
		key->flags |= SAMPLE_USTACK_LOST;
		return false;
	}
	if (key->kstack && stack_store(&sc->kst, key->kstack)) {
		stat_add(LOSS_KSTACK_MAP_FULL, 1);
		key->flags |= SAMPLE_KSTACK_LOST;
		key->kstack = 0;
	}
	h->type = DWARF_ONCPU;
	h->gen = key->gen;
	h->kstack = key->kstack;
	h->id = 0;
	h->ns = 0;
	h->tgid = tgid;
	h->tid = tid;
	h->flags = key->flags;
	h->cpu = bpf_get_smp_processor_id();
	__builtin_memcpy(h->comm, key->comm, sizeof(h->comm));
	dwarf_submit(h);
	stat_add(STAT_SAMPLES, 1);
	return true;
}

/*
 * Per sample: walk the stacks, hash them, and count the key of hashes. The
 * stacks themselves are stored only when the key is new: a key in the counts
 * map means its stacks are in the stack maps already, so a sample seen
 * before costs the walks, the hashes and a line of the count cache.
 */
SEC("perf_event")
int oncpu_sample(struct bpf_perf_event_data *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32, tid = (__u32)id;
	__u32 zero = 0;

	if (bench_floor == BENCH_EMPTY)
		return 0;
	if (tid == 0 && !include_idle)
		return 0;
	if (!target_match(tgid, tid)) {
		stat_add(STAT_FILTERED, 1);
		return 0;
	}
	struct oncpu_scratch *sc = bpf_map_lookup_elem(&oncpu_scratch, &zero);
	if (!sc)
		return 0;
	if (bench_floor == BENCH_WALKS || bench_floor == BENCH_KWALK)
		bpf_get_stack(ctx, sc->kst.ips, sizeof(sc->kst.ips), 0);
	if (bench_floor == BENCH_WALKS || bench_floor == BENCH_UWALK)
		bpf_get_stack(ctx, sc->ust.ips, sizeof(sc->ust.ips), BPF_F_USER_STACK);
	if (bench_floor)
		return 0;
	if (!sc->head.first_ns)
		sc->head.first_ns = bpf_ktime_get_ns();
	struct oncpu_key *key = &sc->head.key;
	__builtin_memset(key, 0, sizeof(*key));
	key->tgid = tgid;
	if (per_thread)
		key->tid = tid;
	if (per_cpu)
		key->cpu = bpf_get_smp_processor_id();
	bpf_get_current_comm(key->comm, sizeof(key->comm));

#if defined(__TARGET_ARCH_x86)
	/* the registers of the interrupted context; its privilege level says kernel or user */
	const struct x86_regs *regs = (const struct x86_regs *)ctx;
	bool user_mode = (regs->cs & 3) != 0;
	/*
	 * Read here, unconditionally: loads from the context and from a kernel
	 * pointer in two arms of one branch get merged by the compiler into one
	 * load the verifier refuses.
	 */
	sc->scan.sp = regs->sp;
	sc->scan.fp = regs->bp;
#else
	bool user_mode = false;
#endif
	sc->kst.nr = 0;
	if (kernel_stacks && !user_mode) {
		/* the kernel walks kernel frames only when interrupted in kernel mode: no call otherwise */
		long n = bpf_get_stack(ctx, sc->kst.ips, sizeof(sc->kst.ips), 0);
		if (n < 0) {
			stat_add(LOSS_KSTACK_ERROR, 1);
			key->flags |= SAMPLE_KSTACK_LOST;
		} else {
			sc->kst.nr = (__u32)((__u64)n / sizeof(__u64));
		}
#if !defined(__TARGET_ARCH_x86)
		user_mode = n == 0;
#endif
		key->kstack = stack_id(&sc->kst);
	}
	sc->ust.nr = 0;
	if (dwarf_stack) {
		if (user_stacks && tid != 0 && dwarf_send(sc, tgid, tid))
			return 0;
	} else if (user_stacks && tid != 0) {
		long n = bpf_get_stack(ctx, sc->ust.ips, sizeof(sc->ust.ips), BPF_F_USER_STACK);
		sc->ust.nr = n > 0 ? (__u32)((__u64)n / sizeof(__u64)) : 0;
		if (sc->ust.nr) {
			__u64 lo, hi;
			key->gen = image_gen(tgid, tid, &lo, &hi);
			key->ustack = stack_id(&sc->ust);
			if (fix_library_callers && lo)
				key->ufix = sample_exe_caller(sc, user_mode, lo, hi);
		} else if (user_mode) {
			/* interrupted in user mode, yet no user frame: the stack is lost */
			stat_add(LOSS_NO_USTACK, 1);
			key->flags |= SAMPLE_USTACK_LOST;
		}
	}

	count_sample(sc);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
