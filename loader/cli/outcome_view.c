// SPDX-License-Identifier: GPL-2.0
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "outcome_view.h"
#include "core/compat.h"
#include "core/probe.h"

static const char *const ops[] = {"set", "get", "send"};

static json_t *refused_json(const struct tally *t)
{
	json_t *list = json_array();
	const struct tally_item *it;
	char name[48];

	for (it = t->items; it < t->items + t->n; it++)
		json_array_append_new(
			list,
			json_pack("{s:s, s:s, s:i, s:s, s:b, s:I}", "option",
				  compat_option_name(it->level, it->optname, it->dir, name,
						     sizeof(name)),
				  "op", ops[it->dir < 3 ? it->dir : 2], "errno", it->err, "error",
				  it->err ? strerror(it->err) : "accepted, not honoured",
				  "predicted", it->predicted, "count", (json_int_t)it->count));
	return list;
}

static json_t *reasons_json(const struct tally *t)
{
	const struct tally_item *it;
	json_t *o = json_object();
	char name[64];

	for (it = t->items; it < t->items + t->n; it++)
		json_object_set_new(o, probe_mib_name(it->reason, name, sizeof(name)),
				    json_integer((json_int_t)it->count));
	return o;
}

/* {"initial": {"sent": N, "received": N}, "additional": {...}} */
static json_t *bytes_json(const struct mptcpify_bytes *b)
{
	static const char *const paths[MPTCPIFY_PATH_NR] = {"initial", "additional"};
	json_t *o = json_object();
	int i;

	for (i = 0; i < MPTCPIFY_PATH_NR; i++)
		json_object_set_new(o, paths[i],
				    json_pack("{s:I, s:I}", "sent", (json_int_t)b->sent[i],
					      "received", (json_int_t)b->received[i]));
	return o;
}

void outcome_view_json(const struct entry_counters *c, json_t *entry)
{
	json_t *o = json_object(), *subflows = json_array(), *escaped = json_object();
	char verdict[512];
	int i;

	for (i = 0; i < MPTCPIFY_ESCAPE_NR; i++)
		if (counters_escape_name(i))
			json_object_set_new(escaped, counters_escape_name(i),
					    json_integer((json_int_t)c->escapes.count[i]));
	json_object_set_new(entry, "escaped", escaped);
	for (i = 0; i < MPTCPIFY_OUTCOME_NR; i++)
		if (counters_outcome_name(i))
			json_object_set_new(o, counters_outcome_name(i),
					    json_integer((json_int_t)c->outcomes.count[i]));
	/* [n - 1]: connections that had at least n subflows. */
	for (i = 0; i < MPTCPIFY_SUBFLOW_BUCKETS; i++)
		json_array_append_new(subflows, json_integer((json_int_t)c->outcomes.subflows[i]));
	json_object_set_new(o, "connections_by_subflows", subflows);
	json_object_set_new(entry, "outcomes", o);
	json_object_set_new(entry, "bytes", bytes_json(&c->bytes));
	json_object_set_new(entry, "refused", refused_json(&c->compat));
	json_object_set_new(entry, "fallback_reasons", reasons_json(&c->fallbacks));
	json_object_set_new(entry, "verdict",
			    json_string(outcome_view_verdict(entry, verdict, sizeof(verdict))));
}

static long long num(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* The refusals of one kind, most frequent first, as "; refused: A x3, B x1". */
static size_t refusals(json_t *refused, bool predicted, char *buf, size_t len)
{
	json_t *items[64], *r;
	size_t i, j, n = 0, used = 0;

	json_array_foreach (refused, i, r)
		if (n < 64 && json_is_true(json_object_get(r, "predicted")) == predicted)
			items[n++] = r;
	for (i = 1; i < n; i++) /* insertion sort: a few dozen at most */
		for (j = i; j > 0 && num(items[j], "count") > num(items[j - 1], "count"); j--) {
			r = items[j];
			items[j] = items[j - 1];
			items[j - 1] = r;
		}
	for (i = 0; i < n && used < len; i++) {
		const char *op = json_string_value(json_object_get(items[i], "op"));

		used += snprintf(buf + used, len - used, "%s%s%s x%lld",
				 i	   ? ", " :
				 predicted ? "; would refuse: " :
					     "; refused: ",
				 json_string_value(json_object_get(items[i], "option")),
				 strcmp(op, "get") ? "" : " (get)", num(items[i], "count"));
	}
	return used;
}

/* The bytes of one path of @entry, both ways. */
static long long path_bytes(json_t *entry, const char *path)
{
	json_t *p = json_object_get(json_object_get(entry, "bytes"), path);

	return num(p, "sent") + num(p, "received");
}

/* "N TCP sockets escaped (hook_skipped x, io_uring y); ", or nothing. */
static size_t escaped(json_t *entry, char *buf, size_t len)
{
	json_t *e = json_object_get(entry, "escaped"), *n;
	long long total = 0;
	const char *cause;
	size_t used;
	int k = 0;

	json_object_foreach (e, cause, n)
		total += json_integer_value(n);
	if (!total)
		return 0;
	used = snprintf(buf, len, "%lld TCP socket%s escaped MPTCP (", total,
			total == 1 ? "" : "s");
	json_object_foreach (e, cause, n)
		if (json_integer_value(n) && used < len)
			used += snprintf(buf + used, len - used, "%s%s %lld", k++ ? ", " : "",
					 cause, (long long)json_integer_value(n));
	if (used < len)
		used += snprintf(buf + used, len - used, "); ");
	return used < len ? used : len - 1;
}

const char *outcome_view_verdict(json_t *entry, char *buf, size_t len)
{
	json_t *o = json_object_get(entry, "outcomes");
	long long mptcp = num(o, "mptcp_active") + num(o, "mptcp_passive");
	long long active = num(o, "fell_back_active"), passive = num(o, "fell_back_passive");
	long long total = mptcp + active + passive, bytes, extra;
	size_t used = escaped(entry, buf, len);

	if (total)
		used += snprintf(buf + used, len - used,
				 "%lld%% MPTCP end to end (%lld connections)", mptcp * 100 / total,
				 total);
	else
		used += snprintf(buf + used, len - used, "no connection seen yet");
	if (used < len && active && passive)
		used += snprintf(
			buf + used, len - used,
			", %lld%% fell back (%lld: no MP_CAPABLE from peer, %lld: plain-TCP "
			"clients)",
			(active + passive) * 100 / total, active, passive);
	else if (used < len && active + passive)
		used += snprintf(buf + used, len - used, ", %lld%% fell back (%s)",
				 (active + passive) * 100 / total,
				 active ? "no MP_CAPABLE from peer" : "plain-TCP clients");
	extra = path_bytes(entry, "additional");
	bytes = path_bytes(entry, "initial") + extra;
	if (used < len && bytes)
		used += snprintf(buf + used, len - used,
				 ", %lld%% of bytes over additional subflows",
				 (long long)((double)extra * 100 / (double)bytes));
	if (used < len)
		used += refusals(json_object_get(entry, "refused"), false, buf + used, len - used);
	if (used < len)
		refusals(json_object_get(entry, "refused"), true, buf + used, len - used);
	return buf;
}
