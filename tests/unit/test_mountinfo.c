// SPDX-License-Identifier: GPL-2.0
/* mountinfo read with libmount: escapes undone, bad lines skipped, stacked mounts counted. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "core/mountinfo.h"
#include "unit.h"

static char file[PATH_MAX];

static const char *mountinfo(const char *text)
{
	int fd;

	snprintf(file, sizeof(file), "/tmp/mptcpify-mountinfo-XXXXXX");
	fd = mkstemp(file);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return file;
}

static void teardown(void)
{
	unlink(file);
}

/* A bpffs mounted over the pins' one hides them: two at the same place. */
START_TEST(stacked_mounts_count_each)
{
	const char *f = mountinfo("22 1 0:20 / /sys rw - sysfs sysfs rw\n"
				  "30 22 0:26 / /sys/fs/bpf rw,nosuid - bpf bpf rw,mode=700\n"
				  "41 22 0:38 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"
				  "97 30 0:51 / /sys/fs/bpf rw,relatime - bpf bpf rw\n");

	ck_assert_int_eq(mountinfo_count(f, "bpf", "/sys/fs/bpf"), 2);
	ck_assert_int_eq(mountinfo_count(f, "cgroup2", "/sys/fs/cgroup"), 1);
	ck_assert_int_eq(mountinfo_count(f, "bpf", "/sys/fs"), 0);
}
END_TEST

static int collect(const char *target, const char *fstype, void *ctx)
{
	char *out = ctx;

	strcat(out, target);
	strcat(out, "|");
	strcat(out, fstype);
	strcat(out, ";");
	return 0;
}

/* Space, tab, newline and backslash come as \ooo; a line without " - " is skipped. */
START_TEST(escapes_undone)
{
	const char *f = mountinfo("40 1 0:1 / /mnt/a\\040b\\134c rw - tmpfs tmpfs rw\n"
				  "garbage\n"
				  "41 1 0:2 / /mnt/d\\011e rw shared:1 - bpf bpf rw\n");
	char out[256] = "";

	ck_assert_int_eq(mountinfo_each(f, collect, out), 0);
	ck_assert_str_eq(out, "/mnt/a b\\c|tmpfs;/mnt/d\te|bpf;");
}
END_TEST

static int stop_at_bpf(const char *target, const char *fstype, void *ctx)
{
	(void)target, (void)ctx;
	return strcmp(fstype, "bpf") ? 0 : 7;
}

START_TEST(callback_stops_the_walk)
{
	const char *f = mountinfo("1 1 0:1 / / rw - ext4 /dev/sda rw\n"
				  "2 1 0:2 / /sys/fs/bpf rw - bpf bpf rw\n");

	ck_assert_int_eq(mountinfo_each(f, stop_at_bpf, NULL), 7);
	ck_assert_int_eq(mountinfo_each("/nonexistent/mountinfo", stop_at_bpf, NULL), -ENOENT);
	ck_assert_int_eq(mountinfo_count("/nonexistent/mountinfo", "bpf", "/"), -ENOENT);
}
END_TEST

static Suite *mountinfo_suite(void)
{
	Suite *s = suite_create("mountinfo");
	TCase *tc = tcase_create("mountinfo");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, stacked_mounts_count_each);
	tcase_add_test(tc, escapes_undone);
	tcase_add_test(tc, callback_stops_the_walk);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(mountinfo_suite)
