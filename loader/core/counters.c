// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "counters.h"

static const char *const names[MPTCPIFY_VERDICT_NR] = {
	[MPTCPIFY_REWRITTEN] = "rewritten",	  [MPTCPIFY_EXCLUDED] = "excluded",
	[MPTCPIFY_UNAVAILABLE] = "unavailable",	  [MPTCPIFY_NON_TCP] = "non_tcp",
	[MPTCPIFY_NATIVE] = "native_mptcp",	  [MPTCPIFY_AUDIT_TCP] = "tcp_created",
	[MPTCPIFY_AUDIT_MPTCP] = "mptcp_created",
};

const char *verdict_name(int v)
{
	return v >= 0 && v < MPTCPIFY_VERDICT_NR ? names[v] : NULL;
}

void stats_sum(const struct mptcpify_stats *percpu, int ncpus, struct mptcpify_stats *out)
{
	int cpu, i;

	memset(out, 0, sizeof(*out));
	for (cpu = 0; cpu < ncpus; cpu++)
		for (i = 0; i < MPTCPIFY_VERDICT_NR; i++)
			out->count[i] += percpu[cpu].count[i];
}

void stats_to_json(const struct mptcpify_stats *s, json_t *obj)
{
	int i;

	for (i = 0; i < MPTCPIFY_VERDICT_NR; i++)
		if (names[i])
			json_object_set_new(obj, names[i], json_integer((json_int_t)s->count[i]));
}

void *percpu_alloc(size_t value_size, int *ncpus)
{
	*ncpus = libbpf_num_possible_cpus();
	return *ncpus > 0 ? calloc(*ncpus, value_size) : NULL;
}

int stats_read(struct pins *p, __u64 cgid, struct mptcpify_stats *out)
{
	struct mptcpify_stats *percpu;
	int ncpus, err = 0;

	memset(out, 0, sizeof(*out));
	percpu = percpu_alloc(sizeof(*percpu), &ncpus);
	if (!percpu)
		return -ENOMEM;
	if (bpf_map_lookup_elem(p->stats_fd, &cgid, percpu))
		err = -errno;
	else
		stats_sum(percpu, ncpus, out);
	free(percpu);
	return err;
}

void rule_stats_read(struct pins *p, __u64 cgid, __u32 rule, struct mptcpify_rule_stats *out)
{
	struct mptcpify_rule_key key = {.cgid = cgid, .rule = rule};
	struct mptcpify_rule_stats *percpu;
	int ncpus, cpu;

	memset(out, 0, sizeof(*out));
	percpu = percpu_alloc(sizeof(*percpu), &ncpus);
	if (!percpu)
		return;
	if (!bpf_map_lookup_elem(p->rule_stats_fd, &key, percpu)) {
		for (cpu = 0; cpu < ncpus; cpu++) {
			out->matched += percpu[cpu].matched;
			out->applied += percpu[cpu].applied;
			out->failed += percpu[cpu].failed;
			/* The latest failure over all CPUs tells the errno. */
			if (percpu[cpu].last_fail_ns > out->last_fail_ns) {
				out->last_fail_ns = percpu[cpu].last_fail_ns;
				out->last_errno = percpu[cpu].last_errno;
			}
		}
	}
	free(percpu);
}

int rule_stats_reset(struct pins *p, __u64 cgid, __u32 n)
{
	struct mptcpify_rule_key key = {.cgid = cgid};
	struct mptcpify_rule_stats *zero;
	int ncpus, err = 0;

	zero = percpu_alloc(sizeof(*zero), &ncpus);
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

void entry_counters_read(struct pins *p, __u64 cgid, struct entry_counters *out)
{
	struct mptcpify_rule_stats rs;
	struct mptcpify_profile prof;
	__u32 i;

	memset(out, 0, sizeof(*out));
	stats_read(p, cgid, &out->sockets);
	out->profile = !bpf_map_lookup_elem(p->profile_fd, &cgid, &prof);
	for (i = 0; out->profile && i < prof.nrules && i < MPTCPIFY_MAX_RULES; i++) {
		rule_stats_read(p, cgid, i, &rs);
		out->subflow_applied += rs.applied;
		out->subflow_failed += rs.failed;
	}
}

void entry_counters_add(struct entry_counters *to, const struct entry_counters *from)
{
	int i;

	for (i = 0; i < MPTCPIFY_VERDICT_NR; i++)
		to->sockets.count[i] += from->sockets.count[i];
	to->subflow_applied += from->subflow_applied;
	to->subflow_failed += from->subflow_failed;
}
