// SPDX-License-Identifier: GPL-2.0
/* Modes, by name, and the program each one needs (the map work is in tests/host). */
#include <errno.h>
#include "core/entries.h"
#include "unit.h"

START_TEST(modes)
{
	__u32 m = 0;

	ck_assert_int_eq(entries_parse_mode("rewrite", &m), 0);
	ck_assert_uint_eq(m, MPTCPIFY_MODE_REWRITE);
	ck_assert_int_eq(entries_parse_mode("aud", &m), 0);
	ck_assert_uint_eq(m, MPTCPIFY_MODE_AUDIT);
	ck_assert_int_eq(entries_parse_mode("exclude", &m), 0);
	ck_assert_uint_eq(m, MPTCPIFY_MODE_EXCLUDE);
	ck_assert_int_eq(entries_parse_mode("bogus", &m), -EINVAL);
	ck_assert_int_eq(entries_parse_mode("none", &m), -EINVAL);
	ck_assert_int_eq(entries_parse_mode("", &m), -EINVAL);
	ck_assert_int_eq(entries_parse_mode(NULL, &m), -EINVAL);
	ck_assert_str_eq(entries_mode_name(MPTCPIFY_MODE_AUDIT), "audit");
	ck_assert_str_eq(entries_mode_name(MPTCPIFY_MODE_NONE), "none");
	ck_assert_str_eq(entries_mode_name(42), "unknown");
}
END_TEST

#define HAS(mode, link) (entries_mode_links(mode) & PINS_LINK_BIT(link))

START_TEST(links_of_modes)
{
	/* The rewrite, its send() watch, and what every enforced entry needs. */
	ck_assert(HAS(MPTCPIFY_MODE_REWRITE, PINS_LINK_REWRITE));
	ck_assert(HAS(MPTCPIFY_MODE_REWRITE, PINS_LINK_OOB_MPTCP));
	ck_assert(HAS(MPTCPIFY_MODE_REWRITE, PINS_LINK_AUDIT)); /* escapes */
	ck_assert(HAS(MPTCPIFY_MODE_AUDIT, PINS_LINK_AUDIT));
	ck_assert(HAS(MPTCPIFY_MODE_AUDIT, PINS_LINK_OOB_TCP));
	ck_assert(!HAS(MPTCPIFY_MODE_AUDIT, PINS_LINK_REWRITE));
	ck_assert(HAS(MPTCPIFY_MODE_AUDIT, PINS_LINK_SETSOCKOPT));
	ck_assert(HAS(MPTCPIFY_MODE_REWRITE, PINS_LINK_FALLBACK));
	/* Every entry has outcomes: the sockops program. An exclusion, nothing more. */
	ck_assert_uint_eq(entries_mode_links(MPTCPIFY_MODE_EXCLUDE),
			  PINS_LINK_BIT(PINS_LINK_SUBFLOW));
	ck_assert(HAS(MPTCPIFY_MODE_REWRITE, PINS_LINK_SUBFLOW));
	ck_assert_uint_eq(entries_mode_links(MPTCPIFY_MODE_NONE), 0);
	ck_assert_str_eq(pins_link_name(PINS_LINK_SUBFLOW), "subflow");
}
END_TEST

static Suite *entries_suite(void)
{
	Suite *s = suite_create("entries");
	TCase *tc = tcase_create("modes");

	tcase_add_test(tc, modes);
	tcase_add_test(tc, links_of_modes);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(entries_suite)
