/* SPDX-License-Identifier: Apache-2.0 */
/* The shared library of the symbolization workload. */
#ifndef SYMLIB_H
#define SYMLIB_H
#include <stddef.h>
#include <stdint.h>
uint64_t symlib_hash(uint64_t seed, int rounds);
uint32_t symlib_checksum(const unsigned char *p, size_t n);
uint64_t symlib_sum_squares(unsigned n);
#endif
