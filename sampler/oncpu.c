// SPDX-License-Identifier: Apache-2.0
/* Loader of the on-CPU sampler: one cpu-clock perf event per CPU running oncpu.bpf.c, and the readout of its counts. */
#include "sampler/oncpu.h"

#include <errno.h>
#include <stddef.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/err.h"
#include "sampler/internal.h"

#include "oncpu.skel.h"

_Static_assert(sizeof(struct oncpu_key) == 64, "oncpu_key layout is shared with BPF");
_Static_assert(sizeof(struct oncpu_count) == 80, "oncpu_count layout is shared with BPF");
_Static_assert(sizeof(struct sampler_stack) == 1024, "sampler_stack layout is shared with BPF");

struct oncpu {
	struct oncpu_bpf *skel;
	struct bpf_link **links;
	size_t nlinks;
	int *pfds;
	size_t npfds;
};

int oncpu_load(struct oncpu **out, const struct sampler_opts *o, struct shared_maps *sm,
	       const struct sampler_sizes *sz, struct errbuf *err)
{
	int e;
	struct oncpu *on = calloc(1, sizeof(*on));
	if (!on)
		return errbuf_set(err, -ENOMEM, "out of memory");
	on->skel = oncpu_bpf__open();
	if (!on->skel) {
		e = errbuf_set(err, -errno, "cannot open the on-CPU BPF object: %s", strerror(errno));
		goto out;
	}
	on->skel->rodata->filter = sampler_filter_flags(o);
	on->skel->rodata->per_thread = o->per_thread;
	on->skel->rodata->per_cpu = o->per_cpu;
	on->skel->rodata->include_idle = o->idle;
	on->skel->rodata->user_stacks = !o->kernel_stacks_only;
	on->skel->rodata->kernel_stacks = !o->user_stacks_only;
	on->skel->rodata->fix_library_callers = !getenv("SCORCH_NO_CALLER_FIX");
	on->skel->rodata->bench_floor = sampler_bench_floor();
	on->skel->rodata->dwarf_stack = o->dwarf_stack_size;
	on->skel->rodata->dwarf_wakeup_bytes = sz->samples_wakeup;
	e = shared_maps_prepare(on->skel->obj, sm, sz, err);
	if (e)
		goto out;
	e = bpfobj_load(on->skel->obj, "on-CPU sampler", err);
	if (e)
		goto out;
	e = shared_maps_collect(on->skel->obj, sm, err);
out:
	if (e) {
		oncpu_free(on);
		return e;
	}
	*out = on;
	return 0;
}

