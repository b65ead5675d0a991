// SPDX-License-Identifier: GPL-2.0
/*
 * The per-cgroup series: Kubernetes labels where the node tells them, and
 * how many series each cgroup-metrics level makes (all, pods, off).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "daemon/metrics.h"
#include "unit.h"

#define UID_A "aaaaaaaa-0000-4000-8000-00000000000a"
#define UID_B "aaaaaaaa-0000-4000-8000-00000000000b"
#define UID_C "aaaaaaaa-0000-4000-8000-00000000000c"
#define C1 "1111111111111111111111111111111111111111111111111111111111111111"
#define C2 "2222222222222222222222222222222222222222222222222222222222222222"
#define C3 "3333333333333333333333333333333333333333333333333333333333333333"
#define POD_A "/kubepods/burstable/pod" UID_A

static struct metrics_selector sels[2] = {
	{.name = "web", .mode = MPTCPIFY_MODE_REWRITE, .profile = true},
	{.name = "probe", .mode = MPTCPIFY_MODE_AUDIT},
};

/*
 * Pod A (shop/web-0) enforced at its cgroup and at two containers, one of
 * which the kubelet has not linked; pod B, whose log directory is not there
 * yet; pod C, a later shop/web-0 (a StatefulSet's pod made again) while A's
 * cgroup lingers; a unit in no pod; and one of A's containers under another
 * selector.
 */
static struct metrics_cgroup cgs[] = {
	{21, 0, POD_A, UID_A, "shop", "web-0", ""},
	{22, 0, POD_A "/" C1, UID_A, "shop", "web-0", C1},
	{23, 0, POD_A "/" C2, UID_A, "shop", "web-0", C2},
	{24, 0, "/kubepods/pod" UID_B, UID_B, "", "", ""},
	{25, 1, "/system.slice/nginx.service", "", "", "", ""},
	{26, 1, POD_A "/" C3, UID_A, "shop", "web-0", C3},
	{27, 0, "/kubepods/pod" UID_C, UID_C, "shop", "web-0", ""},
};
#define NCGROUPS (sizeof(cgs) / sizeof(cgs[0]))

/* rewritten (or tcp_created) = the cgroup id; the web ones have a profile. */
static void fake_read(void *ctx, __u64 cgid, struct entry_counters *out)
{
	(void)ctx;
	memset(out, 0, sizeof(*out));
	out->sockets.count[MPTCPIFY_REWRITTEN] = cgid;
	out->sockets.count[MPTCPIFY_AUDIT_TCP] = cgid;
	out->outcomes.count[MPTCPIFY_MPTCP_ACTIVE] = 1;
	out->subflow_applied = 1;
	out->profile = cgid != 25 && cgid != 26;
}

/* The kubelet linked C1 and C3 only. */
static const char *fake_name(void *ctx, const char *id)
{
	(void)ctx;
	return !strcmp(id, C1) ? "app" : !strcmp(id, C3) ? "sidecar" : NULL;
}

static char *render(enum cgroup_metrics level)
{
	struct metrics_snapshot s = {.nselectors = 2,
				     .selectors = sels,
				     .ncgroups = NCGROUPS,
				     .cgroups = cgs,
				     .healthy = true};
	struct metrics_source src = {.read = fake_read, .container = fake_name};
	char *buf;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	metrics_write(f, &s, &src, level);
	fclose(f);
	return buf;
}

/* No two samples with one name and label set: Prometheus would refuse the scrape. */
static void ck_no_duplicates(char *text)
{
	char *save = NULL, *line, **seen = calloc(4096, sizeof(*seen));
	int n = 0, i;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			continue;
		*strrchr(line, ' ') = '\0';
		for (i = 0; i < n; i++)
			ck_assert_msg(strcmp(seen[i], line), "%s twice", line);
		ck_assert_int_lt(n, 4096);
		seen[n++] = line;
	}
	free(seen);
}

