// SPDX-License-Identifier: GPL-2.0
/* Matching cgroups to selectors: cgroup paths, systemd units, pods, containers. */
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
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

/* What a cgroup is, as the selectors look at it. */
struct subject {
	const char *path; /* below the cgroup2 mount, no leading '/' */
	char unit[256];	  /* its unit's name, or "" */
	struct cgroup_kind k;
	const struct pod_entry *pod; /* its pod's names, when known */
};

static bool matches(const struct selector *s, const struct subject *x, const struct pod_table *pods)
{
	switch (s->kind) {
	case SELECTOR_CGROUP:
		return *x->path && !fnmatch(s->pattern, x->path, FNM_PATHNAME);
	case SELECTOR_UNIT:
		return x->unit[0] && !fnmatch(s->pattern, x->unit, 0);
	case SELECTOR_POD:
		return pod_matches(s, &x->k, pods);
	case SELECTOR_CONTAINER:
		return x->k.container_id[0] &&
		       !strncmp(x->k.container_id, s->pattern, strlen(s->pattern));
	}
	return false;
}

/*
 * 8,000 selectors tried in turn for each of 10,000 cgroups take seconds.
 * Most name something literally: a cgroup glob's leading components, a unit,
 * a pod's UID or namespace, a container ID's first 12 digits. The index
 * finds those by that key; only the rest (globs where the key would be)
 * are tried in turn. The first selector that matches still decides.
 */
enum key_kind { KEY_PATH, KEY_UNIT, KEY_UID, KEY_NAMESPACE, KEY_CONTAINER };

#define CONTAINER_KEY_LEN 12

struct key {
	enum key_kind kind;
	const char *s;
	size_t len;
	int sel;
};

struct index {
	size_t nkeys, nrest;
	size_t nother; /* selectors that are no cgroup glob */
	int *rest;     /* selectors without a key, in order */
	struct key keys[];
};

static bool literal(const char *s, size_t n)
{
	return n && strcspn(s, "*?[\\") >= n;
}

/* How long the leading components of @glob that hold no wildcard are. */
static size_t literal_prefix(const char *glob)
{
	size_t n = 0, c;

	for (;;) {
		c = strcspn(glob + n, "/");
		if (!literal(glob + n, c))
			return n ? n - 1 : 0;
		n += c;
		if (!glob[n])
			return n;
		n++;
	}
}

static bool key_of(const struct selector *s, struct key *k)
{
	switch (s->kind) {
	case SELECTOR_CGROUP:
		*k = (struct key){KEY_PATH, s->pattern, literal_prefix(s->pattern), 0};
		return k->len > 0;
	case SELECTOR_UNIT:
		*k = (struct key){KEY_UNIT, s->pattern, strlen(s->pattern), 0};
		return literal(k->s, k->len);
	case SELECTOR_POD:
		if (s->pod_uid[0]) {
			*k = (struct key){KEY_UID, s->pod_uid, strlen(s->pod_uid), 0};
			return true;
		}
		*k = (struct key){KEY_NAMESPACE, s->pod_namespace, strlen(s->pod_namespace), 0};
		return literal(k->s, k->len);
	case SELECTOR_CONTAINER:
		*k = (struct key){KEY_CONTAINER, s->pattern, CONTAINER_KEY_LEN, 0};
		return strlen(s->pattern) >= CONTAINER_KEY_LEN;
	}
	return false;
}

static int key_cmp(const void *a, const void *b)
{
	const struct key *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	c = memcmp(x->s, y->s, n);
	if (c || x->len != y->len)
		return c ? c : x->len < y->len ? -1 : 1;
	return (x->sel > y->sel) - (x->sel < y->sel);
}

static struct index *index_of(const struct config *c)
{
	struct index *ix = c->index;
	struct key k;
	int i;

	if (ix)
		return ix;
	ix = calloc(1, sizeof(*ix) + c->nselectors * (sizeof(struct key) + sizeof(int)));
	if (!ix)
		return NULL;
	ix->rest = (int *)(ix->keys + c->nselectors);
	for (i = 0; i < c->nselectors; i++) {
		ix->nother += c->selectors[i].kind != SELECTOR_CGROUP;
		if (key_of(&c->selectors[i], &k)) {
			k.sel = i;
			ix->keys[ix->nkeys++] = k;
		} else {
			ix->rest[ix->nrest++] = i;
		}
	}
	qsort(ix->keys, ix->nkeys, sizeof(struct key), key_cmp);
	/* Made once per configuration, which owns it: the matching itself is const. */
	((struct config *)c)->index = ix;
	return ix;
}

