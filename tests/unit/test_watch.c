// SPDX-License-Identifier: GPL-2.0
/*
 * The cgroup watch table, on directories of a temporary tree: paths whose
 * hashes collide, as anyone who may name a cgroup can make them, are each
 * watched and found, and dropping one leaves the others.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "daemon/watch.h"
#include "unit.h"

/*
 * Real collisions of idmap_hash (FNV-1a), found by a distinguished-point rho
 * search over "/" and 16 hex digits: A and B collide, and C and D collide
 * when hashed on from the state after A/, which is the state after B/. So
 * A/C, A/D, B/C and B/D all collide, below two parents that collide too.
 */
#define A "/8096ac2ff2cc2bf6"
#define B "/90c6517c412cbac9"
#define C "/169e9daef3cc1921"
#define D "/d858d4c3cfce40d6"

static const char *const colliding[] = {A C, A D, B C, B D};

static char tree[PATH_MAX];
static struct watch_table t;

static void setup(void)
{
	snprintf(tree, sizeof(tree), "/tmp/mptcpify-unit-watch-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tree));
	ck_assert_int_eq(watch_init(&t), 0);
}

static void teardown(void)
{
	char cmd[PATH_MAX + 16];

	watch_free(&t);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tree);
	ck_assert_int_eq(system(cmd), 0);
}

static __u64 hash_of(const char *rel)
{
	return idmap_hash(rel, strlen(rel));
}

/* Make the directory of @rel, unless there, and watch it as cgroup @id. */
static struct watched *add(const char *rel, __u64 id)
{
	char path[PATH_MAX];
	struct watched *w;

	snprintf(path, sizeof(path), "%s%s", tree, strcmp(rel, "/") ? rel : "");
	ck_assert(!mkdir(path, 0755) || errno == EEXIST);
	w = watch_add(&t, rel, path, id);
	ck_assert_ptr_nonnull(w);
	ck_assert_str_eq(w->rel, rel);
	ck_assert_uint_eq(w->cgid, id);
	return w;
}

/* @rel is found by its path, as cgroup @id, and by its wd as the same. */
static void assert_watched(const char *rel, __u64 id)
{
	struct watched *w = watch_at(&t, rel);

	ck_assert_msg(w, "%s not found by its path", rel);
	ck_assert_str_eq(w->rel, rel);
	ck_assert_uint_eq(w->cgid, id);
	ck_assert_ptr_eq(watch_by_wd(&t, w->wd), w);
}

/* The test's premise: these paths do collide under the table's hash. */
START_TEST(paths_collide)
{
	size_t i;

	ck_assert_uint_eq(hash_of(A), hash_of(B));
	for (i = 1; i < 4; i++)
		ck_assert_uint_eq(hash_of(colliding[i]), hash_of(colliding[0]));
	ck_assert_uint_ne(hash_of(A), hash_of(colliding[0]));
}
END_TEST

START_TEST(colliding_siblings_both_watched)
{
	struct watched *root = add("/", 1), *a = add(A, 2), *b = add(B, 3);

	ck_assert_int_ne(a->wd, b->wd);
	assert_watched(A, 2);
	assert_watched(B, 3);
	ck_assert_uint_eq(root->children, 2);

	watch_drop(&t, a, true);
	ck_assert_ptr_null(watch_at(&t, A));
	assert_watched(B, 3);
	ck_assert_uint_eq(root->children, 1);

	/* Back, and then the other one goes: B headed the chain by then. */
	a = add(A, 4);
	assert_watched(A, 4);
	assert_watched(B, 3);
	ck_assert_uint_eq(root->children, 2);
	watch_drop(&t, watch_at(&t, B), true);
	ck_assert_ptr_null(watch_at(&t, B));
	assert_watched(A, 4);
	ck_assert_uint_eq(root->children, 1);
}
END_TEST

/*
 * Four colliding cgroups below two colliding parents: each parent counts
 * its own children, and the chain loses its head, middle and tail in turn.
 */
START_TEST(colliding_children_count_their_own_parent)
{
	static const int order[] = {2, 0, 1, 3};
	struct watched *a, *b;
	bool gone[4] = {0};
	size_t i, j;

	add("/", 1);
	a = add(A, 2);
	b = add(B, 3);
	for (i = 0; i < 4; i++)
		add(colliding[i], 10 + i);
	for (i = 0; i < 4; i++)
		assert_watched(colliding[i], 10 + i);
	ck_assert_uint_eq(a->children, 2);
	ck_assert_uint_eq(b->children, 2);

	for (i = 0; i < 4; i++) {
		watch_drop(&t, watch_at(&t, colliding[order[i]]), true);
		gone[order[i]] = true;
		for (j = 0; j < 4; j++)
			if (gone[j])
				ck_assert_ptr_null(watch_at(&t, colliding[j]));
			else
				assert_watched(colliding[j], 10 + j);
		ck_assert_uint_eq(a->children, !gone[0] + !gone[1]);
		ck_assert_uint_eq(b->children, !gone[2] + !gone[3]);
	}
	assert_watched(A, 2);
	assert_watched(B, 3);
}
END_TEST

