// SPDX-License-Identifier: GPL-2.0
/* The command line, parsed once: lookup, options, positionals, rules. */
#include <errno.h>
#include <string.h>
#include "cli/args.h"
#include "mptcpify.h"
#include "unit.h"

static int fake(const struct cmd_args *a)
{
	(void)a;
	return 0;
}

static const struct cmd subs[] = {
	{"set", fake, 0, POS_CGROUP_RULES, "CGROUP RULE...", ""},
	{"show", fake, 0, POS_OPT_CGROUP, "[CGROUP]", ""},
};

static const struct cmd table[] = {
	{"attach", fake, OPT_MODE | OPT_EXCLUDE | OPT_ON_INCOMPATIBLE, POS_CGROUP, "", ""},
	{"detach", fake, 0, POS_CGROUP, "", ""},
	{"stats", fake, 0, POS_OPT_CGROUP, "", ""},
	{"subflow", NULL, 0, POS_NONE, "", "", subs, 2},
	{"list", fake, 0, POS_NONE, "", ""},
	{"load", fake, 0, POS_NONE, "", ""},
	{"run", fake, OPT_MODE, POS_COMMAND, "", ""},
	{"daemon", fake, OPT_CONFIG | OPT_METRICS | OPT_CHECK, POS_NONE, "", ""},
	{"enable", fake, OPT_MODE, POS_UNIT, "", ""},
};

#define N (sizeof(table) / sizeof(table[0]))
#define ARGC(v) ((int)(sizeof(v) / sizeof((v)[0])) - 1)

static struct cmd_args a;
static char err[256];

static int parse(int argc, char **argv)
{
	err[0] = '\0';
	return args_parse(table, N, argc, argv, &a, err, sizeof(err));
}

START_TEST(lookup_exact_and_prefix)
{
	int amb;

	ck_assert_ptr_eq(args_lookup_cmd(table, N, "attach", &amb), &table[0]);
	ck_assert_ptr_eq(args_lookup_cmd(table, N, "att", &amb), &table[0]);
	ck_assert_ptr_eq(args_lookup_cmd(table, N, "de", &amb), &table[1]);
	ck_assert_ptr_eq(args_lookup_cmd(table, N, "li", &amb), &table[4]);
	ck_assert_int_eq(amb, 0);
	ck_assert_ptr_null(args_lookup_cmd(table, N, "s", &amb));
	ck_assert_int_eq(amb, 1);
	ck_assert_ptr_eq(args_lookup_cmd(table, N, "st", &amb), &table[2]);
	ck_assert_ptr_null(args_lookup_cmd(table, N, "attachx", &amb));
	ck_assert_int_eq(amb, 0);
	ck_assert_ptr_null(args_lookup_cmd(table, N, "", &amb));
}
END_TEST

START_TEST(global_options_before_the_command)
{
	char *argv[] = {"mptcpify", "-j", "--pin-dir", "/x/y", "att", "-p", "cg", NULL};
	char *eq[] = {"mptcpify", "--pin-dir=/z", "list", NULL};

	ck_assert_int_eq(parse(ARGC(argv), argv), 0);
	ck_assert_ptr_eq(a.cmd, &table[0]);
	ck_assert(a.json && a.pretty);
	ck_assert_str_eq(a.pin_dir, "/x/y");
	ck_assert_str_eq(a.cgroup, "cg");
	ck_assert_int_eq(parse(ARGC(eq), eq), 0);
	ck_assert_str_eq(a.pin_dir, "/z");
	ck_assert(!a.json);
}
END_TEST

START_TEST(global_option_errors)
{
	char *bad[] = {"mptcpify", "--bogus", "list", NULL};
	char *missing[] = {"mptcpify", "--pin-dir", NULL};
	char *none[] = {"mptcpify", NULL};
	char *unknown[] = {"mptcpify", "frob", NULL};
	char *ambiguous[] = {"mptcpify", "l", NULL};

	ck_assert_int_eq(parse(ARGC(bad), bad), -EINVAL);
	ck_assert_str_eq(err, "unknown global option '--bogus'");
	ck_assert_int_eq(parse(ARGC(missing), missing), -EINVAL);
	ck_assert_str_eq(err, "--pin-dir needs a directory");
	ck_assert_int_eq(parse(ARGC(none), none), -EINVAL);
	ck_assert_str_eq(err, "missing command");
	ck_assert_int_eq(parse(ARGC(unknown), unknown), -EINVAL);
	ck_assert_str_eq(err, "unknown command 'frob'");
	ck_assert_int_eq(parse(ARGC(ambiguous), ambiguous), -EINVAL);
	ck_assert_str_eq(err, "ambiguous command 'l'");
}
END_TEST

