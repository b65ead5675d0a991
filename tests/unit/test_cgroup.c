// SPDX-License-Identifier: GPL-2.0
/* cgroup2 mount discovery and CGROUP resolution, against fake files and trees. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "core/cgroup.h"
#include "unit.h"

static char tree[PATH_MAX];

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void mkdirs(const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", tree, rel);
	ck_assert_int_eq(mkdir(path, 0755), 0);
}

/* tree/ holds: cg/a/b, cg/c, cg/file, outside/ */
static void setup(void)
{
	char path[PATH_MAX];

	snprintf(tree, sizeof(tree), "/tmp/mptcpify-unit-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tree));
	mkdirs("cg");
	mkdirs("cg/a");
	mkdirs("cg/a/b");
	mkdirs("cg/c");
	mkdirs("outside");
	snprintf(path, sizeof(path), "%s/cg/file", tree);
	write_file(path, "");
}

static void teardown(void)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tree);
	ck_assert_int_eq(system(cmd), 0);
}

static int mount_of(const char *mountinfo_text, char *out)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/mountinfo", tree);
	write_file(path, mountinfo_text);
	return cgroup_mount_from(path, out, PATH_MAX);
}

START_TEST(hybrid_layout)
{
	char out[PATH_MAX];

	ck_assert_int_eq(
		mount_of("31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
			 "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
			 "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n",
			 out),
		0);
	ck_assert_str_eq(out, "/sys/fs/cgroup/unified");
}
END_TEST

START_TEST(unified_layout_with_optional_fields)
{
	char out[PATH_MAX];

	ck_assert_int_eq(mount_of("35 24 0:30 / /sys/fs/cgroup rw,nosuid shared:9 master:2 - "
				  "cgroup2 cgroup2 rw,nsdelegate\n",
				  out),
			 0);
	ck_assert_str_eq(out, "/sys/fs/cgroup");
}
END_TEST

START_TEST(escaped_mount_point)
{
	char out[PATH_MAX];

	ck_assert_int_eq(mount_of("40 1 0:38 / /mnt/my\\040cgroups rw - cgroup2 none rw\n", out),
			 0);
	ck_assert_str_eq(out, "/mnt/my cgroups");
}
END_TEST

START_TEST(no_cgroup2)
{
	char out[PATH_MAX];

	ck_assert_int_eq(mount_of("32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n"
				  "33 31 0:30 / /cgroup2-lookalike rw - tmpfs cgroup2 rw\n",
				  out),
			 -ENOENT);
	ck_assert_int_eq(cgroup_mount_from("/nonexistent/mountinfo", out, sizeof(out)), -ENOENT);
}
END_TEST

static int resolve(const char *arg, struct cgroup_ref *ref, const char **why)
{
	char mount[PATH_MAX];
	const char *hint;

	snprintf(mount, sizeof(mount), "%s/cg", tree);
	return cgroup_resolve(mount, arg, CGROUP_NO_FS_CHECK, ref, why, &hint);
}

START_TEST(relative_and_absolute_paths)
{
	struct cgroup_ref ref;
	const char *why;
	char abs[PATH_MAX];
	struct stat st;

	ck_assert_int_eq(resolve("a/b", &ref, &why), 0);
	ck_assert_str_eq(ref.rel, "/a/b");
	ck_assert_int_eq(stat(ref.path, &st), 0);
	ck_assert_uint_eq(ref.id, st.st_ino);

	snprintf(abs, sizeof(abs), "%s/cg/c", tree);
	ck_assert_int_eq(resolve(abs, &ref, &why), 0);
	ck_assert_str_eq(ref.rel, "/c");
	ck_assert_int_eq(resolve("a/../c/", &ref, &why), 0);
	ck_assert_str_eq(ref.rel, "/c");
	ck_assert_int_eq(resolve(".", &ref, &why), 0);
	ck_assert_str_eq(ref.rel, "/");
}
END_TEST

/* "/a/b" as /proc/PID/cgroup writes it: no such absolute path, so below the mount. */
START_TEST(proc_cgroup_style_paths)
{
	struct cgroup_ref ref;
	const char *why;

	ck_assert_int_eq(resolve("/a/b", &ref, &why), 0);
	ck_assert_str_eq(ref.rel, "/a/b");
	ck_assert_int_eq(resolve("/nope", &ref, &why), -ENOENT);
	ck_assert_int_eq(resolve("/../../etc", &ref, &why), -EXDEV);
}
END_TEST

START_TEST(bad_paths)
{
	struct cgroup_ref ref;
	const char *why;
	char abs[PATH_MAX];

	ck_assert_int_eq(resolve("nope", &ref, &why), -ENOENT);
	ck_assert_str_eq(why, "no such cgroup");
	ck_assert_int_eq(resolve("file", &ref, &why), -ENOTDIR);
	ck_assert_int_eq(resolve("../outside", &ref, &why), -EXDEV);
	ck_assert_str_eq(why, "path is outside the cgroup2 mount");
	snprintf(abs, sizeof(abs), "%s/outside", tree);
	ck_assert_int_eq(resolve(abs, &ref, &why), -EXDEV);
	ck_assert_int_eq(resolve("", &ref, &why), -EINVAL);
}
END_TEST

