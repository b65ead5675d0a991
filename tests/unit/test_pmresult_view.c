// SPDX-License-Identifier: GPL-2.0
/* The path-manager results as stats shows them: per cgroup, by namespace. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "cli/pmresult_view.h"
#include "core/pmresults.h"
#include "unit.h"

static void row(struct idmap *m, __u64 cgid, __u64 netns, __u32 result, int err,
		const char *selector, const char *step)
{
	struct pmresult_row r = {.key = {.cgid = cgid, .netns = netns},
				 .val = {.result = result, .err = err, .since = 1700000000}};

	snprintf(r.val.selector, sizeof(r.val.selector), "%s", selector);
	snprintf(r.val.step, sizeof(r.val.step), "%s", step);
	ck_assert_int_eq(pmresult_view_add(m, &r), 0);
}

/* A cgroup's rows: sorted by namespace, errno and step only on a refusal. */
START_TEST(json_and_lines)
{
	struct idmap m = {0};
	json_t *entry = json_object();
	char *text, *lines = NULL;
	size_t len = 0;
	FILE *f;

	row(&m, 7, 30, PMRESULT_APPLIED, 0, "app", "");
	row(&m, 7, 20, PMRESULT_REFUSED, EPERM, "app", "the host's namespace");
	row(&m, 7, 40, PMRESULT_RESTORED, 0, "app", "");
	row(&m, 8, 50, PMRESULT_APPLIED, 0, "other", "");
	pmresult_view_json(&m, 7, entry);
	text = json_dumps(json_object_get(entry, "path_manager"), JSON_COMPACT);
	ck_assert_str_eq(text, "[{\"netns\":20,\"result\":\"refused\",\"selector\":\"app\","
			       "\"errno\":1,\"since\":1700000000,\"error\":\"EPERM\","
			       "\"step\":\"the host's namespace\"},"
			       "{\"netns\":30,\"result\":\"applied\",\"selector\":\"app\","
			       "\"errno\":0,\"since\":1700000000},"
			       "{\"netns\":40,\"result\":\"restored\",\"selector\":\"app\","
			       "\"errno\":0,\"since\":1700000000}]");
	free(text);
	f = open_memstream(&lines, &len);
	pmresult_view_plain(f, entry);
	fclose(f);
	ck_assert_str_eq(lines, "         path manager, netns 20: refused EPERM (the host's "
				"namespace), selector app\n"
				"         path manager, netns 30: applied, selector app\n"
				"         path manager, netns 40: restored, selector app\n");
	free(lines);
	json_decref(entry);
	pmresult_view_free(&m);
}
END_TEST

/* No rows, no key: an entry without a path-manager block looks as before. */
START_TEST(none)
{
	struct idmap m = {0};
	json_t *entry = json_object();

	row(&m, 8, 50, PMRESULT_APPLIED, 0, "other", "");
	pmresult_view_json(&m, 7, entry);
	ck_assert_ptr_null(json_object_get(entry, "path_manager"));
	json_decref(entry);
	pmresult_view_free(&m);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("pmresult_view");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, json_and_lines);
	tcase_add_test(tc, none);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