START_TEST(attach_arguments)
{
	char *argv[] = {"m", "attach", "kubepods.slice", "--mode", "audit", "-p", NULL};
	char *excl[] = {"m", "attach", "--exclude", "a/b", NULL};
	char *eq[] = {"m", "attach", "--mode=aud", "x", NULL};
	char *dflt[] = {"m", "attach", "x", NULL};

	ck_assert_int_eq(parse(ARGC(argv), argv), 0);
	ck_assert_str_eq(a.cgroup, "kubepods.slice");
	ck_assert_uint_eq(a.mode, MPTCPIFY_MODE_AUDIT);
	ck_assert(a.pretty);
	ck_assert_int_eq(parse(ARGC(excl), excl), 0);
	ck_assert_str_eq(a.cgroup, "a/b");
	ck_assert_uint_eq(a.mode, MPTCPIFY_MODE_EXCLUDE);
	ck_assert_int_eq(parse(ARGC(eq), eq), 0);
	ck_assert_uint_eq(a.mode, MPTCPIFY_MODE_AUDIT);
	ck_assert_int_eq(parse(ARGC(dflt), dflt), 0);
	ck_assert_uint_eq(a.mode, MPTCPIFY_MODE_REWRITE);
	ck_assert(!a.protect);
}
END_TEST

/* `CMD help` and `CMD SUB help` ask for help, as bpftool and ip take it. */
START_TEST(help_word_after_the_command)
{
	char *attach[] = {"m", "attach", "help", NULL};
	char *sub[] = {"m", "subflow", "help", NULL};
	char *subsub[] = {"m", "subflow", "set", "help", NULL};
	char *cgroup[] = {"m", "attach", "x", "help", NULL};

	ck_assert_int_eq(parse(ARGC(attach), attach), 0);
	ck_assert(a.help);
	ck_assert_str_eq(a.cmd->name, "attach");
	ck_assert_int_eq(parse(ARGC(sub), sub), 0);
	ck_assert(a.help);
	ck_assert_str_eq(a.cmd->name, "subflow");
	ck_assert_int_eq(parse(ARGC(subsub), subsub), 0);
	ck_assert(a.help);
	ck_assert_str_eq(a.cmd->name, "set");
	/* Only right after the command: here it is one word too many. */
	ck_assert_int_eq(parse(ARGC(cgroup), cgroup), -EINVAL);
	ck_assert_str_eq(err, "expected one CGROUP");
}
END_TEST

START_TEST(on_incompatible_anywhere)
{
	char *before[] = {"m", "attach", "--on-incompatible", "exclude", "x", NULL};
	char *after[] = {"m", "attach", "x", "--on-incompatible=keep", NULL};
	char *bad[] = {"m", "attach", "x", "--on-incompatible", "drop", NULL};
	char *elsewhere[] = {"m", "detach", "x", "--on-incompatible", "exclude", NULL};

	ck_assert_int_eq(parse(ARGC(before), before), 0);
	ck_assert_str_eq(a.cgroup, "x");
	ck_assert(a.protect);
	ck_assert_int_eq(parse(ARGC(after), after), 0);
	ck_assert(!a.protect);
	ck_assert_int_eq(parse(ARGC(bad), bad), -EINVAL);
	ck_assert_str_eq(err, "--on-incompatible takes exclude or keep");
	ck_assert_int_eq(parse(ARGC(elsewhere), elsewhere), -EINVAL);
	ck_assert_str_eq(err, "unknown option '--on-incompatible'");
}
END_TEST

