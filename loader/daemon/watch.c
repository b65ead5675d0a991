// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/inotify.h>
#include "classify.h"
#include "log.h"
#include "watch.h"
#include "core/monotime.h"

#define CGROUP_EVENTS (IN_CREATE | IN_DELETE | IN_DELETE_SELF | IN_ONLYDIR)
/* A flapping count of unwatched cgroups logs its warning at most this often. */
#define WARN_EVERY_S 60

/* The watch at the first @n bytes of @rel. */
static struct watched *find(const struct watch_table *t, const char *rel, size_t n)
{
	char key[PATH_MAX];

	if (n >= sizeof(key))
		return NULL; /* longer than any cgroup's path */
	memcpy(key, rel, n);
	key[n] = '\0';
	return strmap_get(&t->by_path, key);
}

/* The watch of the cgroup directly above @rel, if there is one. */
static struct watched *parent_of(const struct watch_table *t, const char *rel)
{
	const char *slash = strrchr(rel, '/');

	if (!slash || !rel[1])
		return NULL; /* the root */
	return find(t, rel, slash > rel ? (size_t)(slash - rel) : 1);
}

/* Find @w by its path. 0 or -ENOMEM. */
static int link_path(struct watch_table *t, struct watched *w)
{
	return strmap_put(&t->by_path, w->rel, w);
}

/* Take @w out of by_path, if a newer watch of its path has not already. */
static void unlink_path(struct watch_table *t, struct watched *w)
{
	if (strmap_get(&t->by_path, w->rel) == w)
		strmap_del(&t->by_path, w->rel);
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
	for (it = 0; idmap_next(&t->nowatch, &it, &key, &val);)
		free(val);
	idmap_free(&t->by_wd);
	idmap_free(&t->nowatch);
	strmap_free(&t->by_path);
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
	return strmap_get(&t->by_path, rel);
}

void watch_drop(struct watch_table *t, struct watched *w, bool rm)
{
	struct watched *parent = parent_of(t, w->rel);

	if (parent && parent->children)
		parent->children--;
	if (w->wd >= 0) {
		if (rm)
			inotify_rm_watch(t->inotify_fd, w->wd);
		idmap_del(&t->by_wd, w->wd);
		t->dropped++;
	} else {
		idmap_del(&t->nowatch, w->cgid);
		if (!w->spare)
			t->unwatched--;
	}
	unlink_path(t, w);
	free(w);
}

/* Count @w, which has no watch, as needing one or not. */
static void set_spare(struct watch_table *t, struct watched *w, bool spare)
{
	if (w->spare && !spare)
		t->unwatched++;
	else if (!w->spare && spare)
		t->unwatched--;
	w->spare = spare;
}

/*
 * The entry of cgroup @id at @rel, made without a watch (as needing one)
 * where there is none; NULL out of memory.
 */
static struct watched *entry(struct watch_table *t, const char *rel, __u64 id)
{
	struct watched *w = watch_at(t, rel), *old;
	struct cgroup_kind k;

	if (w && w->cgid == id)
		return w;
	/*
	 * An older cgroup of the same name without a watch is gone (no
	 * IN_IGNORED will say so); so is this cgroup's entry under another
	 * name (renamed).
	 */
	if (w && w->wd < 0)
		watch_drop(t, w, false);
	old = idmap_get(&t->nowatch, id);
	if (old)
		watch_drop(t, old, false);
	w = malloc(sizeof(*w) + strlen(rel) + 1);
	if (!w)
		return NULL;
	w->cgid = id;
	w->wd = -1;
	w->spare = false;
	w->children = 0;
	strcpy(w->rel, rel);
	classify_cgroup(rel, &k);
	strcpy(w->pod_uid, k.pod_uid);
	if (idmap_put(&t->nowatch, id, w)) {
		free(w);
		return NULL;
	}
	/*
	 * A path taken by an older cgroup of the same name: this one now.
	 * Undone, as if malloc had failed, where its path cannot be recorded (out
	 * of memory): an entry its path does not find misses the removals
	 * heard from its parent.
	 */
	old = watch_at(t, rel);
	if (old)
		unlink_path(t, old);
	if (link_path(t, w)) {
		idmap_del(&t->nowatch, id);
		free(w);
		return NULL;
	}
	t->unwatched++;
	old = parent_of(t, rel);
	if (old)
		old->children++;
	return w;
}

struct watched *watch_add(struct watch_table *t, const char *rel, const char *path, __u64 id)
{
	struct watched *w = watch_at(t, rel), *old;
	int wd;

