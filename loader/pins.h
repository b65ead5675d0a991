/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pinned state under bpffs (default /sys/fs/bpf/mptcpify):
 *   maps/{policy,stats,cache,state,rewrite_impl,profile,rule_stats}
 *   progs/{hook,rewrite,audit,subflow}  links/{rewrite,audit,subflow}
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
	int profile_fd;
	int rule_stats_fd;
	bool upgraded; /* this run replaced the programs of an older build */
};

enum pins_how {
	PINS_READ,   /* adopt existing pins; -ENOENT when nothing is loaded */
	PINS_CREATE, /* adopt, or create the maps when nothing is loaded */
	/*
	 * As PINS_CREATE, but leave the programs of a different build alone:
	 * the daemon upgrades at start and on reload only, and otherwise does
	 * not fight a CLI of another version over which build runs.
	 */
	PINS_ADOPT,
};

/* The pin directory: --pin-dir, else $MPTCPIFY_PIN_DIR, else the default. */
const char *pins_default_dir(void);

/*
 * Open the pinned maps under @dir, taking a lock held until pins_close().
 * With PINS_CREATE, mounts bpffs at /sys/fs/bpf when it is not there, creates
 * the maps when absent, and replaces the programs of a different build.
 * Returns 0 or -errno; on error *why says what failed, and nothing is left
 * open (pins_close() may still be called). pins_close() is idempotent.
 */
int pins_open(struct pins *p, const char *dir, enum pins_how how, const char **why);
void pins_close(struct pins *p);

/* The programs that get attached, one pinned link each. */
enum pins_link {
	PINS_LINK_REWRITE, /* fmod_ret hook, tail-calling the rewrite program */
	PINS_LINK_AUDIT,   /* cgroup/sock_create on the cgroup2 root */
	PINS_LINK_SUBFLOW, /* sockops on the cgroup2 root */
	PINS_LINK_NR,
};
#define PINS_LINK_BIT(link) (1u << (link))

/* The link a policy mode needs, or PINS_LINK_NR for none (exclude). */
enum pins_link pins_link_of_mode(__u32 mode);

/* Attach the program of @link if it is not attached yet. */
int pins_ensure_link(struct pins *p, enum pins_link link, const char *cgroup2, const char **why);
/* The same for each link in @links (PINS_LINK_BIT()s); stops at the first error. */
int pins_ensure_links(struct pins *p, unsigned int links, const char *cgroup2, const char **why);
bool pins_has_link(const struct pins *p, enum pins_link link);
/* Detach and unpin the program of @link; waits until the kernel let it go. */
int pins_drop_link(struct pins *p, enum pins_link link);

/* Bump the policy generation: every cached resolution is recomputed. */
int pins_bump_gen(struct pins *p);
int pins_read_state(const struct pins *p, struct mptcpify_state *st);

/* Remove every program, link, map and the directory. */
int pins_unload(struct pins *p);
/* The same for whatever is pinned under @dir, of any layout; -ENOENT if none. */
int pins_unload_any(const char *dir);

/* Hash of the BPF object built into this binary. */
__u64 pins_build_id(void);

#endif
