// SPDX-License-Identifier: GPL-2.0
/* The Prometheus exposition: families whole, labels escaped, totals that add up. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "daemon/metrics.h"
#include "unit.h"

static struct metrics_selector sels[2] = {
	{.name = "shop", .mode = MPTCPIFY_MODE_REWRITE, .profile = true},
	{.name = "db", .mode = MPTCPIFY_MODE_EXCLUDE},
};
#define NO_POD .pod_uid = "", .namespace = "", .pod = "", .container_id = ""
static struct metrics_cgroup cgs[3] = {
	{.cgid = 11, .selector = 0, .rel = "/kubepods/pod-a", NO_POD},
	{.cgid = 12, .selector = 1, .rel = "/kubepods/db", NO_POD},
	{.cgid = 13, .selector = 0, .rel = "/odd\"quote\\back\nline\xff", NO_POD},
};

/*
 * Every live entry has rewritten = its id, applied = 2, a profile when in
 * shop; escapes: 1 hook_skipped, its id io_uring, none other, and a spare
 * slot that must not show.
 */
static void fake_read(void *ctx, __u64 cgid, struct entry_counters *out)
{
	(void)ctx;
	memset(out, 0, sizeof(*out));
	out->sockets.count[MPTCPIFY_REWRITTEN] = cgid;
	out->sockets.count[MPTCPIFY_EXCLUDED] = cgid;
	out->escapes.count[MPTCPIFY_ESCAPE_HOOK_SKIPPED] = 1;
	out->escapes.count[MPTCPIFY_ESCAPE_IO_URING] = cgid;
	out->escapes.count[MPTCPIFY_ESCAPE_NR - 1] = 99;
	out->bytes.sent[MPTCPIFY_PATH_ADDITIONAL] = cgid;
	out->subflow_applied = 2;
	out->profile = cgid != 12;
}

static char *render_with(bool pinned, enum cgroup_metrics level)
{
	struct metrics_snapshot s = {
		.nselectors = 2, .selectors = sels, .ncgroups = 3, .cgroups = cgs, .healthy = true};
	struct metrics_source src = {.read = pinned ? fake_read : NULL,
				     .misses = {.tail_call = 7, .recursion = 11}};
	char *buf;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	s.selectors[0].gone.sockets.count[MPTCPIFY_REWRITTEN] = 100;
	s.selectors[0].gone.escapes.count[MPTCPIFY_ESCAPE_IO_URING] = 50;
	s.selectors[0].gone.escapes.count[MPTCPIFY_ESCAPE_OTHER] = 3;
	s.selectors[0].gone.bytes.received[MPTCPIFY_PATH_INITIAL] = 1000;
	s.stats.reconciles[TRIGGER_RESYNC] = 4;
	s.unwatched = 3;
	metrics_write(f, &s, &src, level);
	fclose(f);
	return buf;
}

static char *render(bool pinned)
{
	return render_with(pinned, CGROUP_METRICS_ALL);
}

/* Each family: HELP and TYPE once, then all its samples together. */
START_TEST(families_are_whole)
{
	char *text = render(true), *save = NULL, *line, seen[64][96];
	char current[96] = "";
	int nseen = 0, i;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[96];

		if (!strncmp(line, "# HELP ", 7)) {
			sscanf(line + 7, "%95s", current);
			for (i = 0; i < nseen; i++)
				ck_assert_msg(strcmp(seen[i], current), "%s twice", current);
			snprintf(seen[nseen++], sizeof(seen[0]), "%s", current);
			continue;
		}
		if (line[0] == '#')
			continue;
		sscanf(line, "%95[^{ ]", name);
		ck_assert_msg(!strcmp(name, current), "%s among %s", name, current);
	}
	ck_assert_int_gt(nseen, 10);
	free(text);
}
END_TEST

/*
 * A name is first made printable UTF-8 (the byte 0xff and the newline as
 * \xNN, the backslash doubled), then escaped as the format wants.
 */
START_TEST(labels_are_escaped)
{
	char *text = render(true);

	ck_assert(has_line(
		text, "mptcpify_cgroup_sockets_total{selector=\"shop\",cgroup=\"/"
		      "odd\\\"quote\\\\\\\\back\\\\x0aline\\\\xff\",result=\"rewritten\"} 13"));
	free(text);
}
END_TEST

