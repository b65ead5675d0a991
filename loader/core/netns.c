// SPDX-License-Identifier: GPL-2.0
/* The network namespaces of a cgroup's processes, from cgroup.procs and /proc. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "growarray.h"
#include "netns.h"

__u64 netns_ino_of(pid_t pid)
{
	char path[64];
	struct stat st;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/ns/net");
	return stat(path, &st) ? 0 : (__u64)st.st_ino;
}

struct found {
	struct netns_found *v;
	size_t n, cap;
	__u64 host;
};

static int note(struct found *f, pid_t pid)
{
	/* pid 0: a process of a PID namespace that ours cannot see (a pod's,
	 * from an agent without hostPID), so neither its namespace. */
	__u64 ino = pid > 0 ? netns_ino_of(pid) : 0;
	size_t i;

	if (!ino) /* that, gone meanwhile, or a kernel thread */
		return 0;
	for (i = 0; i < f->n; i++) {
		if (f->v[i].ino == ino) {
			f->v[i].nprocs++;
			return 0;
		}
	}
	if (growarray_reserve(f->v, f->cap, f->n + 1))
		return -ENOMEM;
	f->v[f->n++] =
		(struct netns_found){.ino = ino, .pid = pid, .nprocs = 1, .host = f->host == ino};
	return 0;
}

/* The processes of the cgroup directory @dir_fd, then its children's. */
static int scan(int dir_fd, struct found *f, int depth)
{
	struct dirent *de;
	int fd, err = 0;
	char line[32];
	FILE *procs;
	DIR *d;

	fd = openat(dir_fd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
	procs = fd >= 0 ? fdopen(fd, "r") : NULL;
	if (!procs && fd >= 0)
		close(fd);
	while (procs && !err && fgets(line, sizeof(line), procs))
		err = note(f, (pid_t)atoi(line));
	if (procs)
		fclose(procs);
	/* Deeper than any real hierarchy: a bound, not a limit anyone meets. */
	if (err || depth > 64)
		return err;
	fd = dup(dir_fd);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	while (!err && (de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		fd = openat(dir_fd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) /* removed meanwhile */
			continue;
		err = scan(fd, f, depth + 1);
		close(fd);
	}
	closedir(d);
	return err;
}

int netns_of_cgroup(const char *path, struct netns_found **out, size_t *n)
{
	struct found f = {.host = netns_ino_of(1)};
	int fd, err;

	/* In a sandbox that hides PID 1's, where mptcpify runs stands for it. */
	if (!f.host)
		f.host = netns_ino_of(0);
	*out = NULL;
	*n = 0;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = scan(fd, &f, 0);
	close(fd);
	if (err) {
		free(f.v);
		return err;
	}
	*out = f.v;
	*n = f.n;
	return 0;
}

int netns_open(const struct netns_found *ns)
{
	char path[64];
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)ns->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	/* The pid may have been reused, or the process may have moved on. */
	if (fstat(fd, &st) || (__u64)st.st_ino != ns->ino) {
		close(fd);
		return -ESRCH;
	}
	return fd;
}
