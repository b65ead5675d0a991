// SPDX-License-Identifier: GPL-2.0
/* mptcpify load | unload: the pins as a whole. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include "cmd.h"
#include "core/attachpoint.h"
#include "core/cgroup.h"
#include "core/entries.h"
#include "core/lifecycle.h"
#include "core/output.h"
#include "core/pindir.h"
#include "core/pinstore.h"

static void load_plain(json_t *r)
{
	printf("mptcpify %s at %s (build %s)\n",
	       json_is_true(json_object_get(r, "upgraded")) ? "upgraded" : "loaded",
	       json_string_value(json_object_get(r, "pin_dir")),
	       json_string_value(json_object_get(r, "build_id")));
}

/* Adopt the pins, upgrade them to this build, and repair what is missing. */
int cmd_load(const struct cmd_args *a)
{
	struct mptcpify_state st = {};
	char mount[PATH_MAX], build[17];
	struct attach_points ap;
	const char *why = NULL;
	struct pins p;
	bool upgraded;
	int err = 0;

	if (cmd_need_root() || cmd_open_write(&p, a))
		return EXIT_FAIL;
	if (!cgroup_mount(mount, sizeof(mount))) {
		entries_prune(&p, mount);
		err = lifecycle_ensure_links(&p, entries_links(&p), &why);
		/* And every entry covered: attach points removed by hand come back. */
		if (!err)
			err = attachpoint_open(&p, mount, &ap);
		if (!err) {
			err = attachpoint_sync(&p, &ap, &why);
			attachpoint_close(&ap);
		}
	}
	upgraded = p.upgraded;
	pins_read_state(&p, &st);
	pins_close(&p);
	if (err) {
		p_err(-err, "run with -v for libbpf's messages", "%s", why);
		return EXIT_FAIL;
	}
	snprintf(build, sizeof(build), "%016llx", (unsigned long long)st.build_id);
	emit(json_pack("{s:o, s:b, s:s}", "pin_dir", json_text(a->pin_dir), "upgraded", upgraded,
		       "build_id", build),
	     load_plain);
	return EXIT_OK;
}

static void unload_plain(json_t *r)
{
	json_int_t hidden = json_integer_value(json_object_get(r, "hidden_unloaded"));

	puts(json_is_true(json_object_get(r, "was_loaded")) || hidden ? "mptcpify unloaded" :
									"mptcpify was not loaded");
	if (hidden)
		printf("including %lld set(s) hidden under a bpffs mounted later at %s\n",
		       (long long)hidden, json_string_value(json_object_get(r, "bpffs")));
}

/*
 * A bpffs mounted over the one that holds the pins hides them, and their
 * programs keep rewriting: each lower level is unloaded too, from a child
 * that sees it (pindir_below()). Returns how many had pins, or -errno.
 */
static int unload_hidden(const char *dir, char *mnt, size_t len)
{
	int stacked = pindir_mount(dir, mnt, len), level, err, n = 0;

	for (level = 1; level < stacked; level++) {
		err = pindir_below(mnt, level, dir, lifecycle_unload_any);
		if (err && err != -ENOENT)
			return err;
		n += !err;
	}
	return n;
}

int cmd_unload(const struct cmd_args *a)
{
	char mnt[PATH_MAX];
	int err, hidden;

	if (cmd_need_root())
		return EXIT_FAIL;
	err = lifecycle_unload_any(a->pin_dir);
	if (err && err != -ENOENT) {
		p_err(-err, "see 'bpftool prog show' and the pin directory", "cannot remove %s",
		      a->pin_dir);
		return EXIT_FAIL;
	}
	hidden = unload_hidden(a->pin_dir, mnt, sizeof(mnt));
	if (hidden < 0) {
		p_err(-hidden, "umount the bpffs mounted over it, then unload again",
		      "cannot remove the pins hidden under the bpffs at %s", mnt);
		return EXIT_FAIL;
	}
	emit(json_pack("{s:o, s:b, s:i, s:o}", "pin_dir", json_text(a->pin_dir), "was_loaded",
		       err != -ENOENT, "hidden_unloaded", hidden, "bpffs",
		       hidden ? json_text(mnt) : json_null()),
	     unload_plain);
	return EXIT_OK;
}
