// SPDX-License-Identifier: GPL-2.0
/* The path-manager results per cgroup, as `stats` shows them. */
#define _GNU_SOURCE /* strerrorname_np() */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "pmresult_view.h"
#include "core/growarray.h"
#include "core/pmresults.h"

struct rows {
	size_t n, cap;
	struct pmresult_row *v;
};

int pmresult_view_add(struct idmap *m, const struct pmresult_row *row)
{
	struct rows *r = idmap_get(m, row->key.cgid);

	if (!r) {
		r = calloc(1, sizeof(*r));
		if (!r || idmap_put(m, row->key.cgid, r)) {
			free(r);
			return -ENOMEM;
		}
	}
	if (growarray_reserve(r->v, r->cap, r->n + 1))
		return -ENOMEM;
	r->v[r->n++] = *row;
	return 0;
}

void pmresult_view_load(const char *pin_dir, struct idmap *by_cgroup)
{
	const struct pmresult_key *prev = NULL;
	struct pmresult_row row;
	struct pmresult_key key;
	int fd = pmresults_open(pin_dir);

	if (fd < 0)
		return; /* no daemon set a path manager here */
	while (!bpf_map_get_next_key(fd, prev, &row.key)) {
		key = row.key;
		prev = &key;
		if (!bpf_map_lookup_elem(fd, &row.key, &row.val) &&
		    pmresult_view_add(by_cgroup, &row))
			break;
	}
	close(fd);
}

void pmresult_view_free(struct idmap *by_cgroup)
{
	size_t it;
	__u64 key;
	void *val;

	for (it = 0; idmap_next(by_cgroup, &it, &key, &val);) {
		free(((struct rows *)val)->v);
		free(val);
	}
	idmap_free(by_cgroup);
}

static int by_netns(const void *a, const void *b)
{
	const struct pmresult_row *x = a, *y = b;

	return x->key.netns < y->key.netns ? -1 : x->key.netns > y->key.netns;
}

void pmresult_view_json(const struct idmap *by_cgroup, __u64 cgid, json_t *entry)
{
	struct rows *r = idmap_get(by_cgroup, cgid);
	const struct pmresult_val *v;
	json_t *list, *o;
	size_t i;

	if (!r)
		return;
	qsort(r->v, r->n, sizeof(r->v[0]), by_netns);
	list = json_array();
	for (i = 0; i < r->n; i++) {
		v = &r->v[i].val;
		o = json_pack("{s:I, s:s, s:s%, s:i, s:I}", "netns", (json_int_t)r->v[i].key.netns,
			      "result", pmresult_name(v->result), "selector", v->selector,
			      strnlen(v->selector, sizeof(v->selector)), "errno", v->err, "since",
			      (json_int_t)v->since);
		if (v->err) {
			json_object_set_new(o, "error",
					    json_string(strerrorname_np(v->err) ?
								strerrorname_np(v->err) :
								"unknown"));
			json_object_set_new(
				o, "step",
				json_stringn(v->step, strnlen(v->step, sizeof(v->step))));
		}
		json_array_append_new(list, o);
	}
	json_object_set_new(entry, "path_manager", list);
}

void pmresult_view_plain(FILE *f, json_t *entry)
{
	json_t *list = json_object_get(entry, "path_manager"), *o;
	const char *error;
	size_t i;

	json_array_foreach (list, i, o) {
		error = json_string_value(json_object_get(o, "error"));
		fprintf(f, "%8s path manager, netns %lld: %s", "",
			(long long)json_integer_value(json_object_get(o, "netns")),
			json_string_value(json_object_get(o, "result")));
		if (error)
			fprintf(f, " %s (%s)", error,
				json_string_value(json_object_get(o, "step")));
		fprintf(f, ", selector %s\n", json_string_value(json_object_get(o, "selector")));
	}
}
