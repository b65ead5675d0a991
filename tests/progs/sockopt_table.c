// SPDX-License-Identifier: GPL-2.0
/*
 * sockopt_table: a fixed table of setsockopt()/getsockopt() calls, each on
 * a fresh socket, printing exactly what the kernel answered (return value,
 * errno, optlen and the bytes it wrote), one line per call. Run twice, with
 * and without mptcpify, the outputs must be equal byte for byte for a
 * process that no entry covers.
 *
 * The calls are the corners a cgroup sockopt program can change: size
 * queries (optlen 0 or too small), buffers ending at the end of a readable
 * page, optlen past a page, a NULL optval, on TCP, UDP, MPTCP, Unix and
 * netlink sockets. A row marked [short] passes an optlen larger than the
 * readable bytes behind optval; inside a configured cgroup the kernel copies
 * the whole optlen before any setsockopt program, which is a documented
 * difference there (and none outside).
 *
 *   sockopt_table        all rows
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/mman.h>
#include <sys/socket.h>

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif
#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif
#ifndef SOL_MPTCP
#define SOL_MPTCP 284
#endif
#ifndef MPTCP_INFO
#define MPTCP_INFO 1
#endif

enum sock_kind { TCP, TCP6, UDP, MPTCP, UNIX_STREAM, UNIX_DGRAM, NETLINK, KINDS };

static const char *const kind_names[KINDS] = {"tcp",  "tcp6",	   "udp",    "mptcp",
					      "unix", "unixdgram", "netlink"};

/* Where optval points: a roomy buffer, the end of a page, or NULL. */
enum place { ROOMY, PAGE_END, NULLPTR };

struct row {
	enum sock_kind kind;
	bool set;
	int level, optname;
	const char *name;
	int optlen;
	enum place place;
	int readable;	     /* PAGE_END: bytes before the unmapped page */
	bool volatile_value; /* counters and clocks: compare sizes only */
};

#define GET(k, l, o, len)                                \
	{                                                \
		k, false, l, o, #o, len, ROOMY, 0, false \
	}
#define GETV(k, l, o, len)                              \
	{                                               \
		k, false, l, o, #o, len, ROOMY, 0, true \
	}
#define GET_AT(k, l, o, len, rd)                             \
	{                                                    \
		k, false, l, o, #o, len, PAGE_END, rd, false \
	}
#define GET_NULL(k, l, o, len)                             \
	{                                                  \
		k, false, l, o, #o, len, NULLPTR, 0, false \
	}
#define SET(k, l, o, len)                               \
	{                                               \
		k, true, l, o, #o, len, ROOMY, 0, false \
	}
#define SET_AT(k, l, o, len, rd)                            \
	{                                                   \
		k, true, l, o, #o, len, PAGE_END, rd, false \
	}
#define SET_NULL(k, l, o, len)                            \
	{                                                 \
		k, true, l, o, #o, len, NULLPTR, 0, false \
	}

