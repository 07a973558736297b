// SPDX-License-Identifier: Apache-2.0
/* Growing a malloc()ed array geometrically (see array.h). */
#include "lib/array.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

int array_grow(void *arr, size_t elem_size, size_t *cap, size_t need)
{
	if (need <= *cap)
		return 0;
	size_t n = *cap ? *cap : 16;
	while (n < need) {
		if (n > SIZE_MAX / 2 / elem_size)
			return -ENOMEM;
		n *= 2;
	}
	void *q = realloc(*(void **)arr, n * elem_size);
	if (!q)
		return -ENOMEM;
	*(void **)arr = q;
	*cap = n;
	return 0;
}
