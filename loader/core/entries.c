// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "attachpoint.h"
#include "cgroup.h"
#include "counters.h"
#include "entries.h"
#include "idmap.h"
#include "lifecycle.h"
#include "snapshot.h"

static const char *const mode_names[MPTCPIFY_MODE_NR] = {
	[MPTCPIFY_MODE_NONE] = "none",
	[MPTCPIFY_MODE_REWRITE] = "rewrite",
	[MPTCPIFY_MODE_AUDIT] = "audit",
	[MPTCPIFY_MODE_EXCLUDE] = "exclude",
};

const char *entries_mode_name(__u32 mode)
{
	return mode < MPTCPIFY_MODE_NR ? mode_names[mode] : "unknown";
}

int entries_parse_mode(const char *s, __u32 *mode)
{
	size_t len = s ? strlen(s) : 0;
	__u32 m;

	for (m = MPTCPIFY_MODE_REWRITE; len && m < MPTCPIFY_MODE_NR; m++) {
		if (!strncmp(mode_names[m], s, len)) {
			*mode = m;
			return 0;
		}
	}
	return -EINVAL;
}

/* What every entry needs: the outcomes of its connections (sockops). */
#define LINKS_ANY PINS_LINK_BIT(PINS_LINK_SUBFLOW)
/* What rewrite and audit entries need besides: option compatibility, fallbacks. */
#define LINKS_ENFORCED                                                               \
	(PINS_LINK_BIT(PINS_LINK_SETSOCKOPT) | PINS_LINK_BIT(PINS_LINK_GETSOCKOPT) | \
	 PINS_LINK_BIT(PINS_LINK_FALLBACK))

unsigned int entries_mode_links(__u32 mode)
{
	switch (mode) {
	case MPTCPIFY_MODE_REWRITE:
		/* The audit program counts what the rewrite missed (escapes). */
		return LINKS_ANY | LINKS_ENFORCED | PINS_LINKS_HOOKED |
		       PINS_LINK_BIT(PINS_LINK_AUDIT) | PINS_LINK_BIT(PINS_LINK_OOB_MPTCP);
	case MPTCPIFY_MODE_AUDIT:
		return LINKS_ANY | LINKS_ENFORCED | PINS_LINK_BIT(PINS_LINK_AUDIT) |
		       PINS_LINK_BIT(PINS_LINK_OOB_TCP);
	case MPTCPIFY_MODE_EXCLUDE:
		return LINKS_ANY;
	default:
		return 0;
	}
}

int entries_policy_get(struct pins *p, __u64 cgid, struct mptcpify_policy *out)
{
	return bpf_map_lookup_elem(p->policy_fd, &cgid, out) ? -errno : 0;
}

/*
 * Make the entry's counters and the entry. A map that is not preallocated
 * takes its elements from per-CPU caches that the kernel refills
 * asynchronously: many updates in a row can find one empty (-ENOMEM)
 * before the refill has run, so a short nap and another try.
 */
static int write_entry(struct pins *p, __u64 cgid, const struct mptcpify_policy *entry)
{
	struct timespec nap = {0, 200 * 1000};
	int err, tries;

	for (tries = 0;; tries++) {
		err = counters_create(p->stats_fd, cgid, sizeof(struct mptcpify_stats));
		if (!err)
			err = counters_create(p->outcomes_fd, cgid,
					      sizeof(struct mptcpify_outcomes));
		if (!err)
			err = counters_create(p->escapes_fd, cgid, sizeof(struct mptcpify_escapes));
		if (!err)
			err = counters_create(p->bytes_fd, cgid, sizeof(struct mptcpify_bytes));
		if (!err && bpf_map_update_elem(p->policy_fd, &cgid, entry, BPF_ANY))
			err = -errno;
		if (err != -ENOMEM || tries == 50)
			return err;
		nanosleep(&nap, NULL);
	}
}

int entries_policy_write(struct pins *p, __u64 cgid, const struct mptcpify_policy *cur, __u32 mode,
			 __u32 owner, __u32 flags, bool *changed, const char **why)
{
	struct mptcpify_policy entry = {.mode = mode, .owner = owner, .flags = flags};
	int err;

	/* A tripped protection stays tripped while the entry says the same. */
	*changed = !cur || cur->mode != mode || cur->owner != owner ||
		   (cur->flags & ~MPTCPIFY_TRIPPED) != flags;
	if (!*changed)
		return 0;
	err = write_entry(p, cgid, &entry);
	if (err) {
		*why = err == -E2BIG ? "too many configured cgroups" :
				       "cannot update the policy map";
		return err;
	}
	return pins_bump_gen(p);
}

