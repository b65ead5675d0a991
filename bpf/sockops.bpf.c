// SPDX-License-Identifier: GPL-2.0
/*
 * The sockops program, mptcpify_sockops: per-subflow socket options, and
 * what became of the connections.
 *
 * It sees every TCP socket below its attach points (attachplan.h) as it
 * connects, listens and is established. Subflows carry their MPTCP
 * socket's cgroup, so both go to the nearest configured ancestor of the
 * socket's cgroup, whichever kernel thread handles the subflow, never to
 * whatever task happens to be current.
 *
 * Options: for MPTCP subflows (initial and MP_JOIN alike), at connect (so a
 * mark routes the SYN) and when an accepted one is established, the first
 * rule of the nearest profile that matches, with bpf_setsockopt(). A
 * refused option is counted, never fatal: the subflow carries on.
 *
 * Outcomes: at establishment, an initial subflow that negotiated
 * MP_CAPABLE is a connection MPTCP end to end; one that asked and was not
 * answered fell back. An accepted plain TCP socket fell back when its
 * listener was MPTCP and ours: those are noted as they start listening.
 * MP_JOIN subflows count as their handshake completes and, watched to
 * their close, as failed (never fully established) or closed.
 *
 * Bytes by path: every MPTCP subflow of a configured cgroup is watched to
 * its close, where its tcp_sock counters (bytes_acked sent, bytes_received)
 * are added to the entry's initial or additional count. The subflows of
 * one connection are all seen here, which the MPTCP socket alone does not
 * tell.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "kconst.h"
#include "mptcpify.h"
#include "rule_match.h"
#include "maps.bpf.h"
#include "resolve.bpf.h"

/* @tp's subflow context: a plain load, as @tp is a BTF pointer. */
static __always_inline struct mptcp_subflow_context *subflow_of(struct tcp_sock *tp)
{
	return (void *)tp->inet_conn.icsk_ulp_data;
}

static __always_inline bool is_join(struct mptcp_subflow_context *ctx)
{
	return BPF_CORE_READ_BITFIELD_PROBED(ctx, request_join) ||
	       BPF_CORE_READ_BITFIELD_PROBED(ctx, mp_join);
}

/* Addresses as ::ffff:a.b.c.d for IPv4, ports in host order. */
static __always_inline void describe(struct bpf_sock_ops *skops, struct tcp_sock *tp,
				     struct mptcpify_subflow *sf)
{
	/*
	 * Every ctx field is read once, straight-line, with a constant offset:
	 * read inside the family branches, clang merges the loads into one
	 * ctx pointer plus a computed offset, which the verifier refuses.
	 */
	__u32 l6[4] = {skops->local_ip6[0], skops->local_ip6[1], skops->local_ip6[2],
		       skops->local_ip6[3]};
	__u32 r6[4] = {skops->remote_ip6[0], skops->remote_ip6[1], skops->remote_ip6[2],
		       skops->remote_ip6[3]};
	__u32 l4 = skops->local_ip4, r4 = skops->remote_ip4, family = skops->family;
	struct mptcp_subflow_context *ctx;

	if (family == AF_INET) {
		sf->local[10] = sf->local[11] = sf->remote[10] = sf->remote[11] = 0xff;
		__builtin_memcpy(&sf->local[12], &l4, 4);
		__builtin_memcpy(&sf->remote[12], &r4, 4);
	} else {
		__builtin_memcpy(sf->local, l6, 16);
		__builtin_memcpy(sf->remote, r6, 16);
	}
	sf->lport = skops->local_port;
	sf->rport = bpf_ntohl(skops->remote_port); /* the port sits in the top half */
	sf->passive = skops->op == BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB;

	ctx = subflow_of(tp);
	sf->join = is_join(ctx);
	/* subflow_id (6.7+) numbers a connection's subflows from 1. */
	if (bpf_core_field_exists(ctx->subflow_id))
		sf->nth = BPF_CORE_READ(ctx, subflow_id);
	else
		sf->nth = sf->join ? 2 : 1;
}

