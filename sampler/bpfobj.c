// SPDX-License-Identifier: Apache-2.0
/* Plumbing common to the sampler's BPF objects: shared maps, map sizes, loading with clear errors, statistics. */
#include "sampler/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/err.h"
#include "lib/hash.h"

static const char *const shared_names[SHARED_MAP_COUNT] = {
	[SHARED_TARGETS_TGID] = "targets_tgid",
	[SHARED_TARGETS_TID] = "targets_tid",
	[SHARED_CGROUP] = "cgroup_filter",
	[SHARED_CPUS] = "cpu_filter",
	[SHARED_IMAGES] = "images",
	[SHARED_IMAGE_CACHE] = "image_cache",
	[SHARED_EVENTS] = "events",
	[SHARED_SAMPLES] = "samples",
};

uint64_t sampler_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint32_t sampler_bench_floor(void)
{
	const char *v = getenv("SCORCH_BENCH_FLOOR");
	if (!v)
		return 0;
	return strcmp(v, "walks") == 0 ? 1 : strcmp(v, "empty") == 0 ? 2 : strcmp(v, "kwalk") == 0 ? 3
	       : strcmp(v, "uwalk") == 0 ? 4 : 0;
}

void shared_maps_init(struct shared_maps *sm)
{
	for (int i = 0; i < SHARED_MAP_COUNT; i++)
		sm->fd[i] = -1;
}

void shared_maps_release(struct shared_maps *sm)
{
	for (int i = 0; i < SHARED_MAP_COUNT; i++) {
		if (sm->fd[i] >= 0)
			close(sm->fd[i]);
		sm->fd[i] = -1;
	}
}

static uint32_t size_of(const struct sampler_sizes *sz, const char *name)
{
	static const struct {
		const char *name;
		size_t off;
	} table[] = {
		{ "targets_tgid", offsetof(struct sampler_sizes, targets_tgid) },
		{ "targets_tid", offsetof(struct sampler_sizes, targets_tid) },
		{ "cpu_filter", offsetof(struct sampler_sizes, cpus) },
		{ "images", offsetof(struct sampler_sizes, images) },
		{ "stacks", offsetof(struct sampler_sizes, stacks) },
		{ "stacks_big", offsetof(struct sampler_sizes, stacks_big) },
		{ "oncpu_counts", offsetof(struct sampler_sizes, counts) },
		{ "offcpu_counts", offsetof(struct sampler_sizes, counts) },
		{ "offcpu_start", offsetof(struct sampler_sizes, offcpu_start) },
		{ "offcpu_wakers", offsetof(struct sampler_sizes, wakers) },
		{ "samples", offsetof(struct sampler_sizes, samples_ring) },
	};
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strcmp(table[i].name, name) == 0)
			return *(const uint32_t *)((const char *)sz + table[i].off);
	return 0;
}

int shared_maps_prepare(struct bpf_object *obj, struct shared_maps *sm, const struct sampler_sizes *sz,
			struct errbuf *err)
{
	struct bpf_map *map;
	bpf_object__for_each_map(map, obj) {
		const char *name = bpf_map__name(map);
		int shared = -1;
		for (int i = 0; i < SHARED_MAP_COUNT; i++)
			if (strcmp(name, shared_names[i]) == 0)
				shared = i;
		if (shared >= 0 && sm->fd[shared] >= 0) {
			int e = bpf_map__reuse_fd(map, sm->fd[shared]);
			if (e)
				return errbuf_set(err, e, "cannot share BPF map '%s': %s", name, strerror(-e));
			continue;
		}
		uint32_t n = size_of(sz, name);
		if (n) {
			int e = bpf_map__set_max_entries(map, n);
			if (e)
				return errbuf_set(err, e, "cannot size BPF map '%s': %s", name, strerror(-e));
		}
	}
	return 0;
}

