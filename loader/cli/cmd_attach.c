// SPDX-License-Identifier: GPL-2.0
/* mptcpify attach | detach: one cgroup's policy entry. */
#include <errno.h>
#include <stdio.h>
#include "cmd.h"
#include "core/attachpoint.h"
#include "core/cgroup.h"
#include "core/entries.h"
#include "core/output.h"
#include "core/pinstore.h"

static void attach_plain(json_t *r)
{
	printf("%s %s: %s\n", json_string_value(json_object_get(r, "cgroup")),
	       json_string_value(json_object_get(r, "mode")),
	       json_is_true(json_object_get(r, "changed")) ? "attached" : "already attached");
}

int cmd_attach_cgroup(const struct cmd_args *a, const char *arg, struct cgroup_ref *cg,
		      bool *changed)
{
	const char *why = NULL;
	struct attach_points ap;
	char mount[PATH_MAX];
	struct pins p;
	bool unloaded;
	int err;

	if (cmd_need_root() || cmd_resolve(arg, mount, cg))
		return EXIT_FAIL;
	/* Refuse before creating anything: bad input changes nothing. */
	if (cmd_check_mode(a, a->mode) || cmd_open_write(&p, a))
		return EXIT_FAIL;
	err = cmd_open_attach_points(&p, mount, &ap, &why);
	if (!err)
		err = entries_policy_set(&p, cg->id, cg->rel, a->mode, MPTCPIFY_OWNER_CLI,
					 a->protect ? MPTCPIFY_PROTECT : 0, &ap, changed, &why);
	/* The attach points below it go; a mode change may leave a program unneeded. */
	if (!err)
		err = entries_release(&p, 0, &ap, &unloaded);
	attachpoint_close(&ap);
	pins_close(&p);
	if (err) {
		p_err(-err, "run with -v for libbpf's messages", "%s", why);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

int cmd_attach(const struct cmd_args *a)
{
	const char *arg = a->cgroup;
	char own[PATH_MAX];
	struct cgroup_ref cg;
	bool changed;
	int err;

	/* --self: the cgroup this runs in, as a unit's ExecStartPre= does. */
	if (a->self) {
		err = cgroup_own(own, sizeof(own));
		if (err) {
			p_err(-err, NULL, "cannot read /proc/self/cgroup");
			return EXIT_FAIL;
		}
		arg = own;
	}
	if (cmd_attach_cgroup(a, arg, &cg, &changed))
		return EXIT_FAIL;
	emit(json_pack("{s:o, s:I, s:s, s:b}", "cgroup", json_text(cg.rel), "id", (json_int_t)cg.id,
		       "mode", entries_mode_name(a->mode), "changed", changed),
	     attach_plain);
	return EXIT_OK;
}

static void detach_plain(json_t *r)
{
	printf("%s: detached%s\n", json_string_value(json_object_get(r, "cgroup")),
	       json_is_true(json_object_get(r, "unloaded")) ? " (no cgroup left: unloaded)" : "");
}

int cmd_detach(const struct cmd_args *a)
{
	static const struct cmd_removal detach = {
		.remove = entries_policy_delete,
		.hint = "see 'mptcpify list'",
		.missing = "is not attached",
		.failed = "cannot detach",
		.plain = detach_plain,
	};

	return cmd_remove(a, &detach);
}
