// SPDX-License-Identifier: GPL-2.0
/*
 * The socket() programs: make the TCP sockets of chosen cgroups MPTCP.
 *
 * mptcpify_hook is attached as fmod_ret on update_socket_protocol() (Linux
 * 6.6+), once: a caller the cache knows is not ours leaves at once, anyone
 * else goes on by tail_call_dynamic() to the program in the rewrite_impl
 * slot, mptcpify_rewrite, which decides (rewrite()): IPPROTO_MPTCP for the
 * TCP sockets of processes whose nearest configured cgroup says "rewrite".
 * The hook's code changes only with the cache's layout; an upgrade to
 * another build swaps the slot, which is never empty while the hook is
 * attached. Should the tail call still not happen, the hook counts it and
 * leaves the socket as the application asked, as Cilium does: a socket()
 * never fails because of us.
 *
 * The kernel runs a trampoline program at most once per CPU at a time: a
 * task preempted inside the hook (preemptible kernels) makes the next
 * socket() on that CPU skip it. Hence the backups (MPTCPIFY_BACKUP), each a
 * hook with a recursion guard and a slot of its own in front of the same
 * rewrite(). What makes such skips rare is time: the shorter a caller stays
 * inside a hook, the rarer it is preempted there, hence the cache check
 * before the tail call. Disabling preemption inside the programs does not
 * help: bpf_preempt_enable() is itself a preemption point, still inside
 * the trampoline's guard (README, Limits, has the measurements).
 *
 * mptcpify_audit runs on cgroup/sock_create, which has no such guard, and
 * only counts: in an audit entry's cgroups what was created, in a rewrite
 * entry's the TCP sockets that should have been MPTCP (escapes), and why.
 * It works wherever cgroup BPF does, trampolines or not.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "kconst.h"
#include "mptcpify.h"
#include "verdict.h"
#include "maps.bpf.h"
#include "resolve.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/*
 * The release, in the object: its build id, which says whether a load
 * upgrades the running programs, changes with the release even where the
 * programs compile alike.
 */
const char mptcpify_version[] = MPTCPIFY_VERSION;

/*
 * 0 when this kernel has no MPTCP over IPv6 (CONFIG_MPTCP_IPV6=n). The
 * loader finds out with a trial socket(): BTF does not reliably carry a type
 * that only exists with that option.
 */
const volatile __u8 mptcp_ipv6 = 1;

/*
 * net/mptcp/ctrl.c keeps net.mptcp.enabled in a per-netns struct found through
 * net->gen->ptr[mptcp_pernet_id]. The id is a static variable, so it is only
 * visible with CONFIG_KALLSYMS_ALL; weak, so the object still loads without.
 */
extern const void mptcp_pernet_id __ksym __weak;

/*
 * Can socket(family, SOCK_STREAM, IPPROTO_MPTCP) succeed for the caller?
 * Answers yes when it cannot tell (no KALLSYMS_ALL): see README, "Limits".
 * Read through bpf_probe_read_kernel(), which cgroup programs may call too.
 */
static __always_inline int mptcp_available(int family)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct mptcp_pernet *pernet = NULL;
	struct net_generic *gen;
	unsigned int id, len;
	__u8 enabled = 1;

	if (family == AF_INET6 && !mptcp_ipv6)
		return 0;
	if (!bpf_core_type_exists(struct mptcp_pernet) || !&mptcp_pernet_id)
		return 1;
	if (bpf_probe_read_kernel(&id, sizeof(id), &mptcp_pernet_id))
		return 1;
	gen = BPF_CORE_READ(task, nsproxy, net_ns, gen);
	if (!gen || bpf_core_read(&len, sizeof(len), &gen->s.len) || id >= len)
		return 1;
	if (bpf_probe_read_kernel(&pernet, sizeof(pernet), &gen->ptr[id]) || !pernet)
		return 1;
	if (bpf_core_read(&enabled, sizeof(enabled), &pernet->mptcp_enabled))
		return 1;
	return enabled != 0;
}

