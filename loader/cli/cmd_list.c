// SPDX-License-Identifier: GPL-2.0
/* mptcpify list | stats [CGROUP]: the entries, their counters and the programs. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "cmd.h"
#include "outcome_view.h"
#include "pmresult_view.h"
#include "profile_view.h"
#include "core/attachpoint.h"
#include "core/cgroup.h"
#include "core/counters.h"
#include "core/entries.h"
#include "core/lifecycle.h"
#include "core/output.h"
#include "core/pinstore.h"

struct collect {
	struct pins *p;
	json_t *entries;
	bool with_stats;
	struct idmap tallies; /* refused options and fallback reasons, by cgroup id */
	struct idmap pm;      /* path-manager results, by cgroup id */
};

/* One JSON object per policy entry, with its path while the cgroup exists. */
static void collect_entry(const char *rel, __u64 id, void *ctx)
{
	struct entry_counters counters, *tallies;
	struct collect *c = ctx;
	struct mptcpify_policy e;
	json_t *o;

	if (entries_policy_get(c->p, id, &e))
		return;
	o = json_pack("{s:o, s:I, s:s, s:s}", "cgroup", json_text(rel), "id", (json_int_t)id,
		      "mode", entries_mode_name(e.mode), "owner",
		      e.owner == MPTCPIFY_OWNER_DAEMON ? "daemon" : "cli");
	if (e.flags & MPTCPIFY_PROTECT)
		json_object_set_new(
			o, "on_incompatible",
			json_string(e.flags & MPTCPIFY_TRIPPED ? "exclude (tripped)" : "exclude"));
	if (c->with_stats) {
		entry_counters_read(c->p, id, &counters);
		tallies = idmap_get(&c->tallies, id);
		if (tallies)
			entry_counters_add(&counters, tallies);
		counters_stats_json(&counters.sockets, o);
		outcome_view_json(&counters, o);
		pmresult_view_json(&c->pm, id, o);
		entry_counters_free(&counters);
	}
	json_array_append_new(c->entries, o);
}

/*
 * What each pinned program costs, from the kernel: run count and time
 * (with sysctl kernel.bpf_stats_enabled=1), instructions the verifier
 * processed, and JITed size.
 */
static json_t *programs_json(struct pins *p)
{
	const char *names[] = {PINS_HOOK,
			       pins_link_name(PINS_LINK_REWRITE),
			       pins_hook_name(PINS_LINK_BACKUP),
			       pins_link_name(PINS_LINK_BACKUP),
			       pins_hook_name(PINS_LINK_BACKUP2),
			       pins_link_name(PINS_LINK_BACKUP2),
			       pins_hook_name(PINS_LINK_BACKUP3),
			       pins_link_name(PINS_LINK_BACKUP3),
			       pins_link_name(PINS_LINK_AUDIT),
			       pins_link_name(PINS_LINK_SUBFLOW),
			       pins_link_name(PINS_LINK_SETSOCKOPT),
			       pins_link_name(PINS_LINK_GETSOCKOPT)};
	struct bpf_prog_info info;
	json_t *out = json_object();
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!pins_prog_info(p, names[i], &info))
			json_object_set_new(
				out, names[i],
				json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "id",
					  (json_int_t)info.id, "run_cnt", (json_int_t)info.run_cnt,
					  "run_time_ns", (json_int_t)info.run_time_ns,
					  "verified_insns", (json_int_t)info.verified_insns,
					  "jited_bytes", (json_int_t)info.jited_prog_len,
					  "recursion_misses", (json_int_t)info.recursion_misses));
	return out;
}

/* One attach point of the cgroup programs: where, and which are linked there. */
static void collect_point(__u64 id, const char *rel, unsigned int links, void *ctx)
{
	json_t *names = json_array();
	int l;

	for (l = 0; l < PINS_LINK_NR; l++)
		if (links & PINS_LINK_BIT(l))
			json_array_append_new(names, json_string(pins_link_name(l)));
	json_array_append_new(ctx, json_pack("{s:o, s:I, s:o}", "cgroup", json_text(rel), "id",
					     (json_int_t)id, "programs", names));
}

static void list_plain(json_t *r)
{
	json_t *e, *progs = json_object_get(r, "programs");
	size_t i, j;

	json_int_t skipped = json_integer_value(json_object_get(r, "hook_recursion_misses")) +
			     json_integer_value(json_object_get(r, "tail_call_misses"));

	printf("programs: rewrite %s, audit %s\n",
	       json_is_true(json_object_get(progs, "rewrite")) ? "attached" : "-",
	       json_is_true(json_object_get(progs, "audit")) ? "attached" : "-");
	json_array_foreach (json_object_get(r, "attach_points"), i, e) {
		json_t *cg = json_object_get(e, "cgroup"), *name;

		printf("cgroup programs attached at %s:",
		       json_is_null(cg) ? "(cgroup removed)" : json_string_value(cg));
		json_array_foreach (json_object_get(e, "programs"), j, name)
			printf(" %s", json_string_value(name));
		printf("\n");
	}
	/* Node-wide: the kernel does not say whose calls they were. */
	if (skipped)
		printf("socket() calls run without the first hook (the backups decided them; "
		       "any left TCP are escapes, in stats): %lld\n",
		       (long long)skipped);
	json_array_foreach (json_object_get(r, "cgroups"), i, e) {
		json_t *cg = json_object_get(e, "cgroup");

		printf("%-8s %-6s %s\n", json_string_value(json_object_get(e, "mode")),
		       json_string_value(json_object_get(e, "owner")),
		       json_is_null(cg) ? "(cgroup removed)" : json_string_value(cg));
	}
}

