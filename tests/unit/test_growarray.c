// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdint.h>
#include "core/growarray.h"
#include "unit.h"

START_TEST(appends_keep_every_element)
{
	size_t n = 0, cap = 0, i;
	int *v = NULL;

	for (i = 0; i < 1000; i++) {
		ck_assert_int_eq(growarray_reserve(v, cap, n + 1), 0);
		ck_assert_uint_ge(cap, n + 1);
		v[n++] = (int)i;
	}
	for (i = 0; i < n; i++)
		ck_assert_int_eq(v[i], (int)i);
	free(v);
}
END_TEST

START_TEST(capacity_doubles_from_the_first)
{
	size_t cap = 0;
	char *v = NULL;

	ck_assert_int_eq(growarray_reserve(v, cap, 1), 0);
	ck_assert_uint_eq(cap, GROWARRAY_FIRST);
	ck_assert_int_eq(growarray_reserve(v, cap, GROWARRAY_FIRST + 1), 0);
	ck_assert_uint_eq(cap, 2 * GROWARRAY_FIRST);
	/* Many at once: the first power-of-two multiple that holds them. */
	ck_assert_int_eq(growarray_reserve(v, cap, 33 * GROWARRAY_FIRST), 0);
	ck_assert_uint_eq(cap, 64 * GROWARRAY_FIRST);
	free(v);
}
END_TEST

START_TEST(room_enough_changes_nothing)
{
	size_t cap = 0;
	long *v = NULL, *before;

	ck_assert_int_eq(growarray_reserve(v, cap, 3), 0);
	before = v;
	ck_assert_int_eq(growarray_reserve(v, cap, cap), 0);
	ck_assert_ptr_eq(v, before);
	ck_assert_uint_eq(cap, GROWARRAY_FIRST);
	free(v);
}
END_TEST

START_TEST(overflow_is_refused_and_keeps_the_array)
{
	size_t cap = 0, big;
	uint64_t *v = NULL, *before;

	ck_assert_int_eq(growarray_reserve(v, cap, 2), 0);
	v[1] = 42;
	before = v;
	/* The doubling would wrap around. */
	ck_assert_int_eq(growarray_reserve(v, cap, SIZE_MAX), -ENOMEM);
	/* The count fits a size_t, its bytes do not. */
	big = SIZE_MAX / sizeof(*v) + 1;
	ck_assert_int_eq(growarray_reserve(v, cap, big), -ENOMEM);
	ck_assert_ptr_eq(v, before);
	ck_assert_uint_eq(cap, GROWARRAY_FIRST);
	ck_assert_uint_eq(v[1], 42);
	free(v);
}
END_TEST

static Suite *growarray_suite(void)
{
	Suite *s = suite_create("growarray");
	TCase *tc = tcase_create("grow");

	tcase_add_test(tc, appends_keep_every_element);
	tcase_add_test(tc, capacity_doubles_from_the_first);
	tcase_add_test(tc, room_enough_changes_nothing);
	tcase_add_test(tc, overflow_is_refused_and_keeps_the_array);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(growarray_suite)
