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

#define STATE_PREEMPTED (1u << 0)
#define STATE_INTERRUPTIBLE (1u << 1)
#define STATE_UNINTERRUPTIBLE (1u << 2)
#define STATE_OTHER (1u << 3)

/* Kernel task state bits (include/linux/sched.h), stable since 2.6. */
#define K_TASK_INTERRUPTIBLE 0x0001
#define K_TASK_UNINTERRUPTIBLE 0x0002
#define K_TASK_NOLOAD 0x0400

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
	__type(key, struct offcpu_key);
	__type(value, struct offcpu_val);
} offcpu_counts SEC(".maps");


/* Two stacks, a key and a slice of user stack; slot 0 for sched_switch, slot 1 for sched_wakeup. */
struct offcpu_scratch {
	struct sampler_stack kst;
	struct sampler_stack ust;
	struct offcpu_key key;
	__u64 words[SCAN_WORDS];
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
 * its user registers are those saved at kernel entry.
 */
static __always_inline __u64 library_caller(struct offcpu_scratch *sc)
{
	struct task_struct *cur = bpf_get_current_task_btf();
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(cur);
	if (!regs)
		return 0;
	/* both pointers come from helpers returning BTF pointers: plain loads */
	__u64 ip = PT_REGS_IP(regs), sp = PT_REGS_SP(regs), fp = PT_REGS_FP(regs);
	struct mm_struct *mm = cur->mm;
	if (!mm)
		return 0;
	__u64 lo = mm->start_code, hi = mm->end_code;
	return exe_caller(sc->words, &sc->ust, ip, sp, fp, lo, hi);
}

/*
 * Walk the current task's stacks into scratch `sc` and store them. Returns
 * the key flags; ids land in *kid, *uid, the image generation in *gen and a
 * repaired library caller in *ufix.
 */
static __always_inline __u32 collect_current(void *ctx, bool btf, struct offcpu_scratch *sc, struct task_struct *t,
					     __u32 tgid, __u32 tid, __u64 *kid, __u64 *uid, __u64 *gen,
					     __u64 *ufix)
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
				*ufix = library_caller(sc);
		} else {
			stat_add(LOSS_NO_USTACK, 1);
			flags |= SAMPLE_USTACK_LOST;
		}
	}
	return flags;
}

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
	struct offcpu_start st = { .tgid = tgid };
	st.flags = collect_current(ctx, btf, sc, prev, tgid, tid, &st.kstack, &st.ustack, &st.gen, &st.ufix);
	bpf_get_current_comm(st.comm, sizeof(st.comm));
	st.ts = bpf_ktime_get_ns();
	if (bpf_map_update_elem(&offcpu_start, &tid, &st, BPF_ANY))
		stat_add(LOSS_START_MAP_FULL, 1);
}

static __always_inline void switch_in(bool btf, struct task_struct *next)
{
	__u32 tid = TASK_READ(btf, next, pid);
	__u32 zero = 0;

	struct offcpu_start *st = bpf_map_lookup_elem(&offcpu_start, &tid);
	if (!st)
		return;
	__u64 delta = bpf_ktime_get_ns() - st->ts;
	struct offcpu_scratch *sc = bpf_map_lookup_elem(&offcpu_scratch, &zero);
	if (!sc) {
		bpf_map_delete_elem(&offcpu_start, &tid);
		return;
	}
	struct offcpu_key *key = &sc->key;
	__builtin_memset(key, 0, sizeof(*key));
	key->gen = st->gen;
	key->kstack = st->kstack;
	key->ustack = st->ustack;
	key->ufix = st->ufix;
	key->tgid = st->tgid;
	key->flags = st->flags;
	if (per_thread)
		key->tid = tid;
	__builtin_memcpy(key->comm, st->comm, sizeof(key->comm));
	bpf_map_delete_elem(&offcpu_start, &tid);

	if (wakeup) {
		struct offcpu_waker *w = bpf_map_lookup_elem(&offcpu_wakers, &tid);
		if (w) {
			key->wgen = w->gen;
			key->wkstack = w->kstack;
			key->wustack = w->ustack;
			key->wufix = w->ufix;
			key->wtgid = w->tgid;
			key->wflags = w->flags | OFFCPU_HAS_WAKER;
			__builtin_memcpy(key->wcomm, w->comm, sizeof(key->wcomm));
			bpf_map_delete_elem(&offcpu_wakers, &tid);
		}
	}
	if (delta < min_block_ns) {
		stat_add(STAT_SHORT_BLOCKS, 1);
		return;
	}
	if (delta > max_block_ns) {
		stat_add(STAT_LONG_BLOCKS, 1);
		return;
	}

	struct offcpu_val *v = bpf_map_lookup_elem(&offcpu_counts, key);
	if (!v) {
		struct offcpu_val zv = {};
		long err = bpf_map_update_elem(&offcpu_counts, key, &zv, BPF_NOEXIST);
		if (err && err != -EEXIST) {
			stat_add(LOSS_COUNTS_MAP_FULL, 1);
			return;
		}
		v = bpf_map_lookup_elem(&offcpu_counts, key);
		if (!v)
			return;
	}
	__sync_fetch_and_add(&v->ns, delta);
	__sync_fetch_and_add(&v->count, 1);
	stat_add(STAT_SAMPLES, 1);
}

static __always_inline int on_switch(void *ctx, bool btf, bool preempt, struct task_struct *prev,
				     struct task_struct *next)
{
	switch_out(ctx, btf, preempt, prev);
	switch_in(btf, next);
	return 0;
}

/* In the waker's context: remember its stacks for the wakee, if the wakee is being timed. */
static __always_inline int on_wakeup(void *ctx, bool btf, struct task_struct *p)
{
	__u32 tid = TASK_READ(btf, p, pid);
	__u32 one = 1;

	if (!bpf_map_lookup_elem(&offcpu_start, &tid))
		return 0;
	struct offcpu_scratch *sc = bpf_map_lookup_elem(&offcpu_scratch, &one);
	if (!sc)
		return 0;
	__u64 id = bpf_get_current_pid_tgid();
	struct task_struct *cur = bpf_get_current_task_btf();
	struct offcpu_waker w = { .tgid = id >> 32 };
	w.flags = collect_current(ctx, true, sc, cur, id >> 32, (__u32)id, &w.kstack, &w.ustack, &w.gen, &w.ufix);
	bpf_get_current_comm(w.comm, sizeof(w.comm));
	if (bpf_map_update_elem(&offcpu_wakers, &tid, &w, BPF_ANY))
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
