/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the daemon's path-manager settings (daemon/pmapply.h) came to, per
 * cgroup and network namespace, for `mptcpify stats` to show without
 * asking the daemon: a hash map pinned at maps/pm_results beside the
 * programs' maps, so that it goes with the pins and is read under their
 * lock. No BPF program reads it: the daemon makes it (bpf_map_create),
 * not the BPF object, and is its only writer. A row goes when its
 * namespace's settings are restored and the cgroup's entry goes, or the
 * namespace is applied again; one restored row per cgroup stays while
 * its entry does, saying what became of its last namespace.
 */
#ifndef MPTCPIFY_PMRESULTS_H
#define MPTCPIFY_PMRESULTS_H

#include <linux/types.h>

#define PMRESULTS_PIN "pm_results"
/* Rows at most: a namespace or two per enforced pod, with room. */
#define PMRESULTS_MAX 16384

enum pmresult {
	PMRESULT_APPLIED = 1,
	PMRESULT_REFUSED,  /* err: why; step: what failed */
	PMRESULT_RESTORED, /* as before; err: a failed restore's */
};

struct pmresult_key {
	__u64 cgid;  /* the cgroup whose processes are in the namespace */
	__u64 netns; /* the namespace's inode number */
};

struct pmresult_val {
	__u32 result;	   /* enum pmresult */
	__s32 err;	   /* an errno, 0 when none */
	__u64 since;	   /* when it became this: seconds since the epoch */
	char selector[64]; /* the selector whose block it is */
	char step[64];	   /* for a refusal: the step that failed */
};

struct pmresult_row {
	struct pmresult_key key;
	struct pmresult_val val;
};

/* "applied", "refused", "restored"; "unknown" for anything else. */
const char *pmresult_name(__u32 result);

/*
 * The pinned map of the store at @pin_dir: an fd, or -errno (-ENOENT when
 * there is none; -EPROTO when the pin is a map of another shape).
 */
int pmresults_open(const char *pin_dir);

/*
 * The same, made and pinned when missing, under the store's shared lock
 * (unload takes it exclusively: a pin never lands in a store being
 * removed). An fd, or -errno with *why.
 */
int pmresults_ensure(const char *pin_dir, const char **why);

/* Sort rows by key, and compare keys: for bsearch() and qsort(). */
int pmresult_key_cmp(const void *a, const void *b);

#endif
