/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The cgroup watch table: an inotify watch on every cgroup directory, found
 * by watch descriptor (events) and by path (removals heard from a parent).
 */
#ifndef MPTCPIFY_WATCH_H
#define MPTCPIFY_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "kube.h"
#include "core/idmap.h"

struct watched {
	__u64 cgid;
	int wd;
	unsigned int children;	       /* watches of the cgroups directly below */
	struct watched *same_hash;     /* next in by_path whose rel hashes alike */
	char pod_uid[POD_UID_LEN + 1]; /* "" unless it is a pod's cgroup */
	char rel[];		       /* path below the cgroup2 mount, "/" for the root */
};

struct watch_table {
	int inotify_fd;
	struct idmap by_wd; /* wd -> struct watched */
	/*
	 * Hash of rel -> a chain of struct watched, linked by same_hash: cgroup
	 * names are chosen by whoever may make cgroups, and two whose hashes
	 * collide must not take each other's place. Lookups compare the path.
	 */
	struct idmap by_path;
};

/* An empty table with its inotify instance; 0 or -errno. */
int watch_init(struct watch_table *t);
void watch_free(struct watch_table *t);

/*
 * Watch the cgroup @id at @rel (@path in the filesystem) for children made
 * and removed. NULL if that failed (out of watches: logged).
 */
struct watched *watch_add(struct watch_table *t, const char *rel, const char *path, __u64 id);
struct watched *watch_by_wd(const struct watch_table *t, int wd);
struct watched *watch_at(const struct watch_table *t, const char *rel);
/* Forget @w; with @rm, remove its inotify watch too (not after IN_IGNORED). */
void watch_drop(struct watch_table *t, struct watched *w, bool rm);
/* Drop the watches of cgroups not in @seen (cgroup ids): removed unheard. */
void watch_drop_unseen(struct watch_table *t, const struct idmap *seen);

/* Visit every watch: for (i = 0; (w = watch_next(t, &i));) */
struct watched *watch_next(const struct watch_table *t, size_t *iter);

#endif
