/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small hash table from a 64-bit id (cgroup id, inotify watch descriptor)
 * to a pointer: open addressing, linear probing, deletion by backward shift,
 * so that it stays fast however many pods come and go.
 */
#ifndef MPTCPIFY_IDMAP_H
#define MPTCPIFY_IDMAP_H

#include <stddef.h>
#include <linux/types.h>

struct idmap_slot {
	__u64 key;
	void *value; /* NULL: empty slot */
};

struct idmap {
	struct idmap_slot *slots;
	size_t cap; /* a power of two, or 0 */
	size_t n;
};

/* The value for @key, or NULL. */
void *idmap_get(const struct idmap *m, __u64 key);
/* Insert or replace (@value not NULL). 0 or -ENOMEM. */
int idmap_put(struct idmap *m, __u64 key, void *value);
/* Remove @key; returns its value, or NULL if absent. */
void *idmap_del(struct idmap *m, __u64 key);
/* Free the table (not the values). */
void idmap_free(struct idmap *m);

/* FNV-1a of @len bytes: keys from strings (paths, pod UIDs), and build ids. */
__u64 idmap_hash(const void *buf, size_t len);

/* Visit every entry: for (i = 0; idmap_next(m, &i, &key, &val);) */
int idmap_next(const struct idmap *m, size_t *iter, __u64 *key, void **value);

#endif
