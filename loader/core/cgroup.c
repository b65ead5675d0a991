// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include "cgroup.h"
#include "mountinfo.h"

struct found {
	char *out;
	size_t len;
};

static int first_cgroup2(const char *target, const char *fstype, void *ctx)
{
	struct found *f = ctx;

	if (strcmp(fstype, "cgroup2"))
		return 0;
	if (strlen(target) >= f->len)
		return -ENAMETOOLONG;
	strcpy(f->out, target);
	return 1;
}

int cgroup_mount_from(const char *mountinfo, char *out, size_t len)
{
	struct found f = {out, len};
	int ret = mountinfo_each(mountinfo, first_cgroup2, &f);

	return ret == 1 ? 0 : ret ? ret : -ENOENT;
}

int cgroup_mount(char *out, size_t len)
{
	const char *forced = getenv("MPTCPIFY_CGROUP2");

	if (forced && *forced) {
		if (strlen(forced) >= len)
			return -ENAMETOOLONG;
		strcpy(out, forced);
		return 0;
	}
	return cgroup_mount_from("/proc/self/mountinfo", out, len);
}

/* Is @path equal to @dir or below it? Both canonical. */
static bool path_within(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (n == 1 && dir[0] == '/')
		return true;
	return !strncmp(path, dir, n) && (path[n] == '\0' || path[n] == '/');
}

static int fail(int err, const char **why, const char *w, const char **hint, const char *h)
{
	*why = w;
	*hint = h;
	return -err;
}

/* Does the relative path @rel climb above its start with ".."? */
static bool escapes(const char *rel)
{
	int depth = 0;
	const char *p = rel;
	size_t n;

	while (*p) {
		n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.')
			depth--;
		else if (n && !(n == 1 && p[0] == '.'))
			depth++;
		if (depth < 0)
			return true;
		p += n;
		p += *p == '/';
	}
	return false;
}

int cgroup_resolve(const char *mount, const char *arg, unsigned int flags, struct cgroup_ref *ref,
		   const char **why, const char **hint)
{
	char joined[PATH_MAX * 2], canon_mount[PATH_MAX];
	struct statfs sfs;
	struct stat st;

	*why = NULL;
	*hint = NULL;
	if (!arg || !*arg)
		return fail(EINVAL, why, "empty cgroup path", hint, NULL);
	if (!realpath(mount, canon_mount))
		return fail(errno, why, "cannot open the cgroup2 mount", hint,
			    "is cgroup v2 mounted? see /proc/self/mountinfo");

	/*
	 * An absolute path that exists is a filesystem path. One that does
	 * not is taken as /proc/PID/cgroup writes it: below the mount.
	 */
	if (arg[0] == '/' && (path_within(arg, canon_mount) || !access(arg, F_OK))) {
		snprintf(joined, sizeof(joined), "%s", arg);
	} else {
		if (escapes(arg))
			return fail(EXDEV, why, "path is outside the cgroup2 mount", hint,
				    "relative paths must stay below the cgroup2 mount");
		snprintf(joined, sizeof(joined), "%s/%s", canon_mount, arg);
	}
	if (strlen(joined) >= PATH_MAX)
		return fail(ENAMETOOLONG, why, "cgroup path too long", hint, NULL);

	if (!realpath(joined, ref->path))
		return fail(errno, why, "no such cgroup", hint,
			    "give a cgroupfs path or one relative to the cgroup2 mount");
	if (stat(ref->path, &st))
		return fail(errno, why, "cannot stat cgroup", hint, NULL);
	if (!S_ISDIR(st.st_mode))
		return fail(ENOTDIR, why, "not a cgroup directory", hint,
			    "name the cgroup's directory, not a file in it");
	if (!(flags & CGROUP_NO_FS_CHECK)) {
		if (statfs(ref->path, &sfs))
			return fail(errno, why, "cannot statfs cgroup", hint, NULL);
		if (sfs.f_type == CGROUP_SUPER_MAGIC)
			return fail(EINVAL, why, "cgroup v1 path; mptcpify needs cgroup v2", hint,
				    "use a path under the cgroup2 mount");
		if (sfs.f_type != CGROUP2_SUPER_MAGIC)
			return fail(EINVAL, why, "not on a cgroup v2 filesystem", hint,
				    "use a path under the cgroup2 mount");
	}
	/* A symlink below the mount may still lead out of it. */
	if (!path_within(ref->path, canon_mount))
		return fail(EXDEV, why, "path is outside the cgroup2 mount", hint,
			    "relative paths must stay below the cgroup2 mount");

	if (!strcmp(canon_mount, "/"))
		snprintf(ref->rel, sizeof(ref->rel), "%s", ref->path);
	else
		snprintf(ref->rel, sizeof(ref->rel), "%s",
			 ref->path[strlen(canon_mount)] ? ref->path + strlen(canon_mount) : "/");
	/* On cgroup2 (64-bit kernfs ids) the inode number is the cgroup id. */
	ref->id = st.st_ino;
	return 0;
}