int entries_policy_set(struct pins *p, __u64 cgid, const char *rel, __u32 mode, __u32 owner,
		       __u32 flags, struct attach_points *ap, bool *changed, const char **why)
{
	struct mptcpify_policy old;
	bool have = !entries_policy_get(p, cgid, &old);
	int err;

	*changed = false;
	err = lifecycle_ensure_links(p, entries_mode_links(mode), why);
	if (!err)
		err = attachpoint_cover(p, ap, rel, why);
	if (err)
		return err;
	return entries_policy_write(p, cgid, have ? &old : NULL, mode, owner, flags, changed, why);
}

int entries_policy_delete(struct pins *p, __u64 cgid)
{
	int err;

	if (bpf_map_delete_elem(p->policy_fd, &cgid))
		return -errno;
	err = pins_bump_gen(p);
	bpf_map_delete_elem(p->stats_fd, &cgid);
	bpf_map_delete_elem(p->outcomes_fd, &cgid);
	bpf_map_delete_elem(p->escapes_fd, &cgid);
	bpf_map_delete_elem(p->bytes_fd, &cgid);
	return err;
}

void entries_policy_count(struct pins *p, unsigned int counts[MPTCPIFY_MODE_NR])
{
	const struct mptcpify_policy *entry;
	struct mptcpify_policy one;
	struct map_snapshot snap;
	__u64 key, *prev = NULL;
	size_t it;

	memset(counts, 0, MPTCPIFY_MODE_NR * sizeof(counts[0]));
	/* The whole map in a few calls; one lookup per key if memory is short. */
	if (!map_snapshot_load(p->policy_fd, sizeof(one), &snap)) {
		for (it = 0; map_snapshot_next(&snap, &it, &key);) {
			entry = map_snapshot_get(&snap, key);
			if (entry->mode < MPTCPIFY_MODE_NR)
				counts[entry->mode]++;
		}
		map_snapshot_free(&snap);
		return;
	}
	for (; !bpf_map_get_next_key(p->policy_fd, prev, &key); prev = &key)
		if (!entries_policy_get(p, key, &one) && one.mode < MPTCPIFY_MODE_NR)
			counts[one.mode]++;
}

int entries_profile_get(struct pins *p, __u64 cgid, struct mptcpify_profile *out)
{
	return bpf_map_lookup_elem(p->profile_fd, &cgid, out) ? -errno : 0;
}

int entries_profile_put(struct pins *p, __u64 cgid, const char *rel,
			const struct mptcpify_profile *prof, struct attach_points *ap,
			bool *changed, const char **why)
{
	struct mptcpify_profile old;
	int err;

	*changed = entries_profile_get(p, cgid, &old) || memcmp(&old, prof, sizeof(old));
	err = lifecycle_ensure_links(p, PINS_LINK_BIT(PINS_LINK_SUBFLOW), why);
	if (!err)
		err = attachpoint_cover(p, ap, rel, why);
	if (err || !*changed)
		return err;
	if (bpf_map_update_elem(p->profile_fd, &cgid, prof, BPF_ANY)) {
		err = -errno;
		*why = err == -E2BIG ? "too many subflow profiles" : "cannot store the profile";
		return err;
	}
	err = counters_rule_stats_reset(p, cgid, prof->nrules);
	if (err) {
		*why = "cannot reset the rule counters";
		return err;
	}
	/* A new profile may be nearer than the one the cache answers with. */
	err = pins_bump_gen(p);
	if (err)
		*why = "cannot bump the policy generation";
	return err;
}

int entries_profile_delete(struct pins *p, __u64 cgid)
{
	int err;

	if (bpf_map_delete_elem(p->profile_fd, &cgid))
		return -errno;
	err = counters_rule_stats_reset(p, cgid, 0);
	/* The cache may answer with the profile just deleted. */
	return err ? err : pins_bump_gen(p);
}

static bool map_empty(int fd)
{
	__u64 key;

	return bpf_map_get_next_key(fd, NULL, &key) != 0;
}

unsigned int entries_links(struct pins *p)
{
	unsigned int counts[MPTCPIFY_MODE_NR], links = 0;
	__u32 mode;

	entries_policy_count(p, counts);
	for (mode = 0; mode < MPTCPIFY_MODE_NR; mode++)
		if (counts[mode])
			links |= entries_mode_links(mode);
	if (!map_empty(p->profile_fd))
		links |= PINS_LINK_BIT(PINS_LINK_SUBFLOW);
	return links;
}

