// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "attachplan.h"
#include "growarray.h"

static int push(const char ***v, size_t *n, size_t *cap, const char *s)
{
	if (growarray_reserve(*v, *cap, *n + 1))
		return -ENOMEM;
	(*v)[(*n)++] = s;
	return 0;
}

int pathset_ref(struct pathset *s, const char *rel)
{
	return push(&s->v, &s->n, &s->cap, rel);
}

int pathset_add(struct pathset *s, const char *rel)
{
	char *copy = strdup(rel);
	int err;

	if (!copy)
		return -ENOMEM;
	err = push(&s->owned, &s->nowned, &s->capowned, copy);
	if (!err)
		err = pathset_ref(s, copy);
	if (err && (!s->nowned || s->owned[s->nowned - 1] != copy))
		free(copy); /* not recorded: pathset_free() would not see it */
	return err;
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

	for (i = 0; i < s->nowned; i++)
		free((char *)s->owned[i]);
	free(s->owned);
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

/* Path order with '/' before every other byte: a cgroup's subtree follows it at once. */
static int bytes_cmp(const unsigned char *x, size_t xn, const unsigned char *y, size_t yn)
{
	size_t i;

	for (i = 0; i < xn && i < yn && x[i] == y[i]; i++)
		;
	return (i < xn ? (x[i] == '/' ? 1 : x[i]) : 0) - (i < yn ? (y[i] == '/' ? 1 : y[i]) : 0);
}

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
	for (i = 0; i < s->n; i++)
		if (!kept || !attachplan_below(s->v[i], s->v[kept - 1]))
			s->v[kept++] = s->v[i];
	s->n = kept;
}

/* A path and the length of its parent's: no copy of 10,000 parents. */
struct child {
	const char *rel;
	size_t parent_len;
};

static int parent_cmp(const void *a, const void *b)
{
	const struct child *x = a, *y = b;

	return bytes_cmp((const unsigned char *)x->rel, x->parent_len,
			 (const unsigned char *)y->rel, y->parent_len);
}

/*
 * Add to @s every parent with enough of its children in @s: they go
 * at the next keep_topmost(). Returns how many were added, or -ENOMEM.
 */
static int collapse(struct pathset *s, const struct pathset *now)
{
	struct child *kids = calloc(s->n ? s->n : 1, sizeof(*kids));
	char *parent = NULL;
	size_t i, j, n = 0;
	int added = 0, err = 0;

	if (!kids)
		return -ENOMEM;
	for (i = 0; i < s->n; i++) {
		const char *slash = strrchr(s->v[i], '/');

		if (strcmp(s->v[i], "/") && slash)
			kids[n++] = (struct child){s->v[i], slash == s->v[i] ? 1 : slash - s->v[i]};
	}
	if (n)
		qsort(kids, n, sizeof(*kids), parent_cmp);
	for (i = 0; !err && i < n; i = j) {
		for (j = i; j < n && !parent_cmp(&kids[j], &kids[i]); j++)
			;
		parent = strndup(kids[i].rel, kids[i].parent_len);
		if (!parent) {
			err = -ENOMEM;
		} else if (j - i >= ATTACHPLAN_COLLAPSE ||
			   (j - i >= ATTACHPLAN_KEEP && pathset_has(now, parent))) {
			err = pathset_add(s, parent);
			added++;
		}
		free(parent);
	}
	free(kids);
	return err ? err : added;
}

/* Drop from @s what is below one of its last @added paths, the parents just added. */
static void drop_below_added(struct pathset *s, size_t added)
{
	size_t i, j, kept = 0, first = s->n - added;
	bool below;

	for (i = 0; i < s->n; i++) {
		below = false;
		for (j = first; i < first && j < s->n && !below; j++)
			below = attachplan_below(s->v[i], s->v[j]);
		if (!below)
			s->v[kept++] = s->v[i];
	}
	s->n = kept;
}

int attachplan_compute(const struct pathset *entries, const struct pathset *now,
		       struct pathset *out)
{
	int added = 0;
	size_t i;

	/* Borrowed: @entries outlives @out's use. */
	for (i = 0; !added && i < entries->n; i++)
		added = pathset_ref(out, entries->v[i]);
	if (added) {
		pathset_free(out);
		return added;
	}
	keep_topmost(out);
	/*
	 * Each round moves attach points up a level: it ends at the root. The
	 * children of the parents just added go first, so that the sort of
	 * 10,000 pods is done once.
	 */
	while ((added = collapse(out, now)) > 0) {
		drop_below_added(out, added);
		keep_topmost(out);
	}
	if (added < 0)
		pathset_free(out);
	return added;
}
