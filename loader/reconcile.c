// SPDX-License-Identifier: GPL-2.0
/*
 * The daemon's work: from cgroups to policy entries.
 *
 * Every cgroup directory has an inotify watch, added before its children are
 * read, so a cgroup created at any moment is either seen by the walk or
 * reported by an event (both is harmless). A new cgroup that a selector
 * matches gets its entry while the kernel still has its mkdir() in flight
 * for the runtime: before any process can be moved into it.
 *
 * Changes are made adds-first: within one pass, entries are set or changed
 * in place before any is removed, so a cgroup moving from one selector to
 * another (or a pod from rewrite to exclude) is never unconfigured between.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include "cli.h"
#include "daemon.h"
#include "pins.h"
#include "policy.h"
#include "stats.h"

#define CGROUP_EVENTS (IN_CREATE | IN_DELETE | IN_DELETE_SELF | IN_ONLYDIR)
#define PODS_EVENTS (IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM | IN_ONLYDIR)

/* One pass: the pins opened on first need, and the removals kept for last. */
struct pass {
	struct daemon *d;
	struct pins p;
	bool opened;
	int err;
	__u64 *removals;
	size_t nremovals, cap;
	bool unloaded; /* finish() removed every pin */
};

static int pass_pins(struct pass *ps)
{
	const char *why = NULL;
	int err;

	if (ps->opened)
		return 0;
	err = pins_open(&ps->p, ps->d->pin_dir, PINS_ADOPT, &why);
	if (err) {
		daemon_log(LOG_ERR, "pins", "error", why ? why : "cannot open", "errno",
			   strerror(-err), NULL);
		ps->err = err;
		return err;
	}
	ps->opened = true;
	return 0;
}

static void queue_removal(struct pass *ps, __u64 cgid)
{
	__u64 *grown;

	if (ps->nremovals == ps->cap) {
		grown = realloc(ps->removals, (ps->cap ? ps->cap * 2 : 64) * sizeof(*grown));
		if (!grown) {
			ps->err = -ENOMEM;
			return;
		}
		ps->removals = grown;
		ps->cap = ps->cap ? ps->cap * 2 : 64;
	}
	ps->removals[ps->nremovals++] = cgid;
}

static int remember(struct daemon *d, __u64 cgid, int selector, const char *rel)
{
	struct owned *o = idmap_get(&d->owned, cgid);

	if (o && !strcmp(o->rel, rel)) {
		o->selector = selector;
		return 0;
	}
	o = malloc(sizeof(*o) + strlen(rel) + 1);
	if (!o)
		return -ENOMEM;
	o->selector = selector;
	strcpy(o->rel, rel);
	free(idmap_del(&d->owned, cgid));
	if (idmap_put(&d->owned, cgid, o)) {
		free(o);
		return -ENOMEM;
	}
	return 0;
}

static void apply_profile(struct pass *ps, const struct selector *s, __u64 cgid, const char *rel)
{
	struct daemon *d = ps->d;
	struct mptcpify_profile cur;
	const char *why = NULL;
	bool have, changed;
	int err;

	have = !bpf_map_lookup_elem(ps->p.profile_fd, &cgid, &cur);
	if (have && cur.owner != MPTCPIFY_OWNER_DAEMON)
		return; /* set by hand with "subflow set": not ours */
	if (s->profile < 0) {
		if (have && !profile_delete(&ps->p, cgid))
			daemon_log(LOG_INFO, "subflow-clear", "cgroup", rel, NULL);
		return;
	}
	err = profile_put(&ps->p, cgid, &d->cfg.profiles[s->profile].prof, d->cgroup2, &changed,
			  &why);
	if (err) {
		d->apply_errors++;
		ps->err = err;
		daemon_log(LOG_ERR, "subflow-set", "cgroup", rel, "error", why, "errno",
			   strerror(-err), NULL);
	} else if (changed) {
		daemon_log(LOG_INFO, "subflow-set", "cgroup", rel, "selector", s->name, "profile",
			   d->cfg.profiles[s->profile].name, NULL);
	}
}

/* Is @cgid's policy entry, or its profile, one the daemon made? */
static bool daemon_policy(struct pins *p, __u64 cgid)
{
	struct mptcpify_policy entry;

	return !policy_get(p, cgid, &entry) && entry.owner == MPTCPIFY_OWNER_DAEMON;
}

