// SPDX-License-Identifier: GPL-2.0
/* mptcpify load | unload: the pins as a whole. */
#include <errno.h>
#include <stdio.h>
#include "cmd.h"
#include "core/attachpoint.h"
#include "core/cgroup.h"
#include "core/entries.h"
#include "core/lifecycle.h"
#include "core/output.h"
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
	if (!cgroup2_mount(mount, sizeof(mount))) {
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
	puts(json_is_true(json_object_get(r, "was_loaded")) ? "mptcpify unloaded" :
							      "mptcpify was not loaded");
}

int cmd_unload(const struct cmd_args *a)
{
	int err;

	if (cmd_need_root())
		return EXIT_FAIL;
	err = lifecycle_unload_any(a->pin_dir);
	if (err && err != -ENOENT) {
		p_err(-err, "see 'bpftool prog show' and the pin directory", "cannot remove %s",
		      a->pin_dir);
		return EXIT_FAIL;
	}
	emit(json_pack("{s:o, s:b}", "pin_dir", json_text(a->pin_dir), "was_loaded",
		       err != -ENOENT),
	     unload_plain);
	return EXIT_OK;
}
