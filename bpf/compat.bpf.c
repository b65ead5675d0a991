// SPDX-License-Identifier: GPL-2.0
/*
 * Option compatibility: what an MPTCP socket refuses that a TCP socket
 * takes, per configured cgroup.
 *
 * The loader learns, at load, which options this kernel's MPTCP sockets
 * refuse (the "incompat" map): only those count. setsockopt() runs after
 * these programs, so for a setsockopt on an MPTCP socket the refusal is
 * the learned one; getsockopt() runs before, so its errno is the kernel's. On a
 * TCP socket of an audit entry, a call an MPTCP socket would refuse counts
 * as predicted: "these would break if you enforced". Each program costs one
 * map lookup on every other call below its attach points, and nothing
 * elsewhere.
 *
 * An MPTCP socket's refusal trips its entry's protection (on-incompatible:
 * exclude): the entry's later sockets stay TCP.
 *
 * MSG_OOB is seen where sends can be: by fentry on mptcp_sendmsg() (the
 * urgent byte is sent in band, silently) and tcp_sendmsg() (predicted),
 * attached only where trampolines are allowed.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "kconst.h"
#include "mptcpify.h"
#include "maps.bpf.h"
#include "resolve.bpf.h"

/*
 * These programs only watch: optlen 0 tells the kernel to keep the
 * application's own buffer and length, for setsockopt() and getsockopt()
 * alike. Otherwise the kernel would copy the program's view back, and a
 * getsockopt() whose answer is longer than the buffer (a size query such as
 * NETLINK_LIST_MEMBERSHIPS with optlen 0) would fail EFAULT, as would any
 * call past a page. What stays is the kernel's own copy of optlen bytes
 * before a setsockopt program runs: optlen larger than the readable buffer
 * fails EFAULT below an attach point (a documented difference).
 */
static __always_inline void keep_users_call(struct bpf_sockopt *ctx)
{
	ctx->optlen = 0;
}

static __always_inline void count_compat(struct mptcpify_compat_key *key)
{
	__u64 one = 1, *n = bpf_map_lookup_elem(&compat, key);

	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&compat, key, &one, BPF_NOEXIST);
}

/*
 * A refused (or, on TCP, refusable) call: counted for the entry of
 * @policy_cgid, and the entry's protection tripped if it has one.
 */
static __always_inline void refused(__u64 policy_cgid, bool mptcp, __u32 level, __u32 optname,
				    __u16 dir, __s32 err)
{
	struct mptcpify_compat_key key = {.cgid = policy_cgid,
					  .level = level,
					  .optname = optname,
					  .dir = dir,
					  .predicted = !mptcp,
					  .err = err};
	struct mptcpify_policy *entry;
	struct mptcpify_state *st;
	__u32 zero = 0;

	entry = bpf_map_lookup_elem(&policy, &policy_cgid);
	if (!entry || (!mptcp && entry->mode != MPTCPIFY_MODE_AUDIT))
		return;
	count_compat(&key);
	if (!mptcp || !(entry->flags & MPTCPIFY_PROTECT) || (entry->flags & MPTCPIFY_TRIPPED))
		return;
	/* Plain: every writer sets the same bit. */
	entry->flags |= MPTCPIFY_TRIPPED;
	/* Every cached answer is recomputed, and sees it. */
	st = bpf_map_lookup_elem(&state, &zero);
	if (st)
		__sync_fetch_and_add(&st->gen, 1);
}

/*
 * The entry of the calling process's cgroup, 0 when none. A sockopt
 * program may not look into its socket, so the caller (the application
 * that makes the call) stands for the socket's cgroup.
 */
static __always_inline __u64 caller_entry(void)
{
	__u64 cgid = 0;

	return resolve_current(&cgid) != MPTCPIFY_MODE_NONE ? cgid : 0;
}

/* An inet stream socket: 1 for MPTCP, 0 for TCP, -1 for anything else. */
static __always_inline int kind_of(struct bpf_sock *sk)
{
	if (!sk || (sk->family != AF_INET && sk->family != AF_INET6) || sk->type != SOCK_STREAM)
		return -1;
	if (sk->protocol == IPPROTO_MPTCP)
		return 1;
	return sk->protocol == IPPROTO_TCP ? 0 : -1;
}

SEC("cgroup/setsockopt")
int mptcpify_setsockopt(struct bpf_sockopt *ctx)
{
	struct mptcpify_incompat_key key = {
		.level = ctx->level, .optname = ctx->optname, .dir = MPTCPIFY_COMPAT_SET};
	__s32 *err = bpf_map_lookup_elem(&incompat, &key);
	struct bpf_sock *sk = ctx->sk;
	__u64 cgid;
	int kind;

	keep_users_call(ctx);
	if (!err)
		return 1;
	kind = kind_of(sk);
	cgid = kind >= 0 ? caller_entry() : 0;
	if (cgid)
		refused(cgid, kind, key.level, key.optname, MPTCPIFY_COMPAT_SET, *err);
	return 1;
}

SEC("cgroup/getsockopt")
int mptcpify_getsockopt(struct bpf_sockopt *ctx)
{
	struct mptcpify_incompat_key key = {
		.level = ctx->level, .optname = ctx->optname, .dir = MPTCPIFY_COMPAT_GET};
	struct bpf_sock *sk = ctx->sk;
	__s32 *err, retval = ctx->retval;
	__u64 cgid;
	int kind;

	keep_users_call(ctx);
	/* Only what a TCP socket takes: not SOL_MPTCP, nor a TCP refusal too. */
	err = bpf_map_lookup_elem(&incompat, &key);
	kind = err ? kind_of(sk) : -1;
	cgid = kind >= 0 ? caller_entry() : 0;
	if (!cgid)
		return 1;
	/* The kernel answered already: an MPTCP socket's refusal is its own. */
	if (kind == 1 && (retval == -EOPNOTSUPP || retval == -ENOPROTOOPT))
		refused(cgid, true, key.level, key.optname, MPTCPIFY_COMPAT_GET, -retval);
	else if (kind == 0)
		refused(cgid, false, key.level, key.optname, MPTCPIFY_COMPAT_GET, *err);
	return 1;
}

/* A send() with MSG_OOB on an entry's socket, counted as refused on @mptcp ones. */
static __always_inline void count_oob(struct sock *sk, struct msghdr *msg, bool mptcp)
{
	__u64 cgid = msg->msg_flags & MSG_OOB ? sock_entry(sk) : 0;

	if (cgid)
		refused(cgid, mptcp, 0, MSG_OOB, MPTCPIFY_COMPAT_SEND, 0);
}

/* The urgent byte of an MPTCP socket goes in band, and send() says nothing. */
SEC("fentry/mptcp_sendmsg")
int BPF_PROG(mptcpify_oob_mptcp, struct sock *sk, struct msghdr *msg, size_t len)
{
	count_oob(sk, msg, true);
	return 0;
}

SEC("fentry/tcp_sendmsg")
int BPF_PROG(mptcpify_oob_tcp, struct sock *sk, struct msghdr *msg, size_t size)
{
	count_oob(sk, msg, false);
	return 0;
}
