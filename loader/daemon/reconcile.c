// SPDX-License-Identifier: GPL-2.0
/*
 * From cgroups to policy entries.
 *
 * Every cgroup directory has an inotify watch, added before its children are
 * read, so a cgroup created at any moment is either seen by the walk or
 * reported by an event (both is harmless). A new cgroup that a selector
 * matches gets its entry while the kernel still has its mkdir() in flight
 * for the runtime: before any process can be moved into it. Two kinds go
 * without (watch.h): those whose subtree no selector can match, which need
 * none, and those whose watch failed (out of watches), which every resync
 * visits, and tries again, as soon as a removal gives a watch back.
 *
 * Changes are made adds-first: within one pass, entries are set or changed
 * in place before any is removed, so a cgroup moving from one selector to
 * another (or a pod from rewrite to exclude) is never unconfigured between.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include "log.h"
#include "pass.h"
#include "pinwatch.h"
#include "pmapply.h"
#include "reconcile.h"
#include "selector.h"
#include "core/cgroup.h"
#include "core/entries.h"
#include "core/lifecycle.h"
#include "core/monotime.h"
#include "core/pincheck.h"
#include "core/probe.h"
#include "core/pinstore.h"

#define PODS_EVENTS (IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM | IN_ONLYDIR)
/* Cgroups tried again at once when watches are given back; the rest at the resync. */
#define RETRY_MAX 256

static void apply_profile(struct pass *ps, const struct selector *s, __u64 cgid, const char *rel)
{
	struct state *r = ps->r;
	const struct mptcpify_profile *cur;
	struct mptcpify_profile buf;
	const char *why = NULL;
	bool changed;
	int err;

	cur = pass_cur_profile(ps, cgid, &buf);
	if (cur && cur->owner != MPTCPIFY_OWNER_DAEMON)
		return; /* set by hand with "subflow set": not ours */
	if (s->profile < 0) {
		if (cur && !entries_profile_delete(&ps->p, cgid))
			log_event(LOG_INFO, "subflow-clear", "cgroup", rel, NULL);
		return;
	}
	if (cur && !memcmp(cur, &r->cfg.profiles[s->profile].prof, sizeof(*cur)))
		return; /* the same: its rule counters go on */
	err = entries_profile_put(&ps->p, cgid, rel, &r->cfg.profiles[s->profile].prof, &ps->ap,
				  &changed, &why);
	if (err) {
		r->stats.apply_errors++;
		ps->err = err;
		log_event(LOG_ERR, "subflow-set", "cgroup", rel, "error", why, "errno",
			  strerror(-err), NULL);
	} else if (changed) {
		log_event(LOG_INFO, "subflow-set", "cgroup", rel, "selector", s->name, "profile",
			  r->cfg.profiles[s->profile].name, NULL);
	}
}

/*
 * Queue the removal of every policy entry and profile the daemon made whose
 * cgroup is not in @seen (NULL: all of them). Found first, removed later:
 * deleting under get_next_key would restart the walk.
 */
static void queue_daemon_entries(struct pass *ps, const struct idmap *seen)
{
	struct idmap ids = {0};
	size_t it;
	__u64 key;
	void *val;

	if (pass_entry_ids(ps, &ids))
		ps->err = -ENOMEM;
	for (it = 0; idmap_next(&ids, &it, &key, &val);)
		if ((!seen || !idmap_get(seen, key)) && pass_ours(ps, key))
			pass_queue_removal(ps, key);
	idmap_free(&ids);
}

