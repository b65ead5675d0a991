// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/inotify.h>
#include "log.h"
#include "watch.h"

#define CGROUP_EVENTS (IN_CREATE | IN_DELETE | IN_DELETE_SELF | IN_ONLYDIR)

/* The watch at the first @n bytes of @rel: its hash finds a chain, not a watch. */
static struct watched *find(const struct watch_table *t, const char *rel, size_t n)
{
	struct watched *w;

	for (w = idmap_get(&t->by_path, idmap_hash(rel, n)); w; w = w->same_hash)
		if (!strncmp(w->rel, rel, n) && !w->rel[n])
			return w;
	return NULL;
}

/* The watch of the cgroup directly above @rel, if there is one. */
static struct watched *parent_of(const struct watch_table *t, const char *rel)
{
	const char *slash = strrchr(rel, '/');

	if (!slash || !rel[1])
		return NULL; /* the root */
	return find(t, rel, slash > rel ? (size_t)(slash - rel) : 1);
}

/*
 * Put @w in the chain of its hash, after the head: only a new chain takes a
 * slot, so only that can fail (-ENOMEM).
 */
static int link_path(struct watch_table *t, struct watched *w)
{
	__u64 key = idmap_hash(w->rel, strlen(w->rel));
	struct watched *head = idmap_get(&t->by_path, key);

	w->same_hash = NULL;
	if (!head)
		return idmap_put(&t->by_path, key, w);
	w->same_hash = head->same_hash;
	head->same_hash = w;
	return 0;
}

/* Take @w out of its chain, if a newer watch of its path has not already. */
static void unlink_path(struct watch_table *t, struct watched *w)
{
	__u64 key = idmap_hash(w->rel, strlen(w->rel));
	struct watched *prev = idmap_get(&t->by_path, key);

	if (prev == w) {
		/*
		 * The next one heads the chain. idmap_put into the room that
		 * idmap_del just made does not grow the table: it cannot fail,
		 * and if it did, no slot would still point at @w.
		 */
		idmap_del(&t->by_path, key);
		if (w->same_hash)
			idmap_put(&t->by_path, key, w->same_hash);
		return;
	}
	while (prev && prev->same_hash != w)
		prev = prev->same_hash;
	if (prev)
		prev->same_hash = w->same_hash;
}

int watch_init(struct watch_table *t)
{
	memset(t, 0, sizeof(*t));
	t->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	return t->inotify_fd < 0 ? -errno : 0;
}

void watch_free(struct watch_table *t)
{
	size_t it;
	__u64 key;
	void *val;

	for (it = 0; idmap_next(&t->by_wd, &it, &key, &val);)
		free(val);
	idmap_free(&t->by_wd);
	idmap_free(&t->by_path);
	if (t->inotify_fd >= 0)
		close(t->inotify_fd);
	t->inotify_fd = -1;
}

struct watched *watch_by_wd(const struct watch_table *t, int wd)
{
	return idmap_get(&t->by_wd, wd);
}

struct watched *watch_at(const struct watch_table *t, const char *rel)
{
	return find(t, rel, strlen(rel));
}

void watch_drop(struct watch_table *t, struct watched *w, bool rm)
{
	struct watched *parent = parent_of(t, w->rel);

	if (parent && parent->children)
		parent->children--;
	if (rm)
		inotify_rm_watch(t->inotify_fd, w->wd);
	unlink_path(t, w);
	idmap_del(&t->by_wd, w->wd);
	free(w);
}

struct watched *watch_add(struct watch_table *t, const char *rel, const char *path, __u64 id)
{
	struct cgroup_kind k;
	struct watched *w, *old;
	int wd;

	wd = inotify_add_watch(t->inotify_fd, path, CGROUP_EVENTS);
	if (wd < 0) {
		if (errno == ENOSPC)
			log_event(LOG_ERR, "watch", "cgroup", rel, "error",
				  "out of inotify watches: raise fs.inotify.max_user_watches",
				  NULL);
		return NULL;
	}
	old = watch_by_wd(t, wd);
	if (old && old->cgid == id && !strcmp(old->rel, rel))
		return old;
	if (old)
		watch_drop(t, old, false);
	w = malloc(sizeof(*w) + strlen(rel) + 1);
	if (!w)
		return NULL;
	w->cgid = id;
	w->wd = wd;
	w->children = 0;
	strcpy(w->rel, rel);
	cgroup_classify(rel, &k);
	strcpy(w->pod_uid, k.pod_uid);
	if (idmap_put(&t->by_wd, wd, w)) {
		free(w);
		return NULL;
	}
	/*
	 * A path taken by an older cgroup of the same name: this one now.
	 * Undone, as if malloc had failed, where its chain cannot be made (out
	 * of memory): a watch its path does not find misses the removals
	 * heard from its parent.
	 */
	old = watch_at(t, rel);
	if (old)
		unlink_path(t, old);
	if (link_path(t, w)) {
		idmap_del(&t->by_wd, wd);
		free(w);
		return NULL;
	}
	old = parent_of(t, rel);
	if (old)
		old->children++;
	return w;
}

void watch_drop_unseen(struct watch_table *t, const struct idmap *seen)
{
	struct watched *w;
	size_t it, n = 0, i;
	__u64 *gone;

	gone = calloc(t->by_wd.n + 1, sizeof(*gone));
	if (!gone)
		return;
	for (it = 0; (w = watch_next(t, &it));)
		if (!idmap_get(seen, w->cgid))
			gone[n++] = w->wd;
	for (i = 0; i < n; i++)
		watch_drop(t, watch_by_wd(t, gone[i]), true);
	free(gone);
}

struct watched *watch_next(const struct watch_table *t, size_t *iter)
{
	__u64 key;
	void *val;

	return idmap_next(&t->by_wd, iter, &key, &val) ? val : NULL;
}
