// SPDX-License-Identifier: GPL-2.0
/*
 * linkpin PROG_PIN CGROUP_DIR sock_create|sockops|setsockopt|getsockopt LINK_PIN:
 * attach the pinned program to the cgroup with a link, and pin the link.
 * The host tests make the pins of older builds with it: one link per cgroup
 * program at the cgroup2 root, pinned as links/<program>.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

static const struct {
	const char *name;
	enum bpf_attach_type type;
} types[] = {
	{"sock_create", BPF_CGROUP_INET_SOCK_CREATE},
	{"sockops", BPF_CGROUP_SOCK_OPS},
	{"setsockopt", BPF_CGROUP_SETSOCKOPT},
	{"getsockopt", BPF_CGROUP_GETSOCKOPT},
};

int main(int argc, char **argv)
{
	int prog_fd = -1, cg_fd = -1, link_fd = -1, rc = 1;
	size_t i;

	if (argc != 5) {
		fprintf(stderr, "usage: linkpin PROG_PIN CGROUP_DIR TYPE LINK_PIN\n");
		return 64;
	}
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(argv[3], types[i].name))
			break;
	if (i == sizeof(types) / sizeof(types[0])) {
		fprintf(stderr, "linkpin: unknown type '%s'\n", argv[3]);
		return 64;
	}
	prog_fd = bpf_obj_get(argv[1]);
	cg_fd = open(argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (prog_fd < 0 || cg_fd < 0)
		goto cleanup;
	link_fd = bpf_link_create(prog_fd, cg_fd, types[i].type, NULL);
	if (link_fd < 0 || bpf_obj_pin(link_fd, argv[4]))
		goto cleanup;
	rc = 0;
cleanup:
	if (rc)
		fprintf(stderr, "linkpin: %s\n", strerror(errno));
	if (link_fd >= 0)
		close(link_fd);
	if (cg_fd >= 0)
		close(cg_fd);
	if (prog_fd >= 0)
		close(prog_fd);
	return rc;
}
