// SPDX-License-Identifier: GPL-2.0
/*
 * The exposition itself: each family whole, its HELP and TYPE first, the
 * per-cgroup ones only when asked for, and every label value escaped.
 */
#define _GNU_SOURCE /* qsort_r */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "metrics.h"
#include "core/compat.h"
#include "core/counters.h"
#include "core/entries.h"
#include "core/escape.h"
#include "core/lifecycle.h"
#include "core/probe.h"

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

/*
 * Whether an entry of @mode counts escapes: TCP sockets that stayed TCP
 * although it rewrites and MPTCP was available. Only a rewrite entry does.
 */
static bool escapes_for(__u32 mode)
{
	return mode == MPTCPIFY_MODE_REWRITE;
}

/*
 * One series of the per-cgroup families: an enforced cgroup ("all"), or a
 * pod's cgroups of one selector summed ("pods"). Names are "" or NULL where
 * not known, and then not labelled: an empty label is no label.
 */
struct row {
	int selector;
	const char *cgroup, *namespace, *pod, *uid, *container, *container_id;
	const struct entry_counters *c;
	struct entry_counters sum; /* "pods": what c points to */
	bool profile;
};

static void label(FILE *f, const char *name, const char *value)
{
	if (!value || !*value)
		return;
	fprintf(f, ",%s=\"", name);
	put_label(f, value);
	fputc('"', f);
}

/* One sample of a per-cgroup family. */
static void row_sample(FILE *f, const char *family, const struct metrics_snapshot *s,
		       const struct row *r, const char *key, const char *value, __u64 n)
{
	fprintf(f, "%s{selector=\"%s\"", family, s->selectors[r->selector].name);
	label(f, "cgroup", r->cgroup);
	label(f, "namespace", r->namespace);
	label(f, "pod", r->pod);
	label(f, "uid", r->uid);
	label(f, "container", r->container);
	label(f, "container_id", r->container_id);
	fprintf(f, ",%s=\"%s\"} %llu\n", key, value, (unsigned long long)n);
}

/* Cgroups in a pod by selector and pod UID; the others last. */
static int by_pod(const void *a, const void *b, void *cgroups)
{
	const struct metrics_cgroup *x = (struct metrics_cgroup *)cgroups + *(const size_t *)a;
	const struct metrics_cgroup *y = (struct metrics_cgroup *)cgroups + *(const size_t *)b;

	if (!x->pod_uid[0] != !y->pod_uid[0])
		return !x->pod_uid[0] - !y->pod_uid[0];
	if (x->selector != y->selector)
		return x->selector - y->selector;
	return strcmp(x->pod_uid, y->pod_uid);
}

/* "pods": a row per selector and pod, its cgroups' counters summed. */
static size_t pod_rows(const struct metrics_snapshot *s, const struct entry_counters *lives,
		       struct row *rows)
{
	size_t *order = calloc(s->ncgroups + 1, sizeof(*order)), j, n = 0;
	const struct metrics_cgroup *cg;
	struct row *r = NULL;

	if (!order)
		return 0;
	for (j = 0; j < s->ncgroups; j++)
		order[j] = j;
	qsort_r(order, s->ncgroups, sizeof(*order), by_pod, s->cgroups);
	for (j = 0; j < s->ncgroups; j++) {
		cg = &s->cgroups[order[j]];
		if (!cg->pod_uid[0])
			break;
		if (!r || r->selector != cg->selector || strcmp(r->uid, cg->pod_uid)) {
			r = &rows[n++];
			*r = (struct row){
				.selector = cg->selector, .uid = cg->pod_uid, .c = &r->sum};
		}
		/* Any of its cgroups may be the one that knows the pod's names. */
		if (cg->pod[0]) {
			r->namespace = cg->namespace;
			r->pod = cg->pod;
		}
		entry_counters_add(&r->sum, &lives[order[j]]);
		r->profile |= lives[order[j]].profile;
	}
	free(order);
	return n;
}

/* "all": a row per cgroup, with its pod's names and its container's. */
static size_t cgroup_rows(const struct metrics_snapshot *s, const struct entry_counters *lives,
			  const struct metrics_source *src, struct row *rows)
{
	const struct metrics_cgroup *cg;
	struct row *r;
	size_t j;

	for (j = 0; j < s->ncgroups; j++) {
		cg = &s->cgroups[j];
		r = &rows[j];
		*r = (struct row){.selector = cg->selector,
				  .cgroup = cg->rel,
				  .namespace = cg->namespace,
				  .pod = cg->pod,
				  .container_id = cg->container_id,
				  .c = &lives[j],
				  .profile = lives[j].profile};
		if (cg->container_id[0] && src->container)
			r->container = src->container(src->ctx, cg->container_id);
	}
	return s->ncgroups;
}

