// SPDX-License-Identifier: Apache-2.0
/* String interning (see strpool.h). */
#include "lib/strpool.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hash.h"

struct str_key {
	const char *s;
	size_t len;
};

static bool str_eq(uint32_t id, const void *key, void *arg)
{
	const struct strpool *p = arg;
	const struct str_key *k = key;
	return p->entries[id].len == k->len && memcmp(p->entries[id].str, k->s, k->len) == 0;
}

int strpool_init(struct strpool *p)
{
	arena_init(&p->arena);
	htab_init(&p->index);
	p->entries = NULL;
	p->count = 0;
	p->cap = 0;
	return strpool_intern(p, "", 0) < 0 ? -ENOMEM : 0;
}

void strpool_release(struct strpool *p)
{
	arena_release(&p->arena);
	htab_release(&p->index);
	free(p->entries);
	p->entries = NULL;
	p->count = p->cap = 0;
}

int strpool_intern(struct strpool *p, const char *s, size_t len)
{
	if (len > UINT32_MAX - 1)
		return -ENOMEM;
	struct str_key key = { s, len };
	uint64_t h = hash_bytes(s, len, 0);
	uint32_t id = htab_find(&p->index, h, str_eq, &key, p);
	if (id != HTAB_NONE)
		return (int)id;
	if (p->count >= INT32_MAX)
		return -ENOMEM;
	if (p->count == p->cap) {
		uint32_t cap = p->cap ? p->cap * 2 : 256;
		struct strpool_entry *e = realloc(p->entries, (size_t)cap * sizeof(*e));
		if (!e)
			return -ENOMEM;
		p->entries = e;
		p->cap = cap;
	}
	char *copy = arena_strndup(&p->arena, s, len);
	if (!copy)
		return -ENOMEM;
	id = p->count;
	if (htab_insert(&p->index, h, id))
		return -ENOMEM;
	p->entries[id].str = copy;
	p->entries[id].len = (uint32_t)len;
	p->count++;
	return (int)id;
}
