// SPDX-License-Identifier: GPL-2.0
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "mptcpify.skel.h"
#include "attach.h"
#include "probe.h"

/* What each link runs, by name in the BPF object, and where it attaches. */
static const struct {
	const char *prog;
	const char *function; /* a tracing link's kernel function, else NULL */
	bool optional;	      /* absent where the kernel cannot: no error */
	const char *hook;     /* attached instead, tail-calling prog (pinstore.h) */
} links[PINS_LINK_NR] = {
	[PINS_LINK_REWRITE] = {"mptcpify_rewrite", "update_socket_protocol", false,
			       "mptcpify_hook"},
	[PINS_LINK_BACKUP] = {"mptcpify_rewrite_backup", "update_socket_protocol", true,
			      "mptcpify_hook_backup"},
	[PINS_LINK_AUDIT] = {"mptcpify_audit"},
	[PINS_LINK_SUBFLOW] = {"mptcpify_sockops"},
	[PINS_LINK_SETSOCKOPT] = {"mptcpify_setsockopt"},
	[PINS_LINK_GETSOCKOPT] = {"mptcpify_getsockopt"},
	[PINS_LINK_FALLBACK] = {"mptcpify_fallback", "__mptcp_try_fallback", true},
	[PINS_LINK_OOB_MPTCP] = {"mptcpify_oob_mptcp", "mptcp_sendmsg", true},
	[PINS_LINK_OOB_TCP] = {"mptcpify_oob_tcp", "tcp_sendmsg", true},
	[PINS_LINK_BACKUP2] = {"mptcpify_rewrite_backup2", "update_socket_protocol", true,
			       "mptcpify_hook_backup2"},
	[PINS_LINK_BACKUP3] = {"mptcpify_rewrite_backup3", "update_socket_protocol", true,
			       "mptcpify_hook_backup3"},
};

struct bpf_program *attach_prog_of(struct mptcpify_bpf *skel, enum pins_link link)
{
	return bpf_object__find_program_by_name(skel->obj, links[link].prog);
}

struct bpf_program *attach_attached_prog(struct mptcpify_bpf *skel, enum pins_link link)
{
	return links[link].hook ? bpf_object__find_program_by_name(skel->obj, links[link].hook) :
				  attach_prog_of(skel, link);
}

void attach_select(struct mptcpify_bpf *skel, unsigned int wanted)
{
	struct bpf_program *prog;
	const char *name;
	bool load;
	int l;

	bpf_object__for_each_program(prog, skel->obj)
	{
		name = bpf_program__name(prog);
		load = false;
		for (l = 0; l < PINS_LINK_NR; l++)
			if ((wanted & PINS_LINK_BIT(l)) &&
			    (!strcmp(name, links[l].prog) ||
			     (links[l].hook && !strcmp(name, links[l].hook))))
				load = true;
		bpf_program__set_autoload(prog, load);
	}
}

bool attach_is_tracing(enum pins_link link)
{
	return link < PINS_LINK_NR && links[link].function;
}

unsigned int attach_supported(void)
{
	static int supported = -1;
	const char *reason;
	bool tracing;
	int l;

	if (supported >= 0)
		return supported;
	/* A trial fmod_ret load tells whether this kernel allows trampolines. */
	tracing = !probe_rewrite(&reason, false);
	supported = 0;
	for (l = 0; l < PINS_LINK_NR; l++)
		if (!links[l].optional || (tracing && probe_has_function(links[l].function)))
			supported |= PINS_LINK_BIT(l);
	return supported;
}

int attach_cgroup_type(enum pins_link link)
{
	switch (link) {
	case PINS_LINK_AUDIT:
		return BPF_CGROUP_INET_SOCK_CREATE;
	case PINS_LINK_SUBFLOW:
		return BPF_CGROUP_SOCK_OPS;
	case PINS_LINK_SETSOCKOPT:
		return BPF_CGROUP_SETSOCKOPT;
	case PINS_LINK_GETSOCKOPT:
		return BPF_CGROUP_GETSOCKOPT;
	default:
		return -1;
	}
}

struct bpf_link *attach_tracing(struct mptcpify_bpf *skel, enum pins_link link)
{
	return bpf_program__attach(attach_attached_prog(skel, link));
}
