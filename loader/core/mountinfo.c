// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mountinfo.h"

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape_octal(char *s)
{
	char *out = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*out++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 4;
		} else {
			*out++ = *s++;
		}
	}
	*out = '\0';
}

int mountinfo_each(const char *path, mountinfo_fn fn, void *ctx)
{
	char *line = NULL, *sep, target[PATH_MAX], fstype[64];
	size_t cap = 0;
	int ret = 0;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return -errno;
	/* "36 35 0:30 / /sys/fs/cgroup rw,... shared:9 - cgroup2 cgroup2 rw" */
	while (!ret && getline(&line, &cap, f) > 0) {
		sep = strstr(line, " - ");
		if (!sep || sscanf(sep, " - %63s", fstype) != 1 ||
		    sscanf(line, "%*s %*s %*s %*s %4095s", target) != 1)
			continue;
		unescape_octal(target);
		ret = fn(target, fstype, ctx);
	}
	free(line);
	fclose(f);
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
