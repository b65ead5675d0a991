// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "stats.h"

static const char *const names[MPTCPIFY_STAT_NR] = {
	[MPTCPIFY_STAT_REWRITTEN] = "rewritten",       [MPTCPIFY_STAT_EXCLUDED] = "excluded",
	[MPTCPIFY_STAT_UNAVAILABLE] = "unavailable",   [MPTCPIFY_STAT_NON_TCP] = "non_tcp",
	[MPTCPIFY_STAT_NATIVE] = "native_mptcp",       [MPTCPIFY_STAT_AUDIT_TCP] = "tcp_created",
	[MPTCPIFY_STAT_AUDIT_MPTCP] = "mptcp_created",
};

const char *stats_name(int idx)
{
	return idx >= 0 && idx < MPTCPIFY_STAT_NR ? names[idx] : NULL;
}

void stats_sum(const struct mptcpify_stats *percpu, int ncpus, struct mptcpify_stats *out)
{
	int cpu, i;

	memset(out, 0, sizeof(*out));
	for (cpu = 0; cpu < ncpus; cpu++)
		for (i = 0; i < MPTCPIFY_STAT_NR; i++)
			out->count[i] += percpu[cpu].count[i];
}

void stats_to_json(const struct mptcpify_stats *s, json_t *obj)
{
	int i;

	for (i = 0; i < MPTCPIFY_STAT_NR; i++)
		if (names[i])
			json_object_set_new(obj, names[i], json_integer((json_int_t)s->count[i]));
}

void *percpu_alloc(size_t value_size, int *ncpus)
{
	*ncpus = libbpf_num_possible_cpus();
	return *ncpus > 0 ? calloc(*ncpus, value_size) : NULL;
}

int stats_read(int fd, __u64 cgid, struct mptcpify_stats *out)
{
	struct mptcpify_stats *percpu;
	int ncpus, err = 0;

	percpu = percpu_alloc(sizeof(*percpu), &ncpus);
	if (!percpu)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &cgid, percpu))
		err = -errno;
	else
		stats_sum(percpu, ncpus, out);
	free(percpu);
	return err;
}
