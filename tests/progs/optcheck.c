// SPDX-License-Identifier: GPL-2.0
/*
 * optcheck: an application that sets socket options, as real ones do, and
 * says what the kernel answered.
 *
 *   optcheck [--proto tcp|mptcp] [--get] OPTION...
 *       for each OPTION (a name below), a fresh stream socket and one
 *       setsockopt() (or getsockopt() with --get); prints OPTION=ok or
 *       OPTION=<errno text>, one line each
 *   optcheck [--proto tcp|mptcp] --oob ADDR PORT
 *       connect, send one byte with MSG_OOB and one without; prints the
 *       protocol and "oob=ok" or the error
 *
 * --proto tcp (the default) is socket(AF_INET, SOCK_STREAM, 0), which the
 * rewrite may turn into MPTCP; the line "protocol=P" says which it became.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#define OPT(level, name)           \
	{                          \
		level, name, #name \
	}
static const struct {
	int level, optname;
	const char *name;
} options[] = {
	OPT(SOL_TCP, TCP_MD5SIG),      OPT(SOL_TCP, TCP_USER_TIMEOUT),
	OPT(SOL_TCP, TCP_QUICKACK),    OPT(SOL_TCP, TCP_WINDOW_CLAMP),
	OPT(SOL_TCP, TCP_REPAIR),      OPT(SOL_TCP, TCP_ULP),
	OPT(SOL_TCP, TCP_SYNCNT),      OPT(SOL_TCP, TCP_LINGER2),
	OPT(SOL_TCP, TCP_NODELAY),     OPT(SOL_TCP, TCP_MAXSEG),
	OPT(SOL_TCP, TCP_INFO),	       OPT(SOL_SOCKET, SO_ZEROCOPY),
	OPT(SOL_SOCKET, SO_TXTIME),    OPT(SOL_SOCKET, SO_MAX_PACING_RATE),
	OPT(SOL_SOCKET, SO_KEEPALIVE), OPT(SOL_SOCKET, SO_PEEK_OFF),
	OPT(SOL_IP, IP_TTL),	       OPT(SOL_IP, IP_RECVERR),
	OPT(SOL_IP, IP_MTU_DISCOVER),  OPT(SOL_IP, IP_PKTINFO),
	OPT(SOL_IP, IP_TOS),
};

static int proto;

static int open_stream(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, proto);

	if (fd < 0) {
		perror("optcheck: socket");
		exit(1);
	}
	return fd;
}

static void print_protocol(int fd)
{
	socklen_t len = sizeof(int);
	int p = -1;

	getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &p, &len);
	printf("protocol=%d\n", p);
}

static int try_option(const char *name, int get)
{
	/* "tls" for TCP_ULP, 1 for the int options: a value each would take. */
	char value[256] = "tls";
	socklen_t len = sizeof(value);
	int i, fd, rc, one = 1;

	for (i = 0; i < (int)(sizeof(options) / sizeof(options[0])); i++)
		if (!strcmp(options[i].name, name))
			break;
	if (i == (int)(sizeof(options) / sizeof(options[0]))) {
		fprintf(stderr, "optcheck: unknown option %s\n", name);
		return 1;
	}
	fd = open_stream();
	if (get)
		rc = getsockopt(fd, options[i].level, options[i].optname, value, &len);
	else if (options[i].optname == TCP_ULP && options[i].level == SOL_TCP)
		rc = setsockopt(fd, SOL_TCP, TCP_ULP, value, 3);
	else
		rc = setsockopt(fd, options[i].level, options[i].optname, &one, sizeof(one));
	printf("%s=%s\n", name, rc ? strerror(errno) : "ok");
	close(fd);
	return 0;
}

static int send_oob(const char *addr, const char *port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(atoi(port))};
	int fd = open_stream();

	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1 ||
	    connect(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		perror("optcheck: connect");
		return 1;
	}
	print_protocol(fd);
	if (send(fd, "!", 1, MSG_OOB) != 1)
		printf("oob=%s\n", strerror(errno));
	else
		printf("oob=ok\n");
	send(fd, "x", 1, 0);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	int i = 1, get = 0, rc = 0, fd;

	for (; i < argc && !strncmp(argv[i], "--", 2); i++) {
		if (!strcmp(argv[i], "--proto") && i + 1 < argc)
			proto = !strcmp(argv[++i], "mptcp") ? IPPROTO_MPTCP : 0;
		else if (!strcmp(argv[i], "--get"))
			get = 1;
		else if (!strcmp(argv[i], "--oob") && i + 2 < argc)
			return send_oob(argv[i + 1], argv[i + 2]);
		else
			break;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: optcheck [--proto tcp|mptcp] [--get] OPTION...\n"
				"       optcheck [--proto tcp|mptcp] --oob ADDR PORT\n");
		return 64;
	}
	fd = open_stream();
	print_protocol(fd);
	close(fd);
	for (; i < argc; i++)
		rc |= try_option(argv[i], get);
	return rc;
}
