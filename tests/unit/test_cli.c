// SPDX-License-Identifier: GPL-2.0
/* Command lookup and argument parsing. */
#include <errno.h>
#include <string.h>
#include "cli.h"
#include "mptcpify.h"
#include "unit.h"

static int fake(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static const struct cmd table[] = {
	{"attach", fake, SHAPE_CGROUP_MODE, ""}, {"detach", fake, SHAPE_CGROUP, ""},
	{"stats", fake, SHAPE_OPT_CGROUP, ""},	 {"subflow", fake, SHAPE_NONE, ""},
	{"list", fake, SHAPE_NONE, ""},
};

#define N (sizeof(table) / sizeof(table[0]))

START_TEST(lookup_exact_and_prefix)
{
	int amb;

	ck_assert_ptr_eq(cmd_lookup(table, N, "attach", &amb), &table[0]);
	ck_assert_ptr_eq(cmd_lookup(table, N, "att", &amb), &table[0]);
	ck_assert_ptr_eq(cmd_lookup(table, N, "d", &amb), &table[1]);
	ck_assert_ptr_eq(cmd_lookup(table, N, "l", &amb), &table[4]);
	ck_assert_int_eq(amb, 0);
}
END_TEST

START_TEST(lookup_ambiguous_and_unknown)
{
	int amb;

	ck_assert_ptr_null(cmd_lookup(table, N, "s", &amb));
	ck_assert_int_eq(amb, 1);
	ck_assert_ptr_eq(cmd_lookup(table, N, "st", &amb), &table[2]);
	ck_assert_ptr_null(cmd_lookup(table, N, "attachx", &amb));
	ck_assert_int_eq(amb, 0);
	ck_assert_ptr_null(cmd_lookup(table, N, "", &amb));
}
END_TEST

START_TEST(modes)
{
	__u32 m = 0;

	ck_assert_int_eq(parse_mode("rewrite", &m), 0);
	ck_assert_uint_eq(m, MPTCPIFY_MODE_REWRITE);
	ck_assert_int_eq(parse_mode("aud", &m), 0);
	ck_assert_uint_eq(m, MPTCPIFY_MODE_AUDIT);
	ck_assert_int_eq(parse_mode("exclude", &m), 0);
	ck_assert_uint_eq(m, MPTCPIFY_MODE_EXCLUDE);
	ck_assert_int_eq(parse_mode("bogus", &m), -EINVAL);
	ck_assert_int_eq(parse_mode("", &m), -EINVAL);
	ck_assert_int_eq(parse_mode(NULL, &m), -EINVAL);
	ck_assert_str_eq(mode_name(MPTCPIFY_MODE_AUDIT), "audit");
	ck_assert_str_eq(mode_name(42), "unknown");
}
END_TEST

START_TEST(global_options_stop_at_the_command)
{
	char *argv[] = {"mptcpify", "-j", "--pin-dir", "/x/y", "attach", "-p", "cg", NULL};
	struct global_opts g;
	const char *err = NULL;

	ck_assert_int_eq(parse_global(7, argv, &g, &err), 4);
	ck_assert_int_eq(g.json, 1);
	ck_assert_int_eq(g.pretty, 0);
	ck_assert_str_eq(g.pin_dir, "/x/y");
}
END_TEST

START_TEST(global_option_errors)
{
	char *bad[] = {"mptcpify", "--bogus", "list", NULL};
	char *missing[] = {"mptcpify", "--pin-dir", NULL};
	struct global_opts g;
	const char *err = NULL;

	ck_assert_int_eq(parse_global(3, bad, &g, &err), -1);
	ck_assert_ptr_nonnull(err);
	err = NULL;
	ck_assert_int_eq(parse_global(2, missing, &g, &err), -1);
	ck_assert_str_eq(err, "--pin-dir needs a directory");
}
END_TEST

START_TEST(attach_arguments)
{
	char *argv[] = {"attach", "kubepods.slice", "--mode", "audit", "-p", NULL};
	char *excl[] = {"attach", "--exclude", "a/b", NULL};
	struct cmd_args a;
	const char *err = NULL;

	ck_assert_int_eq(parse_cmd_args(5, argv, SHAPE_CGROUP_MODE, &a, &err), 0);
	ck_assert_str_eq(a.cgroup, "kubepods.slice");
	ck_assert_uint_eq(a.mode, MPTCPIFY_MODE_AUDIT);
	ck_assert_int_eq(a.pretty, 1);
	ck_assert_int_eq(parse_cmd_args(3, excl, SHAPE_CGROUP_MODE, &a, &err), 0);
	ck_assert_str_eq(a.cgroup, "a/b");
	ck_assert_uint_eq(a.mode, MPTCPIFY_MODE_EXCLUDE);
}
END_TEST

START_TEST(attach_defaults_to_rewrite)
{
	char *argv[] = {"attach", "x", NULL};
	struct cmd_args a;
	const char *err = NULL;

	ck_assert_int_eq(parse_cmd_args(2, argv, SHAPE_CGROUP_MODE, &a, &err), 0);
	ck_assert_uint_eq(a.mode, MPTCPIFY_MODE_REWRITE);
}
END_TEST

START_TEST(usage_errors)
{
	char *none[] = {"attach", NULL};
	char *two[] = {"detach", "a", "b", NULL};
	char *badmode[] = {"attach", "a", "--mode", "exclude", NULL};
	char *nomode[] = {"detach", "a", "--mode", "audit", NULL};
	char *extra[] = {"list", "a", NULL};
	char *unknown[] = {"list", "--frob", NULL};
	struct cmd_args a;
	const char *err = NULL;

	ck_assert_int_eq(parse_cmd_args(1, none, SHAPE_CGROUP_MODE, &a, &err), -EINVAL);
	ck_assert_str_eq(err, "missing CGROUP");
	ck_assert_int_eq(parse_cmd_args(3, two, SHAPE_CGROUP, &a, &err), -EINVAL);
	ck_assert_int_eq(parse_cmd_args(4, badmode, SHAPE_CGROUP_MODE, &a, &err), -EINVAL);
	ck_assert_str_eq(err, "--mode takes rewrite or audit");
	ck_assert_int_eq(parse_cmd_args(4, nomode, SHAPE_CGROUP, &a, &err), -EINVAL);
	ck_assert_int_eq(parse_cmd_args(2, extra, SHAPE_NONE, &a, &err), -EINVAL);
	ck_assert_int_eq(parse_cmd_args(2, unknown, SHAPE_NONE, &a, &err), -EINVAL);
}
END_TEST

/* run's own options stop at the command; the command keeps its flags. */
START_TEST(run_keeps_the_commands_options)
{
	char *argv[] = {"run", "--mode", "audit", "--", "curl", "-j", "--mode", NULL};
	char *bare[] = {"run", "iperf3", "-c", "::1", NULL};
	char *empty[] = {"run", "--", NULL};
	struct cmd_args a;
	const char *err = NULL;

	ck_assert_int_eq(parse_cmd_args(7, argv, SHAPE_MODE_COMMAND, &a, &err), 0);
	ck_assert_uint_eq(a.mode, MPTCPIFY_MODE_AUDIT);
	ck_assert_str_eq(a.command[0], "curl");
	ck_assert_str_eq(a.command[1], "-j");
	ck_assert_int_eq(a.json, 0);
	ck_assert_int_eq(parse_cmd_args(4, bare, SHAPE_MODE_COMMAND, &a, &err), 0);
	ck_assert_str_eq(a.command[0], "iperf3");
	ck_assert_str_eq(a.command[1], "-c");
	ck_assert_int_eq(parse_cmd_args(2, empty, SHAPE_MODE_COMMAND, &a, &err), -EINVAL);
	ck_assert_str_eq(err, "missing the command to run");
}
END_TEST

static Suite *cli_suite(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, lookup_exact_and_prefix);
	tcase_add_test(tc, lookup_ambiguous_and_unknown);
	tcase_add_test(tc, modes);
	tcase_add_test(tc, global_options_stop_at_the_command);
	tcase_add_test(tc, global_option_errors);
	tcase_add_test(tc, attach_arguments);
	tcase_add_test(tc, attach_defaults_to_rewrite);
	tcase_add_test(tc, usage_errors);
	tcase_add_test(tc, run_keeps_the_commands_options);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(cli_suite)
