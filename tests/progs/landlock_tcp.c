// SPDX-License-Identifier: GPL-2.0
/*
 * landlock_tcp: a program that sandboxes itself with Landlock's TCP port
 * rules, as a careful application does, and says whether they held.
 *
 *   landlock_tcp [--proto mptcp] ADDR ALLOWED_PORT DENIED_PORT
 *       restrict itself to connect() only to ALLOWED_PORT, then connect a
 *       plain socket(AF_INET, SOCK_STREAM, 0) (or IPPROTO_MPTCP, as an
 *       application that asks for it) to ADDR:DENIED_PORT; prints
 *       "protocol=P connect=denied" or "protocol=P connect=allowed", or
 *       "landlock=unavailable (...)" where the kernel has no TCP rules
 *
 * Under the rewrite the socket is MPTCP: whether Landlock still applies
 * its TCP rule to it is what this finds out.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <linux/types.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

/*
 * The network part of the Landlock ABI (version 4, Linux 6.7): Debian 12's
 * headers predate it. The UAPI is stable, so it is spelled out here.
 */
struct ruleset_attr {
	__u64 handled_access_fs;
	__u64 handled_access_net;
};

struct net_port_attr {
	__u64 allowed_access;
	__u64 port;
} __attribute__((packed));

#define ACCESS_NET_CONNECT_TCP (1ULL << 1)
#define RULE_NET_PORT 2
#define CREATE_RULESET_VERSION (1U << 0)
#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#define __NR_landlock_add_rule 445
#define __NR_landlock_restrict_self 446
#endif

static int sandbox(int allowed_port)
{
	struct ruleset_attr attr = {.handled_access_net = ACCESS_NET_CONNECT_TCP};
	struct net_port_attr port = {.allowed_access = ACCESS_NET_CONNECT_TCP,
				     .port = allowed_port};
	long abi = syscall(__NR_landlock_create_ruleset, NULL, 0, CREATE_RULESET_VERSION);
	int fd;

	if (abi < 4) {
		printf("landlock=unavailable (%s)\n",
		       abi < 0 ? strerror(errno) : "ABI before 4: no TCP rules");
		return -1;
	}
	fd = syscall(__NR_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (fd < 0 || syscall(__NR_landlock_add_rule, fd, RULE_NET_PORT, &port, 0) ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || syscall(__NR_landlock_restrict_self, fd, 0)) {
		perror("landlock_tcp: landlock");
		exit(1);
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t len = sizeof(int);
	int fd, ask = 0, proto = -1;

	if (argc == 6 && !strcmp(argv[1], "--proto") && !strcmp(argv[2], "mptcp")) {
		ask = IPPROTO_MPTCP;
		argv += 2;
		argc -= 2;
	}
	if (argc != 4 || inet_pton(AF_INET, argv[1], &sin.sin_addr) != 1) {
		fprintf(stderr,
			"usage: landlock_tcp [--proto mptcp] ADDR ALLOWED_PORT DENIED_PORT\n");
		return 64;
	}
	if (sandbox(atoi(argv[2])))
		return 0;
	fd = socket(AF_INET, SOCK_STREAM, ask);
	if (fd < 0) {
		perror("landlock_tcp: socket");
		return 1;
	}
	getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len);
	sin.sin_port = htons(atoi(argv[3]));
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0)
		printf("protocol=%d connect=allowed\n", proto);
	else if (errno == EACCES)
		printf("protocol=%d connect=denied\n", proto);
	else
		printf("protocol=%d connect=%s\n", proto, strerror(errno));
	close(fd);
	return 0;
}
