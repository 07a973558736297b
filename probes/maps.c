// SPDX-License-Identifier: Apache-2.0
/* BPF maps of a program: creation with libbpf's low-level API, readout into the output model, clear and zero. */
#include "probes/maps.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "lib/err.h"
#include "probes/check.h"
#include "probes/decode.h"
#include "probes/ir.h"

#define EVENTS_BYTES (4u << 20)

static uint32_t map_key_size(const struct map_info *m)
{
	return m->nkeys ? round8(type_mem_size(&m->key)) : 8;
}

/* Fill in the sizes and types the checker left open. */
static void plan(struct checker *c)
{
	uint32_t scratch = 8, ninsts = c->ninsts ? c->ninsts : 1;
	for (uint32_t i = 0; i < c->ninsts; i++)
		if (c->insts[i]->scratch_size > scratch)
			scratch = c->insts[i]->scratch_size;
	c->bmaps[BMAP_SCRATCH].value_size = round8(scratch);
	c->bmaps[BMAP_SCRATCH].max_entries = ninsts;
	c->bmaps[BMAP_EVENTS].max_entries = EVENTS_BYTES;
	for (uint32_t i = 0; i < c->nmaps; i++) {
		struct map_info *m = c->maps[i];
		struct bmap *b = &c->bmaps[m->bmap];
		b->key_size = map_key_size(m);
		b->value_size = round8(type_mem_size(&m->value));
		b->type = type_is_agg(&m->value) ? BPF_MAP_TYPE_PERCPU_HASH : BPF_MAP_TYPE_HASH;
		b->max_entries = c->map_max_entries;
		/* allocate entries on first use: creating a big preallocated map costs milliseconds */
		b->flags = BPF_F_NO_PREALLOC;
		if (m->nkeys == 0 && m->value.kind == TY_COUNT) {
			/* bpftrace: a scalar count() is a per-CPU array, so it prints 0 when never hit */
			b->type = BPF_MAP_TYPE_PERCPU_ARRAY;
			b->key_size = 4;
			b->max_entries = 1;
			b->flags = 0;
		}
	}
}

void maps_plan(struct checker *c)
{
	plan(c);
}

int maps_create(struct checker *c, struct errbuf *err)
{
	plan(c);
	for (uint32_t i = 0; i < c->nbmaps; i++) {
		struct bmap *b = &c->bmaps[i];
		if (b->fd >= 0)
			continue;
		LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = b->flags);
		char name[BPF_OBJ_NAME_LEN] = { 0 };
		/* kernel map names allow [A-Za-z0-9_.] */
		size_t k = 0;
		for (const char *s = b->name; *s && k < sizeof(name) - 1; s++)
			if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_')
				name[k++] = *s;
		uint32_t key = b->type == BPF_MAP_TYPE_RINGBUF ? 0 : b->key_size;
		uint32_t value = b->type == BPF_MAP_TYPE_RINGBUF ? 0 : b->value_size;
		int fd = bpf_map_create(b->type, name, key, value, b->max_entries, &opts);
		if (fd < 0) {
			int e = errno;
			errbuf_set(err, -e, "cannot create BPF map '%s': %s", b->name, strerror(e));
			if (e == EPERM)
				errbuf_hint(err, "need root or CAP_BPF+CAP_PERFMON");
			return -e;
		}
		b->fd = fd;
	}
	return 0;
}

void maps_close(struct checker *c)
{
	for (uint32_t i = 0; i < c->nbmaps; i++) {
		if (c->bmaps[i].fd >= 0)
			close(c->bmaps[i].fd);
		c->bmaps[i].fd = -1;
	}
}

/* All keys of map fd (key_size each) into a malloc()ed array. */
static int all_keys(int fd, uint32_t key_size, uint8_t **out, size_t *n)
{
	size_t cap = 64, cnt = 0;
	uint8_t *keys = malloc(cap * key_size);
	if (!keys)
		return -ENOMEM;
	const void *prev = NULL;
	while (bpf_map_get_next_key(fd, prev, keys + cnt * key_size) == 0) {
		prev = keys + cnt * key_size;
		cnt++;
		if (cnt == cap) {
			uint8_t *nk = realloc(keys, cap * 2 * key_size);
			if (!nk) {
				free(keys);
				return -ENOMEM;
			}
			keys = nk;
			cap *= 2;
			prev = keys + (cnt - 1) * key_size;
		}
		if (cnt > (1u << 24))
			break;
	}
	*out = keys;
	*n = cnt;
	return 0;
}

static enum output_agg agg_of(const struct type *t)
{
	switch (t->kind) {
	case TY_COUNT: return OUTPUT_AGG_COUNT;
	case TY_SUM: return OUTPUT_AGG_SUM;
	case TY_MIN: return OUTPUT_AGG_MIN;
	case TY_MAX: return OUTPUT_AGG_MAX;
	case TY_AVG: return OUTPUT_AGG_AVG;
	case TY_STATS: return OUTPUT_AGG_STATS;
	case TY_HIST: return OUTPUT_AGG_HIST;
	case TY_LHIST: return OUTPUT_AGG_LHIST;
	default: return OUTPUT_AGG_NONE;
	}
}

