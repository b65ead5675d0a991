// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "counters.h"
#include "growarray.h"

static const char *const names[MPTCPIFY_VERDICT_NR] = {
	[MPTCPIFY_REWRITTEN] = "rewritten",	  [MPTCPIFY_EXCLUDED] = "excluded",
	[MPTCPIFY_UNAVAILABLE] = "unavailable",	  [MPTCPIFY_NON_TCP] = "non_tcp",
	[MPTCPIFY_NATIVE] = "native_mptcp",	  [MPTCPIFY_AUDIT_TCP] = "tcp_created",
	[MPTCPIFY_AUDIT_MPTCP] = "mptcp_created", [MPTCPIFY_INCOMPATIBLE] = "incompatible",
};

static const char *const outcome_names[MPTCPIFY_OUTCOME_NR] = {
	[MPTCPIFY_MPTCP_ACTIVE] = "mptcp_active",
	[MPTCPIFY_MPTCP_PASSIVE] = "mptcp_passive",
	[MPTCPIFY_FELL_BACK_ACTIVE] = "fell_back_active",
	[MPTCPIFY_FELL_BACK_PASSIVE] = "fell_back_passive",
	[MPTCPIFY_JOIN_ESTABLISHED] = "joins_established",
	[MPTCPIFY_JOIN_FAILED] = "joins_failed",
	[MPTCPIFY_JOIN_CLOSED] = "joins_closed",
};

static const char *const escape_names[MPTCPIFY_ESCAPE_NR] = {
	[MPTCPIFY_ESCAPE_HOOK_SKIPPED] = "hook_skipped",
	[MPTCPIFY_ESCAPE_IO_URING] = "io_uring",
	[MPTCPIFY_ESCAPE_OTHER] = "other",
};

const char *counters_escape_name(int e)
{
	return e >= 0 && e < MPTCPIFY_ESCAPE_NR ? escape_names[e] : NULL;
}

const char *counters_outcome_name(int o)
{
	return o >= 0 && o < MPTCPIFY_OUTCOME_NR ? outcome_names[o] : NULL;
}

const char *counters_verdict_name(int v)
{
	return v >= 0 && v < MPTCPIFY_VERDICT_NR ? names[v] : NULL;
}

void counters_percpu_sum(const void *percpu, int ncpus, void *out, size_t size)
{
	const __u64 *v = percpu;
	size_t i, words = size / sizeof(__u64);
	__u64 *sum = out;
	int cpu;

	memset(out, 0, size);
	for (cpu = 0; cpu < ncpus; cpu++)
		for (i = 0; i < words; i++)
			sum[i] += v[cpu * words + i];
}

void counters_stats_json(const struct mptcpify_stats *s, json_t *obj)
{
	int i;

	for (i = 0; i < MPTCPIFY_VERDICT_NR; i++)
		if (names[i])
			json_object_set_new(obj, names[i], json_integer((json_int_t)s->count[i]));
}

void *counters_percpu_alloc(size_t value_size, int *ncpus)
{
	*ncpus = libbpf_num_possible_cpus();
	return *ncpus > 0 ? calloc(*ncpus, value_size) : NULL;
}

/*
 * @key's value in the per-CPU map @fd, one of @size bytes per CPU, in a
 * buffer to free; *ncpus gets the count. NULL with errno set on error.
 */
static void *percpu_lookup(int fd, const void *key, size_t size, int *ncpus)
{
	void *percpu = counters_percpu_alloc(size, ncpus);
	int err;

	if (!percpu) {
		errno = ENOMEM;
		return NULL;
	}
	if (bpf_map_lookup_elem(fd, key, percpu)) {
		err = errno;
		free(percpu);
		errno = err;
		return NULL;
	}
	return percpu;
}

/*
 * @key's value in the per-CPU map @fd, a struct of @size bytes of __u64
 * counters, summed over CPUs into @out (zeroed when there is none).
 */
static int counters_sum(int fd, const void *key, void *out, size_t size)
{
	void *percpu;
	int ncpus;

	memset(out, 0, size);
	percpu = percpu_lookup(fd, key, size, &ncpus);
	if (!percpu)
		return -errno;
	counters_percpu_sum(percpu, ncpus, out, size);
	free(percpu);
	return 0;
}

int counters_stats_read(struct pins *p, __u64 cgid, struct mptcpify_stats *out)
{
	return counters_sum(p->stats_fd, &cgid, out, sizeof(*out));
}

