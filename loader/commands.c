// SPDX-License-Identifier: GPL-2.0
/* probe, load, attach, detach, list, stats, unload. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "cgroup.h"
#include "cli.h"
#include "commands.h"
#include "output.h"
#include "pins.h"
#include "policy.h"
#include "probe.h"
#include "stats.h"

const char *pin_dir;

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
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
	printf("bpffs:           %s\n", yes_no(json_is_true(json_object_get(r, "bpffs"))));
	printf("cgroup bpf:      %s\n", yes_no(json_is_true(json_object_get(r, "cgroup_bpf"))));
	printf("hook:            %s\n", json_is_true(json_object_get(r, "hook")) ?
						"update_socket_protocol" :
						"missing (needs Linux 6.6+)");
	v = json_object_get(r, "rewrite_error");
	printf("fmod_ret trial:  %s\n",
	       json_is_null(v) ? "loaded and attached" : json_string_value(v));
	v = json_object_get(r, "reason");
	printf("verdict:         %s%s%s\n", json_string_value(json_object_get(r, "verdict")),
	       json_is_null(v) ? "" : ": ", json_is_null(v) ? "" : json_string_value(v));
}

int do_probe(int argc, char **argv)
{
	struct probe_result r;
	json_t *res;

	(void)argc;
	(void)argv;
	probe_run(&r);
	res = json_pack("{s:s, s:b, s:b}", "kernel", r.kernel, "btf", r.btf, "mptcp_compiled",
			r.mptcp_compiled);
	json_object_set_new(res, "mptcp_enabled",
			    r.mptcp_enabled < 0 ? json_null() : json_boolean(r.mptcp_enabled));
	json_object_set_new(res, "netns_switch_readable", json_boolean(r.netns_switch));
	json_object_set_new(res, "cgroup2", r.cgroup2[0] ? json_string(r.cgroup2) : json_null());
	json_object_set_new(res, "bpffs", json_boolean(r.bpffs));
	json_object_set_new(res, "cgroup_bpf", json_boolean(r.cgroup_bpf));
	json_object_set_new(res, "hook", json_boolean(r.hook));
	json_object_set_new(res, "rewrite_error",
			    r.rewrite_err ? json_sprintf("%s", strerror(-r.rewrite_err)) :
					    json_null());
	json_object_set_new(res, "verdict", json_string(probe_verdict_name(r.verdict)));
	json_object_set_new(res, "reason", r.reason[0] ? json_string(r.reason) : json_null());
	emit(res, probe_plain);
	return r.verdict == VERDICT_UNSUPPORTED ? EXIT_FAIL : EXIT_OK;
}

/* Root is needed for everything that touches BPF; say so before trying. */
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

	err = cgroup2_mount(mount, PATH_MAX);
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

int cmd_open_pins(struct pins *p, int how)
{
	const char *why = NULL;
	int err = pins_open(p, pin_dir, how, &why);

	if (!err) {
		if (p->upgraded)
			p_info("replaced the programs of an older build");
		return 0;
	}
	pins_close(p);
	if (err == -ENOENT && how == PINS_READ)
		return -ENOENT;
	p_err(-err,
	      err == -EPROTO ? "run 'mptcpify unload', then attach again" :
			       "run with -v for libbpf's messages",
	      "%s (%s)", why ? why : "cannot open the pins", pin_dir);
	return EXIT_FAIL;
}

static void load_plain(json_t *r)
{
	printf("mptcpify %s at %s (build %s)\n",
	       json_is_true(json_object_get(r, "upgraded")) ? "upgraded" : "loaded",
	       json_string_value(json_object_get(r, "pin_dir")),
	       json_string_value(json_object_get(r, "build_id")));
}

int do_load(int argc, char **argv)
{
	char mount[PATH_MAX];
	struct mptcpify_state st = {};
	const char *why = NULL;
	struct cmd_args a;
	char build[17];
	struct pins p;
	bool upgraded;

	if (parse_cmd_args(argc, argv, SHAPE_NONE, &a, &why)) {
		p_err(0, "see 'mptcpify help'", "%s", why);
		return EXIT_USAGE;
	}
	if (cmd_need_root() || cmd_open_pins(&p, PINS_CREATE))
		return EXIT_FAIL;
	if (!cgroup2_mount(mount, sizeof(mount)))
		policy_prune(&p, mount);
	upgraded = p.upgraded;
	pins_read_state(&p, &st);
	pins_close(&p);
	snprintf(build, sizeof(build), "%016llx", (unsigned long long)st.build_id);
	emit(json_pack("{s:s, s:b, s:s}", "pin_dir", pin_dir, "upgraded", upgraded, "build_id",
		       build),
	     load_plain);
	return EXIT_OK;
}

