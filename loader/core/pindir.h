/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where the pin store lives: a bpffs, mounted root-only when missing, and a
 * pin directory that is root's own even where other users may write the
 * bpffs; and what a bpffs mounted over that one hides.
 */
#ifndef MPTCPIFY_PINDIR_H
#define MPTCPIFY_PINDIR_H

#include <stdbool.h>
#include <stddef.h>

bool pindir_on_bpffs(const char *path);

/* bpffs at @parent, mounted (mode 0700) at the usual place if missing. */
int pindir_ensure_bpffs(const char *parent, const char **why);

/*
 * Root's own directory at @dir, made or found; a user's entry there is
 * moved aside first, to the path written in @moved (@len bytes). 0, or
 * -errno with *why.
 */
int pindir_place(const char *dir, char *moved, size_t len, const char **why);

/*
 * The bpffs mount point that holds @dir (its nearest ancestor mounted as
 * bpf) into @mnt, and how many bpffs are mounted there: 2 or more when one
 * was mounted over another, hiding whatever was pinned in the lower one.
 * -ENOENT when @dir is on no bpffs.
 */
int pindir_mount(const char *dir, char *mnt, size_t len);

/*
 * @fn(@dir) in a child process that sees what lies @levels bpffs mounts
 * below the top at @mnt: its own mount namespace, where the upper ones are
 * detached (no one else sees that). Returns what @fn returned (0 to 100,
 * or -errno), or -errno when the child could not get there.
 */
int pindir_below(const char *mnt, int levels, const char *dir, int (*fn)(const char *dir));

#endif