void counters_rule_stats_read(struct pins *p, __u64 cgid, __u32 rule,
			      struct mptcpify_rule_stats *out)
{
	struct mptcpify_rule_key key = {.cgid = cgid, .rule = rule};
	struct mptcpify_rule_stats *percpu;
	int ncpus, cpu;

	memset(out, 0, sizeof(*out));
	percpu = percpu_lookup(p->rule_stats_fd, &key, sizeof(*percpu), &ncpus);
	if (!percpu)
		return;
	for (cpu = 0; cpu < ncpus; cpu++) {
		out->matched += percpu[cpu].matched;
		out->applied += percpu[cpu].applied;
		out->failed += percpu[cpu].failed;
		/* Not a sum: the latest failure over all CPUs tells the errno. */
		if (percpu[cpu].last_fail_ns > out->last_fail_ns) {
			out->last_fail_ns = percpu[cpu].last_fail_ns;
			out->last_errno = percpu[cpu].last_errno;
		}
	}
	free(percpu);
}

int counters_rule_stats_reset(struct pins *p, __u64 cgid, __u32 n)
{
	struct mptcpify_rule_key key = {.cgid = cgid};
	struct mptcpify_rule_stats *zero;
	int ncpus, err = 0;

	zero = counters_percpu_alloc(sizeof(*zero), &ncpus);
	if (!zero)
		return -ENOMEM;
	for (key.rule = 0; key.rule < MPTCPIFY_MAX_RULES; key.rule++) {
		if (key.rule >= n)
			bpf_map_delete_elem(p->rule_stats_fd, &key);
		else if (bpf_map_update_elem(p->rule_stats_fd, &key, zero, BPF_ANY))
			err = -errno;
	}
	free(zero);
	return err;
}

int counters_create(int fd, __u64 cgid, size_t size)
{
	void *zero;
	int ncpus, err;

	zero = counters_percpu_alloc(size, &ncpus);
	if (!zero)
		return -ENOMEM;
	err = bpf_map_update_elem(fd, &cgid, zero, BPF_NOEXIST);
	err = err && errno != EEXIST ? -errno : 0;
	free(zero);
	return err;
}

int counters_diag_read(struct pins *p, struct mptcpify_diag *out)
{
	__u32 zero = 0;

	return counters_sum(p->diag_fd, &zero, out, sizeof(*out));
}

void entry_counters_read(struct pins *p, __u64 cgid, struct entry_counters *out)
{
	struct mptcpify_rule_stats rs;
	struct mptcpify_profile prof;
	__u32 i;

	memset(out, 0, sizeof(*out));
	counters_stats_read(p, cgid, &out->sockets);
	counters_sum(p->outcomes_fd, &cgid, &out->outcomes, sizeof(out->outcomes));
	counters_sum(p->escapes_fd, &cgid, &out->escapes, sizeof(out->escapes));
	counters_sum(p->bytes_fd, &cgid, &out->bytes, sizeof(out->bytes));
	out->profile = !bpf_map_lookup_elem(p->profile_fd, &cgid, &prof);
	for (i = 0; out->profile && i < prof.nrules && i < MPTCPIFY_MAX_RULES; i++) {
		counters_rule_stats_read(p, cgid, i, &rs);
		out->subflow_applied += rs.applied;
		out->subflow_failed += rs.failed;
	}
}

static bool same_kind(const struct tally_item *a, const struct tally_item *b)
{
	return a->level == b->level && a->optname == b->optname && a->reason == b->reason &&
	       a->dir == b->dir && a->predicted == b->predicted && a->err == b->err;
}

int tally_add(struct tally *t, const struct tally_item *item)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		if (same_kind(&t->items[i], item)) {
			t->items[i].count += item->count;
			return 0;
		}
	}
	if (growarray_reserve(t->items, t->cap, t->n + 1))
		return -ENOMEM;
	t->items[t->n++] = *item;
	return 0;
}

void tally_free(struct tally *t)
{
	free(t->items);
	memset(t, 0, sizeof(*t));
}

