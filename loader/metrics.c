// SPDX-License-Identifier: GPL-2.0
/*
 * The daemon's Prometheus text exposition (format 0.0.4). Counters of live
 * entries come from the pinned maps at scrape time; those of removed cgroups
 * were folded into their selector's totals, so a selector's counters only
 * ever grow while the daemon runs.
 */
#define _GNU_SOURCE /* open_memstream */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "cli.h"
#include "commands.h"
#include "daemon.h"
#include "pins.h"
#include "policy.h"
#include "stats.h"

/* A label value with \, " and newline escaped. */
static void put_label(FILE *f, const char *s)
{
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
static bool counts_for(__u32 mode, int stat)
{
	switch (stat) {
	case MPTCPIFY_STAT_REWRITTEN:
	case MPTCPIFY_STAT_UNAVAILABLE:
		return mode == MPTCPIFY_MODE_REWRITE;
	case MPTCPIFY_STAT_EXCLUDED:
		return mode == MPTCPIFY_MODE_EXCLUDE;
	case MPTCPIFY_STAT_AUDIT_TCP:
	case MPTCPIFY_STAT_AUDIT_MPTCP:
		return mode == MPTCPIFY_MODE_AUDIT;
	case MPTCPIFY_STAT_NON_TCP:
	case MPTCPIFY_STAT_NATIVE:
		return mode != MPTCPIFY_MODE_AUDIT || stat == MPTCPIFY_STAT_NON_TCP;
	default:
		return false;
	}
}

struct live {
	struct mptcpify_stats sockets;
	__u64 applied, failed;
	bool profile;
};

/* The counters of one live entry, from the maps. */
static void read_live(struct pins *p, __u64 cgid, struct live *l)
{
	struct mptcpify_rule_stats rs;
	struct mptcpify_profile prof;
	int i;

	memset(l, 0, sizeof(*l));
	stats_read(p->stats_fd, cgid, &l->sockets);
	l->profile = !bpf_map_lookup_elem(p->profile_fd, &cgid, &prof);
	for (i = 0; l->profile && i < (int)prof.nrules; i++) {
		profile_rule_stats(p, cgid, i, &rs);
		l->applied += rs.applied;
		l->failed += rs.failed;
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
static void per_cgroup(FILE *f, struct daemon *d, struct pins *p, bool pinned,
		       struct selector_totals *sums)
{
	struct live *lives = calloc(d->owned.n + 1, sizeof(*lives));
	struct owned **owners = calloc(d->owned.n + 1, sizeof(*owners));
	const char *sel;
	struct owned *o;
	size_t it, n = 0, j;
	__u64 cgid;
	void *val;
	int i;

	for (it = 0; pinned && lives && owners && idmap_next(&d->owned, &it, &cgid, &val);) {
		o = val;
		if (o->selector < 0 || o->selector >= d->cfg.nselectors)
			continue;
		read_live(p, cgid, &lives[n]);
		for (i = 0; i < MPTCPIFY_STAT_NR; i++)
			sums[o->selector].sockets[i] += lives[n].sockets.count[i];
		sums[o->selector].subflow_applied += lives[n].applied;
		sums[o->selector].subflow_failed += lives[n].failed;
		owners[n++] = o;
	}
	help(f, "mptcpify_cgroup_sockets_total", "counter",
	     "socket() calls of a configured cgroup's processes, by what mptcpify did");
	for (j = 0; j < n; j++) {
		sel = d->cfg.selectors[owners[j]->selector].name;
		for (i = 0; i < MPTCPIFY_STAT_NR; i++)
			if (counts_for(d->cfg.selectors[owners[j]->selector].mode, i))
				cgroup_sample(f, "mptcpify_cgroup_sockets_total", sel,
					      owners[j]->rel, stats_name(i),
					      lives[j].sockets.count[i]);
	}
	help(f, "mptcpify_cgroup_subflow_options_total", "counter",
	     "subflow socket options of a cgroup's connections, set or refused");
	for (j = 0; j < n; j++) {
		if (!lives[j].profile)
			continue;
		sel = d->cfg.selectors[owners[j]->selector].name;
		cgroup_sample(f, "mptcpify_cgroup_subflow_options_total", sel, owners[j]->rel,
			      "applied", lives[j].applied);
		cgroup_sample(f, "mptcpify_cgroup_subflow_options_total", sel, owners[j]->rel,
			      "failed", lives[j].failed);
	}
	free(lives);
	free(owners);
}

static void per_selector(FILE *f, struct daemon *d, const struct selector_totals *sums)
{
	unsigned int *count = calloc(d->cfg.nselectors + 1, sizeof(*count));
	struct owned *o;
	size_t it;
	__u64 cgid;
	void *val;
	int s, i;

	for (it = 0; count && idmap_next(&d->owned, &it, &cgid, &val);) {
		o = val;
		if (o->selector >= 0 && o->selector < d->cfg.nselectors)
			count[o->selector]++;
	}
	help(f, "mptcpify_selector_cgroups", "gauge", "cgroups a selector enforces now");
	for (s = 0; count && s < d->cfg.nselectors; s++)
		fprintf(f, "mptcpify_selector_cgroups{selector=\"%s\",mode=\"%s\"} %u\n",
			d->cfg.selectors[s].name, mode_name(d->cfg.selectors[s].mode), count[s]);
	free(count);
	help(f, "mptcpify_sockets_total", "counter",
	     "socket() calls of a selector's cgroups, removed cgroups included");
	for (s = 0; s < d->cfg.nselectors; s++)
		for (i = 0; i < MPTCPIFY_STAT_NR; i++)
			if (counts_for(d->cfg.selectors[s].mode, i))
				fprintf(f,
					"mptcpify_sockets_total{selector=\"%s\",result=\"%s\"} "
					"%llu\n",
					d->cfg.selectors[s].name, stats_name(i),
					(unsigned long long)(sums[s].sockets[i] +
							     d->totals[s].sockets[i]));
	help(f, "mptcpify_subflow_options_total", "counter",
	     "subflow socket options set (applied) or refused by the kernel (failed)");
	for (s = 0; s < d->cfg.nselectors; s++) {
		if (d->cfg.selectors[s].profile < 0)
			continue;
		fprintf(f,
			"mptcpify_subflow_options_total{selector=\"%s\",result=\"applied\"} %llu\n",
			d->cfg.selectors[s].name,
			(unsigned long long)(sums[s].subflow_applied +
					     d->totals[s].subflow_applied));
		fprintf(f,
			"mptcpify_subflow_options_total{selector=\"%s\",result=\"failed\"} %llu\n",
			d->cfg.selectors[s].name,
			(unsigned long long)(sums[s].subflow_failed + d->totals[s].subflow_failed));
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

static void per_daemon(FILE *f, struct daemon *d, struct pins *p, bool pinned)
{
	static const char *const triggers[] = {"start", "resync", "reload", "overflow"};
	struct mptcpify_state st = {0};
	int t;

	help(f, "mptcpify_reconciles_total", "counter", "full reconciles, by trigger");
	for (t = 0; t < TRIGGER_NR; t++)
		fprintf(f, "mptcpify_reconciles_total{trigger=\"%s\"} %llu\n", triggers[t],
			(unsigned long long)d->reconciles[t]);
	help(f, "mptcpify_reconcile_seconds_total", "counter",
	     "time spent in full reconciles, by trigger");
	for (t = 0; t < TRIGGER_NR; t++)
		fprintf(f, "mptcpify_reconcile_seconds_total{trigger=\"%s\"} %.6f\n", triggers[t],
			d->reconcile_seconds[t]);
	help(f, "mptcpify_reconcile_last_seconds", "gauge", "duration of the last full reconcile");
	fprintf(f, "mptcpify_reconcile_last_seconds %.6f\n", d->last_reconcile_seconds);
	counter_pair(f, "mptcpify_config_reloads_total", "SIGHUP reloads, applied or refused",
		     "result", "applied", d->reloads_applied, "refused", d->reloads_refused);
	counter_pair(f, "mptcpify_cgroup_events_total", "cgroups seen created and removed", "event",
		     "created", d->cgroups_created, "removed", d->cgroups_removed);
	counter_pair(f, "mptcpify_entry_changes_total", "policy entries set or removed", "change",
		     "set", d->entries_set, "removed", d->entries_removed);
	help(f, "mptcpify_apply_errors_total", "counter", "map updates that failed");
	fprintf(f, "mptcpify_apply_errors_total %llu\n", (unsigned long long)d->apply_errors);
	help(f, "mptcpify_cgroups_watched", "gauge", "cgroup directories under inotify watch");
	fprintf(f, "mptcpify_cgroups_watched %zu\n", d->watches.n);
	if (pinned)
		pins_read_state(p, &st);
	help(f, "mptcpify_hook_fallbacks_total", "counter",
	     "times the socket() hook decided itself because its tail call did not happen");
	fprintf(f, "mptcpify_hook_fallbacks_total %u\n", st.hook_fallbacks);
	help(f, "mptcpify_healthy", "gauge", "1 when the last change to the maps succeeded");
	fprintf(f, "mptcpify_healthy %d\n", d->healthy);
	help(f, "mptcpify_build_info", "gauge", "the running build");
	fprintf(f, "mptcpify_build_info{version=\"%s\",build_id=\"%016llx\"} 1\n", MPTCPIFY_VERSION,
		(unsigned long long)pins_build_id());
}

char *metrics_render(struct daemon *d)
{
	struct selector_totals *sums;
	const char *why = NULL;
	bool pinned;
	struct pins p;
	size_t len;
	char *buf;
	FILE *f;

	sums = calloc(d->cfg.nselectors + 1, sizeof(*sums));
	f = open_memstream(&buf, &len);
	if (!sums || !f) {
		free(sums);
		if (f) {
			fclose(f);
			free(buf);
		}
		return NULL;
	}
	pinned = !pins_open(&p, d->pin_dir, PINS_READ, &why);
	per_cgroup(f, d, &p, pinned, sums);
	per_selector(f, d, sums);
	per_daemon(f, d, &p, pinned);
	if (pinned)
		pins_close(&p);
	free(sums);
	fclose(f);
	return buf;
}
