/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which subflow rule applies to a subflow, as pure functions shared by the
 * sockops program and the unit tests. Needs mptcpify.h first; no includes.
 */
#ifndef MPTCPIFY_RULE_MATCH_H
#define MPTCPIFY_RULE_MATCH_H

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

#endif /* MPTCPIFY_RULE_MATCH_H */