/* The real check: a tmpfs directory is not cgroup v2. */
START_TEST(filesystem_is_checked)
{
	char mount[PATH_MAX];
	struct cgroup_ref ref;
	const char *why, *hint;

	snprintf(mount, sizeof(mount), "%s/cg", tree);
	ck_assert_int_eq(cgroup_resolve(mount, "a", 0, &ref, &why, &hint), -EINVAL);
	ck_assert_ptr_nonnull(hint);
}
END_TEST

struct seen {
	int n;
	char paths[8][64];
};

static int record(const struct cgroup_node *node, void *ctx)
{
	struct seen *s = ctx;
	char want[PATH_MAX];

	ck_assert_uint_ne(node->id, 0);
	/* The path is the mount's and rel's. */
	snprintf(want, sizeof(want), "%s/cg%s", tree, strcmp(node->rel, "/") ? node->rel : "");
	ck_assert_str_eq(node->path, want);
	if (s->n < 8)
		snprintf(s->paths[s->n++], 64, "%s", node->rel);
	return 0;
}

static int has(struct seen *s, const char *path)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->paths[i], path))
			return 1;
	return 0;
}

START_TEST(walk_visits_every_cgroup_once)
{
	struct seen s = {};
	char mount[PATH_MAX];

	snprintf(mount, sizeof(mount), "%s/cg", tree);
	ck_assert_int_eq(cgroup_walk(mount, "/", record, &s), 0);
	ck_assert_int_eq(s.n, 4); /* /, /a, /a/b, /c; not the file */
	ck_assert(has(&s, "/") && has(&s, "/a") && has(&s, "/a/b") && has(&s, "/c"));
	/* From a subtree, the parent before its children. */
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(cgroup_walk(mount, "/a", record, &s), 0);
	ck_assert_int_eq(s.n, 2);
	ck_assert_str_eq(s.paths[0], "/a");
	ck_assert_str_eq(s.paths[1], "/a/b");
}
END_TEST

static int stop_at_a(const struct cgroup_node *node, void *ctx)
{
	(void)ctx;
	return !strcmp(node->rel, "/a") ? 42 : 0;
}

START_TEST(walk_stops_on_request)
{
	char mount[PATH_MAX];

	snprintf(mount, sizeof(mount), "%s/cg", tree);
	ck_assert_int_eq(cgroup_walk(mount, "/", stop_at_a, NULL), 42);
	ck_assert_int_eq(cgroup_walk("/nonexistent", "/", stop_at_a, NULL), -ENOENT);
}
END_TEST

/* Each node's id is the directory's inode number, read from its parent's entry. */
static int ids_match(const struct cgroup_node *node, void *ctx)
{
	struct stat st;

	(void)ctx;
	ck_assert_int_eq(stat(node->path, &st), 0);
	ck_assert_uint_eq(node->id, st.st_ino);
	return 0;
}

static int prune_at_a(const struct cgroup_node *node, void *ctx)
{
	record(node, ctx);
	return !strcmp(node->rel, "/a") ? CGROUP_WALK_PRUNE : 0;
}

START_TEST(walk_ids_and_pruning)
{
	struct seen s = {};
	char mount[PATH_MAX];

	snprintf(mount, sizeof(mount), "%s/cg", tree);
	ck_assert_int_eq(cgroup_walk(mount, "/", ids_match, NULL), 0);
	/* Pruned at /a: /a is visited, /a/b is not, the walk goes on to /c. */
	ck_assert_int_eq(cgroup_walk(mount, "/", prune_at_a, &s), 0);
	ck_assert_int_eq(s.n, 3);
	ck_assert(has(&s, "/") && has(&s, "/a") && has(&s, "/c") && !has(&s, "/a/b"));
	/* Pruned at the start: only that cgroup, and no error. */
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(cgroup_walk(mount, "/a", prune_at_a, &s), 0);
	ck_assert_int_eq(s.n, 1);
}
END_TEST

static Suite *cgroup_suite(void)
{
	Suite *s = suite_create("cgroup");
	TCase *mnt = tcase_create("mountinfo");
	TCase *res = tcase_create("resolve");

	tcase_add_checked_fixture(mnt, setup, teardown);
	tcase_add_test(mnt, hybrid_layout);
	tcase_add_test(mnt, unified_layout_with_optional_fields);
	tcase_add_test(mnt, escaped_mount_point);
	tcase_add_test(mnt, no_cgroup2);
	tcase_add_checked_fixture(res, setup, teardown);
	tcase_add_test(res, relative_and_absolute_paths);
	tcase_add_test(res, proc_cgroup_style_paths);
	tcase_add_test(res, bad_paths);
	tcase_add_test(res, filesystem_is_checked);
	tcase_add_test(res, walk_visits_every_cgroup_once);
	tcase_add_test(res, walk_stops_on_request);
	tcase_add_test(res, walk_ids_and_pruning);
	suite_add_tcase(s, mnt);
	suite_add_tcase(s, res);
	return s;
}

UNIT_MAIN(cgroup_suite)
