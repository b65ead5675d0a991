/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Growable arrays: the one place in the loader that grows an array, so that
 * the size arithmetic is checked for overflow once (tests/structure.sh
 * keeps realloc out of every other file). An array is a pointer and a
 * capacity in elements, kept by its owner beside its count:
 *
 *	if (growarray_reserve(t->v, t->cap, t->n + 1))
 *		return -ENOMEM;
 *	t->v[t->n++] = x;
 */
#ifndef MPTCPIFY_GROWARRAY_H
#define MPTCPIFY_GROWARRAY_H

#include <stddef.h>

/* The capacity of an array's first allocation, in elements. */
#define GROWARRAY_FIRST 8

/*
 * Room for at least @want elements of @size bytes in the array whose
 * address is @arrayp (a T **), which has room for *@cap: the capacity
 * doubles, so that appending one at a time costs linear time overall.
 * 0, or -ENOMEM with the array and *@cap as they were.
 */
int growarray_grow(void *arrayp, size_t *cap, size_t want, size_t size);

/* growarray_grow() of the array @array (a T *) and its size_t @cap. */
#define growarray_reserve(array, cap, want) \
	growarray_grow(&(array), &(cap), (want), sizeof(*(array)))

#endif
