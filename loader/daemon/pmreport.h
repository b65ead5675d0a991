/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The path-manager results (pmapply.h) where `mptcpify stats` reads them:
 * the pinned map of core/pmresults.h, one row per enforced cgroup and
 * namespace of its processes. Each sweep builds the rows it found; the
 * map is written only when they differ from what it shows, or when it is
 * another map than the last one written (the pins were made anew).
 */
#ifndef MPTCPIFY_PMREPORT_H
#define MPTCPIFY_PMREPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "core/pmresults.h"

struct state;

struct pm_report {
	struct pmresult_key *pairs; /* this sweep: each cgroup and namespace of it */
	size_t npairs, pairs_cap;
	struct pmresult_row *shown; /* in the pinned map, sorted */
	size_t nshown;
	struct pmresult_row *restored; /* one per cgroup, while its entry stays */
	size_t nrestored, restored_cap;
	__u32 map_id;	 /* the map that shows them: another one is filled anew */
	int publish_err; /* the last error writing it: logged once */
};

/* This sweep found @netns among the namespaces of @cgid's processes. */
void pmreport_pair(struct pm_report *rep, __u64 cgid, __u64 netns);
/*
 * @netns was restored (@err: 0, or the -errno of putting it back): a
 * restored row for each cgroup that showed it, while their entries stay.
 */
void pmreport_restored(struct pm_report *rep, __u64 netns, int err);
/* What a namespace's row says, from its result: false for one not known. */
typedef bool (*pmreport_result_fn)(void *ctx, __u64 netns, struct pmresult_val *v);
/* Write what the sweep found into the pinned map of @r's pins, if it changed. */
void pmreport_publish(struct pm_report *rep, struct state *r, pmreport_result_fn result, void *ctx);
/* Free the rows (the pinned map keeps them). */
void pmreport_free(struct pm_report *rep);

#endif
