// SPDX-License-Identifier: GPL-2.0
/*
 * bench_fill PIN_DIR N: make the pinned policy map hold N entries, the
 * extra ones for cgroup ids no cgroup will ever have (ids count up from 1
 * and are never reused). They never match; they only make the map as big as
 * a node with N configured cgroups. The next attach or detach prunes them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <bpf/bpf.h>
#include <linux/types.h>
#include "mptcpify.h"

int main(int argc, char **argv)
{
	struct mptcpify_policy entry = {.mode = MPTCPIFY_MODE_REWRITE};
	__u64 key, have = 0, *prev = NULL, want;
	char path[4096];
	int fd;

	if (argc != 3)
		return fprintf(stderr, "usage: bench_fill PIN_DIR N\n"), 64;
	want = strtoull(argv[2], NULL, 10);
	snprintf(path, sizeof(path), "%s/maps/policy", argv[1]);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return perror(path), 1;
	while (!bpf_map_get_next_key(fd, prev, &key)) {
		have++;
		prev = &key;
	}
	for (key = (1ULL << 62) + have; have < want; have++, key++)
		if (bpf_map_update_elem(fd, &key, &entry, BPF_ANY))
			return perror("bpf_map_update_elem"), 1;
	return 0;
}
