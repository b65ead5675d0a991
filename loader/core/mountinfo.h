/* SPDX-License-Identifier: GPL-2.0 */
/* /proc/PID/mountinfo, read with libmount (util-linux): its escapes undone. */
#ifndef MPTCPIFY_MOUNTINFO_H
#define MPTCPIFY_MOUNTINFO_H

#include <stddef.h>

/* One mount: its mount point and its filesystem type. Nonzero stops the walk. */
typedef int (*mountinfo_fn)(const char *target, const char *fstype, void *ctx);

/*
 * @fn for every mount listed in @path, in order (a mount stacked on another
 * comes after it). Returns what @fn returned to stop, 0 at the end, or
 * -errno when @path cannot be read.
 */
int mountinfo_each(const char *path, mountinfo_fn fn, void *ctx);

/* How many mounts of @fstype are at @target: 2 or more means stacked. */
int mountinfo_count(const char *path, const char *fstype, const char *target);

#endif
