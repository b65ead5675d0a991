// SPDX-License-Identifier: GPL-2.0
/*
 * bench: the measurements behind `make bench`.
 *
 *   bench series ROUNDS N CONFIG...
 *                                  ns per call (instructions under QEMU's
 *                                  icount), every config in every round,
 *                                  interleaved: "ns ROUND CONFIG_INDEX NS".
 *                                  CONFIG: CGROUP:PROTO[:OP[:CALLS[:GOT]]],
 *                                  CALLS calls (default N) of OP on
 *                                  AF_INET SOCK_STREAM PROTO sockets made in
 *                                  CGROUP, whose protocol must be GOT if set:
 *                                    socket      socket()+close() (default)
 *                                    setsockopt  IPPROTO_TCP TCP_NODELAY 1,
 *                                                again and again on one socket
 *                                    getsockopt  SOL_SOCKET SO_RCVBUF, so
 *                                    connect     connect()+accept() on
 *                                                loopback, this process the
 *                                                listener (closes untimed)
 *                                    sendrecv    send() of one byte and the
 *                                                peer's recv() of it, on a
 *                                                connected loopback pair
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
#include <netinet/tcp.h>
#include <sys/resource.h>
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

/* What a config of a series measures, and what it holds meanwhile. */
enum op { OP_SOCKET, OP_SETSOCKOPT, OP_GETSOCKOPT, OP_CONNECT, OP_SENDRECV, OP_NR };
static const char *const op_names[OP_NR] = {"socket", "setsockopt", "getsockopt", "connect",
					    "sendrecv"};
/* connect: connections per batch, the clients made before the clock starts */
#define BATCH 512

struct config {
	char *cg;
	enum op op;
	int proto, got;
	unsigned long n;
	int fd, peer; /* the socket called on (connect: the listener); sendrecv: its peer */
	struct sockaddr_in addr; /* connect: the listener's */
};

/* socket(AF_INET, SOCK_STREAM, c->proto), whose protocol is c->got if set */
static int tcp_socket(const struct config *c)
{
	int fd = socket(AF_INET, SOCK_STREAM, c->proto), got = -1;
	socklen_t len = sizeof(got);

	if (fd < 0)
		die("socket");
	if (c->got && (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &got, &len) || got != c->got)) {
		fprintf(stderr, "bench: %s: a socket of protocol %d, not %d\n", c->cg, got, c->got);
		exit(1);
	}
	return fd;
}

/* c->fd: a listener on 127.0.0.1, an ephemeral port, its address in c->addr */
static void listen_loopback(struct config *c)
{
	socklen_t len = sizeof(c->addr);

	c->addr = addr_of("127.0.0.1", "0");
	c->fd = tcp_socket(c);
	if (bind(c->fd, (struct sockaddr *)&c->addr, sizeof(c->addr)) || listen(c->fd, SOMAXCONN) ||
	    getsockname(c->fd, (struct sockaddr *)&c->addr, &len))
		die("bind/listen");
}

/*
 * The sockets a config calls on, made while the process is in its cgroup:
 * a socket's cgroup is its creator's at socket().
 */
static void config_open(struct config *c)
{
	struct rlimit lim;
	int lfd, one = 1;

	switch (c->op) {
	case OP_SOCKET:
		if (c->got)
			close(tcp_socket(c)); /* only to check its protocol */
		break;
	case OP_SETSOCKOPT:
	case OP_GETSOCKOPT:
		c->fd = tcp_socket(c);
		break;
	case OP_CONNECT:
		/* two descriptors per connection of a batch */
		if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < 2 * BATCH + 64) {
			lim.rlim_cur = lim.rlim_max;
			setrlimit(RLIMIT_NOFILE, &lim);
		}
		listen_loopback(c);
		break;
	case OP_SENDRECV:
		listen_loopback(c);
		lfd = c->fd;
		c->fd = tcp_socket(c);
		if (connect(c->fd, (struct sockaddr *)&c->addr, sizeof(c->addr)))
			die("connect");
		c->peer = accept(lfd, NULL, NULL);
		if (c->peer < 0)
			die("accept");
		/* Each byte its own segment: no Nagle wait for the last one's ACK. */
		if (setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)))
			die("TCP_NODELAY");
		close(lfd);
		break;
	default:
		break;
	}
}

static double setsockopt_ns(const struct config *c, unsigned long per)
{
	double start = now();
	unsigned long i;
	int one = 1;

	for (i = 0; i < per; i++)
		if (setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)))
			die("setsockopt");
	return (now() - start) * 1e9 / per;
}

static double getsockopt_ns(const struct config *c, unsigned long per)
{
	double start = now();
	unsigned long i;
	socklen_t len;
	int val;

	for (i = 0; i < per; i++) {
		len = sizeof(val);
		if (getsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &val, &len))
			die("getsockopt");
	}
	return (now() - start) * 1e9 / per;
}

/*
 * connect()+accept() alone on the clock: the clients are made before it
 * starts, and both ends closed after it stops, in batches of BATCH (a
 * chunk of up to BATCH calls is one batch: no closes of its own pending
 * while it runs). The client closes with a reset (SO_LINGER 0): no
 * TIME_WAIT socket is left for its timer to expire in a later measurement.
 */
