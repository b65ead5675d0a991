// SPDX-License-Identifier: GPL-2.0
/*
 * mptcpify: make the TCP sockets of chosen cgroups MPTCP.
 *
 * mptcpify_hook is attached as fmod_ret on update_socket_protocol() (Linux
 * 6.6+) and stays attached: it tail-calls mptcpify_rewrite through the
 * rewrite_impl slot (deciding itself should the call not happen), which
 * returns IPPROTO_MPTCP for the TCP sockets of processes whose nearest
 * configured cgroup says "rewrite". A newer build swaps the slot with one
 * map update: no kernel text is re-patched and no socket() runs without a
 * program. mptcpify_audit runs on cgroup/sock_create
 * and only counts; it works wherever cgroup BPF does.
 *
 * Both resolve the caller's policy the same way: a direct-mapped per-cgroup
 * cache answers with one inlined array access; a miss (or a policy change, which bumps the
 * generation) walks the ancestors once. So the steady-state cost of socket() does not depend on how
 * deep the cgroup is or on how many cgroups are configured.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "mptcpify.h"
#include "policy.h"
#include "subflow.h"

char LICENSE[] SEC("license") = "GPL";

#ifndef MPTCPIFY_BUILD_SALT
#define MPTCPIFY_BUILD_SALT 0
#endif
/* Tells two builds of the same source apart: the tests build a second one
 * to exercise an in-place upgrade. */
const volatile __u32 build_salt = MPTCPIFY_BUILD_SALT;

/*
 * 0 when this kernel has no MPTCP over IPv6 (CONFIG_MPTCP_IPV6=n). The
 * loader finds out with a trial socket(): BTF does not reliably carry a type
 * that only exists with that option.
 */
const volatile __u8 mptcp_ipv6 = 1;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MPTCPIFY_MAX_POLICIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);
	__type(value, struct mptcpify_policy);
} policy SEC(".maps");

/* Not preallocated: a per-CPU prealloc of 128k entries is far too big. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, MPTCPIFY_MAX_POLICIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);
	__type(value, struct mptcpify_stats);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MPTCPIFY_CACHE_ENTRIES);
	__type(key, __u32);
	__type(value, struct mptcpify_resolved);
} cache SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mptcpify_state);
} state SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} rewrite_impl SEC(".maps");

/*
 * net/mptcp/ctrl.c keeps net.mptcp.enabled in a per-netns struct found through
 * net->gen->ptr[mptcp_pernet_id]. The id is a static variable, so it is only
 * visible with CONFIG_KALLSYMS_ALL; weak, so the object still loads without.
 */
extern const void mptcp_pernet_id __ksym __weak;

/* Nearest configured ancestor of the calling task's cgroup, or 0. */
static __always_inline __u32 walk_ancestors(__u64 cgid, __u64 *policy_cgid)
{
	struct mptcpify_policy *entry;
	__u32 mode = MPTCPIFY_MODE_NONE;
	__u64 id;
	int level;

	for (level = 0; level < MPTCPIFY_MAX_DEPTH; level++) {
		id = bpf_get_current_ancestor_cgroup_id(level);
		if (!id)
			return mode;
		entry = bpf_map_lookup_elem(&policy, &id);
		if (entry) {
			mode = entry->mode;
			*policy_cgid = id;
		}
	}
	/* Deeper than we walk: the caller's own entry still counts. */
	entry = bpf_map_lookup_elem(&policy, &cgid);
	if (entry) {
		mode = entry->mode;
		*policy_cgid = cgid;
	}
	return mode;
}

static __always_inline __u32 resolve_policy(__u64 *policy_cgid)
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

	mode = walk_ancestors(cgid, &found);
	slot->cgid = cgid;
	slot->policy_cgid = found;
	slot->mode = mode;
	slot->gen = gen;
	slot->check = mptcpify_resolved_check(cgid, found, mode, gen);
	*policy_cgid = found;
	return mode;
}

