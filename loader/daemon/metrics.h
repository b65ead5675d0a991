/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's Prometheus text exposition (format 0.0.4).
 *
 * A scrape renders from a snapshot, which the daemon's loop takes of its own
 * state, and from the counters of the pinned maps: it never reads the loop's
 * state itself. Counters of removed cgroups were folded into their
 * selector's totals, so a selector's counters only ever grow while the
 * daemon runs.
 */
#ifndef MPTCPIFY_METRICS_H
#define MPTCPIFY_METRICS_H

#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <sys/stat.h>
#include "kube.h"
#include "state.h"
#include "core/pinstore.h"

/*
 * An enforced cgroup, as a scrape sees it. Strings point into the
 * snapshot's; a Kubernetes name is "" where the node does not tell it.
 */
struct metrics_cgroup {
	__u64 cgid;
	int selector;
	const char *rel;
	const char *pod_uid;	  /* the pod it is or is in (kube.h: in_pod) */
	const char *namespace;	  /* that pod's, from the pods directory */
	const char *pod;	  /* its name, likewise */
	const char *container_id; /* a container's cgroup: its ID */
};

struct metrics_selector {
	char name[CONFIG_NAME_MAX];
	__u32 mode;
	bool profile;
	struct entry_counters gone; /* the counters of its removed cgroups */
};

/* A namespace where a selector's path-manager settings were applied or refused. */
struct metrics_pm {
	int selector;
	char *rel; /* the cgroup it was found through */
	__u64 netns;
	int err; /* 0, or a positive errno */
};

struct metrics_snapshot {
	int refs;	  /* under the feed's lock */
	struct pins pins; /* the maps' counters, read at scrape time */
	bool pinned;
	int nselectors;
	struct metrics_selector *selectors;
	size_t ncgroups;
	struct metrics_cgroup *cgroups;
	size_t npm;
	struct metrics_pm *pm;
	struct reconcile_stats stats;
	size_t watched;
	size_t unwatched; /* directories whose watch failed */
	bool healthy;
	enum cgroup_metrics cgroup_metrics; /* what the configuration asks for */
	char containers_dir[PATH_MAX];	    /* the kubelet's container log links */
	char *strings;
};

/*
 * A copy of what a scrape needs of @r, with the pinned maps opened for
 * reading; NULL on allocation failure.
 */
struct metrics_snapshot *metrics_snapshot_take(const struct state *r);
void metrics_snapshot_free(struct metrics_snapshot *s);

/* Reads the counters of one live entry (from the pins; in tests, from anywhere). */
typedef void (*metrics_read_fn)(void *ctx, __u64 cgid, struct entry_counters *out);

/* socket() calls the hook did not decide: they stayed as they were. */
struct hook_misses {
	__u64 tail_call; /* the hook ran, its tail call did not */
	__u64 recursion; /* the kernel skipped the hook (lifecycle.h) */
};

/* A container's name by its ID, NULL when unknown. */
typedef const char *(*metrics_name_fn)(void *ctx, const char *container_id);

/* Where a rendering reads what the snapshot does not hold. */
struct metrics_source {
	metrics_read_fn read;	   /* NULL when nothing is pinned */
	metrics_name_fn container; /* NULL: no container names */
	void *ctx;
	struct hook_misses misses;
};

/*
 * The exposition of @s into @f. The per-cgroup families as @level says:
 * with "all", a series per enforced cgroup, labelled with its path and, in
 * a pod, with namespace, pod and container names; with "pods", a series
 * per pod and selector, its cgroups summed, labelled with namespace, pod and
 * uid (cgroups in no pod left out); with "off", none (the HELP and TYPE
 * stay). The selectors' families count every cgroup whatever @level.
 */
void metrics_write(FILE *f, const struct metrics_snapshot *s, const struct metrics_source *src,
		   enum cgroup_metrics level);

/*
 * Between the daemon's loop, which publishes snapshots, and the server's
 * thread, which renders them. The loop only ever takes the short lock that
 * guards the snapshot; rendering happens under another, one at a time, and
 * a rendering is served again for a second, however many clients ask.
 */
struct metrics_feed {
	pthread_mutex_t lock;	     /* snap */
	pthread_mutex_t render_lock; /* body, body_at */
	struct metrics_snapshot *snap;
	char *body;
	double body_at; /* monotime_s() */
	bool cgroups;	/* false: --cgroup-metrics off, whatever the file says */
	/* Under render_lock: read again when the links directory changed, or a name was missing. */
	struct container_table containers;
	struct stat containers_st;
	bool containers_missed;
};

/*
 * @cgroups false leaves the per-cgroup families out whatever the
 * configuration's cgroup-metrics says; true lets it decide.
 */
void metrics_feed_init(struct metrics_feed *f, bool cgroups);
void metrics_feed_free(struct metrics_feed *f);
/* Publish @s (taken over) in place of the last snapshot. */
void metrics_feed_publish(struct metrics_feed *f, struct metrics_snapshot *s);
/* The exposition of the last snapshot; caller frees. NULL when there is none. */
char *metrics_feed_render(struct metrics_feed *f);

#endif