static bool daemon_profile(struct pins *p, __u64 cgid)
{
	struct mptcpify_profile prof;

	return !bpf_map_lookup_elem(p->profile_fd, &cgid, &prof) &&
	       prof.owner == MPTCPIFY_OWNER_DAEMON;
}

/*
 * Queue the removal of every policy entry and profile the daemon made whose
 * cgroup is not in @seen (NULL: all of them). Found first, removed later:
 * deleting under get_next_key would restart the walk.
 */
static void queue_daemon_entries(struct pass *ps, const struct idmap *seen)
{
	__u64 key, *prev = NULL;

	for (; !bpf_map_get_next_key(ps->p.policy_fd, prev, &key); prev = &key)
		if ((!seen || !idmap_get(seen, key)) && daemon_policy(&ps->p, key))
			queue_removal(ps, key);
	for (prev = NULL; !bpf_map_get_next_key(ps->p.profile_fd, prev, &key); prev = &key)
		if ((!seen || !idmap_get(seen, key)) && daemon_profile(&ps->p, key))
			queue_removal(ps, key);
}

/* Make @cgid's entry what the selectors say, or queue its removal. */
static void evaluate(struct pass *ps, __u64 cgid, const char *rel)
{
	struct daemon *d = ps->d;
	struct mptcpify_policy cur;
	const struct selector *s;
	const char *why = NULL;
	bool changed;
	int sel, err;

	sel = selector_match(&d->cfg, rel, &d->pods);
	if (sel < 0) {
		/* Ours, or left by an earlier run whose configuration said so. */
		if (idmap_get(&d->owned, cgid) ||
		    (ps->opened && (daemon_policy(&ps->p, cgid) || daemon_profile(&ps->p, cgid))))
			queue_removal(ps, cgid);
		return;
	}
	if (pass_pins(ps))
		return;
	s = &d->cfg.selectors[sel];
	if (!policy_get(&ps->p, cgid, &cur) && cur.owner != MPTCPIFY_OWNER_DAEMON) {
		daemon_log(LOG_DEBUG, "manual-entry", "cgroup", rel, "selector", s->name, NULL);
		/* Made by hand: the CLI's entry wins. The profile has its own owner. */
		free(idmap_del(&d->owned, cgid));
		apply_profile(ps, s, cgid, rel);
		return;
	}
	err = policy_set(&ps->p, cgid, s->mode, MPTCPIFY_OWNER_DAEMON, d->cgroup2, &changed, &why);
	if (err) {
		d->apply_errors++;
		ps->err = err;
		daemon_log(LOG_ERR, "enforce", "cgroup", rel, "selector", s->name, "error", why,
			   "errno", strerror(-err), NULL);
		return;
	}
	if (changed) {
		d->entries_set++;
		daemon_log(LOG_INFO, "enforce", "cgroup", rel, "selector", s->name, "mode",
			   mode_name(s->mode), NULL);
	}
	if (remember(d, cgid, sel, rel))
		ps->err = -ENOMEM;
	apply_profile(ps, s, cgid, rel);
}

/* Fold the counters of an entry about to go into its selector's totals. */
static void retire_counters(struct pass *ps, __u64 cgid, int selector)
{
	struct selector_totals *t;
	struct mptcpify_rule_stats rs;
	struct mptcpify_stats st;
	int i;

	if (selector < 0 || selector >= ps->d->cfg.nselectors)
		return;
	t = &ps->d->totals[selector];
	if (!stats_read(ps->p.stats_fd, cgid, &st))
		for (i = 0; i < MPTCPIFY_STAT_NR; i++)
			t->sockets[i] += st.count[i];
	for (i = 0; i < MPTCPIFY_MAX_RULES; i++) {
		profile_rule_stats(&ps->p, cgid, i, &rs);
		t->subflow_applied += rs.applied;
		t->subflow_failed += rs.failed;
	}
}

static void remove_entry(struct pass *ps, __u64 cgid)
{
	struct owned *o = idmap_del(&ps->d->owned, cgid);

	if (pass_pins(ps)) {
		free(o);
		return;
	}
	retire_counters(ps, cgid, o ? o->selector : -1);
	if (daemon_profile(&ps->p, cgid))
		profile_delete(&ps->p, cgid);
	if (daemon_policy(&ps->p, cgid) && !policy_delete(&ps->p, cgid)) {
		ps->d->entries_removed++;
		daemon_log(LOG_INFO, "release", "cgroup", o ? o->rel : "(gone)", NULL);
	}
	free(o);
}

