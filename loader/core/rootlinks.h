/* SPDX-License-Identifier: GPL-2.0 */
#ifndef MPTCPIFY_ROOTLINKS_H
#define MPTCPIFY_ROOTLINKS_H

#include "pinstore.h"

/*
 * Pins of builds before attach points: one link of each cgroup program of
 * @links at the cgroup2 root, links/<program>. Attach where the entries
 * are, then detach those.
 */
int rootlinks_adopt(struct pins *p, unsigned int links, const char **why);

#endif
