/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The enforcement decision, as one pure function. The BPF program includes
 * this file and so do the unit tests: what is tested is what runs.
 * Needs mptcpify.h first; no other includes.
 */
#ifndef MPTCPIFY_POLICY_H
#define MPTCPIFY_POLICY_H

enum mptcpify_verdict {
	MPTCPIFY_VERDICT_IGNORE = 0,  /* not ours: the kernel decides */
	MPTCPIFY_VERDICT_REWRITE,     /* return IPPROTO_MPTCP */
	MPTCPIFY_VERDICT_EXCLUDED,    /* a TCP socket an exclude entry keeps */
	MPTCPIFY_VERDICT_UNAVAILABLE, /* a TCP socket MPTCP cannot be made for */
	MPTCPIFY_VERDICT_NON_TCP,     /* not an inet stream socket */
	MPTCPIFY_VERDICT_NATIVE,      /* the application asked for MPTCP */
};

/* socket() arguments that mean "a TCP socket": the ones we rewrite. */
static inline int mptcpify_is_tcp(int family, int type, int protocol)
{
	return (family == MPTCPIFY_AF_INET || family == MPTCPIFY_AF_INET6) &&
	       (type & MPTCPIFY_SOCK_TYPE_MASK) == MPTCPIFY_SOCK_STREAM &&
	       (protocol == 0 || protocol == MPTCPIFY_IPPROTO_TCP);
}

static inline int mptcpify_is_mptcp(int family, int type, int protocol)
{
	return (family == MPTCPIFY_AF_INET || family == MPTCPIFY_AF_INET6) &&
	       (type & MPTCPIFY_SOCK_TYPE_MASK) == MPTCPIFY_SOCK_STREAM &&
	       protocol == MPTCPIFY_IPPROTO_MPTCP;
}

/*
 * What to do with socket(family, type, protocol) called from a cgroup whose
 * nearest configured entry has @mode. @type still carries SOCK_NONBLOCK and
 * SOCK_CLOEXEC. @mptcp_available is 0 when MPTCP cannot be created in the
 * caller's network namespace (net.mptcp.enabled=0).
 */
static inline enum mptcpify_verdict mptcpify_decide(__u32 mode, int family, int type, int protocol,
						    int mptcp_available)
{
	if (mode != MPTCPIFY_MODE_REWRITE && mode != MPTCPIFY_MODE_EXCLUDE)
		return MPTCPIFY_VERDICT_IGNORE;
	if (mptcpify_is_mptcp(family, type, protocol))
		return MPTCPIFY_VERDICT_NATIVE;
	if (!mptcpify_is_tcp(family, type, protocol))
		return MPTCPIFY_VERDICT_NON_TCP;
	if (mode == MPTCPIFY_MODE_EXCLUDE)
		return MPTCPIFY_VERDICT_EXCLUDED;
	if (!mptcp_available)
		return MPTCPIFY_VERDICT_UNAVAILABLE;
	return MPTCPIFY_VERDICT_REWRITE;
}

/* The counter a verdict bumps, or -1 for none. */
static inline int mptcpify_verdict_stat(enum mptcpify_verdict verdict)
{
	switch (verdict) {
	case MPTCPIFY_VERDICT_REWRITE:
		return MPTCPIFY_STAT_REWRITTEN;
	case MPTCPIFY_VERDICT_EXCLUDED:
		return MPTCPIFY_STAT_EXCLUDED;
	case MPTCPIFY_VERDICT_UNAVAILABLE:
		return MPTCPIFY_STAT_UNAVAILABLE;
	case MPTCPIFY_VERDICT_NON_TCP:
		return MPTCPIFY_STAT_NON_TCP;
	case MPTCPIFY_VERDICT_NATIVE:
		return MPTCPIFY_STAT_NATIVE;
	default:
		return -1;
	}
}

/*
 * Audit: what a created socket counts as, or -1. Sockets are seen after the
 * protocol is final, so a rewritten one counts as MPTCP.
 */
static inline int mptcpify_audit_stat(__u32 mode, int family, int type, int protocol)
{
	if (mode != MPTCPIFY_MODE_AUDIT)
		return -1;
	if (mptcpify_is_mptcp(family, type, protocol))
		return MPTCPIFY_STAT_AUDIT_MPTCP;
	if (mptcpify_is_tcp(family, type, protocol))
		return MPTCPIFY_STAT_AUDIT_TCP;
	return MPTCPIFY_STAT_NON_TCP;
}

#endif /* MPTCPIFY_POLICY_H */
