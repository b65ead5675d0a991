// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "growarray.h"

int growarray_grow(void *arrayp, size_t *cap, size_t want, size_t size)
{
	size_t room = *cap ? *cap : GROWARRAY_FIRST;
	void *array, *grown;

	if (want <= *cap)
		return 0;
	while (room < want) {
		if (room > SIZE_MAX / 2)
			return -ENOMEM;
		room *= 2;
	}
	/* Refused here, not by reallocarray: a sanitizer takes that for a bug. */
	if (size && room > SIZE_MAX / size)
		return -ENOMEM;
	/* Through memcpy: the pointer is a T *, read and written as a void *. */
	memcpy(&array, arrayp, sizeof(array));
	grown = reallocarray(array, room, size);
	if (!grown)
		return -ENOMEM;
	memcpy(arrayp, &grown, sizeof(grown));
	*cap = room;
	return 0;
}
