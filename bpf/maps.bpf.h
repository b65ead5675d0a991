/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pinned maps, declared once for every program of the object and shared
 * by the linker (bpftool gen object). LIBBPF_PIN_BY_NAME makes libbpf create,
 * pin and reuse them under the pin directory's maps/, so this is the one
 * list of them.
 */
#ifndef MPTCPIFY_MAPS_BPF_H
#define MPTCPIFY_MAPS_BPF_H

/* Policy entries by cgroup id. */
struct mptcpify_policy_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MPTCPIFY_MAX_POLICIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__type(key, __u64);
	__type(value, struct mptcpify_policy);
};

/* Counters by the cgroup id of the deciding entry. Not preallocated: a
 * per-CPU prealloc of 128k entries is far too big. The loader creates each
 * entry with its policy entry; the programs never allocate. */
struct mptcpify_stats_map {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, MPTCPIFY_MAX_POLICIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__type(key, __u64);
	__type(value, struct mptcpify_stats);
};

/*
 * Resolved answers, direct-mapped by cgroup id (struct mptcpify_resolved):
 * "cache" of policies, "profile_cache" of subflow profiles.
 */
struct mptcpify_cache_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MPTCPIFY_CACHE_ENTRIES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__type(key, __u32);
	__type(value, struct mptcpify_resolved);
};

struct mptcpify_profile_cache_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MPTCPIFY_PROFILE_CACHE_ENTRIES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__type(key, __u32);
	__type(value, struct mptcpify_resolved);
};

struct mptcpify_state_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__type(key, __u32);
	__type(value, struct mptcpify_state);
};

/* The hook's tail-call slot: the rewrite program that runs now. */
struct mptcpify_impl_map {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__type(key, __u32);
	__type(value, __u32);
};

/* Subflow profiles by cgroup id. */
struct mptcpify_profile_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MPTCPIFY_MAX_PROFILES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__type(key, __u64);
	__type(value, struct mptcpify_profile);
};

struct mptcpify_rule_stats_map {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, MPTCPIFY_MAX_PROFILES *MPTCPIFY_MAX_RULES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__type(key, struct mptcpify_rule_key);
	__type(value, struct mptcpify_rule_stats);
};

/* What became of the connections, by the deciding entry. */
struct mptcpify_outcomes_map {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, MPTCPIFY_MAX_POLICIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__type(key, __u64);
	__type(value, struct mptcpify_outcomes);
};

/* Options refused, or that would be. */
struct mptcpify_compat_map {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, MPTCPIFY_MAX_COMPAT);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__type(key, struct mptcpify_compat_key);
	__type(value, __u64);
};

/* The options this kernel's MPTCP sockets refuse, learned by the loader. */
struct mptcpify_incompat_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MPTCPIFY_MAX_INCOMPAT);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__type(key, struct mptcpify_incompat_key);
	__type(value, __s32);
};

/* Why connections fell back, where the kernel tells. */
struct mptcpify_fallbacks_map {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, MPTCPIFY_MAX_FALLBACKS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__type(key, struct mptcpify_fallback_key);
	__type(value, __u64);
};

/* The MPTCP listeners of configured cgroups: a plain child of one fell back. */
struct mptcpify_listeners_map {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MPTCPIFY_MAX_LISTENERS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__type(key, struct mptcpify_listener_key);
	__type(value, __u8);
};

/* Escaped sockets by the deciding entry: made with it, or here if missing. */
struct mptcpify_escapes_map {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, MPTCPIFY_MAX_POLICIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__type(key, __u64);
	__type(value, struct mptcpify_escapes);
};

/*
 * Bytes by path, by the deciding entry. A map of its own, not a field of
 * "outcomes": pins of an older build adopt it without a layout change.
 */
struct mptcpify_bytes_map {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, MPTCPIFY_MAX_POLICIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__type(key, __u64);
	__type(value, struct mptcpify_bytes);
};

/* Node-wide counts; never written by userspace, unlike "state". */
struct mptcpify_diag_map {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__type(key, __u32);
	__type(value, struct mptcpify_diag);
};

struct mptcpify_marks_map {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__type(key, __u32);
	__type(value, struct mptcpify_mark);
};

/*
 * Weak, so that each object that includes this file has the same definition
 * and the linker keeps one of each.
 */
struct mptcpify_policy_map policy SEC(".maps") __weak;
struct mptcpify_stats_map stats SEC(".maps") __weak;
struct mptcpify_cache_map cache SEC(".maps") __weak;
struct mptcpify_profile_cache_map profile_cache SEC(".maps") __weak;
struct mptcpify_state_map state SEC(".maps") __weak;
struct mptcpify_impl_map rewrite_impl SEC(".maps") __weak;
struct mptcpify_impl_map rewrite_backup SEC(".maps") __weak;
struct mptcpify_impl_map rewrite_backup2 SEC(".maps") __weak;
struct mptcpify_impl_map rewrite_backup3 SEC(".maps") __weak;
struct mptcpify_profile_map profile SEC(".maps") __weak;
struct mptcpify_rule_stats_map rule_stats SEC(".maps") __weak;
struct mptcpify_outcomes_map outcomes SEC(".maps") __weak;
struct mptcpify_compat_map compat SEC(".maps") __weak;
struct mptcpify_incompat_map incompat SEC(".maps") __weak;
struct mptcpify_fallbacks_map fallbacks SEC(".maps") __weak;
struct mptcpify_listeners_map listeners SEC(".maps") __weak;
struct mptcpify_escapes_map escapes SEC(".maps") __weak;
struct mptcpify_diag_map diag SEC(".maps") __weak;
struct mptcpify_marks_map marks SEC(".maps") __weak;
struct mptcpify_bytes_map bytes SEC(".maps") __weak;

#endif /* MPTCPIFY_MAPS_BPF_H */
