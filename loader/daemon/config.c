// SPDX-License-Identifier: GPL-2.0
/* The daemon's configuration: a YAML tree (yamltree.c) walked into struct config. */
#define _GNU_SOURCE /* hsearch_r */
#include <ctype.h>
#include <errno.h>
#include <search.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "kube.h"
#include "pmconfig.h"
#include "textfile.h"
#include "yamltree.h"
#include "core/entries.h"
#include "core/rules.h"

/* Longest config file read: a ConfigMap holds at most 1 MiB. */
#define CONFIG_MAX_BYTES (1 << 20)

struct parse {
	struct yamltree_diag diag;
	const char *available_cc;
	/* The selectors' names so far: 8,000 compared pairwise took seconds. */
	struct hsearch_data names;
};

/* A scalar copied into @out, or an error naming @what. */
static int copy_scalar(struct parse *ps, const struct ynode *node, const char *what, char *out,
		       size_t len)
{
	const char *s = yamltree_scalar(node);

	if (!s)
		return yamltree_fail(&ps->diag, node, "%s must be a string", what);
	if (!*s)
		return yamltree_fail(&ps->diag, node, "%s must not be empty", what);
	if (strlen(s) >= len)
		return yamltree_fail(&ps->diag, node, "%s is longer than %zu characters", what,
				     len - 1);
	strcpy(out, s);
	return 0;
}

/* @map must be a mapping, else the error says @what it should be. */
static int mapping(struct parse *ps, const struct ynode *map, const char *what)
{
	return map->type == YNODE_MAPPING ? 0 : yamltree_fail(&ps->diag, map, "%s", what);
}

static int parse_resync(struct parse *ps, const struct ynode *node, struct config *c)
{
	const char *s = yamltree_scalar(node);
	unsigned long v;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return yamltree_fail(&ps->diag, node, "resync must be a number of seconds");
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*end == 's' && end[1] == '\0')
		end++;
	if (*end || errno || v < 1 || v > 86400)
		return yamltree_fail(&ps->diag, node, "resync must be 1 to 86400 seconds, not '%s'",
				     s);
	c->resync_s = v;
	return 0;
}

static const char *const cgroup_metrics_names[] = {"all", "pods", "off"};