/* Make @cgid's entry what the selectors say, or queue its removal. */
static void evaluate(struct pass *ps, __u64 cgid, const char *rel)
{
	struct state *r = ps->r;
	const struct mptcpify_policy *cur;
	struct mptcpify_policy buf;
	const struct selector *s;
	const char *why = NULL;
	bool changed = false;
	int sel, err;

	sel = selector_match(&r->cfg, rel, &r->pods);
	if (sel < 0) {
		/* Ours, or left by an earlier run whose configuration said so. */
		if (idmap_get(&r->owned, cgid) || (ps->opened && pass_ours(ps, cgid)))
			pass_queue_removal(ps, cgid);
		return;
	}
	if (pass_pins(ps))
		return;
	s = &r->cfg.selectors[sel];
	cur = pass_cur_policy(ps, cgid, &buf);
	if (cur && cur->owner != MPTCPIFY_OWNER_DAEMON) {
		log_event(LOG_DEBUG, "manual-entry", "cgroup", rel, "selector", s->name, NULL);
		/* Made by hand: the CLI's entry wins. The profile has its own owner. */
		free(idmap_del(&r->owned, cgid));
		apply_profile(ps, s, cgid, rel);
		return;
	}
	/* The programs first, attached above it: an entry never exists without them. */
	err = pass_ensure_links(ps, entries_mode_links(s->mode), &why);
	if (!err)
		err = attachpoint_cover(&ps->p, &ps->ap, rel, &why);
	if (!err)
		err = entries_policy_write(&ps->p, cgid, cur, s->mode, MPTCPIFY_OWNER_DAEMON,
					   s->flags, &changed, &why);
	if (err) {
		r->stats.apply_errors++;
		ps->err = err;
		log_event(LOG_ERR, "enforce", "cgroup", rel, "selector", s->name, "error", why,
			  "errno", strerror(-err), NULL);
		return;
	}
	if (changed) {
		r->stats.entries_set++;
		log_event(LOG_INFO, "enforce", "cgroup", rel, "selector", s->name, "mode",
			  entries_mode_name(s->mode), NULL);
	}
	if (state_remember(r, cgid, sel, rel))
		ps->err = -ENOMEM;
	apply_profile(ps, s, cgid, rel);
}

/* Watch (or not) and evaluate a cgroup met by a walk. */
static int visit(const struct cgroup_node *node, void *ctx)
{
	struct pass *ps = ctx;
	struct watch_table *t = &ps->r->watches;
	struct watched *w = watch_at(t, node->rel);
	bool known = w && w->cgid == node->id && w->wd >= 0;
	bool below = selector_below(&ps->r->cfg, node->rel);

	/*
	 * Unwatched (out of watches) is still enforced: its parent counts it,
	 * so the resync comes down to it and finds what its events would have
	 * told. Watched already: its watch stays, until the kernel says it
	 * went (IN_IGNORED). Below it no selector can match: no watch, no walk.
	 */
	if (!below)
		w = watch_spare(t, node->rel, node->id);
	else if (!known)
		w = watch_add(t, node->rel, node->path, node->id);
	if (ps->seen)
		idmap_put(ps->seen, node->id, (void *)1);
	evaluate(ps, node->id, node->rel);
	if (!below)
		return CGROUP_WALK_PRUNE;
	/*
	 * A cgroup watched before this pass, with no child entry, has none:
	 * inotify told of every child made since, unless its queue overflowed,
	 * and then the pass is not trusting. A resync or a reload of a node of
	 * 10,000 pods then reads the directories of their parents only.
	 */
	return ps->trust && known && !w->children ? CGROUP_WALK_PRUNE : 0;
}

/*
 * Watch the pods dir and read it whole: after an overflow, events were lost.
 * A trusting pass leaves a table that events kept since an earlier pass.
 * Unwatched (out of watches), every pass reads it.
 */
static void watch_pods_dir(struct state *r, bool trust)
{
	bool watched = r->pods_wd >= 0;

	if (!watched) {
		r->pods_wd = inotify_add_watch(r->watches.inotify_fd, r->pods_dir, PODS_EVENTS);
		/* Missing: the table stays as it was, until a resync finds it. */
		r->pods_unwatched = r->pods_wd < 0 && errno != ENOENT;
		if (r->pods_unwatched)
			r->watches.err = errno;
	}
	if ((r->pods_wd >= 0 || r->pods_unwatched) && !(trust && watched))
		pod_table_load(&r->pods, r->pods_dir);
}

