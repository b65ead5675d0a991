// SPDX-License-Identifier: GPL-2.0
/* mptcpify probe: what this kernel and host allow, found by trial. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "cmd.h"
#include "core/compat.h"
#include "core/entries.h"
#include "core/output.h"
#include "core/pindir.h"
#include "core/pinstore.h"
#include "core/probe.h"

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

static const char *dir_names[] = {"set", "get", "send"};

static int add_option(const struct mptcpify_incompat_key *key, int err, void *ctx)
{
	char buf[32];

	return json_array_append_new(
		ctx,
		json_pack("{s:s, s:s, s:s}", "option",
			  compat_option_name(key->level, key->optname, key->dir, buf, sizeof(buf)),
			  "op", dir_names[key->dir], "errno", strerror(err)));
}

/* The options an MPTCP socket refuses here, tried now; null if none can be made. */
static json_t *refused_options(void)
{
	json_t *list = json_array();

	if (compat_scan(add_option, list) < 0) {
		json_decref(list);
		return json_null();
	}
	return list;
}

static void refused_plain(json_t *list)
{
	size_t i, col = 17, unnamed = 0;
	const char *last = "";
	json_t *o;

	printf("mptcp refuses:   ");
	if (json_is_null(list)) {
		printf("unknown (no MPTCP socket can be made here)\n");
		return;
	}
	json_array_foreach (list, i, o) {
		const char *name = json_string_value(json_object_get(o, "option"));

		if (!strcmp(name, last))
			continue; /* set and get: the name once */
		last = name;
		if (strchr(name, ':')) {
			unnamed++; /* LEVEL:NUMBER: -j lists them */
			continue;
		}
		if (col + strlen(name) + 2 > 79) {
			printf(",\n                 ");
			col = 17;
		} else if (col > 17) {
			printf(", ");
			col += 2;
		}
		col += printf("%s", name);
	}
	if (unnamed)
		printf("%s%zu more by number (-j)", col > 17 ? ", " : "", unnamed);
	printf("%s\n", json_array_size(list) ? "" : "nothing");
}

static void probe_plain(json_t *r)
{
	json_t *v;

	printf("kernel:          %s\n", json_string_value(json_object_get(r, "kernel")));
	printf("btf:             %s\n", yes_no(json_is_true(json_object_get(r, "btf"))));
	printf("mptcp compiled:  %s\n", yes_no(json_is_true(json_object_get(r, "mptcp_compiled"))));
	v = json_object_get(r, "mptcp_enabled");
	printf("mptcp enabled:   %s\n", json_is_null(v) ? "unknown" : yes_no(json_is_true(v)));
	printf("netns switch:    %s\n",
	       json_is_true(json_object_get(r, "netns_switch_readable")) ?
		       "readable (net.mptcp.enabled=0 namespaces stay TCP)" :
		       "not readable (no mptcp_pernet_id in kallsyms; see README)");
	v = json_object_get(r, "cgroup2");
	printf("cgroup2:         %s\n", json_is_null(v) ? "not mounted" : json_string_value(v));
	printf("bpffs:           %s", yes_no(json_is_true(json_object_get(r, "bpffs"))));
	v = json_object_get(r, "bpffs_mode");
	if (json_is_string(v))
		printf(" (mode %s%s)", json_string_value(v),
		       json_is_true(json_object_get(r, "bpffs_world_writable")) ?
			       ": any user may create the pin directory first; mount it with "
			       "mode=0700" :
			       "");
	printf("\n");
	v = json_object_get(r, "pins");
	printf("pins:            %s\n", json_string_value(v));
	printf("cgroup bpf:      %s\n", yes_no(json_is_true(json_object_get(r, "cgroup_bpf"))));
	printf("hook:            %s\n", json_is_true(json_object_get(r, "hook")) ?
						"update_socket_protocol" :
						"missing (needs Linux 6.6+)");
	v = json_object_get(r, "rewrite_error");
	printf("fmod_ret trial:  %s\n",
	       json_is_null(v) ? "loaded and attached" : json_string_value(v));
	printf("fallback reasons: %s\n",
	       json_is_true(json_object_get(r, "fallback_reasons")) ?
		       "counted (__mptcp_try_fallback)" :
		       "not counted (needs fexit and __mptcp_try_fallback)");
	refused_plain(json_object_get(r, "refused_options"));
	v = json_object_get(r, "reason");
	printf("verdict:         %s%s%s\n", json_string_value(json_object_get(r, "verdict")),
	       json_is_null(v) ? "" : ": ", json_is_null(v) ? "" : json_string_value(v));
}

