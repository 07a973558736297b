/* SPDX-License-Identifier: Apache-2.0 */
/* Fast non-cryptographic hashing of byte strings and integers, for in-memory tables. */
#ifndef SCORCH_LIB_HASH_H
#define SCORCH_LIB_HASH_H

#include <stddef.h>
#include <stdint.h>

/* 64-bit hash of `len` bytes; reads 8 bytes at a time (unaligned-safe). */
uint64_t hash_bytes(const void *data, size_t len, uint64_t seed);

/* Mix a 64-bit integer into a well-spread 64-bit hash. */
static inline uint64_t hash_u64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

#endif
