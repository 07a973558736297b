/* SPDX-License-Identifier: Apache-2.0 */
/* Growing a malloc()ed array geometrically: one helper instead of one per file. */
#ifndef SCORCH_LIB_ARRAY_H
#define SCORCH_LIB_ARRAY_H

#include <stddef.h>

/*
 * Make `*arr` (elements of `elem_size` bytes, `*cap` of them allocated) hold at
 * least `need` elements, doubling from 16. `arr` is the address of the array
 * pointer. Returns 0, or -ENOMEM (the array is left as it was).
 */
int array_grow(void *arr, size_t elem_size, size_t *cap, size_t need);

#endif