START_TEST(usage_errors)
{
	char *none[] = {"m", "attach", NULL};
	char *two[] = {"m", "detach", "a", "b", NULL};
	char *badmode[] = {"m", "attach", "a", "--mode", "exclude", NULL};
	char *nomode[] = {"m", "detach", "a", "--mode", "audit", NULL};
	char *extra[] = {"m", "list", "a", NULL};
	char *unknown[] = {"m", "list", "--frob", NULL};
	char *novalue[] = {"m", "daemon", "--config", NULL};
	char *flagvalue[] = {"m", "daemon", "--check=yes", NULL};

	ck_assert_int_eq(parse(ARGC(none), none), -EINVAL);
	ck_assert_str_eq(err, "missing CGROUP");
	ck_assert_int_eq(parse(ARGC(two), two), -EINVAL);
	ck_assert_str_eq(err, "expected one CGROUP");
	ck_assert_int_eq(parse(ARGC(badmode), badmode), -EINVAL);
	ck_assert_str_eq(err, "--mode takes rewrite or audit");
	ck_assert_int_eq(parse(ARGC(nomode), nomode), -EINVAL);
	ck_assert_str_eq(err, "unknown option '--mode'");
	ck_assert_int_eq(parse(ARGC(extra), extra), -EINVAL);
	ck_assert_str_eq(err, "unexpected argument");
	ck_assert_int_eq(parse(ARGC(unknown), unknown), -EINVAL);
	ck_assert_str_eq(err, "unknown option '--frob'");
	ck_assert_int_eq(parse(ARGC(novalue), novalue), -EINVAL);
	ck_assert_str_eq(err, "a value is missing after '--config'");
	ck_assert_int_eq(parse(ARGC(flagvalue), flagvalue), -EINVAL);
	ck_assert_str_eq(err, "'--check' takes no value");
}
END_TEST

/* -j, -p, -v anywhere after the command too; -h asks for the command's help. */
START_TEST(output_flags_anywhere)
{
	char *late[] = {"m", "stats", "cg", "-v", "--json", NULL};
	char *help[] = {"m", "attach", "--help", NULL};
	char *subhelp[] = {"m", "subflow", "-h", NULL};

	ck_assert_int_eq(parse(ARGC(late), late), 0);
	ck_assert(a.json && !a.pretty && a.verbose);
	ck_assert_str_eq(a.cgroup, "cg");
	/* Help needs no CGROUP. */
	ck_assert_int_eq(parse(ARGC(help), help), 0);
	ck_assert(a.help);
	ck_assert_ptr_eq(a.cmd, &table[0]);
	ck_assert_int_eq(parse(ARGC(subhelp), subhelp), 0);
	ck_assert(a.help);
	ck_assert_ptr_eq(a.cmd, &table[3]);
}
END_TEST

/* run's own options stop at the command; the command keeps its flags. */
START_TEST(run_keeps_the_commands_options)
{
	char *argv[] = {"m", "run", "--mode", "audit", "--", "curl", "-j", "--mode", NULL};
	char *bare[] = {"m", "run", "iperf3", "-c", "::1", NULL};
	char *empty[] = {"m", "run", "--", NULL};

	ck_assert_int_eq(parse(ARGC(argv), argv), 0);
	ck_assert_uint_eq(a.mode, MPTCPIFY_MODE_AUDIT);
	ck_assert_int_eq(a.nwords, 3);
	ck_assert_str_eq(a.words[0], "curl");
	ck_assert_str_eq(a.words[1], "-j");
	ck_assert(!a.json);
	ck_assert_int_eq(parse(ARGC(bare), bare), 0);
	ck_assert_str_eq(a.words[0], "iperf3");
	ck_assert_str_eq(a.words[1], "-c");
	ck_assert_int_eq(parse(ARGC(empty), empty), -EINVAL);
	ck_assert_str_eq(err, "missing the command to run");
}
END_TEST

