// SPDX-License-Identifier: GPL-2.0
/* What a cgroup is (a unit's, a pod's, a container's), by where it is. */
#define _GNU_SOURCE /* memmem */
#include <string.h>
#include "classify.h"

/* A pod cgroup's last component, given that a kubepods component is above. */
static bool pod_component(const char *c, size_t n, char uid[37])
{
	const char *p;

	if (kube_ends_with(c, n, ".slice")) {
		/* kubepods[-qos]-pod<uid_>.slice */
		n -= strlen(".slice");
		if (n < POD_UID_LEN + 4)
			return false;
		p = c + n - POD_UID_LEN - 4;
		return !memcmp(p, "-pod", 4) && !pod_uid_normalize(p + 4, POD_UID_LEN, uid);
	}
	return n == POD_UID_LEN + 3 && !memcmp(c, "pod", 3) &&
	       !pod_uid_normalize(c + 3, POD_UID_LEN, uid);
}

/*
 * A container cgroup's last component: the runtime's prefix and the ID.
 * Outside a pod only a systemd scope counts (podman's, Docker's), not a
 * bare ID, which could be any directory of 64 hex digits.
 */
static bool container_component(const char *c, size_t n, bool scope_only, char id[65])
{
	static const char *const scopes[] = {"cri-containerd-", "crio-", "docker-", "libpod-"};
	size_t i, m;

	if (!scope_only && n == CONTAINER_ID_LEN &&
	    kube_hex(c, n)) { /* cgroupfs: containerd, Docker */
		memcpy(id, c, CONTAINER_ID_LEN);
		id[CONTAINER_ID_LEN] = '\0';
		return true;
	}
	for (i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++) {
		m = strlen(scopes[i]);
		if (n < m + CONTAINER_ID_LEN || memcmp(c, scopes[i], m) ||
		    !kube_hex(c + m, CONTAINER_ID_LEN))
			continue;
		/* systemd: ".scope" after the ID; cgroupfs CRI-O: nothing. */
		if ((!scope_only && n == m + CONTAINER_ID_LEN) ||
		    (n == m + CONTAINER_ID_LEN + 6 &&
		     !memcmp(c + m + CONTAINER_ID_LEN, ".scope", 6))) {
			memcpy(id, c + m, CONTAINER_ID_LEN);
			id[CONTAINER_ID_LEN] = '\0';
			return true;
		}
	}
	return false;
}

static bool unit_name(const char *c, size_t n)
{
	static const char *const types[] = {".service", ".scope", ".socket",
					    ".mount",	".swap",  ".slice"};
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (kube_ends_with(c, n, types[i]) && n > strlen(types[i]))
			return true;
	return false;
}

#define MAX_DEPTH 64

struct comps {
	const char *c[MAX_DEPTH];
	size_t len[MAX_DEPTH];
	int n;
};

static bool split(const char *rel, struct comps *p)
{
	const char *s = rel, *e;

	p->n = 0;
	while (*s) {
		s += strspn(s, "/");
		if (!*s)
			break;
		if (p->n == MAX_DEPTH)
			return false;
		e = s + strcspn(s, "/");
		p->c[p->n] = s, p->len[p->n] = e - s, p->n++;
		s = e;
	}
	return p->n > 0;
}

static bool is_slice(const struct comps *p, int i)
{
	return kube_ends_with(p->c[i], p->len[i], ".slice");
}

/* A unit that is not a slice: its subtree may be delegated to a workload. */
static bool is_leaf_unit(const struct comps *p, int i)
{
	return unit_name(p->c[i], p->len[i]) && !is_slice(p, i);
}

static bool has(const struct comps *p, int i, const char *what)
{
	return memmem(p->c[i], p->len[i], what, strlen(what)) != NULL;
}

/*
 * Where Kubernetes puts pods: the first component naming kubepods that no
 * unit encloses (the kubelet's root), then a pod directly below it
 * (Guaranteed) or below a QoS class. Returns the pod's index, or -1.
 */
static int pod_index(const struct comps *p, char uid[37])
{
	int root, i;

	for (root = 0; root < p->n && !has(p, root, "kubepods"); root++)
		if (is_leaf_unit(p, root))
			return -1;
	if (root + 1 < p->n && pod_component(p->c[root + 1], p->len[root + 1], uid))
		return root + 1;
	i = root + 2;
	if (i < p->n && (has(p, root + 1, "burstable") || has(p, root + 1, "besteffort")) &&
	    pod_component(p->c[i], p->len[i], uid))
		return i;
	return -1;
}

/*
 * A name is only what its place says. A workload with a subtree of its own
 * (a service with Delegate=, a container, a user's manager) may create
 * cgroups of any name below it: those are no units, pods or containers,
 * and inherit the entry that encloses them, unless a cgroup glob names
 * that exact place. So a unit is a slice's child (or the root's) that no
 * other unit encloses: the units of a user's manager, below
 * user@UID.service, are selected by a cgroup glob. A pod is where the
 * kubelet puts it (pod_index), a container a pod's child; outside
 * Kubernetes a container is podman's or Docker's scope, a slice's child no
 * unit encloses.
 */
bool classify_inside_unit(const char *rel)
{
	struct comps p;
	int i;

	if (!split(rel, &p))
		return false;
	for (i = 0; i < p.n; i++)
		if (is_leaf_unit(&p, i))
			return true;
	return false;
}

void classify_cgroup(const char *rel, struct cgroup_kind *k)
{
	struct comps p;
	int last, pod, i;
	bool enclosed = false;
	char uid[37];

	memset(k, 0, sizeof(*k));
	if (!split(rel, &p))
		return;
	last = p.n - 1;
	for (i = 0; i < last; i++)
		enclosed |= is_leaf_unit(&p, i);
	pod = pod_index(&p, uid);
	if (pod >= 0 && last == pod) {
		memcpy(k->pod_uid, uid, sizeof(uid));
		memcpy(k->in_pod, uid, sizeof(uid));
	} else if (pod >= 0 && last == pod + 1) {
		/* Any child of a pod's cgroup is in that pod, a runtime's we know or not. */
		memcpy(k->in_pod, uid, sizeof(uid));
		container_component(p.c[last], p.len[last], false, k->container_id);
	} else if (pod < 0 && !enclosed && (!last || is_slice(&p, last - 1))) {
		container_component(p.c[last], p.len[last], true, k->container_id);
	}
	if (!enclosed && unit_name(p.c[last], p.len[last]) && (!last || is_slice(&p, last - 1)))
		k->unit = p.c[last];
}