static __always_inline void count(__u64 policy_cgid, int stat)
{
	struct mptcpify_stats *s;

	if (stat < 0 || stat >= MPTCPIFY_STAT_NR)
		return;
	/* The loader creates the entry with the policy; no allocation here. */
	s = bpf_map_lookup_elem(&stats, &policy_cgid);
	/* Atomic: with full preemption two tasks may share this CPU's slot. */
	if (s)
		__sync_fetch_and_add(&s->count[stat], 1);
}

/*
 * Can socket(family, SOCK_STREAM, IPPROTO_MPTCP) succeed for the caller?
 * Answers yes when it cannot tell (no KALLSYMS_ALL): see README, "Limits".
 */
static __always_inline int mptcp_available(int family)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct mptcp_pernet *pernet = NULL;
	struct net_generic *gen;
	unsigned int id;
	__u8 enabled = 1;

	if (family == MPTCPIFY_AF_INET6 && !mptcp_ipv6)
		return 0;
	if (!bpf_core_type_exists(struct mptcp_pernet) || !&mptcp_pernet_id)
		return 1;
	if (bpf_probe_read_kernel(&id, sizeof(id), &mptcp_pernet_id))
		return 1;

	/* Trusted BTF pointers: plain (fault-safe) loads, not helper calls. */
	gen = task->nsproxy->net_ns->gen;
	if (!gen || id >= gen->s.len)
		return 1;
	if (bpf_probe_read_kernel(&pernet, sizeof(pernet), &gen->ptr[id]) || !pernet)
		return 1;
	if (bpf_core_read(&enabled, sizeof(enabled), &pernet->mptcp_enabled))
		return 1;
	return enabled != 0;
}

/* The rewrite decision, compiled into both fmod_ret programs below. */
static __always_inline int rewrite(int family, int type, int protocol)
{
	enum mptcpify_verdict verdict;
	__u64 policy_cgid = 0;
	__u32 mode;

	mode = resolve_policy(&policy_cgid);
	if (mode == MPTCPIFY_MODE_NONE)
		return 0;

	verdict = mptcpify_decide(mode, family, type, protocol, 1);
	if (verdict == MPTCPIFY_VERDICT_REWRITE)
		verdict = mptcpify_decide(mode, family, type, protocol, mptcp_available(family));
	count(policy_cgid, mptcpify_verdict_stat(verdict));

	/* 0 lets the kernel (and any other fmod_ret program) keep @protocol. */
	return verdict == MPTCPIFY_VERDICT_REWRITE ? MPTCPIFY_IPPROTO_MPTCP : 0;
}

/*
 * Attached once. It hands over to the rewrite program in the slot, which an
 * upgrade swaps. Should the tail call not happen (an empty slot, or the
 * kernel declining it), the hook decides itself with its own copy of the
 * same code and the same maps, and counts that it had to: no socket()
 * escapes either way.
 */
SEC("fmod_ret/update_socket_protocol")
int BPF_PROG(mptcpify_hook, int family, int type, int protocol)
{
	struct mptcpify_state *st;
	__u32 zero = 0;

	st = bpf_map_lookup_elem(&state, &zero);
	if (st) {
		bpf_tail_call(ctx, &rewrite_impl, st->impl_slot);
		__sync_fetch_and_add(&st->hook_fallbacks, 1);
	}
	return rewrite(family, type, protocol);
}

/* Reached through mptcpify_hook's tail call; never attached itself. */
SEC("fmod_ret/update_socket_protocol")
int BPF_PROG(mptcpify_rewrite, int family, int type, int protocol)
{
	return rewrite(family, type, protocol);
}

SEC("cgroup/sock_create")
int mptcpify_audit(struct bpf_sock *sk)
{
	__u64 policy_cgid = 0;
	__u32 mode;

	mode = resolve_policy(&policy_cgid);
	if (mode != MPTCPIFY_MODE_NONE)
		count(policy_cgid, mptcpify_audit_stat(mode, sk->family, sk->type, sk->protocol));
	return 1; /* never refuse a socket */
}

#include "subflow.bpf.h"
