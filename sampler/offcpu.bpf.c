// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Off-CPU time: blocked stacks timed from switch-out to switch-in, with the waker's stack on request. */
#include "vmlinux.h"

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "sampler/shared.bpf.h"
#include "sampler/offcpu.h"

const volatile __u64 min_block_ns = 1000;
const volatile __u64 max_block_ns = ~0ULL;
const volatile __u32 state_mask = 0xf; /* enum sampler_state bits (sampler.h) */
const volatile bool wakeup = false;
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

#define STATE_PREEMPTED (1u << 0)
#define STATE_INTERRUPTIBLE (1u << 1)
#define STATE_UNINTERRUPTIBLE (1u << 2)
#define STATE_OTHER (1u << 3)

/* Kernel task state bits (include/linux/sched.h), stable since 2.6. */
#define K_TASK_INTERRUPTIBLE 0x0001
#define K_TASK_UNINTERRUPTIBLE 0x0002
#define K_TASK_NOLOAD 0x0400

/*
 * A thread's last library caller repairs: where it blocked (user ip and sp),
 * its walked stack and image, and what exe_caller() found there, in word
 * `slot` above sp. Blocking there again with the same word in that slot, the
 * scan's answer is the same: one word read instead of a scan. Several, as a
 * thread blocks at several places in turn (a server: read, write, poll, a
 * futex), and one memo would miss every time.
 */
#define REPAIR_MEMOS 4
struct repair_memo_entry {
	__u64 ip, sp, ustack, gen;
	__u64 found, slot;
};
struct repair_memo {
	struct repair_memo_entry e[REPAIR_MEMOS];
	__u32 next; /* the entry replaced next */
};

/*
 * A thread's off-CPU state, in its task storage (the tp_btf programs): a
 * field of the task itself, no hash, no lock, nothing to delete; the kernel
 * frees it with the task.
 */
struct offcpu_task {
	struct offcpu_start start; /* start.ts 0: not being timed */
	struct offcpu_waker waker; /* valid with OFFCPU_HAS_WAKER in waker.flags */
	struct repair_memo memo;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct offcpu_task);
} offcpu_tasks SEC(".maps");

/* The same for the raw_tp twins, whose task pointers task storage does not take. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32); /* tid */
	__type(value, struct offcpu_start);
} offcpu_start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32); /* wakee tid */
	__type(value, struct offcpu_waker);
} offcpu_wakers SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u64); /* words_hash() of the offcpu_key */
	__type(value, struct offcpu_count);
} offcpu_counts SEC(".maps");

/*
 * Per-CPU scratch, too big for the BPF stack: what the loader reads (the key
 * being built, the count cache), two stacks and a slice of user stack. Entry
 * 0 for sched_switch, 1 for sched_wakeup.
 */
struct offcpu_scratch {
	struct offcpu_scratch_head head;
	struct sampler_stack kst;
	struct sampler_stack ust;
	struct scan scan;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct offcpu_scratch);
} offcpu_scratch SEC(".maps");

/* task_struct->state became __state in 5.14 (commit 2f064a59a11f "sched: Change task_struct::state"). */
struct task_struct___old {
	long state;
} __attribute__((preserve_access_index));

/*
 * Read a field of a task the tracepoint handed us: directly when `btf` (a
 * tp_btf program: the pointer is trusted, a plain load), else through
 * bpf_probe_read_kernel() (raw_tp twin). `btf` is a constant in every caller,
 * so only one of the two survives compilation.
 */
#define TASK_READ(btf, t, field) ((btf) ? (t)->field : BPF_CORE_READ((t), field))

static __always_inline __u32 task_state(bool btf, struct task_struct *t)
{
	if (bpf_core_field_exists(t->__state))
		return TASK_READ(btf, t, __state);
	return (__u32)BPF_CORE_READ((struct task_struct___old *)t, state);
}

static __always_inline __u32 state_class(bool preempt, __u32 st)
{
	if (preempt || st == 0)
		return STATE_PREEMPTED;
	if (st & K_TASK_NOLOAD)
		return STATE_OTHER; /* TASK_IDLE: kernel threads waiting for work */
	if (st & K_TASK_INTERRUPTIBLE)
		return STATE_INTERRUPTIBLE;
	if (st & K_TASK_UNINTERRUPTIBLE)
		return STATE_UNINTERRUPTIBLE;
	return STATE_OTHER;
}