/* A selector's total is its live entries' and its removed cgroups'. */
START_TEST(totals_add_live_and_gone)
{
	char *text = render(true);

	ck_assert(has_line(text,
			   "mptcpify_sockets_total{selector=\"shop\",result=\"rewritten\"} 124"));
	ck_assert(has_line(text, "mptcpify_sockets_total{selector=\"db\",result=\"excluded\"} 12"));
	/* Only the counters a mode can move. */
	ck_assert(!strstr(text, "selector=\"db\",result=\"rewritten\""));
	ck_assert(has_line(
		text, "mptcpify_subflow_options_total{selector=\"shop\",result=\"applied\"} 4"));
	ck_assert(!strstr(text, "mptcpify_subflow_options_total{selector=\"db\""));
	ck_assert(
		has_line(text, "mptcpify_selector_cgroups{selector=\"shop\",mode=\"rewrite\"} 2"));
	ck_assert(has_line(text, "mptcpify_reconciles_total{trigger=\"resync\"} 4"));
	ck_assert(has_line(text, "mptcpify_tail_call_misses_total 7"));
	ck_assert(has_line(text, "mptcpify_hook_recursion_misses_total 11"));
	ck_assert(has_line(text, "mptcpify_cgroups_unwatched 3"));
	free(text);
}
END_TEST

/* Nothing pinned: no per-cgroup samples, and the totals of what is gone. */
START_TEST(unpinned_has_no_cgroup_samples)
{
	char *text = render(false);

	ck_assert(!strstr(text, "mptcpify_cgroup_sockets_total{"));
	ck_assert(has_line(text, "# TYPE mptcpify_cgroup_sockets_total counter"));
	ck_assert(has_line(text,
			   "mptcpify_sockets_total{selector=\"shop\",result=\"rewritten\"} 100"));
	free(text);
}
END_TEST

/* Without per-cgroup series, no cgroup path appears; the totals stay. */
START_TEST(cgroup_series_can_be_left_out)
{
	char *text = render_with(true, CGROUP_METRICS_OFF);

	ck_assert(!strstr(text, "kubepods"));
	ck_assert(!strstr(text, "mptcpify_cgroup_sockets"));
	ck_assert(!strstr(text, "mptcpify_cgroup_subflow"));
	ck_assert(has_line(text,
			   "mptcpify_sockets_total{selector=\"shop\",result=\"rewritten\"} 124"));
	free(text);
}
END_TEST

/*
 * Escapes, by cause, where the socket counters are: a selector's live and
 * gone, and each cgroup's; only for a rewrite selector, zeros included, and
 * never the spare slot.
 */
START_TEST(escapes_by_cause)
{
	char *text = render(true);

	ck_assert(has_line(text, "# TYPE mptcpify_sockets_escaped_total counter"));
	ck_assert(has_line(
		text,
		"mptcpify_sockets_escaped_total{selector=\"shop\",cause=\"hook_skipped\"} 2"));
	ck_assert(has_line(
		text, "mptcpify_sockets_escaped_total{selector=\"shop\",cause=\"io_uring\"} 74"));
	ck_assert(has_line(text,
			   "mptcpify_sockets_escaped_total{selector=\"shop\",cause=\"other\"} 3"));
	ck_assert_int_eq(samples(text, "mptcpify_sockets_escaped_total"), 3);
	ck_assert(has_line(text, "# TYPE mptcpify_cgroup_sockets_escaped_total counter"));
	ck_assert(has_line(text, "mptcpify_cgroup_sockets_escaped_total{selector=\"shop\",cgroup="
				 "\"/kubepods/pod-a\",cause=\"hook_skipped\"} 1"));
	ck_assert(has_line(text, "mptcpify_cgroup_sockets_escaped_total{selector=\"shop\",cgroup="
				 "\"/kubepods/pod-a\",cause=\"io_uring\"} 11"));
	ck_assert(has_line(text, "mptcpify_cgroup_sockets_escaped_total{selector=\"shop\",cgroup="
				 "\"/kubepods/pod-a\",cause=\"other\"} 0"));
	ck_assert(has_line(text,
			   "mptcpify_cgroup_sockets_escaped_total{selector=\"shop\",cgroup=\"/"
			   "odd\\\"quote\\\\\\\\back\\\\x0aline\\\\xff\",cause=\"io_uring\"} 13"));
	/* Two shop cgroups, three causes each; db excludes, so counts none. */
	ck_assert_int_eq(samples(text, "mptcpify_cgroup_sockets_escaped_total"), 2 * 3);
	ck_assert(!strstr(text, "selector=\"db\",cause="));
	ck_assert(!strstr(text, "selector=\"db\",cgroup=\"/kubepods/db\",cause="));
	ck_assert(!strstr(text, " 99\n"));
	free(text);
}
END_TEST

