// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "mptcpify.skel.h"
#include "output.h"
#include "idmap.h"
#include "pins.h"
#include "probe.h"

static const char *const map_names[] = {"policy",	"stats",   "cache",	"state",
					"rewrite_impl", "profile", "rule_stats"};
#define N_MAPS 7

static const char *const link_names[PINS_LINK_NR] = {"rewrite", "audit", "subflow"};

enum pins_link pins_link_of_mode(__u32 mode)
{
	if (mode == MPTCPIFY_MODE_REWRITE)
		return PINS_LINK_REWRITE;
	if (mode == MPTCPIFY_MODE_AUDIT)
		return PINS_LINK_AUDIT;
	return PINS_LINK_NR;
}

static void pin_path(char *out, const struct pins *p, const char *kind, const char *name)
{
	snprintf(out, PATH_MAX, "%s/%s/%s", p->dir, kind, name);
}

static int *map_fd_slot(struct pins *p, int i)
{
	int *slots[] = {&p->policy_fd, &p->stats_fd,   &p->cache_fd,	 &p->state_fd,
			&p->impl_fd,   &p->profile_fd, &p->rule_stats_fd};

	return slots[i];
}

const char *pins_default_dir(void)
{
	const char *env = getenv("MPTCPIFY_PIN_DIR");

	return env && *env ? env : MPTCPIFY_PIN_DIR;
}

__u64 pins_build_id(void)
{
	const void *bytes;
	size_t size;

	bytes = mptcpify_bpf__elf_bytes(&size);
	return idmap_hash(bytes, size);
}

static bool on_bpffs(const char *path)
{
	struct statfs sfs;

	return !statfs(path, &sfs) && sfs.f_type == BPF_FS_MAGIC;
}

/* bpffs must hold the pin directory; mount it at the usual place if missing. */
static int ensure_bpffs(const char *parent, bool create, const char **why)
{
	int fd = -1, err = 0;

	if (on_bpffs(parent))
		return 0;
	if (!create)
		return -ENOENT;
	if (strcmp(parent, "/sys/fs/bpf")) {
		*why = "the pin directory's parent is not on bpffs";
		return -ENODEV;
	}
	/*
	 * Two first runs must not both mount (one bpffs on top of the other
	 * would hide the pins of the lower): lock the directory underneath,
	 * and look again once we hold it.
	 */
	fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || flock(fd, LOCK_EX)) {
		err = -errno;
		*why = "cannot lock /sys/fs/bpf to mount bpffs";
		goto out;
	}
	if (!on_bpffs(parent) && mount("bpf", parent, "bpf", 0, "mode=0700")) {
		err = -errno;
		*why = "bpffs is not mounted at /sys/fs/bpf and cannot be mounted";
	}
out:
	if (fd >= 0)
		close(fd);
	return err;
}

static int read_state(int fd, struct mptcpify_state *st)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(fd, &zero, st) ? -errno : 0;
}

int pins_read_state(const struct pins *p, struct mptcpify_state *st)
{
	return read_state(p->state_fd, st);
}

static int write_state(int fd, const struct mptcpify_state *st)
{
	__u32 zero = 0;

	return bpf_map_update_elem(fd, &zero, st, BPF_ANY) ? -errno : 0;
}

int pins_bump_gen(struct pins *p)
{
	struct mptcpify_state st;
	int err = read_state(p->state_fd, &st);

	if (err)
		return err;
	st.gen++;
	return write_state(p->state_fd, &st);
}

bool pins_has_link(const struct pins *p, enum pins_link link)
{
	char path[PATH_MAX];

	if (link >= PINS_LINK_NR)
		return false;
	pin_path(path, p, "links", link_names[link]);
	return access(path, F_OK) == 0;
}

/*
 * Open the skeleton with the pinned maps in place of its own, and load only
 * the programs of @links (PINS_LINK_BIT()s). libbpf stays quiet unless -v.
 */
static struct mptcpify_bpf *load_skel(struct pins *p, unsigned int links, const char **why)
{
	struct mptcpify_bpf *skel;
	struct bpf_map *maps[N_MAPS];
	int i, err;