void entry_counters_add(struct entry_counters *to, const struct entry_counters *from)
{
	size_t i;

	for (i = 0; i < MPTCPIFY_VERDICT_NR; i++)
		to->sockets.count[i] += from->sockets.count[i];
	for (i = 0; i < MPTCPIFY_OUTCOME_NR; i++)
		to->outcomes.count[i] += from->outcomes.count[i];
	for (i = 0; i < MPTCPIFY_SUBFLOW_BUCKETS; i++)
		to->outcomes.subflows[i] += from->outcomes.subflows[i];
	for (i = 0; i < MPTCPIFY_ESCAPE_NR; i++)
		to->escapes.count[i] += from->escapes.count[i];
	for (i = 0; i < MPTCPIFY_PATH_NR; i++) {
		to->bytes.sent[i] += from->bytes.sent[i];
		to->bytes.received[i] += from->bytes.received[i];
	}
	to->subflow_applied += from->subflow_applied;
	to->subflow_failed += from->subflow_failed;
	for (i = 0; i < from->compat.n; i++)
		tally_add(&to->compat, &from->compat.items[i]);
	for (i = 0; i < from->fallbacks.n; i++)
		tally_add(&to->fallbacks, &from->fallbacks.items[i]);
}

void entry_counters_free(struct entry_counters *c)
{
	tally_free(&c->compat);
	tally_free(&c->fallbacks);
}

/* The tallies of @cgid in @by_cgid, made on first need. */
static struct entry_counters *tallies_of(struct idmap *by_cgid, __u64 cgid)
{
	struct entry_counters *c = idmap_get(by_cgid, cgid);

	if (c)
		return c;
	c = calloc(1, sizeof(*c));
	if (c && idmap_put(by_cgid, cgid, c)) {
		free(c);
		c = NULL;
	}
	return c;
}

/* A per-CPU __u64 count, summed (0 if none). */
static __u64 percpu_count(int fd, const void *key)
{
	__u64 sum;

	counters_sum(fd, key, &sum, sizeof(sum));
	return sum;
}

/*
 * Delete the keys of the cgroup ids in @gone from @fd (keys of @size
 * bytes that start with the cgroup id). Found first, deleted after:
 * deleting under get_next_key restarts the walk.
 */
static int forget_keys(int fd, size_t size, const struct idmap *gone)
{
	char key[32], *keys = NULL;
	size_t n = 0, cap = 0, i;
	void *prev = NULL;
	__u64 cgid;

	for (; !bpf_map_get_next_key(fd, prev, key); prev = key) {
		memcpy(&cgid, key, sizeof(cgid));
		if (!idmap_get(gone, cgid))
			continue;
		if (growarray_grow(&keys, &cap, n + 1, size)) {
			free(keys);
			return -ENOMEM;
		}
		memcpy(keys + n++ * size, key, size);
	}
	for (i = 0; i < n; i++)
		bpf_map_delete_elem(fd, keys + i * size);
	free(keys);
	return 0;
}

int counters_tallies_load(struct pins *p, const struct idmap *only, struct idmap *by_cgid)
{
	struct mptcpify_compat_key ck, *cprev = NULL;
	struct mptcpify_fallback_key fk, *fprev = NULL;
	struct entry_counters *c;
	struct tally_item item;

	for (; !bpf_map_get_next_key(p->compat_fd, cprev, &ck); cprev = &ck) {
		if (only && !idmap_get(only, ck.cgid))
			continue;
		item = (struct tally_item){.level = ck.level,
					   .optname = ck.optname,
					   .dir = ck.dir,
					   .predicted = ck.predicted,
					   .err = ck.err,
					   .count = percpu_count(p->compat_fd, &ck)};
		c = tallies_of(by_cgid, ck.cgid);
		if (!c || tally_add(&c->compat, &item))
			return -ENOMEM;
	}
	for (; !bpf_map_get_next_key(p->fallbacks_fd, fprev, &fk); fprev = &fk) {
		if (only && !idmap_get(only, fk.cgid))
			continue;
		item = (struct tally_item){.reason = fk.reason,
					   .count = percpu_count(p->fallbacks_fd, &fk)};
		c = tallies_of(by_cgid, fk.cgid);
		if (!c || tally_add(&c->fallbacks, &item))
			return -ENOMEM;
	}
	return 0;
}

int counters_tallies_forget(struct pins *p, const struct idmap *gone)
{
	int err = forget_keys(p->compat_fd, sizeof(struct mptcpify_compat_key), gone);

	return err ? err : forget_keys(p->fallbacks_fd, sizeof(struct mptcpify_fallback_key), gone);
}

void counters_tallies_free(struct idmap *by_cgid)
{
	size_t it;
	__u64 key;
	void *val;

	for (it = 0; idmap_next(by_cgid, &it, &key, &val);) {
		entry_counters_free(val);
		free(val);
	}
	idmap_free(by_cgid);
}
