// SPDX-License-Identifier: GPL-2.0
/* Loading, attaching, upgrading and removing the programs of the pin store. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "mptcpify.skel.h"
#include "attach.h"
#include "attachpoint.h"
#include "compat.h"
#include "idmap.h"
#include "lifecycle.h"
#include "pincheck.h"
#include "probe.h"
#include "rootlinks.h"

__u64 lifecycle_build_id(void)
{
	const void *bytes;
	size_t size;

	bytes = mptcpify_bpf__elf_bytes(&size);
	return idmap_hash(bytes, size);
}

/*
 * Open the object with libbpf's pinning rooted at maps/: every map is reused
 * from its pin, or created and pinned when missing. Only the programs of
 * @links (PINS_LINK_BIT()s) are loaded. libbpf stays quiet unless -v.
 */
static struct mptcpify_bpf *load(struct pins *p, unsigned int links, const char **why)
{
	char maps[PATH_MAX];
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = maps);
	struct mptcpify_bpf *skel;
	int err;

	snprintf(maps, sizeof(maps), "%s/maps", p->dir);
	skel = mptcpify_bpf__open_opts(&opts);
	if (!skel) {
		*why = "cannot open the BPF object";
		return NULL;
	}
	attach_select(skel, links);
	skel->rodata->mptcp_ipv6 = probe_mptcp_ipv6();
	err = mptcpify_bpf__load(skel);
	if (err) {
		*why = links ? "the kernel refused the BPF programs" : "cannot create the maps";
		mptcpify_bpf__destroy(skel);
		errno = err < 0 ? -err : EINVAL;
		return NULL;
	}
	return skel;
}

static int pin_prog(struct pins *p, struct bpf_program *prog, const char *name)
{
	char path[PATH_MAX];

	pins_path(p, "progs", name, path);
	unlink(path);
	return bpf_program__pin(prog, path);
}

/* Point @link's hook's tail call at @prog: one atomic map update. */
static int set_impl(struct pins *p, enum pins_link link, struct bpf_program *prog)
{
	__u32 zero = 0;
	int fd = bpf_program__fd(prog);

	return bpf_map_update_elem(pins_slot_fd(p, link), &zero, &fd, BPF_ANY) ? -errno : 0;
}