/* Subcommands by prefix; rule words may start with '-' and -j may sit among them. */
START_TEST(subcommands_and_rules)
{
	char *set[] = {"m", "subflow", "se", "cg", "-j", "->", "mark", "1", NULL};
	char *none[] = {"m", "subflow", NULL};
	char *bad[] = {"m", "subflow", "frob", NULL};
	char *norule[] = {"m", "subflow", "set", "cg", NULL};

	ck_assert_int_eq(parse(ARGC(set), set), 0);
	ck_assert_ptr_eq(a.cmd, &subs[0]);
	ck_assert_ptr_eq(a.parent, &table[3]);
	ck_assert(a.json);
	ck_assert_str_eq(a.cgroup, "cg");
	ck_assert_int_eq(a.nwords, 3);
	ck_assert_str_eq(a.words[0], "->");
	ck_assert_str_eq(a.words[1], "mark");
	ck_assert_str_eq(a.words[2], "1");
	ck_assert_int_eq(parse(ARGC(none), none), -EINVAL);
	ck_assert_str_eq(err, "missing subflow command");
	ck_assert_int_eq(parse(ARGC(bad), bad), -EINVAL);
	ck_assert_str_eq(err, "unknown subflow command 'frob'");
	ck_assert_int_eq(parse(ARGC(norule), norule), -EINVAL);
	ck_assert_str_eq(err, "missing RULE");
}
END_TEST

START_TEST(rules_quoted_one_per_word)
{
	char *words[] = {"join -> mark 0x20", "initial -> tos 0x10"};
	char buf[256], *rules[8];

	ck_assert_int_eq(args_split_rules(2, words, buf, sizeof(buf), rules, 8), 2);
	ck_assert_ptr_eq(rules[0], words[0]);
	ck_assert_ptr_eq(rules[1], words[1]);
	ck_assert_int_eq(args_split_rules(2, words, buf, sizeof(buf), rules, 1), -E2BIG);
}
END_TEST

START_TEST(rules_unquoted_split_at_semicolons)
{
	char *words[] = {"join", "->", "mark", "1;", "initial", "->", "tos", "2", ";", ";"};
	char buf[256], small[8], *rules[8];

	ck_assert_int_eq(args_split_rules(10, words, buf, sizeof(buf), rules, 8), 2);
	ck_assert_str_eq(rules[0], "join -> mark 1");
	ck_assert_str_eq(rules[1], " initial -> tos 2 ");
	ck_assert_int_eq(args_split_rules(10, words, buf, sizeof(buf), rules, 1), -E2BIG);
	ck_assert_int_eq(args_split_rules(10, words, small, sizeof(small), rules, 8), -E2BIG);
	ck_assert_int_eq(args_split_rules(0, words, buf, sizeof(buf), rules, 8), 0);
}
END_TEST

/* enable and disable take a unit, and say so. */
START_TEST(unit_positional)
{
	char *one[] = {"m", "enable", "web.service", "--mode", "audit", NULL};
	char *none[] = {"m", "enable", NULL};
	char *two[] = {"m", "enable", "a.service", "b.service", NULL};

	ck_assert_int_eq(parse(ARGC(one), one), 0);
	ck_assert_str_eq(a.unit, "web.service");
	ck_assert_ptr_null(a.cgroup);
	ck_assert_int_eq(a.mode, MPTCPIFY_MODE_AUDIT);
	ck_assert_int_eq(parse(ARGC(none), none), -EINVAL);
	ck_assert_str_eq(err, "missing UNIT");
	ck_assert_int_eq(parse(ARGC(two), two), -EINVAL);
	ck_assert_str_eq(err, "expected one UNIT");
}
END_TEST

static Suite *args_suite(void)
{
	Suite *s = suite_create("args");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, lookup_exact_and_prefix);
	tcase_add_test(tc, global_options_before_the_command);
	tcase_add_test(tc, global_option_errors);
	tcase_add_test(tc, on_incompatible_anywhere);
	tcase_add_test(tc, help_word_after_the_command);
	tcase_add_test(tc, attach_arguments);
	tcase_add_test(tc, on_incompatible_anywhere);
	tcase_add_test(tc, usage_errors);
	tcase_add_test(tc, output_flags_anywhere);
	tcase_add_test(tc, run_keeps_the_commands_options);
	tcase_add_test(tc, subcommands_and_rules);
	tcase_add_test(tc, rules_quoted_one_per_word);
	tcase_add_test(tc, rules_unquoted_split_at_semicolons);
	tcase_add_test(tc, unit_positional);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(args_suite)
