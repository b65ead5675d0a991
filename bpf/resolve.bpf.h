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
 * The cgroup id of @cg's nearest ancestor (itself included) with an entry in
 * @map, 0 when none. Levels 0..MPTCPIFY_MAX_DEPTH-1 are looked at, and the
 * cgroup itself when it is deeper: see MPTCPIFY_MAX_DEPTH.
 */
static __always_inline __u64 nearest_id(void *map, struct cgroup *cg)
{
	struct cgroup *anc;
	__u64 id, best = 0;
	int level, i;

	if (!cg)
		return 0;
	level = BPF_CORE_READ(cg, level);
	for (i = 0; i < MPTCPIFY_MAX_DEPTH; i++) {
		if (i > level || bpf_probe_read_kernel(&anc, sizeof(anc), &cg->ancestors[i]))
			break;
		id = BPF_CORE_READ(anc, kn, id);
		if (bpf_map_lookup_elem(map, &id))
			best = id;
	}
	if (level >= MPTCPIFY_MAX_DEPTH) {
		id = BPF_CORE_READ(cg, kn, id);
		if (bpf_map_lookup_elem(map, &id))
			best = id;
	}
	return best;
}

/*
 * The walk, per map, as global functions: the verifier checks each once,
 * on its own, and every call costs the caller one instruction. Inlined, the
 * walk's 64 exits multiplied what follows it, and two walks in one path of
 * the sockops program went past the verifier's million instructions on
 * 7.3. The cgroup is passed as a number: it comes from bpf_probe_read_kernel()
 * and is read only that way. Weak, so each part of the object may carry them.
 */
__weak __noinline __u64 nearest_policy_id(__u64 cg)
{
	return nearest_id(&policy, (struct cgroup *)cg);
}

__weak __noinline __u64 nearest_profile_id(__u64 cg)
{
	return nearest_id(&profile, (struct cgroup *)cg);
}

/* @cg's deciding policy entry, or NULL; its cgroup id in *found. */
static __always_inline struct mptcpify_policy *policy_entry(struct cgroup *cg, __u64 *found)
{
	__u64 id = nearest_policy_id((__u64)cg);

	*found = id;
	return id ? bpf_map_lookup_elem(&policy, &id) : NULL;
}

/* The cgroup v2 cgroup of the calling task. */
static __always_inline struct cgroup *current_cgroup(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	return BPF_CORE_READ(task, cgroups, dfl_cgrp);
}

/*
 * The policy mode of @cg's nearest entry, and that entry's cgroup id. A
 * rewrite entry whose protection tripped answers MPTCPIFY_MODE_TRIPPED.
 */
static __always_inline __u32 policy_of(struct cgroup *cg, __u64 *policy_cgid)
{
	struct mptcpify_policy *entry = policy_entry(cg, policy_cgid);

	if (!entry)
		return MPTCPIFY_MODE_NONE;
	if (entry->mode == MPTCPIFY_MODE_REWRITE && (entry->flags & MPTCPIFY_TRIPPED))
		return MPTCPIFY_MODE_TRIPPED;
	return entry->mode;
}

/* The cgroup v2 cgroup of a socket (of a subflow: its MPTCP socket's). */
static __always_inline struct cgroup *sock_cgroup(const void *sk)
{
	struct cgroup *cg = NULL;

	bpf_probe_read_kernel(&cg, sizeof(cg), &((struct sock *)sk)->sk_cgrp_data.cgroup);
	return cg;
}

/*
 * What the cache answers for cgroup @cgid: from "cache" its policy mode and
 * deciding entry, or (@profile) from "profile_cache" the cgroup of its
 * nearest subflow profile, with mode NONE. One inlined array access when
 * the answer is known; one walk when it is not, or when a change of the
 * maps bumped the generation since, from the cgroup of socket @sk (NULL:
 * of the calling task), read only then. A mode this build does not know
 * is a miss: builds of one layout share these maps.
 */
