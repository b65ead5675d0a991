// SPDX-License-Identifier: GPL-2.0
/* The outcomes as stats shows them, and the verdict line an operator reads. */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include "cli/outcome_view.h"
#include "mptcpify.h"
#include "unit.h"

static struct entry_counters c;
static char buf[512];

static void refusal(__u32 level, __u32 optname, __u16 dir, bool predicted, __s32 err, __u64 n)
{
	struct tally_item it = {.level = level,
				.optname = optname,
				.dir = dir,
				.predicted = predicted,
				.err = err,
				.count = n};

	ck_assert_int_eq(tally_add(&c.compat, &it), 0);
}

/* The verdict of @c, through the JSON that stats prints. */
static const char *verdict(void)
{
	json_t *entry = json_object();

	outcome_view_json(&c, entry);
	snprintf(buf, sizeof(buf), "%s", json_string_value(json_object_get(entry, "verdict")));
	json_decref(entry);
	entry_counters_free(&c);
	memset(&c, 0, sizeof(c));
	return buf;
}

START_TEST(nothing_yet)
{
	ck_assert_str_eq(verdict(), "no connection seen yet");
}
END_TEST

START_TEST(shares_and_why)
{
	c.outcomes.count[MPTCPIFY_MPTCP_ACTIVE] = 90;
	c.outcomes.count[MPTCPIFY_MPTCP_PASSIVE] = 7;
	c.outcomes.count[MPTCPIFY_FELL_BACK_ACTIVE] = 3;
	ck_assert_str_eq(verdict(), "97% MPTCP end to end (100 connections), 3% fell back (no "
				    "MP_CAPABLE from peer)");
	c.outcomes.count[MPTCPIFY_MPTCP_PASSIVE] = 1;
	c.outcomes.count[MPTCPIFY_FELL_BACK_PASSIVE] = 3;
	ck_assert_str_eq(verdict(), "25% MPTCP end to end (4 connections), 75% fell back "
				    "(plain-TCP clients)");
	c.outcomes.count[MPTCPIFY_FELL_BACK_ACTIVE] = 1;
	c.outcomes.count[MPTCPIFY_FELL_BACK_PASSIVE] = 1;
	ck_assert_str_eq(verdict(), "0% MPTCP end to end (2 connections), 100% fell back (1: no "
				    "MP_CAPABLE from peer, 1: plain-TCP clients)");
}
END_TEST

/* The share of bytes over additional subflows, both ways; none: not said. */
START_TEST(bytes_by_path)
{
	json_t *entry = json_object(), *b;

	c.outcomes.count[MPTCPIFY_MPTCP_ACTIVE] = 2;
	c.bytes.sent[MPTCPIFY_PATH_INITIAL] = 600;
	c.bytes.received[MPTCPIFY_PATH_INITIAL] = 400;
	c.bytes.sent[MPTCPIFY_PATH_ADDITIONAL] = 900;
	c.bytes.received[MPTCPIFY_PATH_ADDITIONAL] = 100;
	outcome_view_json(&c, entry);
	b = json_object_get(entry, "bytes");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(b, "initial"), "sent")),
			 600);
	ck_assert_int_eq(
		json_integer_value(json_object_get(json_object_get(b, "additional"), "received")),
		100);
	json_decref(entry);
	ck_assert_str_eq(verdict(), "100% MPTCP end to end (2 connections), 50% of bytes over "
				    "additional subflows");
	c.outcomes.count[MPTCPIFY_MPTCP_ACTIVE] = 1;
	c.outcomes.count[MPTCPIFY_FELL_BACK_ACTIVE] = 1;
	c.bytes.received[MPTCPIFY_PATH_INITIAL] = 1000;
	ck_assert_str_eq(verdict(), "50% MPTCP end to end (2 connections), 50% fell back (no "
				    "MP_CAPABLE from peer), 0% of bytes over additional subflows");
	c.outcomes.count[MPTCPIFY_MPTCP_ACTIVE] = 1;
	ck_assert_str_eq(verdict(), "100% MPTCP end to end (1 connections)");
}
END_TEST