/* The first key not below (@kind, @s, @n). */
static size_t lower_bound(const struct index *ix, enum key_kind kind, const char *s, size_t n)
{
	struct key want = {kind, s, n, -1};
	size_t lo = 0, hi = ix->nkeys, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (key_cmp(&ix->keys[mid], &want) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The first selector below @best with key (@kind, @s, @n) that matches. */
static int first_keyed(const struct config *c, const struct index *ix, enum key_kind kind,
		       const char *s, size_t n, const struct subject *x,
		       const struct pod_table *pods, int best)
{
	struct key want = {kind, s, n, -1};
	size_t lo;

	if (!n)
		return best;
	for (lo = lower_bound(ix, kind, s, n); lo < ix->nkeys && ix->keys[lo].sel < best; lo++) {
		want.sel = ix->keys[lo].sel;
		if (key_cmp(&ix->keys[lo], &want))
			break;
		if (matches(&c->selectors[want.sel], x, pods))
			return want.sel;
	}
	return best;
}

static int match_linear(const struct config *c, const struct subject *x,
			const struct pod_table *pods)
{
	int i;

	for (i = 0; i < c->nselectors; i++)
		if (matches(&c->selectors[i], x, pods))
			return i;
	return -1;
}

int selector_match(const struct config *c, const char *rel, const struct pod_table *pods)
{
	struct subject x = {.path = rel + strspn(rel, "/")};
	const struct index *ix;
	int best = INT_MAX;
	size_t i;

	classify_cgroup(rel, &x.k);
	if (x.k.unit)
		snprintf(x.unit, sizeof(x.unit), "%.*s", (int)strcspn(x.k.unit, "/"), x.k.unit);
	ix = index_of(c);
	if (!ix)
		return match_linear(c, &x, pods);
	for (i = 0; i < ix->nrest && ix->rest[i] < best; i++)
		if (matches(&c->selectors[ix->rest[i]], &x, pods)) {
			best = ix->rest[i];
			break;
		}
	/* A glob's literal components are the path's first ones, whole. */
	for (i = strcspn(x.path, "/");; i += 1 + strcspn(x.path + i + 1, "/")) {
		best = first_keyed(c, ix, KEY_PATH, x.path, i, &x, pods, best);
		if (!x.path[i])
			break;
	}
	best = first_keyed(c, ix, KEY_UNIT, x.unit, strlen(x.unit), &x, pods, best);
	best = first_keyed(c, ix, KEY_UID, x.k.pod_uid, strlen(x.k.pod_uid), &x, pods, best);
	if (x.k.pod_uid[0] && (x.pod = pod_table_find(pods, x.k.pod_uid)))
		best = first_keyed(c, ix, KEY_NAMESPACE, x.pod->namespace, strlen(x.pod->namespace),
				   &x, pods, best);
	if (strlen(x.k.container_id) >= CONTAINER_KEY_LEN)
		best = first_keyed(c, ix, KEY_CONTAINER, x.k.container_id, CONTAINER_KEY_LEN, &x,
				   pods, best);
	return best == INT_MAX ? -1 : best;
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
		memcpy(pc, p, pn);
		pc[pn] = '\0';
		memcpy(rc, r, rn);
		rc[rn] = '\0';
		if (fnmatch(pc, rc, 0))
			return false;
		p += pn + 1;
		r += rn + strspn(r + rn, "/");
	}
	return true;
}

/* A keyed glob from @at on whose key starts with @n bytes of @s that can match below @rel. */
static bool keyed_below(const struct config *c, const struct index *ix, size_t at, const char *s,
			size_t n, bool exact, const char *rel)
{
	const struct key *k;

	for (; at < ix->nkeys; at++) {
		k = &ix->keys[at];
		if (k->kind != KEY_PATH || k->len < n || memcmp(k->s, s, n) ||
		    (exact && k->len != n))
			return false;
		if (glob_below(c->selectors[k->sel].pattern, rel))
			return true;
	}
	return false;
}

bool selector_below(const struct config *c, const char *rel)
{
	const char *r = rel + strspn(rel, "/");
	bool inside = classify_inside_unit(rel);
	const struct index *ix = index_of(c);
	char under[PATH_MAX];
	size_t i, n = strlen(r);
	int j;

	if (!ix) { /* no memory for the index: each in turn */
		for (j = 0; j < c->nselectors; j++)
			if ((c->selectors[j].kind != SELECTOR_CGROUP && !inside) ||
			    (c->selectors[j].kind == SELECTOR_CGROUP &&
			     glob_below(c->selectors[j].pattern, rel)))
				return true;
		return false;
	}
	/*
	 * Unit, pod and container selectors match a cgroup only where no
	 * unit encloses it (classify.h): below a service's or a container's
	 * scope only a cgroup glob can.
	 */
	if (ix->nother && !inside)
		return true;
	for (i = 0; i < ix->nrest; i++)
		if (c->selectors[ix->rest[i]].kind == SELECTOR_CGROUP &&
		    glob_below(c->selectors[ix->rest[i]].pattern, rel))
			return true;
	/* Globs whose literal components are @rel's first ones, or all of them and more. */
	for (i = strcspn(r, "/"); i <= n && *r; i += 1 + strcspn(r + i + 1, "/")) {
		if (keyed_below(c, ix, lower_bound(ix, KEY_PATH, r, i), r, i, true, rel))
			return true;
		if (!r[i])
			break;
	}
	if (n + 2 > sizeof(under))
		return true;
	memcpy(under, r, n);
	under[n] = '/';
	i = *r ? n + 1 : 0; /* the root: every glob is below it */
	return keyed_below(c, ix, lower_bound(ix, KEY_PATH, under, i), under, i, false, rel);
}
