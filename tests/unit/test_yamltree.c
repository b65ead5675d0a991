// SPDX-License-Identifier: GPL-2.0
/* YAML into a tree, with the limits checked while parsing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "daemon/yamltree.h"
#include "unit.h"

static struct ynode *root;
static struct yaml_error err;

static int parse(const char *text)
{
	yamltree_free(root);
	root = NULL;
	return yamltree_parse(text, strlen(text), &root, &err);
}

START_TEST(a_tree_with_positions)
{
	struct ynode *k, *v;

	ck_assert_int_eq(parse("a: 1\nb: [x, y]\nc:\n  d: e\n"), 0);
	ck_assert_int_eq(root->type, YNODE_MAPPING);
	ck_assert_uint_eq(root->n, 6);
	ck_assert_str_eq(root->items[0]->scalar, "a");
	ck_assert_int_eq(root->items[3]->type, YNODE_SEQUENCE);
	ck_assert_str_eq(root->items[3]->items[1]->scalar, "y");
	ck_assert_uint_eq(root->items[3]->items[1]->line, 2);
	ck_assert_uint_eq(root->items[3]->items[1]->column, 8);
	for_each_pair (root->items[5], k, v) {
		ck_assert_str_eq(k->scalar, "d");
		ck_assert_str_eq(v->scalar, "e");
	}
	ck_assert_int_eq(parse(""), 0);
	ck_assert_ptr_null(root);
}
END_TEST

START_TEST(nesting_is_bounded)
{
	char deep[64], *huge;
	size_t n = 1 << 20;

	/* 16 levels are fine, 17 are not. */
	memset(deep, 0, sizeof(deep));
	memset(deep, '[', 16);
	memset(deep + 16, ']', 16);
	ck_assert_int_eq(parse(deep), 0);
	memset(deep, 0, sizeof(deep));
	memset(deep, '[', 17);
	ck_assert_int_eq(parse(deep), -EINVAL);
	ck_assert_str_eq(err.why, "nested too deep: at most 16 levels");
	ck_assert_uint_eq(err.column, 17);
	/* A megabyte of '[' stops at the 17th. */
	huge = malloc(n + 1);
	memset(huge, '[', n);
	huge[n] = '\0';
	ck_assert_int_eq(parse(huge), -EINVAL);
	ck_assert_str_eq(err.why, "nested too deep: at most 16 levels");
	free(huge);
}
END_TEST

/* Found with a hash per mapping: 30,000 keys are checked in linear time. */
START_TEST(keys_twice_are_refused)
{
	size_t i, len = 0, cap = 1 << 20;
	char *text = malloc(cap);

	ck_assert_int_eq(parse("a: 1\nb: {x: 1, y: 2, x: 3}\n"), -EINVAL);
	ck_assert_str_eq(err.why, "'x' is given twice");
	ck_assert_uint_eq(err.line, 2);
	ck_assert_uint_eq(err.column, 17);
	/* The same key in two mappings is fine. */
	ck_assert_int_eq(parse("a: {x: 1}\nb: {x: 1}\n"), 0);
	for (i = 0; i < 30000; i++)
		len += snprintf(text + len, cap - len, "key%zu: %zu\n", i, i);
	snprintf(text + len, cap - len, "key7: again\n");
	ck_assert_int_eq(parse(text), -EINVAL);
	ck_assert_str_eq(err.why, "'key7' is given twice");
	ck_assert_uint_eq(err.line, 30001);
	free(text);
}
END_TEST

START_TEST(one_plain_document)
{
	ck_assert_int_eq(parse("a: 1\n---\nb: 2\n"), -EINVAL);
	ck_assert_str_eq(err.why, "a second document: the configuration is one document");
	ck_assert_uint_eq(err.line, 2);
	ck_assert_int_eq(parse("a: !!binary aGVsbG8=\n"), -EINVAL);
	ck_assert_str_eq(err.why, "tags (such as !!binary) are not supported");
	ck_assert_int_eq(parse("a: &x [1, 2]\nb: *x\n"), -EINVAL);
	ck_assert_str_eq(err.why, "anchors (&name) are not supported");
	ck_assert_int_eq(parse("b: *x\n"), -EINVAL);
	ck_assert_int_eq(parse("? [a]\n: 1\n"), -EINVAL);
	ck_assert_str_eq(err.why, "a key must be a string");
	ck_assert_int_eq(parse("a: [1, 2\n"), -EINVAL);
	ck_assert_uint_eq(err.line, 2);
}
END_TEST

START_TEST(nodes_are_bounded)
{
	size_t i, len = 0, cap = 1 << 20;
	char *text = malloc(cap);

	len += snprintf(text, cap, "[");
	for (i = 0; i < 70000; i++)
		len += snprintf(text + len, cap - len, "1,");
	snprintf(text + len, cap - len, "1]");
	ck_assert_int_eq(parse(text), -EINVAL);
	ck_assert_str_eq(err.why, "too many nodes: a configuration has at most 65536");
	free(text);
}
END_TEST

static void teardown(void)
{
	yamltree_free(root);
	root = NULL;
}

static Suite *yamltree_suite(void)
{
	Suite *s = suite_create("yamltree");
	TCase *tc = tcase_create("parse");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, a_tree_with_positions);
	tcase_add_test(tc, nesting_is_bounded);
	tcase_add_test(tc, keys_twice_are_refused);
	tcase_add_test(tc, one_plain_document);
	tcase_add_test(tc, nodes_are_bounded);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(yamltree_suite)