int reconcile_all(struct state *r, enum reconcile_trigger why)
{
	struct idmap seen = {0};
	struct pass ps = {.r = r,
			  .seen = &seen,
			  .trust = (why == TRIGGER_RESYNC || why == TRIGGER_RELOAD) &&
				   !r->watches.lost};
	double t0 = monotime_s();
	char took[32], count[32];
	size_t it;
	__u64 key;
	void *val;
	int err;

	watch_pods_dir(r, ps.trust);
	if (pass_pins(&ps))
		return pass_finish(&ps, config_links(&r->cfg));
	ps.ap.bulk = true;
	r->watches.lost = false;
	pass_take_snapshot(&ps);
	cgroup_walk(r->cgroup2, "/", visit, &ps);
	/* Our entries of cgroups the walk did not find are gone with them. */
	queue_daemon_entries(&ps, &seen);
	pass_drop_snapshot(&ps);
	for (it = 0; idmap_next(&r->owned, &it, &key, &val);)
		if (!idmap_get(&seen, key))
			pass_queue_removal(&ps, key);
	watch_drop_unseen(&r->watches, &seen);
	idmap_free(&seen);
	watch_report(&r->watches, r->pods_unwatched);
	err = pass_finish(&ps, config_links(&r->cfg));
	pmapply_sweep(r, true);
	if (r->pinned)
		pinwatch_arm(r);
	/*
	 * The programs are attached: the kernel's BTF, some 5 MB, can go; and
	 * after the first pass, what loading them and the first walk of
	 * every cgroup took goes back to the system. Later passes reuse their
	 * pages: faulting them in again would cost a reload more than they
	 * weigh.
	 */
	probe_release(why == TRIGGER_START);
	r->stats.last_reconcile_seconds = monotime_s() - t0;
	r->stats.reconciles[why]++;
	r->stats.reconcile_seconds[why] += r->stats.last_reconcile_seconds;
	snprintf(took, sizeof(took), "%.1fms", r->stats.last_reconcile_seconds * 1e3);
	snprintf(count, sizeof(count), "%zu", r->owned.n);
	log_event(err ? LOG_ERR : LOG_INFO, "reconcile", "trigger", state_trigger_name(why),
		  "entries", count, "took", took, NULL);
	return err;
}

/* The pod with @uid appeared in or left the pods dir: its cgroups again. */
static void pod_changed(struct pass *ps, const char *uid)
{
	struct watched *w;
	size_t it;

	for (it = 0; (w = watch_next(&ps->r->watches, &it));)
		if (!strcmp(w->pod_uid, uid))
			evaluate(ps, w->cgid, w->rel);
}

static void pods_event(struct pass *ps, const struct inotify_event *ev)
{
	char path[PATH_MAX];
	struct pod pod;

	if (!ev->len || pod_from_log_dir(ev->name, &pod))
		return;
	if (ev->mask & (IN_CREATE | IN_MOVED_TO)) {
		snprintf(path, sizeof(path), "%s/%s", ps->r->pods_dir, ev->name);
		if (!pod_dir_trusted(AT_FDCWD, path)) {
			log_event(LOG_WARNING, "pods-dir", "ignored", ev->name, "error",
				  "not a directory owned by root", NULL);
			return;
		}
		pod_table_add(&ps->r->pods, &pod);
	} else {
		pod_table_remove(&ps->r->pods, &pod);
	}
	pod_changed(ps, pod.uid);
}

/* A cgroup removed: its watch and, if the daemon made one, its entry. */
static void cgroup_gone(struct pass *ps, struct watched *w, bool rm)
{
	ps->r->stats.cgroups_removed++;
	if (idmap_get(&ps->r->owned, w->cgid))
		pass_queue_removal(ps, w->cgid);
	watch_drop(&ps->r->watches, w, rm);
}

static bool cgroup_event(struct pass *ps, const struct inotify_event *ev)
{
	struct state *r = ps->r;
	char rel[PATH_MAX];
	struct watched *w;

	if (ev->mask & IN_Q_OVERFLOW)
		return true;
	w = watch_by_wd(&r->watches, ev->wd);
	if (w && (ev->mask & (IN_DELETE_SELF | IN_IGNORED))) {
		/* Removed, and not heard of from the parent (some kernels). */
		cgroup_gone(ps, w, ev->mask & IN_DELETE_SELF);
		return false;
	}
	if (!w || !(ev->mask & IN_ISDIR) || !ev->len ||
	    snprintf(rel, sizeof(rel), "%s/%s", strcmp(w->rel, "/") ? w->rel : "", ev->name) >=
		    (int)sizeof(rel))
		return false;
	if (ev->mask & IN_CREATE) {
		r->stats.cgroups_created++;
		cgroup_walk(r->cgroup2, rel, visit, ps);
	} else if (ev->mask & IN_DELETE) {
		/*
		 * Told by the parent: on some kernels cgroupfs keeps the removed
		 * directory's inode cached and its own watch hears nothing.
		 */
		w = watch_at(&r->watches, rel);
		if (w) /* else heard of already, from its own watch */
			cgroup_gone(ps, w, true);
	}
	return false;
}

/*
 * Watches were given back (cgroups removed): the cgroups left without one
 * take them, and what was made in them meanwhile is found now, not at the
 * next resync. A walk from each topmost one, until out of watches again.
 */
