// SPDX-License-Identifier: GPL-2.0
/* Reading the daemon's input files without blocking on them: see textfile.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "textfile.h"

/* What a path that is not a regular file is, for the refusal. */
static const char *file_kind(mode_t mode)
{
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISCHR(mode) || S_ISBLK(mode))
		return "a device";
	if (S_ISSOCK(mode))
		return "a socket";
	return "not a plain file";
}

/* -errno, with why in @err. */
static int cannot_read(const char *path, int errnum, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: cannot read the configuration: %s", path, strerror(errnum));
	return -errnum;
}

static int too_large(const char *path, size_t max, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: larger than %zu bytes, the limit", path, max);
	return -EFBIG;
}

/*
 * The file is checked before it is opened and again once it is: a FIFO
 * would block the open or the read until a writer came, a device may never
 * end, and a path swapped between the two checks is caught by the second.
 * O_NONBLOCK makes an open that would wait (a FIFO, a file under another's
 * lease) fail at once instead. A descriptor, or -errno with why in @err.
 */
static int open_regular(const char *path, size_t max, char *err, size_t errlen)
{
	struct stat st;
	int fd = -1, e;

	if (stat(path, &st))
		return cannot_read(path, errno, err, errlen);
	if (S_ISREG(st.st_mode)) {
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
		if (fd < 0 || fstat(fd, &st)) {
			e = errno;
			if (fd >= 0)
				close(fd);
			return cannot_read(path, e, err, errlen);
		}
	}
	if (!S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		snprintf(err, errlen, "%s: %s, not a regular file: the configuration must be one",
			 path, file_kind(st.st_mode));
		return -ENOTSUP;
	}
	if ((unsigned long long)st.st_size > max) {
		close(fd);
		return too_large(path, max, err, errlen);
	}
	return fd;
}

int textfile_read(const char *path, size_t max, char **text, size_t *len, char *err, size_t errlen)
{
	ssize_t n = 0;
	int fd, ret;

	*len = 0;
	fd = open_regular(path, max, err, errlen);
	if (fd < 0)
		return fd;
	*text = malloc(max + 1);
	/* At most the cap and a byte: a file that grew since fstat() is caught. */
	while (*text && *len <= max) {
		n = read(fd, *text + *len, max + 1 - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		*len += n;
	}
	if (!*text) {
		snprintf(err, errlen, "%s: out of memory", path);
		ret = -ENOMEM;
	} else if (n < 0) {
		ret = cannot_read(path, errno, err, errlen);
	} else if (*len > max) {
		ret = too_large(path, max, err, errlen);
	} else {
		ret = 0;
	}
	close(fd);
	if (ret) {
		free(*text);
		*text = NULL;
	}
	return ret;
}
