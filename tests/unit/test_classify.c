// SPDX-License-Identifier: GPL-2.0
/* What a cgroup is by where it is: units, pods and containers in their places only. */
#include <stdio.h>
#include <string.h>
#include "daemon/classify.h"
#include "unit.h"

#define UID "0b6f8e43-2a84-4c6e-9a55-4d5e8e9f1a2b"
#define UID_ "0b6f8e43_2a84_4c6e_9a55_4d5e8e9f1a2b"
#define CID "3f4e5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081"

static struct cgroup_kind k;

START_TEST(systemd_driver)
{
	static const char *const pods[] = {
		"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_ ".slice",
		"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_ ".slice",
		"/kubepods.slice/kubepods-pod" UID_ ".slice", /* Guaranteed */
		/* kind and kubelets with --cgroup-root */
		"/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-burstable.slice/"
		"kubelet-kubepods-burstable-pod" UID_ ".slice",
	};
	static const char *const scopes[] = {"cri-containerd-", "crio-", "docker-", "libpod-"};
	char path[512];
	size_t i, j;

	for (i = 0; i < sizeof(pods) / sizeof(pods[0]); i++) {
		classify_cgroup(pods[i], &k);
		ck_assert_msg(!strcmp(k.pod_uid, UID), "%s", pods[i]);
		ck_assert_str_eq(k.in_pod, UID);
		ck_assert_str_eq(k.container_id, "");
		for (j = 0; j < sizeof(scopes) / sizeof(scopes[0]); j++) {
			snprintf(path, sizeof(path), "%s/%s%s.scope", pods[i], scopes[j], CID);
			classify_cgroup(path, &k);
			ck_assert_msg(!strcmp(k.container_id, CID), "%s", path);
			ck_assert_str_eq(k.pod_uid, "");
			ck_assert_str_eq(k.in_pod, UID);
			/* a container's scope is a systemd unit too */
			ck_assert_ptr_nonnull(k.unit);
		}
	}
	/* CRI-O's monitor is not a container, but it is in the pod */
	classify_cgroup("/kubepods.slice/kubepods-pod" UID_ ".slice/crio-conmon-" CID ".scope", &k);
	ck_assert_str_eq(k.container_id, "");
	ck_assert_str_eq(k.in_pod, UID);
	/* and what is below a container is not (a pod's name is for its own cgroups) */
	classify_cgroup("/kubepods.slice/kubepods-pod" UID_ ".slice/crio-" CID ".scope/sub", &k);
	ck_assert_str_eq(k.in_pod, "");
}
END_TEST

START_TEST(cgroupfs_driver)
{
	classify_cgroup("/kubepods/burstable/pod" UID, &k);
	ck_assert_str_eq(k.pod_uid, UID);
	ck_assert_ptr_null(k.unit);
	classify_cgroup("/kubepods/pod" UID, &k); /* Guaranteed */
	ck_assert_str_eq(k.pod_uid, UID);
	classify_cgroup("/kubepods/besteffort/pod" UID "/" CID, &k); /* containerd, Docker */
	ck_assert_str_eq(k.container_id, CID);
	classify_cgroup("/kubepods/besteffort/pod" UID "/crio-" CID, &k); /* CRI-O */
	ck_assert_str_eq(k.container_id, CID);
}
END_TEST

START_TEST(lookalikes_are_not_pods)
{
	/* no kubepods above */
	classify_cgroup("/system.slice/pod" UID, &k);
	ck_assert_str_eq(k.pod_uid, "");
	/* not a UID: wrong length, not hex, misplaced separators */
	classify_cgroup("/kubepods/burstable/pod0b6f8e43-2a84-4c6e-9a55-4d5e8e9f1a2", &k);
	ck_assert_str_eq(k.pod_uid, "");
	classify_cgroup("/kubepods/burstable/pod0g6f8e43-2a84-4c6e-9a55-4d5e8e9f1a2b", &k);
	ck_assert_str_eq(k.pod_uid, "");
	classify_cgroup("/kubepods/burstable/pod0b6f8e432-a84-4c6e-9a55-4d5e8e9f1a2b", &k);
	ck_assert_str_eq(k.pod_uid, "");
	/* a container ID one digit short, and a container outside a pod */
	classify_cgroup("/kubepods/pod" UID
			"/3f4e5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708",
			&k);
	ck_assert_str_eq(k.container_id, "");
	classify_cgroup("/kubepods/besteffort/" CID, &k);
	ck_assert_str_eq(k.container_id, "");
	ck_assert_str_eq(k.in_pod, "");
	classify_cgroup("/machine.slice/" CID, &k);
	ck_assert_str_eq(k.container_id, "");
	classify_cgroup("/system.slice/nginx.service", &k);
	ck_assert_str_eq(k.in_pod, "");
	/* the root and an empty path */
	classify_cgroup("/", &k);
	ck_assert_str_eq(k.pod_uid, "");
	ck_assert_ptr_null(k.unit);
}
END_TEST