static const struct row rows[] = {
	/* Size queries and small buffers. */
	GET(TCP, SOL_SOCKET, SO_RCVBUF, 4),
	GET(TCP, SOL_SOCKET, SO_RCVBUF, 0),
	GET(TCP, SOL_SOCKET, SO_RCVBUF, 2),
	GET(TCP, SOL_SOCKET, SO_RCVBUF, 8),
	GET(TCP, SOL_SOCKET, SO_TYPE, 4),
	GET(TCP, SOL_SOCKET, SO_ERROR, 4),
	GET(TCP, SOL_TCP, TCP_NODELAY, 4),
	GET(TCP, SOL_TCP, TCP_NODELAY, 1),
	GET(TCP, SOL_TCP, TCP_CONGESTION, 16),
	GET(TCP, SOL_TCP, TCP_CONGESTION, 4),
	GET(TCP, SOL_TCP, TCP_CONGESTION, 0),
	GETV(TCP, SOL_TCP, TCP_INFO, 0),
	GETV(TCP, SOL_TCP, TCP_INFO, 8),
	GETV(TCP, SOL_TCP, TCP_INFO, 512),
	GET(TCP6, SOL_IPV6, IPV6_V6ONLY, 4),
	GET(TCP6, SOL_SOCKET, SO_SNDBUF, 4),
	GET(UDP, SOL_SOCKET, SO_RCVBUF, 4),
	GET(UDP, SOL_IP, IP_TTL, 4),
	GET(UDP, SOL_IP, IP_TTL, 1),
	GET(MPTCP, SOL_SOCKET, SO_RCVBUF, 4),
	GET(MPTCP, SOL_TCP, TCP_NODELAY, 4),
	GET(MPTCP, SOL_TCP, TCP_CONGESTION, 16),
	GETV(MPTCP, SOL_TCP, TCP_INFO, 512),
	GETV(MPTCP, SOL_MPTCP, MPTCP_INFO, 0),
	GETV(MPTCP, SOL_MPTCP, MPTCP_INFO, 256),
	GET(UNIX_STREAM, SOL_SOCKET, SO_PASSCRED, 4),
	GET(UNIX_STREAM, SOL_SOCKET, SO_PEERCRED, 4),
	GET(UNIX_DGRAM, SOL_SOCKET, SO_SNDBUF, 4),
	GET(NETLINK, SOL_NETLINK, NETLINK_LIST_MEMBERSHIPS, 0),
	GET(NETLINK, SOL_NETLINK, NETLINK_LIST_MEMBERSHIPS, 4),
	GET(NETLINK, SOL_NETLINK, NETLINK_LIST_MEMBERSHIPS, 8),
	GET(NETLINK, SOL_NETLINK, NETLINK_PKTINFO, 4),
	GET(NETLINK, SOL_SOCKET, SO_RCVBUF, 4),
	/* Buffers at a page's end and past a page. */
	GET_AT(TCP, SOL_SOCKET, SO_RCVBUF, 4, 4),
	GET_AT(TCP, SOL_SOCKET, SO_RCVBUF, 8, 4),
	GET_AT(NETLINK, SOL_NETLINK, NETLINK_LIST_MEMBERSHIPS, 4, 4),
	GET(TCP, SOL_SOCKET, SO_RCVBUF, 4097),
	GET(TCP, SOL_SOCKET, SO_RCVBUF, 8192),
	GETV(TCP, SOL_TCP, TCP_INFO, 8192),
	GET(TCP, SOL_TCP, TCP_CONGESTION, 5000),
	GET_NULL(TCP, SOL_SOCKET, SO_RCVBUF, 4),
	GET_NULL(NETLINK, SOL_NETLINK, NETLINK_LIST_MEMBERSHIPS, 0),
	/* setsockopt(): sizes, short buffers, NULL. */
	SET(TCP, SOL_SOCKET, SO_KEEPALIVE, 4),
	SET(TCP, SOL_SOCKET, SO_KEEPALIVE, 8),
	SET(TCP, SOL_SOCKET, SO_KEEPALIVE, 2),
	SET(TCP, SOL_SOCKET, SO_KEEPALIVE, 0),
	SET(TCP, SOL_TCP, TCP_NODELAY, 4),
	SET(TCP, SOL_TCP, TCP_NODELAY, 1),
	SET(TCP, SOL_TCP, TCP_CONGESTION, 6),
	SET(TCP, SOL_TCP, TCP_MAXSEG, 4),
	SET(TCP, SOL_SOCKET, SO_RCVBUF, 4100),
	SET(TCP6, SOL_IPV6, IPV6_V6ONLY, 4),
	SET(UDP, SOL_IP, IP_TTL, 4),
	SET(MPTCP, SOL_TCP, TCP_NODELAY, 4),
	SET(MPTCP, SOL_SOCKET, SO_KEEPALIVE, 4),
	SET(MPTCP, SOL_TCP, TCP_MAXSEG, 4),
	SET(UNIX_STREAM, SOL_SOCKET, SO_PASSCRED, 4),
	SET(UNIX_DGRAM, SOL_SOCKET, SO_SNDBUF, 4),
	SET(NETLINK, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, 4),
	SET(NETLINK, SOL_NETLINK, NETLINK_PKTINFO, 4),
	SET_AT(TCP, SOL_SOCKET, SO_KEEPALIVE, 4, 4),
	SET_AT(TCP, SOL_SOCKET, SO_KEEPALIVE, 8, 4),
	SET_AT(UNIX_STREAM, SOL_SOCKET, SO_PASSCRED, 8, 4),
	SET_AT(NETLINK, SOL_NETLINK, NETLINK_PKTINFO, 8, 4),
	SET_NULL(TCP, SOL_SOCKET, SO_KEEPALIVE, 4),
	SET_NULL(TCP, SOL_TCP, TCP_NODELAY, 0),
};