/*
 * The function that called into a frame-pointer-less library (see
 * exe_caller() in shared.bpf.h), for the current task blocking in a syscall:
 * its user registers are those saved at kernel entry. The executable's code
 * range comes from its image (`lo`, `hi`), or from its mm until user space
 * has filled that in.
 */
static __always_inline __u64 library_caller(struct offcpu_scratch *sc, __u64 gen, __u64 lo, __u64 hi, __u64 uid,
					    struct repair_memo *memo)
{
	struct task_struct *cur = bpf_get_current_task_btf();
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(cur);
	if (!regs)
		return 0;
	/* both pointers come from helpers returning BTF pointers: plain loads */
	struct scan *s = &sc->scan;
	s->ip = PT_REGS_IP(regs);
	s->sp = PT_REGS_SP(regs);
	s->fp = PT_REGS_FP(regs);
	if (!lo) {
		struct mm_struct *mm = cur->mm;
		if (!mm)
			return 0;
		lo = mm->start_code;
		hi = mm->end_code;
	}
	__u32 stale = REPAIR_MEMOS; /* an entry for this place whose word changed: the one to update */
	if (memo) {
#pragma unroll
		for (int i = 0; i < REPAIR_MEMOS; i++) {
			struct repair_memo_entry *m = &memo->e[i];
			if (m->found && m->ip == s->ip && m->sp == s->sp && m->ustack == uid && m->gen == gen) {
				__u64 w;
				if (!bpf_probe_read_user(&w, sizeof(w), (void *)(s->sp + (m->slot & (SCAN_WORDS - 1)) * sizeof(__u64))) &&
				    w == m->found)
					return w;
				stale = i;
				break;
			}
		}
	}
	s->lo = lo;
	s->hi = hi;
	s->gen = gen;
	__u64 found = exe_caller(s, &sc->ust);
	if (memo && found) {
		if (stale == REPAIR_MEMOS)
			stale = memo->next++;
		struct repair_memo_entry *m = &memo->e[stale & (REPAIR_MEMOS - 1)];
		m->ip = s->ip;
		m->sp = s->sp;
		m->ustack = uid;
		m->gen = gen;
		m->found = found;
		m->slot = s->slot;
	}
	return found;
}

/*
 * Walk the current task's stacks into scratch `sc` and store them. Returns
 * the key flags; ids land in *kid, *uid, the image generation in *gen and a
 * repaired library caller in *ufix (through the task's `memo`, if any).
 */
static __always_inline __u32 collect_current(void *ctx, bool btf, struct offcpu_scratch *sc, struct task_struct *t,
					     __u32 tgid, __u32 tid, __u64 *kid, __u64 *uid, __u64 *gen,
					     __u64 *ufix, struct repair_memo *memo)
{
	__u32 flags = 0;
	*kid = *uid = *gen = *ufix = 0;
	if (kernel_stacks)
		*kid = stack_collect(ctx, &sc->kst, 0, LOSS_KSTACK_MAP_FULL, LOSS_KSTACK_ERROR,
				     SAMPLE_KSTACK_LOST, &flags);
	if (user_stacks && TASK_READ(btf, t, mm)) {
		long n = bpf_get_stack(ctx, sc->ust.ips, sizeof(sc->ust.ips), BPF_F_USER_STACK);
		sc->ust.nr = n > 0 ? (__u32)(n / sizeof(__u64)) : 0;
		if (sc->ust.nr) {
			__u64 lo, hi;
			*gen = image_gen(tgid, tid, &lo, &hi);
			*uid = stack_put(&sc->ust, LOSS_USTACK_MAP_FULL, SAMPLE_USTACK_LOST, &flags);
			if (fix_library_callers)
				*ufix = library_caller(sc, *gen, lo, hi, *uid, memo);
		} else {
			stat_add(LOSS_NO_USTACK, 1);
			flags |= SAMPLE_USTACK_LOST;
		}
	}
	return flags;
}

/*
 * --call-graph dwarf: send the user registers and stack of `prev` (the
 * current task), switching out, as the START of interval `st->id`. Returns
 * the flags to add: SAMPLE_DWARF_SENT, SAMPLE_DWARF_FULL with
 * SAMPLE_USTACK_LOST when the ring buffer is full (counted as a loss at
 * switch-in, if the interval is kept), 0 without a user context.
 */
