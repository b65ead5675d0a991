// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE /* open_memstream */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "metrics.h"
#include <limits.h>
#include "core/counters.h"
#include "core/escape.h"
#include "core/entries.h"
#include "core/lifecycle.h"
#include "core/pinstore.h"

/*
 * A label value: the text escaped as escape_text() does (any user who may
 * create a cgroup chooses its name, and one byte that is not UTF-8 would
 * make the whole exposition invalid), then \, " and newline as the format
 * wants them.
 */
static void put_label(FILE *f, const char *text)
{
	char buf[PATH_MAX * 4], *s = escape_text(text, buf, sizeof(buf));

	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void help(FILE *f, const char *name, const char *type, const char *text)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, text, name, type);
}

/* The counters an entry of @mode can move: the others would stay 0. */
static bool counts_for(__u32 mode, int verdict)
{
	switch (verdict) {
	case MPTCPIFY_REWRITTEN:
	case MPTCPIFY_UNAVAILABLE:
		return mode == MPTCPIFY_MODE_REWRITE;
	case MPTCPIFY_EXCLUDED:
		return mode == MPTCPIFY_MODE_EXCLUDE;
	case MPTCPIFY_AUDIT_TCP:
	case MPTCPIFY_AUDIT_MPTCP:
		return mode == MPTCPIFY_MODE_AUDIT;
	case MPTCPIFY_NON_TCP:
		return true;
	case MPTCPIFY_NATIVE:
		return mode != MPTCPIFY_MODE_AUDIT;
	default:
		return false;
	}
}

/* One sample of a per-cgroup family. */
static void cgroup_sample(FILE *f, const char *family, const char *selector, const char *rel,
			  const char *result, __u64 value)
{
	fprintf(f, "%s{selector=\"%s\",cgroup=\"", family, selector);
	put_label(f, rel);
	fprintf(f, "\",result=\"%s\"} %llu\n", result, (unsigned long long)value);
}

/*
 * The per-cgroup families, each whole before the next (the text format wants
 * a family's samples together), and their sums per selector in @sums.
 */
static void per_cgroup(FILE *f, const struct metrics_snapshot *s, metrics_read_fn read, void *ctx,
		       struct entry_counters *sums, bool cgroups)
{
	struct entry_counters *lives = calloc(s->ncgroups + 1, sizeof(*lives));
	const struct metrics_selector *sel;
	const struct metrics_cgroup *cg;
	size_t j;
	int i;

	for (j = 0; read && lives && j < s->ncgroups; j++) {
		read(ctx, s->cgroups[j].cgid, &lives[j]);
		entry_counters_add(&sums[s->cgroups[j].selector], &lives[j]);
	}
	if (!cgroups) {
		free(lives);
		return;
	}
	help(f, "mptcpify_cgroup_sockets_total", "counter",
	     "socket() calls of a configured cgroup's processes, by what mptcpify did");
	for (cg = s->cgroups; read && lives && cg < s->cgroups + s->ncgroups; cg++) {
		sel = &s->selectors[cg->selector];
		for (i = 0; i < MPTCPIFY_VERDICT_NR; i++)
			if (counts_for(sel->mode, i))
				cgroup_sample(f, "mptcpify_cgroup_sockets_total", sel->name,
					      cg->rel, verdict_name(i),
					      lives[cg - s->cgroups].sockets.count[i]);
	}
	help(f, "mptcpify_cgroup_subflow_options_total", "counter",
	     "subflow socket options of a cgroup's connections, set or refused");
	for (cg = s->cgroups; read && lives && cg < s->cgroups + s->ncgroups; cg++) {
		if (!lives[cg - s->cgroups].profile)
			continue;
		sel = &s->selectors[cg->selector];
		cgroup_sample(f, "mptcpify_cgroup_subflow_options_total", sel->name, cg->rel,
			      "applied", lives[cg - s->cgroups].subflow_applied);
		cgroup_sample(f, "mptcpify_cgroup_subflow_options_total", sel->name, cg->rel,
			      "failed", lives[cg - s->cgroups].subflow_failed);
	}
	free(lives);
}

static void per_selector(FILE *f, const struct metrics_snapshot *s, struct entry_counters *sums)
{
	unsigned int *count = calloc(s->nselectors + 1, sizeof(*count));
	const struct metrics_selector *sel;
	size_t j;
	int k, i;

	for (j = 0; count && j < s->ncgroups; j++)
		count[s->cgroups[j].selector]++;
	help(f, "mptcpify_selector_cgroups", "gauge", "cgroups a selector enforces now");
	for (k = 0; count && k < s->nselectors; k++)
		fprintf(f, "mptcpify_selector_cgroups{selector=\"%s\",mode=\"%s\"} %u\n",
			s->selectors[k].name, mode_name(s->selectors[k].mode), count[k]);
	free(count);
	/* What is gone counts with what is live. */
	for (k = 0; k < s->nselectors; k++)
		entry_counters_add(&sums[k], &s->selectors[k].gone);
	help(f, "mptcpify_sockets_total", "counter",
	     "socket() calls of a selector's cgroups, removed cgroups included");
	for (k = 0; k < s->nselectors; k++) {
		sel = &s->selectors[k];
		for (i = 0; i < MPTCPIFY_VERDICT_NR; i++)
			if (counts_for(sel->mode, i))
				fprintf(f,
					"mptcpify_sockets_total{selector=\"%s\",result=\"%s\"} "
					"%llu\n",
					sel->name, verdict_name(i),
					(unsigned long long)sums[k].sockets.count[i]);
	}
	help(f, "mptcpify_subflow_options_total", "counter",
	     "subflow socket options set (applied) or refused by the kernel (failed)");
	for (k = 0; k < s->nselectors; k++) {
		sel = &s->selectors[k];
		if (!sel->profile)
			continue;
		fprintf(f,
			"mptcpify_subflow_options_total{selector=\"%s\",result=\"applied\"} %llu\n",
			sel->name, (unsigned long long)sums[k].subflow_applied);
		fprintf(f,
			"mptcpify_subflow_options_total{selector=\"%s\",result=\"failed\"} %llu\n",
			sel->name, (unsigned long long)sums[k].subflow_failed);
	}
}

