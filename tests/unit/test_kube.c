// SPDX-License-Identifier: GPL-2.0
/* Kubernetes names: pod and container cgroups, systemd units, /var/log/pods. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "daemon/kube.h"
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
		cgroup_classify(pods[i], &k);
		ck_assert_msg(!strcmp(k.pod_uid, UID), "%s", pods[i]);
		ck_assert_str_eq(k.in_pod, UID);
		ck_assert_str_eq(k.container_id, "");
		for (j = 0; j < sizeof(scopes) / sizeof(scopes[0]); j++) {
			snprintf(path, sizeof(path), "%s/%s%s.scope", pods[i], scopes[j], CID);
			cgroup_classify(path, &k);
			ck_assert_msg(!strcmp(k.container_id, CID), "%s", path);
			ck_assert_str_eq(k.pod_uid, "");
			ck_assert_str_eq(k.in_pod, UID);
			/* a container's scope is a systemd unit too */
			ck_assert_ptr_nonnull(k.unit);
		}
	}
	/* CRI-O's monitor is not a container, but it is in the pod */
	cgroup_classify("/kubepods.slice/kubepods-pod" UID_ ".slice/crio-conmon-" CID ".scope", &k);
	ck_assert_str_eq(k.container_id, "");
	ck_assert_str_eq(k.in_pod, UID);
	/* and what is below a container is not (a pod's name is for its own cgroups) */
	cgroup_classify("/kubepods.slice/kubepods-pod" UID_ ".slice/crio-" CID ".scope/sub", &k);
	ck_assert_str_eq(k.in_pod, "");
}
END_TEST

START_TEST(cgroupfs_driver)
{
	cgroup_classify("/kubepods/burstable/pod" UID, &k);
	ck_assert_str_eq(k.pod_uid, UID);
	ck_assert_ptr_null(k.unit);
	cgroup_classify("/kubepods/pod" UID, &k); /* Guaranteed */
	ck_assert_str_eq(k.pod_uid, UID);
	cgroup_classify("/kubepods/besteffort/pod" UID "/" CID, &k); /* containerd, Docker */
	ck_assert_str_eq(k.container_id, CID);
	cgroup_classify("/kubepods/besteffort/pod" UID "/crio-" CID, &k); /* CRI-O */
	ck_assert_str_eq(k.container_id, CID);
}
END_TEST

START_TEST(lookalikes_are_not_pods)
{
	/* no kubepods above */
	cgroup_classify("/system.slice/pod" UID, &k);
	ck_assert_str_eq(k.pod_uid, "");
	/* not a UID: wrong length, not hex, misplaced separators */
	cgroup_classify("/kubepods/burstable/pod0b6f8e43-2a84-4c6e-9a55-4d5e8e9f1a2", &k);
	ck_assert_str_eq(k.pod_uid, "");
	cgroup_classify("/kubepods/burstable/pod0g6f8e43-2a84-4c6e-9a55-4d5e8e9f1a2b", &k);
	ck_assert_str_eq(k.pod_uid, "");
	cgroup_classify("/kubepods/burstable/pod0b6f8e432-a84-4c6e-9a55-4d5e8e9f1a2b", &k);
	ck_assert_str_eq(k.pod_uid, "");
	/* a container ID one digit short, and a container outside a pod */
	cgroup_classify("/kubepods/pod" UID
			"/3f4e5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708",
			&k);
	ck_assert_str_eq(k.container_id, "");
	cgroup_classify("/kubepods/besteffort/" CID, &k);
	ck_assert_str_eq(k.container_id, "");
	ck_assert_str_eq(k.in_pod, "");
	cgroup_classify("/machine.slice/" CID, &k);
	ck_assert_str_eq(k.container_id, "");
	cgroup_classify("/system.slice/nginx.service", &k);
	ck_assert_str_eq(k.in_pod, "");
	/* the root and an empty path */
	cgroup_classify("/", &k);
	ck_assert_str_eq(k.pod_uid, "");
	ck_assert_ptr_null(k.unit);
}
END_TEST

