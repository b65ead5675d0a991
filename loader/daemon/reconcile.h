/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's work: keep the pinned policy equal to what the configuration's
 * selectors say about the cgroups that exist now.
 */
#ifndef MPTCPIFY_RECONCILE_H
#define MPTCPIFY_RECONCILE_H

#include <stdbool.h>
#include "state.h"

/*
 * Reconcile everything: watch every cgroup, make the daemon's entries those
 * the selectors want, remove the rest. 0 or -errno (logged).
 */
int reconcile_all(struct state *r, enum reconcile_trigger why);
/*
 * Handle the queued inotify events of the cgroup tree, the pods dir and
 * the pin directory (a pin gone is repaired at once, as reconcile_repair()).
 * -EXDEV when the daemon must exit for a new start.
 */
int reconcile_events(struct state *r);
/*
 * Are the pins the last pass left (and the programs the configuration
 * needs) gone (removed, unloaded or unmounted), not what runs (by id), or
 * hidden under another bpffs? A few stat()s and map lookups.
 */
bool reconcile_pins_lost(struct state *r);
/*
 * If so, a full pass makes them again. -EXDEV when it cannot: bpffs gone
 * under a sandboxed service, which only a new start can mount on the host.
 */
int reconcile_repair(struct state *r);
/* Remove every entry and profile the daemon made (--cleanup-on-exit). */
int reconcile_remove_all(struct state *r);

/*
 * Attach the programs @cfg needs: 0, or -errno and *why, and then only the
 * programs in @keep (and those entries need) stay.
 */
int reconcile_check_links(struct state *r, const struct config *cfg, unsigned int keep,
			  const char **why);

#endif