/* Create what is missing of the maps and the state of a fresh store. */
static int create_maps(struct pins *p, const char **why)
{
	const char *subdirs[] = {"maps", "progs", "links"};
	struct mptcpify_bpf *skel;
	struct mptcpify_state st;
	char path[PATH_MAX];
	size_t i;
	int err;

	for (i = 0; i < sizeof(subdirs) / sizeof(subdirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", p->dir, subdirs[i]);
		if (mkdir(path, 0700) && errno != EEXIST) {
			*why = "cannot create the pin directory";
			return -errno;
		}
	}
	skel = load(p, 0, why);
	if (!skel)
		return -errno;
	err = pins_open_maps(p, why);
	mptcpify_bpf__destroy(skel);
	if (err != -ENOENT)
		return err;
	/* A state of layout 0 is fresh (or a creation that died): set it up. */
	if (pins_read_state(p, &st) || st.layout) {
		*why = "cannot create the maps";
		return -EIO;
	}
	st = (struct mptcpify_state){
		.gen = 1, .layout = MPTCPIFY_LAYOUT, .build_id = lifecycle_build_id()};
	err = pins_write_state(p, &st);
	return err ? err : pins_open_maps(p, why);
}

/*
 * Attach @link and pin it. A cgroup program is pinned and enabled: it
 * attaches at the attach points (attachpoint.h), none at first.
 */
static int attach_and_pin(struct pins *p, struct mptcpify_bpf *skel, enum pins_link link,
			  const char **why)
{
	struct bpf_link *l;
	char path[PATH_MAX];
	int err;

	if (!attach_is_tracing(link)) {
		/* What the compatibility programs look up: learned before they run. */
		if (link == PINS_LINK_SETSOCKOPT)
			compat_learn(p->incompat_fd);
		err = pin_prog(p, attach_prog_of(skel, link), pins_link_name(link));
		if (err) {
			*why = "cannot pin the program";
			return err;
		}
		return attachpoint_enable(p, link, why);
	}
	/* The slot is filled before the hook can run. */
	if (pins_link_hooked(link) && set_impl(p, link, attach_prog_of(skel, link))) {
		*why = "cannot fill the rewrite slot";
		return -errno;
	}
	l = attach_tracing(skel, link);
	if (!l) {
		*why = "cannot attach the program";
		return -errno;
	}
	pins_path(p, "links", pins_link_name(link), path);
	unlink(path);
	err = bpf_link__pin(l, path);
	if (!err && pins_link_hooked(link))
		err = pin_prog(p, attach_attached_prog(skel, link), pins_hook_name(link));
	if (!err)
		err = pin_prog(p, attach_prog_of(skel, link), pins_link_name(link));
	if (err)
		*why = "cannot pin the program";
	bpf_link__destroy(l); /* the pin keeps it attached */
	return err;
}

int lifecycle_ensure_links(struct pins *p, unsigned int links, const char **why)
{
	struct mptcpify_bpf *skel;
	unsigned int missing = 0;
	int l, err = 0;

	/* Optional links this kernel cannot attach are left out, quietly. */
	links &= attach_supported();
	for (l = 0; l < PINS_LINK_NR; l++) {
		if (!(links & PINS_LINK_BIT(l)) || pins_link_whole(p, l))
			continue;
		/* Half there (a pin removed by hand): start that link afresh. */
		if (pins_has_link(p, l))
			lifecycle_drop_link(p, l);
		missing |= PINS_LINK_BIT(l);
	}
	if (!missing)
		return 0;
	/* One load for all of them. */
	skel = load(p, missing, why);
	if (!skel)
		return -errno;
	for (l = 0; !err && l < PINS_LINK_NR; l++)
		if (missing & PINS_LINK_BIT(l))
			err = attach_and_pin(p, skel, l, why);
	mptcpify_bpf__destroy(skel);
	return err;
}

unsigned int lifecycle_links_possible(unsigned int links)
{
	return links & attach_supported();
}

/* Wait for the kernel to free a program, so that "gone" means gone. */
static void wait_prog_gone(__u32 id)
{
	struct timespec ts = {0, 10 * 1000 * 1000};
	int fd, i;

	for (i = 0; id && i < 300; i++) {
		fd = bpf_prog_get_fd_by_id(id);
		if (fd < 0)
			return;
		close(fd);
		nanosleep(&ts, NULL);
	}
}

static __u32 pinned_prog_id(struct pins *p, const char *name)
{
	struct bpf_prog_info info;

	pins_prog_info(p, name, &info);
	return info.id;
}

__u64 lifecycle_hook_recursion_misses(struct pins *p)
{
	struct bpf_prog_info info;

	pins_prog_info(p, PINS_HOOK, &info);
	return info.recursion_misses;
}

void lifecycle_drop_link(struct pins *p, enum pins_link link)
{
	char path[PATH_MAX];
	__u32 prog_id, hook_id = 0, zero = 0;

	prog_id = pinned_prog_id(p, pins_link_name(link));
	if (pins_link_hooked(link))
		hook_id = pinned_prog_id(p, pins_hook_name(link));
	if (!attach_is_tracing(link)) {
		attachpoint_disable(p, link);
	} else {
		pins_path(p, "links", pins_link_name(link), path);
		pins_detach_link(path);
	}
	pins_path(p, "progs", pins_link_name(link), path);
	unlink(path);
	if (pins_link_hooked(link)) {
		pins_path(p, "progs", pins_hook_name(link), path);
		unlink(path);
		/* The slot holds the program too. */
		bpf_map_delete_elem(pins_slot_fd(p, link), &zero);
	}
	wait_prog_gone(prog_id);
	wait_prog_gone(hook_id);
}

static bool same_tag(struct pins *p, const char *pinned, struct bpf_program *prog)
{
	struct bpf_prog_info a = {}, b = {};
	__u32 len = sizeof(a);
	char path[PATH_MAX];
	bool same;
	int fd;

	pins_path(p, "progs", pinned, path);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return false;
	same = !bpf_obj_get_info_by_fd(fd, &a, &len) &&
	       !bpf_obj_get_info_by_fd(bpf_program__fd(prog), &b, &(__u32){sizeof(b)}) &&
	       !memcmp(a.tag, b.tag, sizeof(a.tag));
	close(fd);
	return same;
}

/*
 * A tracing link whose program changed (the hook: only when its own code
 * did, which a change of the decision never makes). Tracing links cannot be
 * updated, so the new program is attached and pinned over the old one
 * before the old one goes: both run for a moment.
 */
static int replace_tracing(struct pins *p, struct mptcpify_bpf *skel, enum pins_link which,
			   const char **why)
{
	const char *prog_pin =
		pins_link_hooked(which) ? pins_hook_name(which) : pins_link_name(which);
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	struct bpf_link *link;
	int err;

	link = attach_tracing(skel, which);
	if (!link) {
		*why = "cannot attach the new tracing program";
		return -errno;
	}
	pins_path(p, "links", pins_link_name(which), path);
	/* bpffs refuses dots in names (EPERM): "rewrite-new", not "rewrite.new". */
	snprintf(tmp, sizeof(tmp), "%s-new", path);
	unlink(tmp);
	err = bpf_link__pin(link, tmp);
	if (err)
		*why = "cannot pin the new link";
	if (!err && rename(tmp, path)) {
		err = -errno;
		*why = "cannot move the new link over the old one";
	}
	bpf_link__destroy(link);
	if (err) {
		unlink(tmp);
		return err;
	}
	err = pin_prog(p, attach_attached_prog(skel, which), prog_pin);
	if (err)
		*why = "cannot pin the new program";
	return err;
}

/* Swap the program of each cgroup link in @links in place, everywhere attached. */
static int update_cgroup_links(struct pins *p, struct mptcpify_bpf *skel, unsigned int links,
			       const char **why)
{
	int l, err = 0;

	for (l = 0; !err && l < PINS_LINK_NR; l++) {
		if (attach_is_tracing(l) || !(links & PINS_LINK_BIT(l)))
			continue;
		err = attachpoint_update(p, l, bpf_program__fd(attach_prog_of(skel, l)));
		if (!err)
			err = pin_prog(p, attach_prog_of(skel, l), pins_link_name(l));
		if (err)
			*why = "cannot replace a cgroup program";
	}
	return err;
}

/*
 * Another build adopts the pins: load its programs against the pinned maps,
 * then swap them in. The rewrite program goes into the hook's tail-call
 * slot, one atomic map update; the hook stays unless its own code changed.
 */
static int upgrade(struct pins *p, struct mptcpify_state *st, const char **why)
{
	__u32 old[PINS_LINK_NR] = {0}, old_impl[PINS_LINK_NR] = {0};
	struct mptcpify_bpf *skel;
	unsigned int links = 0;
	const char *pin;
	int err, l;

	for (l = 0; l < PINS_LINK_NR; l++)
		if (pins_has_link(p, l))
			links |= PINS_LINK_BIT(l);
	skel = load(p, links, why);
	if (!skel)
		return -errno;
	err = update_cgroup_links(p, skel, links, why);
	/* The programs behind the hooks: a slot each, swapped in one update. */
	for (l = 0; !err && l < PINS_LINK_NR; l++) {
		if (!pins_link_hooked(l) || !(links & PINS_LINK_BIT(l)))
			continue;
		old_impl[l] = pinned_prog_id(p, pins_link_name(l));
		err = set_impl(p, l, attach_prog_of(skel, l));
		if (!err)
			err = pin_prog(p, attach_prog_of(skel, l), pins_link_name(l));
		if (err)
			*why = "cannot swap the rewrite program";
	}
	/* Tracing programs (the hooks among them) are replaced only if they changed. */
	for (l = 0; !err && l < PINS_LINK_NR; l++) {
		pin = pins_link_hooked(l) ? pins_hook_name(l) : pins_link_name(l);
		if (!attach_is_tracing(l) || !(links & PINS_LINK_BIT(l)) ||
		    same_tag(p, pin, attach_attached_prog(skel, l)))
			continue;
		old[l] = pinned_prog_id(p, pin);
		err = replace_tracing(p, skel, l, why);
	}
	if (!err)
		err = rootlinks_adopt(p, links, why);
	if (!err) {
		st->build_id = lifecycle_build_id();
		st->gen++; /* the new programs recompute every cached answer */
		err = pins_write_state(p, st);
		for (l = 0; l < PINS_LINK_NR; l++) {
			wait_prog_gone(old_impl[l]);
			wait_prog_gone(old[l]);
		}
		p->upgraded = true;
	}
	mptcpify_bpf__destroy(skel);
	return err;
}

/*
 * Pins that name other objects than the running ones are pinned back
 * before anything is made: a map made again by name beside running
 * programs would be one they never read.
 */
static int repair(struct pins *p, const char **why)
{
	struct pincheck c;
	int err;

	if (!pincheck_scan(p->dir, &c))
		return 0;
	p->repaired = pincheck_repair(p, &c);
	snprintf(p->repaired_what, sizeof(p->repaired_what), "%s %s",
		 pincheck_kind_name(c.d[0].kind), c.d[0].name);
	err = pins_open_maps(p, why);
	if (err == -ENOENT)
		*why = NULL; /* made next, as for a first load */
	return err == -ENOENT ? 0 : err;
}

int lifecycle_open(struct pins *p, const char *dir, enum lifecycle_how how, const char **why)
{
	struct mptcpify_state st;
	int err;

	err = pins_open(p, dir, PINS_EXCLUSIVE, why);
	if (!err)
		err = repair(p, why);
	if (!err && !p->complete)
		err = create_maps(p, why);
	if (!err)
		err = pins_read_state(p, &st);
	if (!err && how == LIFECYCLE_UPGRADE && st.build_id != lifecycle_build_id())
		err = upgrade(p, &st, why);
	if (err) {
		if (!*why)
			*why = "cannot open the pins";
		pins_close(p);
	}
	return err;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag;
	if (ftw->level)
		return remove(path) && errno != ENOENT ? -1 : 0;
	return 0;
}

/* Everything below @dir, then @dir: whatever layout or owner made it. */
static int remove_tree(const char *dir)
{
	if (nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS) && errno != ENOENT)
		return -errno;
	return rmdir(dir) && errno != ENOENT ? -errno : 0;
}

