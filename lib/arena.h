/* SPDX-License-Identifier: Apache-2.0 */
/* Bump allocator: many small allocations freed together with arena_release(). */
#ifndef SCORCH_LIB_ARENA_H
#define SCORCH_LIB_ARENA_H

#include <stddef.h>

struct arena_block;

struct arena {
	struct arena_block *head;
	size_t used;  /* bytes used in head */
	size_t total; /* bytes allocated from malloc, for memory reports */
};

void arena_init(struct arena *a);
/* Free every block; `a` is empty and reusable. */
void arena_release(struct arena *a);
/* `size` bytes aligned to 8, valid until arena_release(). NULL on ENOMEM. */
void *arena_alloc(struct arena *a, size_t size);
/* A NUL-terminated copy of `len` bytes of `s`, owned by the arena. NULL on ENOMEM. */
char *arena_strndup(struct arena *a, const char *s, size_t len);

#endif
