/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Subflow profiles: per-cgroup rules that set socket options on each subflow
 * of an MPTCP connection. Shared by the sockops program, the loader and the
 * unit tests; needs mptcpify.h first, no includes.
 */
#ifndef MPTCPIFY_SUBFLOW_H
#define MPTCPIFY_SUBFLOW_H

#define MPTCPIFY_MAX_RULES 8
#define MPTCPIFY_NAME_MAX 16 /* TCP_CA_NAME_MAX and IFNAMSIZ alike */

/* What a rule matches. Every flag set must hold; no flag matches all. */
enum mptcpify_match {
	MPTCPIFY_MATCH_INITIAL = 1 << 0, /* the connection's first subflow */
	MPTCPIFY_MATCH_JOIN = 1 << 1,	 /* an additional (MP_JOIN) subflow */
	MPTCPIFY_MATCH_NTH = 1 << 2,	 /* the nth subflow, 1 being the initial one */
	MPTCPIFY_MATCH_LOCAL = 1 << 3,	 /* local address within a prefix */
	MPTCPIFY_MATCH_REMOTE = 1 << 4,	 /* remote address within a prefix */
	MPTCPIFY_MATCH_LPORT = 1 << 5,
	MPTCPIFY_MATCH_RPORT = 1 << 6,
	MPTCPIFY_MATCH_ACTIVE = 1 << 7,	 /* this side connected */
	MPTCPIFY_MATCH_PASSIVE = 1 << 8, /* this side accepted */
};

/* An address prefix. IPv4 is kept as ::ffff:a.b.c.d so both compare alike. */
struct mptcpify_prefix {
	__u8 addr[16];
	__u8 len; /* bits, counted on the 128-bit mapped form */
	__u8 pad[3];
};

/* Options a rule sets, each through bpf_setsockopt() on the subflow. */
enum mptcpify_action {
	MPTCPIFY_SET_MARK = 1 << 0,	     /* SO_MARK */
	MPTCPIFY_SET_CC = 1 << 1,	     /* TCP_CONGESTION */
	MPTCPIFY_SET_TOS = 1 << 2,	     /* IP_TOS, or IPV6_TCLASS on IPv6 */
	MPTCPIFY_SET_PRIORITY = 1 << 3,	     /* SO_PRIORITY */
	MPTCPIFY_SET_KEEPALIVE = 1 << 4,     /* SO_KEEPALIVE = 1 */
	MPTCPIFY_SET_KEEPIDLE = 1 << 5,	     /* TCP_KEEPIDLE, seconds */
	MPTCPIFY_SET_KEEPINTVL = 1 << 6,     /* TCP_KEEPINTVL, seconds */
	MPTCPIFY_SET_KEEPCNT = 1 << 7,	     /* TCP_KEEPCNT */
	MPTCPIFY_SET_USER_TIMEOUT = 1 << 8,  /* TCP_USER_TIMEOUT, ms */
	MPTCPIFY_SET_NOTSENT_LOWAT = 1 << 9, /* TCP_NOTSENT_LOWAT, bytes */
	MPTCPIFY_SET_PACING_RATE = 1 << 10,  /* SO_MAX_PACING_RATE, bytes/s */
	MPTCPIFY_SET_DEVICE = 1 << 11,	     /* SO_BINDTODEVICE, by name */
	MPTCPIFY_SET_ALL = (1 << 12) - 1,
};

struct mptcpify_rule {
	__u32 match; /* enum mptcpify_match */
	__u32 nth;
	struct mptcpify_prefix local;
	struct mptcpify_prefix remote;
	__u16 lport; /* host byte order */
	__u16 rport;
	__u32 actions; /* enum mptcpify_action */
	__u32 mark;
	__u32 tos;
	__u32 priority;
	__u32 keepidle;
	__u32 keepintvl;
	__u32 keepcnt;
	__u32 user_timeout;
	__u32 notsent_lowat;
	__u32 pacing_rate;
	__u32 pad;
	char cc[MPTCPIFY_NAME_MAX];
	char device[MPTCPIFY_NAME_MAX];
};

/* Value of the "profile" map, keyed by cgroup id: first matching rule wins. */
struct mptcpify_profile {
	__u32 nrules;
	__u32 owner; /* enum mptcpify_owner: the daemon removes only its own */
	struct mptcpify_rule rules[MPTCPIFY_MAX_RULES];
};

/* Key and per-CPU value of the "rule_stats" map. */
struct mptcpify_rule_key {
	__u64 cgid;
	__u32 rule;
	__u32 pad;
};

struct mptcpify_rule_stats {
	__u64 matched; /* subflows the rule was the first match for */
	__u64 applied; /* options set */
	__u64 failed;  /* options bpf_setsockopt() refused */
	__s64 last_errno;
	__u64 last_fail_ns; /* when, to find the latest over CPUs */
};

/* What the sockops program knows of a subflow when it asks for a rule. */
struct mptcpify_subflow {
	__u8 local[16]; /* IPv4 mapped as ::ffff:a.b.c.d */
	__u8 remote[16];
	__u16 lport;
	__u16 rport;
	__u32 nth; /* 1 for the initial subflow */
	__u8 join;
	__u8 passive;
	__u8 pad[2];
};

static inline int mptcpify_in_prefix(const __u8 *addr, const struct mptcpify_prefix *p)
{
	int i, bits;

	for (i = 0; i < 16; i++) {
		bits = (int)p->len - i * 8;
		if (bits <= 0)
			return 1;
		if (bits >= 8) {
			if (addr[i] != p->addr[i])
				return 0;
		} else if ((addr[i] ^ p->addr[i]) & (0xff00 >> bits)) {
			return 0;
		}
	}
	return 1;
}

static inline int mptcpify_rule_matches(const struct mptcpify_rule *r,
					const struct mptcpify_subflow *sf)
{
	__u32 m = r->match;

	if ((m & MPTCPIFY_MATCH_INITIAL) && sf->join)
		return 0;
	if ((m & MPTCPIFY_MATCH_JOIN) && !sf->join)
		return 0;
	if ((m & MPTCPIFY_MATCH_NTH) && sf->nth != r->nth)
		return 0;
	if ((m & MPTCPIFY_MATCH_ACTIVE) && sf->passive)
		return 0;
	if ((m & MPTCPIFY_MATCH_PASSIVE) && !sf->passive)
		return 0;
	if ((m & MPTCPIFY_MATCH_LPORT) && sf->lport != r->lport)
		return 0;
	if ((m & MPTCPIFY_MATCH_RPORT) && sf->rport != r->rport)
		return 0;
	if ((m & MPTCPIFY_MATCH_LOCAL) && !mptcpify_in_prefix(sf->local, &r->local))
		return 0;
	if ((m & MPTCPIFY_MATCH_REMOTE) && !mptcpify_in_prefix(sf->remote, &r->remote))
		return 0;
	return 1;
}

#endif /* MPTCPIFY_SUBFLOW_H */
