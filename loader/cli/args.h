/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The command line, parsed once: global options, the command word (any
 * unique prefix), its subcommand, its options and its positionals, into a
 * struct cmd_args that the command gets. Free of side effects, for tests.
 */
#ifndef MPTCPIFY_ARGS_H
#define MPTCPIFY_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct cmd_args;

/* The options a command takes, beyond -j, -p, -v and -h, which all take. */
enum cmd_opt {
	OPT_MODE = 1 << 0,	      /* --mode rewrite|audit */
	OPT_EXCLUDE = 1 << 1,	      /* --exclude */
	OPT_CONFIG = 1 << 2,	      /* --config FILE */
	OPT_METRICS = 1 << 3,	      /* --metrics ADDR:PORT|off */
	OPT_PODS_DIR = 1 << 4,	      /* --pods-dir DIR */
	OPT_CLEANUP = 1 << 5,	      /* --cleanup-on-exit */
	OPT_CHECK = 1 << 6,	      /* --check */
	OPT_CGROUP_METRICS = 1 << 7,  /* --cgroup-metrics all|off */
	OPT_ON_INCOMPATIBLE = 1 << 8, /* --on-incompatible exclude|keep */
	OPT_RELOAD = 1 << 9,	      /* --reload: ExecReload's */
	OPT_SELF = 1 << 10,	      /* --self: the cgroup mptcpify runs in, for CGROUP */
};

/* The positionals a command takes. */
enum cmd_positionals {
	POS_NONE,
	POS_CGROUP,	  /* CGROUP */
	POS_UNIT,	  /* UNIT, in a->unit: a systemd service's name */
	POS_OPT_CGROUP,	  /* [CGROUP] */
	POS_CGROUP_RULES, /* CGROUP RULE...: words after CGROUP may start with '-' */
	POS_COMMAND,	  /* [--] CMD [ARGS...]: options end at CMD */
	POS_OPT_WORD,	  /* [WORD], in words: help's COMMAND */
};

struct cmd {
	const char *name;
	int (*fn)(const struct cmd_args *a);
	unsigned int opts; /* enum cmd_opt */
	enum cmd_positionals pos;
	const char *usage;	/* what follows the name in a synopsis */
	const char *summary;	/* one line on what it does */
	const struct cmd *subs; /* subcommands, the first word after the name */
	size_t nsubs;
};

struct cmd_args {
	/* Global options; the output flags may also follow the command. */
	bool json, pretty, verbose, help, version;
	const char *pin_dir;

	const struct cmd *cmd;	  /* the command, or the subcommand chosen */
	const struct cmd *parent; /* the command of a subcommand, else NULL */
	const char *cgroup;	  /* CGROUP, as given */
	const char *unit;	  /* UNIT, as given */
	__u32 mode;		  /* --mode or --exclude; rewrite by default */
	char **words;		  /* the rules, CMD ARGS..., or help's WORD */
	int nwords;
	const char *config, *metrics, *pods_dir, *cgroup_metrics;
	bool cleanup, check, reload;
	bool self;    /* --self: a->cgroup is NULL, the caller's own cgroup is meant */
	bool protect; /* --on-incompatible exclude */
};

/*
 * Parse argv into @a (which keeps pointers into argv). Returns 0, or
 * -EINVAL with a one-line usage error in @err; a->cmd is then the command
 * as far as it was found, for the hint.
 */
int args_parse(const struct cmd *table, size_t n, int argc, char **argv, struct cmd_args *a,
	       char *err, size_t errlen);

/*
 * The command @word names or is a prefix of. NULL when none matches or when
 * the prefix is ambiguous (*ambiguous set then).
 */
const struct cmd *args_lookup_cmd(const struct cmd *table, size_t n, const char *word,
				  int *ambiguous);

/*
 * Subflow rules from the words after CGROUP: when every word holds "->",
 * each word is one rule (quoted rules); otherwise the words are joined with
 * spaces and split at ';'. The rules point into @buf. Returns their number,
 * or -E2BIG when more than @max or when @buf is too small.
 */
int args_split_rules(int n, char **words, char *buf, size_t len, char **rules, int max);

#endif
