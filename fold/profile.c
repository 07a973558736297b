// SPDX-License-Identifier: Apache-2.0
/* The profile model (see profile.h): string pool, frame table and a hash-aggregated stack table. */
#include "fold/profile.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hash.h"
#include "lib/htab.h"
#include "lib/strpool.h"

struct stack_entry {
	size_t frames_off; /* index into profile.stack_frames */
	uint32_t depth;
};

struct loss {
	uint32_t reason; /* string id */
	uint64_t count;
};

struct meta {
	uint32_t key;   /* string id */
	uint32_t value; /* string id */
};

struct profile {
	struct strpool strings;

	struct frame *frames;
	uint32_t nframes, frames_cap;
	struct htab frame_index;

	struct value_type types[PROFILE_MAX_VALUES];
	size_t ntypes;

	struct stack_entry *stacks;
	int64_t *values; /* ntypes per stack */
	uint32_t nstacks, stacks_cap;
	uint32_t *stack_frames;
	size_t nstack_frames, stack_frames_cap;
	struct htab stack_index;

	struct loss *losses;
	size_t nlosses;
	struct meta *metas;
	size_t nmetas;
};

/* Grow `*arr` (elements of `size` bytes) to hold at least `need`; geometric. */
static int grow_array(void *arr, size_t size, size_t *cap, size_t need)
{
	if (need <= *cap)
		return 0;
	size_t n = *cap ? *cap : 16;
	while (n < need) {
		if (n > SIZE_MAX / 2 / size)
			return -ENOMEM;
		n *= 2;
	}
	void *p = realloc(*(void **)arr, n * size);
	if (!p)
		return -ENOMEM;
	*(void **)arr = p;
	*cap = n;
	return 0;
}

struct profile *profile_new(void)
{
	struct profile *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	if (strpool_init(&p->strings) < 0) {
		free(p);
		errno = ENOMEM;
		return NULL;
	}
	htab_init(&p->frame_index);
	htab_init(&p->stack_index);
	return p;
}

void profile_free(struct profile *p)
{
	if (!p)
		return;
	strpool_release(&p->strings);
	free(p->frames);
	htab_release(&p->frame_index);
	free(p->stacks);
	free(p->values);
	free(p->stack_frames);
	htab_release(&p->stack_index);
	free(p->losses);
	free(p->metas);
	free(p);
}

int profile_intern(struct profile *p, const char *s, size_t len)
{
	return strpool_intern(&p->strings, s, len);
}

const char *profile_str(const struct profile *p, uint32_t id)
{
	return strpool_get(&p->strings, id);
}

uint32_t profile_str_len(const struct profile *p, uint32_t id)
{
	return strpool_len(&p->strings, id);
}

static bool frame_eq(uint32_t id, const void *key, void *arg)
{
	const struct profile *p = arg;
	return memcmp(&p->frames[id], key, sizeof(struct frame)) == 0;
}

int profile_frame(struct profile *p, const struct frame *f)
{
	uint64_t h = hash_bytes(f, sizeof(*f), 1);
	uint32_t id = htab_find(&p->frame_index, h, frame_eq, f, p);
	if (id != HTAB_NONE)
		return (int)id;
	if (p->nframes >= INT32_MAX)
		return -ENOMEM;
	size_t cap = p->frames_cap;
	if (grow_array(&p->frames, sizeof(*p->frames), &cap, (size_t)p->nframes + 1))
		return -ENOMEM;
	p->frames_cap = (uint32_t)(cap > UINT32_MAX ? UINT32_MAX : cap);
	id = p->nframes;
	if (htab_insert(&p->frame_index, h, id))
		return -ENOMEM;
	p->frames[id] = *f;
	p->nframes++;
	return (int)id;
}

int profile_frame_named(struct profile *p, const char *name, size_t len, enum frame_kind kind)
{
	int s = profile_intern(p, name, len);
	if (s < 0)
		return s;
	struct frame f = { .name = (uint32_t)s, .kind = (uint32_t)kind };
	return profile_frame(p, &f);
}

