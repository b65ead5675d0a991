// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE /* hsearch_r */
#include <errno.h>
#include <search.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "selector.h"
#include "state.h"
#include "core/pindir.h"

static const char *const trigger_names[TRIGGER_NR] = {"start", "resync", "reload", "overflow",
						      "repair"};

const char *state_trigger_name(enum reconcile_trigger t)
{
	return t < TRIGGER_NR ? trigger_names[t] : "unknown";
}

int state_remember(struct state *r, __u64 cgid, int selector, const char *rel)
{
	struct owned *o = idmap_get(&r->owned, cgid);

	if (o && !strcmp(o->rel, rel)) {
		o->selector = selector;
		return 0;
	}
	o = malloc(sizeof(*o) + strlen(rel) + 1);
	if (!o)
		return -ENOMEM;
	o->selector = selector;
	strcpy(o->rel, rel);
	free(idmap_del(&r->owned, cgid));
	if (idmap_put(&r->owned, cgid, o)) {
		free(o);
		return -ENOMEM;
	}
	return 0;
}

int state_set_config(struct state *r, struct config *next)
{
	struct hsearch_data old = {0};
	struct selector_totals *t;
	ENTRY *found;
	struct owned *o;
	int *renum;
	size_t it;
	__u64 key;
	void *val;
	int i, j;

	t = calloc(next->nselectors ? next->nselectors : 1, sizeof(*t));
	renum = calloc(r->cfg.nselectors + 1, sizeof(*renum));
	if (!t || !renum) {
		free(t);
		free(renum);
		return -ENOMEM;
	}
	/* The old selectors by name: 8,000 compared pairwise took most of a reload. */
	if (!hcreate_r(2 * r->cfg.nselectors + 16, &old)) {
		free(t);
		free(renum);
		return -ENOMEM;
	}
	for (j = 0; j < r->cfg.nselectors; j++) {
		renum[j] = -1;
		if (r->totals && r->totals[j].name[0])
			hsearch_r((ENTRY){.key = r->totals[j].name, .data = (void *)(intptr_t)j},
				  ENTER, &found, &old);
	}
	for (i = 0; i < next->nselectors; i++) {
		strcpy(t[i].name, next->selectors[i].name);
		if (!r->totals || !hsearch_r((ENTRY){.key = t[i].name}, FIND, &found, &old))
			continue;
		j = (int)(intptr_t)found->data;
		t[i] = r->totals[j]; /* its tallies move along */
		r->totals[j].name[0] = '\0';
		renum[j] = i;
	}
	hdestroy_r(&old);
	/* The totals of selectors gone from the configuration go too. */
	for (j = 0; r->totals && j < r->cfg.nselectors; j++)
		if (r->totals[j].name[0])
			entry_counters_free(&r->totals[j].counters);
	free(r->totals);
	r->totals = t;
	/*
	 * Entries remember their selector by index: the new index of the same
	 * name, whose totals their counters join if they go. Not matched
	 * again here: the pass that follows every new configuration does
	 * that, and 10,000 matches twice would double a reload's time.
	 */
	for (it = 0; idmap_next(&r->owned, &it, &key, &val);) {
		o = val;
		o->selector = o->selector >= 0 && o->selector < r->cfg.nselectors ?
				      renum[o->selector] :
				      -1;
	}
	free(renum);
	config_free(&r->cfg);
	r->cfg = *next;
	memset(next, 0, sizeof(*next));
	return 0;
}

int state_init(struct state *r, struct config *cfg, const char *pin_dir, const char *cgroup2,
	       const char *pods_dir)
{
	char mnt[PATH_MAX];
	int err, i;

	memset(r, 0, sizeof(*r));
	r->pin_dir = pin_dir;
	/* What is stacked there now is the daemon's view; more later hides its pins. */
	r->bpffs_mounts = pindir_mount(pin_dir, mnt, sizeof(mnt));
	if (r->bpffs_mounts < 0)
		r->bpffs_mounts = 0;
	r->pods_wd = -1;
	for (i = 0; i < PINWATCH_DIRS; i++)
		r->pin_wds[i] = -1;
	r->healthy = true;
	snprintf(r->cgroup2, sizeof(r->cgroup2), "%s", cgroup2);
	snprintf(r->pods_dir, sizeof(r->pods_dir), "%s", pods_dir);
	err = watch_init(&r->watches);
	return err ? err : state_set_config(r, cfg);
}

void state_free(struct state *r)
{
	size_t it;
	__u64 key;
	void *val;
	int i;

	watch_free(&r->watches);
	for (it = 0; idmap_next(&r->owned, &it, &key, &val);)
		free(val);
	idmap_free(&r->owned);
	pod_table_free(&r->pods);
	for (i = 0; r->totals && i < r->cfg.nselectors; i++)
		entry_counters_free(&r->totals[i].counters);
	config_free(&r->cfg);
	free(r->totals);
	r->totals = NULL;
}
