// SPDX-License-Identifier: GPL-2.0
/*
 * bench: the measurements behind `make bench`, each one line "rate=N".
 *
 *   bench socket MS PROTO          socket(AF_INET, SOCK_STREAM, PROTO)+close()
 *                                  per second, for MS milliseconds
 *   bench sink ADDR PORT [PROTO]   accept forever: echo one byte per
 *                                  connection, or drain a stream
 *   bench connect MS ADDR PORT [PROTO]
 *                                  connections per second: connect, one byte
 *                                  each way, close
 *   bench stream MS ADDR PORT [PROTO]
 *                                  bytes per second sent on one connection
 *   bench setsockopt MS LEVEL OPTNAME
 *                                  setsockopt(LEVEL, OPTNAME, int 1) calls per
 *                                  second on one TCP socket (its result aside)
 *   bench time CMD [ARGS...]       run CMD, print "ms=N" of wall time
 *   bench pair PAIRS MS CG_A PROTO_A CG_B PROTO_B
 *                                  socket()+close() in slices of MS ms, this
 *                                  process moving itself between cgroups A
 *                                  and B (ABBA order); prints "ratio=" the
 *                                  median of the per-pair rate ratios A/B,
 *                                  "min=", "max=", "a=" and "b=" (median rates)
 *
 * PROTO 0 is what an unmodified application asks for; 262 is native MPTCP.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static struct sockaddr_in addr_of(const char *ip, const char *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(atoi(port))};

	if (inet_pton(AF_INET, ip, &a.sin_addr) != 1) {
		fprintf(stderr, "bench: bad address %s\n", ip);
		exit(64);
	}
	return a;
}

static double socket_rate(double secs, int proto)
{
	unsigned long n = 0;
	double start = now(), end = start + secs;
	int fd;

	/* Check the clock every 256 calls: it costs more than socket(). */
	while ((n & 255) || now() < end) {
		fd = socket(AF_INET, SOCK_STREAM, proto);
		if (fd < 0)
			die("socket");
		close(fd);
		n++;
	}
	return n / (now() - start);
}

static int bench_socket(double secs, int proto)
{
	printf("rate=%.0f\n", socket_rate(secs, proto));
	return 0;
}

/*
 * N calls, the clock read only before and after: under QEMU's icount the
 * guest's clock counts executed instructions, so this is instructions per
 * call (with icount shift=0, one per ns) and the reads do not add to it.
 */
static double socket_ns(unsigned long n, int proto)
{
	double start = now();
	unsigned long i;
	int fd;

	for (i = 0; i < n; i++) {
		fd = socket(AF_INET, SOCK_STREAM, proto);
		if (fd < 0)
			die("socket");
		close(fd);
	}
	return (now() - start) * 1e9 / n;
}

static int bench_setsockopt(double secs, int level, int optname)
{
	double start = now(), end = start + secs;
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	unsigned long n = 0;

	if (fd < 0)
		die("socket");
	while ((n & 1023) || now() < end) {
		setsockopt(fd, level, optname, &one, sizeof(one));
		n++;
	}
	close(fd);
	printf("rate=%.0f\n", n / (now() - start));
	return 0;
}

static void join_cgroup(const char *cg)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
	f = fopen(path, "w");
	if (!f || fprintf(f, "0\n") < 0 || fclose(f))
		die(path);
}

/*
 * Interleaved rounds in one process: each round measures every CONFIG
 * (CGROUP:PROTO) once, moving itself into the cgroup first; the order turns
 * around every round (ABBA...) and starts one config later, so slow drift
 * falls on all of them alike. A warm-up of N/4 calls per config comes first:
 * a process's first sockets fault in what later ones find ready.
 * Prints "ns R I X": ns per call of config I (from 0) in round R (from 1).
 */