/*
 * A cgroup removed unheard and made again under the same name takes the
 * path from the older one, which only its wd finds until it is dropped;
 * a colliding sibling stays found throughout.
 */
START_TEST(newer_cgroup_of_a_path_takes_it)
{
	struct watched *root = add("/", 1), *old, *w;
	char path[PATH_MAX];

	add(B, 3);
	old = add(A, 2);
	snprintf(path, sizeof(path), "%s%s", tree, A);
	ck_assert_int_eq(rmdir(path), 0);
	w = add(A, 4);
	ck_assert_int_ne(w->wd, old->wd);
	assert_watched(A, 4);
	assert_watched(B, 3);
	ck_assert_ptr_eq(watch_by_wd(&t, old->wd), old);

	watch_drop(&t, old, false); /* as on its IN_IGNORED */
	assert_watched(A, 4);
	assert_watched(B, 3);
	ck_assert_uint_eq(root->children, 2);
}
END_TEST

/* A resync's sweep drops the cgroup it did not see, not its collider. */
START_TEST(drop_unseen_keeps_the_colliding_seen)
{
	struct idmap seen = {0};

	add("/", 1);
	add(B, 3);
	add(A, 2);
	add(B C, 4);
	ck_assert_int_eq(idmap_put(&seen, 1, (void *)1), 0);
	ck_assert_int_eq(idmap_put(&seen, 3, (void *)1), 0);
	ck_assert_int_eq(idmap_put(&seen, 4, (void *)1), 0);
	watch_drop_unseen(&t, &seen);
	ck_assert_ptr_null(watch_at(&t, A));
	assert_watched(B, 3);
	assert_watched(B C, 4);
	ck_assert_uint_eq(watch_at(&t, B)->children, 1);
	idmap_free(&seen);
}
END_TEST

/* A regular file at @rel: IN_ONLYDIR refuses to watch it, as ENOSPC would. */
static void make_file(const char *rel)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", tree, rel);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
}

static char *path_of(const char *rel)
{
	static char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s%s", tree, rel);
	return path;
}

/*
 * A cgroup whose watch fails keeps an entry its parent counts, so no
 * resync stops above it; it is watched in place later, children and all.
 */
START_TEST(failed_watch_is_recorded_and_retried)
{
	struct watched *root = add("/", 1), *w, *c;

	make_file("/f");
	w = watch_add(&t, "/f", path_of("/f"), 2);
	ck_assert_ptr_nonnull(w);
	ck_assert_int_lt(w->wd, 0);
	ck_assert_int_eq(t.err, ENOTDIR);
	ck_assert_uint_eq(t.unwatched, 1);
	ck_assert_uint_eq(root->children, 1);
	ck_assert_ptr_eq(watch_at(&t, "/f"), w);
	/* Tried again, failing again: the same entry, counted once. */
	ck_assert_ptr_eq(watch_add(&t, "/f", path_of("/f"), 2), w);
	ck_assert_uint_eq(t.unwatched, 1);
	/* Not there (removed meanwhile): nothing recorded. */
	ck_assert_ptr_null(watch_add(&t, "/gone", path_of("/gone"), 9));
	ck_assert_ptr_null(watch_at(&t, "/gone"));
	c = watch_spare(&t, "/f/c", 3);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(w->children, 1);
	ck_assert_uint_eq(t.unwatched, 1);

	ck_assert_int_eq(unlink(path_of("/f")), 0);
	ck_assert_int_eq(mkdir(path_of("/f"), 0755), 0);
	ck_assert_ptr_eq(watch_add(&t, "/f", path_of("/f"), 2), w);
	ck_assert_int_ge(w->wd, 0);
	ck_assert_ptr_eq(watch_by_wd(&t, w->wd), w);
	ck_assert_uint_eq(t.unwatched, 0);
	ck_assert_uint_eq(w->children, 1);
	ck_assert_uint_eq(root->children, 1);
}
END_TEST

