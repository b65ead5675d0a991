/* SPDX-License-Identifier: GPL-2.0 */
/* Subflow profiles with their rule counters, as `stats` and `subflow show` print them. */
#ifndef MPTCPIFY_PROFILE_VIEW_H
#define MPTCPIFY_PROFILE_VIEW_H

#include <jansson.h>
#include <linux/types.h>

struct pins;

/*
 * The profiles as a JSON array: all of them, with their cgroup's path below
 * @cgroup2 (null when the cgroup is gone), or only @only's (@only_rel).
 */
json_t *profile_view_json(struct pins *p, const char *cgroup2, __u64 only, const char *only_rel);
void profile_view_plain(json_t *profiles);

#endif
