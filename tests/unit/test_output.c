// SPDX-License-Identifier: GPL-2.0
/* JSON rendering and the bpftool-style error line, captured from a pipe. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "core/output.h"
#include "unit.h"

/* Run @fn with @fd (1 or 2) redirected; return what it wrote. */
static char *capture(int fd, void (*fn)(void))
{
	static char buf[4096];
	int pipefd[2], saved;
	ssize_t n;

	ck_assert_int_eq(pipe(pipefd), 0);
	fflush(NULL);
	saved = dup(fd);
	dup2(pipefd[1], fd);
	fn();
	fflush(NULL);
	dup2(saved, fd);
	close(saved);
	close(pipefd[1]);
	n = read(pipefd[0], buf, sizeof(buf) - 1);
	close(pipefd[0]);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void err_with_hint(void)
{
	p_err(ENOENT, "create it first", "no such cgroup '%s'", "/x");
}

static void err_without_errno(void)
{
	p_err(0, NULL, "missing CGROUP");
}

static void plain_printer(json_t *r)
{
	printf("cgroup %s\n", json_string_value(json_object_get(r, "cgroup")));
}

static void emit_result(void)
{
	emit(json_pack("{s:s, s:i}", "cgroup", "/a", "id", 7), plain_printer);
}

START_TEST(error_line_plain)
{
	json_output = false;
	ck_assert_str_eq(capture(2, err_with_hint),
			 "Error: no such cgroup '/x': No such file or directory. Hint: create it "
			 "first\n");
	ck_assert_str_eq(capture(2, err_without_errno), "Error: missing CGROUP\n");
}
END_TEST

START_TEST(error_json_goes_to_stdout)
{
	json_output = true;
	pretty_output = false;
	ck_assert_str_eq(capture(1, err_with_hint),
			 "{\"error\":\"no such cgroup '/x': No such file or directory\","
			 "\"hint\":\"create it first\"}\n");
	ck_assert_str_eq(capture(1, err_without_errno), "{\"error\":\"missing CGROUP\"}\n");
	json_output = false;
}
END_TEST

START_TEST(emit_plain_and_json)
{
	json_output = false;
	ck_assert_str_eq(capture(1, emit_result), "cgroup /a\n");
	json_output = true;
	ck_assert_str_eq(capture(1, emit_result), "{\"cgroup\":\"/a\",\"id\":7}\n");
	pretty_output = true;
	ck_assert_str_eq(capture(1, emit_result), "{\n  \"cgroup\": \"/a\",\n  \"id\": 7\n}\n");
	json_output = pretty_output = false;
}
END_TEST

START_TEST(render_keeps_order)
{
	json_t *o = json_pack("{s:i, s:i, s:i}", "z", 1, "a", 2, "m", 3);
	char *text = render_json(o, false);

	ck_assert_str_eq(text, "{\"z\":1,\"a\":2,\"m\":3}");
	free(text);
	json_decref(o);
}
END_TEST

static Suite *output_suite(void)
{
	Suite *s = suite_create("output");
	TCase *tc = tcase_create("json");

	tcase_add_test(tc, error_line_plain);
	tcase_add_test(tc, error_json_goes_to_stdout);
	tcase_add_test(tc, emit_plain_and_json);
	tcase_add_test(tc, render_keeps_order);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(output_suite)
