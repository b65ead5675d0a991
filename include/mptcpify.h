/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Types shared by the BPF programs and the loader. No includes: the BPF side
 * gets __u32/__u64 from vmlinux.h, userspace from <linux/types.h>.
 *
 * Every struct here is the value layout of a pinned map. A layout change makes
 * a newer build unable to adopt the pins of an older one, so bump
 * MPTCPIFY_LAYOUT whenever one of them changes.
 */
#ifndef MPTCPIFY_H
#define MPTCPIFY_H

#define MPTCPIFY_LAYOUT 3

/* Sizes of the pinned maps. */
#define MPTCPIFY_MAX_POLICIES 131072 /* configured cgroups */
#define MPTCPIFY_CACHE_ENTRIES 65536 /* slots of the resolution cache; a power of 2 */

/*
 * Ancestors walked on a cache miss. A cgroup nested deeper than this is still
 * matched by its own entry and by those of its first MPTCPIFY_MAX_DEPTH
 * ancestors; the levels in between are not looked at.
 */
#define MPTCPIFY_MAX_DEPTH 64

/* Socket constants, prefixed so they never clash with libc or vmlinux.h. */
#define MPTCPIFY_AF_INET 2
#define MPTCPIFY_AF_INET6 10
#define MPTCPIFY_SOCK_STREAM 1
#define MPTCPIFY_SOCK_TYPE_MASK 0xf
#define MPTCPIFY_IPPROTO_TCP 6
#define MPTCPIFY_IPPROTO_MPTCP 262

enum mptcpify_mode {
	MPTCPIFY_MODE_NONE = 0,	   /* no configured ancestor: not ours */
	MPTCPIFY_MODE_REWRITE = 1, /* TCP stream sockets become MPTCP */
	MPTCPIFY_MODE_AUDIT = 2,   /* count TCP and MPTCP sockets, change nothing */
	MPTCPIFY_MODE_EXCLUDE = 3, /* an exception below a rewrite or audit entry */
};

/* Who made an entry: the daemon removes only its own. */
enum mptcpify_owner {
	MPTCPIFY_OWNER_CLI = 0,
	MPTCPIFY_OWNER_DAEMON = 1,
};

/* Value of the "policy" map, keyed by cgroup id (__u64). */
struct mptcpify_policy {
	__u32 mode;  /* enum mptcpify_mode */
	__u32 owner; /* enum mptcpify_owner */
	__u32 flags; /* reserved, 0 */
	__u32 pad;
};

/*
 * Counters of the per-CPU "stats" map, keyed by the cgroup id of the policy
 * entry that decided (the nearest configured ancestor of the caller).
 */
enum mptcpify_stat {
	MPTCPIFY_STAT_REWRITTEN = 0,   /* TCP socket() returned as MPTCP */
	MPTCPIFY_STAT_EXCLUDED = 1,    /* TCP socket left alone: exclude entry */
	MPTCPIFY_STAT_UNAVAILABLE = 2, /* left TCP: MPTCP off in the caller's netns */
	MPTCPIFY_STAT_NON_TCP = 3,     /* UDP, AF_UNIX, raw, ...: never touched */
	MPTCPIFY_STAT_NATIVE = 4,      /* the application asked for MPTCP itself */
	MPTCPIFY_STAT_AUDIT_TCP = 5,   /* audit: TCP stream socket created */
	MPTCPIFY_STAT_AUDIT_MPTCP = 6, /* audit: MPTCP socket created */
	MPTCPIFY_STAT_NR = 8,	       /* one spare slot keeps the layout */
};

struct mptcpify_stats {
	__u64 count[MPTCPIFY_STAT_NR];
};

/*
 * Value of the "cache" array: a direct-mapped cache of resolved policies, the
 * slot being the caller's cgroup id modulo MPTCPIFY_CACHE_ENTRIES. An array
 * lookup is a few inlined instructions where a hash map would hash the key
 * on every socket(). Two cgroups sharing a slot evict each other, which costs
 * an ancestor walk, never a wrong answer: the key is stored in the value.
 * Slots are written in place by concurrent callers, so @check mixes the other
 * fields and a reader that sees a torn value takes the slow path.
 */
struct mptcpify_resolved {
	__u64 cgid;
	__u64 policy_cgid; /* entry that decided, 0 when mode is NONE */
	__u32 mode;	   /* enum mptcpify_mode */
	__u32 gen;	   /* policy generation the answer was computed at */
	__u64 check;	   /* mptcpify_resolved_check() of the fields above */
};

static inline __u64 mptcpify_resolved_check(__u64 cgid, __u64 policy_cgid, __u32 mode, __u32 gen)
{
	/* Odd multipliers are bijections: a value mixing two writers' fields
	 * only checks out if those fields were equal anyway. */
	return (cgid * 0x9e3779b97f4a7c15ULL) ^ (policy_cgid * 0xc2b2ae3d27d4eb4fULL) ^
	       ((((__u64)gen << 32) | mode) * 0x165667b19e3779f9ULL) ^ 1;
}

/*
 * Single entry of the "state" array. The loader bumps gen after every policy
 * change; a cache entry of another generation is recomputed.
 */
struct mptcpify_state {
	__u32 gen;
	__u32 layout;	/* MPTCPIFY_LAYOUT of the build that created the pins */
	__u64 build_id; /* hash of the BPF object that runs now */
	/*
	 * Always 0. The hook reads its tail-call key from here because with a
	 * constant key the JIT emits a direct jump and re-patches kernel text
	 * on every slot update; read at run time, the jump stays indirect and
	 * an upgrade is a plain pointer store.
	 */
	__u32 impl_slot;
	/* Times the hook decided itself because its tail call did not happen. */
	__u32 hook_fallbacks;
};

#endif /* MPTCPIFY_H */
