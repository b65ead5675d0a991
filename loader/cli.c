// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <string.h>
#include "cli.h"
#include "mptcpify.h"

const struct cmd *cmd_lookup(const struct cmd *table, size_t n, const char *word, int *ambiguous)
{
	const struct cmd *found = NULL;
	size_t i, len = strlen(word);

	*ambiguous = 0;
	if (!len)
		return NULL;
	for (i = 0; i < n; i++) {
		if (!strcmp(table[i].name, word))
			return &table[i];
		if (!strncmp(table[i].name, word, len)) {
			if (found)
				*ambiguous = 1;
			found = &table[i];
		}
	}
	return *ambiguous ? NULL : found;
}

static const char *const mode_names[] = {
	[MPTCPIFY_MODE_NONE] = "none",
	[MPTCPIFY_MODE_REWRITE] = "rewrite",
	[MPTCPIFY_MODE_AUDIT] = "audit",
	[MPTCPIFY_MODE_EXCLUDE] = "exclude",
};

const char *mode_name(__u32 mode)
{
	return mode <= MPTCPIFY_MODE_EXCLUDE ? mode_names[mode] : "unknown";
}

int parse_mode(const char *s, __u32 *mode)
{
	size_t len = s ? strlen(s) : 0;
	__u32 m;

	for (m = MPTCPIFY_MODE_REWRITE; len && m <= MPTCPIFY_MODE_EXCLUDE; m++) {
		if (!strncmp(mode_names[m], s, len)) {
			*mode = m;
			return 0;
		}
	}
	return -EINVAL;
}

enum { OPT_PIN_DIR = 256, OPT_MODE, OPT_EXCLUDE };

int parse_global(int argc, char **argv, struct global_opts *g, const char **err)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"pretty", no_argument, NULL, 'p'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{"pin-dir", required_argument, NULL, OPT_PIN_DIR},
		{},
	};
	int c;

	memset(g, 0, sizeof(*g));
	optind = 0; /* full reset: tests call this more than once */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+jpvhV", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			g->json = 1;
			break;
		case 'p':
			g->json = g->pretty = 1;
			break;
		case 'v':
			g->verbose = 1;
			break;
		case 'h':
			g->help = 1;
			break;
		case 'V':
			g->version = 1;
			break;
		case OPT_PIN_DIR:
			g->pin_dir = optarg;
			break;
		default:
			*err = optopt == OPT_PIN_DIR ? "--pin-dir needs a directory" :
						       "unknown global option";
			return -1;
		}
	}
	return optind;
}

int parse_cmd_args(int argc, char **argv, enum cmd_shape shape, struct cmd_args *a,
		   const char **err)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"pretty", no_argument, NULL, 'p'},
		{"verbose", no_argument, NULL, 'v'},
		{"mode", required_argument, NULL, OPT_MODE},
		{"exclude", no_argument, NULL, OPT_EXCLUDE},
		{},
	};
	bool takes_mode = shape == SHAPE_CGROUP_MODE || shape == SHAPE_MODE_COMMAND;
	/* run stops at the command so that its own options stay its own. */
	const char *shortopts = shape == SHAPE_MODE_COMMAND ? "+jpv" : "jpv";
	int c, exclude = 0, npos;

	memset(a, 0, sizeof(*a));
	a->mode = MPTCPIFY_MODE_REWRITE;
	if (shape == SHAPE_WORDS) {
		take_output_flags(argc, argv, a);
		return 0;
	}
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			a->json = 1;
			break;
		case 'p':
			a->json = a->pretty = 1;
			break;
		case 'v':
			a->verbose = 1;
			break;
		case OPT_MODE:
			if (!takes_mode) {
				*err = "this command takes no --mode";
				return -EINVAL;
			}
			if (parse_mode(optarg, &a->mode) || a->mode == MPTCPIFY_MODE_EXCLUDE) {
				*err = "--mode takes rewrite or audit";
				return -EINVAL;
			}
			break;
		case OPT_EXCLUDE:
			if (shape != SHAPE_CGROUP_MODE) {
				*err = "this command takes no --exclude";
				return -EINVAL;
			}
			exclude = 1;
			break;
		case '?':
		default:
			*err = optopt == OPT_MODE ? "--mode needs rewrite or audit" :
						    "unknown option";
			return -EINVAL;
		}
	}
	if (exclude)
		a->mode = MPTCPIFY_MODE_EXCLUDE;

	npos = argc - optind;
	switch (shape) {
	case SHAPE_NONE:
		if (npos) {
			*err = "unexpected argument";
			return -EINVAL;
		}
		break;
	case SHAPE_CGROUP:
	case SHAPE_CGROUP_MODE:
		if (npos != 1) {
			*err = npos ? "expected one CGROUP" : "missing CGROUP";
			return -EINVAL;
		}
		a->cgroup = argv[optind];
		break;
	case SHAPE_OPT_CGROUP:
		if (npos > 1) {
			*err = "expected at most one CGROUP";
			return -EINVAL;
		}
		a->cgroup = npos ? argv[optind] : NULL;
		break;
	case SHAPE_WORDS:
		break;
	case SHAPE_MODE_COMMAND:
		if (!npos) {
			*err = "missing the command to run";
			return -EINVAL;
		}
		a->command = &argv[optind];
		break;
	}
	return 0;
}

int take_output_flags(int argc, char **argv, struct cmd_args *a)
{
	int i, out = 0;

	/* argv may have been through here already: stop at its new end. */
	for (i = 0; i < argc && argv[i]; i++) {
		const char *w = argv[i];

		if (!strcmp(w, "-j") || !strcmp(w, "--json")) {
			a->json = 1;
		} else if (!strcmp(w, "-p") || !strcmp(w, "--pretty")) {
			a->json = a->pretty = 1;
		} else if (!strcmp(w, "-v") || !strcmp(w, "--verbose")) {
			a->verbose = 1;
		} else {
			argv[out++] = argv[i];
			continue;
		}
	}
	argv[out] = NULL;
	return out;
}

int split_rules(int n, char **words, char *buf, size_t len, char **rules, int max)
{
	size_t used = 0, wlen;
	int i, count = 0, all_arrows = n > 0;
	char *save = NULL, *tok;

	for (i = 0; i < n; i++)
		all_arrows &= strstr(words[i], "->") != NULL;
	if (all_arrows) {
		if (n > max)
			return -E2BIG;
		for (i = 0; i < n; i++)
			rules[i] = words[i];
		return n;
	}
	for (i = 0; i < n; i++) {
		wlen = strlen(words[i]);
		if (used + wlen + 2 > len)
			return -E2BIG;
		memcpy(buf + used, words[i], wlen);
		used += wlen;
		buf[used++] = ' ';
	}
	buf[used] = '\0';
	for (tok = strtok_r(buf, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
		if (strspn(tok, " \t") == strlen(tok))
			continue; /* "a ; ; b" or a trailing ';' */
		if (count == max)
			return -E2BIG;
		rules[count++] = tok;
	}
	return count;
}