const struct frame *profile_frame_get(const struct profile *p, uint32_t id)
{
	return &p->frames[id];
}

size_t profile_frame_count(const struct profile *p)
{
	return p->nframes;
}

int profile_add_value_type(struct profile *p, const char *type, const char *unit)
{
	int t = profile_intern(p, type, strlen(type));
	int u = profile_intern(p, unit, strlen(unit));
	if (t < 0 || u < 0)
		return -ENOMEM;
	for (size_t i = 0; i < p->ntypes; i++)
		if (p->types[i].type == (uint32_t)t && p->types[i].unit == (uint32_t)u)
			return (int)i;
	if (p->ntypes == PROFILE_MAX_VALUES)
		return -E2BIG;
	if (p->nstacks)
		return -EINVAL;
	p->types[p->ntypes].type = (uint32_t)t;
	p->types[p->ntypes].unit = (uint32_t)u;
	return (int)p->ntypes++;
}

size_t profile_value_count(const struct profile *p)
{
	return p->ntypes;
}

struct value_type profile_value_type(const struct profile *p, size_t index)
{
	struct value_type none = { 0, 0 };
	return index < p->ntypes ? p->types[index] : none;
}

/* Sums of input-controlled values must not overflow (UB); they pin at the int64 limits. */
static int64_t add_saturated(int64_t a, int64_t b)
{
	int64_t r;
	if (__builtin_add_overflow(a, b, &r))
		return b > 0 ? INT64_MAX : INT64_MIN;
	return r;
}

struct stack_key {
	const uint32_t *frames;
	size_t depth;
};

static bool stack_eq(uint32_t id, const void *key, void *arg)
{
	const struct profile *p = arg;
	const struct stack_key *k = key;
	const struct stack_entry *s = &p->stacks[id];
	/* Empty stacks have no frame storage yet (NULL): memcmp must not see it. */
	return s->depth == k->depth &&
	       (k->depth == 0 || memcmp(p->stack_frames + s->frames_off, k->frames, k->depth * sizeof(uint32_t)) == 0);
}

int profile_add_stack(struct profile *p, const uint32_t *frames, size_t depth, const int64_t *values)
{
	if (!p->ntypes)
		return -EINVAL;
	if (depth > UINT32_MAX)
		return -E2BIG;
	struct stack_key key = { frames, depth };
	uint64_t h = hash_bytes(frames, depth * sizeof(uint32_t), 2);
	uint32_t id = htab_find(&p->stack_index, h, stack_eq, &key, p);
	if (id == HTAB_NONE) {
		if (p->nstacks >= INT32_MAX)
			return -ENOMEM;
		size_t cap = p->stacks_cap, vcap = p->stacks_cap;
		if (grow_array(&p->stacks, sizeof(*p->stacks), &cap, (size_t)p->nstacks + 1) ||
		    grow_array(&p->values, sizeof(*p->values) * p->ntypes, &vcap, cap))
			return -ENOMEM;
		p->stacks_cap = (uint32_t)(cap < vcap ? cap : vcap);
		if (grow_array(&p->stack_frames, sizeof(uint32_t), &p->stack_frames_cap,
			       p->nstack_frames + depth))
			return -ENOMEM;
		id = p->nstacks;
		if (htab_insert(&p->stack_index, h, id))
			return -ENOMEM;
		if (depth)
			memcpy(p->stack_frames + p->nstack_frames, frames, depth * sizeof(uint32_t));
		p->stacks[id].frames_off = p->nstack_frames;
		p->stacks[id].depth = (uint32_t)depth;
		p->nstack_frames += depth;
		memset(p->values + (size_t)id * p->ntypes, 0, p->ntypes * sizeof(int64_t));
		p->nstacks++;
	}
	int64_t *v = p->values + (size_t)id * p->ntypes;
	for (size_t i = 0; i < p->ntypes; i++)
		v[i] = add_saturated(v[i], values[i]);
	return (int)id;
}

