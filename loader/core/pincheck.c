// SPDX-License-Identifier: GPL-2.0
/* Pins compared with what the kernel runs, by id; and pinned back. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include "pincheck.h"

static const char *const map_names[] = {
#define MAP_NAME(name) #name,
	PINNED_MAPS(MAP_NAME)
#undef MAP_NAME
};
#define NMAPS (sizeof(map_names) / sizeof(map_names[0]))
#define MAX_PROGS 64
#define MAX_MAP_IDS 64
/* Two maps of one name in the running programs: no single truth to pin. */
#define CONFLICT UINT32_MAX

struct running {
	__u32 map_id[NMAPS];
	__u32 progs[MAX_PROGS];
	unsigned int nprogs;
};

static int map_index(const char *kernel_name)
{
	size_t i;

	/* The kernel keeps BPF_OBJ_NAME_LEN - 1 bytes of a name. */
	for (i = 0; i < NMAPS; i++)
		if (!strncmp(kernel_name, map_names[i], BPF_OBJ_NAME_LEN - 1) &&
		    strlen(kernel_name) == strnlen(map_names[i], BPF_OBJ_NAME_LEN - 1))
			return (int)i;
	return -1;
}

static void add_prog(struct running *r, __u32 id);

/* A map a running program uses; a slot (program array) leads to its program. */
static void add_map(struct running *r, __u32 id)
{
	struct bpf_map_info info = {0};
	__u32 len = sizeof(info), key = 0, prog_id = 0;
	int fd = bpf_map_get_fd_by_id(id), i;

	if (fd < 0)
		return;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len)) {
		i = map_index(info.name);
		if (i >= 0)
			r->map_id[i] = !r->map_id[i] || r->map_id[i] == id ? id : CONFLICT;
		if (info.type == BPF_MAP_TYPE_PROG_ARRAY &&
		    !bpf_map_lookup_elem(fd, &key, &prog_id))
			add_prog(r, prog_id);
	}
	close(fd);
}

static void add_prog(struct running *r, __u32 id)
{
	struct bpf_prog_info info = {0};
	__u32 len = sizeof(info), ids[MAX_MAP_IDS], i;
	int fd;

	for (i = 0; i < r->nprogs; i++)
		if (r->progs[i] == id)
			return;
	if (!id || r->nprogs == MAX_PROGS)
		return;
	r->progs[r->nprogs++] = id;
	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return;
	/* Zeroed: the kernel writes them, which valgrind cannot see. */
	memset(ids, 0, sizeof(ids));
	info.nr_map_ids = MAX_MAP_IDS;
	info.map_ids = (__u64)(unsigned long)ids;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len))
		for (i = 0; i < info.nr_map_ids && i < MAX_MAP_IDS; i++)
			add_map(r, ids[i]);
	close(fd);
}

static __u32 pinned_id(const char *path, bool map)
{
	struct bpf_map_info mi = {0};
	struct bpf_prog_info pi = {0};
	__u32 len = map ? sizeof(mi) : sizeof(pi);
	int fd = bpf_obj_get(path);
	__u32 id = 0;

	if (fd < 0)
		return 0;
	if (!bpf_obj_get_info_by_fd(fd, map ? (void *)&mi : (void *)&pi, &len))
		id = map ? mi.id : pi.id;
	close(fd);
	return id;
}

static __u32 link_prog_id(const char *path)
{
	struct bpf_link_info info = {0};
	__u32 len = sizeof(info), id = 0;
	int fd = bpf_obj_get(path);

	if (fd < 0)
		return 0;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len))
		id = info.prog_id;
	close(fd);
	return id;
}

