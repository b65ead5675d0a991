/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pinned structures: every key and value of a map under the pin
 * directory, shared by the BPF programs and the loader. No includes: the BPF
 * side gets __u32/__u64 from vmlinux.h, userspace from <linux/types.h>.
 *
 * A newer build adopts the pins of an older one only when both have the
 * same MPTCPIFY_LAYOUT. The check at the end of this file fails the build
 * when a pinned structure changes and the layout number does not.
 */
#ifndef MPTCPIFY_H
#define MPTCPIFY_H

#define MPTCPIFY_LAYOUT 3

/* Sizes of the pinned maps. */
#define MPTCPIFY_MAX_POLICIES 131072 /* configured cgroups */
#define MPTCPIFY_CACHE_ENTRIES 65536 /* slots of the resolution cache; a power of 2 */
#define MPTCPIFY_MAX_PROFILES 4096   /* cgroups with a subflow profile */
#define MPTCPIFY_MAX_RULES 8	     /* rules per profile */
#define MPTCPIFY_NAME_MAX 16	     /* TCP_CA_NAME_MAX and IFNAMSIZ alike */
/* Slots of the profiles' cache, asked for MPTCP subflows only. */
#define MPTCPIFY_PROFILE_CACHE_ENTRIES 16384

/*
 * Ancestors walked to find a cgroup's nearest entry. A cgroup nested deeper
 * than this is matched by its own entry and by those of its first
 * MPTCPIFY_MAX_DEPTH ancestors; the levels in between are not looked at.
 */
#define MPTCPIFY_MAX_DEPTH 64

enum mptcpify_mode {
	MPTCPIFY_MODE_NONE = 0,	   /* no configured ancestor: not ours */
	MPTCPIFY_MODE_REWRITE = 1, /* TCP stream sockets become MPTCP */
	MPTCPIFY_MODE_AUDIT = 2,   /* count TCP and MPTCP sockets, change nothing */
	MPTCPIFY_MODE_EXCLUDE = 3, /* an exception below a rewrite or audit entry */
	MPTCPIFY_MODE_NR,
	/* In the resolution cache only: a rewrite entry whose protection tripped. */
	MPTCPIFY_MODE_TRIPPED = MPTCPIFY_MODE_NR,
};

/* Who made an entry: the daemon removes only its own. */
enum mptcpify_owner {
	MPTCPIFY_OWNER_CLI = 0,
	MPTCPIFY_OWNER_DAEMON = 1,
};

/* Flags of a policy entry. */
enum mptcpify_policy_flag {
	/*
	 * on-incompatible: exclude. Once an MPTCP socket of the entry's
	 * cgroups has refused an option, their later sockets stay TCP.
	 */
	MPTCPIFY_PROTECT = 1 << 0,
	/* Set by the programs when that happened. */
	MPTCPIFY_TRIPPED = 1 << 1,
};

/* Value of the "policy" map, keyed by cgroup id (__u64). */
struct mptcpify_policy {
	__u32 mode;  /* enum mptcpify_mode */
	__u32 owner; /* enum mptcpify_owner */
	__u32 flags; /* enum mptcpify_policy_flag */
	__u32 pad;
};

/*
 * What happened to one socket() call, and the counter it bumps: the
 * decision of include/verdict.h returns one of these. MPTCPIFY_IGNORED (not
 * ours) is the one that counts nothing.
 */
enum mptcpify_verdict {
	MPTCPIFY_REWRITTEN = 0,	   /* TCP socket() returned as MPTCP */
	MPTCPIFY_EXCLUDED = 1,	   /* TCP socket left alone: exclude entry */
	MPTCPIFY_UNAVAILABLE = 2,  /* left TCP: MPTCP off in the caller's netns */
	MPTCPIFY_NON_TCP = 3,	   /* UDP, AF_UNIX, raw, ...: never touched */
	MPTCPIFY_NATIVE = 4,	   /* the application asked for MPTCP itself */
	MPTCPIFY_AUDIT_TCP = 5,	   /* audit: TCP stream socket created */
	MPTCPIFY_AUDIT_MPTCP = 6,  /* audit: MPTCP socket created */
	MPTCPIFY_INCOMPATIBLE = 7, /* left TCP: an option was refused before (MPTCPIFY_PROTECT) */
	MPTCPIFY_VERDICT_NR = 8,
	MPTCPIFY_IGNORED = MPTCPIFY_VERDICT_NR,
};

/*
 * Value of the per-CPU "stats" map, keyed by the cgroup id of the policy
 * entry that decided (the nearest configured ancestor of the caller).
 */
struct mptcpify_stats {
	__u64 count[MPTCPIFY_VERDICT_NR]; /* by enum mptcpify_verdict */
};