/* podman and Docker under systemd, outside Kubernetes: a scope each. */
START_TEST(podman_layouts)
{
	classify_cgroup("/machine.slice/libpod-" CID ".scope", &k);
	ck_assert_str_eq(k.container_id, CID);
	ck_assert_str_eq(k.in_pod, "");
	classify_cgroup("/machine.slice/machine-libpod_pod_" CID ".slice/libpod-" CID ".scope", &k);
	ck_assert_str_eq(k.container_id, CID);
	classify_cgroup("/system.slice/docker-" CID ".scope", &k);
	ck_assert_str_eq(k.container_id, CID);
	/* a pod's slice is no container, nor is conmon's scope */
	classify_cgroup("/machine.slice/machine-libpod_pod_" CID ".slice", &k);
	ck_assert_str_eq(k.container_id, "");
	classify_cgroup("/machine.slice/libpod-conmon-" CID ".scope", &k);
	ck_assert_str_eq(k.container_id, "");
}
END_TEST

START_TEST(systemd_units)
{
	classify_cgroup("/system.slice/nginx.service", &k);
	ck_assert_str_eq(k.unit, "nginx.service");
	classify_cgroup("/system.slice/system-getty.slice/getty@tty1.service", &k);
	ck_assert_str_eq(k.unit, "getty@tty1.service");
	classify_cgroup("/init.scope", &k);
	ck_assert_str_eq(k.unit, "init.scope");
	/* a sub-cgroup a service made for itself is not a unit */
	classify_cgroup("/system.slice/nginx.service/workers.service", &k);
	ck_assert_ptr_null(k.unit);
	classify_cgroup("/system.slice/.service", &k);
	ck_assert_ptr_null(k.unit);
}
END_TEST

/*
 * A workload with a subtree of its own names cgroups as it likes: nothing
 * below a unit (a service's, a container's scope, a user's manager) is a
 * unit, pod or container, whatever its name.
 */
START_TEST(names_inside_a_workload_are_nothing)
{
	static const char *const fakes[] = {
		"/system.slice/web.service/legacy.service",
		"/system.slice/web.service/sub.slice/legacy.service",
		"/system.slice/web.service/kubepods-burstable-pod" UID_ ".slice",
		"/system.slice/web.service/kubepods/burstable/pod" UID,
		"/system.slice/web.service/kubepods.slice/kubepods-pod" UID_ ".slice",
		"/system.slice/web.service/docker-" CID ".scope",
		"/kubepods.slice/kubepods-pod" UID_ ".slice/cri-containerd-" CID
		".scope/kubepods-pod" UID_ ".slice",
		"/kubepods/besteffort/pod" UID "/" CID "/kubepods/pod" UID,
		"/user.slice/user-1000.slice/user@1000.service/app.slice/web.service",
		"/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" CID ".scope",
	};
	size_t i;

	for (i = 0; i < sizeof(fakes) / sizeof(fakes[0]); i++) {
		classify_cgroup(fakes[i], &k);
		ck_assert_msg(!k.unit && !k.pod_uid[0] && !k.in_pod[0] && !k.container_id[0], "%s",
			      fakes[i]);
	}
	/* The user's manager itself is a unit of the system's. */
	classify_cgroup("/user.slice/user-1000.slice/user@1000.service", &k);
	ck_assert_str_eq(k.unit, "user@1000.service");
}
END_TEST

/* Deeper than any layout: nothing, rather than a guess. */
START_TEST(too_deep_is_nothing)
{
	char path[64 * 3 + 32] = "";
	int i;

	for (i = 0; i < 65; i++)
		strcat(path, "/a");
	strcat(path, "/x.service");
	classify_cgroup(path, &k);
	ck_assert_ptr_null(k.unit);
}
END_TEST

static Suite *classify_suite(void)
{
	Suite *s = suite_create("classify");
	TCase *tc = tcase_create("places");

	tcase_add_test(tc, systemd_driver);
	tcase_add_test(tc, cgroupfs_driver);
	tcase_add_test(tc, lookalikes_are_not_pods);
	tcase_add_test(tc, podman_layouts);
	tcase_add_test(tc, systemd_units);
	tcase_add_test(tc, names_inside_a_workload_are_nothing);
	tcase_add_test(tc, too_deep_is_nothing);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(classify_suite)
