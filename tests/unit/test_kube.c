// SPDX-License-Identifier: GPL-2.0
/* Kubernetes names: pod UIDs, /var/log/pods and /var/log/containers. */
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
	kube_containers_dir("/var/log/pods", dir, sizeof(dir));
	ck_assert_str_eq(dir, "/var/log/containers");
	kube_containers_dir("/host/var/log/pods/", dir, sizeof(dir));
	ck_assert_str_eq(dir, "/host/var/log/containers");
	kube_containers_dir("pods", dir, sizeof(dir));
	ck_assert_str_eq(dir, "containers");
	kube_containers_dir("/pods", dir, sizeof(dir));
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
