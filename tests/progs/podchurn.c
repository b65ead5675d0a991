// SPDX-License-Identifier: GPL-2.0
/*
 * podchurn: pods come and go the way a kubelet makes them, and every pod's
 * first socket() tells whether the daemon was there first.
 *
 *   podchurn KUBEPODS PODS_DIR POLICY_PIN RATE SECONDS [START_MS]
 *
 * Creates RATE pods a second for SECONDS below KUBEPODS (the systemd
 * driver's layout), each with its /var/log/pods-style directory in PODS_DIR
 * made right after its cgroup, as the kubelet does. Pods take turns being
 * "shop/web-N" (the README's example enforces them), "shop/db-N" (excluded)
 * and "other/app-N" (no selector). For each web and db pod it waits (120 s at
 * most) for the pod's entry in the pinned policy map, timing mkdir to entry;
 * then a process in a new container cgroup of every pod makes one TCP
 * socket. With START_MS, the process starts START_MS after the pod's mkdir
 * whether the entry is there or not, as a container runtime would, and
 * "late" counts the pods whose entry was not there by then. Pods are
 * removed 300 ms after their creation. At the end, prints:
 *
 *   pods=N web_mptcp=N web_tcp=N db_mptcp=N db_tcp=N other_mptcp=N other_tcp=N
 *   late=N stale=N p50_us=N p99_us=N
 *
 * late: web or db pods with no entry within 120 s; stale: entries still there
 * 120 s after their pod was removed (hang guards, not targets).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <bpf/bpf.h>

#define LIFETIME_NS 300000000LL
#define WAIT_NS 120000000000LL /* a liveness bound, not a target: make bench times it */
#define MAX_PODS 4096

enum kind { WEB, DB, OTHER };

struct pod {
	char cg[512], ctr[600], logdir[512];
	unsigned long long id;
	long long born;
	bool alive;
};

static struct pod pods[MAX_PODS];
static long long latency[MAX_PODS];
static int nlat, policy_fd;

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static bool has_entry(unsigned long long id)
{
	unsigned char value[64];

	return !bpf_map_lookup_elem(policy_fd, &id, value);
}

/* One process in @cg makes a TCP socket: its SO_PROTOCOL, or -1. */
static int first_socket(const char *cg)
{
	char path[700];
	int status, fd, proto;
	socklen_t len = sizeof(proto);
	FILE *f;
	pid_t pid = fork();

	if (pid == 0) {
		snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
		f = fopen(path, "w");
		if (!f || fprintf(f, "0\n") < 0 || fclose(f))
			_exit(100);
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0 || getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len))
			_exit(101);
		_exit(proto == IPPROTO_TCP ? 6 : proto == 262 ? 7 : 102);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status) == 6 ? 6 : WEXITSTATUS(status) == 7 ? 262 : -1;
}

static void remove_pod(struct pod *p)
{
	rmdir(p->ctr);
	rmdir(p->cg);
	rmdir(p->logdir);
	p->alive = false;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	static const char *const ns[] = {"shop", "shop", "other"};
	static const char *const name[] = {"web", "db", "app"};
	int rate, seconds, n, i, proto, late = 0, stale = 0, count[3][2] = {{0}};
	long long start_ns = -1;
	long long start, t, deadline;
	char uid[40], uid_[40];
	struct stat st;
	struct pod *p;

	if (argc < 6 || argc > 7 || (rate = atoi(argv[4])) <= 0 || (seconds = atoi(argv[5])) <= 0 ||
	    rate * seconds > MAX_PODS) {
		fprintf(stderr,
			"usage: podchurn KUBEPODS PODS_DIR POLICY_PIN RATE SECONDS [START_MS]\n");
		return 64;
	}
	if (argc == 7)
		start_ns = atoll(argv[6]) * 1000000LL;
	policy_fd = bpf_obj_get(argv[3]);
	if (policy_fd < 0) {
		fprintf(stderr, "podchurn: %s: %s\n", argv[3], strerror(errno));
		return 1;
	}
	n = rate * seconds;
	start = now_ns();
	for (i = 0; i < n; i++) {
		enum kind k = i % 3;

		/* The pace: pod i is due at start + i/rate. */
		t = start + (long long)i * 1000000000LL / rate;
		while (now_ns() < t)
			usleep(200);
		p = &pods[i];
		snprintf(uid, sizeof(uid), "%08x-0000-4000-8000-%012x", i + 1, i + 1);
		snprintf(uid_, sizeof(uid_), "%08x_0000_4000_8000_%012x", i + 1, i + 1);
		snprintf(p->cg, sizeof(p->cg), "%s/kubepods-burstable-pod%s.slice", argv[1], uid_);
		snprintf(p->ctr, sizeof(p->ctr), "%s/cri-containerd-%064x.scope", p->cg, i + 1);
		snprintf(p->logdir, sizeof(p->logdir), "%s/%s_%s-%d_%s", argv[2], ns[k], name[k], i,
			 uid);
		p->born = now_ns();
		if (mkdir(p->cg, 0755) || stat(p->cg, &st) || mkdir(p->logdir, 0755)) {
			fprintf(stderr, "podchurn: %s: %s\n", p->cg, strerror(errno));
			return 1;
		}
		p->id = st.st_ino;
		p->alive = true;
		if (k != OTHER) {
			deadline = p->born + (start_ns >= 0 ? start_ns : WAIT_NS);
			while (!has_entry(p->id) && now_ns() < deadline)
				usleep(100);
			if (has_entry(p->id))
				latency[nlat++] = now_ns() - p->born;
			else
				late++;
		}
		while (start_ns >= 0 && now_ns() < p->born + start_ns)
			usleep(100);
		/* The runtime makes the container's cgroup, then starts it. */
		if (mkdir(p->ctr, 0755) || (proto = first_socket(p->ctr)) < 0) {
			fprintf(stderr, "podchurn: %s: cannot run a process there\n", p->ctr);
			return 1;
		}
		count[k][proto == 262]++;
		/* Pods older than their lifetime go. */
		for (p = pods; p < pods + i; p++)
			if (p->alive && now_ns() - p->born > LIFETIME_NS)
				remove_pod(p);
	}
	for (p = pods; p < pods + n; p++)
		if (p->alive)
			remove_pod(p);
	deadline = now_ns() + WAIT_NS;
	for (p = pods; p < pods + n; p++) {
		while (has_entry(p->id) && now_ns() < deadline)
			usleep(1000);
		stale += has_entry(p->id);
	}
	qsort(latency, nlat, sizeof(latency[0]), cmp_ll);
	printf("pods=%d web_mptcp=%d web_tcp=%d db_mptcp=%d db_tcp=%d other_mptcp=%d other_tcp=%d "
	       "late=%d stale=%d p50_us=%lld p99_us=%lld\n",
	       n, count[WEB][1], count[WEB][0], count[DB][1], count[DB][0], count[OTHER][1],
	       count[OTHER][0], late, stale, nlat ? latency[nlat / 2] / 1000 : -1,
	       nlat ? latency[(nlat * 99) / 100] / 1000 : -1);
	return 0;
}