static __always_inline void tally(struct mptcpify_rule_stats *st, long err)
{
	if (!st)
		return;
	if (!err) {
		__sync_fetch_and_add(&st->applied, 1);
		return;
	}
	__sync_fetch_and_add(&st->failed, 1);
	st->last_errno = -err;
	st->last_fail_ns = bpf_ktime_get_ns();
}

#define SET_INT(flag, level, opt, field)                                               \
	do {                                                                           \
		if (r->actions & (flag)) {                                             \
			int v_ = r->field;                                             \
			tally(st, bpf_setsockopt(skops, level, opt, &v_, sizeof(v_))); \
		}                                                                      \
	} while (0)

static __always_inline void apply(struct bpf_sock_ops *skops, struct mptcpify_rule *r,
				  struct mptcpify_rule_stats *st)
{
	int one = 1;

	if (st)
		__sync_fetch_and_add(&st->matched, 1);
	SET_INT(MPTCPIFY_SET_MARK, SOL_SOCKET, SO_MARK, mark);
	SET_INT(MPTCPIFY_SET_PRIORITY, SOL_SOCKET, SO_PRIORITY, priority);
	if (skops->family == AF_INET)
		SET_INT(MPTCPIFY_SET_TOS, SOL_IP, IP_TOS, tos);
	else
		SET_INT(MPTCPIFY_SET_TOS, SOL_IPV6, IPV6_TCLASS, tos);
	if (r->actions & MPTCPIFY_SET_KEEPALIVE)
		tally(st, bpf_setsockopt(skops, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)));
	SET_INT(MPTCPIFY_SET_KEEPIDLE, SOL_TCP, TCP_KEEPIDLE, keepidle);
	SET_INT(MPTCPIFY_SET_KEEPINTVL, SOL_TCP, TCP_KEEPINTVL, keepintvl);
	SET_INT(MPTCPIFY_SET_KEEPCNT, SOL_TCP, TCP_KEEPCNT, keepcnt);
	SET_INT(MPTCPIFY_SET_USER_TIMEOUT, SOL_TCP, TCP_USER_TIMEOUT, user_timeout);
	SET_INT(MPTCPIFY_SET_NOTSENT_LOWAT, SOL_TCP, TCP_NOTSENT_LOWAT, notsent_lowat);
	SET_INT(MPTCPIFY_SET_PACING_RATE, SOL_SOCKET, SO_MAX_PACING_RATE, pacing_rate);
	if (r->actions & MPTCPIFY_SET_CC)
		tally(st, bpf_setsockopt(skops, SOL_TCP, TCP_CONGESTION, r->cc, sizeof(r->cc)));
	if (r->actions & MPTCPIFY_SET_DEVICE)
		tally(st, bpf_setsockopt(skops, SOL_SOCKET, SO_BINDTODEVICE, r->device,
					 sizeof(r->device)));
}

/*
 * Apply @r if it matches @sf: 1 if it did. A global function, so the
 * verifier checks it once; inlined in the rule loop, each rule would
 * multiply the paths the verifier walks through the ones before it.
 */
__noinline int try_rule(struct bpf_sock_ops *skops, struct mptcpify_rule *r,
			const struct mptcpify_subflow *sf, struct mptcpify_rule_stats *st)
{
	if (!skops || !r || !sf || !mptcpify_rule_matches(r, sf))
		return 0;
	apply(skops, r, st);
	return 1;
}

/*
 * The first rule of the nearest profile that matches the subflow, applied.
 * @cgid is the socket's cgroup.
 */
