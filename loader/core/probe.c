// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "cgroup.h"
#include "kconst.h"
#include "probe.h"
#include "probe.skel.h"

const char *probe_support_name(enum probe_support v)
{
	switch (v) {
	case SUPPORT_REWRITE:
		return "rewrite";
	case SUPPORT_AUDIT_ONLY:
		return "audit only";
	default:
		return "unsupported";
	}
}

/*
 * The kernel's BTF is parsed when a question needs it (it takes a while) and
 * kept until probe_release(): some 5 MB a daemon would carry for its
 * whole life. What it was asked stays, a few names: the answers, and the
 * MPTCP MIB's names, which a scrape asks for again and again. All under one
 * lock: the daemon's server names fallback reasons.
 */
static pthread_mutex_t btf_lock = PTHREAD_MUTEX_INITIALIZER;
static struct btf *vmlinux_btf;
static bool btf_tried; /* loaded once, or failed: the MIB names are known */

struct fn_answer {
	struct fn_answer *next;
	bool found;
	char name[];
};
static struct fn_answer *fn_answers;

struct mib_name {
	__u32 val;
	char name[48];
};
static struct mib_name *mib_names;
static size_t nmib_names;

/* The MIB's names, kept: "dssfallback" for MPTCP_MIB_DSSFALLBACK. */
static void keep_mib_names(const struct btf *btf)
{
	const struct btf_type *t;
	const struct btf_enum *e;
	const char *name;
	size_t i, n;
	int id;

	id = btf__find_by_name_kind(btf, "linux_mptcp_mib_field", BTF_KIND_ENUM);
	t = id > 0 ? btf__type_by_id(btf, id) : NULL;
	mib_names = t ? calloc(btf_vlen(t) + 1, sizeof(*mib_names)) : NULL;
	for (i = 0, e = mib_names ? btf_enum(t) : NULL; e && i < btf_vlen(t); i++, e++) {
		name = btf__name_by_offset(btf, e->name_off);
		if (!strncmp(name, "MPTCP_MIB_", 10))
			name += 10;
		mib_names[i].val = (__u32)e->val;
		for (n = 0; name[n] && n + 1 < sizeof(mib_names[i].name); n++)
			mib_names[i].name[n] = (char)tolower((unsigned char)name[n]);
		nmib_names = i + 1;
	}
}

/* Under btf_lock: the BTF, parsed if it is not (again, after a release). */
static const struct btf *kernel_btf(void)
{
	if (!vmlinux_btf) {
		vmlinux_btf = btf__load_vmlinux_btf();
		if (libbpf_get_error(vmlinux_btf))
			vmlinux_btf = NULL;
		if (vmlinux_btf && !btf_tried)
			keep_mib_names(vmlinux_btf);
		btf_tried = true;
	}
	return vmlinux_btf;
}

void probe_release(bool trim_heap)
{
	pthread_mutex_lock(&btf_lock);
	btf__free(vmlinux_btf);
	vmlinux_btf = NULL;
	pthread_mutex_unlock(&btf_lock);
	if (trim_heap)
		malloc_trim(0);
}

bool probe_has_function(const char *name)
{
	const struct btf *btf;
	struct fn_answer *a;
	bool found;

	pthread_mutex_lock(&btf_lock);
	for (a = fn_answers; a && strcmp(a->name, name); a = a->next)
		;
	if (a) {
		found = a->found;
		goto out;
	}
	btf = kernel_btf();
	found = btf && btf__find_by_name_kind(btf, name, BTF_KIND_FUNC) > 0;
	/* Not kept without BTF: another try may find it. */
	a = btf ? malloc(sizeof(*a) + strlen(name) + 1) : NULL;
	if (a) {
		a->found = found;
		strcpy(a->name, name);
		a->next = fn_answers;
		fn_answers = a;
	}
out:
	pthread_mutex_unlock(&btf_lock);
	return found;
}

static bool hook_in_btf(void)
{
	return probe_has_function("update_socket_protocol");
}

const char *probe_mib_name(__u32 mib, char *buf, size_t len)
{
	size_t i;

	pthread_mutex_lock(&btf_lock);
	/* The names are all it needs of the BTF: not kept for them. */
	if (!btf_tried && kernel_btf()) {
		btf__free(vmlinux_btf);
		vmlinux_btf = NULL;
	}
	for (i = 0; i < nmib_names && mib_names[i].val != mib; i++)
		;
	if (i < nmib_names)
		snprintf(buf, len, "%s", mib_names[i].name);
	else
		snprintf(buf, len, "mib%u", mib);
	pthread_mutex_unlock(&btf_lock);
	return buf;
}