int cmd_check_mode(__u32 mode)
{
	const char *reason = "";
	struct pins p;
	int err = 0;

	if (mode != MPTCPIFY_MODE_REWRITE)
		return 0;
	/* Already attached: the kernel took it once, no need for a trial.
	 * Quietly: the caller opens the pins next and reports their errors. */
	if (pins_open(&p, pin_dir, PINS_READ, &reason) == 0 &&
	    pins_has_link(&p, PINS_LINK_REWRITE)) {
		pins_close(&p);
		return 0;
	}
	pins_close(&p);
	err = probe_rewrite(&reason);
	if (!err)
		return 0;
	/* A missing hook or MPTCP is no failed call: no errno text for those. */
	if (err == -ENOENT || err == -EPROTONOSUPPORT)
		err = 0;
	p_err(-err, "use --mode audit to count TCP and MPTCP sockets instead",
	      "cannot rewrite sockets here: %s", reason);
	return EXIT_FAIL;
}

static void attach_plain(json_t *r)
{
	printf("%s %s: %s\n", json_string_value(json_object_get(r, "cgroup")),
	       json_string_value(json_object_get(r, "mode")),
	       json_is_true(json_object_get(r, "changed")) ? "attached" : "already attached");
}

int do_attach(int argc, char **argv)
{
	const char *why = NULL;
	char mount[PATH_MAX];
	struct cmd_args a;
	struct cgroup_ref cg;
	struct pins p;
	bool changed, unloaded;
	int err;

	err = parse_cmd_args(argc, argv, SHAPE_CGROUP_MODE, &a, &why);
	if (err) {
		p_err(0, "see 'mptcpify help'", "%s", why);
		return EXIT_USAGE;
	}
	if (cmd_need_root() || cmd_resolve(a.cgroup, mount, &cg))
		return EXIT_FAIL;
	/* Refuse before creating anything: bad input changes nothing. */
	if (cmd_check_mode(a.mode))
		return EXIT_FAIL;
	if (cmd_open_pins(&p, PINS_CREATE))
		return EXIT_FAIL;
	policy_prune(&p, mount);
	err = policy_set(&p, cg.id, a.mode, MPTCPIFY_OWNER_CLI, mount, &changed, &why);
	/* A mode change may leave a program nothing needs any more. */
	if (!err && changed)
		policy_release_unused(&p, &unloaded);
	pins_close(&p);
	if (err) {
		p_err(-err, "run with -v for libbpf's messages", "%s", why);
		return EXIT_FAIL;
	}
	emit(json_pack("{s:s, s:I, s:s, s:b}", "cgroup", cg.rel, "id", (json_int_t)cg.id, "mode",
		       mode_name(a.mode), "changed", changed),
	     attach_plain);
	return EXIT_OK;
}

static void detach_plain(json_t *r)
{
	printf("%s: detached%s\n", json_string_value(json_object_get(r, "cgroup")),
	       json_is_true(json_object_get(r, "unloaded")) ? " (no cgroup left: unloaded)" : "");
}

int do_detach(int argc, char **argv)
{
	const char *why = NULL;
	char mount[PATH_MAX];
	struct cgroup_ref cg;
	struct cmd_args a;
	struct pins p;
	bool unloaded;
	int err;

	if (parse_cmd_args(argc, argv, SHAPE_CGROUP, &a, &why)) {
		p_err(0, "see 'mptcpify help'", "%s", why);
		return EXIT_USAGE;
	}
	if (cmd_need_root() || cmd_resolve(a.cgroup, mount, &cg))
		return EXIT_FAIL;
	err = cmd_open_pins(&p, PINS_READ);
	if (err == -ENOENT) {
		p_err(ENOENT, "see 'mptcpify list'", "'%s' is not attached", a.cgroup);
		return EXIT_FAIL;
	}
	if (err)
		return EXIT_FAIL;
	policy_prune(&p, mount);
	err = policy_remove(&p, cg.id, &unloaded);
	pins_close(&p);
	if (err == -ENOENT) {
		p_err(ENOENT, "see 'mptcpify list'", "'%s' is not attached", a.cgroup);
		return EXIT_FAIL;
	}
	if (err) {
		p_err(-err, NULL, "cannot detach '%s'", a.cgroup);
		return EXIT_FAIL;
	}
	emit(json_pack("{s:s, s:I, s:b}", "cgroup", cg.rel, "id", (json_int_t)cg.id, "unloaded",
		       unloaded),
	     detach_plain);
	return EXIT_OK;
}

