/* SPDX-License-Identifier: Apache-2.0 */
/* String interning: each distinct byte string is stored once and named by a dense 32-bit id. */
#ifndef SCORCH_LIB_STRPOOL_H
#define SCORCH_LIB_STRPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "lib/arena.h"
#include "lib/htab.h"

struct strpool_entry {
	const char *str; /* NUL-terminated, owned by the pool's arena */
	uint32_t len;
};

struct strpool {
	struct arena arena;
	struct htab index;
	struct strpool_entry *entries;
	uint32_t count;
	uint32_t cap;
};

/* Initialise; id 0 is always the empty string. Returns 0 or -ENOMEM. */
int strpool_init(struct strpool *p);
void strpool_release(struct strpool *p);
/* The id of `len` bytes at `s` (may contain NULs), interning them if new. Returns id >= 0 or -ENOMEM. */
int strpool_intern(struct strpool *p, const char *s, size_t len);
/* Borrowed string of id `id`, valid until strpool_release(). */
static inline const char *strpool_get(const struct strpool *p, uint32_t id)
{
	return id < p->count ? p->entries[id].str : "";
}
static inline uint32_t strpool_len(const struct strpool *p, uint32_t id)
{
	return id < p->count ? p->entries[id].len : 0;
}

#endif
