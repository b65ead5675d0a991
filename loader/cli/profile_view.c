// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>
#include "profile_view.h"
#include "core/counters.h"
#include "core/entries.h"
#include "core/output.h"
#include "core/pinstore.h"
#include "core/rules.h"

static json_t *profile_json(struct pins *p, const char *rel, __u64 cgid,
			    const struct mptcpify_profile *prof)
{
	struct mptcpify_rule_stats st;
	json_t *rules = json_array();
	char text[512];
	__u32 i;

	for (i = 0; i < prof->nrules && i < MPTCPIFY_MAX_RULES; i++) {
		if (rules_format(&prof->rules[i], text, sizeof(text)) < 0)
			snprintf(text, sizeof(text), "(rule %u)", i + 1);
		counters_rule_stats_read(p, cgid, i, &st);
		json_array_append_new(
			rules, json_pack("{s:s, s:I, s:I, s:I, s:o}", "rule", text, "matched",
					 (json_int_t)st.matched, "applied", (json_int_t)st.applied,
					 "failed", (json_int_t)st.failed, "last_error",
					 st.failed ? json_string(strerror((int)st.last_errno)) :
						     json_null()));
	}
	return json_pack("{s:o, s:I, s:o}", "cgroup", json_text(rel), "id", (json_int_t)cgid,
			 "rules", rules);
}

struct collect {
	struct pins *p;
	json_t *out;
};

static void collect(const char *rel, __u64 cgid, void *ctx)
{
	struct collect *c = ctx;
	struct mptcpify_profile prof;

	if (!entries_profile_get(c->p, cgid, &prof))
		json_array_append_new(c->out, profile_json(c->p, rel, cgid, &prof));
}

json_t *profile_view_json(struct pins *p, const char *cgroup2, __u64 only, const char *only_rel)
{
	struct collect c = {.p = p, .out = json_array()};

	if (only)
		collect(only_rel, only, &c);
	else
		entries_walk(p->profile_fd, cgroup2, collect, &c);
	return c.out;
}

void profile_view_plain(json_t *profiles)
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
