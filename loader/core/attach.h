/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The programs of the BPF object, link by link: which program each link
 * runs, how it attaches, and which links this kernel can attach at all.
 */
#ifndef MPTCPIFY_ATTACH_H
#define MPTCPIFY_ATTACH_H

#include <stdbool.h>
#include "pinstore.h"

struct mptcpify_bpf;
struct bpf_program;
struct bpf_link;

/* The program @link runs: for the rewrite link, the one in the hook's slot. */
struct bpf_program *attach_prog_of(struct mptcpify_bpf *skel, enum pins_link link);
/*
 * The program the kernel attaches for @link, and its pin's name: the hook
 * for the rewrite link, else the link's own program.
 */
struct bpf_program *attach_attached_prog(struct mptcpify_bpf *skel, enum pins_link link);

/* Load only the programs of @links (PINS_LINK_BIT()s). */
void attach_select(struct mptcpify_bpf *skel, unsigned int links);

/* Tracing links cannot be updated in place: they are replaced. */
bool attach_is_tracing(enum pins_link link);

/*
 * The links this kernel can attach: the tracing ones but the rewrite need
 * trampolines and their function, which are optional. Found once per run.
 */
unsigned int attach_supported(void);

/* Attach tracing @link where its section says. */
struct bpf_link *attach_tracing(struct mptcpify_bpf *skel, enum pins_link link);

/* The bpf_attach_type of cgroup @link, -1 for a tracing one. Where cgroup
 * links attach is attachpoint.h's. */
int attach_cgroup_type(enum pins_link link);

#endif