/* Merge the per-CPU slots of one aggregation value into `e`. */
static int merge_agg(struct decoder *d, const struct type *t, const uint8_t *v, uint32_t stride, int ncpus,
		     struct output_entry *e)
{
	int64_t a, b;
	switch (t->kind) {
	case TY_COUNT:
	case TY_SUM: {
		uint64_t sum = 0;
		for (int c = 0; c < ncpus; c++) {
			memcpy(&a, v + (size_t)c * stride, 8);
			sum += (uint64_t)a;
		}
		e->value.kind = OUTPUT_INT;
		e->value.i = (int64_t)sum;
		e->value.bytes = 8;
		e->value.is_signed = t->kind == TY_SUM && t->is_signed;
		return 0;
	}
	case TY_MIN: {
		/* bpftrace's min_value(): the largest stored 0xffffffff - x (signed, from 0), inverted back */
		int64_t best = 0;
		for (int c = 0; c < ncpus; c++) {
			memcpy(&a, v + (size_t)c * stride, 8);
			if (a > best)
				best = a;
		}
		e->value.kind = OUTPUT_INT;
		e->value.i = best == 0 ? 0 : (int64_t)0xffffffffLL - best;
		e->value.bytes = 8;
		e->value.is_signed = true;
		return 0;
	}
	case TY_MAX: {
		uint64_t best = 0;
		for (int c = 0; c < ncpus; c++) {
			uint64_t x;
			memcpy(&x, v + (size_t)c * stride, 8);
			if (x > best)
				best = x;
		}
		e->value.kind = OUTPUT_INT;
		e->value.i = (int64_t)best;
		e->value.bytes = 8;
		e->value.is_signed = false;
		return 0;
	}
	case TY_AVG:
	case TY_STATS: {
		int64_t count = 0, total = 0;
		for (int c = 0; c < ncpus; c++) {
			memcpy(&a, v + (size_t)c * stride, 8);
			memcpy(&b, v + (size_t)c * stride + 8, 8);
			count += a;
			total += b;
		}
		e->stats.count = count;
		e->stats.total = total;
		return 0;
	}
	case TY_HIST:
	case TY_LHIST: {
		size_t nb = type_mem_size(t) / 8;
		uint64_t *buckets = arena_alloc(&d->arena, nb * 8);
		if (!buckets)
			return -ENOMEM;
		memset(buckets, 0, nb * 8);
		for (int c = 0; c < ncpus; c++)
			for (size_t i = 0; i < nb; i++) {
				uint64_t x;
				memcpy(&x, v + (size_t)c * stride + i * 8, 8);
				buckets[i] += x;
			}
		e->hist.buckets = buckets;
		e->hist.nbuckets = nb;
		return 0;
	}
	default:
		return -EINVAL;
	}
}

static int decode_key(struct decoder *d, const struct map_info *m, const uint8_t *k, struct output_entry *e)
{
	if (m->nkeys == 0) {
		e->key = NULL;
		return 0;
	}
	struct output_value *kv = arena_alloc(&d->arena, m->nkeys * sizeof(*kv));
	if (!kv)
		return -ENOMEM;
	if (m->nkeys == 1) {
		int r = decode_value(d, &m->key, k, true, &kv[0]);
		if (r)
			return r;
	} else {
		for (uint32_t i = 0; i < m->nkeys; i++) {
			int r = decode_value(d, &m->key.elems[i], k + m->key.offs[i], true, &kv[i]);
			if (r)
				return r;
		}
	}
	e->key = kv;
	return 0;
}

int map_read(struct checker *c, struct map_info *m, struct decoder *d, struct output_map *om, struct errbuf *err)
{
	const struct bmap *b = &c->bmaps[m->bmap];
	bool percpu = b->type == BPF_MAP_TYPE_PERCPU_HASH || b->type == BPF_MAP_TYPE_PERCPU_ARRAY;
	uint32_t stride = round8(b->value_size);
	int ncpus = percpu ? d->ncpus : 1;
	uint8_t *keys = NULL;
	size_t n = 0;
	memset(om, 0, sizeof(*om));
	om->name = m->name;
	om->nkeys = m->nkeys;
	om->agg = agg_of(&m->value);
	if (m->value.kind == TY_LHIST) {
		om->lhist_min = m->value.lmin;
		om->lhist_max = m->value.lmax;
		om->lhist_step = m->value.lstep;
	}
	int r = all_keys(b->fd, b->key_size, &keys, &n);
	if (r)
		return errbuf_set(err, r, "out of memory reading map '%s'", m->name);
	/* keys and values live in the decoder's arena: decoded strings point into them */
	uint8_t *kcopy = arena_alloc(&d->arena, n * b->key_size + 1);
	uint8_t *vals = arena_alloc(&d->arena, n * (size_t)stride * ncpus + 1);
	struct output_entry *entries = arena_alloc(&d->arena, (n ? n : 1) * sizeof(*entries));
	if (!kcopy || !vals || !entries) {
		free(keys);
		return errbuf_set(err, -ENOMEM, "out of memory reading map '%s'", m->name);
	}
	memcpy(kcopy, keys, n * b->key_size);
	free(keys);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t *key = kcopy + i * b->key_size, *val = vals + i * (size_t)stride * ncpus;
		if (bpf_map_lookup_elem(b->fd, key, val) != 0)
			continue; /* deleted meanwhile */
		struct output_entry *e = &entries[k];
		memset(e, 0, sizeof(*e));
		if ((r = decode_key(d, m, key, e)))
			return errbuf_set(err, r, "out of memory decoding map '%s'", m->name);
		if (om->agg != OUTPUT_AGG_NONE)
			r = merge_agg(d, &m->value, val, stride, ncpus, e);
		else
			r = decode_value(d, &m->value, val, false, &e->value);
		if (r)
			return errbuf_set(err, r, "cannot decode map '%s'", m->name);
		k++;
	}
	om->entries = entries;
	om->nentries = k;
	return 0;
}