static __always_inline void set_options(struct bpf_sock_ops *skops, struct tcp_sock *tp, __u64 cgid)
{
	struct mptcpify_rule_key key = {};
	struct mptcpify_subflow sf = {};
	struct mptcpify_profile *prof;
	__u32 i;

	key.cgid = sock_answer(tp, cgid, true);
	prof = key.cgid ? bpf_map_lookup_elem(&profile, &key.cgid) : NULL;
	if (!prof)
		return;
	describe(skops, tp, &sf);
	for (i = 0; i < MPTCPIFY_MAX_RULES && i < prof->nrules; i++) {
		key.rule = i;
		if (try_rule(skops, &prof->rules[i], &sf, bpf_map_lookup_elem(&rule_stats, &key)))
			break;
	}
}

static __always_inline struct mptcpify_listener_key listener_of(struct bpf_sock_ops *skops)
{
	struct mptcpify_listener_key key = {.port = skops->local_port};

	key.netns = bpf_get_netns_cookie(skops);
	return key;
}

/* An MPTCP socket of a configured cgroup (@entry) starts listening: note its port. */
static __always_inline void listening(struct bpf_sock_ops *skops, __u64 entry)
{
	struct mptcpify_listener_key key = listener_of(skops);
	__u8 one = 1;

	if (entry)
		bpf_map_update_elem(&listeners, &key, &one, BPF_ANY);
}

/*
 * A subflow (or an accepted plain socket) of a configured cgroup is
 * established: the outcome, counted for its deciding entry @cgid.
 */
static __always_inline void established(struct bpf_sock_ops *skops, struct tcp_sock *tp, bool mptcp,
					bool passive, __u64 cgid)
{
	struct mptcp_subflow_context *ctx;
	struct mptcpify_listener_key key;
	__u32 nth;

	if (!mptcp) {
		key = listener_of(skops);
		if (passive && bpf_map_lookup_elem(&listeners, &key))
			count_outcome(cgid, MPTCPIFY_FELL_BACK_PASSIVE, 0);
		return;
	}
	ctx = subflow_of(tp);
	if (!ctx)
		return;
	/*
	 * An MP_CAPABLE subflow is never a join (the kernel sets one or the
	 * other at the handshake): asked first, the common case costs one
	 * read of the context, where each probed read is a helper call.
	 */
	if (BPF_CORE_READ_BITFIELD_PROBED(ctx, mp_capable)) {
		count_outcome(cgid, passive ? MPTCPIFY_MPTCP_PASSIVE : MPTCPIFY_MPTCP_ACTIVE, 1);
	} else if (is_join(ctx)) {
		/* subflow_id (6.7+) numbers a connection's subflows from 1. */
		nth = bpf_core_field_exists(ctx->subflow_id) ? BPF_CORE_READ(ctx, subflow_id) : 0;
		count_outcome(cgid, MPTCPIFY_JOIN_ESTABLISHED, nth ? nth : 2);
	} else if (!passive && BPF_CORE_READ_BITFIELD_PROBED(ctx, request_mptcp)) {
		count_outcome(cgid, MPTCPIFY_FELL_BACK_ACTIVE, 0);
	}
}

/*
 * Add a closing subflow's bytes to @cgid's count for @path, the first one
 * making the counters: entries of a build before "bytes" have none yet.
 */
static __always_inline void count_bytes(__u64 cgid, struct tcp_sock *tp, __u32 path)
{
	struct mptcpify_bytes *b, one = {};
	__u64 sent = tp->bytes_acked, received = tp->bytes_received;

	if (!sent && !received)
		return;
	path &= MPTCPIFY_PATH_NR - 1;
	b = bpf_map_lookup_elem(&bytes, &cgid);
	if (!b) {
		one.sent[path] = sent;
		one.received[path] = received;
		if (!bpf_map_update_elem(&bytes, &cgid, &one, BPF_NOEXIST))
			return;
		b = bpf_map_lookup_elem(&bytes, &cgid);
		if (!b)
			return;
	}
	__sync_fetch_and_add(&b->sent[path], sent);
	__sync_fetch_and_add(&b->received[path], received);
}