/* A spare cgroup gives its watch back; its entry stays, uncounted. */
START_TEST(spare_gives_the_watch_back)
{
	struct watched *w;
	__u64 dropped;

	add("/", 1);
	w = add(A, 2);
	dropped = t.dropped;
	ck_assert_ptr_eq(watch_spare(&t, A, 2), w);
	ck_assert_int_lt(w->wd, 0);
	ck_assert(w->spare);
	ck_assert_uint_eq(t.dropped, dropped + 1);
	ck_assert_uint_eq(t.unwatched, 0);
	ck_assert_uint_eq(t.by_wd.n, 1);
	ck_assert_ptr_eq(watch_at(&t, A), w);
	/* Needed again (another configuration): watched again. */
	ck_assert_ptr_eq(watch_add(&t, A, path_of(A), 2), w);
	ck_assert_int_ge(w->wd, 0);
	ck_assert(!w->spare);
	ck_assert_uint_eq(t.unwatched, 0);
}
END_TEST

/*
 * The sweep drops unwatched entries unseen; a walk from the topmost
 * unwatched ones covers those below; a gone one's entry goes on retry.
 */
START_TEST(unwatched_tops_and_sweep)
{
	struct idmap seen = {0};
	struct watched *gone;
	char **tops;
	size_t n;

	add("/", 1);
	add(B, 3);
	make_file(A);
	ck_assert_ptr_nonnull(watch_add(&t, A, path_of(A), 2));
	ck_assert_ptr_nonnull(watch_spare(&t, A C, 4));
	ck_assert_int_eq(mkdir(path_of(B C), 0755), 0);
	make_file(B C D);
	ck_assert_ptr_nonnull(watch_add(&t, B C D, path_of(B C D), 5));
	make_file(B D);
	gone = watch_add(&t, B D, path_of(B D), 6);
	ck_assert_ptr_nonnull(gone);
	ck_assert_uint_eq(t.unwatched, 3);
	/* B C is not there for the table: B C D's parent is unknown, it is a top. */
	n = watch_unwatched_tops(&t, &tops, 8);
	ck_assert_uint_eq(n, 3);
	while (n--)
		free(tops[n]);
	free(tops);
	n = watch_unwatched_tops(&t, &tops, 1);
	ck_assert_uint_eq(n, 1);
	free(tops[0]);
	free(tops);

	ck_assert_int_eq(unlink(path_of(B D)), 0);
	ck_assert_ptr_null(watch_add(&t, B D, path_of(B D), 6));
	ck_assert_ptr_null(watch_at(&t, B D));
	ck_assert_uint_eq(t.unwatched, 2);

	ck_assert_int_eq(idmap_put(&seen, 1, (void *)1), 0);
	ck_assert_int_eq(idmap_put(&seen, 3, (void *)1), 0);
	ck_assert_int_eq(idmap_put(&seen, 2, (void *)1), 0);
	watch_drop_unseen(&t, &seen);
	ck_assert_ptr_nonnull(watch_at(&t, A));
	ck_assert_ptr_null(watch_at(&t, A C));
	ck_assert_ptr_null(watch_at(&t, B C D));
	ck_assert_uint_eq(t.unwatched, 1);
	ck_assert_uint_eq(t.nowatch.n, 1);
	ck_assert_uint_eq(watch_at(&t, A)->children, 0);
	idmap_free(&seen);
}
END_TEST

/* A warning when cgroups go unwatched, an all-clear when none are. */
START_TEST(report_on_change_only)
{
	add("/", 1);
	ck_assert(!watch_report(&t, 0));
	make_file(A);
	ck_assert_ptr_nonnull(watch_add(&t, A, path_of(A), 2));
	ck_assert(watch_report(&t, 0));
	ck_assert(t.warned);
	ck_assert(!watch_report(&t, 0));
	ck_assert(watch_report(&t, 1)); /* the pods directory */
	watch_drop(&t, watch_at(&t, A), true);
	ck_assert(watch_report(&t, 0));
	ck_assert(!t.warned);
	/* Back within the minute: counted, not logged again. */
	make_file(B);
	ck_assert_ptr_nonnull(watch_add(&t, B, path_of(B), 3));
	ck_assert(watch_report(&t, 0));
	ck_assert(!t.warned);
}
END_TEST

static Suite *watch_suite(void)
{
	Suite *s = suite_create("watch");
	TCase *tc = tcase_create("collisions");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, paths_collide);
	tcase_add_test(tc, colliding_siblings_both_watched);
	tcase_add_test(tc, colliding_children_count_their_own_parent);
	tcase_add_test(tc, newer_cgroup_of_a_path_takes_it);
	tcase_add_test(tc, drop_unseen_keeps_the_colliding_seen);
	suite_add_tcase(s, tc);
	tc = tcase_create("unwatched");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, failed_watch_is_recorded_and_retried);
	tcase_add_test(tc, spare_gives_the_watch_back);
	tcase_add_test(tc, unwatched_tops_and_sweep);
	tcase_add_test(tc, report_on_change_only);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(watch_suite)