/* A counter family of two samples, told apart by one label. */
static void counter_pair(FILE *f, const char *family, const char *text, const char *label,
			 const char *a, __u64 va, const char *b, __u64 vb)
{
	help(f, family, "counter", text);
	fprintf(f, "%s{%s=\"%s\"} %llu\n", family, label, a, (unsigned long long)va);
	fprintf(f, "%s{%s=\"%s\"} %llu\n", family, label, b, (unsigned long long)vb);
}

static void per_daemon(FILE *f, const struct metrics_snapshot *s, __u32 tail_call_misses)
{
	const struct reconcile_stats *st = &s->stats;
	int t;

	help(f, "mptcpify_reconciles_total", "counter", "full reconciles, by trigger");
	for (t = 0; t < TRIGGER_NR; t++)
		fprintf(f, "mptcpify_reconciles_total{trigger=\"%s\"} %llu\n",
			reconcile_trigger_name(t), (unsigned long long)st->reconciles[t]);
	help(f, "mptcpify_reconcile_seconds_total", "counter",
	     "time spent in full reconciles, by trigger");
	for (t = 0; t < TRIGGER_NR; t++)
		fprintf(f, "mptcpify_reconcile_seconds_total{trigger=\"%s\"} %.6f\n",
			reconcile_trigger_name(t), st->reconcile_seconds[t]);
	help(f, "mptcpify_reconcile_last_seconds", "gauge", "duration of the last full reconcile");
	fprintf(f, "mptcpify_reconcile_last_seconds %.6f\n", st->last_reconcile_seconds);
	counter_pair(f, "mptcpify_config_reloads_total", "SIGHUP reloads, applied or refused",
		     "result", "applied", st->reloads_applied, "refused", st->reloads_refused);
	counter_pair(f, "mptcpify_cgroup_events_total", "cgroups seen created and removed", "event",
		     "created", st->cgroups_created, "removed", st->cgroups_removed);
	counter_pair(f, "mptcpify_entry_changes_total", "policy entries set or removed", "change",
		     "set", st->entries_set, "removed", st->entries_removed);
	help(f, "mptcpify_apply_errors_total", "counter", "map updates that failed");
	fprintf(f, "mptcpify_apply_errors_total %llu\n", (unsigned long long)st->apply_errors);
	help(f, "mptcpify_cgroups_watched", "gauge", "cgroup directories under inotify watch");
	fprintf(f, "mptcpify_cgroups_watched %zu\n", s->watched);
	help(f, "mptcpify_tail_call_misses_total", "counter",
	     "socket() calls left as they were because the hook's tail call did not happen");
	fprintf(f, "mptcpify_tail_call_misses_total %u\n", tail_call_misses);
	help(f, "mptcpify_healthy", "gauge", "1 when the last change to the maps succeeded");
	fprintf(f, "mptcpify_healthy %d\n", s->healthy);
	help(f, "mptcpify_build_info", "gauge", "the running build");
	fprintf(f, "mptcpify_build_info{version=\"%s\",build_id=\"%016llx\"} 1\n", MPTCPIFY_VERSION,
		(unsigned long long)lifecycle_build_id());
}

void metrics_write(FILE *f, const struct metrics_snapshot *s, metrics_read_fn read, void *ctx,
		   __u32 tail_call_misses, bool cgroups)
{
	struct entry_counters *sums = calloc(s->nselectors + 1, sizeof(*sums));

	if (!sums)
		return;
	per_cgroup(f, s, read, ctx, sums, cgroups);
	per_selector(f, s, sums);
	per_daemon(f, s, tail_call_misses);
	free(sums);
}

static void read_pinned(void *ctx, __u64 cgid, struct entry_counters *out)
{
	entry_counters_read(ctx, cgid, out);
}

static char *render(struct metrics_snapshot *s, bool cgroups)
{
	struct mptcpify_state st = {0};
	size_t len;
	char *buf;
	FILE *f;

	f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	if (s->pinned)
		pins_read_state(&s->pins, &st);
	metrics_write(f, s, s->pinned ? read_pinned : NULL, &s->pins, st.tail_call_misses, cgroups);
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
		s->selectors[k].gone = r->totals[k].counters;
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
	if (!s)
		return;
	if (s->pinned)
		pins_close(&s->pins);
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
