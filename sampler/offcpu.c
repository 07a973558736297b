// SPDX-License-Identifier: Apache-2.0
/* Loader of the off-CPU tracer: sched_switch (tp_btf, else raw_tp) and sched_wakeup programs, and the readout of their counts. */
#include "sampler/offcpu.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/err.h"
#include "sampler/internal.h"

#include "offcpu.skel.h"

_Static_assert(sizeof(struct offcpu_key) == 120, "offcpu_key layout is shared with BPF");
_Static_assert(sizeof(struct offcpu_start) == 80, "offcpu_start layout is shared with BPF");
_Static_assert(sizeof(struct offcpu_count) == 136, "offcpu_count layout is shared with BPF");

struct offcpu {
	struct offcpu_bpf *skel;
	struct bpf_link **links;
	size_t nlinks;
	bool raw_tp; /* loaded the raw_tp twins: the kernel refused tp_btf */
};

static int open_and_load(struct offcpu *off, const struct sampler_opts *o, struct shared_maps *sm,
			 const struct sampler_sizes *sz, bool raw_tp, struct errbuf *err)
{
	struct offcpu_bpf *skel = offcpu_bpf__open();
	if (!skel)
		return errbuf_set(err, -errno, "cannot open the off-CPU BPF object: %s", strerror(errno));
	off->skel = skel;
	skel->rodata->filter = sampler_filter_flags(o);
	skel->rodata->per_thread = o->per_thread;
	skel->rodata->user_stacks = !o->kernel_stacks_only;
	skel->rodata->kernel_stacks = !o->user_stacks_only;
	skel->rodata->min_block_ns = o->min_block_ns ? o->min_block_ns : 1000;
	skel->rodata->max_block_ns = o->max_block_ns ? o->max_block_ns : ~0ULL;
	skel->rodata->state_mask = o->states ? o->states : SAMPLER_STATE_ALL;
	skel->rodata->wakeup = o->wakeup;

	skel->rodata->fix_library_callers = !getenv("SCORCH_NO_CALLER_FIX");
	skel->rodata->bench_floor = sampler_bench_floor();
	skel->rodata->dwarf_stack = o->dwarf_stack_size;
	skel->rodata->dwarf_wakeup_bytes = sz->samples_wakeup;

	bpf_program__set_autoload(skel->progs.offcpu_switch, !raw_tp);
	bpf_program__set_autoload(skel->progs.offcpu_switch_raw, raw_tp);
	bpf_program__set_autoload(skel->progs.offcpu_wakeup, !raw_tp && o->wakeup);
	bpf_program__set_autoload(skel->progs.offcpu_wakeup_raw, raw_tp && o->wakeup);
	/* the tp_btf programs keep a thread's state in its task storage; the raw_tp twins in hash maps */
	bpf_map__set_autocreate(skel->maps.offcpu_tasks, !raw_tp);
	int e = shared_maps_prepare(skel->obj, sm, sz, err);
	if (e)
		return e;
	if (!raw_tp)
		bpf_map__set_max_entries(skel->maps.offcpu_start, 1);
	if (!raw_tp || !o->wakeup)
		bpf_map__set_max_entries(skel->maps.offcpu_wakers, 1);
	e = bpfobj_load(skel->obj, "off-CPU tracer", err);
	if (e)
		return e;
	off->raw_tp = raw_tp;
	return shared_maps_collect(skel->obj, sm, err);
}

int offcpu_load(struct offcpu **out, const struct sampler_opts *o, struct shared_maps *sm,
		const struct sampler_sizes *sz, struct errbuf *err)
{
	struct offcpu *off = calloc(1, sizeof(*off));
	if (!off)
		return errbuf_set(err, -ENOMEM, "out of memory");
	/* SCORCH_RAW_TP=1 loads the raw_tp twins directly (kernels without tp_btf; tests) */
	bool raw_only = getenv("SCORCH_RAW_TP") != NULL;
	struct errbuf first;
	errbuf_init(&first);
	int e = open_and_load(off, o, sm, sz, raw_only, &first);
	if (e && e != -EPERM && !raw_only) {
		/* tp_btf needs the kernel to resolve the tracepoint in its BTF; raw_tp does not */
		offcpu_bpf__destroy(off->skel);
		off->skel = NULL;
		struct errbuf second;
		errbuf_init(&second);
		e = open_and_load(off, o, sm, sz, true, &second);
		if (e) /* the tp_btf failure explains more */
			errbuf_set(err, e, "%s", first.msg.data);
		errbuf_release(&second);
	} else if (e) {
		errbuf_set(err, e, "%s", first.msg.data);
		if (first.hint.len)
			errbuf_hint(err, "%s", first.hint.data);
	}
	errbuf_release(&first);
	if (e) {
		offcpu_free(off);
		return e;
	}
	*out = off;
	return 0;
}