static __always_inline __u32 dwarf_start(struct offcpu_start *st, __u32 tid)
{
	const struct x86_regs *r = dwarf_user_regs();
	if (!r)
		return 0;
	__u64 lo, hi;
	st->gen = image_gen(st->tgid, tid, &lo, &hi);
	struct sampler_dwarf_head *h = dwarf_record(r, tid);
	if (!h)
		return SAMPLE_DWARF_FULL | SAMPLE_USTACK_LOST;
	h->type = DWARF_OFFCPU_START;
	h->gen = st->gen;
	h->kstack = st->kstack;
	h->id = st->id;
	h->ns = 0;
	h->tgid = st->tgid;
	h->tid = tid;
	h->flags = st->flags;
	h->cpu = bpf_get_smp_processor_id();
	__builtin_memcpy(h->comm, st->comm, sizeof(h->comm));
	dwarf_submit(h);
	return SAMPLE_DWARF_SENT;
}

/*
 * --call-graph dwarf: the END of interval `st->id` of thread `tid`, `delta` ns
 * off CPU; with --wakeup, the waker `w` (NULL: none known) follows the head
 * (stack_len says so). 0, or -1 when the ring is full.
 */
static __always_inline int dwarf_end(const struct offcpu_start *st, __u32 tid, __u64 delta,
				     const struct offcpu_waker *w)
{
	struct sampler_dwarf_head *h;
	if (wakeup)
		h = bpf_ringbuf_reserve(&samples, sizeof(*h) + sizeof(struct offcpu_waker), 0);
	else
		h = bpf_ringbuf_reserve(&samples, sizeof(*h), 0);
	if (!h)
		return -1;
	__builtin_memset(h, 0, sizeof(*h));
	h->type = DWARF_OFFCPU_END;
	h->gen = st->gen;
	h->kstack = st->kstack;
	h->id = st->id;
	h->ns = delta;
	h->ts = st->ts + delta;
	h->tgid = st->tgid;
	h->tid = tid;
	h->flags = st->flags & ~(SAMPLE_DWARF_SENT | SAMPLE_DWARF_FULL);
	__builtin_memcpy(h->comm, st->comm, sizeof(h->comm));
	if (wakeup) {
		struct offcpu_waker *out = (struct offcpu_waker *)(h + 1);
		if (w)
			__builtin_memcpy(out, w, sizeof(*out));
		else
			__builtin_memset(out, 0, sizeof(*out));
		h->stack_len = sizeof(*out);
	}
	bpf_ringbuf_submit(h, BPF_RB_NO_WAKEUP);
	return 0;
}

static __always_inline __u64 key_hash(const struct offcpu_key *key)
{
	_Static_assert(sizeof(*key) % sizeof(__u64) == 0, "offcpu_key hashes as words");
	return words_hash((const __u64 *)key, sizeof(*key) / sizeof(__u64));
}

/* The counts key of a timed thread `tid` (its waker's part left empty). */
static __always_inline void key_from_start(struct offcpu_key *key, const struct offcpu_start *st, __u32 tid)
{
	__builtin_memset(key, 0, sizeof(*key));
	key->gen = st->gen;
	key->kstack = st->kstack;
	key->ustack = st->ustack;
	key->ufix = st->ufix;
	key->tgid = st->tgid;
	key->flags = st->flags & ~(SAMPLE_DWARF_SENT | SAMPLE_DWARF_FULL);
	if (per_thread)
		key->tid = tid;
	__builtin_memcpy(key->comm, st->comm, sizeof(key->comm));
}

/*
 * `prev` switches out: walk and store its stacks, remember them and the time
 * (in its task storage with `btf`, else in the start map), and nothing else.
 */
