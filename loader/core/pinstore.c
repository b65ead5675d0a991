// SPDX-License-Identifier: GPL-2.0
/* The pin directory, its lock, and the pinned maps. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include "pindir.h"
#include "pinstore.h"

static const char *const link_names[PINS_LINK_NR] = {
	[PINS_LINK_REWRITE] = "rewrite",	 [PINS_LINK_AUDIT] = "audit",
	[PINS_LINK_SUBFLOW] = "subflow",	 [PINS_LINK_SETSOCKOPT] = "setsockopt",
	[PINS_LINK_GETSOCKOPT] = "getsockopt",	 [PINS_LINK_FALLBACK] = "fallback",
	[PINS_LINK_OOB_MPTCP] = "oob-mptcp",	 [PINS_LINK_OOB_TCP] = "oob-tcp",
	[PINS_LINK_BACKUP] = "rewrite-backup",	 [PINS_LINK_BACKUP2] = "rewrite-backup2",
	[PINS_LINK_BACKUP3] = "rewrite-backup3",
};

const char *pins_hook_name(enum pins_link link)
{
	switch (link) {
	case PINS_LINK_BACKUP:
		return "hook-backup";
	case PINS_LINK_BACKUP2:
		return "hook-backup2";
	case PINS_LINK_BACKUP3:
		return "hook-backup3";
	default:
		return PINS_HOOK;
	}
}

int pins_prog_info(const struct pins *p, const char *name, struct bpf_prog_info *info)
{
	__u32 len = sizeof(*info);
	char path[PATH_MAX];
	int fd, err = 0;

	memset(info, 0, sizeof(*info));
	pins_path(p, "progs", name, path);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fd, info, &len)) {
		err = -errno;
		memset(info, 0, sizeof(*info));
	}
	close(fd);
	return err;
}

int pins_slot_fd(const struct pins *p, enum pins_link link)
{
	switch (link) {
	case PINS_LINK_BACKUP:
		return p->rewrite_backup_fd;
	case PINS_LINK_BACKUP2:
		return p->rewrite_backup2_fd;
	case PINS_LINK_BACKUP3:
		return p->rewrite_backup3_fd;
	default:
		return p->rewrite_impl_fd;
	}
}

const char *pins_link_name(enum pins_link link)
{
	return link < PINS_LINK_NR ? link_names[link] : "none";
}

const char *pins_default_dir(void)
{
	const char *env = getenv("MPTCPIFY_PIN_DIR");

	return env && *env ? env : PINSTORE_DEFAULT_DIR;
}

void pins_path(const struct pins *p, const char *kind, const char *name, char *out)
{
	snprintf(out, PATH_MAX, "%s/%s/%s", p->dir, kind, name);
}

/*
 * The pin directory must be root's alone. One made by another user (any
 * user may mkdir on a world-writable bpffs) could have its maps and links
 * renamed away under us, and one others may open could be flock()ed by them.
 */
static int check_owner(int fd, const char **why)
{
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	if (st.st_uid != geteuid()) {
		*why = "the pin directory belongs to another user, who may have made it first";
		return -EPERM;
	}
	if (st.st_mode & 077) {
		*why = "the pin directory is open to other users (it must be 0700)";
		return -EPERM;
	}
	return 0;
}