/*
 * The cgroups below the directory @dirfd (closed here), whose path @path
 * holds; @mount_len of it is the mount. Each child is visited before it is
 * read, with its id from the directory entry: on cgroup2 (kernfs) the entry's
 * inode number is the cgroup id. A child whose link count says it has no
 * subdirectory (2: ".", and its entry in the parent) is not opened: most
 * cgroups are leaves, and their opening and reading were most of a walk.
 * The count is read after the visit, whose watch then reports any child
 * made after it.
 */
static int walk_children(int dirfd, char *path, size_t len, size_t mount_len, cgroup_walk_fn fn,
			 void *ctx)
{
	size_t used = strlen(path), n;
	struct cgroup_node node;
	struct dirent *de;
	struct stat st;
	int ret = 0, fd;
	DIR *dir;

	dir = fdopendir(dirfd);
	if (!dir) {
		ret = -errno;
		close(dirfd);
		return ret;
	}
	node.path = path;
	node.rel = path + mount_len;
	while (!ret && (de = readdir(dir))) {
		n = strlen(de->d_name);
		if (de->d_type != DT_DIR || de->d_name[0] == '.' || used + n + 2 > len)
			continue;
		path[used] = '/';
		memcpy(path + used + 1, de->d_name, n + 1);
		node.id = de->d_ino;
		ret = fn(&node, ctx);
		if (ret == CGROUP_WALK_PRUNE) {
			ret = 0;
		} else if (!ret && !fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) &&
			   st.st_nlink != 2) {
			fd = openat(dirfd, de->d_name,
				    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			/* else removed meanwhile */
			if (fd >= 0)
				ret = walk_children(fd, path, len, mount_len, fn, ctx);
		}
		path[used] = '\0';
	}
	closedir(dir);
	return ret;
}

int cgroup_walk(const char *mount, const char *rel, cgroup_walk_fn fn, void *ctx)
{
	struct cgroup_node node;
	char path[PATH_MAX];
	size_t mount_len;
	struct stat st;
	int fd, ret;

	/* The root's path is the mount itself, without a trailing '/'. */
	mount_len = strlen(mount);
	while (mount_len > 1 && mount[mount_len - 1] == '/')
		mount_len--;
	if (!rel || !strcmp(rel, "/"))
		rel = "";
	if (mount_len + strlen(rel) + 2 > sizeof(path))
		return -ENAMETOOLONG;
	memcpy(path, mount, mount_len);
	snprintf(path + mount_len, sizeof(path) - mount_len, "%s%s",
		 rel[0] && rel[0] != '/' ? "/" : "", rel);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	node.path = path;
	node.rel = path[mount_len] ? path + mount_len : "/";
	ret = fstat(fd, &st) ? -errno : 0;
	if (!ret) {
		node.id = st.st_ino;
		ret = fn(&node, ctx);
	}
	if (ret) {
		close(fd);
		return ret == CGROUP_WALK_PRUNE ? 0 : ret;
	}
	return walk_children(fd, path, sizeof(path), mount_len, fn, ctx);
}

/* FILEID_KERNFS: a cgroup2 file handle is its 64-bit id. */
#define FILEID_KERNFS_ 0xfe

int cgroup_open_id(int mount_fd, __u64 id)
{
	union {
		struct file_handle fh;
		char buf[sizeof(struct file_handle) + sizeof(__u64)];
	} h;
	int fd;

	h.fh.handle_bytes = sizeof(id);
	h.fh.handle_type = FILEID_KERNFS_;
	memcpy(h.fh.f_handle, &id, sizeof(id));
	fd = open_by_handle_at(mount_fd, &h.fh, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	return errno == ESTALE ? -ENOENT : -errno;
}

int cgroup_id_alive(int mount_fd, __u64 id)
{
	int fd = cgroup_open_id(mount_fd, id);

	if (fd >= 0) {
		close(fd);
		return 1;
	}
	return fd == -ENOENT ? 0 : fd;
}

int cgroup_rel_of(int mount_fd, const char *mount, __u64 id, char *rel, size_t len)
{
	char link[64], path[PATH_MAX];
	size_t mlen = strlen(mount);
	ssize_t n;
	int fd;

	fd = cgroup_open_id(mount_fd, id);
	if (fd < 0)
		return fd;
	/* The directory's path in this mount namespace, through the mount we opened. */
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	path[n] = '\0';
	if (n > 10 && !strcmp(path + n - 10, " (deleted)"))
		return -ENOENT; /* removed meanwhile */
	while (mlen > 1 && mount[mlen - 1] == '/')
		mlen--;
	if (strncmp(path, mount, mlen) || (path[mlen] && path[mlen] != '/'))
		return -ENOENT; /* not below the mount: not ours to name */
	if ((size_t)snprintf(rel, len, "%s", path[mlen] ? path + mlen : "/") >= len)
		return -ENAMETOOLONG;
	return 0;
}

int cgroup_own(char *rel, size_t len)
{
	char *line = NULL;
	size_t cap = 0;
	int err = -ENOENT;
	FILE *f = fopen("/proc/self/cgroup", "re");

	if (!f)
		return -errno;
	while (err && getline(&line, &cap, f) > 0) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(rel, len, "%s", line + 3);
		err = 0;
	}
	free(line);
	fclose(f);
	return err;
}