/* One JSON object per policy entry, with its path when the cgroup exists. */
struct entry_walk {
	struct pins *p;
	json_t *entries;
	bool with_stats;
	__u64 only; /* 0: all */
};

static json_t *entry_json(struct entry_walk *w, const char *rel, __u64 id,
			  const struct mptcpify_policy *e)
{
	struct mptcpify_stats s;
	json_t *o;

	o = json_pack("{s:o, s:I, s:s, s:s}", "cgroup", rel ? json_string(rel) : json_null(), "id",
		      (json_int_t)id, "mode", mode_name(e->mode), "owner",
		      e->owner == MPTCPIFY_OWNER_DAEMON ? "daemon" : "cli");
	if (w->with_stats && !stats_read(w->p->stats_fd, id, &s))
		stats_to_json(&s, o);
	return o;
}

static int collect_entry(const char *rel, __u64 id, void *ctx)
{
	struct entry_walk *w = ctx;
	struct mptcpify_policy e;

	if ((!w->only || w->only == id) && !policy_get(w->p, id, &e))
		json_array_append_new(w->entries, entry_json(w, rel, id, &e));
	return 0;
}

/* Entries whose cgroup is gone still show, with a null path. */
static void collect_gone(struct entry_walk *w)
{
	struct mptcpify_policy e;
	__u64 key, *prev = NULL;

	while (!bpf_map_get_next_key(w->p->policy_fd, prev, &key)) {
		prev = &key;
		if ((w->only && w->only != key) || policy_get(w->p, key, &e))
			continue;
		if (!json_array_has_id(w->entries, key))
			json_array_append_new(w->entries, entry_json(w, NULL, key, &e));
	}
}

/*
 * What each pinned program costs, from the kernel: run count and time
 * (with sysctl kernel.bpf_stats_enabled=1), instructions the verifier
 * processed, and JITed size.
 */
static json_t *programs_json(struct pins *p)
{
	static const char *const names[] = {"hook", "rewrite", "audit", "subflow"};
	json_t *out = json_object();
	char path[PATH_MAX];
	size_t i;
	int fd;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		snprintf(path, sizeof(path), "%s/progs/%s", p->dir, names[i]);
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len))
			json_object_set_new(
				out, names[i],
				json_pack("{s:I, s:I, s:I, s:I, s:I}", "id", (json_int_t)info.id,
					  "run_cnt", (json_int_t)info.run_cnt, "run_time_ns",
					  (json_int_t)info.run_time_ns, "verified_insns",
					  (json_int_t)info.verified_insns, "jited_bytes",
					  (json_int_t)info.jited_prog_len));
		close(fd);
	}
	return out;
}

static void list_plain(json_t *r)
{
	json_t *e, *progs = json_object_get(r, "programs");
	size_t i;

	printf("programs: rewrite %s, audit %s\n",
	       json_is_true(json_object_get(progs, "rewrite")) ? "attached" : "-",
	       json_is_true(json_object_get(progs, "audit")) ? "attached" : "-");
	json_array_foreach (json_object_get(r, "cgroups"), i, e) {
		json_t *cg = json_object_get(e, "cgroup");

		printf("%-8s %-6s %s\n", json_string_value(json_object_get(e, "mode")),
		       json_string_value(json_object_get(e, "owner")),
		       json_is_null(cg) ? "(cgroup removed)" : json_string_value(cg));
	}
}

static void stats_plain(json_t *r)
{
	json_t *e, *cg;
	size_t i;
	int k;

	printf("%-8s %10s %9s %11s %8s %8s %8s %8s  %s\n", "mode", "rewritten", "excluded",
	       "unavailable", "non_tcp", "native", "tcp", "mptcp", "cgroup");
	json_array_foreach (json_object_get(r, "cgroups"), i, e) {
		printf("%-8s", json_string_value(json_object_get(e, "mode")));
		for (k = 0; k < MPTCPIFY_STAT_NR; k++)
			if (stats_name(k))
				printf(" %*lld",
				       k == 0 ? 10 :
				       k == 1 ? 9 :
				       k == 2 ? 11 :
						8,
				       (long long)json_integer_value(
					       json_object_get(e, stats_name(k))));
		cg = json_object_get(e, "cgroup");
		printf("  %s\n", json_is_null(cg) ? "(cgroup removed)" : json_string_value(cg));
	}
	if (json_array_size(json_object_get(r, "subflow_profiles"))) {
		printf("\nsubflow profiles:\n");
		subflow_profiles_plain(json_object_get(r, "subflow_profiles"));
	}
}