/* Bytes by path and direction, per selector: live and gone, zeros included. */
START_TEST(bytes_by_path)
{
	char *text = render(true);

	ck_assert(has_line(text, "# TYPE mptcpify_subflow_bytes_total counter"));
	ck_assert(has_line(text, "mptcpify_subflow_bytes_total{selector=\"shop\",direction="
				 "\"sent\",subflow=\"additional\"} 24"));
	ck_assert(has_line(text, "mptcpify_subflow_bytes_total{selector=\"shop\",direction="
				 "\"received\",subflow=\"initial\"} 1000"));
	ck_assert(has_line(text, "mptcpify_subflow_bytes_total{selector=\"db\",direction="
				 "\"sent\",subflow=\"additional\"} 12"));
	ck_assert(has_line(text, "mptcpify_subflow_bytes_total{selector=\"db\",direction="
				 "\"received\",subflow=\"additional\"} 0"));
	ck_assert_int_eq(samples(text, "mptcpify_subflow_bytes_total"), 2 * 4);
	free(text);
}
END_TEST

/* Nothing pinned: the families, a selector's gone escapes, no cgroup's. */
START_TEST(escapes_unpinned_and_off)
{
	char *text = render(false);

	ck_assert(has_line(text, "# TYPE mptcpify_cgroup_sockets_escaped_total counter"));
	ck_assert_int_eq(samples(text, "mptcpify_cgroup_sockets_escaped_total"), 0);
	ck_assert(has_line(
		text, "mptcpify_sockets_escaped_total{selector=\"shop\",cause=\"io_uring\"} 50"));
	ck_assert(has_line(
		text,
		"mptcpify_sockets_escaped_total{selector=\"shop\",cause=\"hook_skipped\"} 0"));
	free(text);
	text = render_with(true, CGROUP_METRICS_OFF);
	ck_assert(!strstr(text, "mptcpify_cgroup_sockets_escaped_total"));
	ck_assert(has_line(
		text, "mptcpify_sockets_escaped_total{selector=\"shop\",cause=\"io_uring\"} 74"));
	free(text);
}
END_TEST

/*
 * A pod's two cgroups of the rewrite selector summed in one series; its
 * excluded one counts none.
 */
START_TEST(escapes_sum_per_pod)
{
	static struct metrics_cgroup pod[] = {
		{21, 0, "/kubepods/podu", "u", "shop", "web-0", ""},
		{22, 0, "/kubepods/podu/c1", "u", "shop", "web-0", "c1"},
		{12, 1, "/kubepods/podu/c2", "u", "shop", "web-0", "c2"},
	};
	struct metrics_snapshot s = {
		.nselectors = 2, .selectors = sels, .ncgroups = 3, .cgroups = pod};
	struct metrics_source src = {.read = fake_read};
	char *text;
	size_t len;
	FILE *f = open_memstream(&text, &len);

	memset(&sels[0].gone, 0, sizeof(sels[0].gone));
	metrics_write(f, &s, &src, CGROUP_METRICS_PODS);
	fclose(f);
	ck_assert(has_line(text,
			   "mptcpify_cgroup_sockets_escaped_total{selector=\"shop\","
			   "namespace=\"shop\",pod=\"web-0\",uid=\"u\",cause=\"io_uring\"} 43"));
	ck_assert(has_line(text,
			   "mptcpify_cgroup_sockets_escaped_total{selector=\"shop\","
			   "namespace=\"shop\",pod=\"web-0\",uid=\"u\",cause=\"hook_skipped\"} 2"));
	ck_assert_int_eq(samples(text, "mptcpify_cgroup_sockets_escaped_total"), 3);
	/* What a user sums by selector is the selector's total. */
	ck_assert(has_line(
		text, "mptcpify_sockets_escaped_total{selector=\"shop\",cause=\"io_uring\"} 43"));
	free(text);
}
END_TEST

static Suite *metrics_suite(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("exposition");

	tcase_add_test(tc, families_are_whole);
	tcase_add_test(tc, labels_are_escaped);
	tcase_add_test(tc, totals_add_live_and_gone);
	tcase_add_test(tc, unpinned_has_no_cgroup_samples);
	tcase_add_test(tc, cgroup_series_can_be_left_out);
	tcase_add_test(tc, escapes_by_cause);
	tcase_add_test(tc, bytes_by_path);
	tcase_add_test(tc, escapes_unpinned_and_off);
	tcase_add_test(tc, escapes_sum_per_pod);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(metrics_suite)
