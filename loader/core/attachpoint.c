// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include "attach.h"
#include "attachplan.h"
#include "attachpoint.h"
#include "cgroup.h"
#include "growarray.h"
#include "idmap.h"

/* The programs that attach to cgroups, as PINS_LINK_BIT()s. */
static unsigned int cgroup_links(void)
{
	unsigned int links = 0;
	int l;

	for (l = 0; l < PINS_LINK_NR; l++)
		if (!attach_is_tracing(l))
			links |= PINS_LINK_BIT(l);
	return links;
}

bool attachpoint_enabled(const struct pins *p, enum pins_link link)
{
	char path[PATH_MAX];
	struct stat st;

	pins_path(p, "links", pins_link_name(link), path);
	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

static void pin_path(const struct pins *p, enum pins_link link, __u64 id, char *out)
{
	snprintf(out, PATH_MAX, "%s/links/%s/%llu", p->dir, pins_link_name(link),
		 (unsigned long long)id);
}

/* Is @link's pin at @id a link attached to that cgroup still? */
static bool linked(const struct pins *p, enum pins_link link, __u64 id)
{
	struct bpf_link_info info = {0};
	__u32 len = sizeof(info);
	char path[PATH_MAX];
	bool ok;
	int fd;

	pin_path(p, link, id, path);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return false;
	ok = !bpf_obj_get_info_by_fd(fd, &info, &len) && info.cgroup.cgroup_id == id;
	close(fd);
	return ok;
}

/* Attach @link's pinned program to the cgroup @cg_fd (id @id) and pin the link. */
static int link_at(const struct pins *p, enum pins_link link, int cg_fd, __u64 id)
{
	char path[PATH_MAX];
	int prog_fd, fd, err = 0;

	if (linked(p, link, id))
		return 0;
	pins_path(p, "progs", pins_link_name(link), path);
	prog_fd = bpf_obj_get(path);
	if (prog_fd < 0)
		return -errno;
	fd = bpf_link_create(prog_fd, cg_fd, attach_cgroup_type(link), NULL);
	err = fd < 0 ? -errno : 0;
	close(prog_fd);
	if (err)
		return err;
	pin_path(p, link, id, path);
	unlink(path);
	if (bpf_obj_pin(fd, path))
		err = -errno;
	close(fd); /* the pin keeps it attached; without one it is gone */
	return err;
}

/*
 * Was the cgroup open as @cg_fd removed after it was opened? The kernel
 * refuses to attach to a cgroup that is going (ENOENT: no longer online),
 * and that is no error: its entry goes with it.
 */
static bool removed_meanwhile(int cg_fd)
{
	return faccessat(cg_fd, "cgroup.procs", F_OK, 0) && errno == ENOENT;
}

static void unlink_at(const struct pins *p, enum pins_link link, __u64 id)
{
	char path[PATH_MAX];

	pin_path(p, link, id, path);
	pins_detach_link(path);
}

/* The attach points of the enabled programs of @links: id -> PINS_LINK_BIT()s. */
static void ids_of(const struct pins *p, unsigned int links, struct idmap *ids)
{
	char path[PATH_MAX], *end;
	struct dirent *de;
	unsigned long long id;
	DIR *dir;
	int l;

	for (l = 0; l < PINS_LINK_NR; l++) {
		if (!(links & PINS_LINK_BIT(l)) || !attachpoint_enabled(p, l))
			continue;
		pins_path(p, "links", pins_link_name(l), path);
		dir = opendir(path);
		while (dir && (de = readdir(dir))) {
			errno = 0;
			id = strtoull(de->d_name, &end, 10);
			if (de->d_name[0] < '0' || de->d_name[0] > '9' || *end || errno || !id)
				continue;
			idmap_put(ids, id,
				  (void *)((uintptr_t)idmap_get(ids, id) | PINS_LINK_BIT(l)));
		}
		if (dir)
			closedir(dir);
	}
}

static int mount_open(struct attach_points *ap, const char *mount)
{
	if (mount)
		snprintf(ap->mount, sizeof(ap->mount), "%s", mount);
	else if (cgroup_mount(ap->mount, sizeof(ap->mount)))
		ap->mount[0] = '\0';
	ap->mount_fd = -1;
	if (!ap->mount[0])
		return 0; /* no cgroup2: no entries, no attach points */
	ap->mount_fd = open(ap->mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return ap->mount_fd < 0 ? -errno : 0;
}

static int append(struct attach_points *ap, __u64 id, const char *rel)
{
	char *copy = strdup(rel);

	if (!copy)
		return -ENOMEM;
	if (growarray_reserve(ap->v, ap->cap, ap->n + 1)) {
		free(copy);
		return -ENOMEM;
	}
	ap->v[ap->n++] = (struct attach_point){.id = id, .rel = copy};
	return 0;
}

int attachpoint_open(struct pins *p, const char *mount, struct attach_points *ap)
{
	struct idmap ids = {0};
	char rel[PATH_MAX];
	__u64 id;
	size_t it;
	void *bits;
	int err, l;

	*ap = (struct attach_points){0};
	err = mount_open(ap, mount);
	if (err || ap->mount_fd < 0)
		return err;
	ids_of(p, cgroup_links(), &ids);
	for (it = 0; !err && idmap_next(&ids, &it, &id, &bits);) {
		err = cgroup_rel_of(ap->mount_fd, ap->mount, id, rel, sizeof(rel));
		if (err == -ENOENT) {
			/* Removed: the kernel detached its links; the pins go too. */
			for (l = 0; l < PINS_LINK_NR; l++)
				if ((uintptr_t)bits & PINS_LINK_BIT(l))
					unlink_at(p, l, id);
			err = 0;
			continue;
		}
		if (err) {
			/* Not found by its id here (EPERM under a seccomp filter):
			 * left as it is; covering its cgroup again finds its links. */
			err = 0;
			continue;
		}
		err = append(ap, id, rel);
	}
	idmap_free(&ids);
	if (err)
		attachpoint_close(ap);
	return err;
}

void attachpoint_close(struct attach_points *ap)
{
	size_t i;

	for (i = 0; i < ap->n; i++)
		free(ap->v[i].rel);
	free(ap->v);
	if (ap->mount_fd >= 0)
		close(ap->mount_fd);
	ap->v = NULL;
	ap->n = ap->cap = 0;
	ap->mount_fd = -1;
}

/* The cgroup at @rel below the mount, in the filesystem, into @out (PATH_MAX). */
static bool fs_path(const struct attach_points *ap, const char *rel, char *out)
{
	return (size_t)snprintf(out, PATH_MAX, "%s%s", ap->mount, strcmp(rel, "/") ? rel : "") <
	       PATH_MAX;
}

/* An attach point at @rel, with a link of every enabled program; none once it is gone. */
static int add_point(struct pins *p, struct attach_points *ap, const char *rel, const char **why)
{
	char path[PATH_MAX];
	struct stat st;
	bool known = false;
	size_t i;
	int cg_fd, l, err = 0;

	if (!fs_path(ap, rel, path))
		return -ENAMETOOLONG;
	cg_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg_fd < 0 && errno == ENOENT)
		return 0; /* removed meanwhile: its entry goes with it */
	if (cg_fd < 0 || fstat(cg_fd, &st)) {
		err = -errno;
		*why = "cannot open the cgroup to attach to";
		goto cleanup;
	}
	for (l = 0; !err && l < PINS_LINK_NR; l++)
		if ((cgroup_links() & PINS_LINK_BIT(l)) && attachpoint_enabled(p, l))
			err = link_at(p, l, cg_fd, st.st_ino);
	if (err == -ENOENT && removed_meanwhile(cg_fd)) {
		err = 0;
		goto cleanup;
	}
	if (err) {
		*why = "cannot attach a cgroup program";
		goto cleanup;
	}
	for (i = 0; i < ap->n; i++)
		known |= ap->v[i].id == st.st_ino;
	if (!known) {
		err = append(ap, st.st_ino, rel);
		ap->dirty = true;
	}
cleanup:
	if (cg_fd >= 0)
		close(cg_fd);
	return err;
}

/* How many child cgroups @rel has: a cgroupfs directory's links are 2 and one per child. */
static size_t subdirs(const struct attach_points *ap, const char *rel)
{
	char path[PATH_MAX];
	struct stat st;

	if (!fs_path(ap, rel, path) || stat(path, &st) || st.st_nlink < 2)
		return 0;
	return st.st_nlink - 2;
}

int attachpoint_cover(struct pins *p, struct attach_points *ap, const char *rel, const char **why)
{
	char parent[PATH_MAX], other[PATH_MAX];
	size_t i, siblings = 0;

	if (ap->mount_fd < 0)
		return 0;
	for (i = 0; i < ap->n; i++)
		if (attachplan_below(rel, ap->v[i].rel))
			return 0;
	if (!attachplan_parent(rel, parent, sizeof(parent)))
		return add_point(p, ap, rel, why);
	/* The plan's collapse, one cgroup at a time: its siblings so far. */
	for (i = 0; i < ap->n; i++)
		siblings += attachplan_parent(ap->v[i].rel, other, sizeof(other)) &&
			    !strcmp(other, parent);
	if (siblings + 1 >= ATTACHPLAN_COLLAPSE ||
	    (ap->bulk && subdirs(ap, parent) >= ATTACHPLAN_COLLAPSE))
		return add_point(p, ap, parent, why);
	return add_point(p, ap, rel, why);
}

/*
 * The paths of the cgroups with an entry (policy or profile), into @out.
 * A cgroup with both is there twice, which the plan takes as once.
 */
static int entry_paths(struct pins *p, struct attach_points *ap, struct pathset *out)
{
	int fds[] = {p->policy_fd, p->profile_fd};
	char buf[PATH_MAX];
	const char *rel;
	__u64 key, *prev;
	size_t i;
	int err = 0;

	for (i = 0; !err && i < sizeof(fds) / sizeof(fds[0]); i++) {
		for (prev = NULL; !err && !bpf_map_get_next_key(fds[i], prev, &key); prev = &key) {
			/* The caller's paths are borrowed: 10,000 copies would stay in the heap. */
			rel = ap->known ? ap->known(key, ap->known_ctx) : NULL;
			if (rel)
				err = pathset_ref(out, rel);
			else if (!cgroup_rel_of(ap->mount_fd, ap->mount, key, buf, sizeof(buf)))
				err = pathset_add(out, buf);
		}
	}
	return err;
}

static void remove_point(struct pins *p, struct attach_points *ap, size_t i)
{
	int l;

	for (l = 0; l < PINS_LINK_NR; l++)
		if (cgroup_links() & PINS_LINK_BIT(l))
			unlink_at(p, l, ap->v[i].id);
	free(ap->v[i].rel);
	ap->v[i] = ap->v[--ap->n];
}

int attachpoint_sync(struct pins *p, struct attach_points *ap, const char **why)
{
	struct pathset entries = {0}, now = {0}, plan = {0};
	size_t i;
	int err;

	if (ap->mount_fd < 0)
		return 0;
	err = entry_paths(p, ap, &entries);
	for (i = 0; !err && i < ap->n; i++)
		err = pathset_ref(&now, ap->v[i].rel);
	if (!err)
		err = attachplan_compute(&entries, &now, &plan);
	if (err)
		*why = "out of memory planning the attach points";
	/* The new first: a socket below both runs a program twice meanwhile, never not at all. */
	for (i = 0; !err && i < plan.n; i++)
		err = add_point(p, ap, plan.v[i], why);
	for (i = 0; !err && i < ap->n;) {
		if (pathset_has(&plan, ap->v[i].rel))
			i++;
		else
			remove_point(p, ap, i);
	}
	if (!err)
		ap->dirty = false;
	pathset_free(&entries);
	pathset_free(&now);
	pathset_free(&plan);
	return err;
}

int attachpoint_enable(struct pins *p, enum pins_link link, const char **why)
{
	struct attach_points ap;
	char path[PATH_MAX];
	size_t i;
	int cg_fd, err;

	pins_path(p, "links", pins_link_name(link), path);
	if (mkdir(path, 0700) && errno != EEXIST) {
		*why = "cannot create the pin directory";
		return -errno;
	}
	err = attachpoint_open(p, NULL, &ap);
	for (i = 0; !err && i < ap.n; i++) {
		cg_fd = cgroup_open_id(ap.mount_fd, ap.v[i].id);
		if (cg_fd == -ENOENT)
			continue; /* removed meanwhile */
		err = cg_fd < 0 ? cg_fd : link_at(p, link, cg_fd, ap.v[i].id);
		if (err == -ENOENT && removed_meanwhile(cg_fd))
			err = 0;
		if (cg_fd >= 0)
			close(cg_fd);
	}
	if (err)
		*why = "cannot attach a cgroup program";
	attachpoint_close(&ap);
	return err;
}

void attachpoint_disable(struct pins *p, enum pins_link link)
{
	struct idmap ids = {0};
	char path[PATH_MAX];
	size_t it;
	__u64 id;
	void *bits;

	pins_path(p, "links", pins_link_name(link), path);
	if (!attachpoint_enabled(p, link)) {
		/* One link at the cgroup2 root: how builds before attach points pinned it. */
		pins_detach_link(path);
		return;
	}
	ids_of(p, PINS_LINK_BIT(link), &ids);
	for (it = 0; idmap_next(&ids, &it, &id, &bits);)
		unlink_at(p, link, id);
	idmap_free(&ids);
	rmdir(path);
}

int attachpoint_update(struct pins *p, enum pins_link link, int prog_fd)
{
	struct idmap ids = {0};
	char path[PATH_MAX];
	size_t it;
	__u64 id;
	void *bits;
	int fd, err = 0;

	if (attachpoint_enabled(p, link))
		ids_of(p, PINS_LINK_BIT(link), &ids);
	else
		idmap_put(&ids, 0, (void *)1); /* the root link of an older build */
	for (it = 0; !err && idmap_next(&ids, &it, &id, &bits);) {
		if (id)
			pin_path(p, link, id, path);
		else
			pins_path(p, "links", pins_link_name(link), path);
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue; /* its cgroup went meanwhile */
		err = bpf_link_update(fd, prog_fd, NULL) ? -errno : 0;
		close(fd);
	}
	idmap_free(&ids);
	return err;
}

void attachpoint_each(struct pins *p, const char *mount, attachpoint_fn fn, void *ctx)
{
	struct attach_points ap;
	struct idmap ids = {0};
	char rel[PATH_MAX];
	size_t it;
	__u64 id;
	void *bits;

	if (mount_open(&ap, mount))
		ap.mount_fd = -1;
	ids_of(p, cgroup_links(), &ids);
	for (it = 0; idmap_next(&ids, &it, &id, &bits);)
		fn(id,
		   ap.mount_fd >= 0 && !cgroup_rel_of(ap.mount_fd, ap.mount, id, rel, sizeof(rel)) ?
			   rel :
			   NULL,
		   (uintptr_t)bits, ctx);
	idmap_free(&ids);
	if (ap.mount_fd >= 0)
		close(ap.mount_fd);
}
