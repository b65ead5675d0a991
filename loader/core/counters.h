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
#include "idmap.h"
#include "pinstore.h"

/* The name of verdict @v's counter ("rewritten", ...), NULL for a spare slot. */
const char *counters_verdict_name(int v);

/* The name of outcome @o's counter ("mptcp_active", ...), NULL for a spare slot. */
const char *counters_outcome_name(int o);

/* The name of escape cause @e's counter ("hook_skipped", ...), NULL for a spare slot. */
const char *counters_escape_name(int e);

/* Add every named counter of @s to the JSON object @obj. */
void counters_stats_json(const struct mptcpify_stats *s, json_t *obj);

/*
 * A zeroed buffer of one @value_size value per possible CPU, the shape
 * per-CPU maps read and write; *ncpus gets the count. NULL on error.
 */
void *counters_percpu_alloc(size_t value_size, int *ncpus);

/*
 * Sum @ncpus per-CPU values (as counters_percpu_alloc() shapes them) into @out: each
 * a struct of @size bytes of __u64 counters, added field by field. Every
 * per-CPU sum of this module is this one.
 */
void counters_percpu_sum(const void *percpu, int ncpus, void *out, size_t size);

/* @cgid's socket counters, summed. */
int counters_stats_read(struct pins *p, __u64 cgid, struct mptcpify_stats *out);

/* Rule @rule's counters for @cgid, summed over CPUs (zero if none). */
void counters_rule_stats_read(struct pins *p, __u64 cgid, __u32 rule,
			      struct mptcpify_rule_stats *out);

/* Fresh zeroed counters for rules 0..n-1 of @cgid, none left from before. */
int counters_rule_stats_reset(struct pins *p, __u64 cgid, __u32 n);

/* One kind of refused option (level, optname, ...), or of fallback (reason), and how many. */
struct tally_item {
	__u32 level, optname;
	__u32 reason; /* a fallback's: MPTCP_MIB_*, as probe_mib_name() names it */
	__u16 dir, predicted;
	__s32 err;
	__u64 count;
};

/* A few kinds, each once: refused options, or fallback reasons. */
struct tally {
	struct tally_item *items;
	size_t n, cap;
};

/* Count @item's count under its kind. 0 or -ENOMEM. */
int tally_add(struct tally *t, const struct tally_item *item);
void tally_free(struct tally *t);

/* Everything counted for one entry: sockets, outcomes, options and fallbacks. */
struct entry_counters {
	struct mptcpify_stats sockets;
	struct mptcpify_outcomes outcomes;
	struct mptcpify_escapes escapes; /* TCP sockets that should have been MPTCP */
	struct mptcpify_bytes bytes;	 /* by path, of the closed subflows */
	__u64 subflow_applied;
	__u64 subflow_failed;
	bool profile;		/* it has a subflow profile */
	struct tally compat;	/* options refused, or that would be */
	struct tally fallbacks; /* fallback reasons */
};

/* @cgid's counters but its tallies, which counters_tallies_load() reads for all at once. */
void entry_counters_read(struct pins *p, __u64 cgid, struct entry_counters *out);
/* @to += @from, field by field, tallies included. */
void entry_counters_add(struct entry_counters *to, const struct entry_counters *from);
void entry_counters_free(struct entry_counters *c);

/*
 * The tallies of every entry, in one pass over the "compat" and
 * "fallbacks" maps, into @by_cgid: cgroup id -> struct entry_counters with
 * only the tallies filled. With @only, only those of the cgroup ids in it.
 * Free with counters_tallies_free().
 */
int counters_tallies_load(struct pins *p, const struct idmap *only, struct idmap *by_cgid);
void counters_tallies_free(struct idmap *by_cgid);
/*
 * Delete the tallies of the cgroup ids in @gone from both maps: the
 * entries of removed cgroups take theirs along. 0 or -errno.
 */
int counters_tallies_forget(struct pins *p, const struct idmap *gone);

/*
 * Zeroed per-CPU counters of @size bytes for a new entry @cgid in map @fd
 * (stats, outcomes, escapes, bytes), unless it has them: the BPF side never
 * allocates them, but for escapes and bytes of an older build's entries.
 */
int counters_create(int fd, __u64 cgid, size_t size);

/* The node-wide counts of the socket() programs, summed over CPUs. */
int counters_diag_read(struct pins *p, struct mptcpify_diag *out);

#endif
