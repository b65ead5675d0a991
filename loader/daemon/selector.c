// SPDX-License-Identifier: GPL-2.0
/* Matching cgroups to selectors: cgroup paths, systemd units, pods, containers. */
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>
#include "selector.h"

static bool glob_ok(const char *pattern, const char *s)
{
	return !*pattern || !fnmatch(pattern, s, 0);
}

static bool pod_matches(const struct selector *s, const struct cgroup_kind *k,
			const struct pod_table *pods)
{
	const struct pod_entry *pod;

	if (!k->pod_uid[0] || (s->pod_uid[0] && strcmp(s->pod_uid, k->pod_uid)))
		return false;
	if (!s->pod_namespace[0] && !s->pod_name[0])
		return true;
	pod = pod_table_find(pods, k->pod_uid);
	return pod && glob_ok(s->pod_namespace, pod->namespace) && glob_ok(s->pod_name, pod->name);
}

int selector_match(const struct config *c, const char *rel, const struct pod_table *pods)
{
	const char *path = rel + strspn(rel, "/");
	const struct selector *s;
	struct cgroup_kind k;
	char unit[256];
	int i;

	cgroup_classify(rel, &k);
	unit[0] = '\0';
	if (k.unit)
		snprintf(unit, sizeof(unit), "%.*s", (int)strcspn(k.unit, "/"), k.unit);
	for (i = 0; i < c->nselectors; i++) {
		s = &c->selectors[i];
		switch (s->kind) {
		case SELECTOR_CGROUP:
			if (*path && !fnmatch(s->pattern, path, FNM_PATHNAME))
				return i;
			break;
		case SELECTOR_UNIT:
			if (unit[0] && !fnmatch(s->pattern, unit, 0))
				return i;
			break;
		case SELECTOR_POD:
			if (pod_matches(s, &k, pods))
				return i;
			break;
		case SELECTOR_CONTAINER:
			if (k.container_id[0] &&
			    !strncmp(k.container_id, s->pattern, strlen(s->pattern)))
				return i;
			break;
		}
	}
	return -1;
}