/*
 * Value of the "cache" and "profile_cache" arrays: direct-mapped caches of
 * resolved answers, the slot being the cgroup id modulo the number of
 * slots. An array lookup is a few inlined instructions
 * where a hash map would hash the key on every socket(). Two cgroups
 * sharing a slot evict each other, which costs an ancestor walk, never a
 * wrong answer: the key is stored in the value. "cache" answers a cgroup's
 * policy (@mode and its deciding entry), "profile_cache" its nearest subflow
 * profile (@mode stays 0): each kind in its own map.
 */
struct mptcpify_resolved {
	__u64 cgid;
	__u64 entry_cgid; /* the entry that answered, 0 when none */
	__u32 mode;	  /* enum mptcpify_mode */
	__u32 gen;	  /* policy generation the answer was computed at */
	__u64 check;	  /* mptcpify_resolved_check() of the fields above */
};

/*
 * Slots are written in place by concurrent callers, field by field, so a
 * reader may see fields of two writers; a value that does not check out
 * takes the slow path. Each field enters the check multiplied by an odd
 * constant, a bijection: a mix that takes one field (mode and gen count as
 * one) from another writer than its check's never checks out. One that
 * takes two or more can, where their changes to the XOR cancel.
 */
static inline __u64 mptcpify_resolved_check(__u64 cgid, __u64 entry_cgid, __u32 mode, __u32 gen)
{
	return (cgid * 0x9e3779b97f4a7c15ULL) ^ (entry_cgid * 0xc2b2ae3d27d4eb4fULL) ^
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
	/* The hooks' tail-call key, always 0: see tail_call_dynamic(). */
	__u32 impl_slot;
	/*
	 * Counted here by builds before the "diag" map. Userspace writes this
	 * whole value back when it bumps @gen, so a counter here loses what
	 * the programs added in between: counters live in maps userspace
	 * never writes. Old hooks still bump it until an upgrade replaces them.
	 */
	__u32 unused;
};

/*
 * Why a TCP socket of a rewrite entry's cgroups stayed TCP although MPTCP
 * was available: an escape. The cgroup/sock_create program sees every
 * created socket, without the trampolines' per-CPU recursion guard, and
 * counts these by the deciding entry in the per-CPU "escapes" map.
 */
enum mptcpify_escape {
	MPTCPIFY_ESCAPE_HOOK_SKIPPED =
		0,		      /* socket() ran without the rewrite: the kernel skipped it */
	MPTCPIFY_ESCAPE_IO_URING = 1, /* IORING_OP_SOCKET: never reaches the hook */
	MPTCPIFY_ESCAPE_OTHER = 2, /* the rewrite ran and said no: the policy changed meanwhile */
	MPTCPIFY_ESCAPE_NR = 4,	   /* slots; the spare one keeps the layout */
};

struct mptcpify_escapes {
	__u64 count[MPTCPIFY_ESCAPE_NR]; /* by enum mptcpify_escape */
};

/* Node-wide counts of the socket() programs: the per-CPU "diag" array. */
struct mptcpify_diag {
	__u64 tail_call_misses; /* a hook found its slot empty: left as it was */
	__u64 spare[3];
};

/*
 * The per-CPU "marks" array: the task whose socket() a rewrite program
 * decided last on this CPU, so that the creation that follows can tell
 * "the hook ran and said no" from "the hook never ran".
 */
struct mptcpify_mark {
	__u64 pid_tgid;
};

/* What a subflow rule matches. Every flag set must hold; no flag matches all. */
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

/*
 * What became of an entry's connections: the per-CPU "outcomes" map, keyed
 * like "stats". Subflows carry their MPTCP socket's cgroup, so they count
 * with the application that made or accepted the connection.
 */
enum mptcpify_outcome {
	MPTCPIFY_MPTCP_ACTIVE = 0,	/* connected: MPTCP end to end */
	MPTCPIFY_MPTCP_PASSIVE = 1,	/* accepted: MPTCP end to end */
	MPTCPIFY_FELL_BACK_ACTIVE = 2,	/* connected: the peer took no MP_CAPABLE */
	MPTCPIFY_FELL_BACK_PASSIVE = 3, /* accepted: a plain-TCP client, by an MPTCP listener */
	/* 4: spare (a fallback after establishment shows in its reason) */
	MPTCPIFY_JOIN_ESTABLISHED = 5, /* additional subflows, handshake done */
	MPTCPIFY_JOIN_FAILED = 6,      /* never fully established: no answer, refused */
	MPTCPIFY_JOIN_CLOSED = 7,      /* closed after serving */
	MPTCPIFY_OUTCOME_NR = 12,      /* slots; the spare ones keep the layout */
};

/* Connections by the number of their subflows: 1 to 7, and 8 or more. */
#define MPTCPIFY_SUBFLOW_BUCKETS 8

struct mptcpify_outcomes {
	__u64 count[MPTCPIFY_OUTCOME_NR]; /* by enum mptcpify_outcome */
	/*
	 * [n - 1] counts the subflows that came up as a connection's nth: so
	 * the connections that had at least n subflows.
	 */
	__u64 subflows[MPTCPIFY_SUBFLOW_BUCKETS];
};

