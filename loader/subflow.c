// SPDX-License-Identifier: GPL-2.0
/*
 * mptcpify subflow set CGROUP RULE... | show [CGROUP] | clear CGROUP
 *
 * Per-cgroup profiles of socket options for the subflows of MPTCP
 * connections, applied by the sockops program (bpf/subflow.bpf.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "cgroup.h"
#include "cli.h"
#include "commands.h"
#include "output.h"
#include "pins.h"
#include "policy.h"
#include "rules.h"
#include "stats.h"
#include "subflow.h"

static int usage(const char *why)
{
	p_err(0, "mptcpify subflow set CGROUP RULE... | show [CGROUP] | clear CGROUP", "%s", why);
	return EXIT_USAGE;
}

static json_t *profile_json(struct pins *p, const char *rel, __u64 cgid,
			    const struct mptcpify_profile *prof)
{
	struct mptcpify_rule_stats st;
	json_t *rules = json_array();
	char text[512];
	__u32 i;

	for (i = 0; i < prof->nrules && i < MPTCPIFY_MAX_RULES; i++) {
		if (rule_format(&prof->rules[i], text, sizeof(text)) < 0)
			snprintf(text, sizeof(text), "(rule %u)", i + 1);
		profile_rule_stats(p, cgid, i, &st);
		json_array_append_new(
			rules, json_pack("{s:s, s:I, s:I, s:I, s:o}", "rule", text, "matched",
					 (json_int_t)st.matched, "applied", (json_int_t)st.applied,
					 "failed", (json_int_t)st.failed, "last_error",
					 st.failed ? json_string(strerror((int)st.last_errno)) :
						     json_null()));
	}
	return json_pack("{s:o, s:I, s:o}", "cgroup", rel ? json_string(rel) : json_null(), "id",
			 (json_int_t)cgid, "rules", rules);
}

struct profile_walk {
	struct pins *p;
	json_t *out;
	__u64 only;
};

static int collect_profile(const char *rel, __u64 id, void *ctx)
{
	struct profile_walk *w = ctx;
	struct mptcpify_profile prof;

	if ((!w->only || w->only == id) && !bpf_map_lookup_elem(w->p->profile_fd, &id, &prof))
		json_array_append_new(w->out, profile_json(w->p, rel, id, &prof));
	return 0;
}

json_t *subflow_profiles_json(struct pins *p, const char *mount, __u64 only)
{
	struct profile_walk w = {.p = p, .out = json_array(), .only = only};
	struct mptcpify_profile prof;
	__u64 key, *prev = NULL;

	if (mount && mount[0])
		cgroup_walk(mount, collect_profile, &w);
	/* Profiles whose cgroup is gone show with a null path. */
	while (!bpf_map_get_next_key(p->profile_fd, prev, &key)) {
		prev = &key;
		if ((only && only != key) || bpf_map_lookup_elem(p->profile_fd, &key, &prof))
			continue;
		if (!json_array_has_id(w.out, key))
			json_array_append_new(w.out, profile_json(p, NULL, key, &prof));
	}
	return w.out;
}

void subflow_profiles_plain(json_t *profiles)
{
	json_t *prof, *rule, *cg, *err;
	size_t i, j;

	json_array_foreach (profiles, i, prof) {
		cg = json_object_get(prof, "cgroup");
		printf("%s\n", json_is_null(cg) ? "(cgroup removed)" : json_string_value(cg));
		json_array_foreach (json_object_get(prof, "rules"), j, rule) {
			err = json_object_get(rule, "last_error");
			printf("  %zu: %s\n     matched %lld, applied %lld, failed %lld%s%s\n",
			       j + 1, json_string_value(json_object_get(rule, "rule")),
			       (long long)json_integer_value(json_object_get(rule, "matched")),
			       (long long)json_integer_value(json_object_get(rule, "applied")),
			       (long long)json_integer_value(json_object_get(rule, "failed")),
			       json_is_null(err) ? "" : ", last error: ",
			       json_is_null(err) ? "" : json_string_value(err));
		}
	}
}

static void show_plain(json_t *r)
{
	json_t *profiles = json_object_get(r, "profiles");

	if (!json_array_size(profiles))
		puts("no subflow profile");
	subflow_profiles_plain(profiles);
}

