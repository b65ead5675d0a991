/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Path-manager settings applied (pmconfig.h): in each network namespace
 * that the processes of a cgroup enforced by a selector with a
 * path-manager block are in, once, by the first selector to find it. What
 * was there is saved first and put back when no such cgroup has a process
 * there any more (its entry went, or its processes left). The host's
 * namespace (PID 1's) is left alone unless the selector says
 * host-namespace: true. Failures are reported, never fatal.
 *
 * Namespaces are looked for after every reconcile pass: an entry made, a
 * cgroup event, and the resync, which finds the namespaces that processes
 * brought into a cgroup since. A full pass (the resync, a reload) also
 * tries again where the settings were refused, and sets anew, restoring
 * first, where the block that set them is no longer what the selectors
 * that find the namespace say (a reload changed it). A result is logged
 * when it changes, not at each try, and shown per cgroup by `stats`
 * (pmreport.h).
 */
#ifndef MPTCPIFY_PMAPPLY_H
#define MPTCPIFY_PMAPPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include <linux/types.h>
#include "pmconfig.h"
#include "pmreport.h"
#include "core/netns.h"
#include "core/pm.h"

struct state;

/* One namespace the daemon looked at. */
struct pm_applied {
	__u64 netns;	  /* its inode number */
	int fd;		  /* held open until restored: -1 when nothing was changed */
	int selector;	  /* the selector that set it */
	char *rel;	  /* the cgroup it was found through */
	int err;	  /* 0: applied; else the first -errno */
	const char *what; /* the step that failed, or "applied" */
	bool limits_set;
	struct pm_limits before;
	__u8 added[PM_LIMIT_MAX * 4]; /* endpoint ids the daemon added */
	size_t nadded;
	__u8 ids_before[32];   /* a bitmap of the endpoint ids there before */
	unsigned int sweep;    /* the last sweep that found it */
	struct pm_config cfg;  /* the block it was set from */
	struct netns_found ns; /* entered through, last: for another try */
	bool matched;	       /* this sweep: a selector with that block found it */
	int want;	       /* else the first selector that did, or -1 */
	unsigned int tried;    /* the last sweep that set it */
	time_t since;	       /* when its result became what it is */
};

struct pm_table {
	struct pm_applied *v;
	size_t n, cap;
	unsigned int sweep;
	struct pm_report report; /* what `stats` shows */
};

/*
 * Apply where new namespaces are, restore where none is left; with
 * @full (a full pass), try again where refused.
 */
void pmapply_sweep(struct state *r, bool full);
/* At exit: restore every namespace when @restore, then free the table. */
void pmapply_free(struct state *r, bool restore);

#endif
