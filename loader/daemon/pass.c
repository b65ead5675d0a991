// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "pass.h"
#include "core/entries.h"
#include "core/growarray.h"
#include "core/lifecycle.h"

int pass_pins(struct pass *ps)
{
	const char *why = NULL;
	int err;

	if (ps->opened)
		return 0;
	err = lifecycle_open(&ps->p, ps->r->pin_dir, LIFECYCLE_ADOPT, &why);
	if (!err) {
		err = attachpoint_open(&ps->p, ps->r->cgroup2, &ps->ap);
		if (err) {
			why = "cannot read the attach points";
			pins_close(&ps->p);
		}
	}
	if (!err && ps->p.repaired)
		log_event(LOG_WARNING, "pins-repaired", "pin_dir", ps->p.dir, "first",
			  ps->p.repaired_what, NULL);
	if (!err && ps->p.moved_aside[0])
		log_event(LOG_WARNING, "pins-squatted", "pin_dir", ps->p.dir, "moved_to",
			  ps->p.moved_aside, NULL);
	if (err) {
		log_event(LOG_ERR, "pins", "error", why ? why : "cannot open", "errno",
			  strerror(-err), NULL);
		ps->err = err;
		return err;
	}
	ps->ap.known = pass_known_rel;
	ps->ap.known_ctx = ps->r;
	ps->opened = true;
	return 0;
}

void pass_queue_removal(struct pass *ps, __u64 cgid)
{
	if (growarray_reserve(ps->removals, ps->cap, ps->nremovals + 1)) {
		ps->err = -ENOMEM;
		return;
	}
	ps->removals[ps->nremovals++] = cgid;
}

/* Is @cgid's policy entry (profile) one the daemon made? Looked up now. */
static bool daemon_policy(struct pins *p, __u64 cgid)
{
	struct mptcpify_policy entry;

	return !entries_policy_get(p, cgid, &entry) && entry.owner == MPTCPIFY_OWNER_DAEMON;
}

static bool daemon_profile(struct pins *p, __u64 cgid)
{
	struct mptcpify_profile prof;

	return !entries_profile_get(p, cgid, &prof) && prof.owner == MPTCPIFY_OWNER_DAEMON;
}

/* @cgid's entry (profile) when the pass began, or NULL; opened pins only. */
const struct mptcpify_policy *pass_cur_policy(struct pass *ps, __u64 cgid,
					      struct mptcpify_policy *buf)
{
	if (ps->snap)
		return map_snapshot_get(&ps->policies, cgid);
	return !entries_policy_get(&ps->p, cgid, buf) ? buf : NULL;
}

const struct mptcpify_profile *pass_cur_profile(struct pass *ps, __u64 cgid,
						struct mptcpify_profile *buf)
{
	if (ps->snap)
		return map_snapshot_get(&ps->profiles, cgid);
	return !entries_profile_get(&ps->p, cgid, buf) ? buf : NULL;
}

const char *pass_known_rel(__u64 cgid, void *ctx)
{
	struct owned *o = idmap_get(&((struct state *)ctx)->owned, cgid);

	return o ? o->rel : NULL;
}

bool pass_ours(struct pass *ps, __u64 cgid)
{
	struct mptcpify_policy pbuf;
	struct mptcpify_profile fbuf;
	const struct mptcpify_policy *pol = pass_cur_policy(ps, cgid, &pbuf);
	const struct mptcpify_profile *prof = pass_cur_profile(ps, cgid, &fbuf);

	return (pol && pol->owner == MPTCPIFY_OWNER_DAEMON) ||
	       (prof && prof->owner == MPTCPIFY_OWNER_DAEMON);
}

/* The programs of @links, attached: checked once a pass, not per cgroup. */
int pass_ensure_links(struct pass *ps, unsigned int links, const char **why)
{
	int err;

	if ((ps->ensured & links) == links)
		return 0;
	err = lifecycle_ensure_links(&ps->p, links, why);
	if (!err)
		ps->ensured |= links;
	return err;
}

void pass_drop_snapshot(struct pass *ps)
{
	map_snapshot_free(&ps->policies);
	map_snapshot_free(&ps->profiles);
	ps->snap = false;
}

