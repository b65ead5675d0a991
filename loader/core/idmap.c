// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include "idmap.h"

static size_t slot_of(const struct idmap *m, __u64 key)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdULL; /* a 64-bit finaliser: wds are sequential */
	key ^= key >> 33;
	return key & (m->cap - 1);
}

void *idmap_get(const struct idmap *m, __u64 key)
{
	size_t i;

	if (!m->cap)
		return NULL;
	for (i = slot_of(m, key); m->slots[i].value; i = (i + 1) & (m->cap - 1))
		if (m->slots[i].key == key)
			return m->slots[i].value;
	return NULL;
}

static int grow(struct idmap *m)
{
	struct idmap old = *m;
	size_t i;

	m->cap = old.cap ? old.cap * 2 : 64;
	m->n = 0;
	m->slots = calloc(m->cap, sizeof(*m->slots));
	if (!m->slots) {
		*m = old;
		return -ENOMEM;
	}
	for (i = 0; i < old.cap; i++)
		if (old.slots[i].value)
			idmap_put(m, old.slots[i].key, old.slots[i].value);
	free(old.slots);
	return 0;
}

int idmap_put(struct idmap *m, __u64 key, void *value)
{
	size_t i;

	/* At most half full, so that probes stay short. */
	if ((m->n + 1) * 2 > m->cap && grow(m))
		return -ENOMEM;
	for (i = slot_of(m, key); m->slots[i].value; i = (i + 1) & (m->cap - 1)) {
		if (m->slots[i].key == key) {
			m->slots[i].value = value;
			return 0;
		}
	}
	m->slots[i].key = key;
	m->slots[i].value = value;
	m->n++;
	return 0;
}

void *idmap_del(struct idmap *m, __u64 key)
{
	size_t i, j, home, mask = m->cap - 1;
	void *value;

	if (!m->cap)
		return NULL;
	for (i = slot_of(m, key); m->slots[i].value; i = (i + 1) & mask)
		if (m->slots[i].key == key)
			break;
	value = m->slots[i].value;
	if (!value)
		return NULL;
	/* Shift back the entries of the run that probed past slot i. */
	for (j = (i + 1) & mask; m->slots[j].value; j = (j + 1) & mask) {
		home = slot_of(m, m->slots[j].key);
		if (((j - home) & mask) >= ((j - i) & mask)) {
			m->slots[i] = m->slots[j];
			i = j;
		}
	}
	m->slots[i].value = NULL;
	m->n--;
	return value;
}

int idmap_next(const struct idmap *m, size_t *iter, __u64 *key, void **value)
{
	for (; *iter < m->cap; (*iter)++) {
		if (m->slots[*iter].value) {
			*key = m->slots[*iter].key;
			*value = m->slots[*iter].value;
			(*iter)++;
			return 1;
		}
	}
	return 0;
}

__u64 idmap_hash(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	__u64 h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

void idmap_free(struct idmap *m)
{
	free(m->slots);
	m->slots = NULL;
	m->cap = m->n = 0;
}
