// SPDX-License-Identifier: GPL-2.0
/* The steps every command shares: privileges, cgroups, pins, modes. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "cmd.h"
#include "core/attachpoint.h"
#include "core/cgroup.h"
#include "core/entries.h"
#include "core/lifecycle.h"
#include "core/output.h"
#include "core/pinstore.h"
#include "core/probe.h"

int cmd_need_root(void)
{
	if (geteuid() == 0)
		return 0;
	p_err(EPERM, "run as root (CAP_BPF, CAP_NET_ADMIN and CAP_SYS_ADMIN)",
	      "mptcpify needs privileges");
	return EXIT_FAIL;
}

int cmd_resolve(const char *arg, char *mount, struct cgroup_ref *ref)
{
	const char *why, *hint;
	int err;

	err = cgroup_mount(mount, PATH_MAX);
	if (err) {
		p_err(-err, "mount cgroup2, e.g. mount -t cgroup2 none /sys/fs/cgroup",
		      "no cgroup v2 mount found in /proc/self/mountinfo");
		return EXIT_FAIL;
	}
	err = cgroup_resolve(mount, arg, 0, ref, &why, &hint);
	if (err) {
		p_err(-err, hint, "%s '%s'", why, arg);
		return EXIT_FAIL;
	}
	return 0;
}

static int open_failed(const struct cmd_args *a, int err, const char *why)
{
	const char *hint = "run with -v for libbpf's messages";

	if (err == -EPROTO)
		hint = "run 'mptcpify unload', then attach again";
	else if (err == -EPERM)
		hint = "check who made it and what it holds, then remove it (mptcpify unload)";
	p_err(-err, hint, "%s (%s)", why ? why : "cannot open the pins", a->pin_dir);
	return EXIT_FAIL;
}

int cmd_open_read(struct pins *p, const struct cmd_args *a)
{
	const char *why = NULL;
	int err = pins_open(p, a->pin_dir, PINS_SHARED, &why);

	if (err == -ENOENT)
		return -ENOENT;
	return err ? open_failed(a, err, why) : 0;
}

/* Another user had taken the pin directory's name: said once, then enforced. */
static void squatted(const struct pins *p)
{
	if (p->moved_aside[0])
		p_warn("another user's entry held %s; moved aside to %s", p->dir, p->moved_aside);
	if (p->repaired)
		p_warn("%u pins named other objects than the running ones (first: %s); pinned "
		       "the running ones back",
		       p->repaired, p->repaired_what);
}

int cmd_open_write(struct pins *p, const struct cmd_args *a)
{
	const char *why = NULL;
	int err = lifecycle_open(p, a->pin_dir, LIFECYCLE_UPGRADE, &why);

	if (err)
		return open_failed(a, err, why);
	squatted(p);
	if (p->upgraded)
		p_info("replaced the programs of another build");
	return 0;
}

int cmd_open_existing(struct pins *p, const struct cmd_args *a)
{
	const char *why = NULL;
	int err;

	if (access(a->pin_dir, F_OK))
		return -ENOENT;
	err = lifecycle_open(p, a->pin_dir, LIFECYCLE_ADOPT, &why);
	if (err)
		return open_failed(a, err, why);
	squatted(p);
	return 0;
}

int cmd_check_mode(const struct cmd_args *a, __u32 mode)
{
	const char *reason = "";
	struct pins p;
	int err = 0;

	if (mode != MPTCPIFY_MODE_REWRITE)
		return 0;
	/* Already attached: the kernel took it once, no need for a trial.
	 * Quietly: the caller opens the pins next and reports their errors. */
	if (!pins_open(&p, a->pin_dir, PINS_SHARED, &reason)) {
		bool attached = pins_has_link(&p, PINS_LINK_REWRITE);

		pins_close(&p);
		if (attached)
			return 0;
	}
	err = probe_rewrite(&reason, true);
	if (!err)
		return 0;
	/* A missing hook or MPTCP is no failed call: no errno text for those. */
	if (err == -ENOENT || err == -EPROTONOSUPPORT)
		err = 0;
	p_err(-err, "use --mode audit to count TCP and MPTCP sockets instead",
	      "cannot rewrite sockets here: %s", reason);
	return EXIT_FAIL;
}

int cmd_open_view(const struct cmd_args *a, char *mount, struct cgroup_ref *cg, struct pins *p)
{
	int err;

	if (cmd_need_root() || (a->cgroup && cmd_resolve(a->cgroup, mount, cg)))
		return EXIT_FAIL;
	if (!a->cgroup && cgroup_mount(mount, PATH_MAX))
		mount[0] = '\0';
	err = cmd_open_read(p, a);
	return err && err != -ENOENT ? EXIT_FAIL : err;
}

int cmd_open_attach_points(struct pins *p, const char *mount, struct attach_points *ap,
			   const char **why)
{
	int err;

	entries_prune(p, mount);
	err = attachpoint_open(p, mount, ap);
	if (err)
		*why = "cannot read the attach points";
	return err;
}

int cmd_remove_entry(const struct cmd_args *a, int (*remove)(struct pins *p, __u64 cgid),
		     struct cgroup_ref *cg, bool *unloaded)
{
	const char *why = NULL;
	struct attach_points ap;
	char mount[PATH_MAX];
	struct pins p;
	int err;

	*unloaded = false;
	if (cmd_need_root() || cmd_resolve(a->cgroup, mount, cg))
		return EXIT_FAIL;
	err = cmd_open_existing(&p, a);
	if (err)
		return err;
	err = remove(&p, cg->id);
	if (!err)
		err = cmd_open_attach_points(&p, mount, &ap, &why);
	if (!err) {
		err = entries_release(&p, 0, &ap, unloaded);
		attachpoint_close(&ap);
	}
	pins_close(&p);
	return err;
}

int cmd_remove(const struct cmd_args *a, const struct cmd_removal *r)
{
	struct cgroup_ref cg;
	bool unloaded;
	int err;

	err = cmd_remove_entry(a, r->remove, &cg, &unloaded);
	if (err == -ENOENT) {
		p_err(ENOENT, r->hint, "'%s' %s", a->cgroup, r->missing);
		return EXIT_FAIL;
	}
	if (err < 0)
		p_err(-err, NULL, "%s '%s'", r->failed, a->cgroup);
	if (err)
		return EXIT_FAIL;
	emit(json_pack("{s:o, s:I, s:b}", "cgroup", json_text(cg.rel), "id", (json_int_t)cg.id,
		       "unloaded", unloaded),
	     r->plain);
	return EXIT_OK;
}

const char *cmd_usage(const struct cmd_args *a)
{
	static char line[256];

	if (!a->cmd || !strcmp(a->cmd->name, "help"))
		return "see 'mptcpify help'";
	snprintf(line, sizeof(line), "mptcpify %s%s%s%s%s", a->parent ? a->parent->name : "",
		 a->parent ? " " : "", a->cmd->name, a->cmd->usage[0] ? " " : "", a->cmd->usage);
	return line;
}
