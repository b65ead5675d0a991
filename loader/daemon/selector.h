/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which selector of the configuration a cgroup falls under: a pure function
 * of the cgroup's path (relative to the cgroup2 mount) and a pod table. A
 * pod selector matches the pod cgroup only, so that its containers, created
 * later inside it, inherit.
 */
#ifndef MPTCPIFY_SELECTOR_H
#define MPTCPIFY_SELECTOR_H

#include "config.h"
#include "kube.h"

/*
 * The index of the first selector of @c matching the cgroup at @rel, or -1.
 * Pod selectors by namespace or name need the pod in @pods.
 */
int selector_match(const struct config *c, const char *rel, const struct pod_table *pods);

/*
 * Can any selector of @c match a cgroup below @rel (not @rel itself)? If
 * not, nothing made below it needs an entry of its own, nor is it any of
 * the daemon's business: @rel's entry, if it has one, covers them (the
 * kernel looks up a socket's cgroup and then its ancestors). Only cgroup
 * globs can say no; true when unsure.
 */
bool selector_below(const struct config *c, const char *rel);

#endif
