// SPDX-License-Identifier: GPL-2.0
/*
 * The sockops program: per-subflow socket options from per-cgroup profiles.
 *
 * mptcpify_subflow sees every TCP socket of the node at connect (active) and
 * when established by accept (passive). For MPTCP subflows (initial and
 * MP_JOIN alike) it finds the profile of the nearest configured ancestor of
 * the socket's cgroup — subflows carry their MPTCP socket's cgroup — and
 * applies the first rule that matches with bpf_setsockopt(). A refused option
 * is counted, never fatal: the subflow carries on.
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

	ctx = (void *)BPF_CORE_READ(tp, inet_conn.icsk_ulp_data);
	sf->join = BPF_CORE_READ_BITFIELD_PROBED(ctx, request_join) ||
		   BPF_CORE_READ_BITFIELD_PROBED(ctx, mp_join);
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

SEC("sockops")
int mptcpify_subflow(struct bpf_sock_ops *skops)
{
	struct mptcpify_rule_key key = {};
	struct mptcpify_subflow sf = {};
	struct mptcpify_profile *prof;
	struct bpf_sock *sk;
	struct tcp_sock *tp;
	__u32 i;

	if (skops->op != BPF_SOCK_OPS_TCP_CONNECT_CB &&
	    skops->op != BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB)
		return 1;
	sk = skops->sk;
	if (!sk || !bpf_skc_to_mptcp_sock(sk)) /* only MPTCP subflows */
		return 1;
	tp = bpf_skc_to_tcp_sock(sk);
	if (!tp)
		return 1;
	prof = nearest_entry(
		&profile, BPF_CORE_READ(tp, inet_conn.icsk_inet.sk.sk_cgrp_data.cgroup), &key.cgid);
	if (!prof)
		return 1;
	describe(skops, tp, &sf);
	for (i = 0; i < MPTCPIFY_MAX_RULES && i < prof->nrules; i++) {
		if (mptcpify_rule_matches(&prof->rules[i], &sf)) {
			key.rule = i;
			apply(skops, &prof->rules[i], bpf_map_lookup_elem(&rule_stats, &key));
			break;
		}
	}
	return 1;
}