/* The per-cgroup families, each whole before the next (the text format wants it). */
static void cgroup_families(FILE *f, const struct metrics_snapshot *s, const struct row *rows,
			    size_t n)
{
	const struct row *r;
	int i;

	help(f, "mptcpify_cgroup_sockets_total", "counter",
	     "socket() calls of an enforced cgroup's processes (a pod's cgroups summed with "
	     "cgroup-metrics: pods), by what mptcpify did");
	for (r = rows; r < rows + n; r++)
		for (i = 0; i < MPTCPIFY_VERDICT_NR; i++)
			if (counts_for(s->selectors[r->selector].mode, i))
				row_sample(f, "mptcpify_cgroup_sockets_total", s, r, "result",
					   counters_verdict_name(i), r->c->sockets.count[i]);
	help(f, "mptcpify_cgroup_sockets_escaped_total", "counter",
	     "escapes of an enforced cgroup (or pod), by cause: its TCP sockets that stayed TCP "
	     "although its entry rewrites and MPTCP was available");
	for (r = rows; r < rows + n; r++)
		for (i = 0; i < MPTCPIFY_ESCAPE_NR; i++)
			if (escapes_for(s->selectors[r->selector].mode) && counters_escape_name(i))
				row_sample(f, "mptcpify_cgroup_sockets_escaped_total", s, r,
					   "cause", counters_escape_name(i),
					   r->c->escapes.count[i]);
	help(f, "mptcpify_cgroup_connections_total", "counter",
	     "connections of an enforced cgroup (or pod), by outcome");
	for (r = rows; r < rows + n; r++)
		for (i = 0; i < MPTCPIFY_JOIN_ESTABLISHED; i++)
			if (counters_outcome_name(i))
				row_sample(f, "mptcpify_cgroup_connections_total", s, r, "outcome",
					   counters_outcome_name(i), r->c->outcomes.count[i]);
	help(f, "mptcpify_cgroup_subflow_options_total", "counter",
	     "subflow socket options of an enforced cgroup's (or pod's) connections, set or "
	     "refused");
	for (r = rows; r < rows + n; r++) {
		if (!r->profile)
			continue;
		row_sample(f, "mptcpify_cgroup_subflow_options_total", s, r, "result", "applied",
			   r->c->subflow_applied);
		row_sample(f, "mptcpify_cgroup_subflow_options_total", s, r, "result", "failed",
			   r->c->subflow_failed);
	}
}

/*
 * The per-cgroup families as @level says, and the live counters' sums per
 * selector in @sums whatever it says.
 */
static void per_cgroup(FILE *f, const struct metrics_snapshot *s, const struct metrics_source *src,
		       struct entry_counters *sums, enum cgroup_metrics level)
{
	struct entry_counters *lives = calloc(s->ncgroups + 1, sizeof(*lives));
	struct row *rows = calloc(s->ncgroups + 1, sizeof(*rows));
	size_t j, n = 0;

	for (j = 0; src->read && lives && j < s->ncgroups; j++) {
		src->read(src->ctx, s->cgroups[j].cgid, &lives[j]);
		entry_counters_add(&sums[s->cgroups[j].selector], &lives[j]);
	}
	if (level == CGROUP_METRICS_OFF || !lives || !rows)
		goto out;
	/* Nothing pinned, nothing counted: the families, and no samples. */
	if (src->read)
		n = level == CGROUP_METRICS_PODS ? pod_rows(s, lives, rows) :
						   cgroup_rows(s, lives, src, rows);
	cgroup_families(f, s, rows, n);
out:
	for (j = 0; rows && j < n; j++)
		entry_counters_free(&rows[j].sum);
	for (j = 0; lives && j < s->ncgroups; j++)
		entry_counters_free(&lives[j]);
	free(rows);
	free(lives);
}