static int perf_event_open_cpu(struct perf_event_attr *attr, int cpu)
{
	return (int)syscall(__NR_perf_event_open, attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

int oncpu_attach(struct oncpu *on, unsigned freq, const int *cpus, size_t ncpus, struct errbuf *err)
{
	struct perf_event_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_SOFTWARE;
	attr.config = PERF_COUNT_SW_CPU_CLOCK;
	attr.freq = 1;
	attr.sample_freq = freq;

	on->pfds = calloc(ncpus, sizeof(*on->pfds));
	on->links = calloc(ncpus, sizeof(*on->links));
	if (!on->pfds || !on->links)
		return errbuf_set(err, -ENOMEM, "out of memory");
	for (size_t i = 0; i < ncpus; i++) {
		int fd = perf_event_open_cpu(&attr, cpus[i]);
		if (fd < 0) {
			int e = -errno;
			if (e == -ENODEV)
				continue; /* went offline since we listed it */
			if (e == -EINVAL) {
				errbuf_set(err, e, "cannot sample at %u Hz: the kernel refused the cpu-clock event", freq);
				errbuf_hint(err, "the limit is sysctl kernel.perf_event_max_sample_rate; try a lower -F");
			} else if (e == -EACCES || e == -EPERM) {
				errbuf_set(err, e, "cannot open a cpu-clock event on CPU %d: %s", cpus[i], strerror(-e));
				errbuf_hint(err, "run as root, or give scorch CAP_PERFMON "
						 "(and check sysctl kernel.perf_event_paranoid)");
			} else {
				errbuf_set(err, e, "cannot open a cpu-clock event on CPU %d: %s", cpus[i], strerror(-e));
			}
			return e;
		}
		on->pfds[on->npfds++] = fd;
		struct bpf_link *link = bpf_program__attach_perf_event(on->skel->progs.oncpu_sample, fd);
		if (!link) {
			int e = -errno;
			return errbuf_set(err, e, "cannot attach the on-CPU sampler to CPU %d: %s", cpus[i],
					  strerror(-e));
		}
		on->links[on->nlinks++] = link;
	}
	if (!on->nlinks)
		return errbuf_set(err, -ENODEV, "no online CPU to sample");
	return 0;
}

void oncpu_detach(struct oncpu *on)
{
	if (!on)
		return;
	bpfobj_destroy_links(on->links, on->nlinks);
	on->nlinks = 0;
	for (size_t i = 0; i < on->npfds; i++)
		close(on->pfds[i]);
	on->npfds = 0;
}

/*
 * Every CPU's scratch head (the loader's view of the per-CPU scratch), in a
 * buffer of *ncpus strided copies to free(). NULL on failure.
 */
static unsigned char *read_heads(const struct oncpu *on, int *ncpus, size_t *stride)
{
	const struct bpf_map *map = on->skel->maps.oncpu_scratch;
	uint32_t zero = 0;
	*ncpus = libbpf_num_possible_cpus();
	*stride = (bpf_map__value_size(map) + 7) & ~(size_t)7; /* per-CPU values are 8-byte aligned */
	if (*ncpus <= 0 || *stride < sizeof(struct oncpu_scratch_head))
		return NULL;
	unsigned char *v = calloc((size_t)*ncpus, *stride);
	if (v && bpf_map_lookup_elem(bpf_map__fd(map), &zero, v)) {
		free(v);
		v = NULL;
	}
	return v;
}

int oncpu_flush(struct oncpu *on, struct errbuf *err)
{
	int e = count_caches_flush(on->skel->maps.oncpu_counts, on->skel->maps.oncpu_scratch,
				   offsetof(struct oncpu_scratch_head, cache));
	if (e)
		return errbuf_set(err, e, "cannot read the on-CPU samples: per-CPU counts: %s", strerror(-e));
	return 0;
}

int oncpu_read(struct oncpu *on, struct readout *r, size_t value_index, int64_t value_scale, struct errbuf *err)
{
	int counts_fd = bpf_map__fd(on->skel->maps.oncpu_counts);
	struct stack_cache cache;
	uint64_t hash, next;
	int e = 0;

	stack_cache_init(&cache, on->skel->obj);
	void *prev = NULL;
	while (bpf_map_get_next_key(counts_fd, prev, &next) == 0) {
		hash = next;
		prev = &hash;
		struct oncpu_count val;
		if (bpf_map_lookup_elem(counts_fd, &hash, &val))
			continue; /* deleted meanwhile: cannot happen once detached */
		const struct oncpu_key key = val.key;
		uint64_t count = val.c.count;
		struct raw_sample rs;
		memset(&rs, 0, sizeof(rs));
		rs.task.tgid = key.tgid;
		rs.task.tid = key.tid;
		rs.task.gen = key.gen;
		rs.task.comm = key.comm;
		rs.task.flags = key.flags;
		rs.task.ufix = key.ufix;
		e = stack_cache_get(&cache, key.kstack, &rs.task.kstack);
		if (e == -ENOENT)
			rs.task.flags |= SAMPLE_KSTACK_LOST;
		else if (e)
			break;
		e = stack_cache_get(&cache, key.ustack, &rs.task.ustack);
		if (e == -ENOENT)
			rs.task.flags |= SAMPLE_USTACK_LOST;
		else if (e)
			break;
		rs.cpu = key.cpu;
		rs.has_cpu = on->skel->rodata->per_cpu;
		rs.value_index = value_index;
		rs.value = (int64_t)count * value_scale;
		rs.count = count;
		rs.value_ns = value_scale > 1;
		e = readout_add(r, &rs);
		if (e)
			break;
	}
	stack_cache_release(&cache);
	if (e > 0)
		return e; /* a raw readout's callback stopped it */
	if (e && e != -ENOENT)
		return errbuf_set(err, e, "cannot read the on-CPU samples: %s", strerror(-e));
	return 0;
}

uint64_t oncpu_first_sample_ns(const struct oncpu *on)
{
	/*
	 * Each CPU keeps its first sample's time in its scratch (a global
	 * variable would cost every sample a cache line of its own). Read through
	 * the map: the skeleton's view is not mapped when loaded without it.
	 */
	int ncpus;
	size_t stride;
	unsigned char *v = on ? read_heads(on, &ncpus, &stride) : NULL;
	uint64_t first = 0;
	for (int i = 0; v && i < ncpus; i++) {
		uint64_t t;
		memcpy(&t, v + (size_t)i * stride + offsetof(struct oncpu_scratch_head, first_ns), sizeof(t));
		if (t && (!first || t < first))
			first = t;
	}
	free(v);
	return first;
}

struct bpf_object *oncpu_object(const struct oncpu *on)
{
	return on ? on->skel->obj : NULL;
}

void oncpu_free(struct oncpu *on)
{
	if (!on)
		return;
	oncpu_detach(on);
	free(on->links);
	free(on->pfds);
	oncpu_bpf__destroy(on->skel);
	free(on);
}