int profile_add_sample(struct profile *p, const uint32_t *frames, size_t depth, size_t index, int64_t value)
{
	int64_t values[PROFILE_MAX_VALUES] = { 0 };
	if (index >= p->ntypes)
		return -EINVAL;
	values[index] = value;
	return profile_add_stack(p, frames, depth, values);
}

size_t profile_stack_count(const struct profile *p)
{
	return p->nstacks;
}

struct profile_stack profile_stack_get(const struct profile *p, uint32_t id)
{
	static const uint32_t no_frames[1];
	struct profile_stack s = {
		.frames = p->stack_frames ? p->stack_frames + p->stacks[id].frames_off : no_frames,
		.depth = p->stacks[id].depth,
		.values = p->values + (size_t)id * p->ntypes,
	};
	return s;
}

int64_t profile_total(const struct profile *p, size_t index)
{
	int64_t sum = 0;
	if (index >= p->ntypes)
		return 0;
	for (uint32_t i = 0; i < p->nstacks; i++)
		sum = add_saturated(sum, p->values[(size_t)i * p->ntypes + index]);
	return sum;
}

int profile_add_loss(struct profile *p, const char *reason, uint64_t count)
{
	int r = profile_intern(p, reason, strlen(reason));
	if (r < 0)
		return r;
	for (size_t i = 0; i < p->nlosses; i++) {
		if (p->losses[i].reason == (uint32_t)r) {
			p->losses[i].count += count;
			return 0;
		}
	}
	struct loss *l = realloc(p->losses, (p->nlosses + 1) * sizeof(*l));
	if (!l)
		return -ENOMEM;
	p->losses = l;
	l[p->nlosses].reason = (uint32_t)r;
	l[p->nlosses].count = count;
	p->nlosses++;
	return 0;
}

size_t profile_loss_count(const struct profile *p)
{
	return p->nlosses;
}

const char *profile_loss_get(const struct profile *p, size_t index, uint64_t *count)
{
	if (index >= p->nlosses) {
		if (count)
			*count = 0;
		return NULL;
	}
	if (count)
		*count = p->losses[index].count;
	return profile_str(p, p->losses[index].reason);
}

int profile_meta_set(struct profile *p, const char *key, const char *value)
{
	int k = profile_intern(p, key, strlen(key));
	int v = profile_intern(p, value, strlen(value));
	if (k < 0 || v < 0)
		return -ENOMEM;
	for (size_t i = 0; i < p->nmetas; i++) {
		if (p->metas[i].key == (uint32_t)k) {
			p->metas[i].value = (uint32_t)v;
			return 0;
		}
	}
	struct meta *m = realloc(p->metas, (p->nmetas + 1) * sizeof(*m));
	if (!m)
		return -ENOMEM;
	p->metas = m;
	m[p->nmetas].key = (uint32_t)k;
	m[p->nmetas].value = (uint32_t)v;
	p->nmetas++;
	return 0;
}

const char *profile_meta_get(const struct profile *p, const char *key)
{
	for (size_t i = 0; i < p->nmetas; i++)
		if (strcmp(profile_str(p, p->metas[i].key), key) == 0)
			return profile_str(p, p->metas[i].value);
	return NULL;
}

size_t profile_memory(const struct profile *p)
{
	return sizeof(*p) + p->strings.arena.total +
	       (size_t)p->strings.cap * sizeof(struct strpool_entry) +
	       ((size_t)p->strings.index.mask + 1) * sizeof(struct htab_slot) +
	       (size_t)p->frames_cap * sizeof(struct frame) +
	       ((size_t)p->frame_index.mask + 1) * sizeof(struct htab_slot) +
	       (size_t)p->stacks_cap * (sizeof(struct stack_entry) + p->ntypes * sizeof(int64_t)) +
	       p->stack_frames_cap * sizeof(uint32_t) +
	       ((size_t)p->stack_index.mask + 1) * sizeof(struct htab_slot);
}
