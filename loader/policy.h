/* SPDX-License-Identifier: GPL-2.0 */
/* Entries of the pinned policy map, and the programs they need attached. */
#ifndef MPTCPIFY_POLICY_MAP_H
#define MPTCPIFY_POLICY_MAP_H

#include <stdbool.h>
#include <linux/types.h>
#include "pins.h"

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

/*
 * Detach the programs nothing needs any more; with no policy entry and no
 * subflow profile left, remove all pins (*unloaded).
 */
int policy_release_unused(struct pins *p, bool *unloaded);

/*
 * Drop the policy entries and subflow profiles (with their counters) of
 * cgroups that no longer exist: an entry follows one cgroup, not a path, and
 * a removed cgroup never comes back. Returns how many went, or -errno.
 */
int policy_prune(struct pins *p, const char *cgroup2);

/* Entries per mode, indexed by enum mptcpify_mode. */
int policy_count(struct pins *p, unsigned int counts[4]);

int policy_get(struct pins *p, __u64 cgid, struct mptcpify_policy *out);

#endif
