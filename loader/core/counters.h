/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The counters of the pinned per-CPU maps, summed over CPUs and named: what
 * `stats` prints, what the daemon exposes, and what it keeps of a removed
 * cgroup.
 */
#ifndef MPTCPIFY_COUNTERS_H
#define MPTCPIFY_COUNTERS_H

#include <stdbool.h>
#include <jansson.h>
#include <linux/types.h>
#include "pinstore.h"

/* The name of verdict @v's counter ("rewritten", ...), NULL for a spare slot. */
const char *verdict_name(int v);

/* Add every named counter of @s to the JSON object @obj. */
void stats_to_json(const struct mptcpify_stats *s, json_t *obj);

/*
 * A zeroed buffer of one @value_size value per possible CPU, the shape
 * per-CPU maps read and write; *ncpus gets the count. NULL on error.
 */
void *percpu_alloc(size_t value_size, int *ncpus);

/* Sum @ncpus per-CPU values into @out. */
void stats_sum(const struct mptcpify_stats *percpu, int ncpus, struct mptcpify_stats *out);

/* @cgid's socket counters, summed. */
int stats_read(struct pins *p, __u64 cgid, struct mptcpify_stats *out);

/* Rule @rule's counters for @cgid, summed over CPUs (zero if none). */
void rule_stats_read(struct pins *p, __u64 cgid, __u32 rule, struct mptcpify_rule_stats *out);

/* Fresh zeroed counters for rules 0..n-1 of @cgid, none left from before. */
int rule_stats_reset(struct pins *p, __u64 cgid, __u32 n);

/* Everything counted for one entry: its sockets and its subflow options. */
struct entry_counters {
	struct mptcpify_stats sockets;
	__u64 subflow_applied;
	__u64 subflow_failed;
	bool profile; /* it has a subflow profile */
};

void entry_counters_read(struct pins *p, __u64 cgid, struct entry_counters *out);
/* @to += @from, field by field. */
void entry_counters_add(struct entry_counters *to, const struct entry_counters *from);

#endif