START_TEST(all_has_kube_labels)
{
	char *text = render(CGROUP_METRICS_ALL);

	ck_assert(has_line(text, "mptcpify_cgroup_sockets_total{selector=\"web\",cgroup=\"" POD_A
				 "\",namespace=\"shop\",pod=\"web-0\",result=\"rewritten\"} 21"));
	ck_assert(has_line(text, "mptcpify_cgroup_sockets_total{selector=\"web\",cgroup=\"" POD_A
				 "/" C1 "\",namespace=\"shop\",pod=\"web-0\",container=\"app\","
				 "container_id=\"" C1 "\",result=\"rewritten\"} 22"));
	/* Not linked (yet): its ID, no name. */
	ck_assert(has_line(text, "mptcpify_cgroup_sockets_total{selector=\"web\",cgroup=\"" POD_A
				 "/" C2 "\",namespace=\"shop\",pod=\"web-0\",container_id=\"" C2
				 "\",result=\"rewritten\"} 23"));
	/* A pod without its log directory, and a unit: no names to tell. */
	ck_assert(has_line(text,
			   "mptcpify_cgroup_sockets_total{selector=\"web\",cgroup=\"/kubepods/"
			   "pod" UID_B "\",result=\"rewritten\"} 24"));
	ck_assert(has_line(text,
			   "mptcpify_cgroup_sockets_total{selector=\"probe\",cgroup=\"/system."
			   "slice/nginx.service\",result=\"tcp_created\"} 25"));
	ck_assert(has_line(text,
			   "mptcpify_cgroup_connections_total{selector=\"probe\",cgroup=\"" POD_A
			   "/" C3 "\",namespace=\"shop\",pod=\"web-0\",container=\"sidecar\","
			   "container_id=\"" C3 "\",outcome=\"mptcp_active\"} 1"));
	/* web: 4 results a rewrite entry moves, 5 cgroups; probe: 3 audit results, 2 cgroups */
	ck_assert_int_eq(samples(text, "mptcpify_cgroup_sockets_total"), 4 * 5 + 3 * 2);
	ck_assert_int_eq(samples(text, "mptcpify_cgroup_subflow_options_total"), 2 * 5);
	ck_assert(!strstr(text, "uid=\""));
	ck_no_duplicates(text);
	free(text);
}
END_TEST

START_TEST(pods_sums_per_pod)
{
	char *text = render(CGROUP_METRICS_PODS);

	/* A's three web cgroups, summed; C apart from A though both are shop/web-0. */
	ck_assert(has_line(text,
			   "mptcpify_cgroup_sockets_total{selector=\"web\",namespace=\"shop\","
			   "pod=\"web-0\",uid=\"" UID_A "\",result=\"rewritten\"} 66"));
	ck_assert(has_line(text,
			   "mptcpify_cgroup_sockets_total{selector=\"web\",namespace=\"shop\","
			   "pod=\"web-0\",uid=\"" UID_C "\",result=\"rewritten\"} 27"));
	ck_assert(has_line(text, "mptcpify_cgroup_sockets_total{selector=\"web\",uid=\"" UID_B
				 "\",result=\"rewritten\"} 24"));
	/* A's container under the other selector is a series of that selector. */
	ck_assert(has_line(text, "mptcpify_cgroup_sockets_total{selector=\"probe\",namespace="
				 "\"shop\",pod=\"web-0\",uid=\"" UID_A "\",result=\"tcp_created\"} "
				 "26"));
	ck_assert(has_line(text,
			   "mptcpify_cgroup_connections_total{selector=\"web\",namespace="
			   "\"shop\",pod=\"web-0\",uid=\"" UID_A "\",outcome=\"mptcp_active\"} 3"));
	ck_assert(has_line(text, "mptcpify_cgroup_subflow_options_total{selector=\"web\","
				 "namespace=\"shop\",pod=\"web-0\",uid=\"" UID_A
				 "\",result=\"applied\"} 3"));
	/* Three web pods and one probe pod; the unit in no pod is left out. */
	ck_assert_int_eq(samples(text, "mptcpify_cgroup_sockets_total"), 4 * 3 + 3 * 1);
	ck_assert_int_eq(samples(text, "mptcpify_cgroup_subflow_options_total"), 2 * 3);
	ck_assert(!strstr(text, "cgroup=\""));
	ck_assert(!strstr(text, "container"));
	ck_assert(!strstr(text, "nginx"));
	ck_no_duplicates(text);
	free(text);
}
END_TEST

