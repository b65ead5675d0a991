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

static Suite *selector_suite(void)
{
	Suite *s = suite_create("selector");
	TCase *tc = tcase_create("selector");

	tcase_add_test(tc, first_matching_selector_wins);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(selector_suite)
