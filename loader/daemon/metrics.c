// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE /* open_memstream */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "classify.h"
#include "metrics.h"
#include "pmapply.h"
#include "core/counters.h"
#include "core/lifecycle.h"
#include "core/monotime.h"
#include "core/pinstore.h"

/* What a rendering reads the live counters and the container names from. */
struct pinned {
	struct pins *p;
	struct idmap tallies; /* refused options and fallback reasons, by cgroup id */
	struct metrics_feed *feed;
};

static void read_pinned(void *ctx, __u64 cgid, struct entry_counters *out)
{
	struct pinned *pinned = ctx;
	struct entry_counters *t;

	entry_counters_read(pinned->p, cgid, out);
	t = idmap_get(&pinned->tallies, cgid);
	if (t)
		entry_counters_add(out, t);
}

static const char *container_name(void *ctx, const char *id)
{
	struct metrics_feed *f = ((struct pinned *)ctx)->feed;
	const struct container *c = container_table_find(&f->containers, id);

	/* The kubelet links a log just after it creates the container: next time. */
	if (!c)
		f->containers_missed = true;
	return c ? c->name : NULL;
}

/*
 * The links directory read again only when it changed, or when a name was
 * missing (a link made within the same tick as the last read leaves the
 * directory's time as it was): a scrape a second costs a stat().
 */
static void containers_refresh(struct metrics_feed *f, const char *dir)
{
	struct stat st;

	if (stat(dir, &st)) {
		container_table_free(&f->containers);
		memset(&f->containers_st, 0, sizeof(f->containers_st));
		return;
	}
	if (!f->containers_missed && st.st_ino == f->containers_st.st_ino &&
	    st.st_dev == f->containers_st.st_dev &&
	    st.st_mtim.tv_sec == f->containers_st.st_mtim.tv_sec &&
	    st.st_mtim.tv_nsec == f->containers_st.st_mtim.tv_nsec)
		return;
	f->containers_missed = false;
	if (container_table_load(&f->containers, dir))
		container_table_free(&f->containers);
	f->containers_st = st;
}

static bool has_containers(const struct metrics_snapshot *s)
{
	size_t j;

	for (j = 0; j < s->ncgroups; j++)
		if (s->cgroups[j].container_id[0])
			return true;
	return false;
}

static char *render(struct metrics_feed *feed, struct metrics_snapshot *s)
{
	struct pinned pinned = {.p = &s->pins, .feed = feed};
	struct metrics_source src = {.ctx = &pinned};
	enum cgroup_metrics level = feed->cgroups ? s->cgroup_metrics : CGROUP_METRICS_OFF;
	struct mptcpify_diag diag;
	size_t len;
	char *buf;
	FILE *f;

	f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	if (s->pinned) {
		counters_tallies_load(&s->pins, NULL, &pinned.tallies);
		src.read = read_pinned;
		/* counters_diag_read() zeroes what it could not read. */
		counters_diag_read(&s->pins, &diag);
		src.misses.tail_call = diag.tail_call_misses;
		src.misses.recursion = lifecycle_hook_recursion_misses(&s->pins);
	}
	/* Only a series per cgroup names its container. */
	if (level == CGROUP_METRICS_ALL && has_containers(s)) {
		containers_refresh(feed, s->containers_dir);
		src.container = container_name;
	}
	metrics_write(f, s, &src, level);
	counters_tallies_free(&pinned.tallies);
	fclose(f);
	return buf;
}

/* @text copied to *str, which moves past it. */
static const char *copy_out(char **str, const char *text)
{
	const char *at = *str;

	*str = stpcpy(*str, text) + 1;
	return at;
}

/*
 * The Kubernetes names of the cgroup at @rel, copied to *str for @cg when
 * @str is not NULL; the bytes they take either way.
 */
static size_t kube_names(const struct state *r, const char *rel, struct metrics_cgroup *cg,
			 char **str)
{
	const struct pod_entry *pod;
	struct cgroup_kind k;
	const char *ns, *name;

	classify_cgroup(rel, &k);
	pod = k.in_pod[0] ? pod_table_find(&r->pods, k.in_pod) : NULL;
	ns = pod ? pod->namespace : "";
	name = pod ? pod->name : "";
	if (str) {
		cg->pod_uid = copy_out(str, k.in_pod);
		cg->namespace = copy_out(str, ns);
		cg->pod = copy_out(str, name);
		cg->container_id = copy_out(str, k.container_id);
	}
	return strlen(k.in_pod) + strlen(ns) + strlen(name) + strlen(k.container_id) + 4;
}

/* The path-manager results; none when memory is short, never a failed snapshot. */
static void take_pm(struct metrics_snapshot *s, const struct state *r)
{
	const struct pm_applied *a;
	size_t i;

	s->pm = r->pm && r->pm->n ? calloc(r->pm->n, sizeof(*s->pm)) : NULL;
	for (i = 0; s->pm && i < r->pm->n; i++) {
		a = &r->pm->v[i];
		if (a->selector >= s->nselectors || !(s->pm[s->npm].rel = strdup(a->rel)))
			continue;
		s->pm[s->npm].selector = a->selector;
		s->pm[s->npm].netns = a->netns;
		s->pm[s->npm++].err = -a->err;
	}
}

