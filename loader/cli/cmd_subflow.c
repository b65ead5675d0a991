// SPDX-License-Identifier: GPL-2.0
/*
 * mptcpify subflow set CGROUP RULE... | show [CGROUP] | clear CGROUP
 *
 * Per-cgroup profiles of socket options for the subflows of MPTCP
 * connections, applied by the sockops program (bpf/sockops.bpf.c).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "cmd.h"
#include "profile_view.h"
#include "core/attachpoint.h"
#include "core/cgroup.h"
#include "core/entries.h"
#include "core/output.h"
#include "core/pinstore.h"
#include "core/probe.h"
#include "core/rules.h"

static void show_plain(json_t *r)
{
	json_t *profiles = json_object_get(r, "profiles");

	if (!json_array_size(profiles))
		puts("no subflow profile");
	profile_view_plain(profiles);
}

/* The rules of the command line, checked before anything changes. */
static int parse_profile(const struct cmd_args *a, struct mptcpify_profile *prof)
{
	char cc[1024], joined[4096], err[256], *texts[MPTCPIFY_MAX_RULES + 1];
	int n;

	n = args_split_rules(a->nwords, a->words, joined, sizeof(joined), texts,
			     MPTCPIFY_MAX_RULES + 1);
	if (n == 0) {
		p_err(0, cmd_usage(a), "missing RULE");
		return EXIT_USAGE;
	}
	if (n < 0) {
		p_err(0, cmd_usage(a), "too many or too long rules");
		return EXIT_USAGE;
	}
	if (probe_available_cc(cc, sizeof(cc)))
		cc[0] = '\0';
	if (rules_parse_all(n, texts, cc[0] ? cc : NULL, prof, err, sizeof(err))) {
		p_err(0, "a rule reads: [MATCH...] -> OPTION VALUE... (see README)", "%s", err);
		return EXIT_USAGE;
	}
	return 0;
}

int cmd_subflow_set(const struct cmd_args *a)
{
	struct mptcpify_profile prof;
	const char *why = NULL;
	char mount[PATH_MAX];
	struct attach_points ap;
	struct cgroup_ref cg;
	bool changed, unloaded;
	struct pins p;
	int rc;

	rc = parse_profile(a, &prof);
	if (rc)
		return rc;
	if (cmd_need_root() || cmd_resolve(a->cgroup, mount, &cg) || cmd_open_write(&p, a))
		return EXIT_FAIL;
	rc = cmd_open_attach_points(&p, mount, &ap, &why);
	if (!rc)
		rc = entries_profile_put(&p, cg.id, cg.rel, &prof, &ap, &changed, &why);
	/* On error (the map was full), what the attempt attached goes again. */
	entries_release(&p, 0, &ap, &unloaded);
	attachpoint_close(&ap);
	if (rc) {
		pins_close(&p);
		p_err(-rc, "run with -v for libbpf's messages", "%s", why);
		return EXIT_FAIL;
	}
	emit(json_pack("{s:o}", "profiles", profile_view_json(&p, mount, cg.id, cg.rel)),
	     show_plain);
	pins_close(&p);
	return EXIT_OK;
}

int cmd_subflow_show(const struct cmd_args *a)
{
	char mount[PATH_MAX] = "";
	struct cgroup_ref cg = {};
	struct pins p;
	json_t *profiles;
	int err;

	err = cmd_open_view(a, mount, &cg, &p);
	if (err > 0)
		return err;
	profiles = err ? json_array() : profile_view_json(&p, mount, cg.id, cg.rel);
	if (!err)
		pins_close(&p);
	if (a->cgroup && !json_array_size(profiles)) {
		json_decref(profiles);
		p_err(ENOENT, "see 'mptcpify subflow show'", "'%s' has no subflow profile",
		      a->cgroup);
		return EXIT_FAIL;
	}
	emit(json_pack("{s:o}", "profiles", profiles), show_plain);
	return EXIT_OK;
}

static void clear_plain(json_t *r)
{
	printf("%s: subflow profile cleared%s\n", json_string_value(json_object_get(r, "cgroup")),
	       json_is_true(json_object_get(r, "unloaded")) ? " (nothing left: unloaded)" : "");
}

int cmd_subflow_clear(const struct cmd_args *a)
{
	static const struct cmd_removal clear = {
		.remove = entries_profile_delete,
		.hint = "see 'mptcpify subflow show'",
		.missing = "has no subflow profile",
		.failed = "cannot clear the subflow profile of",
		.plain = clear_plain,
	};

	return cmd_remove(a, &clear);
}