int map_clear(struct checker *c, struct map_info *m, int ncpus)
{
	const struct bmap *b = &c->bmaps[m->bmap];
	if (b->type == BPF_MAP_TYPE_PERCPU_ARRAY || b->type == BPF_MAP_TYPE_ARRAY)
		return map_zero(c, m, ncpus); /* arrays cannot lose their entries */
	uint8_t *keys;
	size_t n;
	int r = all_keys(b->fd, b->key_size, &keys, &n);
	if (r)
		return r;
	for (size_t i = 0; i < n; i++)
		bpf_map_delete_elem(b->fd, keys + i * b->key_size);
	free(keys);
	return 0;
}

int map_zero(struct checker *c, struct map_info *m, int ncpus)
{
	const struct bmap *b = &c->bmaps[m->bmap];
	bool percpu = b->type == BPF_MAP_TYPE_PERCPU_HASH || b->type == BPF_MAP_TYPE_PERCPU_ARRAY;
	size_t vsize = (size_t)round8(b->value_size) * (percpu ? ncpus : 1);
	uint8_t *keys, *zero = calloc(1, vsize);
	size_t n;
	if (!zero)
		return -ENOMEM;
	int r = all_keys(b->fd, b->key_size, &keys, &n);
	if (r) {
		free(zero);
		return r;
	}
	for (size_t i = 0; i < n; i++)
		bpf_map_update_elem(b->fd, keys + i * b->key_size, zero, BPF_ANY);
	free(keys);
	free(zero);
	return 0;
}

uint64_t maps_lost_events(struct checker *c, int ncpus)
{
	uint32_t key = 0;
	uint64_t *vals = calloc(ncpus, 8), total = 0;
	if (!vals)
		return 0;
	if (c->bmaps[BMAP_LOST].fd >= 0 && bpf_map_lookup_elem(c->bmaps[BMAP_LOST].fd, &key, vals) == 0)
		for (int i = 0; i < ncpus; i++)
			total += vals[i];
	free(vals);
	return total;
}

int map_each(struct checker *c, struct map_info *m, int ncpus, map_entry_cb *cb, void *arg)
{
	const struct bmap *b = &c->bmaps[m->bmap];
	bool percpu = b->type == BPF_MAP_TYPE_PERCPU_HASH || b->type == BPF_MAP_TYPE_PERCPU_ARRAY;
	uint32_t stride = round8(b->value_size);
	int n_cpu = percpu ? ncpus : 1;
	uint8_t *keys;
	size_t n;
	int r = all_keys(b->fd, b->key_size, &keys, &n);
	if (r)
		return r;
	uint8_t *val = malloc((size_t)stride * n_cpu);
	if (!val) {
		free(keys);
		return -ENOMEM;
	}
	struct decoder d = { .c = c, .ncpus = n_cpu };
	arena_init(&d.arena);
	for (size_t i = 0; i < n && !r; i++) {
		const uint8_t *key = keys + i * b->key_size;
		if (bpf_map_lookup_elem(b->fd, key, val) != 0)
			continue;
		struct output_entry e;
		memset(&e, 0, sizeof(e));
		int64_t v = 0;
		if (type_is_agg(&m->value)) {
			if ((r = merge_agg(&d, &m->value, val, stride, n_cpu, &e)))
				break;
			if (m->value.kind == TY_AVG || m->value.kind == TY_STATS)
				v = e.stats.count;
			else if (m->value.kind == TY_HIST || m->value.kind == TY_LHIST)
				for (size_t k = 0; k < e.hist.nbuckets; k++)
					v += (int64_t)e.hist.buckets[k];
			else
				v = e.value.i;
		} else {
			memcpy(&v, val, 8);
		}
		r = cb(key, v, arg);
	}
	arena_release(&d.arena);
	free(val);
	free(keys);
	return r;
}
