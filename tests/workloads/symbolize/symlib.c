/* SPDX-License-Identifier: Apache-2.0 */
/* Shared library of the symbolization workload: exported and static functions, inlines. */
#include "symlib.h"

#define INLINE static inline __attribute__((always_inline))

INLINE uint64_t rotl(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

INLINE uint64_t round_fn(uint64_t a, uint64_t b)
{
	a += b;
	a = rotl(a, 31);
	return a * 0x9e3779b97f4a7c15ULL;
}

static __attribute__((noinline)) uint64_t finalize(uint64_t h)
{
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	return h ^ (h >> 32);
}

uint64_t symlib_hash(uint64_t seed, int rounds)
{
	uint64_t h = seed;
	for (int i = 0; i < rounds; i++)
		h = round_fn(h, (uint64_t)i);
	return finalize(h);
}

INLINE uint32_t adler_step(uint32_t *a, uint32_t *b, unsigned char c)
{
	*a = (*a + c) % 65521;
	*b = (*b + *a) % 65521;
	return *b;
}

uint32_t symlib_checksum(const unsigned char *p, size_t n)
{
	uint32_t a = 1, b = 0;
	for (size_t i = 0; i < n; i++)
		adler_step(&a, &b, p[i]);
	return (b << 16) | a;
}

static __attribute__((noinline)) uint64_t square(uint64_t x)
{
	return x * x;
}

uint64_t symlib_sum_squares(unsigned n)
{
	uint64_t s = 0;
	for (unsigned i = 0; i < n; i++)
		s += square(i);
	return s;
}
