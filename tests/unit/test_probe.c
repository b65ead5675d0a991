// SPDX-License-Identifier: GPL-2.0
/* What probe reads of the running kernel without BPF: its congestion controls. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "core/probe.h"
#include "core/rules.h"
#include "unit.h"

START_TEST(read_kernel_list)
{
	char buf[512], tiny[2];

	if (access("/proc/sys/net/ipv4/tcp_available_congestion_control", R_OK)) {
		ck_assert_int_lt(probe_available_cc(buf, sizeof(buf)), 0);
		return;
	}
	ck_assert_int_eq(probe_available_cc(buf, sizeof(buf)), 0);
	ck_assert_int_eq(rules_cc_available("reno", buf), 1); /* always built in */
	ck_assert_ptr_null(strchr(buf, '\n'));
	ck_assert_int_eq(probe_available_cc(tiny, sizeof(tiny)), -ENOSPC);
	ck_assert_int_eq(probe_available_cc(tiny, 0), -ENOSPC);
}
END_TEST

static Suite *probe_suite(void)
{
	Suite *s = suite_create("probe");
	TCase *tc = tcase_create("probe");

	tcase_add_test(tc, read_kernel_list);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(probe_suite)
