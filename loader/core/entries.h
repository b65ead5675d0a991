/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The entries of the pinned maps: policy entries and subflow profiles, by
 * cgroup id, and the programs they need attached.
 */
#ifndef MPTCPIFY_ENTRIES_H
#define MPTCPIFY_ENTRIES_H

#include <stdbool.h>
#include <linux/types.h>
#include "attachpoint.h"
#include "pinstore.h"

/* "rewrite", "audit", "exclude" ("none" for MPTCPIFY_MODE_NONE). */
const char *entries_mode_name(__u32 mode);
/* A mode's name, or a prefix of it, to the mode; -EINVAL else. */
int entries_parse_mode(const char *s, __u32 *mode);
/* The links (PINS_LINK_BIT()s) an entry of @mode needs. */
unsigned int entries_mode_links(__u32 mode);

int entries_policy_get(struct pins *p, __u64 cgid, struct mptcpify_policy *out);

/*
 * Make @cgid's entry (its cgroup at @rel) say @mode, with @flags
 * (MPTCPIFY_PROTECT or 0). Attaches the programs the mode needs first, and
 * covers the cgroup with an attach point of @ap, so that the entry never
 * exists without them. *changed tells whether anything was different
 * before (a second identical attach changes nothing).
 */
int entries_policy_set(struct pins *p, __u64 cgid, const char *rel, __u32 mode, __u32 owner,
		       __u32 flags, struct attach_points *ap, bool *changed, const char **why);

/*
 * entries_policy_set() for a caller that attached the programs @mode needs, covered
 * the cgroup (attachpoint_cover()) and knows
 * the entry there now (@cur, NULL for none): one pass over many cgroups.
 */
int entries_policy_write(struct pins *p, __u64 cgid, const struct mptcpify_policy *cur, __u32 mode,
			 __u32 owner, __u32 flags, bool *changed, const char **why);

/* Remove @cgid's entry and its counters; -ENOENT if none. Programs stay. */
int entries_policy_delete(struct pins *p, __u64 cgid);

/* Entries per mode, indexed by enum mptcpify_mode. */
void entries_policy_count(struct pins *p, unsigned int counts[MPTCPIFY_MODE_NR]);

/*
 * Store @prof as @cgid's subflow profile (its cgroup at @rel), attaching the
 * sockops program first, where @ap covers the cgroup, and starting its rule
 * counters from zero. *changed is false when the same profile was there
 * (its counters then go on).
 */
int entries_profile_put(struct pins *p, __u64 cgid, const char *rel,
			const struct mptcpify_profile *prof, struct attach_points *ap,
			bool *changed, const char **why);
int entries_profile_get(struct pins *p, __u64 cgid, struct mptcpify_profile *out);
/* Remove @cgid's profile and its rule counters; -ENOENT if none. */
int entries_profile_delete(struct pins *p, __u64 cgid);

/* The links the entries and profiles of @p need now (PINS_LINK_BIT()s). */
unsigned int entries_links(struct pins *p);

/*
 * Detach the programs nothing needs any more, but keep those of @keep
 * (PINS_LINK_BIT()s: the daemon keeps what its configuration will need).
 * With @ap, first move the attach points to where the entries now are.
 * With no entry, no profile and nothing kept, remove all pins (*unloaded).
 */
int entries_release(struct pins *p, unsigned int keep, struct attach_points *ap, bool *unloaded);

/*
 * Drop the policy entries and subflow profiles (with their counters) of
 * cgroups that no longer exist: an entry follows one cgroup, not a path, and
 * a removed cgroup never comes back. Returns how many went, or -errno.
 */
int entries_prune(struct pins *p, const char *cgroup2);

/*
 * Call @fn for every key (a cgroup id) of the map @map_fd, with the
 * cgroup's path below @cgroup2, or NULL when that cgroup is gone: first in
 * the tree's order, then the gone ones. One pass over the map, one walk.
 */
typedef void (*entry_fn)(const char *rel, __u64 cgid, void *ctx);
int entries_walk(int map_fd, const char *cgroup2, entry_fn fn, void *ctx);

struct idmap;
struct map_snapshot;
/*
 * The policy entries and the profiles, each map read whole (snapshot.h):
 * what a pass over every cgroup compares against. 0, or -errno with both
 * left empty.
 */
int entries_snapshot(struct pins *p, struct map_snapshot *policies, struct map_snapshot *profiles);
/*
 * The cgroup id of every policy entry and every profile, each once, into
 * @ids (id -> (void *)1). 0 or -ENOMEM (@ids then holds some of them).
 */
int entries_ids(struct pins *p, struct idmap *ids);

/*
 * What is wrong with the pins, for a warning: NULL when every map is there
 * and every entry has the program its mode needs attached, whole.
 */
const char *entries_check(struct pins *p);

#endif