static int list_or_stats(int argc, char **argv, bool with_stats)
{
	struct entry_walk w = {.with_stats = with_stats};
	const char *why = NULL;
	char mount[PATH_MAX];
	struct cgroup_ref cg;
	struct cmd_args a;
	struct pins p;
	json_t *res;
	int err;

	if (parse_cmd_args(argc, argv, with_stats ? SHAPE_OPT_CGROUP : SHAPE_NONE, &a, &why)) {
		p_err(0, "see 'mptcpify help'", "%s", why);
		return EXIT_USAGE;
	}
	if (cmd_need_root())
		return EXIT_FAIL;
	if (a.cgroup && cmd_resolve(a.cgroup, mount, &cg))
		return EXIT_FAIL;
	if (!a.cgroup && cgroup2_mount(mount, sizeof(mount)))
		mount[0] = '\0';
	w.only = a.cgroup ? cg.id : 0;
	w.entries = json_array();
	res = json_pack("{s:s}", "pin_dir", pin_dir);
	err = cmd_open_pins(&p, PINS_READ);
	if (err && err != -ENOENT) {
		json_decref(w.entries);
		json_decref(res);
		return EXIT_FAIL;
	}
	json_object_set_new(res, "loaded", json_boolean(!err));
	if (!err) {
		struct mptcpify_state st = {};

		pins_read_state(&p, &st);
		json_object_set_new(res, "hook_fallbacks", json_integer(st.hook_fallbacks));
	}
	json_object_set_new(res, "programs",
			    json_pack("{s:b, s:b, s:b}", "rewrite",
				      !err && pins_has_link(&p, PINS_LINK_REWRITE), "audit",
				      !err && pins_has_link(&p, PINS_LINK_AUDIT), "subflow",
				      !err && pins_has_link(&p, PINS_LINK_SUBFLOW)));
	if (!err)
		json_object_set_new(res, "program_costs", programs_json(&p));
	if (!err) {
		w.p = &p;
		if (mount[0])
			cgroup_walk(mount, collect_entry, &w);
		collect_gone(&w);
		if (with_stats)
			json_object_set_new(res, "subflow_profiles",
					    subflow_profiles_json(&p, mount, w.only));
		pins_close(&p);
	}
	json_object_set_new(res, "cgroups", w.entries);
	if (a.cgroup && !json_array_size(w.entries) &&
	    !json_array_size(json_object_get(res, "subflow_profiles"))) {
		json_decref(res);
		p_err(ENOENT, "see 'mptcpify list'", "'%s' is not attached", a.cgroup);
		return EXIT_FAIL;
	}
	emit(res, with_stats ? stats_plain : list_plain);
	return EXIT_OK;
}

int do_list(int argc, char **argv)
{
	return list_or_stats(argc, argv, false);
}

int do_stats(int argc, char **argv)
{
	return list_or_stats(argc, argv, true);
}

static void unload_plain(json_t *r)
{
	puts(json_is_true(json_object_get(r, "was_loaded")) ? "mptcpify unloaded" :
							      "mptcpify was not loaded");
}

int do_unload(int argc, char **argv)
{
	const char *why = NULL;
	struct cmd_args a;
	int err;

	if (parse_cmd_args(argc, argv, SHAPE_NONE, &a, &why)) {
		p_err(0, "see 'mptcpify help'", "%s", why);
		return EXIT_USAGE;
	}
	if (cmd_need_root())
		return EXIT_FAIL;
	err = pins_unload_any(pin_dir);
	if (err && err != -ENOENT) {
		p_err(-err, "see 'bpftool prog show' and the pin directory", "cannot remove %s",
		      pin_dir);
		return EXIT_FAIL;
	}
	emit(json_pack("{s:s, s:b}", "pin_dir", pin_dir, "was_loaded", err != -ENOENT),
	     unload_plain);
	return EXIT_OK;
}
