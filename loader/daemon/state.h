/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's state: its configuration, the cgroups it watches, the entries
 * it made and what it counted. reconcile.c changes it; a scrape reads a
 * snapshot of it (metrics.c).
 */
#ifndef MPTCPIFY_STATE_H
#define MPTCPIFY_STATE_H

#include <limits.h>
#include <stdbool.h>
#include <linux/types.h>
#include "config.h"
#include "kube.h"
#include "watch.h"
#include "core/counters.h"
#include "core/idmap.h"

struct pm_table;

/* A policy entry the daemon made, by cgroup id. */
struct owned {
	int selector; /* index in the current configuration, -1 unknown */
	char rel[];
};

/* Counters of a selector's cgroups that are gone, so totals never go back. */
struct selector_totals {
	char name[CONFIG_NAME_MAX];
	struct entry_counters counters;
};

enum reconcile_trigger {
	TRIGGER_START,
	TRIGGER_RESYNC,
	TRIGGER_RELOAD,
	TRIGGER_OVERFLOW, /* the inotify queue overflowed: events were lost */
	TRIGGER_REPAIR,	  /* the pins went (removed, unloaded, unmounted) */
	TRIGGER_NR,
};

const char *state_trigger_name(enum reconcile_trigger t);

/* What the daemon did, for /metrics. */
struct reconcile_stats {
	__u64 reconciles[TRIGGER_NR];
	double reconcile_seconds[TRIGGER_NR];
	double last_reconcile_seconds;
	__u64 reloads_applied, reloads_refused;
	__u64 cgroups_created, cgroups_removed;
	__u64 entries_set, entries_removed, apply_errors;
};

struct state {
	struct config cfg;
	const char *pin_dir;
	char cgroup2[PATH_MAX];
	char pods_dir[PATH_MAX];
	struct watch_table watches;
	int pods_wd;	     /* watch on pods_dir, -1 when it does not exist */
	bool pods_unwatched; /* it exists, its watch failed: each full pass reads it */
	struct idmap owned;  /* cgid -> struct owned */
	struct pod_table pods;
	struct selector_totals *totals; /* one per selector of cfg */
	bool healthy;
	char unhealthy[256]; /* why not */
	bool pinned;	     /* the last pass left pins behind */
	int bpffs_mounts;    /* stacked at the pins' mount point at start */
	bool pins_hidden;    /* more since: a bpffs mounted over the pins */
#define PINWATCH_DIRS 4
	int pin_wds[PINWATCH_DIRS]; /* pinwatch.h: -1 when not watched */
	bool pins_touched;	    /* one of them saw a pin go */
	__u64 version;		    /* bumped by every pass: what a snapshot shows */
	struct pm_table *pm;	    /* pmapply.h: NULL until a selector has path-manager */
	struct reconcile_stats stats;
};

/* Set up @r for @cfg (taken over) with its inotify instance; 0 or -errno. */
int state_init(struct state *r, struct config *cfg, const char *pin_dir, const char *cgroup2,
	       const char *pods_dir);
void state_free(struct state *r);

/* Take @next (taken over) as the configuration; its selectors keep their totals by name. */
int state_set_config(struct state *r, struct config *next);

/* Remember that the daemon made @cgid's entry, for @selector. */
int state_remember(struct state *r, __u64 cgid, int selector, const char *rel);

#endif
