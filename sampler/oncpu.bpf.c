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

#if defined(__TARGET_ARCH_x86)
/*
 * x86-64 struct pt_regs, which the kernel exports unchanged as the user ABI
 * (bpf_perf_event_data.regs). Declared here, without CO-RE, so this program
 * needs no relocation against the kernel's BTF: libbpf then skips parsing it,
 * which keeps the time to the first sample short.
 */
struct x86_regs {
	__u64 r15, r14, r13, r12, bp, bx, r11, r10, r9, r8, ax, cx, dx, si, di, orig_ax, ip, cs, flags, sp, ss;
};
#endif

/* bpf_ktime_get_ns() of the first sample recorded (read by the loader: the time to first sample). */
__u64 first_sample_ns = 0;

/* Scratch for one sample: two stacks and the key, too big for the BPF stack. */
struct oncpu_scratch {
	struct sampler_stack kst;
	struct sampler_stack ust;
	struct oncpu_key key;
	__u64 words[SCAN_WORDS];
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
	__type(key, struct oncpu_key);
	__type(value, __u64); /* samples */
} oncpu_counts SEC(".maps");

/*
 * The caller a frame-pointer walk skipped above a library leaf (exe_caller()),
 * from the user registers the kernel saved when the task entered it (by the
 * interrupt that took this sample, or by a syscall).
 */
static __always_inline __u64 sample_exe_caller(struct oncpu_scratch *sc, __u64 lo, __u64 hi)
{
#if defined(__TARGET_ARCH_x86)
	__u64 ip = sc->ust.ips[0]; /* the walk starts at the saved ip */
	if (ip >= lo && ip < hi)
		return 0; /* the leaf is the executable's own: its frame pointers hold */
	const struct x86_regs *r = (const struct x86_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	if (!r)
		return 0;
	return exe_caller(sc->words, &sc->ust, ip, r->sp, r->bp, lo, hi);
#else
	return 0;
#endif
}

SEC("perf_event")
int oncpu_sample(struct bpf_perf_event_data *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32, tid = (__u32)id;
	__u32 zero = 0;

	if (tid == 0 && !include_idle)
		return 0;
	if (!target_match(tgid, tid)) {
		stat_add(STAT_FILTERED, 1);
		return 0;
	}
	if (!first_sample_ns)
		first_sample_ns = bpf_ktime_get_ns();
	struct oncpu_scratch *sc = bpf_map_lookup_elem(&oncpu_scratch, &zero);
	if (!sc)
		return 0;
	struct oncpu_key *key = &sc->key;
	__builtin_memset(key, 0, sizeof(*key));
	key->tgid = tgid;
	if (per_thread)
		key->tid = tid;
	if (per_cpu)
		key->cpu = bpf_get_smp_processor_id();
	bpf_get_current_comm(key->comm, sizeof(key->comm));

	/* The kernel walks kernel frames only when interrupted in kernel mode. */
	bool user_mode = false;
	if (kernel_stacks) {
		key->kstack = stack_collect(ctx, &sc->kst, 0, LOSS_KSTACK_MAP_FULL, LOSS_KSTACK_ERROR,
					    SAMPLE_KSTACK_LOST, &key->flags);
		user_mode = sc->kst.nr == 0 && !(key->flags & SAMPLE_KSTACK_LOST);
	}
	if (user_stacks && tid != 0) {
		long n = bpf_get_stack(ctx, sc->ust.ips, sizeof(sc->ust.ips), BPF_F_USER_STACK);
		sc->ust.nr = n > 0 ? (__u32)(n / sizeof(__u64)) : 0;
		if (sc->ust.nr) {
			__u64 lo, hi;
			key->gen = image_gen(tgid, tid, &lo, &hi);
			key->ustack = stack_put(&sc->ust, LOSS_USTACK_MAP_FULL, SAMPLE_USTACK_LOST, &key->flags);
			if (fix_library_callers && lo)
				key->ufix = sample_exe_caller(sc, lo, hi);
		} else if (user_mode) {
			/* interrupted in user mode, yet no user frame: the stack is lost */
			stat_add(LOSS_NO_USTACK, 1);
			key->flags |= SAMPLE_USTACK_LOST;
		}
	}

	__u64 *cnt = bpf_map_lookup_elem(&oncpu_counts, key);
	if (cnt) {
		__sync_fetch_and_add(cnt, 1);
	} else {
		__u64 one = 1;
		long err = bpf_map_update_elem(&oncpu_counts, key, &one, BPF_NOEXIST);
		if (err == -EEXIST) {
			cnt = bpf_map_lookup_elem(&oncpu_counts, key);
			if (cnt)
				__sync_fetch_and_add(cnt, 1);
		} else if (err) {
			stat_add(LOSS_COUNTS_MAP_FULL, 1);
			return 0;
		}
	}
	stat_add(STAT_SAMPLES, 1);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
