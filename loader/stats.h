/* SPDX-License-Identifier: GPL-2.0 */
/* Per-CPU counters, summed and named. */
#ifndef MPTCPIFY_STATS_H
#define MPTCPIFY_STATS_H

#include <jansson.h>
#include <linux/types.h>
#include "mptcpify.h"

/* Sum @ncpus per-CPU values into @out. */
void stats_sum(const struct mptcpify_stats *percpu, int ncpus, struct mptcpify_stats *out);

/* The name of counter @idx ("rewritten", ...), NULL for a spare slot. */
const char *stats_name(int idx);

/* Add every named counter of @s to the JSON object @obj. */
void stats_to_json(const struct mptcpify_stats *s, json_t *obj);

/*
 * A zeroed buffer of one @value_size value per possible CPU, the shape
 * per-CPU maps read and write; *ncpus gets the count. NULL on error.
 */
void *percpu_alloc(size_t value_size, int *ncpus);

/* Read and sum @cgid's counters from the per-CPU map @fd. */
int stats_read(int fd, __u64 cgid, struct mptcpify_stats *out);

#endif
