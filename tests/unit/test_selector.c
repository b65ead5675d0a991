// SPDX-License-Identifier: GPL-2.0
/*
 * Cgroup paths as the kubelet, containerd, CRI-O, Docker and systemd make
 * them, and which selector each falls under.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "daemon/config.h"
#include "daemon/selector.h"
#include "unit.h"

#define UID "0b6f8e43-2a84-4c6e-9a55-4d5e8e9f1a2b"
#define UID_ "0b6f8e43_2a84_4c6e_9a55_4d5e8e9f1a2b"
#define CID "3f4e5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081"

static const char *const cfg_text =
	"selectors:\n"
	"  - {name: db, pod: {namespace: shop, name: \"db-*\"}, mode: exclude}\n"
	"  - {name: shop, pod: {namespace: shop}}\n"
	"  - {name: by-uid, pod: {uid: " UID "}, mode: audit}\n"
	"  - {name: ctr, container: 3f4e5a6b7c8d}\n"
	"  - {name: nginx, unit: \"nginx*.service\", mode: audit}\n"
	"  - {name: batch, cgroup: \"batch.slice/*\"}\n";

START_TEST(first_matching_selector_wins)
{
	struct pod_table pods = {0};
	struct pod db = {.uid = UID, .namespace = "shop", .name = "db-0"};
	struct config c;
	char err[256];
	const char *pod =
		"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_ ".slice";

	ck_assert_int_eq(config_parse(cfg_text, strlen(cfg_text), "t", NULL, &c, err, sizeof(err)),
			 0);
	/* namespace and name unknown until the pod's log directory appears */
	ck_assert_int_eq(selector_match(&c, pod, &pods), 2);
	ck_assert_int_eq(pod_table_add(&pods, &db), 0);
	ck_assert_int_eq(selector_match(&c, pod, &pods), 0);
	/* The pod's directory again, with another name. */
	pod_table_remove(&pods, &db);
	strcpy(db.name, "web-0");
	ck_assert_int_eq(pod_table_add(&pods, &db), 0);
	ck_assert_int_eq(selector_match(&c, pod, &pods), 1);
	/* the pod's containers inherit from the pod: no selector of their own */
	ck_assert_int_eq(selector_match(&c,
					"/kubepods/pod" UID "/0123456789abcdef0123456789abcdef"
					"0123456789abcdef0123456789abcdef",
					&pods),
			 -1);
	ck_assert_int_eq(selector_match(&c, "/kubepods/pod" UID "/" CID, &pods), 3);
	ck_assert_int_eq(selector_match(&c, "/system.slice/nginx-extra.service", &pods), 4);
	ck_assert_int_eq(selector_match(&c, "/system.slice/apache.service", &pods), -1);
	/* a glob's * stops at '/' */
	ck_assert_int_eq(selector_match(&c, "/batch.slice/job-1.scope", &pods), 5);
	ck_assert_int_eq(selector_match(&c, "/batch.slice/job-1.scope/sub", &pods), -1);
	ck_assert_int_eq(selector_match(&c, "/batch.slice", &pods), -1);
	ck_assert_int_eq(selector_match(&c, "/", &pods), -1);
	pod_table_free(&pods);
	config_free(&c);
}
END_TEST

/*
 * The index finds selectors by a literal key, the rest are tried in turn:
 * the first in the file that matches still decides, keyed or not.
 */
START_TEST(first_still_decides_with_an_index)
{
	static const char *const text =
		"selectors:\n"
		"  - {name: s0, cgroup: \"a/*\"}\n"		/* keyed by a */
		"  - {name: s1, cgroup: \"*/x\"}\n"		/* tried in turn */
		"  - {name: s2, cgroup: \"a/x\"}\n"		/* keyed by a, after s0 */
		"  - {name: s3, unit: \"w*.service\"}\n"	/* tried in turn */
		"  - {name: s4, unit: web.service}\n"		/* keyed, after s3 */
		"  - {name: s5, unit: db.service}\n"		/* keyed */
		"  - {name: s6, pod: {namespace: shop}}\n"	/* keyed by namespace */
		"  - {name: s7, pod: {uid: " UID "}}\n"		/* keyed by uid, after s6 */
		"  - {name: s8, container: 3f4e5a6b7c8d9e0f}\n" /* keyed by 12 digits */
		"  - {name: s9, container: 3f4e5a6b7c8d0000}\n" /* same key, no match */
		"  - {name: s10, cgroup: \"b/[xy]\"}\n";	/* keyed by b */
	struct pod_table pods = {0};
	struct pod shop = {.uid = UID, .namespace = "shop", .name = "web-0"};
	const char *pod =
		"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_ ".slice";
	struct config c;
	char err[256];

	ck_assert_int_eq(config_parse(text, strlen(text), "t", NULL, &c, err, sizeof(err)), 0);
	ck_assert_int_eq(selector_match(&c, "/a/x", &pods), 0);
	ck_assert_int_eq(selector_match(&c, "/b/x", &pods), 1);
	ck_assert_int_eq(selector_match(&c, "/b/y", &pods), 10);
	ck_assert_int_eq(selector_match(&c, "/c/y", &pods), -1);
	ck_assert_int_eq(selector_match(&c, "/system.slice/web.service", &pods), 3);
	ck_assert_int_eq(selector_match(&c, "/system.slice/db.service", &pods), 5);
	ck_assert_int_eq(selector_match(&c, pod, &pods), 7);
	ck_assert_int_eq(pod_table_add(&pods, &shop), 0);
	ck_assert_int_eq(selector_match(&c, pod, &pods), 6);
	ck_assert_int_eq(selector_match(&c, "/kubepods/pod" UID "/" CID, &pods), 8);
	ck_assert_int_eq(selector_match(&c,
					"/kubepods/pod" UID "/3f4e5a6b7c8d1111111111111111111111"
					"111111111111111111111111111111",
					&pods),
			 -1);
	pod_table_free(&pods);
	config_free(&c);
}
END_TEST

