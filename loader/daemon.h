/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mptcpify daemon: keeps the pinned policy equal to what the configuration's
 * selectors say about the cgroups that exist now. Private to daemon.c (the
 * loop), reconcile.c (cgroups to map entries) and metrics.c (Prometheus).
 */
#ifndef MPTCPIFY_DAEMON_H
#define MPTCPIFY_DAEMON_H

#include <limits.h>
#include <stdbool.h>
#include <time.h>
#include <linux/types.h>
#include "config.h"
#include "idmap.h"
#include "mptcpify.h"
#include "selector.h"

#define DAEMON_DEFAULT_CONFIG "/etc/mptcpify/config.yaml"
#define DAEMON_DEFAULT_METRICS "127.0.0.1:9464"
#define DAEMON_DEFAULT_PODS_DIR "/var/log/pods"

/* A watched cgroup directory, by inotify watch descriptor. */
struct watched {
	__u64 cgid;
	int wd;
	char pod_uid[37]; /* "" unless it is a pod's cgroup */
	char rel[];	  /* path below the cgroup2 mount, "/" for the root */
};

/* A policy entry the daemon made, by cgroup id. */
struct owned {
	int selector; /* index in the current configuration, -1 unknown */
	char rel[];
};

/* Counters of a selector's cgroups that are gone, so totals never go back. */
struct selector_totals {
	char name[CONFIG_NAME_MAX];
	__u64 sockets[MPTCPIFY_STAT_NR];
	__u64 subflow_applied;
	__u64 subflow_failed;
};

enum reconcile_trigger {
	TRIGGER_START,
	TRIGGER_RESYNC,
	TRIGGER_RELOAD,
	TRIGGER_OVERFLOW, /* the inotify queue overflowed: events were lost */
	TRIGGER_NR,
};

struct daemon {
	struct config cfg;
	const char *config_path;
	const char *pin_dir;
	char cgroup2[PATH_MAX];
	char pods_dir[PATH_MAX];
	const char *available_cc; /* NULL: unknown, any name accepted */
	char cc_buf[1024];
	int inotify_fd;
	int pods_wd;	      /* watch on pods_dir, -1 when it does not exist */
	struct idmap watches; /* wd -> struct watched */
	struct idmap by_path; /* hash of rel -> the same struct watched */
	struct idmap owned;   /* cgid -> struct owned */
	struct pod_table pods;
	struct selector_totals *totals; /* one per selector of cfg */
	int ntotals;
	bool cleanup_on_exit;
	bool healthy;
	char unhealthy[256]; /* why not */

	/* Counters for /metrics. */
	__u64 reconciles[TRIGGER_NR];
	double reconcile_seconds[TRIGGER_NR];
	double last_reconcile_seconds;
	__u64 reloads_applied, reloads_refused;
	__u64 cgroups_created, cgroups_removed;
	__u64 entries_set, entries_removed, apply_errors;
};

/* Log one event: logfmt on stderr (a JSON object per line with -j). */
void daemon_log(int level, const char *event, ...) __attribute__((sentinel));

/*
 * Reconcile everything: watch every cgroup, make the daemon's entries those
 * the selectors want, remove the rest. 0 or -errno (logged).
 */
int reconcile_all(struct daemon *d, enum reconcile_trigger why);
/* Handle the queued inotify events of the cgroup tree and the pods dir. */
int reconcile_events(struct daemon *d);
/* Remove every entry and profile the daemon made (--cleanup-on-exit). */
int reconcile_remove_all(struct daemon *d);
/*
 * Attach the programs @cfg needs: 0, or -errno and *why, and then only the
 * programs in @keep (and those entries need) stay.
 */
int reconcile_check_links(struct daemon *d, const struct config *cfg, unsigned int keep,
			  const char **why);
void reconcile_free(struct daemon *d);
/* Match the retired totals to the selectors of d->cfg, by name. */
int reconcile_totals(struct daemon *d);

/* The Prometheus text exposition of @d; caller frees. */
char *metrics_render(struct daemon *d);

#endif