/* Most frequent first; refused before predicted; getsockopt marked. */
/* Escapes come first, by cause, only those that happened; none: no prefix. */
START_TEST(escapes_first)
{
	json_t *entry = json_object(), *e;

	c.escapes.count[MPTCPIFY_ESCAPE_HOOK_SKIPPED] = 3;
	c.escapes.count[MPTCPIFY_ESCAPE_IO_URING] = 1;
	c.outcomes.count[MPTCPIFY_MPTCP_ACTIVE] = 2;
	outcome_view_json(&c, entry);
	e = json_object_get(entry, "escaped");
	ck_assert_int_eq(json_integer_value(json_object_get(e, "hook_skipped")), 3);
	ck_assert_int_eq(json_integer_value(json_object_get(e, "io_uring")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(e, "other")), 0);
	ck_assert_int_eq(json_object_size(e), 3); /* the spare slot is not shown */
	json_decref(entry);
	ck_assert_str_eq(verdict(), "4 TCP sockets escaped MPTCP (hook_skipped 3, io_uring 1); "
				    "100% MPTCP end to end (2 connections)");
	c.escapes.count[MPTCPIFY_ESCAPE_OTHER] = 1;
	ck_assert_str_eq(verdict(), "1 TCP socket escaped MPTCP (other 1); no connection seen yet");
	c.escapes.count[3] = 5; /* spare: never counted, never shown */
	ck_assert_str_eq(verdict(), "no connection seen yet");
}
END_TEST

START_TEST(refusals_in_order)
{
	c.outcomes.count[MPTCPIFY_MPTCP_ACTIVE] = 1;
	refusal(SOL_IP, IP_TTL, MPTCPIFY_COMPAT_SET, false, EOPNOTSUPP, 2);
	refusal(SOL_TCP, TCP_MD5SIG, MPTCPIFY_COMPAT_SET, false, ENOPROTOOPT, 12);
	refusal(SOL_TCP, TCP_INFO + 100, MPTCPIFY_COMPAT_GET, false, EOPNOTSUPP, 1);
	refusal(0, MSG_OOB, MPTCPIFY_COMPAT_SEND, true, 0, 4);
	ck_assert_str_eq(verdict(),
			 "100% MPTCP end to end (1 connections); refused: TCP_MD5SIG "
			 "x12, IP_TTL x2, SOL_TCP:111 (get) x1; would refuse: MSG_OOB x4");
}
END_TEST

START_TEST(refused_json)
{
	json_t *entry = json_object(), *r;

	refusal(SOL_TCP, TCP_ULP, MPTCPIFY_COMPAT_SET, true, ENOPROTOOPT, 3);
	refusal(0, MSG_OOB, MPTCPIFY_COMPAT_SEND, false, 0, 1);
	c.outcomes.subflows[0] = 5;
	c.outcomes.subflows[1] = 2;
	outcome_view_json(&c, entry);
	r = json_array_get(json_object_get(entry, "refused"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(r, "option")), "TCP_ULP");
	ck_assert_str_eq(json_string_value(json_object_get(r, "op")), "set");
	ck_assert_str_eq(json_string_value(json_object_get(r, "error")), strerror(ENOPROTOOPT));
	ck_assert(json_is_true(json_object_get(r, "predicted")));
	ck_assert_int_eq(json_integer_value(json_object_get(r, "count")), 3);
	r = json_array_get(json_object_get(entry, "refused"), 1);
	ck_assert_str_eq(json_string_value(json_object_get(r, "op")), "send");
	ck_assert_str_eq(json_string_value(json_object_get(r, "error")), "accepted, not honoured");
	r = json_object_get(json_object_get(entry, "outcomes"), "connections_by_subflows");
	ck_assert_int_eq(json_array_size(r), MPTCPIFY_SUBFLOW_BUCKETS);
	ck_assert_int_eq(json_integer_value(json_array_get(r, 1)), 2);
	json_decref(entry);
	entry_counters_free(&c);
	memset(&c, 0, sizeof(c));
}
END_TEST

static Suite *outcome_view_suite(void)
{
	Suite *s = suite_create("outcome_view");
	TCase *tc = tcase_create("verdict");

	tcase_add_test(tc, nothing_yet);
	tcase_add_test(tc, shares_and_why);
	tcase_add_test(tc, escapes_first);
	tcase_add_test(tc, bytes_by_path);
	tcase_add_test(tc, refusals_in_order);
	tcase_add_test(tc, refused_json);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(outcome_view_suite)
