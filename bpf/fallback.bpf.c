// SPDX-License-Identifier: GPL-2.0
/*
 * Why MPTCP connections fell back to TCP, on kernels that say: those whose
 * fallback is an out-of-line function given the reason, as a MIB counter
 * number (__mptcp_try_fallback(msk, fb_mib), Linux 6.16 and later). The
 * loader attaches it where its probe finds the function and trampolines are
 * allowed, and names the reasons from the kernel's own BTF. Counted for
 * the MPTCP socket's cgroup, whatever context the fallback happens in.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "kconst.h"
#include "mptcpify.h"
#include "maps.bpf.h"
#include "resolve.bpf.h"

SEC("fexit/__mptcp_try_fallback")
int BPF_PROG(mptcpify_fallback, struct mptcp_sock *msk, int fb_mib, bool done)
{
	struct mptcpify_fallback_key key = {.reason = fb_mib};
	__u64 one = 1, *n;

	/* Not done: the kernel resets the connection instead, and says so. */
	if (!done)
		return 0;
	key.cgid = sock_entry(msk);
	if (!key.cgid)
		return 0;
	n = bpf_map_lookup_elem(&fallbacks, &key);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&fallbacks, &key, &one, BPF_NOEXIST);
	return 0;
}
