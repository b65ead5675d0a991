/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A reconcile pass: what reconcile.c changes in the pins in one go, and
 * what it reads of them.
 */
#ifndef MPTCPIFY_PASS_H
#define MPTCPIFY_PASS_H

#include <stdbool.h>
#include <stddef.h>
#include "state.h"
#include "core/attachpoint.h"
#include "core/idmap.h"
#include "core/pinstore.h"
#include "core/snapshot.h"

/*
 * One pass: the pins opened on first need, the programs attached once, and
 * the removals kept for last. A full pass reads the policy and profile maps
 * whole first (snap): 10,000 lookups one by one were most of a resync.
 */
struct pass {
	struct state *r;
	struct pins p;
	bool opened, snap;
	bool trust;	      /* prune the walk at watched cgroups with no watched child */
	unsigned int ensured; /* the links attached (or found whole) this pass */
	struct map_snapshot policies, profiles;
	int err;
	__u64 *removals;
	size_t nremovals, cap;
	struct idmap gone;	 /* removed cgroup ids -> their selector + 1 (0: none) */
	struct idmap *seen;	 /* a full walk: the cgroups it found */
	bool unloaded;		 /* finish() removed every pin */
	struct attach_points ap; /* read when the pins are opened */
};

/* Open the pins, once a pass: 0, or -errno (logged, and the pass's error). */
int pass_pins(struct pass *ps);
/* Remove @cgid's entry at the end of the pass, after every addition. */
void pass_queue_removal(struct pass *ps, __u64 cgid);
/* @cgid's entry (profile) when the pass began, or NULL; opened pins only. */
const struct mptcpify_policy *pass_cur_policy(struct pass *ps, __u64 cgid,
					      struct mptcpify_policy *buf);
const struct mptcpify_profile *pass_cur_profile(struct pass *ps, __u64 cgid,
						struct mptcpify_profile *buf);
/* The path of a cgroup whose entry the daemon made (@ctx: the daemon's state), or NULL. */
const char *pass_known_rel(__u64 cgid, void *ctx);
/* Did the daemon make @cgid's entry or profile, as the pass began? */
bool pass_ours(struct pass *ps, __u64 cgid);
/* The programs of @links attached: checked once a pass, not per cgroup. */
int pass_ensure_links(struct pass *ps, unsigned int links, const char **why);
/*
 * The end of a pass: the queued removals (after every addition), then the
 * programs, of which those of @links stay attached; the daemon's health
 * from its error. Returns it: 0 or -errno.
 */
int pass_finish(struct pass *ps, unsigned int links);
/* A full pass reads both maps whole (ps->snap), or leaves them to lookups. */
void pass_take_snapshot(struct pass *ps);
void pass_drop_snapshot(struct pass *ps);
/*
 * The cgroup ids of the policy entries and profiles as the pass began
 * (from the snapshot, or read now), each once, into @ids. 0 or -ENOMEM.
 */
int pass_entry_ids(struct pass *ps, struct idmap *ids);

#endif