/* Removals last, then the programs: those in @links stay attached. */
static int finish(struct pass *ps, unsigned int links)
{
	const char *why = NULL;
	size_t i;
	int err;

	for (i = 0; i < ps->nremovals; i++)
		remove_entry(ps, ps->removals[i]);
	free(ps->removals);
	if (ps->opened) {
		err = pins_ensure_links(&ps->p, links, ps->d->cgroup2, &why);
		if (err)
			ps->err = err;
		policy_release(&ps->p, links, &ps->unloaded);
		pins_close(&ps->p);
	}
	ps->d->healthy = !ps->err;
	if (ps->err)
		snprintf(ps->d->unhealthy, sizeof(ps->d->unhealthy), "last change failed: %s",
			 strerror(-ps->err));
	return ps->err;
}

/* The key of d->by_path. */
static __u64 path_key(const char *rel)
{
	return idmap_hash(rel, strlen(rel));
}

static struct watched *watched_at(struct daemon *d, const char *rel)
{
	struct watched *w = idmap_get(&d->by_path, path_key(rel));

	return w && !strcmp(w->rel, rel) ? w : NULL;
}

static void unwatch(struct daemon *d, struct watched *w)
{
	if (idmap_get(&d->by_path, path_key(w->rel)) == w)
		idmap_del(&d->by_path, path_key(w->rel));
	idmap_del(&d->watches, w->wd);
	free(w);
}

/* Watch the cgroup at @rel (@path in the filesystem); NULL if that failed. */
static struct watched *watch(struct daemon *d, const char *rel, const char *path)
{
	struct cgroup_kind k;
	struct watched *w, *old;
	struct stat st;
	int wd;

	wd = inotify_add_watch(d->inotify_fd, path, CGROUP_EVENTS);
	if (wd < 0) {
		if (errno == ENOSPC)
			daemon_log(LOG_ERR, "watch", "cgroup", rel, "error",
				   "out of inotify watches: raise fs.inotify.max_user_watches",
				   NULL);
		return NULL;
	}
	if (stat(path, &st))
		return NULL;
	old = idmap_get(&d->watches, wd);
	if (old && old->cgid == st.st_ino && !strcmp(old->rel, rel))
		return old;
	if (old)
		unwatch(d, old);
	w = malloc(sizeof(*w) + strlen(rel) + 1);
	if (!w)
		return NULL;
	w->cgid = st.st_ino;
	w->wd = wd;
	strcpy(w->rel, rel);
	cgroup_classify(rel, &k);
	strcpy(w->pod_uid, k.pod_uid);
	if (idmap_put(&d->watches, wd, w)) {
		free(w);
		return NULL;
	}
	/* A path taken by an older cgroup of the same name: this one now. */
	idmap_put(&d->by_path, path_key(rel), w);
	return w;
}

/* Watch and evaluate @rel and everything below it. */
static void walk(struct pass *ps, const char *rel, struct idmap *seen)
{
	char path[PATH_MAX], child[PATH_MAX];
	struct watched *w;
	struct dirent *de;
	struct stat st;
	__u64 cgid;
	DIR *dir;

	if (snprintf(path, sizeof(path), "%s%s", ps->d->cgroup2, strcmp(rel, "/") ? rel : "") >=
	    (int)sizeof(path))
		return;
	w = watch(ps->d, rel, path);
	/* Unwatched (out of watches, out of memory) is still enforced: the
	 * resync finds what its events would have told. */
	if (w)
		cgid = w->cgid;
	else if (!stat(path, &st))
		cgid = st.st_ino;
	else
		return; /* gone */
	if (seen)
		idmap_put(seen, cgid, (void *)1);
	evaluate(ps, cgid, rel);
	dir = opendir(path);
	if (!dir)
		return;
	while ((de = readdir(dir))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if (snprintf(child, sizeof(child), "%s/%s", strcmp(rel, "/") ? rel : "",
			     de->d_name) < (int)sizeof(child))
			walk(ps, child, seen);
	}
	closedir(dir);
}