static void stats_plain(json_t *r)
{
	static const int width[MPTCPIFY_VERDICT_NR] = {10, 9, 11, 8, 8, 8, 8, 8};
	char verdict[512];
	json_t *e, *cg;
	size_t i;
	int k;

	printf("%-8s %10s %9s %11s %8s %8s %8s %8s %8s  %s\n", "mode", "rewritten", "excluded",
	       "unavailable", "non_tcp", "native", "tcp", "mptcp", "incompat", "cgroup");
	json_array_foreach (json_object_get(r, "cgroups"), i, e) {
		printf("%-8s", json_string_value(json_object_get(e, "mode")));
		for (k = 0; k < MPTCPIFY_VERDICT_NR; k++)
			if (counters_verdict_name(k))
				printf(" %*lld", width[k],
				       (long long)json_integer_value(
					       json_object_get(e, counters_verdict_name(k))));
		cg = json_object_get(e, "cgroup");
		printf("  %s\n", json_is_null(cg) ? "(cgroup removed)" : json_string_value(cg));
		/* The verdict stays the entry's last line: what scripts take. */
		pmresult_view_plain(stdout, e);
		printf("%8s %s\n", "", outcome_view_verdict(e, verdict, sizeof(verdict)));
	}
	if (json_array_size(json_object_get(r, "subflow_profiles"))) {
		printf("\nsubflow profiles:\n");
		profile_view_plain(json_object_get(r, "subflow_profiles"));
	}
}

/* The pinned part of the answer: state, programs, entries and profiles. */
static void describe_pins(struct pins *p, json_t *res, struct collect *c, const char *mount,
			  const struct cgroup_ref *only)
{
	const char *problem = entries_check(p);
	struct mptcpify_diag diag;

	counters_diag_read(p, &diag);
	json_object_set_new(res, "tail_call_misses",
			    json_integer((json_int_t)diag.tail_call_misses));
	json_object_set_new(res, "hook_recursion_misses",
			    json_integer((json_int_t)lifecycle_hook_recursion_misses(p)));
	json_object_set_new(res, "programs",
			    json_pack("{s:b, s:b, s:b}", "rewrite",
				      pins_link_whole(p, PINS_LINK_REWRITE), "audit",
				      pins_link_whole(p, PINS_LINK_AUDIT), "subflow",
				      pins_link_whole(p, PINS_LINK_SUBFLOW)));
	json_object_set_new(res, "program_costs", programs_json(p));
	json_object_set_new(res, "attach_points", json_array());
	attachpoint_each(p, mount[0] ? mount : NULL, collect_point,
			 json_object_get(res, "attach_points"));
	if (problem) {
		p_warn("%s", problem);
		json_object_set_new(res, "warning", json_string(problem));
	}
	if (c->with_stats) {
		counters_tallies_load(p, NULL, &c->tallies);
		pmresult_view_load(p->dir, &c->pm);
	}
	if (only)
		collect_entry(only->rel, only->id, c);
	else
		entries_walk(p->policy_fd, mount, collect_entry, c);
	if (c->with_stats)
		json_object_set_new(
			res, "subflow_profiles",
			profile_view_json(p, mount, only ? only->id : 0, only ? only->rel : NULL));
}

static int list_or_stats(const struct cmd_args *a, bool with_stats)
{
	struct collect c = {.with_stats = with_stats};
	char mount[PATH_MAX] = "";
	struct cgroup_ref cg;
	struct pins p;
	json_t *res;
	int err;

	err = cmd_open_view(a, mount, &cg, &p);
	if (err > 0)
		return err;
	c.p = &p;
	c.entries = json_array();
	res = json_pack("{s:o, s:b}", "pin_dir", json_text(a->pin_dir), "loaded", !err);
	if (err)
		json_object_set_new(
			res, "programs",
			json_pack("{s:b, s:b, s:b}", "rewrite", 0, "audit", 0, "subflow", 0));
	else
		describe_pins(&p, res, &c, mount, a->cgroup ? &cg : NULL);
	if (!err)
		pins_close(&p);
	counters_tallies_free(&c.tallies);
	pmresult_view_free(&c.pm);
	json_object_set_new(res, "cgroups", c.entries);
	if (a->cgroup && !json_array_size(c.entries) &&
	    !json_array_size(json_object_get(res, "subflow_profiles"))) {
		json_decref(res);
		p_err(ENOENT, "see 'mptcpify list'", "'%s' is not attached", a->cgroup);
		return EXIT_FAIL;
	}
	emit(res, with_stats ? stats_plain : list_plain);
	return EXIT_OK;
}

int cmd_list(const struct cmd_args *a)
{
	return list_or_stats(a, false);
}

int cmd_stats(const struct cmd_args *a)
{
	return list_or_stats(a, true);
}