/*
 * A watched subflow closed (the caller checked): its bytes, by path. A
 * join failed if it never became fully established: no SYN-ACK, or the
 * peer refused it after the handshake (its subflow limit, a bad HMAC).
 * Otherwise it served and closed.
 */
static __always_inline void closing(struct bpf_sock_ops *skops, struct tcp_sock *tp, __u64 cgid)
{
	struct mptcp_subflow_context *ctx;
	bool served;

	ctx = subflow_of(tp);
	if (!ctx)
		return;
	if (!is_join(ctx)) {
		count_bytes(cgid, tp, MPTCPIFY_PATH_INITIAL);
		return;
	}
	count_bytes(cgid, tp, MPTCPIFY_PATH_ADDITIONAL);
	/* A bit on older kernels, a bool since 6.11: the probed read takes both. */
	served = skops->args[0] != BPF_TCP_SYN_SENT &&
		 BPF_CORE_READ_BITFIELD_PROBED(ctx, fully_established);
	count_outcome(cgid, served ? MPTCPIFY_JOIN_CLOSED : MPTCPIFY_JOIN_FAILED, 0);
}

/*
 * The socket's cgroup id. @tp is a BTF pointer: plain loads, which the
 * verifier turns into faulting-safe ones, where bpf_probe_read_kernel()
 * would be a helper call each.
 */
static __always_inline __u64 cgroup_id_of(struct tcp_sock *tp)
{
	return tp->inet_conn.icsk_inet.sk.sk_cgrp_data.cgroup->kn->id;
}

SEC("sockops")
int mptcpify_sockops(struct bpf_sock_ops *skops)
{
	__u32 op = skops->op;
	struct bpf_sock *sk;
	struct tcp_sock *tp;
	__u64 cgid, entry;
	bool mptcp;

	if (op != BPF_SOCK_OPS_TCP_CONNECT_CB && op != BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB &&
	    op != BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB && op != BPF_SOCK_OPS_TCP_LISTEN_CB &&
	    op != BPF_SOCK_OPS_STATE_CB)
		return 1;
	/* A watched subflow changes state about five times: only its close counts. */
	if (op == BPF_SOCK_OPS_STATE_CB && skops->args[1] != BPF_TCP_CLOSE)
		return 1;
	sk = skops->sk;
	tp = sk ? bpf_skc_to_tcp_sock(sk) : NULL;
	if (!tp)
		return 1;
	mptcp = bpf_skc_to_mptcp_sock(sk) != NULL;
	cgid = cgroup_id_of(tp);
	switch (op) {
	case BPF_SOCK_OPS_TCP_CONNECT_CB:
		if (!mptcp)
			break;
		set_options(skops, tp, cgid);
		/* Every subflow is watched to its close (its bytes, a join's fate). */
		if (sock_answer(tp, cgid, false))
			bpf_sock_ops_cb_flags_set(skops, BPF_SOCK_OPS_STATE_CB_FLAG);
		break;
	case BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB:
		if (mptcp)
			set_options(skops, tp, cgid);
		entry = sock_answer(tp, cgid, false);
		if (!entry)
			break;
		established(skops, tp, mptcp, true, entry);
		/* Passive subflows are watched from here; active ones from connect. */
		if (mptcp)
			bpf_sock_ops_cb_flags_set(skops, BPF_SOCK_OPS_STATE_CB_FLAG);
		break;
	case BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB:
		entry = sock_answer(tp, cgid, false);
		if (entry)
			established(skops, tp, mptcp, false, entry);
		break;
	case BPF_SOCK_OPS_TCP_LISTEN_CB:
		if (mptcp)
			listening(skops, sock_answer(tp, cgid, false));
		break;
	case BPF_SOCK_OPS_STATE_CB:
		entry = sock_answer(tp, cgid, false);
		if (entry)
			closing(skops, tp, entry);
		break;
	}
	return 1;
}
