// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "args.h"
#include "core/entries.h"

const struct cmd *args_lookup_cmd(const struct cmd *table, size_t n, const char *word,
				  int *ambiguous)
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

static int usage_error(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int usage_error(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* -j, -p, -v and -h, which every command takes, anywhere. */
static bool common_flag(const char *w, struct cmd_args *a)
{
	if (!strcmp(w, "-j") || !strcmp(w, "--json"))
		a->json = true;
	else if (!strcmp(w, "-p") || !strcmp(w, "--pretty"))
		a->json = a->pretty = true;
	else if (!strcmp(w, "-v") || !strcmp(w, "--verbose"))
		a->verbose = true;
	else if (!strcmp(w, "-h") || !strcmp(w, "--help"))
		a->help = true;
	else
		return false;
	return true;
}

static const struct option_word {
	const char *name;
	enum cmd_opt opt;
	bool takes_value;
} option_words[] = {
	{"--mode", OPT_MODE, true},
	{"--exclude", OPT_EXCLUDE, false},
	{"--config", OPT_CONFIG, true},
	{"--metrics", OPT_METRICS, true},
	{"--pods-dir", OPT_PODS_DIR, true},
	{"--cleanup-on-exit", OPT_CLEANUP, false},
	{"--check", OPT_CHECK, false},
	{"--cgroup-metrics", OPT_CGROUP_METRICS, true},
	{"--on-incompatible", OPT_ON_INCOMPATIBLE, true},
	{"--reload", OPT_RELOAD, false},
	{"--self", OPT_SELF, false},
};

static int set_option(struct cmd_args *a, enum cmd_opt opt, const char *value, char *err,
		      size_t len)
{
	switch (opt) {
	case OPT_MODE:
		if (entries_parse_mode(value, &a->mode) || a->mode == MPTCPIFY_MODE_EXCLUDE)
			return usage_error(err, len, "--mode takes rewrite or audit");
		break;
	case OPT_EXCLUDE:
		break; /* applied once all options are read: it wins over --mode */
	case OPT_CONFIG:
		a->config = value;
		break;
	case OPT_METRICS:
		a->metrics = value;
		break;
	case OPT_PODS_DIR:
		a->pods_dir = value;
		break;
	case OPT_CLEANUP:
		a->cleanup = true;
		break;
	case OPT_CHECK:
		a->check = true;
		break;
	case OPT_RELOAD:
		a->reload = true;
		break;
	case OPT_SELF:
		a->self = true;
		break;
	case OPT_ON_INCOMPATIBLE:
		if (strcmp(value, "exclude") && strcmp(value, "keep"))
			return usage_error(err, len, "--on-incompatible takes exclude or keep");
		a->protect = !strcmp(value, "exclude");
		break;
	case OPT_CGROUP_METRICS:
		if (strcmp(value, "all") && strcmp(value, "off"))
			return usage_error(err, len, "--cgroup-metrics takes all or off");
		a->cgroup_metrics = value;
		break;
	}
	return 0;
}

/*
 * The option at argv[*i], "--name VALUE" or "--name=VALUE"; *i moves past
 * what it used. *excluded is set for --exclude.
 */
static int take_option(const struct cmd *cmd, int argc, char **argv, int *i, struct cmd_args *a,
		       bool *excluded, char *err, size_t len)
{
	const char *w = argv[*i], *eq = strchr(w, '=');
	size_t n = eq ? (size_t)(eq - w) : strlen(w), k;
	const struct option_word *o = NULL;
	const char *value = NULL;

	for (k = 0; k < sizeof(option_words) / sizeof(option_words[0]); k++)
		if (strlen(option_words[k].name) == n && !strncmp(option_words[k].name, w, n))
			o = &option_words[k];
	if (!o || !(cmd->opts & o->opt))
		return usage_error(err, len, "unknown option '%.*s'", (int)n, w);
	if (o->takes_value) {
		if (eq)
			value = eq + 1;
		else if (*i + 1 < argc)
			value = argv[++*i];
		else
			return usage_error(err, len, "a value is missing after '%s'", w);
	} else if (eq) {
		return usage_error(err, len, "'%.*s' takes no value", (int)n, w);
	}
	if (o->opt == OPT_EXCLUDE)
		*excluded = true;
	return set_option(a, o->opt, value, err, len);
}

static int check_positionals(const struct cmd *cmd, int npos, char *err, size_t len)
{
	switch (cmd->pos) {
	case POS_NONE:
		if (npos)
			return usage_error(err, len, "unexpected argument");
		break;
	case POS_CGROUP:
		if (npos != 1)
			return usage_error(err, len,
					   npos ? "expected one CGROUP" : "missing CGROUP");
		break;
	case POS_UNIT:
		if (npos != 1)
			return usage_error(err, len, npos ? "expected one UNIT" : "missing UNIT");
		break;
	case POS_OPT_CGROUP:
		if (npos > 1)
			return usage_error(err, len, "expected at most one CGROUP");
		break;
	case POS_OPT_WORD:
		if (npos > 1)
			return usage_error(err, len, "unexpected argument");
		break;
	case POS_CGROUP_RULES:
		if (npos < 2)
			return usage_error(err, len, npos ? "missing RULE" : "missing CGROUP");
		break;
	case POS_COMMAND:
		if (!npos)
			return usage_error(err, len, "missing the command to run");
		break;
	}
	return 0;
}

/* The words of a command after its name (and subcommand), from argv[i]. */
static int parse_words(const struct cmd *cmd, int i, int argc, char **argv, struct cmd_args *a,
		       char *err, size_t len)
{
	bool options = true, excluded = false;
	char **pos = NULL;
	int npos = 0, rc;
	char *w;

	for (; i < argc; i++) {
		w = argv[i];
		if (options && !strcmp(w, "--")) {
			options = false;
			continue;
		}
		if (options && common_flag(w, a))
			continue;
		/* After CGROUP, a rule may start with '-': "-> mark 1". */
		if (options && w[0] == '-' && w[1] && (cmd->pos != POS_CGROUP_RULES || !npos)) {
			rc = take_option(cmd, argc, argv, &i, a, &excluded, err, len);
			if (rc)
				return rc;
			continue;
		}
		if (cmd->pos == POS_COMMAND) {
			/* CMD's options are its own. */
			a->words = &argv[i];
			a->nwords = argc - i;
			npos = 1;
			break;
		}
		/* Positionals, compacted in place: never ahead of argv[i]. */
		if (!pos)
			pos = &argv[i];
		pos[npos++] = w;
	}
	if (excluded)
		a->mode = MPTCPIFY_MODE_EXCLUDE;
	/* --self names the cgroup: no CGROUP besides. */
	if (a->self && !a->help)
		return npos ? usage_error(err, len, "--self and a CGROUP: give one") : 0;
	if (pos && cmd->pos == POS_OPT_WORD) {
		a->words = pos;
		a->nwords = npos;
	} else if (pos && cmd->pos != POS_NONE) {
		*(cmd->pos == POS_UNIT ? &a->unit : &a->cgroup) = pos[0];
		a->words = pos + 1;
		a->nwords = npos - 1;
	}
	return a->help ? 0 : check_positionals(cmd, npos, err, len);
}

/* Global options, before the command word; returns the word's index. */
static int parse_global(int argc, char **argv, struct cmd_args *a, char *err, size_t len)
{
	int i;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (common_flag(argv[i], a))
			continue;
		if (!strcmp(argv[i], "-V") || !strcmp(argv[i], "--version")) {
			a->version = true;
		} else if (!strncmp(argv[i], "--pin-dir=", 10)) {
			a->pin_dir = argv[i] + 10;
		} else if (!strcmp(argv[i], "--pin-dir")) {
			if (i + 1 >= argc)
				return usage_error(err, len, "--pin-dir needs a directory");
			a->pin_dir = argv[++i];
		} else {
			return usage_error(err, len, "unknown global option '%s'", argv[i]);
		}
	}
	return i;
}

int args_parse(const struct cmd *table, size_t n, int argc, char **argv, struct cmd_args *a,
	       char *err, size_t errlen)
{
	const struct cmd *cmd;
	int i, ambiguous;

	memset(a, 0, sizeof(*a));
	a->mode = MPTCPIFY_MODE_REWRITE;
	i = parse_global(argc, argv, a, err, errlen);
	if (i < 0)
		return i;
	if (i >= argc)
		return a->help || a->version ? 0 : usage_error(err, errlen, "missing command");
	cmd = args_lookup_cmd(table, n, argv[i], &ambiguous);
	if (!cmd)
		return usage_error(err, errlen, "%s command '%s'",
				   ambiguous ? "ambiguous" : "unknown", argv[i]);
	a->cmd = cmd;
	for (i++; cmd->nsubs && i < argc && common_flag(argv[i], a); i++)
		;
	/* `mptcpify CMD help`, as bpftool and ip take it. */
	if (i < argc && !strcmp(argv[i], "help") && strcmp(cmd->name, "help")) {
		a->help = true;
		return 0;
	}
	if (cmd->nsubs && !a->help) {
		if (i >= argc)
			return usage_error(err, errlen, "missing %s command", cmd->name);
		a->cmd = args_lookup_cmd(cmd->subs, cmd->nsubs, argv[i], &ambiguous);
		if (!a->cmd) {
			a->cmd = cmd;
			return usage_error(err, errlen, "%s %s command '%s'",
					   ambiguous ? "ambiguous" : "unknown", cmd->name, argv[i]);
		}
		a->parent = cmd;
		i++;
		if (i < argc && !strcmp(argv[i], "help")) {
			a->help = true;
			return 0;
		}
	}
	return parse_words(a->cmd, i, argc, argv, a, err, errlen);
}

int args_split_rules(int n, char **words, char *buf, size_t len, char **rules, int max)
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
