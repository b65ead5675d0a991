// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "escape.h"

/*
 * Characters that change how the rest of a line reads without showing
 * themselves: C1 controls (U+0080..U+009F) move terminals as C0 ones do;
 * bidirectional overrides and isolates (U+202E makes "exe.txt" show as
 * "txt.exe"), zero-width characters, line separators and the BOM let a
 * name pass for another.
 */
static bool invisible(unsigned int cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x61c || (cp >= 0x200b && cp <= 0x200f) ||
	       (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x206f) || cp == 0xfeff;
}

/*
 * The length of the valid UTF-8 sequence at @s (1 to 4), or 0 when the
 * bytes there are not one: overlong forms, surrogates and values past
 * U+10FFFF included (RFC 3629).
 */
static size_t utf8_len(const unsigned char *s)
{
	unsigned int c = s[0], cp;
	size_t n, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return invisible(cp) ? 0 : n;
}

/* How @s's next character is written: its length in @in, and in @out. */
static size_t next(const unsigned char *s, size_t *out)
{
	size_t n = utf8_len(s);

	if (n == 1 && (s[0] < 0x20 || s[0] == 0x7f))
		n = 0;
	if (!n) {
		*out = 4; /* \xNN */
		return 1;
	}
	*out = s[0] == '\\' ? 2 : n;
	return n;
}

size_t escape_len(const char *in)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t total = 0, w;

	while (*s) {
		s += next(s, &w);
		total += w;
	}
	return total;
}

char *escape_text(const char *in, char *out, size_t len)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t used = 0, n, w;

	while (*s) {
		n = next(s, &w);
		if (used + w + 1 > len)
			break;
		if (n == 1 && w == 4)
			snprintf(out + used, 5, "\\x%02x", s[0]);
		else if (s[0] == '\\')
			memcpy(out + used, "\\\\", 2);
		else
			memcpy(out + used, s, n);
		used += w;
		s += n;
	}
	if (len)
		out[used] = '\0';
	return out;
}

int escape_exec_word(const char *word, char *out, size_t len)
{
	const unsigned char *s = (const unsigned char *)word;
	size_t used = 0;

	if (len < 3)
		return -ENAMETOOLONG;
	out[used++] = '"';
	for (; *s; s++) {
		if (*s < 0x20 || *s == 0x7f)
			return -EINVAL;
		if (used + 4 > len) /* two bytes, the closing quote, NUL */
			return -ENAMETOOLONG;
		if (*s == '"' || *s == '\\')
			out[used++] = '\\';
		else if (*s == '%' || *s == '$')
			out[used++] = *s;
		out[used++] = *s;
	}
	out[used++] = '"';
	out[used] = '\0';
	return 0;
}