/*
 * Our programs go the orderly way first, so that "unloaded" means they are
 * gone; then whatever else is in the directory (pins of another layout,
 * leftovers of a run that died). All of it under the lock: a writer waiting
 * for it (a daemon repairing) finds the directory gone and makes a new one,
 * never one half removed under it.
 */
int lifecycle_unload(struct pins *p)
{
	const char *maps[] = {
#define MAP_NAME(name) #name,
		PINNED_MAPS(MAP_NAME)
#undef MAP_NAME
	};
	char path[PATH_MAX];
	size_t i;
	int l;

	for (l = 0; l < PINS_LINK_NR; l++)
		lifecycle_drop_link(p, l);
	for (i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		pins_path(p, "maps", maps[i], path);
		unlink(path);
	}
	return remove_tree(p->dir);
}

int lifecycle_unload_any(const char *dir)
{
	const char *why = NULL;
	struct pins p;
	struct stat st;
	int err;

	if (lstat(dir, &st))
		return -ENOENT;
	/* Another user's entry (pinstore.c): never ours to unload, only to clear. */
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid()) {
		err = S_ISDIR(st.st_mode) ? remove_tree(dir) : unlink(dir) ? -errno : 0;
		return err ? err : -ENOENT;
	}
	if (!pins_open(&p, dir, PINS_EXCLUSIVE, &why)) {
		err = lifecycle_unload(&p);
		pins_close(&p);
		return err;
	}
	/* Root's, but refused (open to others): nothing of it can be trusted. */
	return remove_tree(dir);
}