/* A config of @text, which must parse. */
static void parse(const char *text, struct config *c)
{
	char err[256];

	ck_assert_msg(!config_parse(text, strlen(text), "t", NULL, c, err, sizeof(err)), "%s", err);
}

/*
 * Cgroup globs alone say which subtrees can hold a match: those whose path
 * the glob's first components match, where it has more.
 */
START_TEST(below_cgroup_globs)
{
	struct config c;

	parse("selectors:\n"
	      "  - {name: batch, cgroup: \"batch.slice/*\"}\n"
	      "  - {name: deep, cgroup: \"/user.slice/user-*.slice/app-?.scope/x\"}\n",
	      &c);
	ck_assert(selector_below(&c, "/"));
	ck_assert(selector_below(&c, "/batch.slice"));
	/* Its children match; nothing below them can. */
	ck_assert(!selector_below(&c, "/batch.slice/job-1.scope"));
	ck_assert(!selector_below(&c, "/system.slice"));
	ck_assert(selector_below(&c, "/user.slice"));
	ck_assert(selector_below(&c, "/user.slice/user-1000.slice"));
	ck_assert(selector_below(&c, "/user.slice/user-1000.slice/app-1.scope"));
	ck_assert(!selector_below(&c, "/user.slice/user-1000.slice/app-12.scope"));
	ck_assert(!selector_below(&c, "/user.slice/user-1000.slice/app-1.scope/x"));
	ck_assert(!selector_below(&c, "/user.slice/user-1000.slice/user@1000.service"));
	/* A '*' stops at '/': user-*.slice is one component. */
	ck_assert(!selector_below(&c, "/user.slice/user-1000.slice/a/b"));
	config_free(&c);
}
END_TEST

/* Where a glob cannot be cut at its '/', and with any other kind: always. */
START_TEST(below_unsure_or_anywhere)
{
	static const char *const texts[] = {
		"selectors:\n  - {name: a, cgroup: \"a[/]b/c\"}\n",
		"selectors:\n  - {name: a, cgroup: \"a\\\\/b/c\"}\n",
		"selectors:\n  - {name: a, cgroup: \"x/y\"}\n  - {name: u, unit: nginx.service}\n",
		"selectors:\n  - {name: p, pod: {namespace: shop}}\n",
		"selectors:\n  - {name: c, container: 3f4e5a6b7c8d}\n",
	};
	struct config c;
	size_t i;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		parse(texts[i], &c);
		ck_assert_msg(selector_below(&c, "/system.slice/x.slice"), "%s", texts[i]);
		config_free(&c);
	}
	/*
	 * Below a unit other than a slice (a service's subtree, a container's
	 * scope) a unit, pod or container selector matches nothing: only a
	 * cgroup glob can, and an unsure one says so.
	 */
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		parse(texts[i], &c);
		ck_assert_msg(selector_below(&c, "/system.slice/a.service/b") == (i < 2), "%s",
			      texts[i]);
		ck_assert_msg(
			selector_below(&c, "/kubepods.slice/kubepods-pod1.slice/crio-1.scope") ==
				(i < 2),
			"%s", texts[i]);
		config_free(&c);
	}
	/* A bracket without '/' is cut like any other component. */
	parse("selectors:\n  - {name: a, cgroup: \"[ab]x/y\"}\n", &c);
	ck_assert(selector_below(&c, "/bx"));
	ck_assert(!selector_below(&c, "/cx"));
	ck_assert(!selector_below(&c, "/bx/y"));
	config_free(&c);
}
END_TEST

static Suite *selector_suite(void)
{
	Suite *s = suite_create("selector");
	TCase *tc = tcase_create("selector");

	tcase_add_test(tc, first_matching_selector_wins);
	tcase_add_test(tc, first_still_decides_with_an_index);
	tcase_add_test(tc, below_cgroup_globs);
	tcase_add_test(tc, below_unsure_or_anywhere);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(selector_suite)