/* A rewrite program decided this task's socket() on this CPU: see mptcpify_mark. */
static __always_inline void mark_decided(void)
{
	struct mptcpify_mark *m;
	__u32 zero = 0;

	m = bpf_map_lookup_elem(&marks, &zero);
	if (m)
		m->pid_tgid = bpf_get_current_pid_tgid();
}

/* Did a rewrite program decide the socket() being created? Clears the mark. */
static __always_inline bool take_mark(void)
{
	struct mptcpify_mark *m;
	__u32 zero = 0;
	bool mine;

	m = bpf_map_lookup_elem(&marks, &zero);
	if (!m)
		return false;
	mine = m->pid_tgid == bpf_get_current_pid_tgid();
	m->pid_tgid = 0;
	return mine;
}

/*
 * The decision of every rewrite program: IPPROTO_MPTCP, or 0, which lets the
 * kernel (and any other fmod_ret program) keep @protocol. A @backup counts
 * only what it rewrites, so that whichever hook runs first nothing is
 * counted twice: a rewrite ends the chain (an fmod_ret program that returns
 * non-zero does), and what a backup leaves alone the main rewrite counts,
 * before or after it, where the kernel ran it.
 */
static __always_inline int rewrite(int family, int type, int protocol, bool backup)
{
	enum mptcpify_verdict verdict;
	__u64 policy_cgid = 0;
	__u32 mode;

	mode = resolve_current(&policy_cgid);
	if (mode == MPTCPIFY_MODE_NONE)
		return 0;
	mark_decided();
	/* The netns switch costs a few loads: read it only for a rewrite. */
	verdict = mptcpify_decide(mode, family, type, protocol, 1);
	if (verdict == MPTCPIFY_REWRITTEN)
		verdict = mptcpify_decide(mode, family, type, protocol, mptcp_available(family));
	if (!backup || verdict == MPTCPIFY_REWRITTEN)
		count(policy_cgid, verdict);
	return verdict == MPTCPIFY_REWRITTEN ? IPPROTO_MPTCP : 0;
}

/* Reached through mptcpify_hook's tail call; never attached itself. */
SEC("fmod_ret/update_socket_protocol")
int BPF_PROG(mptcpify_rewrite, int family, int type, int protocol)
{
	return rewrite(family, type, protocol, false);
}

/* The slot was empty: counted where userspace never writes. */
static __always_inline void count_tail_call_miss(void)
{
	struct mptcpify_diag *d;
	__u32 zero = 0;

	d = bpf_map_lookup_elem(&diag, &zero);
	if (d)
		__sync_fetch_and_add(&d->tail_call_misses, 1);
}

/*
 * The one deliberate indirect jump: tail-call the program in @slot. The key
 * (always 0) is read at run time from the state map: with a key the
 * verifier knows, the JIT emits a direct jump, and every update of the slot
 * re-patches kernel text; with one read at run time the jump stays
 * indirect, and an upgrade's swap of the slot is one pointer store.
 * Returns only when the slot is empty.
 */
static __always_inline void tail_call_dynamic(void *ctx, void *slot,
					      const struct mptcpify_state *st)
{
	bpf_tail_call(ctx, slot, st->impl_slot);
}

/* Every hook: a caller the cache knows is not ours leaves; others go on to @slot. */
static __always_inline int hook_body(void *ctx, void *slot)
{
	struct mptcpify_state *st;
	__u32 zero = 0;

	st = bpf_map_lookup_elem(&state, &zero);
	if (!st || cached_not_ours(st, bpf_get_current_cgroup_id()))
		return 0;
	tail_call_dynamic(ctx, slot, st);
	count_tail_call_miss();
	return 0;
}

/*
 * Attached once; an upgrade swaps the slot, and replaces this program only
 * when its own code changed. A caller the cache knows is not ours costs it
 * a lookup: no tail call, no second program's decision.
 */
SEC("fmod_ret/update_socket_protocol")
int BPF_PROG(mptcpify_hook, int family, int type, int protocol)
{
	return hook_body(ctx, &rewrite_impl);
}

/*
 * The backups, each a hook and the program in its slot. The kernel keeps a
 * recursion guard per loaded program, so each backup is a program of its
 * own, from one definition: a socket() stays TCP only when every hook was
 * taken, on its CPU, by a task preempted inside it.
 */