/* Which subflows a byte count is about. */
enum mptcpify_path {
	MPTCPIFY_PATH_INITIAL = 0,    /* a connection's first subflow */
	MPTCPIFY_PATH_ADDITIONAL = 1, /* its MP_JOIN subflows */
	MPTCPIFY_PATH_NR = 2,
};

/*
 * The bytes an entry's MPTCP connections carried, by path: the per-CPU
 * "bytes" map, keyed like "outcomes". A subflow adds its tcp_sock
 * bytes_acked (sent) and bytes_received when it closes, so a connection
 * counts once its subflows are gone.
 */
struct mptcpify_bytes {
	__u64 sent[MPTCPIFY_PATH_NR];	  /* by enum mptcpify_path */
	__u64 received[MPTCPIFY_PATH_NR]; /* by enum mptcpify_path */
};

/* What a compatibility count is about. */
enum mptcpify_compat_dir {
	MPTCPIFY_COMPAT_SET = 0,  /* setsockopt() */
	MPTCPIFY_COMPAT_GET = 1,  /* getsockopt() */
	MPTCPIFY_COMPAT_SEND = 2, /* a send() flag: level 0, optname the flag */
};

/*
 * Key of the per-CPU "compat" map (value: a __u64 count): socket options an
 * MPTCP socket of the entry's cgroups refused, or, for a TCP socket, would
 * refuse on this kernel.
 */
struct mptcpify_compat_key {
	__u64 cgid;
	__u32 level;
	__u32 optname;
	__u16 dir;	 /* enum mptcpify_compat_dir */
	__u16 predicted; /* 1: a TCP socket; MPTCP would have refused it */
	__s32 err;	 /* the errno, positive */
};

/*
 * Key of the "incompat" map, which the loader fills at load: the options an
 * MPTCP socket of this kernel refuses and a TCP socket does not, learned by
 * trying them. Value: the errno (__s32, positive).
 */
struct mptcpify_incompat_key {
	__u32 level;
	__u32 optname;
	__u32 dir; /* enum mptcpify_compat_dir */
	__u32 pad;
};

/*
 * Key of the per-CPU "fallbacks" map (value: a __u64 count): why an entry's
 * MPTCP connections fell back to TCP, where the kernel tells (its
 * linux_mptcp_mib_field number, named from its BTF by the loader).
 */
struct mptcpify_fallback_key {
	__u64 cgid;
	__u32 reason;
	__u32 pad;
};

/* Sizes of the maps of the outcomes. */
#define MPTCPIFY_MAX_COMPAT 16384
#define MPTCPIFY_MAX_INCOMPAT 1024
#define MPTCPIFY_MAX_FALLBACKS 4096
#define MPTCPIFY_MAX_LISTENERS 16384

/* Key of the LRU "listeners" map: the MPTCP listeners of configured cgroups. */
struct mptcpify_listener_key {
	__u64 netns; /* network namespace cookie */
	__u32 port;  /* host order */
	__u32 pad;
};

/*
 * The layout check: the size of every pinned structure. If one fails, a
 * pinned structure changed: bump MPTCPIFY_LAYOUT (older pins are then
 * refused with a clear error instead of misread) and write the new size. A
 * new map with a structure of its own changes no layout: libbpf creates it
 * beside older pins, and older builds leave it alone.
 */
#define MPTCPIFY_SIZE(type, size)                                             \
	_Static_assert(sizeof(struct type) == (size) && MPTCPIFY_LAYOUT == 3, \
		       #type " changed: bump MPTCPIFY_LAYOUT and update its size here")
MPTCPIFY_SIZE(mptcpify_policy, 16);
MPTCPIFY_SIZE(mptcpify_stats, 64);
MPTCPIFY_SIZE(mptcpify_resolved, 32);
MPTCPIFY_SIZE(mptcpify_state, 24);
MPTCPIFY_SIZE(mptcpify_prefix, 20);
MPTCPIFY_SIZE(mptcpify_rule, 128);
MPTCPIFY_SIZE(mptcpify_profile, 1032);
MPTCPIFY_SIZE(mptcpify_rule_key, 16);
MPTCPIFY_SIZE(mptcpify_rule_stats, 40);
MPTCPIFY_SIZE(mptcpify_outcomes, 160);
MPTCPIFY_SIZE(mptcpify_compat_key, 24);
MPTCPIFY_SIZE(mptcpify_incompat_key, 16);
MPTCPIFY_SIZE(mptcpify_fallback_key, 16);
MPTCPIFY_SIZE(mptcpify_listener_key, 16);
MPTCPIFY_SIZE(mptcpify_escapes, 32);
MPTCPIFY_SIZE(mptcpify_diag, 32);
MPTCPIFY_SIZE(mptcpify_mark, 8);
MPTCPIFY_SIZE(mptcpify_bytes, 32);

#endif /* MPTCPIFY_H */