static int subflow_set(int argc, char **argv)
{
	char mount[PATH_MAX], cc[1024], joined[4096], err[256], *texts[MPTCPIFY_MAX_RULES + 1];
	struct mptcpify_profile prof;
	const char *why = NULL;
	struct cgroup_ref cg;
	bool unloaded;
	struct pins p;
	__u64 key;
	int n, rc;

	if (argc < 3)
		return usage(argc < 2 ? "missing CGROUP" : "missing RULE");
	n = split_rules(argc - 2, argv + 2, joined, sizeof(joined), texts, MPTCPIFY_MAX_RULES + 1);
	if (n == 0)
		return usage("missing RULE");
	if (n < 0)
		return usage("too many or too long rules");
	if (read_available_cc(cc, sizeof(cc)))
		cc[0] = '\0';
	if (rules_parse_all(n, texts, cc[0] ? cc : NULL, &prof, err, sizeof(err))) {
		p_err(0, "a rule reads: [MATCH...] -> OPTION VALUE... (see README)", "%s", err);
		return EXIT_USAGE;
	}
	if (cmd_need_root() || cmd_resolve(argv[1], mount, &cg) || cmd_open_pins(&p, PINS_CREATE))
		return EXIT_FAIL;
	policy_prune(&p, mount);
	rc = pins_ensure_link(&p, PINS_LINK_SUBFLOW, mount, &why);
	/* The profile first: if the map is full, the old counters stay. */
	if (!rc && bpf_map_update_elem(p.profile_fd, &cg.id, &prof, BPF_ANY)) {
		rc = -errno;
		why = rc == -E2BIG ? "too many subflow profiles" : "cannot store the profile";
		policy_release_unused(&p, &unloaded);
		if (bpf_map_get_next_key(p.profile_fd, NULL, &key))
			pins_drop_link(&p, PINS_LINK_SUBFLOW);
	}
	if (!rc)
		rc = profile_reset_stats(&p, cg.id, prof.nrules);
	if (rc) {
		p_err(-rc, "run with -v for libbpf's messages", "%s",
		      why ? why : "cannot reset the rule counters");
		pins_close(&p);
		return EXIT_FAIL;
	}
	emit(json_pack("{s:o}", "profiles", subflow_profiles_json(&p, mount, cg.id)), show_plain);
	pins_close(&p);
	return EXIT_OK;
}

static int subflow_show(int argc, char **argv)
{
	char mount[PATH_MAX] = "";
	struct cgroup_ref cg = {};
	struct pins p;
	json_t *profiles;
	int err;

	if (argc > 2)
		return usage("expected at most one CGROUP");
	if (cmd_need_root() || (argc == 2 && cmd_resolve(argv[1], mount, &cg)))
		return EXIT_FAIL;
	if (argc < 2 && cgroup2_mount(mount, sizeof(mount)))
		mount[0] = '\0';
	err = cmd_open_pins(&p, PINS_READ);
	if (err && err != -ENOENT)
		return EXIT_FAIL;
	profiles = err ? json_array() : subflow_profiles_json(&p, mount, cg.id);
	if (!err)
		pins_close(&p);
	if (argc == 2 && !json_array_size(profiles)) {
		json_decref(profiles);
		p_err(ENOENT, "see 'mptcpify subflow show'", "'%s' has no subflow profile",
		      argv[1]);
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

static int subflow_clear(int argc, char **argv)
{
	char mount[PATH_MAX];
	struct cgroup_ref cg;
	struct pins p;
	bool unloaded = false;
	__u64 key;
	int err;

	if (argc != 2)
		return usage(argc < 2 ? "missing CGROUP" : "expected one CGROUP");
	if (cmd_need_root() || cmd_resolve(argv[1], mount, &cg))
		return EXIT_FAIL;
	err = cmd_open_pins(&p, PINS_READ);
	if (err == -ENOENT || (!err && bpf_map_delete_elem(p.profile_fd, &cg.id))) {
		if (!err)
			pins_close(&p);
		p_err(ENOENT, "see 'mptcpify subflow show'", "'%s' has no subflow profile",
		      argv[1]);
		return EXIT_FAIL;
	}
	if (err)
		return EXIT_FAIL;
	profile_reset_stats(&p, cg.id, 0);
	policy_prune(&p, mount);
	if (bpf_map_get_next_key(p.profile_fd, NULL, &key))
		pins_drop_link(&p, PINS_LINK_SUBFLOW);
	err = policy_release_unused(&p, &unloaded);
	pins_close(&p);
	if (err) {
		p_err(-err, NULL, "cannot release the programs");
		return EXIT_FAIL;
	}
	emit(json_pack("{s:s, s:I, s:b}", "cgroup", cg.rel, "id", (json_int_t)cg.id, "unloaded",
		       unloaded),
	     clear_plain);
	return EXIT_OK;
}

int do_subflow(int argc, char **argv)
{
	static const struct cmd subs[] = {
		{"set", subflow_set, SHAPE_WORDS, "set CGROUP RULE..."},
		{"show", subflow_show, SHAPE_WORDS, "show [CGROUP]"},
		{"clear", subflow_clear, SHAPE_WORDS, "clear CGROUP"},
	};
	const struct cmd *sub;
	struct cmd_args a;
	int ambiguous;

	argc = take_output_flags(argc, argv, &a);
	if (argc < 2)
		return usage("missing subflow command (set, show or clear)");
	sub = cmd_lookup(subs, sizeof(subs) / sizeof(subs[0]), argv[1], &ambiguous);
	if (!sub)
		return usage(ambiguous ? "ambiguous subflow command" : "unknown subflow command");
	return sub->fn(argc - 1, argv + 1);
}
