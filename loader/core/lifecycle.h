/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The programs' lifecycle on top of the pin store: creating the maps, loading
 * and attaching the programs a policy needs, upgrading the programs of
 * another build in place, and removing everything.
 *
 * An upgrade never leaves a socket() without a program. The rewrite program
 * is swapped in the hook's tail-call slot (one map update), the cgroup
 * programs with bpf_link_update(); neither re-patches kernel text. The hook
 * itself only tail-calls, so it is replaced (make-before-break) only when
 * its own code changes, which a change of the decision never does.
 */
#ifndef MPTCPIFY_LIFECYCLE_H
#define MPTCPIFY_LIFECYCLE_H

#include <stdbool.h>
#include <linux/types.h>
#include "pinstore.h"

enum lifecycle_how {
	/* Make what is missing and upgrade the programs of another build. */
	LIFECYCLE_UPGRADE,
	/*
	 * Make what is missing, but leave the programs of another build
	 * alone: the daemon upgrades at start and on reload only, and
	 * otherwise does not fight a CLI of another version over which
	 * build runs.
	 */
	LIFECYCLE_ADOPT,
};

/*
 * Open the pin store for writing (exclusive lock), creating the maps when
 * nothing is loaded. Returns 0 or -errno with *why; nothing is left open on
 * error. p->upgraded tells whether this replaced another build's programs.
 */
int lifecycle_open(struct pins *p, const char *dir, enum lifecycle_how how, const char **why);

/*
 * Attach the programs of @links (PINS_LINK_BIT()s) that are not attached
 * yet: the tracing ones where they go, the cgroup ones at every attach
 * point there is (attachpoint.h).
 */
int lifecycle_ensure_links(struct pins *p, unsigned int links, const char **why);
/* Those of @links this kernel can attach (some are optional). */
unsigned int lifecycle_links_possible(unsigned int links);
/* Detach and unpin the program of @link; waits until the kernel let it go. */
void lifecycle_drop_link(struct pins *p, enum pins_link link);

/* Remove every program, link, map and the directory of an open store. */
int lifecycle_unload(struct pins *p);
/* The same for whatever is pinned under @dir, of any layout; -ENOENT if none. */
int lifecycle_unload_any(const char *dir);

/* Hash of the BPF object built into this binary. */
__u64 lifecycle_build_id(void);

/*
 * socket() calls the kernel ran without the hook: a trampoline program is
 * skipped when it is already running on the same CPU (a task preempted
 * inside it, on a preemptible kernel). Those sockets stay what the
 * application asked for. 0 when there is no hook.
 */
__u64 lifecycle_hook_recursion_misses(struct pins *p);

#endif
