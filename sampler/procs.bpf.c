// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Process life events: follow targets' children, start a command's recording at its exec, report exec and exit. */
#include "vmlinux.h"

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "sampler/shared.bpf.h"

const volatile bool inherit = true; /* children of target processes become targets */
const volatile __u32 nr_cpus = 1;     /* possible CPUs: slots of the per-CPU image cache */

/* Children that become targets when they exec (a command started by scorch). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);  /* tgid */
	__type(value, __u8);
} exec_targets SEC(".maps");

struct uncache_ctx {
	__u32 tgid;
};

static long uncache_cpu(__u64 cpu, void *arg)
{
	struct uncache_ctx *c = arg;
	__u32 zero = 0;
	struct image_cache *cache = bpf_map_lookup_percpu_elem(&image_cache, &zero, (__u32)cpu);
	if (!cache)
		return 1;
	struct image_slot *slot = &cache->slot[c->tgid & (IMAGE_CACHE_SLOTS - 1)];
	if (slot->tgid == c->tgid)
		slot->tgid = 0;
	return 0;
}

/*
 * Drop process `tgid`'s image: its `images` entry, then its slot in every
 * CPU's cache (in this order: a sample between the two may still see the old
 * slot, but none can cache the deleted entry again).
 */
static __always_inline void image_drop(__u32 tgid)
{
	struct uncache_ctx c = { .tgid = tgid };
	bpf_map_delete_elem(&images, &tgid);
	bpf_loop(nr_cpus, uncache_cpu, &c, 0);
}

static __always_inline int on_fork(struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = BPF_CORE_READ(parent, tgid);
	__u32 ctgid = BPF_CORE_READ(child, tgid);
	__u8 one = 1;

	if (ptgid == ctgid || !inherit || !(filter & FILTER_TGID))
		return 0; /* a new thread: its tgid is already a target or not */
	if (!bpf_map_lookup_elem(&targets_tgid, &ptgid))
		return 0;
	if (bpf_map_update_elem(&targets_tgid, &ctgid, &one, BPF_ANY))
		return 0;
	struct sampler_event ev = { .type = EVENT_FORK, .tgid = ptgid, .tid = ctgid, .child = ctgid };
	BPF_CORE_READ_STR_INTO(&ev.comm, child, comm);
	event_send(&ev);
	return 0;
}

static __always_inline int on_exec(struct task_struct *p)
{
	__u32 tgid = BPF_CORE_READ(p, tgid);
	__u8 one = 1;

	if (bpf_map_lookup_elem(&exec_targets, &tgid)) {
		bpf_map_update_elem(&targets_tgid, &tgid, &one, BPF_ANY);
		bpf_map_delete_elem(&exec_targets, &tgid);
	}
	if (bpf_map_lookup_elem(&images, &tgid)) {
		/* the next sample makes a new generation, snapshotted afresh */
		image_drop(tgid);
		struct sampler_event ev = { .type = EVENT_EXEC, .tgid = tgid, .tid = BPF_CORE_READ(p, pid) };
		BPF_CORE_READ_STR_INTO(&ev.comm, p, comm);
		event_send(&ev);
	}
	return 0;
}

static __always_inline int on_exit(struct task_struct *p)
{
	__u32 tgid = BPF_CORE_READ(p, tgid);
	__u32 tid = BPF_CORE_READ(p, pid);
	/* signal->live is decremented before this tracepoint in do_exit(): 0 means the last thread */
	bool group_dead = BPF_CORE_READ(p, signal, live.counter) == 0;
	bool tid_target = (filter & FILTER_TID) && bpf_map_lookup_elem(&targets_tid, &tid);
	bool known = tid_target || bpf_map_lookup_elem(&images, &tgid) ||
		     ((filter & FILTER_TGID) && bpf_map_lookup_elem(&targets_tgid, &tgid));

	if (!known || (!group_dead && !tid_target))
		return 0;
	if (tid_target)
		bpf_map_delete_elem(&targets_tid, &tid);
	if (group_dead) {
		/* a pid reused by another process must not inherit either entry */
		image_drop(tgid);
		if (filter & FILTER_TGID)
			bpf_map_delete_elem(&targets_tgid, &tgid);
	}
	struct sampler_event ev = {
		.type = EVENT_EXIT,
		.tgid = tgid,
		.tid = tid,
		.flags = group_dead ? EVENT_GROUP_DEAD : 0,
	};
	BPF_CORE_READ_STR_INTO(&ev.comm, p, comm);
	event_send(&ev);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(procs_fork, struct task_struct *parent, struct task_struct *child)
{
	return on_fork(parent, child);
}

SEC("raw_tp/sched_process_fork")
int BPF_PROG(procs_fork_raw, struct task_struct *parent, struct task_struct *child)
{
	return on_fork(parent, child);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(procs_exec, struct task_struct *p)
{
	return on_exec(p);
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(procs_exec_raw, struct task_struct *p)
{
	return on_exec(p);
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(procs_exit, struct task_struct *p)
{
	return on_exit(p);
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(procs_exit_raw, struct task_struct *p)
{
	return on_exit(p);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
