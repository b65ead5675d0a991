/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a cgroup is, by where it is: a systemd unit's, a Kubernetes pod's,
 * a container's (kube.h has the layouts). A name counts only in its place,
 * so a workload naming the cgroups of its own subtree picks up nothing.
 */
#ifndef MPTCPIFY_CLASSIFY_H
#define MPTCPIFY_CLASSIFY_H

#include "kube.h"

struct cgroup_kind {
	char pod_uid[POD_UID_LEN + 1];		 /* this cgroup is a pod's: its UID */
	char container_id[CONTAINER_ID_LEN + 1]; /* this cgroup is a container's: its ID */
	char in_pod[POD_UID_LEN + 1];		 /* the pod it is, or a child of: its UID */
	const char *unit;			 /* this cgroup is a systemd unit's: its name */
};

/* Classify @rel ("/a/b" or "a/b"); unit points into @rel. */
void classify_cgroup(const char *rel, struct cgroup_kind *k);

/*
 * Is @rel a unit other than a slice, or below one? Then nothing below it
 * is a unit, pod or container (classify_cgroup()), whatever its name.
 */
bool classify_inside_unit(const char *rel);

#endif
