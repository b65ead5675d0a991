/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where the pin store lives (private to pinstore.c): a bpffs, mounted
 * root-only when missing, and a pin directory that is root's own even where
 * other users may write the bpffs.
 */
#ifndef MPTCPIFY_PINDIR_H
#define MPTCPIFY_PINDIR_H

#include <stdbool.h>
#include "pinstore.h"

bool pindir_on_bpffs(const char *path);

/* bpffs at @parent, mounted (mode 0700) at the usual place if missing. */
int pindir_ensure_bpffs(const char *parent, const char **why);

/*
 * Root's own directory at @dir, made or found; a user's entry there is
 * moved aside first (p->moved_aside). 0, or -errno with *why.
 */
int pindir_place(struct pins *p, const char *dir, const char **why);

#endif
