// SPDX-License-Identifier: GPL-2.0
/* Where the pin directory lives: bpffs mounted, and the directory root's own. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sched.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <linux/magic.h>
#include "mountinfo.h"
#include "pindir.h"

#define BPFFS_DEFAULT "/sys/fs/bpf"
/* Orders two first runs that would both mount bpffs, and root's writers
 * placing the pin directory: in /run, which only root may write, so no
 * other user can hold it. */
#define MOUNT_LOCK "/run/mptcpify.lock"

bool pindir_on_bpffs(const char *path)
{
	struct statfs sfs;

	return !statfs(path, &sfs) && sfs.f_type == BPF_FS_MAGIC;
}

/*
 * Is this process in PID 1's mount namespace? A sandboxed systemd service
 * is not: what it mounts, only it sees. Without CAP_SYS_PTRACE PID 1's
 * namespace cannot be looked at: then a process that systemd started
 * (INVOCATION_ID) is taken to have one of its own, any other not.
 */
static bool in_init_mount_ns(void)
{
	struct stat self, init;

	if (stat("/proc/self/ns/mnt", &self) || stat("/proc/1/ns/mnt", &init))
		return !getenv("INVOCATION_ID");
	return self.st_dev == init.st_dev && self.st_ino == init.st_ino;
}