	skel = mptcpify_bpf__open();
	if (!skel) {
		*why = "cannot open the BPF object";
		return NULL;
	}
	maps[0] = skel->maps.policy;
	maps[1] = skel->maps.stats;
	maps[2] = skel->maps.cache;
	maps[3] = skel->maps.state;
	maps[4] = skel->maps.rewrite_impl;
	maps[5] = skel->maps.profile;
	maps[6] = skel->maps.rule_stats;
	for (i = 0; i < N_MAPS; i++) {
		err = bpf_map__reuse_fd(maps[i], *map_fd_slot(p, i));
		if (err) {
			*why = "cannot reuse the pinned maps";
			goto fail;
		}
	}
	bpf_program__set_autoload(skel->progs.mptcpify_hook,
				  links & PINS_LINK_BIT(PINS_LINK_REWRITE));
	bpf_program__set_autoload(skel->progs.mptcpify_rewrite,
				  links & PINS_LINK_BIT(PINS_LINK_REWRITE));
	bpf_program__set_autoload(skel->progs.mptcpify_audit,
				  links & PINS_LINK_BIT(PINS_LINK_AUDIT));
	bpf_program__set_autoload(skel->progs.mptcpify_subflow,
				  links & PINS_LINK_BIT(PINS_LINK_SUBFLOW));
	skel->rodata->mptcp_ipv6 = probe_mptcp_ipv6();
	err = mptcpify_bpf__load(skel);
	if (err) {
		*why = "the kernel refused the BPF programs";
		goto fail;
	}
	return skel;
fail:
	mptcpify_bpf__destroy(skel);
	errno = err < 0 ? -err : EINVAL;
	return NULL;
}

static int pin_prog(struct pins *p, struct bpf_program *prog, const char *name)
{
	char path[PATH_MAX];

	pin_path(path, p, "progs", name);
	unlink(path);
	return bpf_program__pin(prog, path);
}

static struct bpf_program *link_prog(struct mptcpify_bpf *skel, enum pins_link link)
{
	struct bpf_program *progs[PINS_LINK_NR] = {skel->progs.mptcpify_rewrite,
						   skel->progs.mptcpify_audit,
						   skel->progs.mptcpify_subflow};

	return progs[link];
}

static struct bpf_link *attach_prog(struct mptcpify_bpf *skel, enum pins_link link,
				    const char *cgroup2)
{
	struct bpf_link *l;
	int cg_fd;

	if (link == PINS_LINK_REWRITE)
		return bpf_program__attach(skel->progs.mptcpify_hook);
	/*
	 * Audit and subflow programs see every socket of the node, once: the
	 * policy and profile maps pick ours, nearest entry first. Attached per
	 * cgroup instead, nested entries would run (and count) twice.
	 */
	cg_fd = open(cgroup2, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg_fd < 0)
		return NULL;
	l = bpf_program__attach_cgroup(link_prog(skel, link), cg_fd);
	close(cg_fd);
	return l;
}

/* Point the hook's tail call at @prog_fd: one atomic map update. */
static int set_impl(struct pins *p, int prog_fd)
{
	__u32 zero = 0;

	return bpf_map_update_elem(p->impl_fd, &zero, &prog_fd, BPF_ANY) ? -errno : 0;
}

int pins_ensure_link(struct pins *p, enum pins_link which, const char *cgroup2, const char **why)
{
	bool rewrite = which == PINS_LINK_REWRITE;
	struct mptcpify_bpf *skel;
	struct bpf_link *link;
	char path[PATH_MAX];
	int err;

	if (which >= PINS_LINK_NR || pins_has_link(p, which))
		return 0;
	skel = load_skel(p, PINS_LINK_BIT(which), why);
	if (!skel)
		return -errno;
	/* The slot is filled before the hook can run. */
	if (rewrite) {
		err = set_impl(p, bpf_program__fd(skel->progs.mptcpify_rewrite));
		if (err) {
			*why = "cannot fill the rewrite slot";
			goto out;
		}
	}
	link = attach_prog(skel, which, cgroup2);
	if (!link) {
		err = -errno;
		*why = "cannot attach the program";
		goto out;
	}
	pin_path(path, p, "links", link_names[which]);
	err = bpf_link__pin(link, path);
	if (!err && rewrite)
		err = pin_prog(p, skel->progs.mptcpify_hook, "hook");
	if (!err)
		err = pin_prog(p, link_prog(skel, which), link_names[which]);
	if (err)
		*why = "cannot pin the program";
	bpf_link__destroy(link); /* the pin keeps it attached */
out:
	mptcpify_bpf__destroy(skel);
	return err;
}

