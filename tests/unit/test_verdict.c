// SPDX-License-Identifier: GPL-2.0
/* The decision the BPF programs make, from the same header they include. */
#include <linux/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include "kconst.h"
#include "mptcpify.h"
#include "verdict.h"
#include "unit.h"

#define REWRITE MPTCPIFY_MODE_REWRITE
#define EXCLUDE MPTCPIFY_MODE_EXCLUDE

START_TEST(tcp_is_rewritten)
{
	ck_assert_int_eq(mptcpify_decide(REWRITE, AF_INET, SOCK_STREAM, 0, 1), MPTCPIFY_REWRITTEN);
	ck_assert_int_eq(mptcpify_decide(REWRITE, AF_INET, SOCK_STREAM, IPPROTO_TCP, 1),
			 MPTCPIFY_REWRITTEN);
	ck_assert_int_eq(mptcpify_decide(REWRITE, AF_INET6, SOCK_STREAM, 0, 1), MPTCPIFY_REWRITTEN);
}
END_TEST

/* The hook sees type before socket() masks the flags off. */
START_TEST(flags_in_type_are_ignored)
{
	int type = SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC;

	ck_assert_int_eq(mptcpify_decide(REWRITE, AF_INET6, type, IPPROTO_TCP, 1),
			 MPTCPIFY_REWRITTEN);
	ck_assert_int_eq(mptcpify_decide(REWRITE, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0, 1),
			 MPTCPIFY_NON_TCP);
}
END_TEST

START_TEST(other_sockets_are_untouched)
{
	ck_assert_int_eq(mptcpify_decide(REWRITE, AF_INET, SOCK_DGRAM, 0, 1), MPTCPIFY_NON_TCP);
	ck_assert_int_eq(mptcpify_decide(REWRITE, AF_UNIX, SOCK_STREAM, 0, 1), MPTCPIFY_NON_TCP);
	ck_assert_int_eq(mptcpify_decide(REWRITE, AF_INET, SOCK_RAW, IPPROTO_TCP, 1),
			 MPTCPIFY_NON_TCP);
	ck_assert_int_eq(mptcpify_decide(REWRITE, AF_INET, SOCK_STREAM, IPPROTO_SCTP, 1),
			 MPTCPIFY_NON_TCP);
	ck_assert_int_eq(mptcpify_decide(REWRITE, AF_PACKET, SOCK_STREAM, 0, 1), MPTCPIFY_NON_TCP);
	ck_assert_int_eq(mptcpify_decide(REWRITE, AF_INET, SOCK_STREAM, 262, 1), MPTCPIFY_NATIVE);
}
END_TEST

START_TEST(exclude_wins_and_counts)
{
	ck_assert_int_eq(mptcpify_decide(EXCLUDE, AF_INET, SOCK_STREAM, 0, 1), MPTCPIFY_EXCLUDED);
	ck_assert_int_eq(mptcpify_decide(EXCLUDE, AF_INET, SOCK_DGRAM, 0, 1), MPTCPIFY_NON_TCP);
}
END_TEST

START_TEST(unavailable_stays_tcp)
{
	ck_assert_int_eq(mptcpify_decide(REWRITE, AF_INET, SOCK_STREAM, 0, 0),
			 MPTCPIFY_UNAVAILABLE);
	/* Only sockets we would rewrite are "unavailable". */
	ck_assert_int_eq(mptcpify_decide(REWRITE, AF_INET, SOCK_DGRAM, 0, 0), MPTCPIFY_NON_TCP);
	ck_assert_int_eq(mptcpify_decide(EXCLUDE, AF_INET, SOCK_STREAM, 0, 0), MPTCPIFY_EXCLUDED);
}
END_TEST

/* A tripped protection keeps TCP sockets TCP, and counts them; MPTCP ones stay native. */
START_TEST(tripped_stays_tcp)
{
	ck_assert_int_eq(mptcpify_decide(MPTCPIFY_MODE_TRIPPED, AF_INET, SOCK_STREAM, 0, 1),
			 MPTCPIFY_INCOMPATIBLE);
	ck_assert_int_eq(mptcpify_decide(MPTCPIFY_MODE_TRIPPED, AF_INET6, SOCK_STREAM, 6, 0),
			 MPTCPIFY_INCOMPATIBLE);
	ck_assert_int_eq(mptcpify_decide(MPTCPIFY_MODE_TRIPPED, AF_INET, SOCK_STREAM, 262, 1),
			 MPTCPIFY_NATIVE);
	ck_assert_int_eq(mptcpify_decide(MPTCPIFY_MODE_TRIPPED, AF_INET, SOCK_DGRAM, 0, 1),
			 MPTCPIFY_NON_TCP);
}
END_TEST

START_TEST(unconfigured_and_audit_are_ignored)
{
	ck_assert_int_eq(mptcpify_decide(MPTCPIFY_MODE_NONE, AF_INET, SOCK_STREAM, 0, 1),
			 MPTCPIFY_IGNORED);
	ck_assert_int_eq(mptcpify_decide(MPTCPIFY_MODE_AUDIT, AF_INET, SOCK_STREAM, 0, 1),
			 MPTCPIFY_IGNORED);
	ck_assert_int_eq(mptcpify_decide(99, AF_INET, SOCK_STREAM, 0, 1), MPTCPIFY_IGNORED);
}
END_TEST

/* A verdict is its counter's index; only "not ours" counts nothing. */
START_TEST(verdicts_are_counters)
{
	ck_assert_int_lt(MPTCPIFY_AUDIT_MPTCP, MPTCPIFY_VERDICT_NR);
	ck_assert_int_ge(MPTCPIFY_IGNORED, MPTCPIFY_VERDICT_NR);
	ck_assert_int_eq(sizeof(((struct mptcpify_stats *)0)->count) / sizeof(__u64),
			 MPTCPIFY_VERDICT_NR);
}
END_TEST

START_TEST(audit_classifies_created_sockets)
{
	__u32 audit = MPTCPIFY_MODE_AUDIT;

	ck_assert_int_eq(mptcpify_audit_verdict(audit, AF_INET, SOCK_STREAM, IPPROTO_TCP),
			 MPTCPIFY_AUDIT_TCP);
	ck_assert_int_eq(mptcpify_audit_verdict(audit, AF_INET6, SOCK_STREAM, 262),
			 MPTCPIFY_AUDIT_MPTCP);
	ck_assert_int_eq(mptcpify_audit_verdict(audit, AF_INET, SOCK_DGRAM, IPPROTO_UDP),
			 MPTCPIFY_NON_TCP);
	ck_assert_int_eq(mptcpify_audit_verdict(REWRITE, AF_INET, SOCK_STREAM, 6),
			 MPTCPIFY_IGNORED);
	ck_assert_int_eq(mptcpify_audit_verdict(EXCLUDE, AF_INET, SOCK_STREAM, 6),
			 MPTCPIFY_IGNORED);
}
END_TEST

static Suite *verdict_suite(void)
{
	Suite *s = suite_create("verdict");
	TCase *tc = tcase_create("decide");

	tcase_add_test(tc, tcp_is_rewritten);
	tcase_add_test(tc, flags_in_type_are_ignored);
	tcase_add_test(tc, other_sockets_are_untouched);
	tcase_add_test(tc, exclude_wins_and_counts);
	tcase_add_test(tc, unavailable_stays_tcp);
	tcase_add_test(tc, tripped_stays_tcp);
	tcase_add_test(tc, unconfigured_and_audit_are_ignored);
	tcase_add_test(tc, verdicts_are_counters);
	tcase_add_test(tc, audit_classifies_created_sockets);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(verdict_suite)
