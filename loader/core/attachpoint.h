/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The cgroup programs' attach points, in the pin store: one link per
 * program and attach point, pinned as links/<program>/<cgroup id>, where
 * attachplan.h says. A cgroup program is enabled while links/<program> is
 * a directory; every attach point has a link of every enabled program.
 *
 * Changes never leave a window: an entry's cgroup is covered before the
 * entry is written (attachpoint_cover), and an attach point that the plan
 * replaces goes only after its replacement is attached (attachpoint_sync).
 * Meanwhile a socket below both runs a program twice, which decides the
 * same twice.
 */
#ifndef MPTCPIFY_ATTACHPOINT_H
#define MPTCPIFY_ATTACHPOINT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "pinstore.h"

struct attach_point {
	__u64 id;
	char *rel; /* below the cgroup2 mount */
};

/* The path of the cgroup with @id as the caller knows it, or NULL. */
typedef const char *(*attachpoint_known_fn)(__u64 id, void *ctx);

struct attach_points {
	struct attach_point *v;
	size_t n, cap;
	char mount[PATH_MAX]; /* the cgroup2 mount, "" when none */
	int mount_fd;
	bool dirty;		    /* an attach point was added: attachpoint_sync() tidies */
	attachpoint_known_fn known; /* optional: spares a lookup per entry */
	/*
	 * Many entries are coming (a daemon's first pass): cover a cgroup whose
	 * parent has ATTACHPLAN_COLLAPSE subdirectories at that parent, rather
	 * than attaching at 63 pods first. attachpoint_sync() corrects it
	 * where fewer of them got an entry.
	 */
	bool bulk;
	void *known_ctx;
};

/*
 * Read the attach points of the pins @p (opened exclusively) into @ap.
 * Those whose cgroup is gone (the kernel detached their links) go. @mount
 * is the cgroup2 mount, or NULL to look it up.
 */
int attachpoint_open(struct pins *p, const char *mount, struct attach_points *ap);
void attachpoint_close(struct attach_points *ap);

/*
 * Make sure the cgroup at @rel has an attach point at or above it, for
 * every enabled program: before its entry is written. 0 or -errno, *why.
 */
int attachpoint_cover(struct pins *p, struct attach_points *ap, const char *rel, const char **why);

/*
 * Move the attach points to the plan for the entries now in the maps: the
 * new ones attached first, then those no longer planned detached; a
 * missing link of a planned one is attached again.
 */
int attachpoint_sync(struct pins *p, struct attach_points *ap, const char **why);

/* Enable program @link: its directory, and a link at every attach point. */
int attachpoint_enable(struct pins *p, enum pins_link link, const char **why);
/* Detach @link everywhere and disable it. */
void attachpoint_disable(struct pins *p, enum pins_link link);
/* Swap the program of every link of @link for @prog_fd, in place. */
int attachpoint_update(struct pins *p, enum pins_link link, int prog_fd);
/* Is @link enabled the way of this build (a directory of links)? */
bool attachpoint_enabled(const struct pins *p, enum pins_link link);

/* Visit the attach points: cgroup id, path (NULL when gone), PINS_LINK_BIT()s. */
typedef void (*attachpoint_fn)(__u64 id, const char *rel, unsigned int links, void *ctx);
void attachpoint_each(struct pins *p, const char *mount, attachpoint_fn fn, void *ctx);

#endif