int offcpu_attach(struct offcpu *off, struct errbuf *err)
{
	return bpfobj_attach_tracing(off->skel->obj, &off->links, &off->nlinks, err);
}

void offcpu_detach(struct offcpu *off)
{
	if (!off)
		return;
	bpfobj_destroy_links(off->links, off->nlinks);
	off->nlinks = 0;
}

static void part_from(struct raw_part *p, struct stack_cache *cache, uint32_t tgid, uint64_t gen, const char *comm,
		      uint32_t flags, uint64_t kid, uint64_t uid, uint64_t ufix, int *e)
{
	p->tgid = tgid;
	p->ufix = ufix;
	p->gen = gen;
	p->comm = comm;
	p->flags = flags;
	int r = stack_cache_get(cache, kid, &p->kstack);
	if (r == -ENOENT)
		p->flags |= SAMPLE_KSTACK_LOST;
	else if (r)
		*e = r;
	r = stack_cache_get(cache, uid, &p->ustack);
	if (r == -ENOENT)
		p->flags |= SAMPLE_USTACK_LOST;
	else if (r)
		*e = r;
}

int offcpu_flush(struct offcpu *off, struct errbuf *err)
{
	int e = count_caches_flush(off->skel->maps.offcpu_counts, off->skel->maps.offcpu_scratch,
				   offsetof(struct offcpu_scratch_head, cache));
	if (e)
		return errbuf_set(err, e, "cannot read the off-CPU stacks: per-CPU counts: %s", strerror(-e));
	return 0;
}

int offcpu_read(struct offcpu *off, struct readout *r, size_t value_index, struct errbuf *err)
{
	int counts_fd = bpf_map__fd(off->skel->maps.offcpu_counts);
	struct stack_cache cache;
	uint64_t hash, next;
	int e = 0;

	stack_cache_init(&cache, off->skel->obj);
	void *prev = NULL;
	while (!e && bpf_map_get_next_key(counts_fd, prev, &next) == 0) {
		hash = next;
		prev = &hash;
		struct offcpu_count val;
		if (bpf_map_lookup_elem(counts_fd, &hash, &val))
			continue;
		const struct offcpu_key *key = &val.key;
		struct raw_sample rs;
		memset(&rs, 0, sizeof(rs));
		part_from(&rs.task, &cache, key->tgid, key->gen, key->comm, key->flags, key->kstack, key->ustack,
			  key->ufix, &e);
		rs.task.tid = key->tid;
		if (key->wflags & OFFCPU_HAS_WAKER) {
			rs.has_waker = true;
			part_from(&rs.waker, &cache, key->wtgid, key->wgen, key->wcomm, key->wflags & ~OFFCPU_HAS_WAKER,
				  key->wkstack, key->wustack, key->wufix, &e);
		}
		rs.offcpu = true;
		rs.value_index = value_index;
		rs.value = (int64_t)val.c.ns;
		rs.count = val.c.count;
		rs.value_ns = true;
		if (!e)
			e = readout_add(r, &rs);
	}
	stack_cache_release(&cache);
	if (e > 0)
		return e; /* a raw readout's callback stopped it */
	if (e)
		return errbuf_set(err, e, "cannot read the off-CPU stacks: %s", strerror(-e));
	return 0;
}

struct bpf_object *offcpu_object(const struct offcpu *off)
{
	return off ? off->skel->obj : NULL;
}

void offcpu_free(struct offcpu *off)
{
	if (!off)
		return;
	offcpu_detach(off);
	free(off->links);
	offcpu_bpf__destroy(off->skel);
	free(off);
}
