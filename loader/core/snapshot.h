/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A map keyed by cgroup id, read whole in a few bpf() calls: what a pass
 * over every cgroup compares against, instead of a lookup per cgroup (on a
 * node of 10,000 pods, those lookups were most of a resync's time).
 */
#ifndef MPTCPIFY_SNAPSHOT_H
#define MPTCPIFY_SNAPSHOT_H

#include <stddef.h>
#include <linux/types.h>
#include "idmap.h"

struct map_snapshot {
	struct idmap index; /* key -> position + 1 in values */
	void *values;	    /* n values of value_size bytes */
	size_t value_size, n, cap;
};

/*
 * Read every entry of the map @fd (u64 keys, values of @value_size bytes,
 * not per-CPU) into @s. 0 or -errno; @s is empty then.
 */
int map_snapshot_load(int fd, size_t value_size, struct map_snapshot *s);
/* @key's value as read, or NULL. */
const void *map_snapshot_get(const struct map_snapshot *s, __u64 key);
/* Visit every key: for (i = 0; map_snapshot_next(s, &i, &key);) */
int map_snapshot_next(const struct map_snapshot *s, size_t *iter, __u64 *key);
void map_snapshot_free(struct map_snapshot *s);

#endif
