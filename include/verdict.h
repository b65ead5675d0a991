/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The enforcement decision for one socket() call, as pure functions. The BPF
 * programs include this file and so do the unit tests: what is tested is
 * what runs. Needs kconst.h and mptcpify.h first; no other includes.
 */
#ifndef MPTCPIFY_VERDICT_H
#define MPTCPIFY_VERDICT_H

/* socket() arguments that mean "a TCP socket": the ones we rewrite. */
static inline int mptcpify_is_tcp(int family, int type, int protocol)
{
	return (family == AF_INET || family == AF_INET6) &&
	       (type & SOCK_TYPE_MASK) == SOCK_STREAM && (protocol == 0 || protocol == IPPROTO_TCP);
}

static inline int mptcpify_is_mptcp(int family, int type, int protocol)
{
	return (family == AF_INET || family == AF_INET6) &&
	       (type & SOCK_TYPE_MASK) == SOCK_STREAM && protocol == IPPROTO_MPTCP;
}

/*
 * What to do with socket(family, type, protocol) called from a cgroup whose
 * nearest configured entry has @mode (MPTCPIFY_MODE_TRIPPED for a rewrite
 * entry whose protection tripped). @type still carries SOCK_NONBLOCK and
 * SOCK_CLOEXEC. @mptcp_available is 0 when MPTCP cannot be created in the
 * caller's network namespace (net.mptcp.enabled=0).
 */
static inline enum mptcpify_verdict mptcpify_decide(__u32 mode, int family, int type, int protocol,
						    int mptcp_available)
{
	if (mode != MPTCPIFY_MODE_REWRITE && mode != MPTCPIFY_MODE_EXCLUDE &&
	    mode != MPTCPIFY_MODE_TRIPPED)
		return MPTCPIFY_IGNORED;
	if (mptcpify_is_mptcp(family, type, protocol))
		return MPTCPIFY_NATIVE;
	if (!mptcpify_is_tcp(family, type, protocol))
		return MPTCPIFY_NON_TCP;
	if (mode == MPTCPIFY_MODE_EXCLUDE)
		return MPTCPIFY_EXCLUDED;
	if (mode == MPTCPIFY_MODE_TRIPPED)
		return MPTCPIFY_INCOMPATIBLE;
	if (!mptcp_available)
		return MPTCPIFY_UNAVAILABLE;
	return MPTCPIFY_REWRITTEN;
}

/*
 * Audit: what a created socket counts as. Sockets are seen after the
 * protocol is final, so a rewritten one counts as MPTCP.
 */
static inline enum mptcpify_verdict mptcpify_audit_verdict(__u32 mode, int family, int type,
							   int protocol)
{
	if (mode != MPTCPIFY_MODE_AUDIT)
		return MPTCPIFY_IGNORED;
	if (mptcpify_is_mptcp(family, type, protocol))
		return MPTCPIFY_AUDIT_MPTCP;
	if (mptcpify_is_tcp(family, type, protocol))
		return MPTCPIFY_AUDIT_TCP;
	return MPTCPIFY_NON_TCP;
}

#endif /* MPTCPIFY_VERDICT_H */
