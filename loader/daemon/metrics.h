/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's Prometheus text exposition (format 0.0.4).
 *
 * A scrape renders from a snapshot, which the daemon's loop takes of its own
 * state, and from the counters of the pinned maps: it never reads the loop's
 * state itself. Counters of removed cgroups were folded into their
 * selector's totals, so a selector's counters only ever grow while the
 * daemon runs.
 */
#ifndef MPTCPIFY_METRICS_H
#define MPTCPIFY_METRICS_H

#include <stdio.h>
#include "state.h"

/* An enforced cgroup, as a scrape sees it. */
struct metrics_cgroup {
	__u64 cgid;
	int selector;
	const char *rel; /* into the snapshot's strings */
};

struct metrics_selector {
	char name[CONFIG_NAME_MAX];
	__u32 mode;
	bool profile;
	struct entry_counters gone; /* the counters of its removed cgroups */
};

struct metrics_snapshot {
	int nselectors;
	struct metrics_selector *selectors;
	size_t ncgroups;
	struct metrics_cgroup *cgroups;
	struct reconcile_stats stats;
	size_t watched;
	bool healthy;
	char *strings;
};

/* A copy of what a scrape needs of @r; NULL on allocation failure. */
struct metrics_snapshot *metrics_snapshot_take(const struct reconciler *r);
void metrics_snapshot_free(struct metrics_snapshot *s);

/* Reads the counters of one live entry (from the pins; in tests, from anywhere). */
typedef void (*metrics_read_fn)(void *ctx, __u64 cgid, struct entry_counters *out);

/* The exposition of @s into @f; @read NULL when nothing is pinned. */
void metrics_write(FILE *f, const struct metrics_snapshot *s, metrics_read_fn read, void *ctx,
		   __u32 tail_call_misses);

/* The exposition with the counters of the pins under @pin_dir; caller frees. */
char *metrics_render(const struct metrics_snapshot *s, const char *pin_dir);

#endif
