/* SPDX-License-Identifier: GPL-2.0 */
/* Finding cgroup v2 and turning a user's CGROUP argument into a cgroup. */
#ifndef MPTCPIFY_CGROUP_H
#define MPTCPIFY_CGROUP_H

#include <limits.h>
#include <stdbool.h>
#include <linux/types.h>

struct cgroup_ref {
	char path[PATH_MAX]; /* absolute, e.g. /sys/fs/cgroup/unified/a/b */
	char rel[PATH_MAX];  /* relative to the mount, e.g. /a/b; "/" for the root */
	__u64 id;	     /* the kernel's cgroup id (kernfs inode number) */
};

/*
 * The first cgroup2 mount point listed in @mountinfo (a /proc/PID/mountinfo
 * file), with the kernel's octal escapes undone. Returns 0 or -ENOENT.
 */
int cgroup_mount_from(const char *mountinfo, char *out, size_t len);
/* The same for /proc/self/mountinfo, or $MPTCPIFY_CGROUP2 when set. */
int cgroup_mount(char *out, size_t len);

/* The caller's own cgroup v2 path ("/a/b"), from /proc/self/cgroup. 0 or -errno. */
int cgroup_own(char *rel, size_t len);

/* Flags of cgroup_resolve(). */
enum {
	/* Skip the statfs() check that the path is on cgroup2: unit tests run
	 * against a fake tree on tmpfs. */
	CGROUP_NO_FS_CHECK = 1 << 0,
};

/*
 * Resolve @arg to an existing cgroup v2 directory. @arg is a cgroupfs path,
 * a path relative to @mount, or one as /proc/PID/cgroup shows it ("/a/b",
 * below @mount, when no such absolute path exists). On error returns -errno and sets *why to a
 * sentence fit for "Error: ..." and *hint to a hint (or NULL).
 */
int cgroup_resolve(const char *mount, const char *arg, unsigned int flags, struct cgroup_ref *ref,
		   const char **why, const char **hint);

/*
 * Does the cgroup with @id still exist below the cgroup2 mount @mount_fd?
 * 1, 0, or -errno. Cgroup ids are never reused, so 0 is for good.
 */
int cgroup_id_alive(int mount_fd, __u64 id);
/* Open the cgroup with @id (O_DIRECTORY): an fd, -ENOENT when it is gone, or -errno. */
int cgroup_open_id(int mount_fd, __u64 id);
/* Its path below the cgroup2 mount @mount (opened as @mount_fd): "/" or "/a/b". */
int cgroup_rel_of(int mount_fd, const char *mount, __u64 id, char *rel, size_t len);

/* A cgroup met by cgroup_walk(). */
struct cgroup_node {
	const char *rel;  /* below the mount: "/" for the root, else "/a/b" */
	const char *path; /* in the filesystem: the mount and rel */
	__u64 id;
};

/*
 * Call @fn for the cgroup at @rel below @mount and every cgroup below it,
 * a parent before its children (so that a watch @fn adds on a parent is in
 * place before the children are read). CGROUP_WALK_PRUNE from @fn skips
 * that cgroup's descendants; another non-zero return stops the walk and is
 * returned. Cgroups removed during the walk are skipped.
 */
#define CGROUP_WALK_PRUNE INT_MIN
typedef int (*cgroup_walk_fn)(const struct cgroup_node *node, void *ctx);
int cgroup_walk(const char *mount, const char *rel, cgroup_walk_fn fn, void *ctx);

#endif
