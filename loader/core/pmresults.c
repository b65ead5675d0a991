// SPDX-License-Identifier: GPL-2.0
/* The pinned map of path-manager results: made, found, checked. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "pinstore.h"
#include "pmresults.h"

const char *pmresult_name(__u32 result)
{
	switch (result) {
	case PMRESULT_APPLIED:
		return "applied";
	case PMRESULT_REFUSED:
		return "refused";
	case PMRESULT_RESTORED:
		return "restored";
	}
	return "unknown";
}

int pmresult_key_cmp(const void *a, const void *b)
{
	const struct pmresult_key *x = a, *y = b;

	if (x->cgid != y->cgid)
		return x->cgid < y->cgid ? -1 : 1;
	if (x->netns != y->netns)
		return x->netns < y->netns ? -1 : 1;
	return 0;
}

static int map_path(const char *pin_dir, char *out)
{
	int n = snprintf(out, PATH_MAX, "%s/maps/%s", pin_dir, PMRESULTS_PIN);

	return n >= PATH_MAX ? -ENAMETOOLONG : 0;
}

/* A map pinned by another build, of another shape, is not read as ours. */
static int checked(int fd)
{
	struct bpf_map_info info = {0};
	__u32 len = sizeof(info);

	if (fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) || info.type != BPF_MAP_TYPE_HASH ||
	    info.key_size != sizeof(struct pmresult_key) ||
	    info.value_size != sizeof(struct pmresult_val)) {
		close(fd);
		return -EPROTO;
	}
	return fd;
}

int pmresults_open(const char *pin_dir)
{
	char path[PATH_MAX];
	int err = map_path(pin_dir, path);

	return err ? err : checked(bpf_obj_get(path));
}

int pmresults_ensure(const char *pin_dir, const char **why)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
	char path[PATH_MAX];
	struct pins p;
	int fd, err;

	fd = pmresults_open(pin_dir);
	if (fd != -ENOENT)
		return fd;
	err = pins_open(&p, pin_dir, PINS_SHARED, why);
	if (err)
		return err;
	map_path(pin_dir, path);
	fd = bpf_map_create(BPF_MAP_TYPE_HASH, PMRESULTS_PIN, sizeof(struct pmresult_key),
			    sizeof(struct pmresult_val), PMRESULTS_MAX, &opts);
	if (fd < 0) {
		fd = -errno;
		*why = "cannot create the path-manager results map";
	} else if (bpf_obj_pin(fd, path)) {
		err = -errno;
		close(fd);
		/* Pinned meanwhile by another: that one. */
		fd = err == -EEXIST ? pmresults_open(pin_dir) : err;
		*why = "cannot pin the path-manager results map";
	}
	pins_close(&p);
	return fd;
}