/* Is @fd still the directory at @path? An unload may remove it while we wait. */
static bool still_there(int fd, const char *path)
{
	struct stat a, b;

	return !fstat(fd, &a) && !lstat(path, &b) && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static void close_maps(struct pins *p)
{
#define CLOSE_MAP(name)              \
	if (p->name##_fd >= 0)       \
		close(p->name##_fd); \
	p->name##_fd = -1;
	PINNED_MAPS(CLOSE_MAP)
#undef CLOSE_MAP
	p->complete = false;
}

static int open_map(struct pins *p, const char *name, int *fd, const char **why)
{
	char path[PATH_MAX];

	pins_path(p, "maps", name, path);
	*fd = bpf_obj_get(path);
	if (*fd >= 0)
		return 0;
	*why = "a pinned map is missing";
	return -ENOENT;
}

/*
 * The state map first: it says which layout made the pins, so a build with
 * another set of maps says so instead of tripping over a missing one. A
 * state of layout 0 is one whose creation did not finish.
 */
int pins_open_maps(struct pins *p, const char **why)
{
	struct mptcpify_state st;
	int err = 0;

	close_maps(p);
	if (open_map(p, "state", &p->state_fd, why))
		return -ENOENT;
	if (pins_read_state(p, &st)) {
		*why = "cannot read the pinned state";
		return -EIO;
	}
	if (!st.layout) {
		*why = "the pins were not finished";
		return -ENOENT;
	}
	if (st.layout != MPTCPIFY_LAYOUT) {
		*why = "the pins come from an mptcpify with another map layout";
		return -EPROTO;
	}
#define OPEN_MAP(name)                \
	if (!err && p->name##_fd < 0) \
		err = open_map(p, #name, &p->name##_fd, why);
	PINNED_MAPS(OPEN_MAP)
#undef OPEN_MAP
	p->complete = !err;
	return err;
}

static int open_locked(struct pins *p, const char *dir, enum pins_lock lock, const char **why)
{
	char parent[PATH_MAX], *slash;
	int tries, err, fd;

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

	if (lock == PINS_EXCLUSIVE) {
		err = pindir_ensure_bpffs(parent, why);
		if (err)
			return err;
	} else if (!pindir_on_bpffs(parent)) {
		*why = "bpffs is not mounted";
		return -ENOENT;
	}
	for (tries = 0;; tries++) {
		if (lock == PINS_EXCLUSIVE) {
			err = pindir_place(dir, p->moved_aside, sizeof(p->moved_aside), why);
			if (err)
				return err;
		}
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			*why = errno == ENOENT ? "mptcpify is not loaded" :
						 "cannot open the pin directory";
			return -errno;
		}
		err = check_owner(fd, why);
		if (!err && flock(fd, lock == PINS_SHARED ? LOCK_SH : LOCK_EX)) {
			err = -errno;
			*why = "cannot lock the pin directory";
		}
		if (err) {
			close(fd);
			return err;
		}
		if (still_there(fd, dir))
			break;
		close(fd);
		if (lock == PINS_SHARED || tries == 3) {
			*why = "mptcpify is not loaded";
			return -ENOENT;
		}
	}
	p->dir_fd = fd;
	err = pins_open_maps(p, why);
	/* A writer makes what is missing; a reader sees p->complete. */
	if (err == -ENOENT)
		return lock == PINS_EXCLUSIVE || p->state_fd >= 0 ? 0 : err;
	return err;
}

int pins_open(struct pins *p, const char *dir, enum pins_lock lock, const char **why)
{
	int err;

	memset(p, 0, sizeof(*p));
	p->dir_fd = -1;
#define INIT_FD(name) p->name##_fd = -1;
	PINNED_MAPS(INIT_FD)
#undef INIT_FD
	err = open_locked(p, dir, lock, why);
	/* The lock belongs to the open file: a failed open must not keep it. */
	if (err)
		pins_close(p);
	return err;
}

void pins_close(struct pins *p)
{
	close_maps(p);
	pins_unlock(p);
}

void pins_unlock(struct pins *p)
{
	if (p->dir_fd >= 0)
		close(p->dir_fd);
	p->dir_fd = -1;
}

int pins_lock_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0)
		flock(fd, LOCK_SH);
	return fd;
}

void pins_unlock_dir(int fd)
{
	if (fd >= 0)
		close(fd);
}

bool pins_has_link(const struct pins *p, enum pins_link link)
{
	char path[PATH_MAX];

	if (link >= PINS_LINK_NR)
		return false;
	pins_path(p, "links", link_names[link], path);
	return access(path, F_OK) == 0;
}

bool pins_link_whole(const struct pins *p, enum pins_link link)
{
	char path[PATH_MAX];

	if (!pins_has_link(p, link))
		return false;
	pins_path(p, "progs", link_names[link], path);
	if (access(path, F_OK))
		return false;
	pins_path(p, "progs", pins_hook_name(link), path);
	return !pins_link_hooked(link) || !access(path, F_OK);
}

void pins_detach_link(const char *path)
{
	int fd = bpf_obj_get(path);

	if (fd >= 0) {
		/* Cgroup links detach at once; others when the last ref goes. */
		bpf_link_detach(fd);
		close(fd);
	}
	unlink(path);
}

bool pins_intact(const char *dir, unsigned int links)
{
	struct pins p = {0};
	char path[PATH_MAX];
	int l;

	if (snprintf(p.dir, sizeof(p.dir), "%s", dir) >= (int)sizeof(p.dir) ||
	    !pindir_on_bpffs(dir))
		return false;
	pins_path(&p, "maps", "state", path);
	if (access(path, F_OK))
		return false;
	for (l = 0; l < PINS_LINK_NR; l++)
		if ((links & PINS_LINK_BIT(l)) && !pins_link_whole(&p, l))
			return false;
	return true;
}

int pins_read_state(const struct pins *p, struct mptcpify_state *st)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(p->state_fd, &zero, st) ? -errno : 0;
}

int pins_write_state(const struct pins *p, const struct mptcpify_state *st)
{
	__u32 zero = 0;

	return bpf_map_update_elem(p->state_fd, &zero, st, BPF_ANY) ? -errno : 0;
}

int pins_bump_gen(struct pins *p)
{
	struct mptcpify_state st;
	int err = pins_read_state(p, &st);

	if (err)
		return err;
	st.gen++;
	return pins_write_state(p, &st);
}