static int bench_series(int rounds, unsigned long n, int k, char **cfg)
{
	int r, j, i, proto[64];

	if (k < 1 || k > 64 || rounds < 1 || n < 1)
		die("series");
	for (i = 0; i < k; i++) {
		char *colon = strrchr(cfg[i], ':');

		if (!colon)
			die("series: CGROUP:PROTO");
		*colon = 0;
		proto[i] = atoi(colon + 1);
		join_cgroup(cfg[i]);
		socket_ns(n / 4 + 1, proto[i]);
	}
	for (r = 1; r <= rounds; r++)
		for (j = 0; j < k; j++) {
			i = (r + (r % 2 ? j : k - 1 - j)) % k;
			join_cgroup(cfg[i]);
			printf("ns %d %d %.2f\n", r, i, socket_ns(n, proto[i]));
			fflush(stdout);
		}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * Side by side at a fine grain: a slice in A, a slice in B, then B before A
 * for the next pair, so that drift within a pair cancels out.
 */
static int bench_pair(int pairs, double secs, char **a, char **b)
{
	double *ra = calloc(pairs, sizeof(double)), *rb = calloc(pairs, sizeof(double));
	double *ratio = calloc(pairs, sizeof(double));
	int i, first_a;

	if (!ra || !rb || !ratio || pairs < 1)
		die("pairs");
	for (i = 0; i < pairs; i++) {
		for (first_a = i % 2 == 0;; first_a = !first_a) {
			char **x = first_a ? a : b;
			double *r = first_a ? &ra[i] : &rb[i];

			join_cgroup(x[0]);
			*r = socket_rate(secs, atoi(x[1]));
			if (ra[i] > 0 && rb[i] > 0)
				break;
		}
		ratio[i] = ra[i] / rb[i];
	}
	printf("ratio=%.4f ", median(ratio, pairs));
	printf("min=%.4f max=%.4f ", ratio[0], ratio[pairs - 1]);
	printf("a=%.0f ", median(ra, pairs));
	printf("b=%.0f\n", median(rb, pairs));
	free(ra);
	free(rb);
	free(ratio);
	return 0;
}

static __attribute__((noreturn)) void bench_sink(struct sockaddr_in a, int proto)
{
	char buf[65536];
	int lfd, fd, one = 1;
	ssize_t n;

	signal(SIGPIPE, SIG_IGN);
	lfd = socket(AF_INET, SOCK_STREAM, proto);
	if (lfd < 0)
		die("socket");
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 128))
		die("bind/listen");
	for (;;) {
		fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf));
		if (n == 1) {
			if (write(fd, buf, 1) != 1)
				n = 0;
		} else {
			while (n > 0)
				n = read(fd, buf, sizeof(buf));
		}
		close(fd);
	}
}

static int bench_connect(double secs, struct sockaddr_in a, int proto)
{
	double start = now(), end = start + secs;
	unsigned long n = 0;
	char c = 'x';
	int fd;

	while (now() < end) {
		fd = socket(AF_INET, SOCK_STREAM, proto);
		if (fd < 0)
			die("socket");
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) || write(fd, &c, 1) != 1 ||
		    read(fd, &c, 1) != 1)
			die("connect");
		close(fd);
		n++;
	}
	printf("rate=%.0f\n", n / (now() - start));
	return 0;
}

static int bench_stream(double secs, struct sockaddr_in a, int proto)
{
	static char buf[65536];
	double start, end;
	long long sent = 0;
	ssize_t n;
	int fd;

	fd = socket(AF_INET, SOCK_STREAM, proto);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)))
		die("connect");
	memset(buf, 'x', sizeof(buf));
	/* Let additional subflows come up before the clock starts. */
	usleep(500 * 1000);
	start = now();
	end = start + secs;
	while (now() < end) {
		n = write(fd, buf, sizeof(buf));
		if (n <= 0)
			die("write");
		sent += n;
	}
	printf("rate=%.0f\n", sent / (now() - start));
	close(fd);
	return 0;
}

static int bench_time(char **cmd)
{
	double start = now();
	int status;
	pid_t pid;

	pid = fork();
	if (pid == 0) {
		execvp(cmd[0], cmd);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		die("fork/wait");
	printf("ms=%.2f\n", (now() - start) * 1000);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	alarm(120); /* never hang a benchmark run */
	if (!strcmp(cmd, "socket") && argc == 4)
		return bench_socket(atoi(argv[2]) / 1000.0, atoi(argv[3]));
	if (!strcmp(cmd, "sink") && argc >= 4) {
		alarm(0);
		bench_sink(addr_of(argv[2], argv[3]), argc > 4 ? atoi(argv[4]) : 0);
	}
	if (!strcmp(cmd, "connect") && argc >= 5)
		return bench_connect(atoi(argv[2]) / 1000.0, addr_of(argv[3], argv[4]),
				     argc > 5 ? atoi(argv[5]) : 0);
	if (!strcmp(cmd, "stream") && argc >= 5)
		return bench_stream(atoi(argv[2]) / 1000.0, addr_of(argv[3], argv[4]),
				    argc > 5 ? atoi(argv[5]) : 0);
	if (!strcmp(cmd, "setsockopt") && argc == 5)
		return bench_setsockopt(atoi(argv[2]) / 1000.0, atoi(argv[3]), atoi(argv[4]));
	if (!strcmp(cmd, "time") && argc >= 3)
		return bench_time(argv + 2);
	if (!strcmp(cmd, "series") && argc >= 5)
		return bench_series(atoi(argv[2]), strtoul(argv[3], NULL, 10), argc - 4, argv + 4);
	if (!strcmp(cmd, "pair") && argc == 8)
		return bench_pair(atoi(argv[2]), atoi(argv[3]) / 1000.0, argv + 4, argv + 6);
	fprintf(stderr, "usage: bench socket MS PROTO | sink ADDR PORT [PROTO] |\n"
			"       connect MS ADDR PORT [PROTO] | stream MS ADDR PORT [PROTO] |\n"
			"       setsockopt MS LEVEL OPTNAME | time CMD [ARGS...] |\n"
			"       pair PAIRS MS CG_A PROTO_A CG_B PROTO_B\n");
	return 64;
}
