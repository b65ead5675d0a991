// SPDX-License-Identifier: GPL-2.0
/*
 * Trial program for `mptcpify probe`: whether this kernel lets an fmod_ret
 * program load and attach on update_socket_protocol. It changes nothing
 * (returning 0 keeps the caller's protocol) and is detached at once.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

SEC("fmod_ret/update_socket_protocol")
int BPF_PROG(mptcpify_probe, int family, int type, int protocol)
{
	return 0;
}
