/* SPDX-License-Identifier: GPL-2.0 */
/* Entries of the pinned policy map, and the programs they need attached. */
#ifndef MPTCPIFY_POLICY_MAP_H
#define MPTCPIFY_POLICY_MAP_H

#include <stdbool.h>
#include <linux/types.h>
#include "pins.h"
#include "subflow.h"

/*
 * Make @cgid's entry say @mode. Attaches the program the mode needs first,
 * so that the entry never exists without it. *changed tells whether anything
 * was different before (a second identical attach changes nothing).
 */
int policy_set(struct pins *p, __u64 cgid, __u32 mode, __u32 owner, const char *cgroup2,
	       bool *changed, const char **why);

/*
 * Remove @cgid's entry and its counters. Programs no entry needs any more are
 * detached; with no entry left, all pins go (*unloaded). -ENOENT if none.
 */
int policy_remove(struct pins *p, __u64 cgid, bool *unloaded);

/* Only the entry and its counters, for callers that release programs later. */
int policy_delete(struct pins *p, __u64 cgid);

/*
 * Detach the programs nothing needs any more; with no policy entry and no
 * subflow profile left, remove all pins (*unloaded).
 */
int policy_release_unused(struct pins *p, bool *unloaded);

/*
 * The same, but programs in @keep_links (PINS_LINK_BIT()s) stay attached
 * even with no entry that needs them, and nothing is unloaded while any
 * is kept: the daemon keeps what its configuration will need.
 */
int policy_release(struct pins *p, unsigned int keep_links, bool *unloaded);

/*
 * Drop the policy entries and subflow profiles (with their counters) of
 * cgroups that no longer exist: an entry follows one cgroup, not a path, and
 * a removed cgroup never comes back. Returns how many went, or -errno.
 */
int policy_prune(struct pins *p, const char *cgroup2);

/* Entries per mode, indexed by enum mptcpify_mode. */
int policy_count(struct pins *p, unsigned int counts[4]);

int policy_get(struct pins *p, __u64 cgid, struct mptcpify_policy *out);

/*
 * Store @prof as @cgid's subflow profile, attaching the sockops program
 * first and starting its rule counters from zero. *changed is false when the
 * same profile was there (its counters then go on).
 */
int profile_put(struct pins *p, __u64 cgid, const struct mptcpify_profile *prof,
		const char *cgroup2, bool *changed, const char **why);
/* Remove @cgid's profile and its rule counters; -ENOENT if none. */
int profile_delete(struct pins *p, __u64 cgid);
/* Fresh zeroed counters for rules 0..n-1, none left from an older profile. */
int profile_reset_stats(struct pins *p, __u64 cgid, __u32 n);
/* Rule @rule's counters for @cgid, summed over CPUs (zero if none). */
void profile_rule_stats(struct pins *p, __u64 cgid, __u32 rule, struct mptcpify_rule_stats *out);

#endif
