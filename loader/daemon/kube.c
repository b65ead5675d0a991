// SPDX-License-Identifier: GPL-2.0
/* Pod UIDs, pod and container cgroups, and /var/log/pods. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "core/growarray.h"
#include "kube.h"

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

/* A pod's directory name, "<namespace>_<name>_<uid>": the key of by_dir. */
#define DIR_KEY_LEN \
	(sizeof(((struct pod *)0)->namespace) + sizeof(((struct pod *)0)->name) + POD_UID_LEN + 3)

static const char *dir_key(const char *namespace, const char *name, const char *uid,
			   char buf[DIR_KEY_LEN])
{
	snprintf(buf, DIR_KEY_LEN, "%s_%s_%s", namespace, name, uid);
	return buf;
}

static const char *entry_dir_key(const struct pod_entry *p, char buf[DIR_KEY_LEN])
{
	return dir_key(p->namespace, p->name, p->uid, buf);
}

/* Table indexes are stored +1: a NULL value is "none". */
static struct pod_entry *at(const struct pod_table *t, void *index)
{
	uintptr_t i = (uintptr_t)index;

	return i && i <= (uintptr_t)t->n ? t->pods[i - 1] : NULL;
}

static void *index_of(int i)
{
	return (void *)(uintptr_t)(i + 1);
}

const struct pod_entry *pod_table_find(const struct pod_table *t, const char *uid)
{
	return t ? at(t, strmap_get(&t->by_uid, uid)) : NULL;
}

static struct pod_entry *entry_new(const struct pod *pod)
{
	size_t nslen = strlen(pod->namespace), namelen = strlen(pod->name);
	struct pod_entry *p = malloc(sizeof(*p) + nslen + namelen + 2);

	if (!p)
		return NULL;
	memcpy(p->uid, pod->uid, sizeof(p->uid));
	memcpy(p->namespace, pod->namespace, nslen + 1);
	p->name = p->namespace + nslen + 1;
	memcpy(p->namespace + nslen + 1, pod->name, namelen + 1);
	return p;
}

int pod_table_add(struct pod_table *t, const struct pod *pod)
{
	char dk[DIR_KEY_LEN];
	struct pod_entry *p;
	int i;

	if (strmap_get(&t->by_dir, dir_key(pod->namespace, pod->name, pod->uid, dk)))
		return 0;
	if (growarray_reserve(t->pods, t->cap, (size_t)t->n + 1))
		return -ENOMEM;
	p = entry_new(pod);
	if (!p)
		return -ENOMEM;
	i = t->n++;
	t->pods[i] = p;
	if (strmap_put(&t->by_dir, dk, index_of(i)))
		return -ENOMEM;
	/* A second directory with a UID already known does not speak for it. */
	if (pod_table_find(t, p->uid)) {
		t->dups++;
		return 0;
	}
	return strmap_put(&t->by_uid, p->uid, index_of(i));
}

/* Move the pod at index @from to index @to, keeping the indexes right. */
static void move(struct pod_table *t, int to, int from)
{
	struct pod_entry *p = t->pods[from];
	char dk[DIR_KEY_LEN];

	/* Values of keys that are there: replacing them cannot fail. */
	if (at(t, strmap_get(&t->by_uid, p->uid)) == p)
		strmap_put(&t->by_uid, p->uid, index_of(to));
	strmap_put(&t->by_dir, entry_dir_key(p, dk), index_of(to));
	t->pods[to] = p;
}

void pod_table_remove(struct pod_table *t, const struct pod *pod)
{
	char dk[DIR_KEY_LEN];
	uintptr_t i =
		(uintptr_t)strmap_get(&t->by_dir, dir_key(pod->namespace, pod->name, pod->uid, dk));
	struct pod_entry *p = at(t, (void *)i);
	int j;

	if (!p)
		return;
	strmap_del(&t->by_dir, dk);
	if (at(t, strmap_get(&t->by_uid, p->uid)) == p) {
		/* Another directory with its UID speaks for it now, if there is one. */
		for (j = 0; t->dups && j < t->n; j++)
			if (t->pods[j] != p && !strcmp(t->pods[j]->uid, p->uid))
				break;
		if (t->dups && j < t->n) {
			/* The value of a key that is there: replacing it cannot fail. */
			strmap_put(&t->by_uid, p->uid, index_of(j));
			t->dups--;
		} else {
			strmap_del(&t->by_uid, p->uid);
		}
	} else {
		t->dups--;
	}
	free(p);
	/* The last pod moves into the hole. */
	if ((int)i != t->n)
		move(t, (int)i - 1, t->n - 1);
	t->n--;
}

