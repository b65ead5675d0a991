// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE /* open_memstream */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "metrics.h"
#include "core/counters.h"
#include "core/lifecycle.h"
#include "core/pinstore.h"

/* What a rendering reads the live counters from. */
struct pinned {
	struct pins *p;
	struct idmap tallies; /* refused options and fallback reasons, by cgroup id */
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

static char *render(struct metrics_snapshot *s, bool cgroups)
{
	struct pinned pinned = {.p = &s->pins};
	struct mptcpify_state st = {0};
	struct hook_misses misses = {0};
	size_t len;
	char *buf;
	FILE *f;

	f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	if (s->pinned) {
		pins_read_state(&s->pins, &st);
		entry_tallies_load(&s->pins, NULL, &pinned.tallies);
		misses.tail_call = st.tail_call_misses;
		misses.recursion = lifecycle_hook_recursion_misses(&s->pins);
	}
	metrics_write(f, s, s->pinned ? read_pinned : NULL, &pinned, &misses, cgroups);
	entry_tallies_free(&pinned.tallies);
	fclose(f);
	return buf;
}

struct metrics_snapshot *metrics_snapshot_take(const struct reconciler *r)
{
	struct metrics_snapshot *s = calloc(1, sizeof(*s));
	size_t it, n = 0, bytes = 0;
	struct owned *o;
	char *str;
	__u64 cgid;
	void *val;
	int k;

	if (!s)
		return NULL;
	for (it = 0; idmap_next(&r->owned, &it, &cgid, &val);)
		bytes += strlen(((struct owned *)val)->rel) + 1;
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
		s->cgroups[n] =
			(struct metrics_cgroup){.cgid = cgid, .selector = o->selector, .rel = str};
		str = stpcpy(str, o->rel) + 1;
		n++;
	}
	s->ncgroups = n;
	s->stats = r->stats;
	s->watched = r->watches.by_wd.n;
	s->healthy = r->healthy;
	s->refs = 1;
	/* Map descriptors read counters without the lock, which goes now. */
	s->pinned = !pins_open(&s->pins, r->pin_dir, PINS_SHARED, &(const char *){NULL});
	if (s->pinned) {
		close(s->pins.dir_fd);
		s->pins.dir_fd = -1;
	}
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

static double since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) + (now.tv_nsec - t->tv_nsec) / 1e9;
}

char *metrics_feed_render(struct metrics_feed *f)
{
	struct metrics_snapshot *s;
	char *body = NULL;

	pthread_mutex_lock(&f->render_lock);
	if (!f->body || since(&f->body_at) >= 1.0) {
		pthread_mutex_lock(&f->lock);
		s = f->snap;
		if (s)
			s->refs++;
		pthread_mutex_unlock(&f->lock);
		if (s) {
			free(f->body);
			f->body = render(s, f->cgroups);
			clock_gettime(CLOCK_MONOTONIC, &f->body_at);
			put(f, s);
		}
	}
	if (f->body)
		body = strdup(f->body);
	pthread_mutex_unlock(&f->render_lock);
	return body;
}
