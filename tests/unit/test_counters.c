// SPDX-License-Identifier: GPL-2.0
#include <string.h>
#include "core/counters.h"
#include "unit.h"

START_TEST(sums_every_cpu)
{
	struct mptcpify_stats percpu[3] = {}, sum;

	percpu[0].count[MPTCPIFY_REWRITTEN] = 1;
	percpu[1].count[MPTCPIFY_REWRITTEN] = 2;
	percpu[2].count[MPTCPIFY_REWRITTEN] = 4;
	percpu[2].count[MPTCPIFY_UNAVAILABLE] = 7;
	percpu[1].count[MPTCPIFY_VERDICT_NR - 1] = 9;
	counters_percpu_sum(percpu, 3, &sum, sizeof(sum));
	ck_assert_uint_eq(sum.count[MPTCPIFY_REWRITTEN], 7);
	ck_assert_uint_eq(sum.count[MPTCPIFY_UNAVAILABLE], 7);
	ck_assert_uint_eq(sum.count[MPTCPIFY_EXCLUDED], 0);
	ck_assert_uint_eq(sum.count[MPTCPIFY_VERDICT_NR - 1], 9);
}
END_TEST

START_TEST(sum_overwrites_the_output)
{
	struct mptcpify_stats percpu[1] = {}, sum;

	memset(&sum, 0xff, sizeof(sum));
	counters_percpu_sum(percpu, 1, &sum, sizeof(sum));
	ck_assert_uint_eq(sum.count[MPTCPIFY_REWRITTEN], 0);
}
END_TEST

START_TEST(sums_any_struct_of_counters)
{
	struct mptcpify_escapes percpu[2] = {}, sum;

	percpu[0].count[MPTCPIFY_ESCAPE_IO_URING] = 3;
	percpu[1].count[MPTCPIFY_ESCAPE_IO_URING] = 5;
	percpu[1].count[MPTCPIFY_ESCAPE_OTHER] = 1;
	counters_percpu_sum(percpu, 2, &sum, sizeof(sum));
	ck_assert_uint_eq(sum.count[MPTCPIFY_ESCAPE_IO_URING], 8);
	ck_assert_uint_eq(sum.count[MPTCPIFY_ESCAPE_OTHER], 1);
	ck_assert_uint_eq(sum.count[MPTCPIFY_ESCAPE_HOOK_SKIPPED], 0);
}
END_TEST

START_TEST(names_cover_the_counters)
{
	ck_assert_str_eq(counters_verdict_name(MPTCPIFY_REWRITTEN), "rewritten");
	ck_assert_str_eq(counters_verdict_name(MPTCPIFY_UNAVAILABLE), "unavailable");
	ck_assert_str_eq(counters_verdict_name(MPTCPIFY_AUDIT_MPTCP), "mptcp_created");
	ck_assert_str_eq(counters_verdict_name(MPTCPIFY_INCOMPATIBLE), "incompatible");
	ck_assert_str_eq(counters_outcome_name(MPTCPIFY_FELL_BACK_PASSIVE), "fell_back_passive");
	ck_assert_ptr_null(counters_outcome_name(4)); /* spare */
	ck_assert_ptr_null(counters_outcome_name(MPTCPIFY_OUTCOME_NR));
	ck_assert_ptr_null(counters_verdict_name(-1));
	ck_assert_ptr_null(counters_verdict_name(MPTCPIFY_VERDICT_NR));
}
END_TEST

START_TEST(json_has_named_counters_only)
{
	struct mptcpify_stats s = {};
	json_t *o = json_object();

	s.count[MPTCPIFY_EXCLUDED] = 3;
	s.count[MPTCPIFY_NON_TCP] = 1ULL << 40;
	counters_stats_json(&s, o);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "excluded")), 3);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "non_tcp")), 1LL << 40);
	ck_assert_int_eq(json_object_size(o), 8);
	json_decref(o);
}
END_TEST

START_TEST(entry_counters_add_up)
{
	struct entry_counters total = {}, one = {};

	one.sockets.count[MPTCPIFY_REWRITTEN] = 5;
	one.sockets.count[MPTCPIFY_VERDICT_NR - 1] = 1;
	one.subflow_applied = 3;
	one.subflow_failed = 2;
	entry_counters_add(&total, &one);
	entry_counters_add(&total, &one);
	ck_assert_uint_eq(total.sockets.count[MPTCPIFY_REWRITTEN], 10);
	ck_assert_uint_eq(total.sockets.count[MPTCPIFY_VERDICT_NR - 1], 2);
	ck_assert_uint_eq(total.subflow_applied, 6);
	ck_assert_uint_eq(total.subflow_failed, 4);
}
END_TEST

/* A tally keeps each kind once, however often it is counted. */
START_TEST(tallies_merge_by_kind)
{
	struct tally_item md5 = {.level = 6, .optname = 14, .err = 92, .count = 2};
	struct tally_item predicted = md5;
	struct entry_counters a = {}, b = {};

	predicted.predicted = 1;
	ck_assert_int_eq(tally_add(&a.compat, &md5), 0);
	ck_assert_int_eq(tally_add(&a.compat, &predicted), 0);
	ck_assert_int_eq(tally_add(&b.compat, &md5), 0);
	entry_counters_add(&b, &a);
	ck_assert_uint_eq(b.compat.n, 2);
	ck_assert_uint_eq(b.compat.items[0].count, 4);
	ck_assert_uint_eq(b.compat.items[1].count, 2);
	entry_counters_free(&a);
	entry_counters_free(&b);
	ck_assert_ptr_null(b.compat.items);
}
END_TEST

static Suite *counters_suite(void)
{
	Suite *s = suite_create("counters");
	TCase *tc = tcase_create("aggregate");

	tcase_add_test(tc, sums_every_cpu);
	tcase_add_test(tc, sum_overwrites_the_output);
	tcase_add_test(tc, sums_any_struct_of_counters);
	tcase_add_test(tc, names_cover_the_counters);
	tcase_add_test(tc, json_has_named_counters_only);
	tcase_add_test(tc, entry_counters_add_up);
	tcase_add_test(tc, tallies_merge_by_kind);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(counters_suite)