/* Wait for the kernel to free a program, so that "gone" means gone. */
int pins_ensure_links(struct pins *p, unsigned int links, const char *cgroup2, const char **why)
{
	int l, err = 0;

	for (l = 0; !err && l < PINS_LINK_NR; l++)
		if (links & PINS_LINK_BIT(l))
			err = pins_ensure_link(p, l, cgroup2, why);
	return err;
}

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

static __u32 pinned_prog_id(const char *path)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_obj_get(path);

	if (fd < 0)
		return 0;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		info.id = 0;
	close(fd);
	return info.id;
}

int pins_drop_link(struct pins *p, enum pins_link which)
{
	char link_path[PATH_MAX], prog_path[PATH_MAX], hook_path[PATH_MAX];
	__u32 prog_id, hook_id = 0, zero = 0;
	int fd;

	pin_path(link_path, p, "links", link_names[which]);
	pin_path(prog_path, p, "progs", link_names[which]);
	pin_path(hook_path, p, "progs", "hook");
	prog_id = pinned_prog_id(prog_path);
	if (which == PINS_LINK_REWRITE)
		hook_id = pinned_prog_id(hook_path);
	fd = bpf_obj_get(link_path);
	if (fd >= 0) {
		/* Cgroup links detach at once; others when the last ref goes. */
		bpf_link_detach(fd);
		close(fd);
	}
	unlink(link_path);
	unlink(prog_path);
	if (which == PINS_LINK_REWRITE) {
		unlink(hook_path);
		bpf_map_delete_elem(p->impl_fd, &zero); /* the slot holds the program too */
	}
	wait_prog_gone(prog_id);
	wait_prog_gone(hook_id);
	return 0;
}

static bool same_tag(const char *pinned, int prog_fd)
{
	struct bpf_prog_info a = {}, b = {};
	__u32 len = sizeof(a);
	int fd = bpf_obj_get(pinned);
	bool same;

	if (fd < 0)
		return false;
	same = !bpf_obj_get_info_by_fd(fd, &a, &len) &&
	       !bpf_obj_get_info_by_fd(prog_fd, &b, &(__u32){sizeof(b)}) &&
	       !memcmp(a.tag, b.tag, sizeof(a.tag));
	close(fd);
	return same;
}

/*
 * The hook's own code changed (rare: it only tail-calls). Tracing links
 * cannot be updated, so the new hook is attached and pinned over the old one
 * before the old one goes: both run for a moment, through the same slot.
 */
static int replace_hook(struct pins *p, struct mptcpify_bpf *skel, const char **why)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	struct bpf_link *link;
	int err;

	link = bpf_program__attach(skel->progs.mptcpify_hook);
	if (!link) {
		*why = "cannot attach the new hook";
		return -errno;
	}
	pin_path(path, p, "links", "rewrite");
	/* bpffs refuses dots in names (EPERM): "rewrite-new", not "rewrite.new". */
	snprintf(tmp, sizeof(tmp), "%s-new", path);
	unlink(tmp);
	err = bpf_link__pin(link, tmp);
	if (err)
		*why = "cannot pin the new hook's link";
	if (!err && rename(tmp, path)) {
		err = -errno;
		*why = "cannot move the new hook's link over the old one";
	}
	bpf_link__destroy(link);
	if (err) {
		unlink(tmp);
		return err;
	}
	err = pin_prog(p, skel->progs.mptcpify_hook, "hook");
	if (err)
		*why = "cannot pin the new hook";
	return err;
}

/*
 * A different build adopts the pins: load its programs against the pinned
 * maps, then swap. The rewrite program is swapped in the hook's tail-call
 * slot, one atomic map update; the audit link is updated in place
 * (BPF_LINK_UPDATE). Neither re-patches kernel text.
 */