/* Whatever the level, a selector's totals count all its cgroups. */
START_TEST(levels_keep_the_totals)
{
	static const enum cgroup_metrics levels[] = {CGROUP_METRICS_ALL, CGROUP_METRICS_PODS,
						     CGROUP_METRICS_OFF};
	size_t i;
	char *text;

	for (i = 0; i < 3; i++) {
		text = render(levels[i]);
		ck_assert(has_line(
			text, "mptcpify_sockets_total{selector=\"web\",result=\"rewritten\"} 117"));
		ck_assert(has_line(
			text,
			"mptcpify_sockets_total{selector=\"probe\",result=\"tcp_created\"} 51"));
		ck_assert(has_line(
			text, "mptcpify_selector_cgroups{selector=\"web\",mode=\"rewrite\"} 5"));
		if (levels[i] == CGROUP_METRICS_OFF) {
			ck_assert_int_eq(samples(text, "mptcpify_cgroup_sockets_total"), 0);
			ck_assert(!strstr(text, "mptcpify_cgroup_sockets"));
			ck_assert(!strstr(text, "mptcpify_cgroup_connections"));
			ck_assert(!strstr(text, "mptcpify_cgroup_subflow"));
			ck_assert(!strstr(text, "web-0"));
		}
		free(text);
	}
}
END_TEST

/* A snapshot the feed can free: every part malloc()ed. */
static struct metrics_snapshot *snapshot(enum cgroup_metrics level)
{
	struct metrics_snapshot *s = calloc(1, sizeof(*s));

	s->refs = 1;
	s->nselectors = 1;
	s->selectors = calloc(1, sizeof(*s->selectors));
	strcpy(s->selectors[0].name, "web");
	s->cgroups = calloc(1, sizeof(*s->cgroups));
	s->strings = strdup("");
	s->cgroup_metrics = level;
	return s;
}

/* --cgroup-metrics off wins over the file; otherwise the file decides. */
START_TEST(command_line_off_wins)
{
	static const struct {
		bool cli;
		enum cgroup_metrics file;
		bool families;
	} cases[] = {
		{true, CGROUP_METRICS_ALL, true},    {true, CGROUP_METRICS_PODS, true},
		{true, CGROUP_METRICS_OFF, false},   {false, CGROUP_METRICS_ALL, false},
		{false, CGROUP_METRICS_PODS, false},
	};
	struct metrics_feed feed;
	size_t i;
	char *text;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		metrics_feed_init(&feed, cases[i].cli);
		metrics_feed_publish(&feed, snapshot(cases[i].file));
		text = metrics_feed_render(&feed);
		ck_assert_ptr_nonnull(text);
		ck_assert_msg(!!has_line(text, "# TYPE mptcpify_cgroup_sockets_total counter") ==
				      cases[i].families,
			      "case %zu", i);
		ck_assert(has_line(text, "mptcpify_healthy 0"));
		free(text);
		metrics_feed_free(&feed);
	}
}
END_TEST

static Suite *labels_suite(void)
{
	Suite *s = suite_create("metrics_labels");
	TCase *tc = tcase_create("levels");

	tcase_add_test(tc, all_has_kube_labels);
	tcase_add_test(tc, pods_sums_per_pod);
	tcase_add_test(tc, levels_keep_the_totals);
	tcase_add_test(tc, command_line_off_wins);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(labels_suite)
