/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the daemon's path-manager settings came to in each namespace of an
 * entry's cgroup (core/pmresults.h), as `stats` shows it: applied, refused
 * with its errno, or restored.
 */
#ifndef MPTCPIFY_PMRESULT_VIEW_H
#define MPTCPIFY_PMRESULT_VIEW_H

#include <stdio.h>
#include <jansson.h>
#include <linux/types.h>
#include "core/idmap.h"

struct pmresult_row;

/* Every row of the store at @pin_dir, by cgroup id; none when there is no map. */
void pmresult_view_load(const char *pin_dir, struct idmap *by_cgroup);
void pmresult_view_free(struct idmap *by_cgroup);
/* Keep @row under its cgroup: 0 or -ENOMEM. */
int pmresult_view_add(struct idmap *by_cgroup, const struct pmresult_row *row);

/* "path_manager" of @entry: @cgid's rows, when it has any. */
void pmresult_view_json(const struct idmap *by_cgroup, __u64 cgid, json_t *entry);
/* One line a namespace of @entry's "path_manager", indented under it, to @f. */
void pmresult_view_plain(FILE *f, json_t *entry);

#endif
