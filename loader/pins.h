/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pinned state under bpffs (default /sys/fs/bpf/mptcpify):
 *   maps/{policy,stats,cache,state,rewrite_impl}  progs/{hook,rewrite,audit}
 *   links/{rewrite,audit}
 * Enforcement lives in the links and maps, so it outlives the loader. Any
 * later run adopts these pins; a run of a different build replaces the
 * programs in place (see pins_open()).
 */
#ifndef MPTCPIFY_PINS_H
#define MPTCPIFY_PINS_H

#include <limits.h>
#include <stdbool.h>
#include <linux/types.h>
#include "mptcpify.h"

#define MPTCPIFY_PIN_DIR "/sys/fs/bpf/mptcpify"

struct mptcpify_bpf;

struct pins {
	char dir[PATH_MAX];
	int lock_fd;
	int policy_fd;
	int stats_fd;
	int cache_fd;
	int state_fd;
	int impl_fd; /* the hook's tail-call slot (PROG_ARRAY) */
	bool upgraded; /* this run replaced the programs of an older build */
};

enum pins_how {
	PINS_READ,   /* adopt existing pins; -ENOENT when nothing is loaded */
	PINS_CREATE, /* adopt, or create the maps when nothing is loaded */
};

/* The pin directory: --pin-dir, else $MPTCPIFY_PIN_DIR, else the default. */
const char *pins_default_dir(void);

/*
 * Open the pinned maps under @dir, taking a lock held until pins_close().
 * With PINS_CREATE, mounts bpffs at /sys/fs/bpf when it is not there, creates
 * the maps when absent, and replaces the programs of a different build.
 * Returns 0 or -errno; on error *why says what failed.
 */
int pins_open(struct pins *p, const char *dir, enum pins_how how, const char **why);
void pins_close(struct pins *p);

/* Attach the program @mode needs (rewrite or audit) if it is not attached. */
int pins_ensure_link(struct pins *p, __u32 mode, const char *cgroup2, const char **why);
bool pins_has_link(const struct pins *p, __u32 mode);
/* Detach and unpin the program of @mode; waits until the kernel let it go. */
int pins_drop_link(struct pins *p, __u32 mode);

/* Bump the policy generation: every cached resolution is recomputed. */
int pins_bump_gen(struct pins *p);
int pins_read_state(const struct pins *p, struct mptcpify_state *st);

/* Remove every program, link, map and the directory. */
int pins_unload(struct pins *p);

/* Hash of the BPF object built into this binary. */
__u64 pins_build_id(void);

#endif
