// SPDX-License-Identifier: GPL-2.0
/*
 * emptyhook SECONDS: attach an fmod_ret program that only returns 0 to
 * update_socket_protocol, hold it for SECONDS, detach. make bench compares
 * socket() with it against no program: the floor any fmod_ret program pays
 * (the trampoline), apart from what mptcpify's own instructions cost.
 *
 * On SIGTERM (or after SECONDS) it prints the kernel's "run_cnt=N
 * run_time_ns=N" for it: with kernel.bpf_stats_enabled=1, what measuring a
 * two-instruction program costs, the floor of every program's figure.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <linux/bpf.h>

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	time_t end;
	struct bpf_insn insns[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
		{.code = BPF_JMP | BPF_EXIT},
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_MODIFY_RETURN);
	struct btf *vmlinux;
	int id, prog, link;

	if (argc != 2)
		return fprintf(stderr, "usage: emptyhook SECONDS\n"), 64;
	vmlinux = btf__load_vmlinux_btf();
	id = vmlinux ? btf__find_by_name_kind(vmlinux, "update_socket_protocol", BTF_KIND_FUNC) :
		       -1;
	if (id < 0)
		return fprintf(stderr, "emptyhook: no update_socket_protocol in BTF\n"), 1;
	opts.attach_btf_id = id;
	prog = bpf_prog_load(BPF_PROG_TYPE_TRACING, "emptyhook", "GPL", insns, 2, &opts);
	link = prog < 0 ? prog : bpf_link_create(prog, 0, BPF_MODIFY_RETURN, NULL);
	if (link < 0)
		return perror("emptyhook: load or attach"), 1;
	signal(SIGTERM, on_term);
	printf("attached\n");
	fflush(stdout);
	/* sleep() returns early on the signal; time() bounds the whole wait. */
	for (end = time(NULL) + atoi(argv[1]); !stop && time(NULL) < end;)
		sleep(1);
	if (!bpf_obj_get_info_by_fd(prog, &info, &len))
		printf("run_cnt=%llu run_time_ns=%llu\n", (unsigned long long)info.run_cnt,
		       (unsigned long long)info.run_time_ns);
	btf__free(vmlinux);
	return 0;
}
