// SPDX-License-Identifier: Apache-2.0
/* Open-addressing hash index with linear probing (see htab.h). */
#include "lib/htab.h"

#include <errno.h>
#include <stdlib.h>

void htab_init(struct htab *t)
{
	t->slots = NULL;
	t->mask = 0;
	t->count = 0;
}

void htab_release(struct htab *t)
{
	free(t->slots);
	htab_init(t);
}

uint32_t htab_find(const struct htab *t, uint64_t hash, htab_eq_fn *eq, const void *key, void *arg)
{
	if (!t->slots)
		return HTAB_NONE;
	uint32_t h = (uint32_t)hash;
	for (uint32_t i = h & t->mask;; i = (i + 1) & t->mask) {
		const struct htab_slot *s = &t->slots[i];
		if (!s->id1)
			return HTAB_NONE;
		if (s->hash == h && eq(s->id1 - 1, key, arg))
			return s->id1 - 1;
	}
}

static void place(struct htab_slot *slots, uint32_t mask, uint32_t hash, uint32_t id1)
{
	uint32_t i = hash & mask;
	while (slots[i].id1)
		i = (i + 1) & mask;
	slots[i].id1 = id1;
	slots[i].hash = hash;
}

static int resize(struct htab *t, uint64_t nslots)
{
	if (nslots > (1ULL << 31))
		return -ENOMEM;
	struct htab_slot *slots = calloc(nslots, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	uint32_t mask = (uint32_t)(nslots - 1);
	if (t->slots) {
		for (uint64_t i = 0; i <= t->mask; i++)
			if (t->slots[i].id1)
				place(slots, mask, t->slots[i].hash, t->slots[i].id1);
		free(t->slots);
	}
	t->slots = slots;
	t->mask = mask;
	return 0;
}

int htab_reserve(struct htab *t, size_t n)
{
	/* Keep the load factor at or below 1/2: probes stay short. */
	uint64_t want = 16;
	while (want < (uint64_t)n * 2)
		want *= 2;
	if (t->slots && want <= (uint64_t)t->mask + 1)
		return 0;
	return resize(t, want);
}

int htab_insert(struct htab *t, uint64_t hash, uint32_t id)
{
	if (id >= UINT32_MAX - 1)
		return -ENOMEM;
	if (!t->slots || (uint64_t)(t->count + 1) * 2 > (uint64_t)t->mask + 1) {
		int err = htab_reserve(t, (size_t)t->count + 1 > 8 ? (size_t)t->count * 2 : 8);
		if (err)
			return err;
	}
	place(t->slots, t->mask, (uint32_t)hash, id + 1);
	t->count++;
	return 0;
}
