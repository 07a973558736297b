/* SPDX-License-Identifier: Apache-2.0 */
/* Open-addressing hash index: maps a hash plus a caller-defined equality to a 32-bit item id. */
#ifndef SCORCH_LIB_HTAB_H
#define SCORCH_LIB_HTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The table stores only ids and hashes; the items themselves live in the
 * caller's arrays. That keeps one table type for strings, frames and stacks.
 */
struct htab_slot {
	uint32_t id1;  /* item id + 1; 0 = empty */
	uint32_t hash; /* low 32 bits of the item's hash */
};

struct htab {
	struct htab_slot *slots;
	uint32_t mask;  /* slot count - 1 (power of two), or 0 when unallocated */
	uint32_t count;
};

#define HTAB_NONE UINT32_MAX

/* Does item `id` equal `key`? */
typedef bool htab_eq_fn(uint32_t id, const void *key, void *arg);

void htab_init(struct htab *t);
void htab_release(struct htab *t);
/* The id of the item equal to `key` with hash `hash`, or HTAB_NONE. */
uint32_t htab_find(const struct htab *t, uint64_t hash, htab_eq_fn *eq, const void *key, void *arg);
/* Add item `id` (not yet present) with hash `hash`. Returns 0 or -ENOMEM. */
int htab_insert(struct htab *t, uint64_t hash, uint32_t id);
/* Pre-size for `n` items. Returns 0 or -ENOMEM. */
int htab_reserve(struct htab *t, size_t n);

#endif