int shared_maps_collect(struct bpf_object *obj, struct shared_maps *sm, struct errbuf *err)
{
	for (int i = 0; i < SHARED_MAP_COUNT; i++) {
		if (sm->fd[i] >= 0)
			continue;
		struct bpf_map *map = bpf_object__find_map_by_name(obj, shared_names[i]);
		if (!map)
			continue;
		int fd = fcntl(bpf_map__fd(map), F_DUPFD_CLOEXEC, 0);
		if (fd < 0)
			return errbuf_set(err, -errno, "cannot keep BPF map '%s': %s", shared_names[i], strerror(errno));
		sm->fd[i] = fd;
	}
	return 0;
}

int bpfobj_load(struct bpf_object *obj, const char *what, struct errbuf *err)
{
	int e = bpf_object__load(obj);
	if (!e)
		return 0;
	if (e == -EPERM || e == -EACCES) {
		errbuf_set(err, e, "cannot load the %s: %s", what, strerror(-e));
		errbuf_hint(err, "run as root, or give scorch CAP_BPF and CAP_PERFMON "
				 "(setcap cap_bpf,cap_perfmon+ep scorch); -vv shows the verifier's log");
		return e;
	}
	errbuf_set(err, e, "cannot load the %s: %s", what, strerror(-e));
	errbuf_hint(err, "run 'scorch -vv record ...' to see libbpf's and the verifier's log");
	return e;
}

int bpfobj_attach_tracing(struct bpf_object *obj, struct bpf_link ***links, size_t *nlinks, struct errbuf *err)
{
	struct bpf_program *prog;
	bpf_object__for_each_program(prog, obj) {
		if (!bpf_program__autoload(prog) || bpf_program__type(prog) == BPF_PROG_TYPE_PERF_EVENT)
			continue;
		struct bpf_link **grown = realloc(*links, (*nlinks + 1) * sizeof(**links));
		if (!grown)
			return errbuf_set(err, -ENOMEM, "out of memory");
		*links = grown;
		struct bpf_link *link = bpf_program__attach(prog);
		if (!link) {
			int e = -errno;
			return errbuf_set(err, e, "cannot attach BPF program '%s' (%s): %s", bpf_program__name(prog),
					  bpf_program__section_name(prog), strerror(-e));
		}
		(*links)[(*nlinks)++] = link;
	}
	return 0;
}

void bpfobj_destroy_links(struct bpf_link **links, size_t n)
{
	for (size_t i = 0; i < n; i++)
		bpf_link__destroy(links[i]);
}

void bpfobj_add_stats(struct bpf_object *obj, uint64_t *out)
{
	struct bpf_map *map = bpf_object__find_map_by_name(obj, "stats");
	int ncpu = libbpf_num_possible_cpus();
	if (!map || ncpu <= 0)
		return;
	uint64_t *vals = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals)
		return;
	for (uint32_t i = 0; i < STAT_COUNT; i++) {
		if (bpf_map_lookup_elem(bpf_map__fd(map), &i, vals))
			continue;
		for (int c = 0; c < ncpu; c++)
			out[i] += vals[c];
	}
	free(vals);
}

void bpfobj_add_run_stats(struct bpf_object *obj, uint64_t *run_ns, uint64_t *run_cnt)
{
	struct bpf_program *prog;
	bpf_object__for_each_program(prog, obj) {
		int fd = bpf_program__fd(prog);
		if (fd < 0)
			continue;
		struct bpf_prog_info info;
		uint32_t len = sizeof(info);
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(fd, &info, &len))
			continue;
		*run_ns += info.run_time_ns;
		*run_cnt += info.run_cnt;
	}
}

int bpf_time_enable(void)
{
	int fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	return fd >= 0 ? fd : (errno ? -errno : -EPERM);
}

bool bpf_time_enabled_by_sysctl(void)
{
	char c = 0;
	int fd = open("/proc/sys/kernel/bpf_stats_enabled", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, &c, 1);
	close(fd);
	return n == 1 && c == '1';
}