/* The directory @path is in ("/" for a top-level one). */
static const char *parent_of(const char *path, char *buf, size_t len)
{
	char *slash;

	snprintf(buf, len, "%s", path);
	slash = strrchr(buf, '/');
	if (slash)
		slash[slash == buf] = '\0';
	return buf;
}

static int exists(const char *dir)
{
	return access(dir, F_OK) ? -errno : 0;
}

/* Pins under a bpffs mounted over theirs: their programs run, out of reach. */
static bool hidden_pins(const char *dir, char *mnt, size_t len)
{
	int stacked = pindir_mount(dir, mnt, len), level;

	for (level = 1; level < stacked; level++)
		if (!pindir_below(mnt, level, dir, exists))
			return true;
	return false;
}

/* What is pinned, and whether it is whole and safe: a line for probe. */
static const char *pins_state(const struct cmd_args *a, char *buf, size_t len)
{
	const char *why = NULL, *problem;
	char mnt[PATH_MAX];
	struct pins p;
	int err;

	if (geteuid())
		return "unknown (not root)";
	if (hidden_pins(a->pin_dir, mnt, sizeof(mnt))) {
		snprintf(buf, len,
			 "hidden: a bpffs mounted over %s hides pins whose programs still run "
			 "(mptcpify unload removes them)",
			 mnt);
		return buf;
	}
	err = pins_open(&p, a->pin_dir, PINS_SHARED, &why);
	if (err == -ENOENT)
		return "none: nothing is loaded";
	if (err) {
		snprintf(buf, len, "refused: %s (%s)", why, a->pin_dir);
		return buf;
	}
	problem = entries_check(&p);
	pins_close(&p);
	if (!problem)
		return "complete";
	snprintf(buf, len, "incomplete: %s", problem);
	return buf;
}

int cmd_probe(const struct cmd_args *a)
{
	struct probe_result r;
	char buf[512];
	json_t *res;

	probe_run(&r, parent_of(a->pin_dir, buf, sizeof(buf)));
	res = json_pack("{s:s, s:b, s:b}", "kernel", r.kernel, "btf", r.btf, "mptcp_compiled",
			r.mptcp_compiled);
	json_object_set_new(res, "mptcp_enabled",
			    r.mptcp_enabled < 0 ? json_null() : json_boolean(r.mptcp_enabled));
	json_object_set_new(res, "netns_switch_readable", json_boolean(r.netns_switch));
	json_object_set_new(res, "cgroup2", r.cgroup2[0] ? json_text(r.cgroup2) : json_null());
	json_object_set_new(res, "bpffs", json_boolean(r.bpffs));
	json_object_set_new(res, "bpffs_mode",
			    r.bpffs_mode < 0 ? json_null() : json_sprintf("%04o", r.bpffs_mode));
	json_object_set_new(res, "bpffs_world_writable",
			    json_boolean(r.bpffs_mode >= 0 && (r.bpffs_mode & 002)));
	json_object_set_new(res, "pins", json_text(pins_state(a, buf, sizeof(buf))));
	json_object_set_new(res, "cgroup_bpf", json_boolean(r.cgroup_bpf));
	json_object_set_new(res, "hook", json_boolean(r.hook));
	json_object_set_new(res, "rewrite_error",
			    r.rewrite_err ? json_sprintf("%s", strerror(-r.rewrite_err)) :
					    json_null());
	json_object_set_new(res, "fallback_reasons",
			    json_boolean(!r.rewrite_err && r.hook &&
					 probe_has_function("__mptcp_try_fallback")));
	json_object_set_new(res, "refused_options", refused_options());
	json_object_set_new(res, "verdict", json_string(probe_support_name(r.support)));
	json_object_set_new(res, "reason", r.reason[0] ? json_string(r.reason) : json_null());
	emit(res, probe_plain);
	return r.support == SUPPORT_NONE ? EXIT_FAIL : EXIT_OK;
}
