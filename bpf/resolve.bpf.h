/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Whose entry decides for a cgroup: its nearest configured ancestor (itself
 * included). One walk serves every program, whether the cgroup is the
 * calling task's (socket() and its creation) or a socket's (subflows carry
 * their MPTCP socket's cgroup, whichever kernel thread handles them).
 */
#ifndef MPTCPIFY_RESOLVE_BPF_H
#define MPTCPIFY_RESOLVE_BPF_H

/*
 * The entry of @map (keyed by cgroup id) nearest to @cg, or NULL; its
 * cgroup id in *found. Levels 0..MPTCPIFY_MAX_DEPTH-1 are looked at, and
 * the cgroup itself when it is deeper: see MPTCPIFY_MAX_DEPTH.
 */
static __always_inline void *nearest_entry(void *map, struct cgroup *cg, __u64 *found)
{
	struct cgroup *anc;
	void *entry, *best = NULL;
	int level, i;
	__u64 id;

	if (!cg)
		return NULL;
	level = BPF_CORE_READ(cg, level);
	for (i = 0; i < MPTCPIFY_MAX_DEPTH; i++) {
		if (i > level || bpf_probe_read_kernel(&anc, sizeof(anc), &cg->ancestors[i]))
			break;
		id = BPF_CORE_READ(anc, kn, id);
		entry = bpf_map_lookup_elem(map, &id);
		if (entry) {
			best = entry;
			*found = id;
		}
	}
	if (level >= MPTCPIFY_MAX_DEPTH) {
		id = BPF_CORE_READ(cg, kn, id);
		entry = bpf_map_lookup_elem(map, &id);
		if (entry) {
			best = entry;
			*found = id;
		}
	}
	return best;
}

/* The cgroup v2 cgroup of the calling task. */
static __always_inline struct cgroup *current_cgroup(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	return BPF_CORE_READ(task, cgroups, dfl_cgrp);
}

/* The policy mode of @cg's nearest entry, and that entry's cgroup id. */
static __always_inline __u32 policy_of(struct cgroup *cg, __u64 *policy_cgid)
{
	struct mptcpify_policy *entry = nearest_entry(&policy, cg, policy_cgid);

	return entry ? entry->mode : MPTCPIFY_MODE_NONE;
}

/*
 * The calling task's policy, through the direct-mapped cache: one inlined
 * array access when the answer is known, one walk when it is not (or when a
 * policy change bumped the generation since).
 */
static __always_inline __u32 resolve_current(__u64 *policy_cgid)
{
	struct mptcpify_resolved hit, *slot;
	struct mptcpify_state *st;
	__u64 cgid = bpf_get_current_cgroup_id(), found = 0;
	__u32 zero = 0, key, gen, mode;

	st = bpf_map_lookup_elem(&state, &zero);
	key = cgid & (MPTCPIFY_CACHE_ENTRIES - 1);
	slot = bpf_map_lookup_elem(&cache, &key);
	if (!st || !slot)
		return MPTCPIFY_MODE_NONE;
	/* Read the generation before the policy: a change racing with us
	 * leaves an answer of the old generation, recomputed next time. */
	gen = st->gen;

	hit = *slot;
	if (hit.cgid == cgid && hit.gen == gen &&
	    hit.check == mptcpify_resolved_check(hit.cgid, hit.policy_cgid, hit.mode, hit.gen)) {
		*policy_cgid = hit.policy_cgid;
		return hit.mode;
	}

	mode = policy_of(current_cgroup(), &found);
	slot->cgid = cgid;
	slot->policy_cgid = found;
	slot->mode = mode;
	slot->gen = gen;
	slot->check = mptcpify_resolved_check(cgid, found, mode, gen);
	*policy_cgid = found;
	return mode;
}

/* Bump @policy_cgid's counter for @verdict; MPTCPIFY_IGNORED counts nothing. */
static __always_inline void count(__u64 policy_cgid, enum mptcpify_verdict verdict)
{
	struct mptcpify_stats *s;

	if (verdict >= MPTCPIFY_VERDICT_NR)
		return;
	/* The loader creates the entry with the policy; no allocation here. */
	s = bpf_map_lookup_elem(&stats, &policy_cgid);
	/* Atomic: with full preemption two tasks may share this CPU's slot. */
	if (s)
		__sync_fetch_and_add(&s->count[verdict], 1);
}

#endif /* MPTCPIFY_RESOLVE_BPF_H */
