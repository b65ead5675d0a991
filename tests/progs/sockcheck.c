// SPDX-License-Identifier: GPL-2.0
/*
 * sockcheck: which protocol does socket() give this process?
 *
 *   sockcheck [--raw] FAMILY TYPE[,nonblock][,cloexec] PROTO
 *       one socket; prints its SO_PROTOCOL (6, 262, 17, ...) or "error ERRNO"
 *   sockcheck --loop SECONDS FAMILY TYPE PROTO
 *       socket()+close() until SECONDS pass or SIGTERM; prints "tcp=N mptcp=N other=N
 *       errors=N": how many of each the kernel gave
 *   sockcheck --count N FAMILY TYPE PROTO
 *       the same, N socket() calls (or until SIGTERM), however long they take
 *
 * --raw calls syscall(SYS_socket) directly, as a static or Go binary would.
 * Built statically for the VM tests: LD_PRELOAD cannot reach it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <netinet/in.h>
#include "sockargs.h"

static int make_socket(int raw, int family, int type, int proto)
{
	if (raw)
		return (int)syscall(SYS_socket, family, type, proto);
	return socket(family, type, proto);
}

/* SIGTERM ends a loop early, with its tally: podman stop, systemctl stop. */
static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int usage(void)
{
	fprintf(stderr, "usage: sockcheck [--raw] [--loop SECONDS | --count N] "
			"FAMILY TYPE[,nonblock][,cloexec] PROTO\n");
	return 64;
}

int main(int argc, char **argv)
{
	unsigned long tcp = 0, mptcp = 0, other = 0, errors = 0, first_tcp = 0, count = 0;
	int raw = 0, family, type, proto, fd, p;
	double loop = 0, start, end, first_tcp_at = 0;

	while (argc > 1 && argv[1][0] == '-' && argv[1][1] == '-') {
		if (!strcmp(argv[1], "--raw")) {
			raw = 1;
		} else if (!strcmp(argv[1], "--loop") && argc > 2) {
			loop = atof(argv[2]);
			argv++;
			argc--;
		} else if (!strcmp(argv[1], "--count") && argc > 2) {
			count = strtoul(argv[2], NULL, 10);
			argv++;
			argc--;
		} else {
			return usage();
		}
		argv++;
		argc--;
	}
	if (argc != 4)
		return usage();
	family = parse_family(argv[1]);
	type = parse_type(argv[2]);
	proto = atoi(argv[3]);
	if (family < 0 || type < 0)
		return usage();

	if (!loop && !count) {
		fd = make_socket(raw, family, type, proto);
		if (fd < 0) {
			printf("error %d\n", errno);
			return 1;
		}
		printf("%d\n", protocol_of(fd));
		close(fd);
		return 0;
	}
	start = now();
	signal(SIGTERM, on_term);
	for (end = start + loop;
	     !stop && (count ? tcp + mptcp + other + errors < count : now() < end);) {
		fd = make_socket(raw, family, type, proto);
		if (fd < 0) {
			errors++;
			continue;
		}
		p = protocol_of(fd);
		if (p == IPPROTO_TCP) {
			if (!tcp++) {
				first_tcp = tcp + mptcp + other;
				first_tcp_at = now() - start;
			}
		} else if (p == 262)
			mptcp++;
		else
			other++;
		close(fd);
	}
	printf("tcp=%lu mptcp=%lu other=%lu errors=%lu", tcp, mptcp, other, errors);
	/* Mixed: when the first TCP one came tells a start race from a gap. */
	if (tcp && mptcp)
		printf(" first_tcp=#%lu@%.3fs", first_tcp, first_tcp_at);
	printf("\n");
	return 0;
}
