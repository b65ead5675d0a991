/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A file the daemon reads whole (its configuration), never blocking on it:
 * only a regular file is opened, without waiting, and only when its size is
 * within the cap; the read stops at the cap should the file grow meanwhile.
 */
#ifndef MPTCPIFY_TEXTFILE_H
#define MPTCPIFY_TEXTFILE_H

#include <stddef.h>

/*
 * @path's bytes, at most @max, in *text (malloc()ed) and *len: 0, or with
 * "PATH: why" in @err, -ENOTSUP for what is no regular file (a FIFO, a
 * device, a directory), -EFBIG over @max, -ENOMEM, or what errno said.
 */
int textfile_read(const char *path, size_t max, char **text, size_t *len, char *err, size_t errlen);

#endif
