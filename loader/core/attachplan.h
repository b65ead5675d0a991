/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where the cgroup programs attach, decided from where the entries are.
 *
 * A cgroup program attached to a cgroup runs for the sockets created in its
 * subtree and for no other: the kernel skips the rest at no cost. So the
 * programs attach at the topmost cgroups with an entry, never at the root
 * for everyone. Each program then runs once for every socket of a
 * configured subtree (nested entries and exclusions are decided by the
 * programs' own walk to the nearest entry), and not at all elsewhere.
 *
 * Many configured siblings (the pods of a node) would each be an attach
 * point, and each a link per program: from ATTACHPLAN_COLLAPSE of them on,
 * their parent is the attach point instead, and stays one while at least
 * ATTACHPLAN_KEEP of its children are configured, so that a pod coming and
 * going at the threshold does not move the attachments each time. The
 * unconfigured siblings then run the programs, which find no entry.
 *
 * Pure: paths in, paths out ("/" for the root, else "/a/b").
 */
#ifndef MPTCPIFY_ATTACHPLAN_H
#define MPTCPIFY_ATTACHPLAN_H

#include <stdbool.h>
#include <stddef.h>

#define ATTACHPLAN_COLLAPSE 64
#define ATTACHPLAN_KEEP 32

/* A set of cgroup paths: copies, or borrowed from the caller. */
struct pathset {
	const char **v;
	size_t n, cap;
	const char **owned; /* the copies, freed with the set */
	size_t nowned, capowned;
};

/* Add a copy of @rel. 0 or -ENOMEM. */
int pathset_add(struct pathset *s, const char *rel);
/* Add @rel itself, which must outlive the set. */
int pathset_ref(struct pathset *s, const char *rel);
bool pathset_has(const struct pathset *s, const char *rel);
void pathset_free(struct pathset *s);

/* Is @rel @anc or below it? */
bool attachplan_below(const char *rel, const char *anc);

/* @rel's parent into @out (@len bytes): false for the root. */
bool attachplan_parent(const char *rel, char *out, size_t len);

/*
 * The attach points for the cgroups of @entries, given the attach points
 * now (@now, for ATTACHPLAN_KEEP), into @out (empty before), which may
 * borrow @entries' paths. 0 or -ENOMEM.
 */
int attachplan_compute(const struct pathset *entries, const struct pathset *now,
		       struct pathset *out);

#endif
