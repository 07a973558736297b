// SPDX-License-Identifier: Apache-2.0
/* Bump allocator (see arena.h). */
#include "lib/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct arena_block {
	struct arena_block *next;
	size_t size;
	_Alignas(16) unsigned char data[];
};

enum { ARENA_BLOCK = 64 * 1024 };

void arena_init(struct arena *a)
{
	a->head = NULL;
	a->used = 0;
	a->total = 0;
}

void arena_release(struct arena *a)
{
	struct arena_block *b = a->head;
	while (b) {
		struct arena_block *next = b->next;
		free(b);
		b = next;
	}
	arena_init(a);
}

void *arena_alloc(struct arena *a, size_t size)
{
	if (size > SIZE_MAX / 2)
		return NULL;
	size = (size + 7) & ~(size_t)7;
	if (!a->head || a->head->size - a->used < size) {
		/* Growing block sizes keep the block count logarithmic in total size. */
		size_t bsize = a->total / 4 > ARENA_BLOCK ? a->total / 4 : ARENA_BLOCK;
		if (bsize < size)
			bsize = size;
		struct arena_block *b = malloc(sizeof(*b) + bsize);
		if (!b)
			return NULL;
		b->next = a->head;
		b->size = bsize;
		a->head = b;
		a->used = 0;
		a->total += bsize;
	}
	void *p = a->head->data + a->used;
	a->used += size;
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t len)
{
	char *p = arena_alloc(a, len + 1);
	if (!p)
		return NULL;
	if (len)
		memcpy(p, s, len);
	p[len] = '\0';
	return p;
}
