// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <libmount/libmount.h>
#include "mountinfo.h"

/* A line libmount cannot read is skipped, as the kernel never writes one. */
static int skip_bad_line(struct libmnt_table *tb, const char *filename, int line)
{
	(void)tb, (void)filename, (void)line;
	return 1;
}

int mountinfo_each(const char *path, mountinfo_fn fn, void *ctx)
{
	struct libmnt_table *tb = mnt_new_table();
	struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
	const char *target, *fstype;
	struct libmnt_fs *fs;
	int ret = -ENOMEM;

	if (tb && it) {
		mnt_table_set_parser_errcb(tb, skip_bad_line);
		/*
		 * The file as given, and nothing else: mnt_table_parse_mtab()
		 * would merge in /run/mount/utab, which mount points do not need.
		 */
		ret = mnt_table_parse_file(tb, path);
		if (ret > 0)
			ret = -EINVAL;
	}
	/* In the file's order: a mount stacked on another comes after it. */
	while (!ret && !mnt_table_next_fs(tb, it, &fs)) {
		target = mnt_fs_get_target(fs);
		fstype = mnt_fs_get_fstype(fs);
		if (target && fstype)
			ret = fn(target, fstype, ctx);
	}
	mnt_free_iter(it);
	mnt_unref_table(tb);
	return ret;
}

struct count {
	const char *fstype, *target;
	int n;
};

static int count_one(const char *target, const char *fstype, void *ctx)
{
	struct count *c = ctx;

	c->n += !strcmp(fstype, c->fstype) && !strcmp(target, c->target);
	return 0;
}

int mountinfo_count(const char *path, const char *fstype, const char *target)
{
	struct count c = {.fstype = fstype, .target = target};
	int err = mountinfo_each(path, count_one, &c);

	return err ? err : c.n;
}