static int upgrade(struct pins *p, struct mptcpify_state *st, const char **why)
{
	__u32 old_prog = 0, old_hook = 0;
	struct mptcpify_bpf *skel;
	unsigned int links = 0;
	char path[PATH_MAX];
	int err = 0, fd, l;

	for (l = 0; l < PINS_LINK_NR; l++)
		if (pins_has_link(p, l))
			links |= PINS_LINK_BIT(l);
	skel = load_skel(p, links, why);
	if (!skel)
		return -errno;
	for (l = PINS_LINK_AUDIT; l < PINS_LINK_NR; l++) {
		if (!(links & PINS_LINK_BIT(l)))
			continue;
		pin_path(path, p, "links", link_names[l]);
		fd = bpf_obj_get(path);
		err = fd < 0 ? -errno :
			       bpf_link_update(fd, bpf_program__fd(link_prog(skel, l)), NULL);
		if (fd >= 0)
			close(fd);
		if (!err)
			err = pin_prog(p, link_prog(skel, l), link_names[l]);
		if (err) {
			*why = "cannot replace a cgroup program";
			goto out;
		}
	}
	if (links & PINS_LINK_BIT(PINS_LINK_REWRITE)) {
		pin_path(path, p, "progs", "rewrite");
		old_prog = pinned_prog_id(path);
		err = set_impl(p, bpf_program__fd(skel->progs.mptcpify_rewrite));
		if (!err)
			err = pin_prog(p, skel->progs.mptcpify_rewrite, "rewrite");
		if (err) {
			*why = "cannot swap the rewrite program";
			goto out;
		}
		pin_path(path, p, "progs", "hook");
		if (!same_tag(path, bpf_program__fd(skel->progs.mptcpify_hook))) {
			old_hook = pinned_prog_id(path);
			err = replace_hook(p, skel, why);
			if (err)
				goto out;
		}
	}
	st->build_id = pins_build_id();
	st->gen++; /* the new programs recompute every cached answer */
	err = write_state(p->state_fd, st);
	wait_prog_gone(old_prog);
	wait_prog_gone(old_hook);
	p->upgraded = true;
out:
	mptcpify_bpf__destroy(skel);
	return err;
}

/*
 * The state map first: it says which layout made the pins, so a build with
 * another set of maps says so instead of tripping over a missing one.
 */
static int open_maps(struct pins *p, const char **why)
{
	struct mptcpify_state st;
	char path[PATH_MAX];
	int i, state = 3;

	pin_path(path, p, "maps", map_names[state]);
	p->state_fd = bpf_obj_get(path);
	if (p->state_fd < 0)
		return -errno;
	if (read_state(p->state_fd, &st)) {
		*why = "cannot read the pinned state";
		return -EIO;
	}
	if (st.layout != MPTCPIFY_LAYOUT) {
		*why = "the pins come from an mptcpify with another map layout";
		return -EPROTO;
	}
	for (i = 0; i < N_MAPS; i++) {
		if (i == state)
			continue;
		pin_path(path, p, "maps", map_names[i]);
		*map_fd_slot(p, i) = bpf_obj_get(path);
		if (*map_fd_slot(p, i) < 0) {
			*why = "a pinned map is missing";
			return -EPROTO;
		}
	}
	return 0;
}

/* First run: create and pin the maps, no program yet. */
static int create_maps(struct pins *p, const char **why)
{
	struct mptcpify_state st = {.gen = 1, .layout = MPTCPIFY_LAYOUT};
	const char *subdirs[] = {"", "/maps", "/progs", "/links"};
	struct mptcpify_bpf *skel;
	char path[PATH_MAX];
	int i, err;

	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s%s", p->dir, subdirs[i]);
		if (mkdir(path, 0700) && errno != EEXIST) {
			*why = "cannot create the pin directory";
			return -errno;
		}
	}
	skel = mptcpify_bpf__open();
	if (!skel) {
		*why = "cannot open the BPF object";
		return -errno;
	}
	bpf_program__set_autoload(skel->progs.mptcpify_hook, false);
	bpf_program__set_autoload(skel->progs.mptcpify_rewrite, false);
	bpf_program__set_autoload(skel->progs.mptcpify_audit, false);
	bpf_program__set_autoload(skel->progs.mptcpify_subflow, false);
	err = mptcpify_bpf__load(skel);
	st.build_id = pins_build_id();
	if (!err)
		err = write_state(bpf_map__fd(skel->maps.state), &st);
	/* state goes last: a pinned state means a complete, initialised set. */
	for (i = 0; !err && i < N_MAPS; i++) {
		struct bpf_map *maps[] = {skel->maps.policy,  skel->maps.stats,
					  skel->maps.cache,   skel->maps.rewrite_impl,
					  skel->maps.profile, skel->maps.rule_stats,
					  skel->maps.state};

		pin_path(path, p, "maps", bpf_map__name(maps[i]));
		err = bpf_map__pin(maps[i], path);
	}
	if (err)
		for (i = 0; i < N_MAPS; i++) {
			pin_path(path, p, "maps", map_names[i]);
			unlink(path);
		}
	mptcpify_bpf__destroy(skel);
	if (err) {
		*why = "cannot create the maps";
		return err;
	}
	return open_maps(p, why);
}