int probe_rewrite(const char **reason, bool attach)
{
	struct probe_bpf *skel;
	int err;

	if (access("/proc/sys/net/mptcp", F_OK)) {
		*reason = "MPTCP is not compiled into this kernel (no /proc/sys/net/mptcp)";
		return -EPROTONOSUPPORT;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		*reason = "the kernel has no BTF (CONFIG_DEBUG_INFO_BTF)";
		return -ENOENT;
	}
	if (!hook_in_btf()) {
		*reason = "kernel older than 6.6: no update_socket_protocol hook";
		return -ENOENT;
	}
	skel = probe_bpf__open();
	if (!skel) {
		*reason = "cannot open the trial BPF object";
		return -errno;
	}
	err = probe_bpf__load(skel);
	if (err) {
		/* Refused before verification, with an empty log. */
		*reason = err == -EPERM ? "this kernel refuses trampoline (fmod_ret) programs" :
					  "the kernel refused an fmod_ret program";
		goto out;
	}
	if (!attach)
		goto out;
	err = probe_bpf__attach(skel);
	if (err)
		*reason = "the kernel refused to attach an fmod_ret program";
out:
	probe_bpf__destroy(skel);
	return err;
}

bool probe_mptcp_ipv6(void)
{
	int fd = socket(AF_INET6, SOCK_STREAM, IPPROTO_MPTCP);

	if (fd >= 0) {
		close(fd);
		return true;
	}
	/* ENOPROTOOPT: MPTCP is there, only switched off in our namespace. */
	return errno != EPROTONOSUPPORT && errno != EAFNOSUPPORT;
}

static int read_int_file(const char *path)
{
	FILE *f = fopen(path, "re");
	int v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static bool kallsyms_has(const char *sym)
{
	char line[512], name[256];
	bool found = false;
	FILE *f = fopen("/proc/kallsyms", "re");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%*s %*s %255s", name) == 1 && !strcmp(name, sym);
	fclose(f);
	return found;
}

void probe_run(struct probe_result *r, const char *pins_parent)
{
	const char *reason = "";
	struct utsname u;
	struct statfs sfs;
	struct stat st;

	memset(r, 0, sizeof(*r));
	if (!uname(&u))
		snprintf(r->kernel, sizeof(r->kernel), "%s", u.release);
	r->btf = access("/sys/kernel/btf/vmlinux", R_OK) == 0;
	r->mptcp_compiled = access("/proc/sys/net/mptcp", F_OK) == 0;
	r->mptcp_enabled = read_int_file("/proc/sys/net/mptcp/enabled");
	r->netns_switch = kallsyms_has("mptcp_pernet_id");
	if (cgroup_mount(r->cgroup2, sizeof(r->cgroup2)))
		r->cgroup2[0] = '\0';
	/* Not mounted counts too: attach mounts it at /sys/fs/bpf. */
	r->bpffs = (!statfs("/sys/fs/bpf", &sfs) && sfs.f_type == BPF_FS_MAGIC) ||
		   access("/sys/fs/bpf", F_OK) == 0;
	r->bpffs_mode = !statfs(pins_parent, &sfs) && sfs.f_type == BPF_FS_MAGIC &&
					!stat(pins_parent, &st) ?
				(int)(st.st_mode & 07777) :
				-1;
	r->cgroup_bpf = libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_CGROUP_SOCK, NULL) == 1;
	r->hook = r->btf && hook_in_btf();
	r->rewrite_err = r->btf ? probe_rewrite(&reason, true) : -ENOENT;

	if (!r->btf)
		reason = "the kernel has no BTF (CONFIG_DEBUG_INFO_BTF)";
	if (!r->rewrite_err && r->cgroup2[0] && r->bpffs) {
		r->support = SUPPORT_REWRITE;
	} else if (r->cgroup_bpf && r->cgroup2[0] && r->bpffs) {
		r->support = SUPPORT_AUDIT_ONLY;
	} else {
		r->support = SUPPORT_NONE;
		if (!r->cgroup2[0])
			reason = "cgroup v2 is not mounted";
		else if (!r->bpffs)
			reason = "no bpffs at /sys/fs/bpf";
		else if (!r->cgroup_bpf)
			reason = "cgroup BPF programs cannot be loaded (root? CONFIG_CGROUP_BPF?)";
	}
	if (r->support != SUPPORT_REWRITE)
		snprintf(r->reason, sizeof(r->reason), "%s", reason);
}

#define CC_PATH "/proc/sys/net/ipv4/tcp_available_congestion_control"

int probe_available_cc(char *buf, size_t len)
{
	FILE *f = fopen(CC_PATH, "re");
	size_t n;
	int ret;

	if (!f)
		return -errno;
	/* Read into all of @buf: filling it means the list did not fit. */
	n = len ? fread(buf, 1, len, f) : 0;
	ret = ferror(f) ? -EIO : n == len ? -ENOSPC : 0;
	fclose(f);
	while (!ret && n && isspace((unsigned char)buf[n - 1]))
		n--;
	if (!ret)
		buf[n] = '\0';
	return ret;
}