/* podman and Docker under systemd, outside Kubernetes: a scope each. */
START_TEST(podman_layouts)
{
	cgroup_classify("/machine.slice/libpod-" CID ".scope", &k);
	ck_assert_str_eq(k.container_id, CID);
	ck_assert_str_eq(k.in_pod, "");
	cgroup_classify("/machine.slice/machine-libpod_pod_" CID ".slice/libpod-" CID ".scope", &k);
	ck_assert_str_eq(k.container_id, CID);
	cgroup_classify("/system.slice/docker-" CID ".scope", &k);
	ck_assert_str_eq(k.container_id, CID);
	/* a pod's slice is no container, nor is conmon's scope */
	cgroup_classify("/machine.slice/machine-libpod_pod_" CID ".slice", &k);
	ck_assert_str_eq(k.container_id, "");
	cgroup_classify("/machine.slice/libpod-conmon-" CID ".scope", &k);
	ck_assert_str_eq(k.container_id, "");
}
END_TEST

START_TEST(systemd_units)
{
	cgroup_classify("/system.slice/nginx.service", &k);
	ck_assert_str_eq(k.unit, "nginx.service");
	cgroup_classify("/system.slice/system-getty.slice/getty@tty1.service", &k);
	ck_assert_str_eq(k.unit, "getty@tty1.service");
	cgroup_classify("/init.scope", &k);
	ck_assert_str_eq(k.unit, "init.scope");
	/* a sub-cgroup a service made for itself is not a unit */
	cgroup_classify("/system.slice/nginx.service/workers.service", &k);
	ck_assert_ptr_null(k.unit);
	cgroup_classify("/system.slice/.service", &k);
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
		cgroup_classify(fakes[i], &k);
		ck_assert_msg(!k.unit && !k.pod_uid[0] && !k.in_pod[0] && !k.container_id[0], "%s",
			      fakes[i]);
	}
	/* The user's manager itself is a unit of the system's. */
	cgroup_classify("/user.slice/user-1000.slice/user@1000.service", &k);
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
	cgroup_classify(path, &k);
	ck_assert_ptr_null(k.unit);
}
END_TEST

START_TEST(log_dirs_name_pods)
{
	struct pod pod;

	ck_assert_int_eq(pod_from_log_dir("shop_frontend-7d4b9c_" UID, &pod), 0);
	ck_assert_str_eq(pod.namespace, "shop");
	ck_assert_str_eq(pod.name, "frontend-7d4b9c");
	ck_assert_str_eq(pod.uid, UID);
	ck_assert_int_eq(pod_from_log_dir("shop_" UID, &pod), -EINVAL);
	ck_assert_int_eq(pod_from_log_dir("_x_" UID, &pod), -EINVAL);
	ck_assert_int_eq(pod_from_log_dir("shop_x_1234", &pod), -EINVAL);
	ck_assert_int_eq(pod_from_log_dir(".", &pod), -EINVAL);
}
END_TEST

START_TEST(pod_table_from_a_directory)
{
	char dir[] = "/tmp/mptcpify-pods-XXXXXX", path[256];
	struct pod_table t = {0};
	const struct pod_entry *p;
	struct pod pod;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/shop_db-0_" UID, dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/not-a-pod", dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	ck_assert_int_eq(pod_table_load(&t, dir), 0);
	ck_assert_int_eq(t.n, 1);
	p = pod_table_find(&t, UID);
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p->name, "db-0");
	ck_assert_str_eq(p->namespace, "shop");
	ck_assert_int_eq(pod_from_log_dir("shop_db-0_" UID, &pod), 0);
	pod_table_remove(&t, &pod);
	ck_assert_ptr_null(pod_table_find(&t, UID));
	ck_assert_int_eq(pod_table_load(&t, "/nonexistent"), 0);
	pod_table_free(&t);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/shop_db-0_" UID, dir);
	rmdir(path);
	rmdir(dir);
}
END_TEST

/*
 * Only the kubelet's entries name pods: a plain file or a directory of
 * another owner does not. Two directories with one UID: the first speaks
 * for it, and removing the other keeps it.
 */