/* MOUNT_LOCK, held: an fd, or -1 where /run cannot have it (then unordered). */
static int root_lock(void)
{
	int fd = open(MOUNT_LOCK, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	struct stat st;

	if (fd >= 0 && (fstat(fd, &st) || st.st_uid != 0 || flock(fd, LOCK_EX))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/*
 * bpffs must hold the pin directory; mount it, root-only, at the usual
 * place if it is missing. Two first runs must not both mount (one bpffs on
 * top of the other would hide the pins of the lower), so the mount happens
 * under a lock, and is looked for again once we hold it. Where /run cannot
 * be written (a read-only container), the mount goes ahead unlocked.
 */
int pindir_ensure_bpffs(const char *parent, const char **why)
{
	int lock, err = 0;

	if (pindir_on_bpffs(parent))
		return 0;
	if (strcmp(parent, BPFFS_DEFAULT)) {
		*why = "the pin directory's parent is not on bpffs";
		return -ENODEV;
	}
	/* Pins on a bpffs mounted there would be seen by no one else, and
	 * would vanish with the process. */
	if (!in_init_mount_ns()) {
		*why = "bpffs is not mounted at " BPFFS_DEFAULT
		       ", and a mount in this process's own mount namespace would hide the "
		       "pins: mount it on the host (mptcpify-bpffs.service does)";
		return -EXDEV;
	}
	lock = root_lock();
	if (!pindir_on_bpffs(parent) && mount("bpf", parent, "bpf", 0, "mode=0700")) {
		err = -errno;
		*why = "bpffs is not mounted at " BPFFS_DEFAULT " and cannot be mounted";
	}
	if (lock >= 0)
		close(lock);
	return err;
}

/* How often a writer moves a user's entry aside before it gives up. */
#define FOREIGN_TRIES 32

/*
 * On a bpffs others may write (mode 1777, the kernel's default) any user
 * can take the pin directory's name first, with a directory, a file or a
 * symlink, and again the moment it is free after an unload. Root never
 * uses such an entry, nor gives up enforcing because of it: a writer makes
 * its directory under a name of its own and puts it in place atomically,
 * exchanging it with a user's entry, so the name is never free for a
 * racer to take. The user's entry ends at "<dir>-foreign-<inode>" (bpffs
 * allows no dot in a name), which @moved says.
 */
static void keep_aside(char *moved, size_t len, const char *dir, const char *tmp)
{
	struct stat st;
	int n;

	if (lstat(tmp, &st))
		return;
	for (n = 0; n < 8; n++) {
		snprintf(moved, len, "%s-foreign-%lu%s%.0d", dir, (unsigned long)st.st_ino,
			 n ? "-" : "", n);
		if (!renameat2(AT_FDCWD, tmp, AT_FDCWD, moved, RENAME_NOREPLACE))
			return;
		if (errno != EEXIST)
			break;
	}
	/* No name free for it: it goes, it was never ours to keep. */
	snprintf(moved, len, "(removed)");
	if (S_ISDIR(st.st_mode) ? rmdir(tmp) : unlink(tmp))
		moved[0] = '\0';
}

/* A new empty directory of root's beside @dir, under a name no one can guess. */
static int make_tmp(const char *dir, char *tmp, size_t len)
{
	unsigned int r;
	int n;

	for (n = 0; n < 8; n++) {
		if (getrandom(&r, sizeof(r), 0) != sizeof(r))
			return -EIO;
		snprintf(tmp, len, "%s-new-%08x", dir, r);
		if (!mkdir(tmp, 0700))
			return 0;
		if (errno != EEXIST)
			break;
	}
	return -errno;
}

/*
 * Root's own directory at @dir, made or found. 0 or -errno with *why. Root's
 * writers place it one at a time (MOUNT_LOCK), so an exchange only ever
 * meets a user's entry.
 */
int pindir_place(const char *dir, char *moved, size_t len, const char **why)
{
	char tmp[PATH_MAX] = "";
	int tries, lock, err = 0;
	struct stat st;

	if (!lstat(dir, &st) && S_ISDIR(st.st_mode) && st.st_uid == geteuid())
		return 0; /* root's: check_owner() judges its mode */
	lock = root_lock();
	for (tries = 0; tries < FOREIGN_TRIES; tries++) {
		if (!lstat(dir, &st) && S_ISDIR(st.st_mode) && st.st_uid == geteuid())
			break;
		if (!tmp[0] && (err = make_tmp(dir, tmp, sizeof(tmp))))
			break;
		if (!renameat2(AT_FDCWD, tmp, AT_FDCWD, dir, RENAME_NOREPLACE)) {
			tmp[0] = '\0';
			break;
		}
		if (errno == EEXIST && !renameat2(AT_FDCWD, tmp, AT_FDCWD, dir, RENAME_EXCHANGE)) {
			keep_aside(moved, len, dir, tmp); /* a user's entry, now at tmp */
			tmp[0] = '\0';
			break;
		}
		if (errno != EEXIST && errno != ENOENT) {
			err = -errno;
			break;
		}
	}
	if (tmp[0])
		rmdir(tmp);
	if (lock >= 0)
		close(lock);
	if (!err && tries < FOREIGN_TRIES)
		return 0;
	*why = "another user's entry holds the pin directory's name and cannot be moved aside";
	return err ? err : -EBUSY;
}

int pindir_mount(const char *dir, char *mnt, size_t len)
{
	char *slash;
	int n;

	if (snprintf(mnt, len, "%s", dir) >= (int)len)
		return -ENAMETOOLONG;
	while ((slash = strrchr(mnt, '/'))) {
		slash[slash == mnt] = '\0';
		n = mountinfo_count("/proc/self/mountinfo", "bpf", mnt);
		if (n)
			return n;
		if (slash == mnt)
			break;
	}
	return -ENOENT;
}

int pindir_below(const char *mnt, int levels, const char *dir, int (*fn)(const char *dir))
{
	int status, i, r;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		/* Private, so that detaching here changes nothing for anyone else. */
		if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
			_exit(128 + errno);
		for (i = 0; i < levels; i++)
			if (umount2(mnt, MNT_DETACH))
				_exit(128 + errno);
		r = fn(dir);
		_exit(r >= 0 ? (r > 100 ? 100 : r) : 128 + (-r > 126 ? 126 : -r));
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (!WIFEXITED(status))
		return -EINTR;
	r = WEXITSTATUS(status);
	return r >= 128 ? -(r - 128) : r;
}
