// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include "core/strmap.h"
#include "unit.h"

/*
 * Two keys with one FNV-1a hash (found with Brent's cycle finding on the
 * top 56 bits of the hash of 8-byte strings, then a last byte each that
 * cancels the low 8): a table keyed by the hash alone would take one for
 * the other.
 */
static const char collide_a[] = "\x7d\x0d\x69\x10\x6e\x76\x1a\x5b\x01";
static const char collide_b[] = "\x20\x7c\x7c\x1f\x44\x3a\x6d\x3f\xa6";

START_TEST(colliding_keys_are_two_entries)
{
	struct strmap m = {0};
	int a, b;

	ck_assert_str_ne(collide_a, collide_b);
	ck_assert_uint_eq(idmap_hash(collide_a, strlen(collide_a)),
			  idmap_hash(collide_b, strlen(collide_b)));
	ck_assert_int_eq(strmap_put(&m, collide_a, &a), 0);
	ck_assert_ptr_null(strmap_get(&m, collide_b));
	ck_assert_int_eq(strmap_put(&m, collide_b, &b), 0);
	ck_assert_ptr_eq(strmap_get(&m, collide_a), &a);
	ck_assert_ptr_eq(strmap_get(&m, collide_b), &b);
	ck_assert_uint_eq(m.n, 2);
	/* Removing either, head of the chain or not, leaves the other. */
	ck_assert_ptr_eq(strmap_del(&m, collide_a), &a);
	ck_assert_ptr_null(strmap_get(&m, collide_a));
	ck_assert_ptr_eq(strmap_get(&m, collide_b), &b);
	ck_assert_int_eq(strmap_put(&m, collide_a, &a), 0);
	ck_assert_ptr_eq(strmap_del(&m, collide_b), &b);
	ck_assert_ptr_eq(strmap_get(&m, collide_a), &a);
	ck_assert_ptr_null(strmap_del(&m, collide_b));
	ck_assert_uint_eq(m.n, 1);
	strmap_free(&m);
}
END_TEST

START_TEST(put_replaces_and_copies_the_key)
{
	struct strmap m = {0};
	char key[] = "kube-system_coredns_0";
	int a, b;

	ck_assert_int_eq(strmap_put(&m, key, &a), 0);
	ck_assert_int_eq(strmap_put(&m, key, &b), 0);
	ck_assert_uint_eq(m.n, 1);
	key[0] = 'X'; /* the table has its own copy */
	ck_assert_ptr_null(strmap_get(&m, key));
	ck_assert_ptr_eq(strmap_get(&m, "kube-system_coredns_0"), &b);
	strmap_free(&m);
	ck_assert_uint_eq(m.n, 0);
	ck_assert_ptr_null(strmap_get(&m, "kube-system_coredns_0"));
}
END_TEST

START_TEST(many_keys_come_and_go)
{
	struct strmap m = {0};
	char key[32];
	long i;

	for (i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "pod-%ld", i);
		ck_assert_int_eq(strmap_put(&m, key, (void *)(i + 1)), 0);
	}
	for (i = 0; i < 5000; i += 2) {
		snprintf(key, sizeof(key), "pod-%ld", i);
		ck_assert_ptr_eq(strmap_del(&m, key), (void *)(i + 1));
	}
	ck_assert_uint_eq(m.n, 2500);
	for (i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "pod-%ld", i);
		ck_assert_ptr_eq(strmap_get(&m, key), i % 2 ? (void *)(i + 1) : NULL);
	}
	strmap_free(&m);
}
END_TEST

static Suite *strmap_suite(void)
{
	Suite *s = suite_create("strmap");
	TCase *tc = tcase_create("table");

	tcase_add_test(tc, colliding_keys_are_two_entries);
	tcase_add_test(tc, put_replaces_and_copies_the_key);
	tcase_add_test(tc, many_keys_come_and_go);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(strmap_suite)
