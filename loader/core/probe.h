/* SPDX-License-Identifier: GPL-2.0 */
/* What this kernel and host allow, found by trial, not by version numbers. */
#ifndef MPTCPIFY_PROBE_H
#define MPTCPIFY_PROBE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

enum probe_support {
	SUPPORT_REWRITE,    /* fmod_ret on update_socket_protocol works */
	SUPPORT_AUDIT_ONLY, /* cgroup BPF works, the rewrite does not */
	SUPPORT_NONE,	    /* not even audit */
};

struct probe_result {
	char kernel[128];
	bool btf;		/* /sys/kernel/btf/vmlinux */
	bool mptcp_compiled;	/* /proc/sys/net/mptcp exists */
	int mptcp_enabled;	/* net.mptcp.enabled here, -1 unknown */
	bool netns_switch;	/* mptcp_pernet_id is in kallsyms */
	char cgroup2[PATH_MAX]; /* "" when not mounted */
	bool bpffs;		/* /sys/fs/bpf is bpffs (or can be mounted) */
	int bpffs_mode;		/* the mode of the pins' bpffs directory, else -1 */
	bool cgroup_bpf;	/* BPF_PROG_TYPE_CGROUP_SOCK loads */
	bool hook;		/* update_socket_protocol in BTF and fmod_ret-able */
	int rewrite_err;	/* 0 when the trial fmod_ret attach worked, else -errno */
	enum probe_support support;
	char reason[256]; /* why not rewrite; "" when rewrite */
};

/*
 * Fill @r; @pins_parent is the directory the pin directory goes in (whose
 * mode says who may make it first). Loads, and at once detaches, a trial
 * fmod_ret program.
 */
void probe_run(struct probe_result *r, const char *pins_parent);

/*
 * Only the rewrite trial: 0, or -errno and *reason. Without @attach the
 * trial program is loaded only: enough to learn whether trampolines are
 * allowed (a refusing kernel refuses the load), without patching the live
 * socket() path twice under a hook that may already be attached.
 */
int probe_rewrite(const char **reason, bool attach);

/* Can this kernel make MPTCP sockets over IPv6? (a trial socket()) */
bool probe_mptcp_ipv6(void);

const char *probe_support_name(enum probe_support v);

/* Is @name a function of the kernel's BTF (so one a trampoline may attach to)? */
bool probe_has_function(const char *name);

/*
 * The name of the kernel's MPTCP MIB counter @mib ("dssfallback"), from its
 * BTF: the numbers change from kernel to kernel. "mibN" when unknown.
 */
const char *probe_mib_name(__u32 mib, char *buf, size_t len);

/*
 * The kernel's available congestion controls, the words of
 * /proc/sys/net/ipv4/tcp_available_congestion_control without its
 * newline, into @buf: 0, -ENOSPC when they do not fit, or another -errno.
 */
int probe_available_cc(char *buf, size_t len);

/*
 * For a long-lived process, once it has asked what it needs and loaded its
 * programs: free the kernel's BTF, parsed for the questions above (their
 * answers stay, and a new question parses it again); with @trim_heap, give
 * the heap's free pages back to the system too, however fragmented what
 * loading left it.
 */
void probe_release(bool trim_heap);

#endif
