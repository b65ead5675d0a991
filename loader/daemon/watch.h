/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The cgroup watch table: an inotify watch on every cgroup directory, found
 * by watch descriptor (events) and by path (removals heard from a parent).
 *
 * A cgroup whose watch could not be made (out of watches: whoever may make
 * cgroups can use them all up) keeps an entry without one, unwatched: its
 * parent counts it as a child, so no resync stops above it, and each resync
 * visits it and what is below, and tries again. So does a cgroup whose
 * subtree no selector can match, which needs none (spare): it is there so
 * that its removal, heard from its parent, still releases its entry.
 */
#ifndef MPTCPIFY_WATCH_H
#define MPTCPIFY_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "kube.h"
#include "core/idmap.h"
#include "core/strmap.h"

struct watched {
	__u64 cgid;
	int wd;			       /* -1: not watched (in nowatch) */
	bool spare;		       /* not watched as it needs no watch */
	unsigned int children;	       /* entries of the cgroups directly below */
	char pod_uid[POD_UID_LEN + 1]; /* "" unless it is a pod's cgroup */
	char rel[];		       /* path below the cgroup2 mount, "/" for the root */
};

struct watch_table {
	int inotify_fd;
	struct idmap by_wd; /* wd -> struct watched */
	/*
	 * rel -> struct watched: cgroup names are chosen by whoever may make
	 * cgroups, so the table keys by the path itself, not a hash of it.
	 */
	struct strmap by_path;
	struct idmap nowatch; /* cgid -> struct watched without a watch */
	size_t unwatched;     /* those of them that need one */
	int err;	      /* why the last watch failed: errno */
	bool full;	      /* out of watches at the last try */
	bool lost;	      /* a cgroup not even recorded (out of memory) */
	__u64 dropped;	      /* watches given back, ever */
	size_t reported;      /* unwatched, as last logged */
	bool warned;	      /* a warning logged, its all-clear not yet */
	double warned_at;     /* CLOCK_MONOTONIC seconds */
};

/* An empty table with its inotify instance; 0 or -errno. */
int watch_init(struct watch_table *t);
void watch_free(struct watch_table *t);

/*
 * Watch the cgroup @id at @rel (@path in the filesystem) for children made
 * and removed. Where the watch cannot be made, an unwatched entry (t->err
 * says why); NULL if the cgroup is gone, or out of memory (t->lost).
 */
struct watched *watch_add(struct watch_table *t, const char *rel, const char *path, __u64 id);
/* The cgroup @id at @rel needs no watch: a spare entry, its watch removed. */
struct watched *watch_spare(struct watch_table *t, const char *rel, __u64 id);
struct watched *watch_by_wd(const struct watch_table *t, int wd);
struct watched *watch_at(const struct watch_table *t, const char *rel);
/* Forget @w; with @rm, remove its inotify watch too (not after IN_IGNORED). */
void watch_drop(struct watch_table *t, struct watched *w, bool rm);
/* Drop the watches of cgroups not in @seen (cgroup ids): removed unheard. */
void watch_drop_unseen(struct watch_table *t, const struct idmap *seen);

/* Visit every entry, watched or not: for (i = 0; (w = watch_next(t, &i));) */
struct watched *watch_next(const struct watch_table *t, size_t *iter);

/*
 * The paths of up to @max unwatched cgroups whose parent is watched: a
 * walk from each covers the others. Into @out (caller frees each and it).
 */
size_t watch_unwatched_tops(const struct watch_table *t, char ***out, size_t max);

/*
 * Log when cgroups go unwatched (adding @others, directories besides) and
 * when all are watched again: on a change, not per cgroup, and a warning
 * at most once a minute however it flaps. true when the count changed.
 */
bool watch_report(struct watch_table *t, size_t others);

#endif
