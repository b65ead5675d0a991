// SPDX-License-Identifier: GPL-2.0
/* Where the cgroup programs attach, from where the entries are. */
#include <stdio.h>
#include "core/attachplan.h"
#include "unit.h"

static void fill(struct pathset *s, const char *const *rels)
{
	for (; *rels; rels++)
		ck_assert_int_eq(pathset_add(s, *rels), 0);
}

/* The plan for @entries (NULL-terminated), given @now, as "a b c" in order. */
static void plan_is(const char *const *entries, const char *const *now, const char *want)
{
	struct pathset e = {0}, n = {0}, out = {0};
	char got[4096] = "";
	size_t i;

	fill(&e, entries);
	if (now)
		fill(&n, now);
	ck_assert_int_eq(attachplan_compute(&e, &n, &out), 0);
	for (i = 0; i < out.n; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", i ? " " : "",
			 out.v[i]);
	ck_assert_str_eq(got, want);
	pathset_free(&e);
	pathset_free(&n);
	pathset_free(&out);
}

START_TEST(topmost_entries_only)
{
	/* Nested entries and exclusions are decided by the programs: once. */
	plan_is((const char *const[]){"/a/b", "/a", "/a/b/c", "/z", NULL}, NULL, "/a /z");
	/* A sibling whose name extends another's is no descendant of it. */
	plan_is((const char *const[]){"/a-b", "/a/x", "/a", NULL}, NULL, "/a /a-b");
	plan_is((const char *const[]){"/a", "/a", NULL}, NULL, "/a");
	plan_is((const char *const[]){NULL}, NULL, "");
	plan_is((const char *const[]){"/x", "/", NULL}, NULL, "/");
}
END_TEST

/* @n pods below /k/b as entries. */
static void pods(struct pathset *s, int n)
{
	char rel[64];
	int i;

	for (i = 0; i < n; i++) {
		snprintf(rel, sizeof(rel), "/k/b/pod%d", i);
		ck_assert_int_eq(pathset_add(s, rel), 0);
	}
}

static size_t plan_size(int npods, const char *const *now, const char **first)
{
	struct pathset e = {0}, n = {0}, out = {0};
	static char head[64];
	size_t size;

	pods(&e, npods);
	if (now)
		fill(&n, now);
	ck_assert_int_eq(attachplan_compute(&e, &n, &out), 0);
	size = out.n;
	snprintf(head, sizeof(head), "%s", out.n ? out.v[0] : "");
	*first = head;
	pathset_free(&e);
	pathset_free(&n);
	pathset_free(&out);
	return size;
}

START_TEST(many_siblings_collapse_to_their_parent)
{
	const char *first;

	ck_assert_uint_eq(plan_size(ATTACHPLAN_COLLAPSE - 1, NULL, &first),
			  ATTACHPLAN_COLLAPSE - 1);
	ck_assert_uint_eq(plan_size(ATTACHPLAN_COLLAPSE, NULL, &first), 1);
	ck_assert_str_eq(first, "/k/b");
	ck_assert_uint_eq(plan_size(10000, NULL, &first), 1);
	ck_assert_str_eq(first, "/k/b");
}
END_TEST

START_TEST(a_collapsed_parent_stays_until_few_are_left)
{
	const char *first;
	const char *const now[] = {"/k/b", NULL};

	/* Attached at the parent already: it stays down to ATTACHPLAN_KEEP children. */
	ck_assert_uint_eq(plan_size(ATTACHPLAN_KEEP, now, &first), 1);
	ck_assert_str_eq(first, "/k/b");
	ck_assert_uint_eq(plan_size(ATTACHPLAN_KEEP - 1, now, &first), ATTACHPLAN_KEEP - 1);
	/* Not attached there: only from ATTACHPLAN_COLLAPSE on. */
	ck_assert_uint_eq(plan_size(ATTACHPLAN_KEEP, NULL, &first), ATTACHPLAN_KEEP);
}
END_TEST

START_TEST(collapse_climbs_levels)
{
	struct pathset e = {0}, n = {0}, out = {0};
	char rel[64];
	int i, j;

	/* 64 slices of 64 pods each: the slices collapse, then their parent. */
	for (i = 0; i < ATTACHPLAN_COLLAPSE; i++)
		for (j = 0; j < ATTACHPLAN_COLLAPSE; j++) {
			snprintf(rel, sizeof(rel), "/k/s%d/p%d", i, j);
			ck_assert_int_eq(pathset_add(&e, rel), 0);
		}
	ck_assert_int_eq(attachplan_compute(&e, &n, &out), 0);
	ck_assert_uint_eq(out.n, 1);
	ck_assert_str_eq(out.v[0], "/k");
	pathset_free(&e);
	pathset_free(&out);
}
END_TEST

START_TEST(below_and_parent)
{
	char parent[16];

	ck_assert(attachplan_below("/a/b", "/a"));
	ck_assert(attachplan_below("/a", "/a"));
	ck_assert(attachplan_below("/a", "/"));
	ck_assert(!attachplan_below("/ab", "/a"));
	ck_assert(!attachplan_below("/a", "/a/b"));
	ck_assert(attachplan_parent("/a/b", parent, sizeof(parent)));
	ck_assert_str_eq(parent, "/a");
	ck_assert(attachplan_parent("/a", parent, sizeof(parent)));
	ck_assert_str_eq(parent, "/");
	ck_assert(!attachplan_parent("/", parent, sizeof(parent)));
	ck_assert(!attachplan_parent("/aaaaaaaaaaaaaaaaaaaa/b", parent, sizeof(parent)));
}
END_TEST

static Suite *attachplan_suite(void)
{
	Suite *s = suite_create("attachplan");
	TCase *tc = tcase_create("attachplan");

	tcase_add_test(tc, topmost_entries_only);
	tcase_add_test(tc, many_siblings_collapse_to_their_parent);
	tcase_add_test(tc, a_collapsed_parent_stays_until_few_are_left);
	tcase_add_test(tc, collapse_climbs_levels);
	tcase_add_test(tc, below_and_parent);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(attachplan_suite)
