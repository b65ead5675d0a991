/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The network namespaces a cgroup's processes are in: what the path
 * manager settings of a cgroup are about (pm.h). A namespace is known by
 * its inode number and entered through /proc/PID/ns/net of one of its
 * processes.
 */
#ifndef MPTCPIFY_NETNS_H
#define MPTCPIFY_NETNS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <linux/types.h>

struct netns_found {
	__u64 ino;	     /* the namespace's inode number: its identity */
	pid_t pid;	     /* one of its processes, to enter it by */
	unsigned int nprocs; /* the cgroup's processes in it */
	bool host;	     /* PID 1's (else mptcpify's): shared with what is outside */
};

/*
 * The namespaces of the processes of the cgroup @path (its cgroupfs
 * directory) and of its descendants, each once, in the order first met,
 * into *out (free()) and *n. Processes that exit meanwhile are skipped.
 * 0 or -errno.
 */
int netns_of_cgroup(const char *path, struct netns_found **out, size_t *n);

/*
 * Open @ns through its process: an fd, or -errno (-ESRCH when the process
 * has gone or is in another namespace by now).
 */
int netns_open(const struct netns_found *ns);

/* The inode number of /proc/@pid/ns/net (0: the caller's), 0 on error. */
__u64 netns_ino_of(pid_t pid);

#endif