static __always_inline void switch_out(void *ctx, bool btf, bool preempt, struct task_struct *prev)
{
	__u32 tid = TASK_READ(btf, prev, pid);
	__u32 tgid = TASK_READ(btf, prev, tgid);
	__u32 zero = 0;

	if (tid == 0)
		return; /* the idle task is never blocked */
	if (!(state_mask & state_class(preempt, task_state(btf, prev))))
		return;
	if (!target_match(tgid, tid)) /* prev is current here */
		return;
	struct offcpu_scratch *sc = bpf_map_lookup_elem(&offcpu_scratch, &zero);
	if (!sc)
		return;
	if (bench_floor == BENCH_WALKS || bench_floor == BENCH_KWALK)
		bpf_get_stack(ctx, sc->kst.ips, sizeof(sc->kst.ips), 0);
	if (bench_floor == BENCH_WALKS || bench_floor == BENCH_UWALK)
		bpf_get_stack(ctx, sc->ust.ips, sizeof(sc->ust.ips), BPF_F_USER_STACK);
	if (bench_floor)
		return;
	struct offcpu_start local, *st = &local;
	struct repair_memo *memo = NULL;
	if (btf) {
		struct offcpu_task *ot = bpf_task_storage_get(&offcpu_tasks, prev, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (!ot) {
			stat_add(LOSS_START_MAP_FULL, 1);
			return;
		}
		st = &ot->start;
		memo = &ot->memo;
	}
	st->tgid = tgid;
	if (btf) /* two loads, not a string copy */
		__builtin_memcpy(st->comm, prev->comm, sizeof(st->comm));
	else
		bpf_get_current_comm(st->comm, sizeof(st->comm));
	if (dwarf_stack) {
		/* the kernel stack as usual; the user stack goes to user space */
		st->flags = 0;
		st->kstack = st->ustack = st->gen = st->ufix = 0;
		if (kernel_stacks)
			st->kstack = stack_collect(ctx, &sc->kst, 0, LOSS_KSTACK_MAP_FULL, LOSS_KSTACK_ERROR,
						   SAMPLE_KSTACK_LOST, &st->flags);
		st->id = bpf_ktime_get_ns();
		if (user_stacks && TASK_READ(btf, prev, mm))
			st->flags |= dwarf_start(st, tid);
	} else {
		st->flags = collect_current(ctx, btf, sc, prev, tgid, tid, &st->kstack, &st->ustack, &st->gen,
					    &st->ufix, memo);
	}
	st->hash = 0;
	if (!wakeup) {
		/* the whole key is known now: hash it here, so that a switch-in hitting the cache needs only this */
		struct offcpu_key *key = &sc->head.key;
		key_from_start(key, st, tid);
		st->hash = key_hash(key);
	}
	st->ts = bpf_ktime_get_ns();
	if (!btf && bpf_map_update_elem(&offcpu_start, &tid, st, BPF_ANY))
		stat_add(LOSS_START_MAP_FULL, 1);
}

/* The timing of thread `tid` is over: forget its start (`st` is not to be read after this). */
static __always_inline void start_clear(bool btf, struct offcpu_start *st, __u32 tid)
{
	if (btf)
		st->ts = 0;
	else
		bpf_map_delete_elem(&offcpu_start, &tid);
}

/*
 * `next` switches in: if it was timed, count the interval under the key of
 * its stacks (and its waker's), through the per-CPU count cache.
 */
static __always_inline void switch_in(bool btf, struct task_struct *next)
{
	__u32 tid = TASK_READ(btf, next, pid);
	__u32 zero = 0;

	if (tid == 0 || bench_floor)
		return;
	struct offcpu_task *ot = NULL;
	struct offcpu_start *st;
	if (btf) {
		ot = bpf_task_storage_get(&offcpu_tasks, next, 0, 0);
		if (!ot || !ot->start.ts)
			return;
		st = &ot->start;
	} else {
		st = bpf_map_lookup_elem(&offcpu_start, &tid);
		if (!st)
			return;
	}
	__u64 delta = bpf_ktime_get_ns() - st->ts;
	struct offcpu_scratch *sc = bpf_map_lookup_elem(&offcpu_scratch, &zero);
	if (!sc) {
		start_clear(btf, st, tid);
		return;
	}
	bool keep = delta >= min_block_ns && delta <= max_block_ns;
	if (dwarf_stack && keep && (st->flags & SAMPLE_DWARF_SENT)) {
		/* user space has the stack: tell it the time (and the waker) */
		struct offcpu_waker *dw = NULL;
		if (wakeup && btf)
			dw = ot->waker.flags & OFFCPU_HAS_WAKER ? &ot->waker : NULL;
		else if (wakeup)
			dw = bpf_map_lookup_elem(&offcpu_wakers, &tid);
		if (dwarf_end(st, tid, delta, dw) == 0) {
			stat_add(STAT_SAMPLES, 1);
			start_clear(btf, st, tid);
			if (dw && btf)
				dw->flags = 0;
			else if (dw)
				bpf_map_delete_elem(&offcpu_wakers, &tid);
			return;
		}
		/* ... or count the interval here, as a [lost stack] */
		stat_add(LOSS_RINGBUF_FULL, 1);
		st->flags = (st->flags & ~SAMPLE_DWARF_SENT) | SAMPLE_USTACK_LOST;
		key_from_start(&sc->head.key, st, tid);
		st->hash = key_hash(&sc->head.key);
	} else if (dwarf_stack && keep && (st->flags & SAMPLE_DWARF_FULL)) {
		stat_add(LOSS_RINGBUF_FULL, 1);
	}
	if (!keep)
		stat_add(delta < min_block_ns ? STAT_SHORT_BLOCKS : STAT_LONG_BLOCKS, 1);
	else if (!wakeup && count_cached(sc->head.cache, st->hash, delta)) {
		/* the common case: a key counted before, hashed at switch-out */
		start_clear(btf, st, tid);
		return;
	}
	struct offcpu_key *key = &sc->head.key;
	__u64 h = st->hash;
	if (keep)
		key_from_start(key, st, tid);
	start_clear(btf, st, tid); /* st is not to be read after this */

	if (wakeup) {
		struct offcpu_waker *w;
		if (btf)
			w = ot->waker.flags & OFFCPU_HAS_WAKER ? &ot->waker : NULL;
		else
			w = bpf_map_lookup_elem(&offcpu_wakers, &tid);
		if (w && keep) {
			key->wgen = w->gen;
			key->wkstack = w->kstack;
			key->wustack = w->ustack;
			key->wufix = w->ufix;
			key->wtgid = w->tgid;
			key->wflags = w->flags | OFFCPU_HAS_WAKER;
			__builtin_memcpy(key->wcomm, w->comm, sizeof(key->wcomm));
		}
		if (w && btf)
			w->flags = 0;
		else if (w)
			bpf_map_delete_elem(&offcpu_wakers, &tid);
		h = key_hash(key);
	}
	if (!keep)
		return;

	/* the stacks were stored at switch-out: the key only has to be counted */
	if (wakeup && count_cached(sc->head.cache, h, delta))
		return;
	struct offcpu_count fresh = { .c = { .count = 1, .ns = delta }, .key = *key };
	long err = bpf_map_update_elem(&offcpu_counts, &h, &fresh, BPF_NOEXIST);
	if (err == -EEXIST && !count_add(&offcpu_counts, &h, 1, delta))
		err = -ENOENT;
	else if (err == -EEXIST)
		err = 0;
	if (err) {
		stat_add(LOSS_COUNTS_MAP_FULL, 1);
		return;
	}
	stat_add(STAT_SAMPLES, 1);
	count_slot_take(&offcpu_counts, sc->head.cache, h);
}

static __always_inline int on_switch(void *ctx, bool btf, bool preempt, struct task_struct *prev,
				     struct task_struct *next)
{
	if (bench_floor == BENCH_EMPTY)
		return 0;
	switch_out(ctx, btf, preempt, prev);
	switch_in(btf, next);
	return 0;
}

/* In the waker's context: remember its stacks for the wakee, if the wakee is being timed. */
static __always_inline int on_wakeup(void *ctx, bool btf, struct task_struct *p)
{
	__u32 tid = TASK_READ(btf, p, pid);
	__u32 one = 1;

	struct offcpu_waker local, *w = &local;
	if (btf) {
		struct offcpu_task *ot = bpf_task_storage_get(&offcpu_tasks, p, 0, 0);
		if (!ot || !ot->start.ts)
			return 0;
		w = &ot->waker;
	} else if (!bpf_map_lookup_elem(&offcpu_start, &tid)) {
		return 0;
	}
	struct offcpu_scratch *sc = bpf_map_lookup_elem(&offcpu_scratch, &one);
	if (!sc)
		return 0;
	__u64 id = bpf_get_current_pid_tgid();
	struct task_struct *cur = bpf_get_current_task_btf();
	w->tgid = id >> 32;
	__u32 flags = collect_current(ctx, true, sc, cur, id >> 32, (__u32)id, &w->kstack, &w->ustack, &w->gen,
				      &w->ufix, NULL);
	bpf_get_current_comm(w->comm, sizeof(w->comm));
	w->flags = flags | OFFCPU_HAS_WAKER;
	if (!btf && bpf_map_update_elem(&offcpu_wakers, &tid, w, BPF_ANY))
		stat_add(LOSS_WAKER_MAP_FULL, 1);
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(offcpu_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return on_switch(ctx, true, preempt, prev, next);
}

SEC("raw_tp/sched_switch")
int BPF_PROG(offcpu_switch_raw, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return on_switch(ctx, false, preempt, prev, next);
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(offcpu_wakeup, struct task_struct *p)
{
	return on_wakeup(ctx, true, p);
}

SEC("raw_tp/sched_wakeup")
int BPF_PROG(offcpu_wakeup_raw, struct task_struct *p)
{
	return on_wakeup(ctx, false, p);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