struct metrics_snapshot *metrics_snapshot_take(const struct state *r)
{
	struct metrics_snapshot *s = calloc(1, sizeof(*s));
	size_t it, n = 0, bytes = 0;
	struct metrics_cgroup *cg;
	struct owned *o;
	char *str;
	__u64 cgid;
	void *val;
	int k;

	if (!s)
		return NULL;
	for (it = 0; idmap_next(&r->owned, &it, &cgid, &val);) {
		o = val;
		bytes += strlen(o->rel) + 1 + kube_names(r, o->rel, NULL, NULL);
	}
	s->selectors = calloc(r->cfg.nselectors + 1, sizeof(*s->selectors));
	s->cgroups = calloc(r->owned.n + 1, sizeof(*s->cgroups));
	s->strings = str = malloc(bytes + 1);
	if (!s->selectors || !s->cgroups || !s->strings) {
		metrics_snapshot_free(s);
		return NULL;
	}
	s->nselectors = r->cfg.nselectors;
	for (k = 0; k < s->nselectors; k++) {
		strcpy(s->selectors[k].name, r->cfg.selectors[k].name);
		s->selectors[k].mode = r->cfg.selectors[k].mode;
		s->selectors[k].profile = r->cfg.selectors[k].profile >= 0;
		/* A copy: the loop's own tallies grow while this is rendered. */
		entry_counters_add(&s->selectors[k].gone, &r->totals[k].counters);
	}
	for (it = 0; idmap_next(&r->owned, &it, &cgid, &val);) {
		o = val;
		if (o->selector < 0 || o->selector >= s->nselectors)
			continue;
		cg = &s->cgroups[n++];
		*cg = (struct metrics_cgroup){.cgid = cgid, .selector = o->selector};
		cg->rel = copy_out(&str, o->rel);
		kube_names(r, o->rel, cg, &str);
	}
	s->ncgroups = n;
	take_pm(s, r);
	s->stats = r->stats;
	s->watched = r->watches.by_wd.n;
	s->unwatched = r->watches.unwatched + r->pods_unwatched;
	s->healthy = r->healthy;
	s->cgroup_metrics = r->cfg.cgroup_metrics;
	kube_containers_dir(r->pods_dir, s->containers_dir, sizeof(s->containers_dir));
	s->refs = 1;
	/* Map descriptors read counters without the lock, which goes now. */
	s->pinned = !pins_open(&s->pins, r->pin_dir, PINS_SHARED, &(const char *){NULL});
	if (s->pinned)
		pins_unlock(&s->pins);
	return s;
}

void metrics_snapshot_free(struct metrics_snapshot *s)
{
	int k;

	if (!s)
		return;
	if (s->pinned)
		pins_close(&s->pins);
	for (k = 0; s->selectors && k < s->nselectors; k++)
		entry_counters_free(&s->selectors[k].gone);
	for (k = 0; (size_t)k < s->npm; k++)
		free(s->pm[k].rel);
	free(s->pm);
	free(s->selectors);
	free(s->cgroups);
	free(s->strings);
	free(s);
}

void metrics_feed_init(struct metrics_feed *f, bool cgroups)
{
	memset(f, 0, sizeof(*f));
	pthread_mutex_init(&f->lock, NULL);
	pthread_mutex_init(&f->render_lock, NULL);
	f->cgroups = cgroups;
}

void metrics_feed_free(struct metrics_feed *f)
{
	metrics_snapshot_free(f->snap);
	free(f->body);
	container_table_free(&f->containers);
	pthread_mutex_destroy(&f->lock);
	pthread_mutex_destroy(&f->render_lock);
}

/* Drop a reference taken under f->lock. */
static void put(struct metrics_feed *f, struct metrics_snapshot *s)
{
	bool last;

	pthread_mutex_lock(&f->lock);
	last = s && !--s->refs;
	pthread_mutex_unlock(&f->lock);
	if (last)
		metrics_snapshot_free(s);
}

void metrics_feed_publish(struct metrics_feed *f, struct metrics_snapshot *s)
{
	struct metrics_snapshot *old;

	pthread_mutex_lock(&f->lock);
	old = f->snap;
	f->snap = s;
	pthread_mutex_unlock(&f->lock);
	put(f, old);
}

/*
 * A rendering bigger than this is served once and not kept for the next
 * second: 10,000 cgroups' series are some 16 MB, which would stay in the
 * daemon besides the copy each client is sent, for a saving of CPU time
 * that only many clients a second would see.
 */
#define BODY_KEEP_MAX (1024 * 1024)

char *metrics_feed_render(struct metrics_feed *f)
{
	struct metrics_snapshot *s;
	char *body = NULL;

	pthread_mutex_lock(&f->render_lock);
	if (!f->body || monotime_s() - f->body_at >= 1.0) {
		pthread_mutex_lock(&f->lock);
		s = f->snap;
		if (s)
			s->refs++;
		pthread_mutex_unlock(&f->lock);
		if (s) {
			free(f->body);
			f->body = render(f, s);
			f->body_at = monotime_s();
			put(f, s);
			/* What rendering took, the map reads' buffers, goes back. */
			malloc_trim(0);
			if (f->body && strlen(f->body) >= BODY_KEEP_MAX) {
				body = f->body; /* the caller's, whole */
				f->body = NULL;
			}
		}
	}
	if (f->body)
		body = strdup(f->body);
	pthread_mutex_unlock(&f->render_lock);
	return body;
}
