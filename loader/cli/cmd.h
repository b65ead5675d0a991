/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The commands of main.c's table, each given its parsed arguments, and the
 * steps they share. Each helper prints its own error line.
 */
#ifndef MPTCPIFY_CMD_H
#define MPTCPIFY_CMD_H

#include <stdbool.h>
#include <linux/types.h>
#include <jansson.h>
#include "args.h"

struct attach_points;

struct cgroup_ref;
struct pins;

/* Root is needed for everything that touches BPF; say so before trying. */
int cmd_need_root(void);
/* @arg to a cgroup below the cgroup2 mount (written to @mount, PATH_MAX). */
int cmd_resolve(const char *arg, char *mount, struct cgroup_ref *ref);
/* The pins for reading: -ENOENT (quietly) when nothing is loaded. */
int cmd_open_read(struct pins *p, const struct cmd_args *a);
/* The pins for writing, created or upgraded as needed. */
int cmd_open_write(struct pins *p, const struct cmd_args *a);
/* The pins for changing what exists: -ENOENT (quietly) when nothing is loaded. */
int cmd_open_existing(struct pins *p, const struct cmd_args *a);
/* Refuse a rewrite this kernel cannot do, before anything changes. */
int cmd_check_mode(const struct cmd_args *a, __u32 mode);
/*
 * For commands that read, about every cgroup or the one in a->cgroup: the
 * cgroup2 mount in @mount (PATH_MAX; "" when none), that cgroup in @cg and
 * the pins in @p. 0, -ENOENT when nothing is loaded, or EXIT_FAIL after
 * its error line.
 */
int cmd_open_view(const struct cmd_args *a, char *mount, struct cgroup_ref *cg, struct pins *p);
/*
 * The attach points of the tree at @mount, opened to change an entry, once
 * the entries of removed cgroups have gone. 0, or -errno with @why set.
 */
int cmd_open_attach_points(struct pins *p, const char *mount, struct attach_points *ap,
			   const char **why);

/* What detach and subflow clear remove, and how they say so. */
struct cmd_removal {
	int (*remove)(struct pins *p, __u64 cgid);
	const char *hint;	       /* for an error line, e.g. "see 'mptcpify list'" */
	const char *missing;	       /* "'CGROUP' <missing>": e.g. "is not attached" */
	const char *failed;	       /* "<failed> 'CGROUP'": e.g. "cannot detach" */
	void (*plain)(json_t *result); /* prints {cgroup, id, unloaded} */
};

/*
 * @remove a->cgroup's entry, then release what nothing needs any more. 0,
 * -ENOENT when there was none (or nothing is loaded), another -errno, or
 * EXIT_FAIL after its error line.
 */
int cmd_remove_entry(const struct cmd_args *a, int (*remove)(struct pins *p, __u64 cgid),
		     struct cgroup_ref *cg, bool *unloaded);
/*
 * detach and subflow clear: cmd_remove_entry(), and the result printed. EXIT_OK, or EXIT_FAIL after
 * its error line.
 */
int cmd_remove(const struct cmd_args *a, const struct cmd_removal *r);
/* The usage line of a command, for hints: "mptcpify attach CGROUP ...". */
const char *cmd_usage(const struct cmd_args *a);

/*
 * attach's work, for @arg (a CGROUP argument): @cg and whether the entry
 * changed. EXIT_OK, or EXIT_FAIL after its error line.
 */
int cmd_attach_cgroup(const struct cmd_args *a, const char *arg, struct cgroup_ref *cg,
		      bool *changed);

int cmd_probe(const struct cmd_args *a);
int cmd_version(const struct cmd_args *a);
int cmd_load(const struct cmd_args *a);
int cmd_unload(const struct cmd_args *a);
int cmd_attach(const struct cmd_args *a);
int cmd_detach(const struct cmd_args *a);
int cmd_list(const struct cmd_args *a);
int cmd_stats(const struct cmd_args *a);
int cmd_subflow_set(const struct cmd_args *a);
int cmd_subflow_show(const struct cmd_args *a);
int cmd_subflow_clear(const struct cmd_args *a);
int cmd_pm_show(const struct cmd_args *a);
int cmd_run(const struct cmd_args *a);
int cmd_daemon(const struct cmd_args *a);
int cmd_enable(const struct cmd_args *a);
int cmd_disable(const struct cmd_args *a);

#endif