int count_caches_flush(const struct bpf_map *counts, const struct bpf_map *scratch, size_t offset)
{
	int ncpus = libbpf_num_possible_cpus();
	size_t stride = (bpf_map__value_size(scratch) + 7) & ~(size_t)7; /* per-CPU values are 8-byte aligned */
	size_t vsize = bpf_map__value_size(counts);
	if (ncpus <= 0 || offset + SAMPLER_COUNT_SLOTS * sizeof(struct sampler_count_slot) > stride ||
	    vsize < sizeof(struct sampler_count))
		return -EINVAL;
	unsigned char *v = calloc((size_t)ncpus, stride);
	unsigned char *val = malloc(vsize);
	int e = v && val ? 0 : -ENOMEM;
	for (uint32_t k = 0; !e && k < bpf_map__max_entries(scratch); k++) {
		if (bpf_map_lookup_elem(bpf_map__fd(scratch), &k, v)) {
			e = -errno;
			break;
		}
		for (int cpu = 0; !e && cpu < ncpus; cpu++) {
			for (size_t i = 0; i < SAMPLER_COUNT_SLOTS; i++) {
				struct sampler_count_slot slot;
				struct sampler_count c;
				memcpy(&slot, v + (size_t)cpu * stride + offset + i * sizeof(slot), sizeof(slot));
				if (!slot.hash || !slot.count)
					continue;
				/* a slot only ever holds keys in the map, which are never deleted */
				if (bpf_map_lookup_elem(bpf_map__fd(counts), &slot.hash, val)) {
					e = -ENOENT;
					break;
				}
				memcpy(&c, val, sizeof(c));
				c.count += slot.count;
				c.ns += slot.ns;
				memcpy(val, &c, sizeof(c));
				if (bpf_map_update_elem(bpf_map__fd(counts), &slot.hash, val, BPF_EXIST)) {
					e = -errno;
					break;
				}
			}
		}
	}
	free(val);
	free(v);
	return e;
}

int stack_map_read(int fd, int fd_big, uint64_t id, struct sampler_stack *st)
{
	/* a small map's value is a prefix of struct sampler_stack */
	if (bpf_map_lookup_elem(id & SAMPLER_STACK_BIG ? fd_big : fd, &id, st))
		return -ENOENT;
	if (st->nr > SAMPLER_MAX_DEPTH)
		st->nr = SAMPLER_MAX_DEPTH;
	return 0;
}

void stack_cache_init(struct stack_cache *c, struct bpf_object *obj)
{
	memset(c, 0, sizeof(*c));
	htab_init(&c->index);
	c->fd = obj ? bpf_map__fd(bpf_object__find_map_by_name(obj, "stacks")) : -1;
	c->fd_big = obj ? bpf_map__fd(bpf_object__find_map_by_name(obj, "stacks_big")) : -1;
}

void stack_cache_release(struct stack_cache *c)
{
	for (size_t i = 0; i < c->count; i++)
		free(c->stacks[i]);
	free(c->stacks);
	free(c->ids);
	htab_release(&c->index);
	memset(c, 0, sizeof(*c));
}

static bool stack_id_eq(uint32_t id, const void *key, void *arg)
{
	const struct stack_cache *c = arg;
	return c->ids[id] == *(const uint64_t *)key;
}

int stack_cache_get(struct stack_cache *c, uint64_t id, const struct sampler_stack **out)
{
	*out = NULL;
	if (!id)
		return 0;
	uint64_t h = hash_u64(id);
	uint32_t i = htab_find(&c->index, h, stack_id_eq, &id, c);
	if (i == HTAB_NONE) {
		if (c->count == c->cap) {
			size_t ncap = c->cap ? c->cap * 2 : 256;
			uint64_t *ids = realloc(c->ids, ncap * sizeof(*ids));
			if (!ids)
				return -ENOMEM;
			c->ids = ids;
			struct sampler_stack **stacks = realloc(c->stacks, ncap * sizeof(*stacks));
			if (!stacks)
				return -ENOMEM;
			c->stacks = stacks;
			c->cap = ncap;
		}
		struct sampler_stack *st = malloc(sizeof(*st));
		if (!st)
			return -ENOMEM;
		if (stack_map_read(c->fd, c->fd_big, id, st)) {
			free(st);
			st = NULL;
		}
		if (htab_insert(&c->index, h, (uint32_t)c->count)) {
			free(st);
			return -ENOMEM;
		}
		i = (uint32_t)c->count++;
		c->ids[i] = id;
		c->stacks[i] = st;
	}
	*out = c->stacks[i];
	return *out ? 0 : -ENOENT;
}
