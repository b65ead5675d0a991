// SPDX-License-Identifier: GPL-2.0
/* Matching cgroups to selectors: cgroup paths, systemd units, pods, containers. */
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "classify.h"
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

/*
 * Can @pattern be matched one '/'-separated component at a time? Not with
 * a '\\' (it may quote a '/'), nor with a '/' inside [...]: there cutting
 * at '/' would cut the bracket.
 */
static bool splits_at_slash(const char *p)
{
	const char *end;

	for (; *p; p++) {
		if (*p == '\\')
			return false;
		if (*p != '[')
			continue;
		end = p + 1 + (p[1] == '!' || p[1] == '^');
		end += *end == ']'; /* a first ']' is a member */
		end += strcspn(end, "]");
		if (*end && memchr(p, '/', end - p))
			return false;
	}
	return true;
}

/*
 * Can the cgroup glob @pattern match a cgroup below @rel? Its '*', '?'
 * and [...] stop at '/' (FNM_PATHNAME): it matches paths of as many
 * components as it has, each by its own. So only if it has more than @rel,
 * and its first ones match those of @rel.
 */
static bool glob_below(const char *pattern, const char *rel)
{
	char pc[PATH_MAX], rc[PATH_MAX];
	const char *p = pattern, *r = rel + strspn(rel, "/");
	size_t pn, rn;

	if (!splits_at_slash(pattern))
		return true;
	while (*r) {
		pn = strcspn(p, "/");
		rn = strcspn(r, "/");
		if (!p[pn])
			return false; /* no deeper than @rel */
		snprintf(pc, sizeof(pc), "%.*s", (int)pn, p);
		snprintf(rc, sizeof(rc), "%.*s", (int)rn, r);
		if (fnmatch(pc, rc, 0))
			return false;
		p += pn + 1;
		r += rn + strspn(r + rn, "/");
	}
	return true;
}

bool selector_below(const struct config *c, const char *rel)
{
	bool inside = cgroup_inside_unit(rel);
	int i;

	/*
	 * Unit, pod and container selectors match a cgroup only where no
	 * unit encloses it (classify.h): below a service's or a container's
	 * scope only a cgroup glob can.
	 */
	for (i = 0; !inside && i < c->nselectors; i++)
		if (c->selectors[i].kind != SELECTOR_CGROUP)
			return true;
	for (i = 0; i < c->nselectors; i++)
		if (c->selectors[i].kind == SELECTOR_CGROUP &&
		    glob_below(c->selectors[i].pattern, rel))
			return true;
	return false;
}
