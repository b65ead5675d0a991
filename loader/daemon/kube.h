/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kubernetes names, as the kubelet and the runtimes write them: pod UIDs,
 * pod and container cgroups, and the node's /var/log/pods directories.
 *
 * Kubernetes cgroups:
 *   systemd driver:  kubepods.slice/kubepods-burstable.slice/
 *                      kubepods-burstable-pod<uid with _>.slice/
 *                        cri-containerd-<id>.scope | crio-<id>.scope | docker-<id>.scope
 *   cgroupfs driver: kubepods/burstable/pod<uid>/<id> | crio-<id>
 * (Guaranteed pods sit directly below kubepods; any prefix above kubepods,
 * such as kind's kubelet.slice, is allowed.)
 *
 * Container names: the kubelet links each container's log as
 *   /var/log/containers/<pod>_<namespace>_<container>-<id>.log
 * (a sibling of /var/log/pods), which is the one place on a node that maps
 * a runtime's container ID to the name the pod spec gave it.
 */
#ifndef MPTCPIFY_KUBE_H
#define MPTCPIFY_KUBE_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include "core/strmap.h"

#define POD_UID_LEN 36
#define CONTAINER_ID_LEN 64

/*
 * A pod UID as the API shows it, 8-4-4-4-12 hex digits, from @n bytes of
 * @s: dashes, or underscores as systemd slices escape them, either case.
 * Written lower case with dashes to @out. 0 or -EINVAL.
 */
int pod_uid_normalize(const char *s, size_t n, char out[POD_UID_LEN + 1]);

/* @n bytes of @s are lower-case hex digits: a runtime's container ID. */
static inline bool kube_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static inline bool kube_ends_with(const char *s, size_t n, const char *suffix)
{
	size_t m = strlen(suffix);

	return n >= m && !memcmp(s + n - m, suffix, m);
}

/* Namespace and name of the pod with a UID, as /var/log/pods tells them. */
struct pod {
	char uid[POD_UID_LEN + 1];
	char namespace[64];
	char name[256];
};

/*
 * The pods of /var/log/pods, by directory. Two directories may name one UID
 * (a leftover, or someone's doing): the first seen speaks for it, and the
 * other takes over only when it goes, so removing a duplicate never drops
 * the live pod.
 */
/* A pod of a table: its names at their length, in one allocation. */
struct pod_entry {
	char uid[POD_UID_LEN + 1];
	const char *name; /* after namespace */
	char namespace[];
};

struct pod_table {
	struct pod_entry **pods;
	int n;
	size_t cap;
	int dups;	      /* directories whose UID another one speaks for */
	struct strmap by_uid; /* UID -> index + 1 of the pod that speaks for it */
	struct strmap by_dir; /* the directory's name -> index + 1 */
};

/*
 * A /var/log/pods directory name, "<namespace>_<name>_<uid>", into @pod.
 * Namespaces and pod names cannot hold '_', so the split is unambiguous.
 */
int pod_from_log_dir(const char *dirname, struct pod *pod);

/*
 * Is the entry @name of the pods directory @dirfd the kubelet's: a
 * directory owned by root? A plain file, or a directory someone else made,
 * names no pod.
 */
bool pod_dir_trusted(int dirfd, const char *name);

/* Fill @t from the trusted entries of @dir (missing: empty table). 0 or -errno. */
int pod_table_load(struct pod_table *t, const char *dir);
int pod_table_add(struct pod_table *t, const struct pod *pod);
/* Remove the directory @pod was read from. */
void pod_table_remove(struct pod_table *t, const struct pod *pod);
const struct pod_entry *pod_table_find(const struct pod_table *t, const char *uid);
void pod_table_free(struct pod_table *t);

/* A container, as the name of its log link tells it. */
struct container {
	char id[CONTAINER_ID_LEN + 1];
	char namespace[64];
	char pod[256];
	char name[64];
};

/*
 * "<pod>_<namespace>_<container>-<id>.log" into @c: none of the three names
 * can hold '_', and the ID is 64 hex digits, so the split is unambiguous.
 * 0 or -EINVAL.
 */
int container_from_log_link(const char *filename, struct container *c);

/* Where the container log links are: "containers" beside @pods_dir. */
void kube_containers_dir(const char *pods_dir, char *out, size_t len);

/* The containers of a links directory, by ID; the first link of an ID speaks for it. */
struct container_table {
	struct container *v;
	size_t n, cap;
	struct strmap by_id; /* ID -> index + 1 */
};

/* Fill @t from the root-owned entries of @dir (missing: empty table). 0 or -errno. */
int container_table_load(struct container_table *t, const char *dir);
int container_table_add(struct container_table *t, const struct container *c);
/* The container with the full ID @id, or NULL. */
const struct container *container_table_find(const struct container_table *t, const char *id);
void container_table_free(struct container_table *t);

#endif
