// SPDX-License-Identifier: Apache-2.0
/* Byte-string hash: 8-byte multiply-rotate rounds, finished with a 64-bit mixer. */
#include "lib/hash.h"

#include <string.h>

static inline uint64_t rotl64(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

uint64_t hash_bytes(const void *data, size_t len, uint64_t seed)
{
	const unsigned char *p = data;
	const uint64_t k1 = 0x9e3779b97f4a7c15ULL, k2 = 0xbf58476d1ce4e5b9ULL;
	uint64_t h = seed ^ (len * k1);

	while (len >= 16) {
		uint64_t a, b;
		memcpy(&a, p, 8);
		memcpy(&b, p + 8, 8);
		h = rotl64(h ^ (a * k1), 29) * k2 + rotl64(b * k2, 31);
		p += 16;
		len -= 16;
	}
	if (len >= 8) {
		uint64_t a;
		memcpy(&a, p, 8);
		h = rotl64(h ^ (a * k1), 29) * k2;
		p += 8;
		len -= 8;
	}
	if (len) {
		uint64_t a = 0;
		memcpy(&a, p, len);
		h = rotl64(h ^ (a * k2), 27) * k1;
	}
	return hash_u64(h);
}
