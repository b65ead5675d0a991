// SPDX-License-Identifier: GPL-2.0
/*
 * bench: the measurements behind `make bench`.
 *
 *   bench series ROUNDS N CGROUP:PROTO...
 *                                  socket(AF_INET, SOCK_STREAM, PROTO)+close(),
 *                                  ns per call (instructions under QEMU's
 *                                  icount), every config in every round,
 *                                  interleaved: "ns ROUND CONFIG_INDEX NS"
 *   bench sink ADDR PORT [PROTO]   accept forever: echo one byte per
 *                                  connection, or drain a stream
 *   bench connect MS ADDR PORT [PROTO]
 *                                  "rate=N" connections per second: connect,
 *                                  one byte each way, close
 *   bench stream MS ADDR PORT [PROTO]
 *                                  "rate=N" bytes per second on one connection
 *   bench setsockopt MS LEVEL OPTNAME
 *                                  "rate=N" setsockopt(LEVEL, OPTNAME, int 1)
 *                                  calls per second on one TCP socket
 *   bench time CMD [ARGS...]       run CMD, print "ms=N" of wall time
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

/*
 * PER calls, the clock read only around them: under QEMU's icount the
 * guest's clock counts executed instructions, so this is instructions per
 * call (with icount shift=0, one per ns).
 */
static double socket_ns(unsigned long per, int proto)
{
	double start = now();
	unsigned long i;
	int fd;

	for (i = 0; i < per; i++) {
		fd = socket(AF_INET, SOCK_STREAM, proto);
		if (fd < 0)
			die("socket");
		close(fd);
	}
	return (now() - start) * 1e9 / per;
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

#define CHUNKS 9
#define SETTLE_US 20000

/*
 * Interleaved rounds in one process: each round measures every CONFIG
 * (CGROUP:PROTO) in CHUNKS chunks of N/CHUNKS calls, the configs taking
 * turns chunk by chunk (the process moves itself into each one's cgroup),
 * the order turned around and shifted every chunk. Before each chunk the
 * process sleeps SETTLE_US: the kernel finishes what the last chunk left
 * queued (RCU frees the closed sockets), so every chunk starts from the
 * same state. Without that, a chunk's cost drifted by up to 10% with the
 * backlog; with it, chunks repeat within a fraction of a percent (under
 * icount the sleep costs no instructions, and what a chunk leaves behind
 * is left alike by every config). A config's figure in a round is its
 * median chunk, so that a chunk with a rare extra (a kworker) moves
 * nothing. A warm-up of N/4 calls per config comes first: a process's first
 * sockets fault in what later ones find ready.
 * Prints "ns R I X": ns per call of config I (from 0) in round R (from 1).
 */
static int bench_series(int rounds, unsigned long n, int k, char **cfg)
{
	unsigned long per = n / CHUNKS + 1;
	int r, c, j, i, proto[16];
	double t[16][CHUNKS];

	if (k < 1 || k > 16 || rounds < 1 || n < 1)
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
	for (r = 1; r <= rounds; r++) {
		for (c = 0; c < CHUNKS; c++)
			for (j = 0; j < k; j++) {
				i = (r + c + ((r + c) % 2 ? j : k - 1 - j)) % k;
				if (k > 1)
					join_cgroup(cfg[i]);
				usleep(SETTLE_US);
				t[i][c] = socket_ns(per, proto[i]);
			}
		for (i = 0; i < k; i++)
			printf("ns %d %d %.2f\n", r, i, median(t[i], CHUNKS));
		fflush(stdout);
	}
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
	fprintf(stderr, "usage: bench series ROUNDS N CGROUP:PROTO... | sink ADDR PORT [PROTO] |\n"
			"       connect MS ADDR PORT [PROTO] | stream MS ADDR PORT [PROTO] |\n"
			"       setsockopt MS LEVEL OPTNAME | time CMD [ARGS...]\n");
	return 64;
}