static __always_inline __u32 cached(__u64 cgid, const void *sk, bool profile, __u64 *found)
{
	__u32 zero = 0, key, gen, mode = MPTCPIFY_MODE_NONE;
	struct mptcpify_resolved hit, *slot;
	struct mptcpify_state *st;
	struct cgroup *cg;
	__u64 id = 0;

	st = bpf_map_lookup_elem(&state, &zero);
	if (profile) {
		key = cgid & (MPTCPIFY_PROFILE_CACHE_ENTRIES - 1);
		slot = bpf_map_lookup_elem(&profile_cache, &key);
	} else {
		key = cgid & (MPTCPIFY_CACHE_ENTRIES - 1);
		slot = bpf_map_lookup_elem(&cache, &key);
	}
	*found = 0;
	if (!st || !slot)
		return MPTCPIFY_MODE_NONE;
	/* Read the generation before the maps: a change racing with us
	 * leaves an answer of the old generation, recomputed next time. */
	gen = st->gen;

	hit = *slot;
	if (hit.cgid == cgid && hit.gen == gen && hit.mode <= MPTCPIFY_MODE_TRIPPED &&
	    hit.check == mptcpify_resolved_check(hit.cgid, hit.entry_cgid, hit.mode, hit.gen)) {
		*found = hit.entry_cgid;
		return hit.mode;
	}

	cg = sk ? sock_cgroup(sk) : current_cgroup();
	if (profile)
		id = nearest_profile_id((__u64)cg);
	else
		mode = policy_of(cg, &id);
	slot->cgid = cgid;
	slot->entry_cgid = id;
	slot->mode = mode;
	slot->gen = gen;
	slot->check = mptcpify_resolved_check(cgid, id, mode, gen);
	*found = id;
	return mode;
}

/*
 * Does the cache say, for generation @st->gen, that cgroup @cgid has no
 * entry? The hooks ask before their tail call: most callers of socket() on
 * a node are not ours, and for them this is the whole cost.
 */
static __always_inline bool cached_not_ours(const struct mptcpify_state *st, __u64 cgid)
{
	__u32 key = cgid & (MPTCPIFY_CACHE_ENTRIES - 1), gen = st->gen;
	struct mptcpify_resolved hit, *slot;

	slot = bpf_map_lookup_elem(&cache, &key);
	if (!slot)
		return false;
	hit = *slot;
	return hit.cgid == cgid && hit.gen == gen && hit.mode == MPTCPIFY_MODE_NONE &&
	       hit.check == mptcpify_resolved_check(hit.cgid, hit.entry_cgid, hit.mode, hit.gen);
}

/* The calling task's policy mode, its deciding entry in *policy_cgid. */
static __always_inline __u32 resolve_current(__u64 *policy_cgid)
{
	return cached(bpf_get_current_cgroup_id(), NULL, false, policy_cgid);
}

/*
 * Of a socket (of a subflow: its MPTCP socket's) whose cgroup id is @cgid:
 * the cgroup id of its deciding policy entry, 0 when none; or (@profile) of
 * its nearest subflow profile. Through the cache: the sockops program asks
 * on several callbacks of every connection, where a walk each time was most
 * of its cost.
 */
static __always_inline __u64 sock_answer(const void *sk, __u64 cgid, bool profile)
{
	__u64 id = 0;

	if (cgid)
		cached(cgid, sk, profile, &id);
	return id;
}

/* The cgroup id of @sk, through any kernel pointer. */
static __always_inline __u64 sock_cgroup_id(const void *sk)
{
	struct cgroup *cg = sock_cgroup(sk);

	return cg ? BPF_CORE_READ(cg, kn, id) : 0;
}

/* @sk's deciding policy entry, 0 when none. */
static __always_inline __u64 sock_entry(const void *sk)
{
	return sock_answer(sk, sock_cgroup_id(sk), false);
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

/*
 * Bump @policy_cgid's outcome counter @outcome and, unless @nth is 0, the
 * count of subflows that came up as their connection's @nth (1 for the
 * first). The loader made the entry.
 */
static __always_inline void count_outcome(__u64 policy_cgid, int outcome, __u32 nth)
{
	struct mptcpify_outcomes *o = bpf_map_lookup_elem(&outcomes, &policy_cgid);

	if (!o || outcome < 0 || outcome >= MPTCPIFY_OUTCOME_NR)
		return;
	__sync_fetch_and_add(&o->count[outcome], 1);
	if (!nth)
		return;
	if (nth > MPTCPIFY_SUBFLOW_BUCKETS)
		nth = MPTCPIFY_SUBFLOW_BUCKETS;
	__sync_fetch_and_add(&o->subflows[(nth - 1) & (MPTCPIFY_SUBFLOW_BUCKETS - 1)], 1);
}

#endif /* MPTCPIFY_RESOLVE_BPF_H */
