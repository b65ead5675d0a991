// SPDX-License-Identifier: GPL-2.0
/* The daemon's log lines: their RFC 3339 time, in text and JSON, none under the journal. */
#define _GNU_SOURCE
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "core/output.h"
#include "daemon/log.h"
#include "unit.h"

/* Whether @s matches the extended regular expression @re. */
static int matches(const char *s, const char *re)
{
	regex_t r;
	int m;

	ck_assert_int_eq(regcomp(&r, re, REG_EXTENDED | REG_NOSUB), 0);
	m = !regexec(&r, s, 0, NULL, 0);
	regfree(&r);
	return m;
}

#define STAMP "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z"

START_TEST(timestamp_format)
{
	char buf[LOG_TIME_LEN];
	struct timespec ts = {.tv_sec = 1796541123, .tv_nsec = 123456789};

	ck_assert_uint_eq(log_timestamp(&ts, buf, sizeof(buf)), strlen("2026-12-06T07:12:03.123Z"));
	ck_assert_str_eq(buf, "2026-12-06T07:12:03.123Z");
	/* Truncated: the last millisecond of a second stays in that second. */
	ts = (struct timespec){.tv_sec = 0, .tv_nsec = 999999999};
	log_timestamp(&ts, buf, sizeof(buf));
	ck_assert_str_eq(buf, "1970-01-01T00:00:00.999Z");
	ts = (struct timespec){.tv_sec = 951782400, .tv_nsec = 7000000};
	log_timestamp(&ts, buf, sizeof(buf));
	ck_assert_str_eq(buf, "2000-02-29T00:00:00.007Z");
	/* Too small a buffer: "", nothing half written. */
	ck_assert_uint_eq(log_timestamp(&ts, buf, sizeof(buf) - 1), 0);
	ck_assert_str_eq(buf, "");
	ck_assert_uint_eq(log_timestamp(&ts, buf, 10), 0);
	ck_assert_str_eq(buf, "");
}
END_TEST

/* Run log_event with stderr to a pipe; return what it wrote. */
static char *capture(int journal)
{
	static char out[4096];
	int pipefd[2], saved;
	struct stat st;
	char env[64];
	ssize_t n;

	ck_assert_int_eq(pipe(pipefd), 0);
	fflush(stderr);
	saved = dup(2);
	dup2(pipefd[1], 2);
	/* As systemd says that stderr is its stream: the pipe's device and inode. */
	ck_assert_int_eq(fstat(2, &st), 0);
	snprintf(env, sizeof(env), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino + !journal);
	setenv("JOURNAL_STREAM", env, 1);
	log_event(LOG_INFO, "ready", "config", "/etc/a b.yaml", NULL);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(pipefd[1]);
	n = read(pipefd[0], out, sizeof(out) - 1);
	close(pipefd[0]);
	out[n > 0 ? n : 0] = '\0';
	return out;
}

START_TEST(text_line_starts_with_its_time)
{
	const char *line;

	json_output = false;
	line = capture(0);
	ck_assert_msg(matches(line, "^" STAMP " info ready config=\"/etc/a b.yaml\"\n$"), "%s",
		      line);
}
END_TEST

START_TEST(json_line_has_a_time_field_first)
{
	const char *line;

	json_output = true;
	line = capture(0);
	ck_assert_msg(matches(line, "^\\{\"time\":\"" STAMP "\",\"level\":\"info\","
				    "\"event\":\"ready\",\"config\":\"/etc/a b.yaml\"\\}\n$"),
		      "%s", line);
	json_output = false;
}
END_TEST

START_TEST(no_time_under_the_journal)
{
	json_output = true;
	ck_assert_str_eq(capture(1),
			 "{\"level\":\"info\",\"event\":\"ready\",\"config\":\"/etc/a b.yaml\"}\n");
	json_output = false;
}
END_TEST

static Suite *log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("log");

	tcase_add_test(tc, timestamp_format);
	tcase_add_test(tc, text_line_starts_with_its_time);
	tcase_add_test(tc, json_line_has_a_time_field_first);
	tcase_add_test(tc, no_time_under_the_journal);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(log_suite)