START_TEST(pods_dir_is_trusted_only_when_roots)
{
	char dir[] = "/tmp/mptcpify-pods-XXXXXX", path[256];
	struct pod_table t = {0};
	struct pod other;
	int fd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/shop_file_" UID, dir);
	fd = open(path, O_CREAT | O_WRONLY, 0644);
	ck_assert_int_ge(fd, 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/shop_theirs_0b6f8e43-2a84-4c6e-9a55-000000000001", dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	ck_assert_int_eq(chown(path, 65534, 65534), 0);
	ck_assert_int_eq(pod_table_load(&t, dir), 0);
	ck_assert_int_eq(t.n, 0);

	snprintf(path, sizeof(path), "%s/shop_web-0_" UID, dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	ck_assert_int_eq(pod_table_load(&t, dir), 0);
	ck_assert_str_eq(pod_table_find(&t, UID)->name, "web-0");
	ck_assert_int_eq(pod_from_log_dir("evil_copy_" UID, &other), 0);
	ck_assert_int_eq(pod_table_add(&t, &other), 0);
	ck_assert_str_eq(pod_table_find(&t, UID)->name, "web-0");
	pod_table_remove(&t, &other);
	ck_assert_str_eq(pod_table_find(&t, UID)->name, "web-0");
	/* The other way round: the first goes, the second takes over. */
	ck_assert_int_eq(pod_table_add(&t, &other), 0);
	ck_assert_int_eq(pod_from_log_dir("shop_web-0_" UID, &other), 0);
	pod_table_remove(&t, &other);
	ck_assert_str_eq(pod_table_find(&t, UID)->name, "copy");
	ck_assert_int_eq(t.dups, 0);
	pod_table_free(&t);
	ck_assert_int_eq(system("rm -rf /tmp/mptcpify-pods-*"), 0);
}
END_TEST

/* The kubelet's container log links: <pod>_<namespace>_<container>-<id>.log */
START_TEST(log_links_name_containers)
{
	struct container c;
	char dir[64];

	ck_assert_int_eq(container_from_log_link("web-7d4b9c-x2x_shop_side-car-" CID ".log", &c),
			 0);
	ck_assert_str_eq(c.pod, "web-7d4b9c-x2x");
	ck_assert_str_eq(c.namespace, "shop");
	ck_assert_str_eq(c.name, "side-car");
	ck_assert_str_eq(c.id, CID);
	ck_assert_int_eq(container_from_log_link("a.b_c_d-" CID ".log", &c), 0);
	ck_assert_str_eq(c.pod, "a.b");
	/* no container name, a fourth '_', an ID one digit short or not hex, no .log */
	ck_assert_int_eq(container_from_log_link("web_shop_-" CID ".log", &c), -EINVAL);
	ck_assert_int_eq(container_from_log_link("web_shop_a_b-" CID ".log", &c), -EINVAL);
	ck_assert_int_eq(container_from_log_link("web_shop-" CID ".log", &c), -EINVAL);
	ck_assert_int_eq(container_from_log_link("_shop_a-" CID ".log", &c), -EINVAL);
	ck_assert_int_eq(container_from_log_link("web__a-" CID ".log", &c), -EINVAL);
	ck_assert_int_eq(container_from_log_link("web_shop_a-" CID, &c), -EINVAL);
	ck_assert_int_eq(container_from_log_link("web_shop_a" CID ".log", &c), -EINVAL);
	ck_assert_int_eq(container_from_log_link("web_shop_a-" CID "0.log", &c), -EINVAL);
	ck_assert_int_eq(
		container_from_log_link(
			"web_shop_a-"
			"3F4E5A6B7C8D9E0F1A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D5E6F7081.log",
			&c),
		-EINVAL);
	ck_assert_int_eq(container_from_log_link(".log", &c), -EINVAL);
	containers_dir_of("/var/log/pods", dir, sizeof(dir));
	ck_assert_str_eq(dir, "/var/log/containers");
	containers_dir_of("/host/var/log/pods/", dir, sizeof(dir));
	ck_assert_str_eq(dir, "/host/var/log/containers");
	containers_dir_of("pods", dir, sizeof(dir));
	ck_assert_str_eq(dir, "containers");
	containers_dir_of("/pods", dir, sizeof(dir));
	ck_assert_str_eq(dir, "/containers");
}
END_TEST

/* Only root's links and files name containers; the first of an ID speaks for it. */
START_TEST(container_table_from_a_directory)
{
	char dir[] = "/tmp/mptcpify-ctrs-XXXXXX", path[512], cmd[600];
	struct container_table t = {0};
	struct container c;
	int fd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/web-0_shop_app-" CID ".log", dir);
	ck_assert_int_eq(symlink("/var/log/pods/shop_web-0_" UID "/app/0.log", path), 0);
	snprintf(path, sizeof(path), "%s/web-0_shop_theirs-%.63sa.log", dir, CID);
	ck_assert_int_eq(symlink("/nowhere", path), 0);
	ck_assert_int_eq(lchown(path, 65534, 65534), 0);
	snprintf(path, sizeof(path), "%s/web-0_shop_adir-%.63sb.log", dir, CID);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/web-0_shop_afile-%.63sc.log", dir, CID);
	fd = open(path, O_CREAT | O_WRONLY, 0644);
	ck_assert_int_ge(fd, 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/junk.log", dir);
	ck_assert_int_eq(symlink("/nowhere", path), 0);
	ck_assert_int_eq(container_table_load(&t, dir), 0);
	ck_assert_uint_eq(t.n, 2);
	ck_assert_str_eq(container_table_find(&t, CID)->name, "app");
	snprintf(path, sizeof(path), "%.63sc", CID);
	ck_assert_str_eq(container_table_find(&t, path)->name, "afile");
	snprintf(path, sizeof(path), "%.63sa", CID);
	ck_assert_ptr_null(container_table_find(&t, path));
	ck_assert_int_eq(container_from_log_link("other_ns_again-" CID ".log", &c), 0);
	ck_assert_int_eq(container_table_add(&t, &c), 0);
	ck_assert_str_eq(container_table_find(&t, CID)->name, "app");
	/* Read again: the table is what the directory holds now. */
	ck_assert_int_eq(container_table_load(&t, "/nonexistent"), 0);
	ck_assert_uint_eq(t.n, 0);
	ck_assert_ptr_null(container_table_find(&t, CID));
	container_table_free(&t);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* The index follows a pod moved into a removed one's place. */
START_TEST(pod_table_keeps_its_index)
{
	struct pod_table t = {0};
	struct pod pod = {.namespace = "ns", .name = "p"};
	int i;

	for (i = 0; i < 300; i++) {
		snprintf(pod.uid, sizeof(pod.uid), "%08x-0000-4000-8000-%012x", i, i);
		ck_assert_int_eq(pod_table_add(&t, &pod), 0);
	}
	ck_assert_int_eq(pod_table_add(&t, &pod), 0); /* again: no duplicate */
	ck_assert_int_eq(t.n, 300);
	for (i = 0; i < 300; i += 3) {
		snprintf(pod.uid, sizeof(pod.uid), "%08x-0000-4000-8000-%012x", i, i);
		pod_table_remove(&t, &pod);
	}
	ck_assert_int_eq(t.n, 200);
	for (i = 0; i < 300; i++) {
		snprintf(pod.uid, sizeof(pod.uid), "%08x-0000-4000-8000-%012x", i, i);
		if (i % 3)
			ck_assert_str_eq(pod_table_find(&t, pod.uid)->uid, pod.uid);
		else
			ck_assert_ptr_null(pod_table_find(&t, pod.uid));
	}
	pod_table_free(&t);
}
END_TEST

/* One normaliser for UIDs from configurations, cgroup names and log directories. */
START_TEST(uids_are_normalised)
{
	char out[POD_UID_LEN + 1];

	ck_assert_int_eq(pod_uid_normalize(UID_, strlen(UID_), out), 0);
	ck_assert_str_eq(out, UID);
	ck_assert_int_eq(pod_uid_normalize("0B6F8E43-2A84-4C6E-9A55-4D5E8E9F1A2B", 36, out), 0);
	ck_assert_str_eq(out, UID);
	ck_assert_int_eq(pod_uid_normalize(UID "0", 37, out), -EINVAL);
	ck_assert_int_eq(pod_uid_normalize("0b6f8e43x2a84-4c6e-9a55-4d5e8e9f1a2b", 36, out),
			 -EINVAL);
	ck_assert_int_eq(pod_uid_normalize("0b6f8e43-2a84-4c6e-9a55-4d5e8e9f1a2z", 36, out),
			 -EINVAL);
}
END_TEST

static Suite *kube_suite(void)
{
	Suite *s = suite_create("kube");
	TCase *tc = tcase_create("names");

	tcase_add_test(tc, uids_are_normalised);
	tcase_add_test(tc, systemd_driver);
	tcase_add_test(tc, cgroupfs_driver);
	tcase_add_test(tc, lookalikes_are_not_pods);
	tcase_add_test(tc, podman_layouts);
	tcase_add_test(tc, systemd_units);
	tcase_add_test(tc, names_inside_a_workload_are_nothing);
	tcase_add_test(tc, too_deep_is_nothing);
	tcase_add_test(tc, log_dirs_name_pods);
	tcase_add_test(tc, pod_table_from_a_directory);
	tcase_add_test(tc, pod_table_keeps_its_index);
	tcase_add_test(tc, pods_dir_is_trusted_only_when_roots);
	tcase_add_test(tc, log_links_name_containers);
	tcase_add_test(tc, container_table_from_a_directory);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(kube_suite)
