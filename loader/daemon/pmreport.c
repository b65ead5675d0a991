// SPDX-License-Identifier: GPL-2.0
/* The path-manager results, per cgroup and namespace, into the pinned map. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "log.h"
#include "pmreport.h"
#include "state.h"
#include "core/growarray.h"

void pmreport_pair(struct pm_report *t, __u64 cgid, __u64 netns)
{
	if (growarray_reserve(t->pairs, t->pairs_cap, t->npairs + 1))
		return; /* not shown, still applied */
	t->pairs[t->npairs++] = (struct pmresult_key){.cgid = cgid, .netns = netns};
}

/* Replace @cgid's restored row, or add one. */
static void put_restored(struct pm_report *t, const struct pmresult_row *row)
{
	size_t i;

	for (i = 0; i < t->nrestored; i++)
		if (t->restored[i].key.cgid == row->key.cgid) {
			t->restored[i] = *row;
			return;
		}
	if (growarray_reserve(t->restored, t->restored_cap, t->nrestored + 1))
		return;
	t->restored[t->nrestored++] = *row;
}

void pmreport_restored(struct pm_report *t, __u64 netns, int err)
{
	struct pmresult_row row;
	size_t i;

	for (i = 0; i < t->nshown; i++) {
		if (t->shown[i].key.netns != netns || t->shown[i].val.result == PMRESULT_RESTORED)
			continue;
		row = t->shown[i];
		row.val.result = PMRESULT_RESTORED;
		row.val.err = -err;
		row.val.since = (__u64)time(NULL);
		memset(row.val.step, 0, sizeof(row.val.step));
		if (err)
			snprintf(row.val.step, sizeof(row.val.step), "restoring");
		put_restored(t, &row);
	}
}

/* The rows this sweep found, sorted; the restored ones that still count. */
static struct pmresult_row *rows_now(struct pm_report *t, const struct state *r,
				     pmreport_result_fn result, void *ctx, size_t *n)
{
	struct pmresult_row *rows;
	size_t i, k = 0, kept = 0;

	rows = calloc(t->npairs + t->nrestored + 1, sizeof(*rows));
	if (!rows)
		return NULL;
	for (i = 0; i < t->npairs; i++) {
		rows[k].key = t->pairs[i];
		if (result(ctx, t->pairs[i].netns, &rows[k].val))
			k++;
	}
	qsort(rows, k, sizeof(*rows), pmresult_key_cmp);
	/* A restored row goes with its cgroup's entry, or when shown applied again. */
	for (i = 0; i < t->nrestored; i++) {
		if (!idmap_get(&r->owned, t->restored[i].key.cgid) ||
		    bsearch(&t->restored[i].key, rows, k, sizeof(*rows), pmresult_key_cmp))
			continue;
		t->restored[kept++] = t->restored[i];
	}
	t->nrestored = kept;
	if (kept)
		memcpy(rows + k, t->restored, kept * sizeof(*rows));
	*n = k + kept;
	qsort(rows, *n, sizeof(*rows), pmresult_key_cmp);
	return rows;
}

/* The map as @rows: the rows of others deleted, every one of @rows written. */
static int sync_map(int fd, const struct pmresult_row *rows, size_t n)
{
	struct pmresult_key key, next, *stale = NULL;
	const struct pmresult_key *prev = NULL;
	size_t nstale = 0, cap = 0, i;
	int err = 0;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bsearch(&next, rows, n, sizeof(*rows), pmresult_key_cmp))
			continue;
		if (growarray_reserve(stale, cap, nstale + 1))
			break;
		stale[nstale++] = next;
	}
	for (i = 0; i < nstale; i++)
		bpf_map_delete_elem(fd, &stale[i]);
	free(stale);
	for (i = 0; i < n; i++)
		if (bpf_map_update_elem(fd, &rows[i].key, &rows[i].val, BPF_ANY) && !err)
			err = -errno;
	return err;
}

static __u32 map_id(int fd)
{
	struct bpf_map_info info = {0};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

void pmreport_publish(struct pm_report *t, struct state *r, pmreport_result_fn result, void *ctx)
{
	const char *why = "cannot open the path-manager results map";
	struct pmresult_row *rows;
	size_t n = 0;
	__u32 id;
	int fd, err;

	rows = rows_now(t, r, result, ctx, &n);
	if (!rows)
		return; /* memory short: shown as before */
	if (!r->pinned) {
		/* Nothing pinned: the map went with the pins. */
		free(t->shown);
		t->shown = rows;
		t->nshown = n;
		t->map_id = 0;
		return;
	}
	fd = n ? pmresults_ensure(r->pin_dir, &why) : pmresults_open(r->pin_dir);
	id = fd >= 0 ? map_id(fd) : 0;
	if (fd >= 0 && id == t->map_id && n == t->nshown &&
	    (!n || !memcmp(rows, t->shown, n * sizeof(*rows)))) {
		close(fd);
		free(rows);
		return;
	}
	err = fd == -ENOENT && !n ? 0 : fd < 0 ? fd : sync_map(fd, rows, n);
	if (err && err != t->publish_err)
		log_event(LOG_ERR, "path-manager-results", "error",
			  fd < 0 ? why : "cannot write a row", "errno", strerror(-err), NULL);
	t->publish_err = err;
	if (fd >= 0)
		close(fd);
	if (err && fd < 0) {
		free(rows); /* tried again at the next sweep */
		return;
	}
	free(t->shown);
	t->shown = rows;
	t->nshown = n;
	t->map_id = err ? 0 : id; /* a row not written: all again next time */
}

void pmreport_free(struct pm_report *t)
{
	free(t->pairs);
	free(t->shown);
	free(t->restored);
}