#define MPTCPIFY_BACKUP(hook, rewrite_prog, slot)                      \
	SEC("fmod_ret/update_socket_protocol")                         \
	int BPF_PROG(rewrite_prog, int family, int type, int protocol) \
	{                                                              \
		return rewrite(family, type, protocol, true);          \
	}                                                              \
	SEC("fmod_ret/update_socket_protocol")                         \
	int BPF_PROG(hook, int family, int type, int protocol)         \
	{                                                              \
		return hook_body(ctx, &slot);                          \
	}

MPTCPIFY_BACKUP(mptcpify_hook_backup, mptcpify_rewrite_backup, rewrite_backup)
MPTCPIFY_BACKUP(mptcpify_hook_backup2, mptcpify_rewrite_backup2, rewrite_backup2)
MPTCPIFY_BACKUP(mptcpify_hook_backup3, mptcpify_rewrite_backup3, rewrite_backup3)

/*
 * Is the socket being created on behalf of io_uring? Its workers (io-wq,
 * SQPOLL) say so in their flags. An inline IORING_OP_SOCKET runs inside
 * io_uring_enter(), which holds the ring's uring_lock while it submits: the
 * task owns the mutex of the ring it used last. (The owner field is the
 * task pointer with flags in its low 3 bits; PREEMPT_RT's mutex has none,
 * and CO-RE leaves that kernel's inline case to "hook_skipped".)
 */
static __always_inline bool from_io_uring(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	const struct io_ring_ctx *ring;
	long owner;

	if (BPF_CORE_READ(task, flags) & PF_IO_WORKER)
		return true;
	if (!bpf_core_field_exists(task->io_uring) || !bpf_core_field_exists(struct mutex, owner))
		return false;
	ring = BPF_CORE_READ(task, io_uring, last);
	if (!ring)
		return false;
	owner = BPF_CORE_READ(ring, uring_lock.owner.counter);
	return (owner & ~0x7L) == (long)task;
}

/* Count an escape of @policy_cgid's entry, the first one making its counters. */
static __always_inline void count_escape(__u64 policy_cgid, enum mptcpify_escape cause)
{
	struct mptcpify_escapes *e, one = {};

	e = bpf_map_lookup_elem(&escapes, &policy_cgid);
	if (e) {
		__sync_fetch_and_add(&e->count[cause & (MPTCPIFY_ESCAPE_NR - 1)], 1);
		return;
	}
	/* Pins of a build before "escapes": their entries have none yet. */
	one.count[cause & (MPTCPIFY_ESCAPE_NR - 1)] = 1;
	if (bpf_map_update_elem(&escapes, &policy_cgid, &one, BPF_NOEXIST)) {
		e = bpf_map_lookup_elem(&escapes, &policy_cgid);
		if (e)
			__sync_fetch_and_add(&e->count[cause & (MPTCPIFY_ESCAPE_NR - 1)], 1);
	}
}

SEC("cgroup/sock_create")
int mptcpify_audit(struct bpf_sock *sk)
{
	__u64 policy_cgid = 0;
	bool decided;
	__u32 mode;

	mode = resolve_current(&policy_cgid);
	if (mode == MPTCPIFY_MODE_NONE)
		return 1;
	if (mode != MPTCPIFY_MODE_REWRITE) {
		count(policy_cgid,
		      mptcpify_audit_verdict(mode, sk->family, sk->type, sk->protocol));
		return 1;
	}
	/* What the rewrite would have made MPTCP, and did not. */
	decided = take_mark();
	if (mptcpify_decide(mode, sk->family, sk->type, sk->protocol, 1) == MPTCPIFY_REWRITTEN &&
	    mptcp_available(sk->family))
		count_escape(policy_cgid, from_io_uring() ? MPTCPIFY_ESCAPE_IO_URING :
					  decided	  ? MPTCPIFY_ESCAPE_OTHER :
							    MPTCPIFY_ESCAPE_HOOK_SKIPPED);
	return 1; /* never refuse a socket */
}