static void retry_unwatched(struct pass *ps)
{
	struct watch_table *t = &ps->r->watches;
	struct watched *w;
	char **rels;
	size_t i, n;

	n = watch_unwatched_tops(t, &rels, RETRY_MAX);
	t->full = false;
	for (i = 0; i < n; i++) {
		if (!t->full && cgroup_walk(ps->r->cgroup2, rels[i], visit, ps) == -ENOENT) {
			w = watch_at(t, rels[i]);
			if (w && w->wd < 0)
				cgroup_gone(ps, w, false); /* removed unheard */
		}
		free(rels[i]);
	}
	free(rels);
}

int reconcile_events(struct state *r)
{
	char buf[64 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ev;
	__u64 dropped = r->watches.dropped;
	struct pass ps = {.r = r};
	bool overflow = false;
	ssize_t n;
	char *p;

	/* Everything queued now is one pass: one opening of the pins. */
	while ((n = read(r->watches.inotify_fd, buf, sizeof(buf))) > 0) {
		for (p = buf; p < buf + n; p += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)p;
			if (pinwatch_event(r, ev))
				continue;
			if (ev->wd == r->pods_wd && r->pods_wd >= 0) {
				if (ev->mask & IN_IGNORED)
					r->pods_wd = -1;
				else
					pods_event(&ps, ev);
			} else {
				overflow |= cgroup_event(&ps, ev);
			}
		}
	}
	if (r->watches.dropped != dropped && r->watches.unwatched && !overflow)
		retry_unwatched(&ps);
	if (watch_report(&r->watches, r->pods_unwatched))
		r->version++; /* for /metrics */
	if (ps.opened || ps.nremovals) {
		pass_finish(&ps, config_links(&r->cfg));
		pmapply_sweep(r, false);
	} else {
		free(ps.removals);
	}
	if (overflow) {
		log_event(LOG_WARNING, "overflow", "error", "inotify queue overflowed: resyncing",
			  NULL);
		return reconcile_all(r, TRIGGER_OVERFLOW);
	}
	/* A pin went: repaired now, not at the next once-a-second look. */
	if (r->pins_touched) {
		r->pins_touched = false;
		if (r->pinned)
			pinwatch_arm(r); /* the directories of a repair, watched anew */
		if (reconcile_repair(r))
			return -EXDEV;
	}
	return ps.err;
}

bool reconcile_pins_lost(struct state *r)
{
	struct pincheck c;
	bool lost;
	int fd;

	if (pinwatch_hidden(r))
		return true;
	if (!r->pinned)
		return false;
	/* Between a writer's steps (an upgrade re-pins) pins look lost: after it. */
	fd = pins_lock_dir(r->pin_dir);
	lost = !pins_intact(r->pin_dir, lifecycle_links_possible(config_links(&r->cfg))) ||
	       pincheck_scan(r->pin_dir, &c);
	pins_unlock_dir(fd);
	return lost;
}

int reconcile_repair(struct state *r)
{
	if (!reconcile_pins_lost(r))
		return 0;
	log_event(LOG_WARNING, "pins-lost", "pin_dir", r->pin_dir, "action", "restoring", NULL);
	/* bpffs gone under a sandboxed service: only a new start, whose unit
	 * mounts it on the host first, can restore the pins. */
	if (reconcile_all(r, TRIGGER_REPAIR) != -EXDEV)
		return 0;
	log_event(LOG_ERR, "pins-lost", "pin_dir", r->pin_dir, "action",
		  "exiting: bpffs must be mounted on the host", NULL);
	return -EXDEV;
}

int reconcile_remove_all(struct state *r)
{
	struct pass ps = {.r = r};

	if (access(r->pin_dir, F_OK) || pass_pins(&ps))
		return 0; /* nothing pinned: nothing of ours */
	queue_daemon_entries(&ps, NULL);
	pass_finish(&ps, 0);
	log_event(LOG_INFO, "cleanup", "unloaded", ps.unloaded ? "yes" : "no", NULL);
	return 0;
}

int reconcile_check_links(struct state *r, const struct config *cfg, unsigned int keep,
			  const char **why)
{
	struct pins p;
	bool unloaded;
	int err;

	err = lifecycle_open(&p, r->pin_dir, LIFECYCLE_UPGRADE, why);
	if (err)
		return err;
	err = lifecycle_ensure_links(&p, config_links(cfg), why);
	/*
	 * What a refused configuration attached goes again. An accepted one's
	 * pass releases what nothing needs when it is done: not here too,
	 * which would read the whole policy map once more.
	 */
	if (err)
		entries_release(&p, keep, NULL, &unloaded);
	pins_close(&p);
	return err;
}
