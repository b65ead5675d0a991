/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Untrusted text (cgroup and pod names, which any user allowed to create a
 * cgroup chooses) made safe to print: valid UTF-8 with no control
 * characters, whatever bytes it came as.
 */
#ifndef MPTCPIFY_ESCAPE_H
#define MPTCPIFY_ESCAPE_H

#include <stddef.h>

/*
 * @in into @out (at most @len bytes, NUL included): valid UTF-8 is copied,
 * a backslash becomes "\\", each byte of a control character (C0, DEL,
 * C1), of an invisible format character (bidirectional overrides,
 * zero-width characters, line separators, BOM) or that is not valid UTF-8
 * becomes "\xNN". Truncated at a whole character.
 * Returns @out.
 */
char *escape_text(const char *in, char *out, size_t len);

/* The length of the escaped text of @in, NUL excluded. */
size_t escape_len(const char *in);

/*
 * @word as one double-quoted word of a systemd Exec= line, in @out (at
 * most @len bytes): '"' and '\\' escaped, '%' and '$' doubled so that
 * neither specifiers nor variables expand. -EINVAL for a control
 * character (no quoting makes a newline safe there), -ENAMETOOLONG when
 * @out is too small; 0 when done.
 */
int escape_exec_word(const char *word, char *out, size_t len);

#endif
