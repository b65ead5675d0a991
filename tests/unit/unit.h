/* SPDX-License-Identifier: GPL-2.0 */
/* One Check runner per test binary; each binary tests one module. */
#ifndef MPTCPIFY_UNIT_H
#define MPTCPIFY_UNIT_H

#include <check.h>
#include <stdlib.h>
#include <string.h>

/* Whether TEXT has LINE as a whole line (a rendering's sample, say). */
static inline int has_line(const char *text, const char *line)
{
	const char *p = text;
	size_t n = strlen(line);

	while ((p = strstr(p, line)))
		if ((p == text || p[-1] == '\n') && (p[n] == '\n' || !p[n]))
			return 1;
		else
			p++;
	return 0;
}

/* How many samples of metric @family TEXT has (its name then '{' or ' '). */
static inline int samples(const char *text, const char *family)
{
	const char *p = text;
	size_t n = strlen(family);
	int count = 0;

	while ((p = strstr(p, family))) {
		if ((p == text || p[-1] == '\n') && (p[n] == '{' || p[n] == ' '))
			count++;
		p += n;
	}
	return count;
}

#define UNIT_MAIN(make_suite)                                \
	int main(void)                                       \
	{                                                    \
		SRunner *sr = srunner_create(make_suite());  \
		int failed;                                  \
                                                             \
		srunner_run_all(sr, CK_NORMAL);              \
		failed = srunner_ntests_failed(sr);          \
		srunner_free(sr);                            \
		return failed ? EXIT_FAILURE : EXIT_SUCCESS; \
	}

#endif