/* A full pass: both maps read whole, or looked up one by one as events do. */
void pass_take_snapshot(struct pass *ps)
{
	ps->snap = !entries_snapshot(&ps->p, &ps->policies, &ps->profiles);
}

int pass_entry_ids(struct pass *ps, struct idmap *ids)
{
	struct map_snapshot *snaps[] = {&ps->policies, &ps->profiles};
	size_t i, it;
	__u64 key;

	if (!ps->snap)
		return entries_ids(&ps->p, ids);
	for (i = 0; i < sizeof(snaps) / sizeof(snaps[0]); i++)
		for (it = 0; map_snapshot_next(snaps[i], &it, &key);)
			if (idmap_put(ids, key, (void *)1))
				return -ENOMEM;
	return 0;
}

static void remove_entry(struct pass *ps, __u64 cgid)
{
	struct owned *o = idmap_del(&ps->r->owned, cgid);
	struct entry_counters gone;

	if (pass_pins(ps)) {
		free(o);
		return;
	}
	/* Its counters go into its selector's totals, which never go back. */
	if (o && o->selector >= 0 && o->selector < ps->r->cfg.nselectors) {
		entry_counters_read(&ps->p, cgid, &gone);
		entry_counters_add(&ps->r->totals[o->selector].counters, &gone);
		entry_counters_free(&gone);
	}
	idmap_put(&ps->gone, cgid, (void *)(uintptr_t)(o ? o->selector + 1 : 0));
	if (daemon_profile(&ps->p, cgid))
		entries_profile_delete(&ps->p, cgid);
	if (daemon_policy(&ps->p, cgid) && !entries_policy_delete(&ps->p, cgid)) {
		ps->r->stats.entries_removed++;
		log_event(LOG_INFO, "release", "cgroup", o ? o->rel : "(gone)", NULL);
	}
	free(o);
}

/*
 * The refused options and fallback reasons of the removed cgroups, in one
 * pass over their maps: into their selectors' totals, and out of the maps.
 */
static void retire_tallies(struct pass *ps)
{
	struct idmap tallies = {0};
	uintptr_t selector;
	size_t it;
	__u64 cgid;
	void *val;

	counters_tallies_load(&ps->p, &ps->gone, &tallies);
	for (it = 0; idmap_next(&tallies, &it, &cgid, &val);) {
		selector = (uintptr_t)idmap_get(&ps->gone, cgid);
		if (selector && selector <= (uintptr_t)ps->r->cfg.nselectors)
			entry_counters_add(&ps->r->totals[selector - 1].counters, val);
	}
	counters_tallies_free(&tallies);
	counters_tallies_forget(&ps->p, &ps->gone);
}

int pass_finish(struct pass *ps, unsigned int links)
{
	const char *why = NULL;
	bool sync;
	size_t i;
	int err;

	for (i = 0; i < ps->nremovals; i++)
		remove_entry(ps, ps->removals[i]);
	free(ps->removals);
	if (ps->opened && ps->gone.n)
		retire_tallies(ps);
	idmap_free(&ps->gone);
	if (ps->opened) {
		err = lifecycle_ensure_links(&ps->p, links, &why);
		if (err)
			ps->err = err;
		/*
		 * The attach points follow the entries when this pass added one or
		 * removed an entry: not for each pod an attach point covers, nor
		 * for a resync that changed nothing (the plan of 10,000 pods
		 * doubled its time).
		 */
		sync = ps->ap.dirty || ps->nremovals;
		err = entries_release(&ps->p, links, sync ? &ps->ap : NULL, &ps->unloaded);
		if (err) {
			ps->err = err;
			log_event(LOG_ERR, "attach-points", "error", strerror(-err), NULL);
		}
		attachpoint_close(&ps->ap);
		pins_close(&ps->p);
	}
	ps->r->healthy = !ps->err && !ps->r->pins_hidden;
	ps->r->pinned = ps->opened && !ps->unloaded;
	ps->r->version++;
	if (ps->err)
		snprintf(ps->r->unhealthy, sizeof(ps->r->unhealthy), "last change failed: %s",
			 strerror(-ps->err));
	else if (ps->r->pins_hidden)
		snprintf(ps->r->unhealthy, sizeof(ps->r->unhealthy),
			 "a bpffs mounted over the pins hides a set still running");
	return ps->err;
}
