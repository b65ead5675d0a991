/* SPDX-License-Identifier: GPL-2.0 */
/* Command lookup and argument parsing, kept free of side effects for tests. */
#ifndef MPTCPIFY_CLI_H
#define MPTCPIFY_CLI_H

#include <stddef.h>
#include <linux/types.h>

/*
 * The command @word names or is a prefix of. NULL when none matches or when
 * the prefix is ambiguous (*ambiguous set then).
 */
const struct cmd *cmd_lookup(const struct cmd *table, size_t n, const char *word, int *ambiguous);

/* "rewrite", "audit" or "exclude" (prefixes too) to a mode; -EINVAL else. */
int parse_mode(const char *s, __u32 *mode);
const char *mode_name(__u32 mode);

/* Global options: -j, -p, -v, -h, -V, --pin-dir DIR. */
struct global_opts {
	int json;
	int pretty;
	int verbose;
	int help;
	int version;
	const char *pin_dir;
};

/*
 * Parse the global options at the front of argv. Returns the index of the
 * command word, or -1 with *err set on a usage error.
 */
int parse_global(int argc, char **argv, struct global_opts *g, const char **err);

/* A command's own arguments; argv[0] is the command word. */
struct cmd_args {
	const char *cgroup; /* CGROUP positional, if the command takes one */
	__u32 mode;	    /* --mode / --exclude, default rewrite */
	char **command;	    /* run: what to exec, NULL-terminated */
	int json;	    /* -j/-p/-v may also follow the command */
	int pretty;
	int verbose;
};

/* Arity of a command's positionals. */
enum cmd_shape {
	SHAPE_NONE,	    /* probe, list, unload, load */
	SHAPE_CGROUP,	    /* detach CGROUP */
	SHAPE_CGROUP_MODE,  /* attach CGROUP [--mode M] [--exclude] */
	SHAPE_OPT_CGROUP,   /* stats [CGROUP] */
	SHAPE_MODE_COMMAND, /* run [--mode M] [--] CMD ARGS... */
	SHAPE_WORDS,	    /* subflow ...: words the command parses itself */
};

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	enum cmd_shape shape;
	const char *usage;
};

/* Parse a command's arguments; 0, or -EINVAL with *err for a usage error. */
int parse_cmd_args(int argc, char **argv, enum cmd_shape shape, struct cmd_args *a,
		   const char **err);

/*
 * Remove the output flags (-j, --json, -p, --pretty, -v, --verbose) given as
 * whole words, setting them in @a; returns the new argc. For commands whose
 * arguments may start with '-' (a rule "-> mark 1") and so cannot go
 * through getopt.
 */
int take_output_flags(int argc, char **argv, struct cmd_args *a);

/*
 * Subflow rules from the words after CGROUP: when every word holds "->",
 * each word is one rule (quoted rules); otherwise the words are joined with
 * spaces and split at ';'. The rules point into @buf. Returns their number,
 * or -E2BIG when more than @max or when @buf is too small.
 */
int split_rules(int n, char **words, char *buf, size_t len, char **rules, int max);

#endif