static int open_locked(struct pins *p, const char *dir, enum pins_how how, const char **why)
{
	struct mptcpify_state st;
	char parent[PATH_MAX], *slash;
	int i, err;

	memset(p, 0, sizeof(*p));
	p->lock_fd = -1;
	for (i = 0; i < N_MAPS; i++)
		*map_fd_slot(p, i) = -1;
	if (strlen(dir) >= sizeof(p->dir) - 32) {
		*why = "pin directory path too long";
		return -ENAMETOOLONG;
	}
	strcpy(p->dir, dir);
	strcpy(parent, dir);
	slash = strrchr(parent, '/');
	if (!slash || slash == parent) {
		*why = "the pin directory must be below a bpffs mount";
		return -EINVAL;
	}
	*slash = '\0';

	err = ensure_bpffs(parent, how != PINS_READ, why);
	if (err)
		return err;
	/* Serialise mptcpify runs: flock works on the bpffs directory itself. */
	p->lock_fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (p->lock_fd < 0 || flock(p->lock_fd, LOCK_EX)) {
		*why = "cannot lock the bpffs directory";
		return -errno;
	}

	err = open_maps(p, why);
	if (err == -ENOENT && how != PINS_READ)
		err = create_maps(p, why);
	if (err) {
		if (!*why)
			*why = err == -ENOENT ? "mptcpify is not loaded" :
						"cannot open the pinned maps";
		return err;
	}
	err = read_state(p->state_fd, &st);
	if (err) {
		*why = "cannot read the pinned state";
		return err;
	}
	if (how == PINS_CREATE && st.build_id != pins_build_id())
		return upgrade(p, &st, why);
	return 0;
}

int pins_open(struct pins *p, const char *dir, enum pins_how how, const char **why)
{
	int err = open_locked(p, dir, how, why);

	/* The lock belongs to the open file: a failed open must not keep it. */
	if (err)
		pins_close(p);
	return err;
}

void pins_close(struct pins *p)
{
	int i;

	for (i = 0; i < N_MAPS; i++) {
		if (*map_fd_slot(p, i) >= 0)
			close(*map_fd_slot(p, i));
		*map_fd_slot(p, i) = -1;
	}
	if (p->lock_fd >= 0)
		close(p->lock_fd);
	p->lock_fd = -1;
}

int pins_unload(struct pins *p)
{
	char path[PATH_MAX];
	int i;

	for (i = 0; i < PINS_LINK_NR; i++)
		pins_drop_link(p, i);
	for (i = 0; i < N_MAPS; i++) {
		pin_path(path, p, "maps", map_names[i]);
		unlink(path);
	}
	for (i = 0; i < 3; i++) {
		const char *sub[] = {"maps", "progs", "links"};

		snprintf(path, sizeof(path), "%s/%s", p->dir, sub[i]);
		rmdir(path);
	}
	return rmdir(p->dir) ? -errno : 0;
}

int pins_unload_any(const char *dir)
{
	struct pins p;
	const char *why = NULL;
	int err = pins_open(&p, dir, PINS_READ, &why);

	/*
	 * Pins of another layout go too, and so do the leftovers of a run
	 * that died while creating them: unload only needs their paths.
	 */
	if (err == -EPROTO || (err == -ENOENT && p.lock_fd >= 0 && !access(dir, F_OK)))
		err = 0;
	if (!err)
		err = pins_unload(&p);
	pins_close(&p);
	return err;
}
