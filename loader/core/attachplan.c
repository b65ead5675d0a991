// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "attachplan.h"

int pathset_add(struct pathset *s, const char *rel)
{
	char **grown, *copy;

	if (s->n == s->cap) {
		grown = realloc(s->v, (s->cap ? s->cap * 2 : 16) * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		s->v = grown;
		s->cap = s->cap ? s->cap * 2 : 16;
	}
	copy = strdup(rel);
	if (!copy)
		return -ENOMEM;
	s->v[s->n++] = copy;
	return 0;
}

bool pathset_has(const struct pathset *s, const char *rel)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], rel))
			return true;
	return false;
}

void pathset_free(struct pathset *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	*s = (struct pathset){0};
}

bool attachplan_below(const char *rel, const char *anc)
{
	size_t n = strlen(anc);

	if (!strcmp(anc, "/"))
		return true;
	return !strncmp(rel, anc, n) && (rel[n] == '\0' || rel[n] == '/');
}

/* Path order with '/' before every other byte: a cgroup's subtree follows it at once. */
static int path_cmp(const void *a, const void *b)
{
	const unsigned char *x = *(const unsigned char *const *)a;
	const unsigned char *y = *(const unsigned char *const *)b;

	for (; *x && *x == *y; x++, y++)
		;
	return (*x == '/' ? 1 : *x) - (*y == '/' ? 1 : *y);
}

/* Sort @s and keep only its topmost paths: none below another. */
static void keep_topmost(struct pathset *s)
{
	size_t i, kept = 0;

	if (!s->n)
		return;
	qsort(s->v, s->n, sizeof(*s->v), path_cmp);
	for (i = 0; i < s->n; i++) {
		if (kept && attachplan_below(s->v[i], s->v[kept - 1])) {
			free(s->v[i]);
			continue;
		}
		s->v[kept++] = s->v[i];
	}
	s->n = kept;
}

bool attachplan_parent(const char *rel, char *out, size_t len)
{
	const char *slash = strrchr(rel, '/');
	size_t n;

	if (!strcmp(rel, "/") || !slash)
		return false;
	n = slash == rel ? 1 : (size_t)(slash - rel);
	if (n >= len)
		return false;
	memcpy(out, rel, n);
	out[n] = '\0';
	return true;
}

/*
 * Add to @s every parent with enough of its children in @s: they go
 * at the next keep_topmost(). Returns how many were added, or -ENOMEM.
 */
static int collapse(struct pathset *s, const struct pathset *now)
{
	struct pathset parents = {0};
	size_t i, j, run;
	int added = 0, err = 0;
	char *buf;

	for (i = 0; !err && i < s->n; i++) {
		buf = malloc(strlen(s->v[i]) + 1);
		if (!buf)
			err = -ENOMEM;
		else if (attachplan_parent(s->v[i], buf, strlen(s->v[i]) + 1))
			err = pathset_add(&parents, buf);
		free(buf);
	}
	if (parents.n)
		qsort(parents.v, parents.n, sizeof(*parents.v), path_cmp);
	for (i = 0; !err && i < parents.n; i = j) {
		for (j = i; j < parents.n && !strcmp(parents.v[j], parents.v[i]); j++)
			;
		run = j - i;
		if (run >= ATTACHPLAN_COLLAPSE ||
		    (run >= ATTACHPLAN_KEEP && pathset_has(now, parents.v[i]))) {
			err = pathset_add(s, parents.v[i]);
			added++;
		}
	}
	pathset_free(&parents);
	return err ? err : added;
}

int attachplan_compute(const struct pathset *entries, const struct pathset *now,
		       struct pathset *out)
{
	int added = 0;
	size_t i;

	for (i = 0; !added && i < entries->n; i++)
		added = pathset_add(out, entries->v[i]);
	/* Each round moves attach points up a level: it ends at the root. */
	while (added >= 0) {
		keep_topmost(out);
		added = collapse(out, now);
		if (!added)
			return 0;
	}
	pathset_free(out);
	return added;
}
