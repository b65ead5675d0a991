// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "growarray.h"
#include "snapshot.h"

#define BATCH 1024
/* The kernel's "operation not supported", which no uapi header names. */
#define ENOTSUPP_ 524

static int grow(struct map_snapshot *s, size_t want)
{
	return growarray_grow(&s->values, &s->cap, want, s->value_size);
}

static int add(struct map_snapshot *s, __u64 key, const void *value)
{
	if (grow(s, s->n + 1))
		return -ENOMEM;
	memcpy((char *)s->values + s->n * s->value_size, value, s->value_size);
	s->n++;
	return idmap_put(&s->index, key, (void *)(uintptr_t)s->n);
}

/* Kernels without batch operations on this map type: a lookup per key. */
static int load_by_key(int fd, struct map_snapshot *s)
{
	__u64 key, *prev = NULL;
	void *value = malloc(s->value_size);
	int err = 0;

	if (!value)
		return -ENOMEM;
	for (; !err && !bpf_map_get_next_key(fd, prev, &key); prev = &key)
		if (!bpf_map_lookup_elem(fd, &key, value))
			err = add(s, key, value);
	free(value);
	return err;
}

static int load_batched(int fd, struct map_snapshot *s)
{
	__u64 keys[BATCH], batch, *in = NULL;
	__u32 count, i;
	int err;
	LIBBPF_OPTS(bpf_map_batch_opts, opts);

	for (;;) {
		count = BATCH;
		if (grow(s, s->n + BATCH))
			return -ENOMEM;
		/* The kernel fills them; valgrind does not know this command. */
		memset(keys, 0, sizeof(keys));
		memset((char *)s->values + s->n * s->value_size, 0, BATCH * s->value_size);
		err = bpf_map_lookup_batch(fd, in, &batch, keys,
					   (char *)s->values + s->n * s->value_size, &count, &opts);
		err = err ? -errno : 0;
		if (err && err != -ENOENT)
			return err;
		/* The values are in place: index their keys. */
		for (i = 0; i < count; i++) {
			s->n++;
			if (idmap_put(&s->index, keys[i], (void *)(uintptr_t)s->n))
				return -ENOMEM;
		}
		if (err == -ENOENT) /* the last batch */
			return 0;
		in = &batch;
	}
}

int map_snapshot_load(int fd, size_t value_size, struct map_snapshot *s)
{
	int err;

	memset(s, 0, sizeof(*s));
	s->value_size = value_size;
	err = load_batched(fd, s);
	if (err == -EINVAL || err == -ENOTSUPP_ || err == -EOPNOTSUPP) {
		map_snapshot_free(s);
		s->value_size = value_size;
		err = load_by_key(fd, s);
	}
	if (err)
		map_snapshot_free(s);
	return err;
}

const void *map_snapshot_get(const struct map_snapshot *s, __u64 key)
{
	uintptr_t at = (uintptr_t)idmap_get(&s->index, key);

	return at ? (const char *)s->values + (at - 1) * s->value_size : NULL;
}

int map_snapshot_next(const struct map_snapshot *s, size_t *iter, __u64 *key)
{
	void *val;

	return idmap_next(&s->index, iter, key, &val);
}

void map_snapshot_free(struct map_snapshot *s)
{
	idmap_free(&s->index);
	free(s->values);
	memset(s, 0, sizeof(*s));
}