/* Watch the pods dir and read it whole: after an overflow, events were lost. */
static void watch_pods_dir(struct daemon *d)
{
	if (d->pods_wd < 0)
		d->pods_wd = inotify_add_watch(d->inotify_fd, d->pods_dir, PODS_EVENTS);
	if (d->pods_wd >= 0)
		pod_table_load(&d->pods, d->pods_dir);
}

/* Drop the watches of cgroups the walk did not find: removed unheard. */
static void unwatch_unseen(struct daemon *d, struct idmap *seen)
{
	struct watched *w;
	__u64 wd, *gone = NULL;
	size_t it, n = 0, i;
	void *val;

	gone = calloc(d->watches.n + 1, sizeof(*gone));
	if (!gone)
		return;
	for (it = 0; idmap_next(&d->watches, &it, &wd, &val);)
		if (!idmap_get(seen, ((struct watched *)val)->cgid))
			gone[n++] = wd;
	for (i = 0; i < n; i++) {
		w = idmap_get(&d->watches, gone[i]);
		inotify_rm_watch(d->inotify_fd, w->wd);
		unwatch(d, w);
	}
	free(gone);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int reconcile_all(struct daemon *d, enum reconcile_trigger why)
{
	static const char *const names[] = {"start", "resync", "reload", "overflow"};
	struct pass ps = {.d = d};
	struct idmap seen = {0};
	double t0 = now_s();
	__u64 key;
	char took[32], count[32];
	void *val;
	size_t it;
	int err;

	watch_pods_dir(d);
	if (pass_pins(&ps))
		return finish(&ps, config_links(&d->cfg));
	walk(&ps, "/", &seen);
	/* Our entries of cgroups the walk did not find are gone with them. */
	queue_daemon_entries(&ps, &seen);
	for (it = 0; idmap_next(&d->owned, &it, &key, &val);)
		if (!idmap_get(&seen, key))
			queue_removal(&ps, key);
	unwatch_unseen(d, &seen);
	idmap_free(&seen);
	err = finish(&ps, config_links(&d->cfg));
	d->last_reconcile_seconds = now_s() - t0;
	d->reconciles[why]++;
	d->reconcile_seconds[why] += d->last_reconcile_seconds;
	snprintf(took, sizeof(took), "%.1fms", d->last_reconcile_seconds * 1e3);
	snprintf(count, sizeof(count), "%zu", d->owned.n);
	daemon_log(err ? LOG_ERR : LOG_INFO, "reconcile", "trigger", names[why], "entries", count,
		   "took", took, NULL);
	return err;
}

/* The pod with @uid appeared in or left the pods dir: its cgroups again. */
static void pod_changed(struct pass *ps, const char *uid)
{
	struct watched *w;
	size_t it;
	__u64 wd;
	void *val;

	for (it = 0; idmap_next(&ps->d->watches, &it, &wd, &val);) {
		w = val;
		if (!strcmp(w->pod_uid, uid))
			evaluate(ps, w->cgid, w->rel);
	}
}

static void pods_event(struct pass *ps, const struct inotify_event *ev)
{
	struct pod pod;

	if (!ev->len || pod_from_log_dir(ev->name, &pod))
		return;
	if (ev->mask & (IN_CREATE | IN_MOVED_TO))
		pod_table_add(&ps->d->pods, &pod);
	else
		pod_table_remove(&ps->d->pods, pod.uid);
	pod_changed(ps, pod.uid);
}

static bool cgroup_event(struct pass *ps, const struct inotify_event *ev)
{
	struct daemon *d = ps->d;
	char rel[PATH_MAX];
	struct watched *w;

	if (ev->mask & IN_Q_OVERFLOW)
		return true;
	w = idmap_get(&d->watches, ev->wd);
	if (w && (ev->mask & (IN_DELETE_SELF | IN_IGNORED))) {
		/* Removed, and not heard of from the parent (some kernels). */
		d->cgroups_removed++;
		if (idmap_get(&d->owned, w->cgid))
			queue_removal(ps, w->cgid);
		if (ev->mask & IN_DELETE_SELF)
			inotify_rm_watch(d->inotify_fd, w->wd);
		unwatch(d, w);
		return false;
	}
	if (!w || !(ev->mask & IN_ISDIR) || !ev->len ||
	    snprintf(rel, sizeof(rel), "%s/%s", strcmp(w->rel, "/") ? w->rel : "", ev->name) >=
		    (int)sizeof(rel))
		return false;
	if (ev->mask & IN_CREATE) {
		d->cgroups_created++;
		walk(ps, rel, NULL);
	} else if (ev->mask & IN_DELETE) {
		/*
		 * Told by the parent: on some kernels cgroupfs keeps the removed
		 * directory's inode cached and its own watch hears nothing.
		 */
		w = watched_at(d, rel);
		if (!w)
			return false; /* heard of already, from its own watch */
		d->cgroups_removed++;
		if (idmap_get(&d->owned, w->cgid))
			queue_removal(ps, w->cgid);
		inotify_rm_watch(d->inotify_fd, w->wd);
		unwatch(d, w);
	}
	return false;
}

int reconcile_events(struct daemon *d)
{
	char buf[64 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ev;
	struct pass ps = {.d = d};
	bool overflow = false;
	ssize_t n;
	char *p;

	/* Everything queued now is one pass: one opening of the pins. */
	while ((n = read(d->inotify_fd, buf, sizeof(buf))) > 0) {
		for (p = buf; p < buf + n; p += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)p;
			if (ev->wd == d->pods_wd && d->pods_wd >= 0) {
				if (ev->mask & IN_IGNORED)
					d->pods_wd = -1;
				else
					pods_event(&ps, ev);
			} else {
				overflow |= cgroup_event(&ps, ev);
			}
		}
	}
	if (ps.opened || ps.nremovals)
		finish(&ps, config_links(&d->cfg));
	else
		free(ps.removals);
	if (overflow) {
		daemon_log(LOG_WARNING, "overflow", "error", "inotify queue overflowed: resyncing",
			   NULL);
		return reconcile_all(d, TRIGGER_OVERFLOW);
	}
	return ps.err;
}

int reconcile_remove_all(struct daemon *d)
{
	struct pass ps = {.d = d};

	if (pins_open(&ps.p, d->pin_dir, PINS_READ, &(const char *){NULL}))
		return 0; /* nothing pinned: nothing of ours */
	ps.opened = true;
	queue_daemon_entries(&ps, NULL);
	finish(&ps, 0);
	daemon_log(LOG_INFO, "cleanup", "unloaded", ps.unloaded ? "yes" : "no", NULL);
	return 0;
}

int reconcile_check_links(struct daemon *d, const struct config *cfg, unsigned int keep,
			  const char **why)
{
	unsigned int links = config_links(cfg);
	struct pins p;
	bool unloaded;
	int err;

	err = pins_open(&p, d->pin_dir, PINS_CREATE, why);
	if (err)
		return err;
	err = pins_ensure_links(&p, links, d->cgroup2, why);
	/* What a refused configuration attached goes again. */
	policy_release(&p, err ? keep : links, &unloaded);
	pins_close(&p);
	return err;
}

int reconcile_totals(struct daemon *d)
{
	struct selector_totals *t;
	struct owned *o;
	size_t it;
	__u64 key;
	void *val;
	int i, j;

	t = calloc(d->cfg.nselectors ? d->cfg.nselectors : 1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	for (i = 0; i < d->cfg.nselectors; i++) {
		strcpy(t[i].name, d->cfg.selectors[i].name);
		for (j = 0; j < d->ntotals; j++)
			if (!strcmp(d->totals[j].name, t[i].name))
				t[i] = d->totals[j];
	}
	/* Entries remember their selector by index: the new index, by name. */
	for (it = 0; idmap_next(&d->owned, &it, &key, &val);) {
		o = val;
		o->selector = selector_match(&d->cfg, o->rel, &d->pods);
	}
	free(d->totals);
	d->totals = t;
	d->ntotals = d->cfg.nselectors;
	return 0;
}

void reconcile_free(struct daemon *d)
{
	size_t it;
	__u64 key;
	void *val;

	for (it = 0; idmap_next(&d->watches, &it, &key, &val);)
		free(val);
	for (it = 0; idmap_next(&d->owned, &it, &key, &val);)
		free(val);
	idmap_free(&d->watches);
	idmap_free(&d->by_path);
	idmap_free(&d->owned);
	pod_table_free(&d->pods);
	free(d->totals);
	d->totals = NULL;
	d->ntotals = 0;
}
