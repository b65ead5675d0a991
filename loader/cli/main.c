// SPDX-License-Identifier: GPL-2.0
/* mptcpify: put the TCP sockets of chosen cgroups on Multipath TCP. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "args.h"
#include "cmd.h"
#include "core/output.h"
#include "core/pinstore.h"

static const struct cmd subflow_cmds[] = {
	{"set", cmd_subflow_set, 0, POS_CGROUP_RULES, "CGROUP RULE...",
	 "give the subflows of CGROUP's MPTCP connections socket options"},
	{"show", cmd_subflow_show, 0, POS_OPT_CGROUP, "[CGROUP]",
	 "print subflow profiles and their counters"},
	{"clear", cmd_subflow_clear, 0, POS_CGROUP, "CGROUP", "remove CGROUP's subflow profile"},
};

static const struct cmd pm_cmds[] = {
	{"show", cmd_pm_show, 0, POS_CGROUP, "CGROUP",
	 "print the MPTCP path-manager limits and endpoints of CGROUP's network namespaces"},
};

static const struct cmd commands[] = {
	{"probe", cmd_probe, 0, POS_NONE, "",
	 "tell whether this kernel can rewrite, or only audit"},
	{"attach", cmd_attach, OPT_MODE | OPT_EXCLUDE | OPT_ON_INCOMPATIBLE | OPT_SELF, POS_CGROUP,
	 "CGROUP|--self [--mode rewrite|audit] [--exclude] [--on-incompatible exclude|keep]",
	 "enforce (or audit, or exclude) CGROUP and its descendants"},
	{"detach", cmd_detach, 0, POS_CGROUP, "CGROUP", "remove CGROUP's entry"},
	{"list", cmd_list, 0, POS_NONE, "", "print the entries and the attached programs"},
	{"stats", cmd_stats, 0, POS_OPT_CGROUP, "[CGROUP]", "print the entries' counters"},
	{"subflow", NULL, 0, POS_NONE, "set CGROUP RULE... | show [CGROUP] | clear CGROUP",
	 "per-subflow socket options", subflow_cmds,
	 sizeof(subflow_cmds) / sizeof(subflow_cmds[0])},
	{"pm", NULL, 0, POS_NONE, "show CGROUP",
	 "the MPTCP path manager of a cgroup's network namespaces", pm_cmds,
	 sizeof(pm_cmds) / sizeof(pm_cmds[0])},
	{"run", cmd_run, OPT_MODE | OPT_ON_INCOMPATIBLE, POS_COMMAND,
	 "[--mode rewrite|audit] [--on-incompatible exclude|keep] [--] CMD [ARGS...]",
	 "run CMD in a transient enforced cgroup, like mptcpize run"},
	{"enable", cmd_enable, OPT_MODE | OPT_ON_INCOMPATIBLE, POS_UNIT,
	 "UNIT [--mode rewrite|audit] [--on-incompatible exclude|keep]",
	 "enforce a systemd service at every start, with a drop-in (no daemon)"},
	{"disable", cmd_disable, 0, POS_UNIT, "UNIT",
	 "remove enable's drop-in and the running service's entry"},
	{"daemon", cmd_daemon,
	 OPT_CONFIG | OPT_METRICS | OPT_PODS_DIR | OPT_CLEANUP | OPT_CHECK | OPT_CGROUP_METRICS |
		 OPT_RELOAD,
	 POS_NONE,
	 "[--config FILE] [--metrics ADDR:PORT|unix:PATH|off] [--cgroup-metrics all|off] "
	 "[--pods-dir DIR] [--cleanup-on-exit] [--check] | --reload",
	 "keep the cgroups a configuration selects enforced"},
	{"load", cmd_load, 0, POS_NONE, "", "adopt the pins, upgrade the programs, repair"},
	{"unload", cmd_unload, 0, POS_NONE, "", "remove every program, entry and pin"},
	{"version", cmd_version, 0, POS_NONE, "", "print the version of mptcpify and of libbpf"},
	{"help", NULL, 0, POS_OPT_WORD, "[COMMAND]", "this help, or COMMAND's"},
};

/* What each option does, for a command's help. */
static const struct {
	unsigned int opt;
	const char *words, *text;
} option_help[] = {
	{OPT_MODE, "--mode rewrite|audit",
	 "rewrite (the default) makes TCP sockets MPTCP; audit counts and changes nothing"},
	{OPT_EXCLUDE, "--exclude", "leave the cgroup's sockets alone (below an enforced one)"},
	{OPT_SELF, "--self", "the cgroup mptcpify itself runs in (a unit's ExecStartPre=)"},
	{OPT_ON_INCOMPATIBLE, "--on-incompatible exclude|keep",
	 "exclude: once an MPTCP socket had an option refused, later sockets stay TCP"},
	{OPT_CONFIG, "--config FILE", "the configuration (default /etc/mptcpify/config.yaml)"},
	{OPT_METRICS, "--metrics ADDR:PORT|unix:PATH|off",
	 "where to serve /metrics and /healthz (default 127.0.0.1:9464)"},
	{OPT_CGROUP_METRICS, "--cgroup-metrics all|off",
	 "a series per enforced cgroup too (default all)"},
	{OPT_PODS_DIR, "--pods-dir DIR", "the kubelet's pod logs (default /var/log/pods)"},
	{OPT_CLEANUP, "--cleanup-on-exit", "remove the daemon's entries when it stops"},
	{OPT_CHECK, "--check", "check the configuration, change nothing"},
	{OPT_RELOAD, "--reload",
	 "as the unit's ExecReload: reload the running daemon, return once applied"},
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static int global_help(void)
{
	size_t i;

	printf("Usage: mptcpify [OPTIONS] COMMAND [ARGS]\n"
	       "\n"
	       "Commands (any unique prefix works):\n");
	for (i = 0; i < N_COMMANDS; i++)
		printf("  mptcpify %s%s%s\n", commands[i].name, commands[i].usage[0] ? " " : "",
		       commands[i].usage);
	printf("\n"
	       "CGROUP is a cgroupfs path or a path relative to the cgroup2 mount.\n"
	       "\n"
	       "Options:\n"
	       "  -j, --json         JSON output\n"
	       "  -p, --pretty       pretty-printed JSON output\n"
	       "  -v, --verbose      libbpf's messages and more detail\n"
	       "  --pin-dir DIR      pins under DIR (default %s, or $MPTCPIFY_PIN_DIR)\n"
	       "  -V, --version      print the version\n"
	       "  -h, --help         this help\n",
	       PINSTORE_DEFAULT_DIR);
	return EXIT_OK;
}

/* `mptcpify CMD --help`: the command's synopsis and what it does, on stdout. */
static int command_help(const struct cmd_args *a)
{
	const struct cmd *c = a->cmd;
	size_t i;

	printf("Usage: %s\n\n%s.\n", cmd_usage(a), c->summary);
	for (i = 0; i < c->nsubs; i++)
		printf("\n  mptcpify %s %s %s\n      %s.\n", c->name, c->subs[i].name,
		       c->subs[i].usage, c->subs[i].summary);
	printf("\nOptions:\n");
	for (i = 0; i < sizeof(option_help) / sizeof(option_help[0]); i++)
		if (c->opts & option_help[i].opt)
			printf("  %s\n      %s\n", option_help[i].words, option_help[i].text);
	printf("  -j, -p, -v\n      JSON, pretty JSON, libbpf's messages (see mptcpify --help)\n");
	return EXIT_OK;
}

/* `mptcpify help CMD`. */
static int help_for(const char *word)
{
	struct cmd_args a = {0};
	int ambiguous;

	a.cmd = args_lookup_cmd(commands, N_COMMANDS, word, &ambiguous);
	if (!a.cmd) {
		p_err(0, "see 'mptcpify help'", "%s command '%s'",
		      ambiguous ? "ambiguous" : "unknown", word);
		return EXIT_USAGE;
	}
	return command_help(&a);
}

/* libbpf speaks only when asked to (-v). */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	return verbose ? vfprintf(stderr, fmt, ap) : 0;
}

int main(int argc, char **argv)
{
	struct cmd_args a;
	char err[256];
	int rc;

	rc = args_parse(commands, N_COMMANDS, argc, argv, &a, err, sizeof(err));
	json_output = a.json;
	pretty_output = a.pretty;
	verbose = a.verbose;
	if (rc) {
		p_err(0, cmd_usage(&a), "%s", err);
		return EXIT_USAGE;
	}
	if (a.version)
		return cmd_version(&a);
	if (a.cmd && !strcmp(a.cmd->name, "help") && a.nwords)
		return help_for(a.words[0]);
	if (a.cmd && a.cmd->nsubs && a.help)
		return command_help(&a);
	if (!a.cmd || !a.cmd->fn)
		return global_help();
	if (a.help)
		return command_help(&a);
	if (!a.pin_dir)
		a.pin_dir = pins_default_dir();
	libbpf_set_print(libbpf_print);
	return a.cmd->fn(&a);
}
