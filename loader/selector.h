/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which selector of the configuration a cgroup falls under. Pure functions
 * of the cgroup's path (relative to the cgroup2 mount) and a pod table.
 *
 * Kubernetes cgroups, as the kubelet and the runtimes name them:
 *   systemd driver:  kubepods.slice/kubepods-burstable.slice/
 *                      kubepods-burstable-pod<uid with _>.slice/
 *                        cri-containerd-<id>.scope | crio-<id>.scope | docker-<id>.scope
 *   cgroupfs driver: kubepods/burstable/pod<uid>/<id> | crio-<id>
 * (Guaranteed pods sit directly below kubepods; any prefix above kubepods,
 * such as kind's kubelet.slice, is allowed.) A pod selector matches the pod
 * cgroup only, so that its containers, created later inside it, inherit.
 */
#ifndef MPTCPIFY_SELECTOR_H
#define MPTCPIFY_SELECTOR_H

#include <stdbool.h>
#include "config.h"
#include "idmap.h"

struct cgroup_kind {
	char pod_uid[37];      /* this cgroup is a pod's: its UID with dashes */
	char container_id[65]; /* this cgroup is a container's: its ID */
	const char *unit;      /* this cgroup is a systemd unit's: its name */
};

/* Classify @rel ("/a/b" or "a/b"); unit points into @rel. */
void cgroup_classify(const char *rel, struct cgroup_kind *k);

/* Namespace and name of the pod with a UID, as /var/log/pods tells them. */
struct pod {
	char uid[37];
	char namespace[64];
	char name[256];
};

struct pod_table {
	struct pod *pods;
	int n, cap;
	struct idmap by_uid; /* hash of the UID -> index + 1 in pods */
};

/*
 * A /var/log/pods directory name, "<namespace>_<name>_<uid>", into @pod.
 * Namespaces and pod names cannot hold '_', so the split is unambiguous.
 */
int pod_from_log_dir(const char *dirname, struct pod *pod);

/* Fill @t from the directory @dir (missing: empty table). 0 or -errno. */
int pod_table_load(struct pod_table *t, const char *dir);
int pod_table_add(struct pod_table *t, const struct pod *pod);
void pod_table_remove(struct pod_table *t, const char *uid);
const struct pod *pod_table_find(const struct pod_table *t, const char *uid);
void pod_table_free(struct pod_table *t);

/*
 * The index of the first selector of @c matching the cgroup at @rel, or -1.
 * Pod selectors by namespace or name need the pod in @pods.
 */
int selector_match(const struct config *c, const char *rel, const struct pod_table *pods);

#endif
