// SPDX-License-Identifier: GPL-2.0
/* Untrusted names made printable: valid UTF-8 stays, everything else is \xNN. */
#include <errno.h>
#include <string.h>
#include "core/escape.h"
#include "unit.h"

static char out[256];

START_TEST(plain_and_utf8_pass)
{
	ck_assert_str_eq(escape_text("/kubepods/pod-a", out, sizeof(out)), "/kubepods/pod-a");
	ck_assert_str_eq(escape_text("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xa7", out, sizeof(out)),
			 "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xa7");
	ck_assert_uint_eq(escape_len("caf\xc3\xa9"), 5);
}
END_TEST

START_TEST(controls_and_backslash)
{
	ck_assert_str_eq(escape_text("a\nb\rc\td\x1b[31m\x7f", out, sizeof(out)),
			 "a\\x0ab\\x0dc\\x09d\\x1b[31m\\x7f");
	ck_assert_str_eq(escape_text("a\\xff", out, sizeof(out)), "a\\\\xff");
	/* C1 controls, such as U+009B (CSI), too. */
	ck_assert_str_eq(escape_text("\xc2\x9b", out, sizeof(out)), "\\xc2\\x9b");
	ck_assert_uint_eq(escape_len("a\n"), 5);
}
END_TEST

/* A name that reads as another: U+202E turns "podtxt.exe" around. */
START_TEST(invisible_format_characters)
{
	ck_assert_str_eq(escape_text("pod\xe2\x80\xae"
				     "exe.txt",
				     out, sizeof(out)),
			 "pod\\xe2\\x80\\xaeexe.txt");
	/* Zero-width space, LRI, BOM, line separator, Arabic letter mark. */
	ck_assert_str_eq(escape_text("a\xe2\x80\x8b"
				     "b",
				     out, sizeof(out)),
			 "a\\xe2\\x80\\x8bb");
	ck_assert_str_eq(escape_text("\xe2\x81\xa6", out, sizeof(out)), "\\xe2\\x81\\xa6");
	ck_assert_str_eq(escape_text("\xef\xbb\xbf", out, sizeof(out)), "\\xef\\xbb\\xbf");
	ck_assert_str_eq(escape_text("\xe2\x80\xa8", out, sizeof(out)), "\\xe2\\x80\\xa8");
	ck_assert_str_eq(escape_text("\xd8\x9c", out, sizeof(out)), "\\xd8\\x9c");
	/* Their neighbours stay: an en dash, a euro sign, a dotless i. */
	ck_assert_str_eq(escape_text("\xe2\x80\x93\xe2\x82\xac\xc4\xb1", out, sizeof(out)),
			 "\xe2\x80\x93\xe2\x82\xac\xc4\xb1");
}
END_TEST

START_TEST(invalid_utf8_is_escaped)
{
	ck_assert_str_eq(escape_text("\xff\xfe", out, sizeof(out)), "\\xff\\xfe");
	/* A cut sequence, an overlong '/', a surrogate, past U+10FFFF. */
	ck_assert_str_eq(escape_text("x\xe2\x82", out, sizeof(out)), "x\\xe2\\x82");
	ck_assert_str_eq(escape_text("\xc0\xaf", out, sizeof(out)), "\\xc0\\xaf");
	ck_assert_str_eq(escape_text("\xed\xa0\x80", out, sizeof(out)), "\\xed\\xa0\\x80");
	ck_assert_str_eq(escape_text("\xf4\x90\x80\x80", out, sizeof(out)), "\\xf4\\x90\\x80\\x80");
}
END_TEST

/* Cut short at a whole character, never in the middle of one. */
START_TEST(truncation_is_whole)
{
	char small[6];

	ck_assert_str_eq(escape_text("abcdefgh", small, sizeof(small)), "abcde");
	ck_assert_str_eq(escape_text("ab\xffzz", small, sizeof(small)), "ab");
	ck_assert_str_eq(escape_text("abcd\xc3\xa9", small, sizeof(small)), "abcd");
	ck_assert_str_eq(escape_text("", small, sizeof(small)), "");
}
END_TEST

/* The mptcpify binary's path in a drop-in's ExecStartPre=: one word, as is. */
START_TEST(exec_word_is_quoted)
{
	char small[8];

	ck_assert_int_eq(escape_exec_word("-+/usr/sbin/mptcpify", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "\"-+/usr/sbin/mptcpify\"");
	ck_assert_int_eq(escape_exec_word("/opt/my tools/mptcpify", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "\"/opt/my tools/mptcpify\"");
	ck_assert_int_eq(escape_exec_word("/a\"b\\c%h$HOME", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "\"/a\\\"b\\\\c%%h$$HOME\"");
	/* A newline would start a directive of its own: refused. */
	ck_assert_int_eq(escape_exec_word("/a\nExecStart=/bin/sh", out, sizeof(out)), -EINVAL);
	ck_assert_int_eq(escape_exec_word("/a\tb", out, sizeof(out)), -EINVAL);
	ck_assert_int_eq(escape_exec_word("/abcdefgh", small, sizeof(small)), -ENAMETOOLONG);
	ck_assert_int_eq(escape_exec_word("/abc", small, sizeof(small)), 0);
	ck_assert_str_eq(small, "\"/abc\"");
}
END_TEST

static Suite *escape_suite(void)
{
	Suite *s = suite_create("escape");
	TCase *tc = tcase_create("text");

	tcase_add_test(tc, plain_and_utf8_pass);
	tcase_add_test(tc, controls_and_backslash);
	tcase_add_test(tc, invisible_format_characters);
	tcase_add_test(tc, invalid_utf8_is_escaped);
	tcase_add_test(tc, truncation_is_whole);
	tcase_add_test(tc, exec_word_is_quoted);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(escape_suite)