void pod_table_free(struct pod_table *t)
{
	int i;

	for (i = 0; i < t->n; i++)
		free(t->pods[i]);
	free(t->pods);
	strmap_free(&t->by_uid);
	strmap_free(&t->by_dir);
	memset(t, 0, sizeof(*t));
}

bool pod_dir_trusted(int dirfd, const char *name)
{
	struct stat st;

	return !fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) && S_ISDIR(st.st_mode) &&
	       st.st_uid == 0;
}

int pod_table_load(struct pod_table *t, const char *dir)
{
	struct dirent *de;
	struct pod pod;
	int err = 0;
	DIR *d;

	pod_table_free(t);
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while (!err && (de = readdir(d)))
		if (!pod_from_log_dir(de->d_name, &pod) && pod_dir_trusted(dirfd(d), de->d_name))
			err = pod_table_add(t, &pod);
	closedir(d);
	return err;
}

int container_from_log_link(const char *filename, struct container *c)
{
	size_t n = strlen(filename), idlen = CONTAINER_ID_LEN, rest;
	const char *first, *second, *id;

	/* <pod>_<ns>_<container>-<id>.log */
	if (!kube_ends_with(filename, n, ".log") || n < idlen + strlen("a_b_c-.log"))
		return -EINVAL;
	n -= strlen(".log");
	id = filename + n - idlen;
	if (id[-1] != '-' || !kube_hex(id, idlen))
		return -EINVAL;
	rest = id - 1 - filename; /* <pod>_<ns>_<container> */
	first = memchr(filename, '_', rest);
	second = first ? memchr(first + 1, '_', rest - (first + 1 - filename)) : NULL;
	if (!first || !second || first == filename || second == first + 1 ||
	    second + 1 == filename + rest ||
	    memchr(second + 1, '_', rest - (second + 1 - filename)))
		return -EINVAL;
	if ((size_t)(first - filename) >= sizeof(c->pod) ||
	    (size_t)(second - first - 1) >= sizeof(c->namespace) ||
	    (size_t)(filename + rest - second - 1) >= sizeof(c->name))
		return -EINVAL;
	snprintf(c->pod, sizeof(c->pod), "%.*s", (int)(first - filename), filename);
	snprintf(c->namespace, sizeof(c->namespace), "%.*s", (int)(second - first - 1), first + 1);
	snprintf(c->name, sizeof(c->name), "%.*s", (int)(filename + rest - second - 1), second + 1);
	memcpy(c->id, id, idlen);
	c->id[idlen] = '\0';
	return 0;
}

void kube_containers_dir(const char *pods_dir, char *out, size_t len)
{
	size_t n = strlen(pods_dir);

	while (n > 1 && pods_dir[n - 1] == '/')
		n--;
	while (n && pods_dir[n - 1] != '/')
		n--;
	/* "pods" is ./containers; "/pods" is /containers. */
	if (!n)
		snprintf(out, len, "containers");
	else
		snprintf(out, len, "%.*scontainers", (int)n, pods_dir);
}

const struct container *container_table_find(const struct container_table *t, const char *id)
{
	uintptr_t i = (uintptr_t)strmap_get(&t->by_id, id);

	return i && i <= t->n ? &t->v[i - 1] : NULL;
}

int container_table_add(struct container_table *t, const struct container *c)
{
	if (container_table_find(t, c->id))
		return 0;
	if (growarray_reserve(t->v, t->cap, t->n + 1))
		return -ENOMEM;
	t->v[t->n++] = *c;
	return strmap_put(&t->by_id, c->id, (void *)(uintptr_t)t->n);
}

void container_table_free(struct container_table *t)
{
	free(t->v);
	strmap_free(&t->by_id);
	memset(t, 0, sizeof(*t));
}

int container_table_load(struct container_table *t, const char *dir)
{
	struct container c;
	struct dirent *de;
	struct stat st;
	int err = 0;
	DIR *d;

	container_table_free(t);
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	/* The kubelet's links are root's: a name a user wrote names nothing. */
	while (!err && (de = readdir(d)))
		if (!container_from_log_link(de->d_name, &c) &&
		    !fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) && st.st_uid == 0 &&
		    (S_ISLNK(st.st_mode) || S_ISREG(st.st_mode)))
			err = container_table_add(t, &c);
	closedir(d);
	return err;
}