	if (w && w->cgid == id && w->wd >= 0)
		return w;
	wd = inotify_add_watch(t->inotify_fd, path, CGROUP_EVENTS);
	if (wd < 0 && errno == ENOENT) {
		if (w && w->cgid == id)
			watch_drop(t, w, false); /* gone meanwhile */
		return NULL;
	}
	if (wd < 0) {
		/* Recorded, not logged: a line per cgroup was a flood of its own. */
		t->err = errno;
		t->full = errno == ENOSPC;
		w = entry(t, rel, id);
		if (w)
			set_spare(t, w, false);
		t->lost |= !w;
		return w;
	}
	t->full = false;
	/* The kernel's wd of this directory, still held by an older entry. */
	old = watch_by_wd(t, wd);
	if (old && old->cgid == id && !strcmp(old->rel, rel))
		return old;
	if (old)
		watch_drop(t, old, false);
	w = entry(t, rel, id);
	if (!w || idmap_put(&t->by_wd, wd, w)) {
		/* Given back: an entry without it is tried again, a watch unknown is lost. */
		inotify_rm_watch(t->inotify_fd, wd);
		t->err = ENOMEM;
		if (w)
			set_spare(t, w, false);
		t->lost |= !w;
		return w;
	}
	/* Watched now, in place: its children stay counted. */
	idmap_del(&t->nowatch, id);
	if (!w->spare)
		t->unwatched--;
	w->spare = false;
	w->wd = wd;
	return w;
}

struct watched *watch_spare(struct watch_table *t, const char *rel, __u64 id)
{
	struct watched *w = watch_at(t, rel);

	if (w && w->cgid == id && w->wd >= 0) {
		/* Watched till now (another configuration): given back. */
		if (idmap_put(&t->nowatch, id, w))
			return w;
		inotify_rm_watch(t->inotify_fd, w->wd);
		idmap_del(&t->by_wd, w->wd);
		t->dropped++;
		w->wd = -1;
		w->spare = true;
		return w;
	}
	w = entry(t, rel, id);
	if (w)
		set_spare(t, w, true);
	t->lost |= !w;
	return w;
}

void watch_drop_unseen(struct watch_table *t, const struct idmap *seen)
{
	struct watched *w, **gone;
	size_t it, n = 0, i;

	gone = calloc(t->by_wd.n + t->nowatch.n + 1, sizeof(*gone));
	if (!gone)
		return;
	for (it = 0; (w = watch_next(t, &it));)
		if (!idmap_get(seen, w->cgid))
			gone[n++] = w;
	for (i = 0; i < n; i++)
		watch_drop(t, gone[i], true);
	free(gone);
}

/* The watched entries first, then those without a watch. */
struct watched *watch_next(const struct watch_table *t, size_t *iter)
{
	size_t base = t->by_wd.cap, i;
	__u64 key;
	void *val;

	if (*iter < base && idmap_next(&t->by_wd, iter, &key, &val))
		return val;
	i = *iter < base ? 0 : *iter - base;
	if (!idmap_next(&t->nowatch, &i, &key, &val))
		val = NULL;
	*iter = base + i;
	return val;
}

size_t watch_unwatched_tops(const struct watch_table *t, char ***out, size_t max)
{
	struct watched *w, *parent;
	size_t it, n = 0;
	__u64 key;
	void *val;

	*out = calloc(max ? max : 1, sizeof(**out));
	for (it = 0; *out && n < max && idmap_next(&t->nowatch, &it, &key, &val);) {
		w = val;
		parent = parent_of(t, w->rel);
		if (w->spare || (parent && parent->wd < 0))
			continue;
		(*out)[n] = strdup(w->rel);
		if ((*out)[n])
			n++;
	}
	return n;
}

bool watch_report(struct watch_table *t, size_t others)
{
	size_t n = t->unwatched + others;
	bool changed = n != t->reported;
	double now = monotime_s();
	char count[32];

	t->reported = n;
	snprintf(count, sizeof(count), "%zu", n);
	if (n && !t->warned && (!t->warned_at || now - t->warned_at >= WARN_EVERY_S)) {
		t->warned = true;
		t->warned_at = now;
		log_event(LOG_WARNING, "watch-lost", "unwatched", count, "error",
			  t->err == ENOSPC ?
				  "out of inotify watches: raise fs.inotify.max_user_watches" :
				  strerror(t->err),
			  "action", "each resync finds what they miss", NULL);
	} else if (!n && t->warned) {
		t->warned = false;
		log_event(LOG_INFO, "watch-restored", "unwatched", count, NULL);
	}
	return changed;
}