int config_cgroup_metrics_parse(const char *s, enum cgroup_metrics *out)
{
	size_t i;

	for (i = 0; i < sizeof(cgroup_metrics_names) / sizeof(cgroup_metrics_names[0]); i++) {
		if (!strcmp(s, cgroup_metrics_names[i])) {
			*out = (enum cgroup_metrics)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *config_cgroup_metrics_name(enum cgroup_metrics m)
{
	return (size_t)m < sizeof(cgroup_metrics_names) / sizeof(cgroup_metrics_names[0]) ?
		       cgroup_metrics_names[m] :
		       "unknown";
}

static int parse_cgroup_metrics(struct parse *ps, const struct ynode *node, struct config *c)
{
	const char *s = yamltree_scalar(node);

	if (!s || config_cgroup_metrics_parse(s, &c->cgroup_metrics))
		return yamltree_fail(&ps->diag, node, "cgroup-metrics must be all, pods or off");
	return 0;
}

static int find_profile(const struct config *c, const char *name)
{
	int i;

	for (i = 0; i < c->nprofiles; i++)
		if (!strcmp(c->profiles[i].name, name))
			return i;
	return -1;
}

static int parse_profiles(struct parse *ps, const struct ynode *map, struct config *c)
{
	char *texts[MPTCPIFY_MAX_RULES], rule_err[256];
	const struct ynode *key, *list, *r;
	size_t item;
	int n, err;

	err = mapping(ps, map, "profiles must map profile names to lists of rules");
	if (err)
		return err;
	c->profiles = calloc(map->n / 2 + 1, sizeof(*c->profiles));
	if (!c->profiles)
		return -ENOMEM;
	for_each_pair (map, key, list) {
		struct profile_config *pc = &c->profiles[c->nprofiles];

		err = copy_scalar(ps, key, "a profile name", pc->name, sizeof(pc->name));
		if (err)
			return err;
		if (list->type != YNODE_SEQUENCE)
			return yamltree_fail(&ps->diag, list,
					     "profile '%s' must be a list of rules", pc->name);
		n = 0;
		for (item = 0; item < list->n; item++) {
			r = list->items[item];

			if (n == MPTCPIFY_MAX_RULES)
				return yamltree_fail(&ps->diag, r,
						     "a profile holds at most %d rules",
						     MPTCPIFY_MAX_RULES);
			if (!yamltree_scalar(r))
				return yamltree_fail(
					&ps->diag, r,
					"a rule must be a string, such as \"join -> mark 0x20\"");
			texts[n] = (char *)yamltree_scalar(r);
			if (rules_parse(texts[n], ps->available_cc, &pc->prof.rules[n], rule_err,
					sizeof(rule_err)))
				return yamltree_fail(&ps->diag, r, "%s", rule_err);
			n++;
		}
		if (!n)
			return yamltree_fail(&ps->diag, list, "profile '%s' has no rules",
					     pc->name);
		pc->prof.nrules = n;
		pc->prof.owner = MPTCPIFY_OWNER_DAEMON;
		c->nprofiles++;
	}
	return 0;
}

static bool valid_name(const char *s)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("-_.", *s))
			return false;
	return true;
}

static int parse_pod(struct parse *ps, const struct ynode *map, struct selector *s)
{
	const struct ynode *key, *val;
	const char *k;
	int err = 0;

	err = mapping(ps, map, "pod takes namespace, name and/or uid");
	if (err)
		return err;
	for_each_pair (map, key, val) {
		k = yamltree_scalar(key) ? yamltree_scalar(key) : "";
		if (!strcmp(k, "namespace")) {
			err = copy_scalar(ps, val, "namespace", s->pod_namespace,
					  sizeof(s->pod_namespace));
		} else if (!strcmp(k, "name")) {
			err = copy_scalar(ps, val, "name", s->pod_name, sizeof(s->pod_name));
		} else if (!strcmp(k, "uid")) {
			if (!yamltree_scalar(val) ||
			    pod_uid_normalize(yamltree_scalar(val), strlen(yamltree_scalar(val)),
					      s->pod_uid))
				return yamltree_fail(&ps->diag, val,
						     "uid must be a pod UID such as "
						     "0b6f8e43-2a84-4c6e-9a55-4d5e8e9f1a2b");
		} else {
			return yamltree_fail(&ps->diag, key,
					     "unknown pod key '%s' (namespace, name, uid)", k);
		}
		if (err)
			return err;
	}
	if (!s->pod_namespace[0] && !s->pod_name[0] && !s->pod_uid[0])
		return yamltree_fail(&ps->diag, map, "pod needs a namespace, a name or a uid");
	return 0;
}

static int parse_container(struct parse *ps, const struct ynode *node, struct selector *s)
{
	const char *v = yamltree_scalar(node);
	size_t i, n = v ? strlen(v) : 0;
	char id[65];

	if (n < 12 || n > 64)
		return yamltree_fail(&ps->diag, node,
				     "container must be a container ID, or its first 12 or more "
				     "hex digits");
	for (i = 0; i < n; i++) {
		if (!isxdigit((unsigned char)v[i]))
			return yamltree_fail(&ps->diag, node,
					     "container ID '%s' is not hexadecimal", v);
		id[i] = (char)tolower((unsigned char)v[i]);
	}
	id[n] = '\0';
	s->pattern = strdup(id);
	return s->pattern ? 0 : -ENOMEM;
}

/* What a selector matches: exactly one of cgroup, unit, pod, container. */
static int parse_match(struct parse *ps, const char *k, const struct ynode *val, struct selector *s,
		       bool *seen)
{
	char pattern[PATH_MAX];
	const char *v;

	if (*seen)
		return yamltree_fail(&ps->diag, val,
				     "'%s': a selector matches by one of cgroup, unit, pod or "
				     "container",
				     k);
	*seen = true;
	if (!strcmp(k, "pod")) {
		s->kind = SELECTOR_POD;
		return parse_pod(ps, val, s);
	}
	if (!strcmp(k, "container")) {
		s->kind = SELECTOR_CONTAINER;
		return parse_container(ps, val, s);
	}
	s->kind = strcmp(k, "unit") ? SELECTOR_CGROUP : SELECTOR_UNIT;
	if (copy_scalar(ps, val, k, pattern, sizeof(pattern)))
		return -EINVAL;
	/* A cgroup's path is relative to the cgroup2 mount, as /proc/PID/cgroup shows it. */
	v = s->kind == SELECTOR_CGROUP ? pattern + strspn(pattern, "/") : pattern;
	if (s->kind == SELECTOR_CGROUP && (strstr(v, "..") || !*v))
		return yamltree_fail(&ps->diag, val,
				     "cgroup must be a path below the cgroup2 mount");
	if (s->kind == SELECTOR_UNIT && strchr(v, '/'))
		return yamltree_fail(&ps->diag, val,
				     "unit must be a unit name such as nginx.service");
	/* Owned, as long as it is: a PATH_MAX array in each of 8,000 selectors made 36 MB. */
	s->pattern = strdup(v);
	return s->pattern ? 0 : -ENOMEM;
}

static int parse_pm(struct parse *ps, const struct ynode *val, struct selector *s)
{
	s->pm = calloc(1, sizeof(*s->pm));
	if (!s->pm)
		return -ENOMEM;
	return pmconfig_parse(val, &ps->diag, s->pm);
}

static int parse_selector(struct parse *ps, const struct ynode *map, struct config *c)
{
	struct selector *s = &c->selectors[c->nselectors];
	bool matched = false, named = false;
	char mode[16], profile[CONFIG_NAME_MAX];
	const struct ynode *key, *val;
	const char *k;
	ENTRY *seen;
	int err;

	err = mapping(ps, map,
		      "a selector is a mapping with a name and a cgroup, unit, pod or container");
	if (err)
		return err;
	s->mode = MPTCPIFY_MODE_REWRITE;
	s->profile = -1;
	s->line = map->line;
	for_each_pair (map, key, val) {
		k = yamltree_scalar(key) ? yamltree_scalar(key) : "";
		if (!strcmp(k, "name")) {
			err = copy_scalar(ps, val, "name", s->name, sizeof(s->name));
			if (!err && !valid_name(s->name))
				return yamltree_fail(&ps->diag, val,
						     "a name is letters, digits, '-', '_' and '.'");
			if (!err && hsearch_r((ENTRY){.key = s->name}, FIND, &seen, &ps->names))
				return yamltree_fail(
					&ps->diag, val, "selector '%s' is defined twice (line %d)",
					s->name, c->selectors[(intptr_t)seen->data].line);
			if (!err && !hsearch_r((ENTRY){.key = s->name,
						       .data = (void *)(intptr_t)c->nselectors},
					       ENTER, &seen, &ps->names))
				return -ENOMEM;
			named = true;
		} else if (!strcmp(k, "cgroup") || !strcmp(k, "unit") || !strcmp(k, "pod") ||
			   !strcmp(k, "container")) {
			err = parse_match(ps, k, val, s, &matched);
		} else if (!strcmp(k, "mode")) {
			err = copy_scalar(ps, val, "mode", mode, sizeof(mode));
			if (!err && (entries_parse_mode(mode, &s->mode) ||
				     strcmp(mode, entries_mode_name(s->mode))))
				return yamltree_fail(&ps->diag, val,
						     "mode must be rewrite, audit or exclude");
		} else if (!strcmp(k, "on-incompatible")) {
			err = copy_scalar(ps, val, "on-incompatible", mode, sizeof(mode));
			if (!err && strcmp(mode, "exclude") && strcmp(mode, "keep"))
				return yamltree_fail(&ps->diag, val,
						     "on-incompatible must be exclude or keep");
			s->flags = !err && !strcmp(mode, "exclude") ? MPTCPIFY_PROTECT : 0;
		} else if (!strcmp(k, "subflow")) {
			err = copy_scalar(ps, val, "subflow", profile, sizeof(profile));
			if (!err && (s->profile = find_profile(c, profile)) < 0)
				return yamltree_fail(&ps->diag, val,
						     "no profile named '%s' under profiles",
						     profile);
		} else if (!strcmp(k, "path-manager")) {
			err = parse_pm(ps, val, s);
		} else {
			return yamltree_fail(
				&ps->diag, key,
				"unknown selector key '%s' (name, cgroup, unit, pod, "
				"container, mode, on-incompatible, subflow, path-manager)",
				k);
		}
		if (err)
			return err;
	}
	if (!named)
		return yamltree_fail(&ps->diag, map, "a selector needs a name");
	if (!matched)
		return yamltree_fail(&ps->diag, map,
				     "selector '%s' needs one of cgroup, unit, pod or container",
				     s->name);
	if (s->pm && s->mode == MPTCPIFY_MODE_EXCLUDE)
		return yamltree_fail(&ps->diag, map,
				     "selector '%s': path-manager needs mode rewrite or audit",
				     s->name);
	c->nselectors++;
	return 0;
}

static int parse_root(struct parse *ps, const struct ynode *root, struct config *c)
{
	const struct ynode *key, *val, *sels = NULL;
	const char *k;
	size_t item;
	int err = 0;

	if (!root) {
		snprintf(ps->diag.err, ps->diag.errlen, "%s:1:1: the configuration is empty",
			 ps->diag.source);
		return -EINVAL;
	}
	err = mapping(ps, root,
		      "the configuration must be a mapping (resync, cgroup-metrics, profiles, "
		      "selectors)");
	if (err)
		return err;
	/* Profiles first: selectors refer to them wherever they appear. */
	for_each_pair (root, key, val) {
		k = yamltree_scalar(key) ? yamltree_scalar(key) : "";
		if (!strcmp(k, "profiles"))
			err = parse_profiles(ps, val, c);
		else if (!strcmp(k, "resync"))
			err = parse_resync(ps, val, c);
		else if (!strcmp(k, "cgroup-metrics"))
			err = parse_cgroup_metrics(ps, val, c);
		else if (!strcmp(k, "selectors"))
			sels = val;
		else
			return yamltree_fail(
				&ps->diag, key,
				"unknown key '%s' (resync, cgroup-metrics, profiles, selectors)",
				k);
		if (err)
			return err;
	}
	if (!sels)
		return yamltree_fail(&ps->diag, root, "no selectors: nothing to enforce");
	if (sels->type != YNODE_SEQUENCE)
		return yamltree_fail(&ps->diag, sels, "selectors must be a list");
	c->selectors = calloc(sels->n + 1, sizeof(*c->selectors));
	if (!c->selectors || !hcreate_r(2 * sels->n + 16, &ps->names))
		return -ENOMEM;
	for (item = 0; !err && item < sels->n; item++)
		err = parse_selector(ps, sels->items[item], c);
	hdestroy_r(&ps->names); /* the keys are the selectors' own names */
	return err;
}

int config_parse(const char *text, size_t len, const char *source, const char *available_cc,
		 struct config *out, char *err, size_t errlen)
{
	struct parse ps = {.diag = {.source = source, .err = err, .errlen = errlen},
			   .available_cc = available_cc};
	struct yaml_error yerr;
	struct ynode *root;
	int ret;

	memset(out, 0, sizeof(*out));
	out->resync_s = CONFIG_DEFAULT_RESYNC;
	snprintf(out->path, sizeof(out->path), "%s", source);
	ret = yamltree_parse(text, len, &root, &yerr);
	if (ret == -EINVAL)
		snprintf(err, errlen, "%s:%u:%u: %s", source, yerr.line, yerr.column, yerr.why);
	if (ret)
		return ret;
	ret = parse_root(&ps, root, out);
	yamltree_free(root);
	if (ret)
		config_free(out);
	return ret;
}

int config_load(const char *path, const char *available_cc, struct config *out, char *err,
		size_t errlen)
{
	size_t len;
	char *text;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = textfile_read(path, CONFIG_MAX_BYTES, &text, &len, err, errlen);
	if (ret)
		return ret;
	ret = config_parse(text, len, path, available_cc, out, err, errlen);
	if (ret == -ENOMEM)
		snprintf(err, errlen, "%s: out of memory", path);
	free(text);
	return ret;
}

void config_free(struct config *c)
{
	int i;

	/* And the one a failed parse stopped in: the array has a slot past the last. */
	for (i = 0; c->selectors && i <= c->nselectors; i++) {
		free(c->selectors[i].pattern);
		free(c->selectors[i].pm);
	}
	free(c->selectors);
	free(c->profiles);
	free(c->index);
	c->index = NULL;
	c->selectors = NULL;
	c->profiles = NULL;
	c->nselectors = c->nprofiles = 0;
}

unsigned int config_links(const struct config *c)
{
	unsigned int links = 0;
	int i;

	for (i = 0; i < c->nselectors; i++) {
		links |= entries_mode_links(c->selectors[i].mode);
		if (c->selectors[i].profile >= 0)
			links |= PINS_LINK_BIT(PINS_LINK_SUBFLOW);
	}
	return links;
}