int entries_release(struct pins *p, unsigned int keep, struct attach_points *ap, bool *unloaded)
{
	unsigned int needed = entries_links(p) | keep;
	const char *why;
	int l, err = 0;

	*unloaded = false;
	if (!keep && map_empty(p->policy_fd) && map_empty(p->profile_fd)) {
		*unloaded = true;
		return lifecycle_unload(p);
	}
	if (ap)
		err = attachpoint_sync(p, ap, &why);
	for (l = 0; l < PINS_LINK_NR; l++)
		if (!(needed & PINS_LINK_BIT(l)) && pins_has_link(p, l))
			lifecycle_drop_link(p, l);
	return err;
}

/*
 * Delete the keys of map @fd (u64 cgroup ids) whose cgroup is gone. Found
 * first, deleted after: deleting under get_next_key restarts the walk.
 */
static int prune_map(struct pins *p, int fd, int mount_fd, int (*remove)(struct pins *, __u64),
		     struct idmap *gone)
{
	__u64 key, *prev = NULL;
	size_t it;
	void *val;
	int n = 0;

	for (; !bpf_map_get_next_key(fd, prev, &key); prev = &key)
		if (!cgroup_id_alive(mount_fd, key))
			idmap_put(gone, key, (void *)1);
	for (it = 0; idmap_next(gone, &it, &key, &val);)
		n += !remove(p, key);
	return n;
}

int entries_prune(struct pins *p, const char *cgroup2)
{
	struct idmap gone = {0};
	int mount_fd, n;

	mount_fd = open(cgroup2, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (mount_fd < 0)
		return -errno;
	n = prune_map(p, p->policy_fd, mount_fd, entries_policy_delete, &gone);
	n += prune_map(p, p->profile_fd, mount_fd, entries_profile_delete, &gone);
	close(mount_fd);
	/* Their refused options and fallback reasons go with them. */
	if (gone.n)
		counters_tallies_forget(p, &gone);
	idmap_free(&gone);
	return n;
}

struct walk {
	struct idmap keys; /* cgroup id -> 1, 2 once its cgroup was found */
	entry_fn fn;
	void *ctx;
};

static int found(const struct cgroup_node *node, void *ctx)
{
	struct walk *w = ctx;

	if (idmap_get(&w->keys, node->id) == (void *)1) {
		idmap_put(&w->keys, node->id, (void *)2);
		w->fn(node->rel, node->id, w->ctx);
	}
	return 0;
}

int entries_walk(int map_fd, const char *cgroup2, entry_fn fn, void *ctx)
{
	struct walk w = {.fn = fn, .ctx = ctx};
	__u64 key, *prev = NULL;
	size_t it;
	void *val;
	int err = 0;

	for (; !err && !bpf_map_get_next_key(map_fd, prev, &key); prev = &key)
		err = idmap_put(&w.keys, key, (void *)1);
	if (!err && w.keys.n && cgroup2 && cgroup2[0])
		cgroup_walk(cgroup2, "/", found, &w);
	for (it = 0; !err && idmap_next(&w.keys, &it, &key, &val);)
		if (val == (void *)1)
			fn(NULL, key, ctx);
	idmap_free(&w.keys);
	return err;
}

const char *entries_check(struct pins *p)
{
	unsigned int needed;
	int l;

	if (!p->complete)
		return "a pinned map is missing: run 'mptcpify load' to repair";
	needed = lifecycle_links_possible(entries_links(p));
	for (l = 0; l < PINS_LINK_NR; l++)
		if ((needed & PINS_LINK_BIT(l)) && !pins_link_whole(p, l))
			return "an entry's program is not attached: run 'mptcpify load' to repair";
	return NULL;
}

int entries_snapshot(struct pins *p, struct map_snapshot *policies, struct map_snapshot *profiles)
{
	int err;

	err = map_snapshot_load(p->policy_fd, sizeof(struct mptcpify_policy), policies);
	if (!err)
		err = map_snapshot_load(p->profile_fd, sizeof(struct mptcpify_profile), profiles);
	if (err) {
		map_snapshot_free(policies);
		map_snapshot_free(profiles);
	}
	return err;
}

int entries_ids(struct pins *p, struct idmap *ids)
{
	int fds[] = {p->policy_fd, p->profile_fd};
	__u64 key, *prev;
	size_t i;

	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		for (prev = NULL; !bpf_map_get_next_key(fds[i], prev, &key); prev = &key)
			if (idmap_put(ids, key, (void *)1))
				return -ENOMEM;
	return 0;
}
