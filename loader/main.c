// SPDX-License-Identifier: GPL-2.0
/* mptcpify: put the TCP sockets of chosen cgroups on Multipath TCP. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "cli.h"
#include "commands.h"
#include "output.h"
#include "pins.h"

static int do_help(int argc, char **argv);

static const struct cmd commands[] = {
	{"probe", do_probe, SHAPE_NONE, "probe"},
	{"attach", do_attach, SHAPE_CGROUP_MODE,
	 "attach CGROUP [--mode rewrite|audit] [--exclude]"},
	{"detach", do_detach, SHAPE_CGROUP, "detach CGROUP"},
	{"list", do_list, SHAPE_NONE, "list"},
	{"stats", do_stats, SHAPE_OPT_CGROUP, "stats [CGROUP]"},
	{"subflow", do_subflow, SHAPE_WORDS,
	 "subflow set CGROUP RULE... | subflow show [CGROUP] | subflow clear CGROUP"},
	{"run", do_run, SHAPE_MODE_COMMAND, "run [--mode rewrite|audit] [--] CMD [ARGS...]"},
	{"daemon", do_daemon, SHAPE_WORDS,
	 "daemon [--config FILE] [--metrics ADDR:PORT|off] [--pods-dir DIR] [--cleanup-on-exit] "
	 "[--check]"},
	{"load", do_load, SHAPE_NONE, "load"},
	{"unload", do_unload, SHAPE_NONE, "unload"},
	{"help", do_help, SHAPE_NONE, "help"},
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static int do_help(int argc, char **argv)
{
	size_t i;

	(void)argc;
	(void)argv;
	fprintf(stderr, "Usage: mptcpify [OPTIONS] COMMAND [ARGS]\n"
			"\n"
			"Commands (any unique prefix works):\n");
	for (i = 0; i < N_COMMANDS; i++)
		fprintf(stderr, "  mptcpify %s\n", commands[i].usage);
	fprintf(stderr,
		"\n"
		"CGROUP is a cgroupfs path or a path relative to the cgroup2 mount.\n"
		"\n"
		"Options:\n"
		"  -j, --json         JSON output\n"
		"  -p, --pretty       pretty-printed JSON output\n"
		"  -v, --verbose      libbpf's messages and more detail\n"
		"  --pin-dir DIR      pins under DIR (default %s, or $MPTCPIFY_PIN_DIR)\n"
		"  -V, --version      print the version\n"
		"  -h, --help         this help\n",
		MPTCPIFY_PIN_DIR);
	return EXIT_OK;
}

/* libbpf speaks only when asked to (-v). */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	return verbose ? vfprintf(stderr, fmt, ap) : 0;
}

int main(int argc, char **argv)
{
	const struct cmd *cmd;
	struct global_opts g;
	const char *err = NULL;
	struct cmd_args peek;
	int idx, ambiguous;

	idx = parse_global(argc, argv, &g, &err);
	json_output = g.json;
	pretty_output = g.pretty;
	verbose = g.verbose;
	if (idx < 0) {
		p_err(0, "see 'mptcpify help'", "%s", err);
		return EXIT_USAGE;
	}
	if (g.version) {
		printf("mptcpify %s (libbpf %s)\n", MPTCPIFY_VERSION, libbpf_version_string());
		return EXIT_OK;
	}
	if (g.help)
		return do_help(0, NULL);
	if (idx >= argc) {
		p_err(0, "see 'mptcpify help'", "missing command");
		return EXIT_USAGE;
	}
	cmd = cmd_lookup(commands, N_COMMANDS, argv[idx], &ambiguous);
	if (!cmd) {
		p_err(0, "see 'mptcpify help'", "%s command '%s'",
		      ambiguous ? "ambiguous" : "unknown", argv[idx]);
		return EXIT_USAGE;
	}
	/* -j/-p/-v after the command word count too; the command re-parses. */
	if (!parse_cmd_args(argc - idx, argv + idx, cmd->shape, &peek, &err)) {
		json_output |= peek.json;
		pretty_output |= peek.pretty;
		verbose |= peek.verbose;
	}
	pin_dir = g.pin_dir ? g.pin_dir : pins_default_dir();
	libbpf_set_print(libbpf_print);
	return cmd->fn(argc - idx, argv + idx);
}
