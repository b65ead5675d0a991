// SPDX-License-Identifier: GPL-2.0
/* Pod UIDs, pod and container cgroups, and /var/log/pods. */
#define _GNU_SOURCE /* memmem */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kube.h"

static bool all_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return false;
	return true;
}

int pod_uid_normalize(const char *s, size_t n, char out[POD_UID_LEN + 1])
{
	size_t i;

	if (n != POD_UID_LEN)
		return -EINVAL;
	for (i = 0; i < POD_UID_LEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-' && s[i] != '_')
				return -EINVAL;
			out[i] = '-';
		} else if (isxdigit((unsigned char)s[i])) {
			out[i] = (char)tolower((unsigned char)s[i]);
		} else {
			return -EINVAL;
		}
	}
	out[POD_UID_LEN] = '\0';
	return 0;
}

static bool ends_with(const char *s, size_t n, const char *suffix)
{
	size_t m = strlen(suffix);

	return n >= m && !memcmp(s + n - m, suffix, m);
}

/* A pod cgroup's last component, given that a kubepods component is above. */
static bool pod_component(const char *c, size_t n, char uid[37])
{
	const char *p;

	if (ends_with(c, n, ".slice")) {
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

/* A container cgroup's last component: the runtime's prefix and the ID. */
static bool container_component(const char *c, size_t n, char id[65])
{
	static const char *const scopes[] = {"cri-containerd-", "crio-", "docker-"};
	size_t i, m;

	if (n == CONTAINER_ID_LEN && all_hex(c, n)) { /* cgroupfs: containerd, Docker */
		memcpy(id, c, CONTAINER_ID_LEN);
		id[CONTAINER_ID_LEN] = '\0';
		return true;
	}
	for (i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++) {
		m = strlen(scopes[i]);
		if (n < m + CONTAINER_ID_LEN || memcmp(c, scopes[i], m) ||
		    !all_hex(c + m, CONTAINER_ID_LEN))
			continue;
		/* systemd: ".scope" after the ID; cgroupfs CRI-O: nothing. */
		if (n == m + CONTAINER_ID_LEN || (n == m + CONTAINER_ID_LEN + 6 &&
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
		if (ends_with(c, n, types[i]) && n > strlen(types[i]))
			return true;
	return false;
}

void cgroup_classify(const char *rel, struct cgroup_kind *k)
{
	const char *comp[2] = {NULL, NULL}; /* the last component and its parent */
	size_t len[2] = {0, 0};
	const char *s = rel, *e;
	bool kubepods = false;
	char uid[37];

	memset(k, 0, sizeof(*k));
	/* Walk the components; keep the last two and whether kubepods was seen. */
	while (*s) {
		s += strspn(s, "/");
		if (!*s)
			break;
		e = s + strcspn(s, "/");
		if (comp[0] && memmem(comp[0], len[0], "kubepods", 8))
			kubepods = true; /* an ancestor of the last */
		comp[1] = comp[0], len[1] = len[0];
		comp[0] = s, len[0] = e - s;
		s = e;
	}
	if (!comp[0])
		return;
	if (unit_name(comp[0], len[0]) && (!comp[1] || ends_with(comp[1], len[1], ".slice")))
		k->unit = comp[0];
	if (!kubepods)
		return;
	if (pod_component(comp[0], len[0], uid)) {
		memcpy(k->pod_uid, uid, sizeof(uid));
		return;
	}
	if (comp[1] && pod_component(comp[1], len[1], uid))
		container_component(comp[0], len[0], k->container_id);
}

int pod_from_log_dir(const char *dirname, struct pod *pod)
{
	const char *first = strchr(dirname, '_'), *last = strrchr(dirname, '_');
	size_t nslen, namelen;

	if (!first || first == last || first == dirname)
		return -EINVAL;
	nslen = first - dirname;
	namelen = last - first - 1;
	if (!namelen || nslen >= sizeof(pod->namespace) || namelen >= sizeof(pod->name) ||
	    pod_uid_normalize(last + 1, strlen(last + 1), pod->uid))
		return -EINVAL;
	memcpy(pod->namespace, dirname, nslen);
	pod->namespace[nslen] = '\0';
	memcpy(pod->name, first + 1, namelen);
	pod->name[namelen] = '\0';
	return 0;
}

static __u64 uid_key(const char *uid)
{
	return idmap_hash(uid, strlen(uid));
}

const struct pod *pod_table_find(const struct pod_table *t, const char *uid)
{
	uintptr_t i;

	if (!t)
		return NULL;
	i = (uintptr_t)idmap_get(&t->by_uid, uid_key(uid));
	if (i && !strcmp(t->pods[i - 1].uid, uid))
		return &t->pods[i - 1];
	for (i = 0; i < (uintptr_t)t->n; i++) /* two UIDs, one hash: never seen */
		if (!strcmp(t->pods[i].uid, uid))
			return &t->pods[i];
	return NULL;
}

int pod_table_add(struct pod_table *t, const struct pod *pod)
{
	struct pod *grown;

	if (pod_table_find(t, pod->uid))
		return 0;
	if (t->n == t->cap) {
		grown = realloc(t->pods, (t->cap ? t->cap * 2 : 64) * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		t->pods = grown;
		t->cap = t->cap ? t->cap * 2 : 64;
	}
	t->pods[t->n++] = *pod;
	if (!idmap_get(&t->by_uid, uid_key(pod->uid)))
		return idmap_put(&t->by_uid, uid_key(pod->uid), (void *)(uintptr_t)t->n);
	return 0;
}

void pod_table_remove(struct pod_table *t, const char *uid)
{
	struct pod *p = (struct pod *)pod_table_find(t, uid);
	uintptr_t last = t->n;

	if (!p)
		return;
	if ((uintptr_t)idmap_get(&t->by_uid, uid_key(uid)) == (uintptr_t)(p - t->pods) + 1)
		idmap_del(&t->by_uid, uid_key(uid));
	/* The last pod moves into the hole: its index changes. */
	*p = t->pods[--t->n];
	if (p != &t->pods[t->n] && (uintptr_t)idmap_get(&t->by_uid, uid_key(p->uid)) == last)
		idmap_put(&t->by_uid, uid_key(p->uid), (void *)(uintptr_t)(p - t->pods + 1));
}

void pod_table_free(struct pod_table *t)
{
	free(t->pods);
	idmap_free(&t->by_uid);
	memset(t, 0, sizeof(*t));
}

int pod_table_load(struct pod_table *t, const char *dir)
{
	struct dirent *de;
	struct pod pod;
	int err = 0;
	DIR *d;

	t->n = 0;
	idmap_free(&t->by_uid);
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while (!err && (de = readdir(d)))
		if (!pod_from_log_dir(de->d_name, &pod))
			err = pod_table_add(t, &pod);
	closedir(d);
	return err;
}