static double connect_ns(const struct config *c, unsigned long per)
{
	struct linger reset = {.l_onoff = 1, .l_linger = 0};
	unsigned long done, i, b;
	int cli[BATCH], acc[BATCH];
	double spent = 0, start;

	for (done = 0; done < per; done += b) {
		b = per - done < BATCH ? per - done : BATCH;
		for (i = 0; i < b; i++) {
			cli[i] = socket(AF_INET, SOCK_STREAM, c->proto);
			if (cli[i] < 0 ||
			    setsockopt(cli[i], SOL_SOCKET, SO_LINGER, &reset, sizeof(reset)))
				die("socket");
		}
		start = now();
		for (i = 0; i < b; i++) {
			if (connect(cli[i], (struct sockaddr *)&c->addr, sizeof(c->addr)))
				die("connect");
			acc[i] = accept(c->fd, NULL, NULL);
			if (acc[i] < 0)
				die("accept");
		}
		spent += now() - start;
		for (i = 0; i < b; i++) {
			close(cli[i]);
			close(acc[i]);
		}
	}
	return spent * 1e9 / per;
}

static double sendrecv_ns(const struct config *c, unsigned long per)
{
	double start = now();
	unsigned long i;
	char byte = 'x';

	for (i = 0; i < per; i++)
		if (send(c->fd, &byte, 1, 0) != 1 || recv(c->peer, &byte, 1, 0) != 1)
			die("send/recv");
	return (now() - start) * 1e9 / per;
}

static double config_ns(const struct config *c, unsigned long per)
{
	switch (c->op) {
	case OP_SETSOCKOPT:
		return setsockopt_ns(c, per);
	case OP_GETSOCKOPT:
		return getsockopt_ns(c, per);
	case OP_CONNECT:
		return connect_ns(c, per);
	case OP_SENDRECV:
		return sendrecv_ns(c, per);
	default:
		return socket_ns(per, c->proto);
	}
}

/* CGROUP:PROTO[:OP[:CALLS[:GOT]]] */
static void config_parse(struct config *c, char *arg, unsigned long n)
{
	char *f[5] = {arg};
	int k = 1, i;

	while (k < 5 && (f[k] = strchr(f[k - 1], ':')))
		*f[k++]++ = 0;
	if (k < 2) {
		fprintf(stderr, "bench: series: %s: CGROUP:PROTO[:OP[:CALLS[:GOT]]]\n", arg);
		exit(64);
	}
	*c = (struct config){.cg = f[0], .proto = atoi(f[1]), .n = n, .fd = -1, .peer = -1};
	if (k > 2) {
		for (i = 0; i < OP_NR && strcmp(f[2], op_names[i]); i++)
			;
		if (i == OP_NR) {
			fprintf(stderr, "bench: series: no operation %s\n", f[2]);
			exit(64);
		}
		c->op = i;
	}
	if (k > 3)
		c->n = strtoul(f[3], NULL, 10);
	if (k > 4)
		c->got = atoi(f[4]);
	if (c->n < 1) {
		fprintf(stderr, "bench: series: %s: no calls\n", arg);
		exit(64);
	}
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
 * in CHUNKS chunks of CALLS/CHUNKS calls, the configs taking
 * turns chunk by chunk (the process moves itself into each one's cgroup),
 * the order turned around and shifted every chunk. Before each chunk the
 * process sleeps SETTLE_US: the kernel finishes what the last chunk left
 * queued (RCU frees the closed sockets), so every chunk starts from the
 * same state. Without that, a chunk's cost drifted by up to 10% with the
 * backlog; with it, chunks repeat within a fraction of a percent (under
 * icount the sleep costs no instructions, and what a chunk leaves behind
 * is left alike by every config). A config's figure in a round is its
 * median chunk, so that a chunk with a rare extra (a kworker) moves
 * nothing. A warm-up of CALLS/4 calls per config comes first: a process's
 * first sockets fault in what later ones find ready.
 * Prints "ns R I X": ns per call of config I (from 0) in round R (from 1).
 */
static int bench_series(int rounds, unsigned long n, int k, char **arg)
{
	struct config cfg[16];
	int r, c, j, i;
	double t[16][CHUNKS];

	if (k < 1 || k > 16 || rounds < 1 || n < 1)
		die("series");
	for (i = 0; i < k; i++) {
		config_parse(&cfg[i], arg[i], n);
		join_cgroup(cfg[i].cg);
		config_open(&cfg[i]);
		config_ns(&cfg[i], cfg[i].n / 4 + 1);
	}
	for (r = 1; r <= rounds; r++) {
		for (c = 0; c < CHUNKS; c++)
			for (j = 0; j < k; j++) {
				i = (r + c + ((r + c) % 2 ? j : k - 1 - j)) % k;
				if (k > 1)
					join_cgroup(cfg[i].cg);
				usleep(SETTLE_US);
				t[i][c] = config_ns(&cfg[i], cfg[i].n / CHUNKS + 1);
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
	fprintf(stderr, "usage: bench series ROUNDS N CGROUP:PROTO[:OP[:CALLS[:GOT]]]... |\n"
			"       sink ADDR PORT [PROTO] |\n"
			"       connect MS ADDR PORT [PROTO] | stream MS ADDR PORT [PROTO] |\n"
			"       setsockopt MS LEVEL OPTNAME | time CMD [ARGS...]\n");
	return 64;
}
