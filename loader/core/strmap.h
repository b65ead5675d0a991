/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A table from a string to a pointer, for keys that others choose (pod
 * directory names, container IDs, YAML keys): each entry keeps its own copy
 * of its key, and a lookup compares it, so two keys whose hashes collide
 * are two entries, neither hiding the other. The key's hash (idmap_hash)
 * finds a chain in an idmap; the chain is compared key by key.
 */
#ifndef MPTCPIFY_STRMAP_H
#define MPTCPIFY_STRMAP_H

#include <stddef.h>
#include "idmap.h"

struct strmap {
	struct idmap by_hash; /* hash of a key -> the chain of entries with that hash */
	size_t n;
};

/* The value for @key, or NULL. */
void *strmap_get(const struct strmap *m, const char *key);
/*
 * Insert (@value not NULL; the key is copied) or replace. 0 or -ENOMEM;
 * replacing the value of a key that is there never fails.
 */
int strmap_put(struct strmap *m, const char *key, void *value);
/* Remove @key; returns its value, or NULL if absent. */
void *strmap_del(struct strmap *m, const char *key);
/* Free the table and its keys (not the values). */
void strmap_free(struct strmap *m);

#endif
