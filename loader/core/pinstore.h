/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pin store: what mptcpify keeps under bpffs (default /sys/fs/bpf/mptcpify)
 * and the lock that orders everyone who touches it.
 *
 *   maps/<name>    every map of PINNED_MAPS, created and reused by libbpf
 *   progs/<link>   the program each link runs; progs/hook for the rewrite
 *   links/<link>   one link per program of enum pins_link; for a cgroup
 *                  program a directory of links, one per attach point:
 *                  links/<link>/<cgroup id> (attachpoint.h)
 *
 * Enforcement lives in the links and maps, so it outlives the loader. The
 * directory is root's own (0700) and so is the lock: flock() on the pin
 * directory itself, shared for readers, exclusive for writers, which no
 * other user can even open. How the programs get there is lifecycle.c's.
 */
#ifndef MPTCPIFY_PINSTORE_H
#define MPTCPIFY_PINSTORE_H

#include <limits.h>
#include <stdbool.h>
#include <linux/types.h>
#include "mptcpify.h"

#define PINSTORE_DEFAULT_DIR "/sys/fs/bpf/mptcpify"

/* Every pinned map, by its name in bpf/maps.bpf.h: the one list of them. */
/* clang-format off */
#define PINNED_MAPS(X) \
	X(policy) X(stats) X(cache) X(state) X(rewrite_impl) X(profile) \
	X(rule_stats) X(outcomes) X(compat) X(incompat) X(fallbacks) X(listeners) \
	X(rewrite_backup) X(escapes) X(diag) X(marks) X(rewrite_backup2) X(rewrite_backup3) \
	X(bytes) X(profile_cache)
/* clang-format on */

/* The programs that get attached, one pinned link each. */
enum pins_link {
	PINS_LINK_REWRITE,    /* fmod_ret hook, tail-calling the rewrite program */
	PINS_LINK_AUDIT,      /* cgroup/sock_create, at the attach points */
	PINS_LINK_SUBFLOW,    /* sockops, there too: options and outcomes */
	PINS_LINK_SETSOCKOPT, /* cgroup/setsockopt, there too */
	PINS_LINK_GETSOCKOPT, /* cgroup/getsockopt, there too */
	/* Tracing, where the kernel allows trampolines and has the function: */
	PINS_LINK_FALLBACK,  /* fexit on the fallback, which tells why */
	PINS_LINK_OOB_MPTCP, /* fentry on mptcp_sendmsg(): MSG_OOB */
	PINS_LINK_OOB_TCP,   /* fentry on tcp_sendmsg(): MSG_OOB, predicted */
	PINS_LINK_BACKUP,    /* fmod_ret backup hooks: what the kernel skipped */
	PINS_LINK_BACKUP2,
	PINS_LINK_BACKUP3,
	PINS_LINK_NR,
};
#define PINS_LINK_BIT(link) (1u << (link))
#define PINS_LINKS_ALL (PINS_LINK_BIT(PINS_LINK_NR) - 1)

/* The name of a link's pins: links/<name> and progs/<name>. */
const char *pins_link_name(enum pins_link link);
/* The rewrite link's hook, pinned beside its program as progs/hook. */
#define PINS_HOOK "hook"

/*
 * Links whose attached program is a hook that tail-calls their program
 * through a slot (a one-entry program array), so that an upgrade swaps the
 * slot and never re-patches the kernel: the rewrite and its backup.
 */
static inline bool pins_link_hooked(enum pins_link link)
{
	return link == PINS_LINK_REWRITE || link == PINS_LINK_BACKUP || link == PINS_LINK_BACKUP2 ||
	       link == PINS_LINK_BACKUP3;
}
/* The hooked links: the rewrite and its backups. */
#define PINS_LINKS_HOOKED                                                     \
	(PINS_LINK_BIT(PINS_LINK_REWRITE) | PINS_LINK_BIT(PINS_LINK_BACKUP) | \
	 PINS_LINK_BIT(PINS_LINK_BACKUP2) | PINS_LINK_BIT(PINS_LINK_BACKUP3))
/* progs/<name> of a hooked link's hook: "hook", "hook-backup", ... */
const char *pins_hook_name(enum pins_link link);

struct pins {
	char dir[PATH_MAX];
	int dir_fd; /* the pin directory, flock()ed while open */
#define PINS_FD(name) int name##_fd;
	PINNED_MAPS(PINS_FD)
#undef PINS_FD
	bool complete;		    /* every map is there and the state is initialised */
	char moved_aside[PATH_MAX]; /* another user's entry at dir, renamed to this */
	unsigned int repaired;	    /* pins this open put back (pincheck.h) */
	char repaired_what[48];	    /* the first of them: "map policy" */
	bool upgraded;		    /* this open replaced the programs of another build */
};

enum pins_lock {
	PINS_SHARED,	/* read: -ENOENT when nothing is loaded */
	PINS_EXCLUSIVE, /* write: creates the directory (and bpffs) as needed */
};

/* The pin directory: --pin-dir, else $MPTCPIFY_PIN_DIR, else the default. */
const char *pins_default_dir(void);

/*
 * Open the pin store at @dir and take its lock. With PINS_EXCLUSIVE a
 * missing directory is created (bpffs is mounted at /sys/fs/bpf first when
 * it is not there) and missing maps are no error: p->complete says. A
 * directory that is not root's own, or that others may write, is refused
 * (-EPERM). Returns 0 or -errno with *why; on error nothing is left open.
 * pins_close() is idempotent.
 */
int pins_open(struct pins *p, const char *dir, enum pins_lock lock, const char **why);
void pins_close(struct pins *p);
/*
 * Give the lock back early and keep the maps open, until pins_close(): for
 * a reader whose map descriptors outlive its look (a scrape's counters),
 * which must not hold writers up meanwhile.
 */
void pins_unlock(struct pins *p);

/*
 * The store's shared lock and nothing else, no map opened: a look under it
 * (pins_intact(), pincheck.h) never falls between a writer's steps. A
 * descriptor for pins_unlock_dir(), or -1 when @dir cannot be opened (the
 * look goes on unlocked).
 */
int pins_lock_dir(const char *dir);
void pins_unlock_dir(int fd);

/* Open every map of PINNED_MAPS (after lifecycle.c made them). */
int pins_open_maps(struct pins *p, const char **why);

/* "<dir>/<kind>/<name>" into @out (PATH_MAX). */
void pins_path(const struct pins *p, const char *kind, const char *name, char *out);
bool pins_has_link(const struct pins *p, enum pins_link link);
/* The link and its programs (the hook too, for the rewrite) are all pinned. */
bool pins_link_whole(const struct pins *p, enum pins_link link);

/* Detach the link pinned at @path, whoever else holds it, and unpin it. */
void pins_detach_link(const char *path);

/*
 * Is the store at @dir there, on bpffs, with its state map and every link
 * of @links whole? A few stat()s and no lock: a quick look for the daemon.
 */
bool pins_intact(const char *dir, unsigned int links);

struct bpf_prog_info;
/* What the kernel says of the pinned program progs/@name: 0, or -errno
 * with *info zeroed. */
int pins_prog_info(const struct pins *p, const char *name, struct bpf_prog_info *info);

/* The slot map a hooked link's hook tail-calls through. */
int pins_slot_fd(const struct pins *p, enum pins_link link);

int pins_read_state(const struct pins *p, struct mptcpify_state *st);
int pins_write_state(const struct pins *p, const struct mptcpify_state *st);
/* Bump the policy generation: every cached resolution is recomputed. */
int pins_bump_gen(struct pins *p);

#endif
