// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "cgroup.h"
#include "policy.h"
#include "stats.h"
#include "subflow.h"

int policy_get(struct pins *p, __u64 cgid, struct mptcpify_policy *out)
{
	return bpf_map_lookup_elem(p->policy_fd, &cgid, out) ? -errno : 0;
}

/* Zeroed counters for a new entry: the BPF side never allocates. */
static int stats_create(struct pins *p, __u64 cgid)
{
	struct mptcpify_stats *zero;
	int ncpus, err;

	zero = percpu_alloc(sizeof(*zero), &ncpus);
	if (!zero)
		return -ENOMEM;
	err = bpf_map_update_elem(p->stats_fd, &cgid, zero, BPF_NOEXIST);
	err = err && errno != EEXIST ? -errno : 0;
	free(zero);
	return err;
}

int policy_set(struct pins *p, __u64 cgid, __u32 mode, __u32 owner, const char *cgroup2,
	       bool *changed, const char **why)
{
	struct mptcpify_policy old, entry = {.mode = mode, .owner = owner};
	int err;

	*changed = true;
	if (!policy_get(p, cgid, &old) && old.mode == mode && old.owner == owner)
		*changed = false;
	err = pins_ensure_link(p, pins_link_of_mode(mode), cgroup2, why);
	if (err || !*changed)
		return err;
	err = stats_create(p, cgid);
	if (!err && bpf_map_update_elem(p->policy_fd, &cgid, &entry, BPF_ANY))
		err = -errno;
	if (err) {
		*why = err == -E2BIG ? "too many configured cgroups" :
				       "cannot update the policy map";
		return err;
	}
	return pins_bump_gen(p);
}

int policy_count(struct pins *p, unsigned int counts[4])
{
	struct mptcpify_policy entry;
	__u64 key, *prev = NULL;

	memset(counts, 0, 4 * sizeof(counts[0]));
	while (!bpf_map_get_next_key(p->policy_fd, prev, &key)) {
		if (!bpf_map_lookup_elem(p->policy_fd, &key, &entry) && entry.mode < 4)
			counts[entry.mode]++;
		prev = &key;
	}
	return 0;
}

int policy_delete(struct pins *p, __u64 cgid)
{
	int err;

	if (bpf_map_delete_elem(p->policy_fd, &cgid))
		return -errno;
	err = pins_bump_gen(p);
	bpf_map_delete_elem(p->stats_fd, &cgid);
	return err;
}

int policy_remove(struct pins *p, __u64 cgid, bool *unloaded)
{
	int err;

	*unloaded = false;
	err = policy_delete(p, cgid);
	return err ? err : policy_release_unused(p, unloaded);
}

int policy_release(struct pins *p, unsigned int keep_links, bool *unloaded)
{
	unsigned int counts[4];
	__u64 key;

	*unloaded = false;
	policy_count(p, counts);
	if (!keep_links && !counts[MPTCPIFY_MODE_REWRITE] && !counts[MPTCPIFY_MODE_AUDIT] &&
	    !counts[MPTCPIFY_MODE_EXCLUDE] && bpf_map_get_next_key(p->profile_fd, NULL, &key)) {
		*unloaded = true;
		return pins_unload(p);
	}
	if (!counts[MPTCPIFY_MODE_REWRITE] && !(keep_links & (PINS_LINK_BIT(PINS_LINK_REWRITE))))
		pins_drop_link(p, PINS_LINK_REWRITE);
	if (!counts[MPTCPIFY_MODE_AUDIT] && !(keep_links & (PINS_LINK_BIT(PINS_LINK_AUDIT))))
		pins_drop_link(p, PINS_LINK_AUDIT);
	if (!(keep_links & (PINS_LINK_BIT(PINS_LINK_SUBFLOW))) &&
	    bpf_map_get_next_key(p->profile_fd, NULL, &key))
		pins_drop_link(p, PINS_LINK_SUBFLOW);
	return 0;
}

int policy_release_unused(struct pins *p, bool *unloaded)
{
	return policy_release(p, 0, unloaded);
}

/*
 * Delete the keys of map @fd (u64 cgroup ids) whose cgroup is gone. Found
 * first, deleted after: deleting under get_next_key restarts the walk.
 */
static int prune_map(int fd, int mount_fd, void (*gone)(struct pins *, __u64), struct pins *p)
{
	__u64 key, *prev = NULL, *dead = NULL, *grown;
	size_t n = 0, cap = 0, i;

	while (!bpf_map_get_next_key(fd, prev, &key)) {
		prev = &key;
		if (cgroup_id_alive(mount_fd, key) != 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			grown = realloc(dead, cap * sizeof(*dead));
			if (!grown)
				break;
			dead = grown;
		}
		dead[n++] = key;
	}
	for (i = 0; i < n; i++)
		if (!bpf_map_delete_elem(fd, &dead[i]))
			gone(p, dead[i]);
	free(dead);
	return (int)n;
}

static void policy_gone(struct pins *p, __u64 cgid)
{
	bpf_map_delete_elem(p->stats_fd, &cgid);
}

static void profile_gone(struct pins *p, __u64 cgid)
{
	struct mptcpify_rule_key key = {.cgid = cgid};

	for (key.rule = 0; key.rule < MPTCPIFY_MAX_RULES; key.rule++)
		bpf_map_delete_elem(p->rule_stats_fd, &key);
}

int policy_prune(struct pins *p, const char *cgroup2)
{
	int mount_fd, n;

	mount_fd = open(cgroup2, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (mount_fd < 0)
		return -errno;
	n = prune_map(p->policy_fd, mount_fd, policy_gone, p);
	n += prune_map(p->profile_fd, mount_fd, profile_gone, p);
	close(mount_fd);
	if (n)
		pins_bump_gen(p);
	return n;
}

void profile_rule_stats(struct pins *p, __u64 cgid, __u32 rule, struct mptcpify_rule_stats *out)
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

int profile_reset_stats(struct pins *p, __u64 cgid, __u32 n)
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

int profile_put(struct pins *p, __u64 cgid, const struct mptcpify_profile *prof,
		const char *cgroup2, bool *changed, const char **why)
{
	struct mptcpify_profile old;
	int err;

	*changed =
		bpf_map_lookup_elem(p->profile_fd, &cgid, &old) || memcmp(&old, prof, sizeof(old));
	err = pins_ensure_link(p, PINS_LINK_SUBFLOW, cgroup2, why);
	if (err || !*changed)
		return err;
	if (bpf_map_update_elem(p->profile_fd, &cgid, prof, BPF_ANY)) {
		err = -errno;
		*why = err == -E2BIG ? "too many subflow profiles" : "cannot store the profile";
		return err;
	}
	return profile_reset_stats(p, cgid, prof->nrules);
}

int profile_delete(struct pins *p, __u64 cgid)
{
	if (bpf_map_delete_elem(p->profile_fd, &cgid))
		return -errno;
	return profile_reset_stats(p, cgid, 0);
}
