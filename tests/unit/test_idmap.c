// SPDX-License-Identifier: GPL-2.0
/* The id -> pointer table the daemon keeps its watches and entries in. */
#include <stdint.h>
#include "core/idmap.h"
#include "unit.h"

#define V(x) ((void *)(uintptr_t)(x))

START_TEST(put_get_replace_delete)
{
	struct idmap m = {0};

	ck_assert_ptr_null(idmap_get(&m, 1));
	ck_assert_ptr_null(idmap_del(&m, 1));
	ck_assert_int_eq(idmap_put(&m, 1, V(10)), 0);
	ck_assert_int_eq(idmap_put(&m, 1, V(11)), 0);
	ck_assert_uint_eq(m.n, 1);
	ck_assert_ptr_eq(idmap_get(&m, 1), V(11));
	ck_assert_ptr_eq(idmap_del(&m, 1), V(11));
	ck_assert_ptr_null(idmap_get(&m, 1));
	ck_assert_uint_eq(m.n, 0);
	idmap_free(&m);
}
END_TEST

/* Churn like pods: every key stays findable across growth and deletions. */
START_TEST(churn_keeps_every_key)
{
	struct idmap m = {0};
	__u64 i, key, seen = 0;
	size_t it;
	void *val;

	for (i = 1; i <= 20000; i++)
		ck_assert_int_eq(idmap_put(&m, i * 7919, V(i)), 0);
	for (i = 1; i <= 20000; i += 2)
		ck_assert_ptr_eq(idmap_del(&m, i * 7919), V(i));
	ck_assert_uint_eq(m.n, 10000);
	for (i = 1; i <= 20000; i++)
		ck_assert_ptr_eq(idmap_get(&m, i * 7919), i % 2 ? NULL : V(i));
	for (it = 0; idmap_next(&m, &it, &key, &val);) {
		ck_assert_uint_eq(key, (__u64)(uintptr_t)val * 7919);
		seen++;
	}
	ck_assert_uint_eq(seen, 10000);
	idmap_free(&m);
}
END_TEST

static Suite *idmap_suite(void)
{
	Suite *s = suite_create("idmap");
	TCase *tc = tcase_create("idmap");

	tcase_add_test(tc, put_get_replace_delete);
	tcase_add_test(tc, churn_keeps_every_key);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(idmap_suite)
