// SPDX-License-Identifier: GPL-2.0
/*
 * uringsock: which protocol does io_uring's IORING_OP_SOCKET give this process?
 *
 *   uringsock [--async] FAMILY TYPE PROTO
 *       one socket made by an IORING_OP_SOCKET request; prints its SO_PROTOCOL
 *       (6, 262, 17, ...) or "error ERRNO", as sockcheck does for socket().
 *       FAMILY, TYPE and PROTO as sockcheck takes them (sockargs.h).
 *
 * io_uring creates sockets with __sys_socket_file(), not __sys_socket(), so
 * update_socket_protocol(), the hook mptcpify attaches to, never sees them:
 * the VM tests run this to show (and keep showing) what such a socket is.
 *
 * --async sets IOSQE_ASYNC: the request runs in an io-wq worker thread, not
 * inline in io_uring_enter() in this task's context.
 *
 * Where io_uring cannot make the socket at all (no io_uring, disabled by
 * kernel.io_uring_disabled, a kernel before IORING_OP_SOCKET, 5.19) it prints
 * "unsupported ERRNO-NAME: reason" and exits 2, for the test to skip; other
 * errors exit 1. Built statically with liburing for the VM tests.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <liburing.h>
#include "sockargs.h"

/* "unsupported EPERM: reason" on stdout, the errno's name where libc has one. */
static int unsupported(int err, const char *reason)
{
	const char *name = strerrorname_np(err);

	if (name)
		printf("unsupported %s: %s\n", name, reason);
	else
		printf("unsupported %d: %s\n", err, reason);
	return 2;
}

static int setup_failed(int err)
{
	char reason[128];
	FILE *f;
	int disabled = -1;

	if (err == ENOSYS)
		return unsupported(err, "io_uring_setup: kernel without io_uring");
	if (err != EPERM) {
		printf("error %d\n", err);
		return 1;
	}
	f = fopen("/proc/sys/kernel/io_uring_disabled", "r");
	if (f) {
		if (fscanf(f, "%d", &disabled) != 1)
			disabled = -1;
		fclose(f);
	}
	if (disabled > 0)
		snprintf(reason, sizeof(reason),
			 "io_uring_setup: io_uring disabled (kernel.io_uring_disabled=%d)",
			 disabled);
	else
		snprintf(reason, sizeof(reason), "io_uring_setup: not permitted (seccomp, LSM?)");
	return unsupported(err, reason);
}

/*
 * 1 if the kernel knows IORING_OP_SOCKET, 0 if not, -1 if it cannot say
 * (IORING_REGISTER_PROBE came in 5.6, IORING_OP_SOCKET in 5.19).
 */
static int socket_op_supported(struct io_uring *ring)
{
	struct io_uring_probe *probe = io_uring_get_probe_ring(ring);
	int ret;

	if (!probe)
		return -1;
	ret = io_uring_opcode_supported(probe, IORING_OP_SOCKET);
	io_uring_free_probe(probe);
	return ret;
}

static int usage(void)
{
	fprintf(stderr, "usage: uringsock [--async] FAMILY TYPE[,nonblock][,cloexec] PROTO\n");
	return 64;
}

int main(int argc, char **argv)
{
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	struct io_uring ring;
	int async = 0, family, type, proto, known, ret, fd;

	if (argc > 1 && !strcmp(argv[1], "--async")) {
		async = 1;
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

	ret = io_uring_queue_init(1, &ring, 0);
	if (ret < 0)
		return setup_failed(-ret);
	known = socket_op_supported(&ring);
	if (!known) {
		io_uring_queue_exit(&ring);
		return unsupported(EINVAL, "kernel without IORING_OP_SOCKET (5.19+)");
	}

	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_socket(sqe, family, type, proto, 0);
	if (async)
		io_uring_sqe_set_flags(sqe, IOSQE_ASYNC);
	ret = io_uring_submit(&ring);
	if (ret != 1) {
		printf("error %d\n", ret < 0 ? -ret : EIO);
		io_uring_queue_exit(&ring);
		return 1;
	}
	ret = io_uring_wait_cqe(&ring, &cqe);
	if (ret < 0) {
		printf("error %d\n", -ret);
		io_uring_queue_exit(&ring);
		return 1;
	}
	fd = cqe->res;
	io_uring_cqe_seen(&ring, cqe);
	io_uring_queue_exit(&ring);

	/*
	 * Without a probe, EINVAL is how a kernel before 5.19 answers the
	 * unknown opcode; with one that lists it, errors are socket()'s own.
	 */
	if (fd < 0 && known < 0 && (fd == -EINVAL || fd == -EOPNOTSUPP))
		return unsupported(-fd, "IORING_OP_SOCKET refused (kernel before 5.19?)");
	if (fd < 0) {
		printf("error %d\n", -fd);
		return 1;
	}
	printf("%d\n", protocol_of(fd));
	close(fd);
	return 0;
}