/* The program @link's pins run: one link, or the first of its attach points. */
static __u32 running_link_prog(const char *dir, enum pins_link link)
{
	char path[PATH_MAX], one[PATH_MAX + 256];
	struct dirent *de;
	struct stat st;
	__u32 id = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s/links/%s", dir, pins_link_name(link));
	if (lstat(path, &st))
		return 0;
	if (!S_ISDIR(st.st_mode))
		return link_prog_id(path);
	d = opendir(path);
	while (d && !id && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(one, sizeof(one), "%s/%s", path, de->d_name);
		id = link_prog_id(one);
	}
	if (d)
		closedir(d);
	return id;
}

/* The program in a hooked link's slot, by the slot map the hook uses. */
static __u32 slot_prog(const struct running *r, enum pins_link link)
{
	const char *slot = link == PINS_LINK_BACKUP  ? "rewrite_backup" :
			   link == PINS_LINK_BACKUP2 ? "rewrite_backup2" :
			   link == PINS_LINK_BACKUP3 ? "rewrite_backup3" :
						       "rewrite_impl";
	__u32 key = 0, id = 0;
	int i = map_index(slot), fd;

	if (i < 0 || !r->map_id[i] || r->map_id[i] == CONFLICT)
		return 0;
	fd = bpf_map_get_fd_by_id(r->map_id[i]);
	if (fd < 0)
		return 0;
	if (bpf_map_lookup_elem(fd, &key, &id))
		id = 0;
	close(fd);
	return id;
}

static void damage(struct pincheck *c, enum pincheck_kind kind, const char *name, __u32 pinned,
		   __u32 running)
{
	struct pincheck_damage *d;

	if (!running || running == CONFLICT || pinned == running || c->n == PINCHECK_MAX)
		return;
	d = &c->d[c->n++];
	d->kind = kind;
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->pinned_id = pinned;
	d->running_id = running;
}

static void check_prog(struct pincheck *c, const char *dir, const char *name, __u32 running)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/progs/%s", dir, name);
	damage(c, PINCHECK_PROG, name, running ? pinned_id(path, false) : 0, running);
}

unsigned int pincheck_scan(const char *dir, struct pincheck *c)
{
	__u32 link_prog[PINS_LINK_NR] = {0};
	struct running r = {0};
	char path[PATH_MAX];
	size_t i;
	int l;

	c->n = 0;
	for (l = 0; l < PINS_LINK_NR; l++) {
		link_prog[l] = running_link_prog(dir, l);
		add_prog(&r, link_prog[l]);
	}
	for (i = 0; i < NMAPS; i++) {
		snprintf(path, sizeof(path), "%s/maps/%s", dir, map_names[i]);
		damage(c, PINCHECK_MAP, map_names[i], r.map_id[i] ? pinned_id(path, true) : 0,
		       r.map_id[i]);
	}
	for (l = 0; l < PINS_LINK_NR; l++) {
		if (!link_prog[l])
			continue;
		if (pins_link_hooked(l)) {
			check_prog(c, dir, pins_hook_name(l), link_prog[l]);
			check_prog(c, dir, pins_link_name(l), slot_prog(&r, l));
		} else {
			check_prog(c, dir, pins_link_name(l), link_prog[l]);
		}
	}
	return c->n;
}

unsigned int pincheck_repair(struct pins *p, const struct pincheck *c)
{
	unsigned int i, done = 0;
	char path[PATH_MAX];
	int fd;

	for (i = 0; i < c->n; i++) {
		const struct pincheck_damage *d = &c->d[i];

		fd = d->kind == PINCHECK_MAP ? bpf_map_get_fd_by_id(d->running_id) :
					       bpf_prog_get_fd_by_id(d->running_id);
		if (fd < 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", p->dir,
			 d->kind == PINCHECK_MAP ? "maps" : "progs");
		mkdir(path, 0700);
		pins_path(p, d->kind == PINCHECK_MAP ? "maps" : "progs", d->name, path);
		if ((!unlink(path) || errno == ENOENT) && !bpf_obj_pin(fd, path))
			done++;
		close(fd);
	}
	return done;
}

const char *pincheck_kind_name(enum pincheck_kind kind)
{
	return kind == PINCHECK_MAP ? "map" : "program";
}