static void bytes_sample(FILE *f, const char *selector, const char *direction, int path, __u64 n)
{
	fprintf(f,
		"mptcpify_subflow_bytes_total{selector=\"%s\",direction=\"%s\",subflow=\"%s\"} "
		"%llu\n",
		selector, direction, path == MPTCPIFY_PATH_INITIAL ? "initial" : "additional",
		(unsigned long long)n);
}

/* Each namespace a path-manager block was applied in, or refused, and why. */
static void path_manager(FILE *f, const struct metrics_snapshot *s)
{
	const struct metrics_pm *m;

	help(f, "mptcpify_path_manager_namespace", "gauge",
	     "a network namespace of a selector's cgroup: its path-manager settings applied "
	     "(errno 0) or refused (the errno); restored and gone once no process is left");
	for (m = s->pm; m < s->pm + s->npm; m++) {
		fprintf(f, "mptcpify_path_manager_namespace{selector=\"%s\",cgroup=\"",
			s->selectors[m->selector].name);
		put_label(f, m->rel);
		fprintf(f, "\",netns=\"%llu\",result=\"%s\",errno=\"%d\"} 1\n",
			(unsigned long long)m->netns, m->err ? "refused" : "applied", m->err);
	}
}

/* What became of each selector's connections: outcomes, subflows, refusals, reasons. */
static void outcomes(FILE *f, const struct metrics_snapshot *s, const struct entry_counters *sums)
{
	static const char *const events[] = {"established", "failed", "closed"};
	const struct tally_item *it;
	char name[64];
	int k, i;

	help(f, "mptcpify_connections_total", "counter",
	     "connections of a selector's cgroups, by outcome: MPTCP end to end, or fell back");
	for (k = 0; k < s->nselectors; k++)
		for (i = 0; i < MPTCPIFY_JOIN_ESTABLISHED; i++)
			if (counters_outcome_name(i))
				fprintf(f,
					"mptcpify_connections_total{selector=\"%s\",outcome=\"%s\"}"
					" %llu\n",
					s->selectors[k].name, counters_outcome_name(i),
					(unsigned long long)sums[k].outcomes.count[i]);
	help(f, "mptcpify_subflows_total", "counter",
	     "additional (MP_JOIN) subflows of a selector's connections, by event");
	for (k = 0; k < s->nselectors; k++)
		for (i = 0; i < 3; i++)
			fprintf(f, "mptcpify_subflows_total{selector=\"%s\",event=\"%s\"} %llu\n",
				s->selectors[k].name, events[i],
				(unsigned long long)sums[k]
					.outcomes.count[MPTCPIFY_JOIN_ESTABLISHED + i]);
	help(f, "mptcpify_connections_with_subflows_total", "counter",
	     "connections that had at least this many subflows (8: 8 or more)");
	for (k = 0; k < s->nselectors; k++)
		for (i = 0; i < MPTCPIFY_SUBFLOW_BUCKETS; i++)
			fprintf(f,
				"mptcpify_connections_with_subflows_total{selector=\"%s\",subflows="
				"\"%d\"} "
				"%llu\n",
				s->selectors[k].name, i + 1,
				(unsigned long long)sums[k].outcomes.subflows[i]);
	help(f, "mptcpify_subflow_bytes_total", "counter",
	     "bytes of a selector's MPTCP connections, by direction and by subflow: the "
	     "connection's initial one or an additional (MP_JOIN) one; counted as each closes");
	for (k = 0; k < s->nselectors; k++)
		for (i = 0; i < MPTCPIFY_PATH_NR; i++) {
			bytes_sample(f, s->selectors[k].name, "sent", i, sums[k].bytes.sent[i]);
			bytes_sample(f, s->selectors[k].name, "received", i,
				     sums[k].bytes.received[i]);
		}
	help(f, "mptcpify_refused_options_total", "counter",
	     "socket options an MPTCP socket refused; predicted=\"true\": a TCP socket's, in audit "
	     "mode, that MPTCP would refuse");
	for (k = 0; k < s->nselectors; k++)
		for (it = sums[k].compat.items; it < sums[k].compat.items + sums[k].compat.n; it++)
			fprintf(f,
				"mptcpify_refused_options_total{selector=\"%s\",option=\"%s\","
				"op=\"%s\",errno=\"%d\",predicted=\"%s\"} %llu\n",
				s->selectors[k].name,
				compat_option_name(it->level, it->optname, it->dir, name,
						   sizeof(name)),
				it->dir == MPTCPIFY_COMPAT_SET ? "set" :
				it->dir == MPTCPIFY_COMPAT_GET ? "get" :
								 "send",
				it->err, it->predicted ? "true" : "false",
				(unsigned long long)it->count);
	help(f, "mptcpify_fallbacks_total", "counter",
	     "MPTCP connections that fell back to TCP, by the kernel's reason (where it tells)");
	for (k = 0; k < s->nselectors; k++)
		for (it = sums[k].fallbacks.items;
		     it < sums[k].fallbacks.items + sums[k].fallbacks.n; it++)
			fprintf(f, "mptcpify_fallbacks_total{selector=\"%s\",reason=\"%s\"} %llu\n",
				s->selectors[k].name,
				probe_mib_name(it->reason, name, sizeof(name)),
				(unsigned long long)it->count);
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
			s->selectors[k].name, entries_mode_name(s->selectors[k].mode), count[k]);
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
					sel->name, counters_verdict_name(i),
					(unsigned long long)sums[k].sockets.count[i]);
	}
	help(f, "mptcpify_sockets_escaped_total", "counter",
	     "escapes, by cause: TCP sockets of a rewrite selector's cgroups that stayed TCP "
	     "although MPTCP was available; removed cgroups included");
	for (k = 0; k < s->nselectors; k++) {
		sel = &s->selectors[k];
		for (i = 0; i < MPTCPIFY_ESCAPE_NR; i++)
			if (escapes_for(sel->mode) && counters_escape_name(i))
				fprintf(f,
					"mptcpify_sockets_escaped_total{selector=\"%s\","
					"cause=\"%s\"} %llu\n",
					sel->name, counters_escape_name(i),
					(unsigned long long)sums[k].escapes.count[i]);
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

static void per_daemon(FILE *f, const struct metrics_snapshot *s, const struct hook_misses *m)
{
	const struct reconcile_stats *st = &s->stats;
	int t;

	help(f, "mptcpify_reconciles_total", "counter", "full reconciles, by trigger");
	for (t = 0; t < TRIGGER_NR; t++)
		fprintf(f, "mptcpify_reconciles_total{trigger=\"%s\"} %llu\n",
			state_trigger_name(t), (unsigned long long)st->reconciles[t]);
	help(f, "mptcpify_reconcile_seconds_total", "counter",
	     "time spent in full reconciles, by trigger");
	for (t = 0; t < TRIGGER_NR; t++)
		fprintf(f, "mptcpify_reconcile_seconds_total{trigger=\"%s\"} %.6f\n",
			state_trigger_name(t), st->reconcile_seconds[t]);
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
	help(f, "mptcpify_cgroups_unwatched", "gauge",
	     "cgroup directories, and the pods directory, whose watch failed: "
	     "what is made in them waits for the next resync");
	fprintf(f, "mptcpify_cgroups_unwatched %zu\n", s->unwatched);
	help(f, "mptcpify_tail_call_misses_total", "counter",
	     "socket() calls left as they were because the hook's tail call did not happen");
	fprintf(f, "mptcpify_tail_call_misses_total %llu\n", (unsigned long long)m->tail_call);
	help(f, "mptcpify_hook_recursion_misses_total", "counter",
	     "socket() calls left as they were because the kernel skipped the hook, "
	     "already running on that CPU");
	fprintf(f, "mptcpify_hook_recursion_misses_total %llu\n", (unsigned long long)m->recursion);
	help(f, "mptcpify_healthy", "gauge", "1 when the last change to the maps succeeded");
	fprintf(f, "mptcpify_healthy %d\n", s->healthy);
	help(f, "mptcpify_build_info", "gauge", "the running build");
	fprintf(f, "mptcpify_build_info{version=\"%s\",build_id=\"%016llx\"} 1\n", MPTCPIFY_VERSION,
		(unsigned long long)lifecycle_build_id());
}

void metrics_write(FILE *f, const struct metrics_snapshot *s, const struct metrics_source *src,
		   enum cgroup_metrics level)
{
	struct entry_counters *sums = calloc(s->nselectors + 1, sizeof(*sums));
	int k;

	if (!sums)
		return;
	per_cgroup(f, s, src, sums, level);
	per_selector(f, s, sums);
	outcomes(f, s, sums);
	path_manager(f, s);
	per_daemon(f, s, &src->misses);
	for (k = 0; k < s->nselectors; k++)
		entry_counters_free(&sums[k]);
	free(sums);
}
