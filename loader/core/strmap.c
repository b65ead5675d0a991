// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "strmap.h"

struct strmap_entry {
	struct strmap_entry *next; /* with the same hash */
	void *value;
	char key[];
};

static __u64 hash_of(const char *key)
{
	return idmap_hash(key, strlen(key));
}

/* The entry of @key, and in *prev the one before it in its chain (or NULL). */
static struct strmap_entry *find(const struct strmap *m, const char *key, __u64 h,
				 struct strmap_entry **prev)
{
	struct strmap_entry *e;

	*prev = NULL;
	for (e = idmap_get(&m->by_hash, h); e; *prev = e, e = e->next)
		if (!strcmp(e->key, key))
			return e;
	return NULL;
}

void *strmap_get(const struct strmap *m, const char *key)
{
	struct strmap_entry *prev, *e = find(m, key, hash_of(key), &prev);

	return e ? e->value : NULL;
}

int strmap_put(struct strmap *m, const char *key, void *value)
{
	__u64 h = hash_of(key);
	struct strmap_entry *prev, *head, *e = find(m, key, h, &prev);
	size_t len = strlen(key);

	if (e) {
		e->value = value;
		return 0;
	}
	e = malloc(sizeof(*e) + len + 1);
	if (!e)
		return -ENOMEM;
	memcpy(e->key, key, len + 1);
	e->value = value;
	e->next = NULL;
	/* Into a chain after its head: only a new chain takes a slot, and can fail. */
	head = idmap_get(&m->by_hash, h);
	if (head) {
		e->next = head->next;
		head->next = e;
	} else if (idmap_put(&m->by_hash, h, e)) {
		free(e);
		return -ENOMEM;
	}
	m->n++;
	return 0;
}

void *strmap_del(struct strmap *m, const char *key)
{
	__u64 h = hash_of(key);
	struct strmap_entry *prev, *e = find(m, key, h, &prev);
	void *value;

	if (!e)
		return NULL;
	if (prev) {
		prev->next = e->next;
	} else {
		/*
		 * The next one heads the chain: idmap_put into the room that
		 * idmap_del just made does not grow the table, so cannot fail.
		 */
		idmap_del(&m->by_hash, h);
		if (e->next)
			idmap_put(&m->by_hash, h, e->next);
	}
	value = e->value;
	free(e);
	m->n--;
	return value;
}

void strmap_free(struct strmap *m)
{
	struct strmap_entry *e, *next;
	size_t it;
	__u64 h;
	void *val;

	for (it = 0; idmap_next(&m->by_hash, &it, &h, &val);) {
		for (e = val; e; e = next) {
			next = e->next;
			free(e);
		}
	}
	idmap_free(&m->by_hash);
	m->n = 0;
}
