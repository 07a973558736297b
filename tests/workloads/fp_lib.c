// SPDX-License-Identifier: Apache-2.0
/* A shared library built with frame pointers, for record_oncpu.sh: its leaf is hot, its caller is too. */
#include <stddef.h>

__attribute__((noinline)) long lib_leaf(long n)
{
	volatile long s = 0;
	for (long i = 0; i < n; i++)
		s += i * i;
	return s;
}

__attribute__((noinline)) long lib_middle(long n)
{
	return lib_leaf(n) + 1; /* not a tail call: lib_middle keeps its frame */
}
