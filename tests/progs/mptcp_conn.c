// SPDX-License-Identifier: GPL-2.0
/*
 * mptcp_conn: an unmodified-looking TCP client and server that report what
 * the kernel made of their connection.
 *
 *   mptcp_conn server [--proto tcp|mptcp] [--ready FILE] ADDR PORT
 *       listen, accept one connection, read to EOF, reply with the byte
 *       count, print "protocol=P fallback=F subflows=N bytes=N"
 *   mptcp_conn client [--proto tcp|mptcp] [--bytes N] [--subflows N] [--hold MS]
 *                     [--msk-user-timeout] ADDR PORT
 *       connect, send N bytes, waiting for N subflows when asked after the
 *       first 64 KiB (or all, if fewer),
 *       keep the connection MS milliseconds more (for ss to look at), and
 *       print the same line for the client side; --msk-user-timeout also
 *       tries TCP_USER_TIMEOUT on the socket itself and says what happened
 *
 * --proto tcp (the default) is socket(family, SOCK_STREAM, 0): what an
 * application that knows nothing of MPTCP does. subflows is the total number
 * of subflows, the initial one included; 1 for plain TCP.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/mptcp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#ifndef SOL_MPTCP
#define SOL_MPTCP 284
#endif

struct report {
	int protocol;
	int fallback;
	int subflows;
};

static void die(const char *what)
{
	fprintf(stderr, "mptcp_conn: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void report_of(int fd, struct report *r)
{
	struct mptcp_info info;
	socklen_t len = sizeof(r->protocol);

	r->protocol = -1;
	getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &r->protocol, &len);
	r->fallback = 0;
	r->subflows = 1;
	if (r->protocol != IPPROTO_MPTCP)
		return;
	memset(&info, 0, sizeof(info));
	len = sizeof(info);
	if (getsockopt(fd, SOL_MPTCP, MPTCP_INFO, &info, &len)) {
		/* The kernel answers EOPNOTSUPP once the connection fell back. */
		r->fallback = 1;
		return;
	}
	r->fallback = !!(info.mptcpi_flags & MPTCP_INFO_FLAG_FALLBACK);
	r->subflows = info.mptcpi_subflows + 1;
}

static int parse_addr(const char *addr, int port, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *in = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		*len = sizeof(*in);
		return AF_INET;
	}
	if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		*len = sizeof(*in6);
		return AF_INET6;
	}
	return -1;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static int server(int family, int proto, struct sockaddr_storage *ss, socklen_t len,
		  const char *ready)
{
	char buf[65536];
	long long total = 0;
	struct report r;
	int lfd, fd, one = 1;
	ssize_t n;

	lfd = socket(family, SOCK_STREAM, proto);
	if (lfd < 0)
		die("socket");
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)ss, len) || listen(lfd, 16))
		die("bind/listen");
	if (ready)
		close(open(ready, O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		die("accept");
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		total += n;
	report_of(fd, &r);
	n = snprintf(buf, sizeof(buf), "%lld\n", total);
	if (write(fd, buf, n) != n)
		die("write");
	close(fd);
	close(lfd);
	printf("protocol=%d fallback=%d subflows=%d bytes=%lld\n", r.protocol, r.fallback,
	       r.subflows, total);
	return 0;
}

struct client_opts {
	long long bytes;
	int want_subflows;
	int hold_ms;
	int msk_user_timeout;
};

/* Write @count bytes, @size at a time from @buf. */
static void send_all(int fd, const char *buf, size_t size, long long count)
{
	ssize_t n;

	while (count > 0) {
		n = write(fd, buf, count < (long long)size ? (size_t)count : size);
		if (n <= 0)
			die("write");
		count -= n;
	}
}

/* Until @want subflows or a fallback; the bound (5 min) is a hang guard. */
static void await_subflows(int fd, int want, struct report *r)
{
	int i;

	for (i = 0; i < 6000; i++) {
		report_of(fd, r);
		if (r->subflows >= want || r->fallback)
			return;
		sleep_ms(50);
	}
}

static int client(int family, int proto, struct sockaddr_storage *ss, socklen_t len,
		  const struct client_opts *o)
{
	static char buf[65536];
	char uto[80] = "";
	struct report r;
	long long bytes = o->bytes, first;
	int fd, i, ms = 5000;
	ssize_t n;

	fd = socket(family, SOCK_STREAM, proto);
	if (fd < 0)
		die("socket");
	if (o->msk_user_timeout)
		snprintf(uto, sizeof(uto), " msk_user_timeout=%s",
			 setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &ms, sizeof(ms)) ?
				 strerror(errno) :
				 "ok");
	/* Hang guards, not targets: a busy machine may take this long. */
	for (i = 0; connect(fd, (struct sockaddr *)ss, len); i++) {
		if (errno != ECONNREFUSED || i > 1200)
			die("connect");
		sleep_ms(50); /* the server may still be starting */
	}
	memset(buf, 'x', sizeof(buf));
	/*
	 * Additional subflows come once the first data makes the connection
	 * fully established: the first chunk goes, then the rest waits for
	 * them, so that what they carry does not depend on how soon a busy
	 * machine brought them up.
	 */
	first = bytes < (long long)sizeof(buf) ? bytes : (long long)sizeof(buf);
	send_all(fd, buf, sizeof(buf), first);
	await_subflows(fd, o->want_subflows, &r);
	send_all(fd, buf, sizeof(buf), bytes - first);
	report_of(fd, &r);
	if (o->hold_ms)
		sleep_ms(o->hold_ms);
	shutdown(fd, SHUT_WR);
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	close(fd);
	printf("protocol=%d fallback=%d subflows=%d bytes=%lld reply=%s%s\n", r.protocol,
	       r.fallback, r.subflows, bytes, n > 0 ? buf : "none", uto);
	return 0;
}

int main(int argc, char **argv)
{
	struct client_opts copts = {.bytes = 1, .want_subflows = 1};
	const char *ready = NULL, *role;
	struct sockaddr_storage ss;
	int proto = 0, family;
	socklen_t len;

	if (argc < 2)
		goto usage;
	role = argv[1];
	argv++;
	argc--;
	while (argc > 2 && !strncmp(argv[1], "--", 2)) {
		if (!strcmp(argv[1], "--msk-user-timeout")) {
			copts.msk_user_timeout = 1;
			argv++;
			argc--;
			continue;
		}
		if (!strcmp(argv[1], "--proto"))
			proto = !strcmp(argv[2], "mptcp") ? IPPROTO_MPTCP : 0;
		else if (!strcmp(argv[1], "--ready"))
			ready = argv[2];
		else if (!strcmp(argv[1], "--bytes"))
			copts.bytes = atoll(argv[2]);
		else if (!strcmp(argv[1], "--subflows"))
			copts.want_subflows = atoi(argv[2]);
		else if (!strcmp(argv[1], "--hold"))
			copts.hold_ms = atoi(argv[2]);
		else
			goto usage;
		argv += 2;
		argc -= 2;
	}
	if (argc != 3)
		goto usage;
	family = parse_addr(argv[1], atoi(argv[2]), &ss, &len);
	if (family < 0)
		goto usage;
	alarm(300); /* never hang a test run, however busy the machine */
	if (!strcmp(role, "server"))
		return server(family, proto, &ss, len, ready);
	if (!strcmp(role, "client"))
		return client(family, proto, &ss, len, &copts);
usage:
	fprintf(stderr, "usage: mptcp_conn server|client [--proto tcp|mptcp] [--ready FILE] "
			"[--bytes N] [--subflows N] [--hold MS] [--msk-user-timeout] ADDR PORT\n");
	return 64;
}