/* A netlink socket in one group, so that it has memberships to list. */
static int netlink_member(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE), group = 1;

	if (fd >= 0 && setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group))) {
		close(fd);
		return -1;
	}
	return fd;
}

static int open_kind(enum sock_kind kind)
{
	switch (kind) {
	case TCP:
		return socket(AF_INET, SOCK_STREAM, 0);
	case TCP6:
		return socket(AF_INET6, SOCK_STREAM, 0);
	case UDP:
		return socket(AF_INET, SOCK_DGRAM, 0);
	case MPTCP:
		return socket(AF_INET, SOCK_STREAM, IPPROTO_MPTCP);
	case UNIX_STREAM:
		return socket(AF_UNIX, SOCK_STREAM, 0);
	case UNIX_DGRAM:
		return socket(AF_UNIX, SOCK_DGRAM, 0);
	case NETLINK:
		return netlink_member();
	default:
		return -1;
	}
}

/* The value a setsockopt() passes: 1 for flags, a name for TCP_CONGESTION. */
static void fill_set_value(const struct row *r, unsigned char *p, int n)
{
	static const char cc[] = "cubic";
	int one = 1, mss = 1200;

	memset(p, 0, n);
	if (r->optname == TCP_CONGESTION && r->level == SOL_TCP)
		memcpy(p, cc, n < (int)sizeof(cc) ? n : (int)sizeof(cc));
	else if (r->optname == TCP_MAXSEG && r->level == SOL_TCP)
		memcpy(p, &mss, n < 4 ? n : 4);
	else if (n >= 4)
		memcpy(p, &one, 4);
	else if (n > 0)
		p[0] = 1;
}

static void print_bytes(const unsigned char *p, int n)
{
	int i;

	for (i = 0; i < n; i++)
		printf("%02x", p[i]);
}

/*
 * One row: @roomy is a zeroed 3-page buffer, @page_end the first byte after
 * a readable page that is followed by an unmapped one.
 */
static void run_row(const struct row *r, unsigned char *roomy, unsigned char *page_end)
{
	unsigned char *val = NULL;
	socklen_t len = r->optlen;
	int fd, ret, err, shown;

	printf("%s %s %s len=%d%s%s: ", kind_names[r->kind], r->set ? "set" : "get", r->name,
	       r->optlen,
	       r->place == PAGE_END ? " at-page-end" :
	       r->place == NULLPTR  ? " null" :
				      "",
	       r->set && r->place == PAGE_END && r->readable < r->optlen ? " [short]" : "");
	fd = open_kind(r->kind);
	if (fd < 0) {
		printf("socket errno=%d\n", errno);
		return;
	}
	if (r->place == ROOMY)
		val = roomy;
	else if (r->place == PAGE_END)
		val = page_end - r->readable;
	if (val) {
		memset(val, 0xa5, r->place == ROOMY ? r->optlen : r->readable);
		if (r->set)
			fill_set_value(r, val, r->place == ROOMY ? r->optlen : r->readable);
	}
	errno = 0;
	if (r->set)
		ret = setsockopt(fd, r->level, r->optname, val, len);
	else
		ret = getsockopt(fd, r->level, r->optname, val, &len);
	err = ret ? errno : 0;
	printf("ret=%d errno=%d", ret, err);
	if (!r->set) {
		printf(" optlen=%u", len);
		shown = (int)len < r->optlen ? (int)len : r->optlen;
		if (r->place == PAGE_END && shown > r->readable)
			shown = r->readable;
		if (val && !r->volatile_value && shown > 0) {
			printf(" value=");
			print_bytes(val, shown);
		}
	}
	printf("\n");
	close(fd);
}

int main(void)
{
	long page = sysconf(_SC_PAGESIZE);
	unsigned char *roomy, *guard;
	size_t i;

	roomy = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	guard = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (roomy == MAP_FAILED || guard == MAP_FAILED || mprotect(guard + page, page, PROT_NONE)) {
		perror("mmap");
		return 1;
	}
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		fflush(stdout);
		run_row(&rows[i], roomy, guard + page);
	}
	return 0;
}
