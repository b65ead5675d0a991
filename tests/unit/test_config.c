// SPDX-License-Identifier: GPL-2.0
/* The daemon's YAML configuration: what it accepts, and the line it refuses with. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "daemon/config.h"
#include "daemon/pmconfig.h"
#include <arpa/inet.h>
#include <linux/mptcp.h>
#include "core/entries.h"
#include "core/pinstore.h"
#include "unit.h"

#define CC "reno cubic bbr"

static struct config cfg;
static char err[512];

static int parse(const char *text)
{
	err[0] = '\0';
	return config_parse(text, strlen(text), "test.yaml", CC, &cfg, err, sizeof(err));
}

/* Refused, with exactly this message. */
#define ck_refused(text, message)                       \
	do {                                            \
		ck_assert_int_eq(parse(text), -EINVAL); \
		ck_assert_str_eq(err, message);         \
		ck_assert_ptr_null(cfg.selectors);      \
	} while (0)

static const char *const full = "resync: 30s\n"
				"profiles:\n"
				"  second-path:\n"
				"    - \"join -> mark 0x20\"\n"
				"    - \"-> cc reno\"\n"
				"selectors:\n"
				"  - name: front\n"
				"    pod: {namespace: shop, name: \"front-*\"}\n"
				"    subflow: second-path\n"
				"  - name: one\n"
				"    pod:\n"
				"      uid: 0B6F8E43_2A84_4C6E_9A55_4D5E8E9F1A2B\n"
				"    mode: exclude\n"
				"  - name: nginx\n"
				"    unit: nginx.service\n"
				"    mode: audit\n"
				"  - name: batch\n"
				"    cgroup: /batch.slice/*\n"
				"    mode: rewrite\n"
				"  - name: ctr\n"
				"    container: 3F4E5A6B7C8D\n"
				"    mode: exclude\n";

START_TEST(full_config_parses)
{
	ck_assert_int_eq(parse(full), 0);
	ck_assert_uint_eq(cfg.resync_s, 30);
	ck_assert_int_eq(cfg.nprofiles, 1);
	ck_assert_uint_eq(cfg.profiles[0].prof.nrules, 2);
	ck_assert_uint_eq(cfg.profiles[0].prof.owner, MPTCPIFY_OWNER_DAEMON);
	ck_assert_int_eq(cfg.nselectors, 5);
	/* mode defaults to rewrite; a profile is found by name */
	ck_assert_uint_eq(cfg.selectors[0].mode, MPTCPIFY_MODE_REWRITE);
	ck_assert_int_eq(cfg.selectors[0].kind, SELECTOR_POD);
	ck_assert_str_eq(cfg.selectors[0].pod_namespace, "shop");
	ck_assert_str_eq(cfg.selectors[0].pod_name, "front-*");
	ck_assert_int_eq(cfg.selectors[0].profile, 0);
	ck_assert_int_eq(cfg.selectors[0].line, 7);
	/* a UID is kept in the API's form: dashes, lower case */
	ck_assert_str_eq(cfg.selectors[1].pod_uid, "0b6f8e43-2a84-4c6e-9a55-4d5e8e9f1a2b");
	ck_assert_uint_eq(cfg.selectors[1].mode, MPTCPIFY_MODE_EXCLUDE);
	ck_assert_int_eq(cfg.selectors[1].profile, -1);
	ck_assert_int_eq(cfg.selectors[2].kind, SELECTOR_UNIT);
	ck_assert_uint_eq(cfg.selectors[2].mode, MPTCPIFY_MODE_AUDIT);
	/* a cgroup path is relative to the mount, whether written with / or not */
	ck_assert_str_eq(cfg.selectors[3].pattern, "batch.slice/*");
	ck_assert_str_eq(cfg.selectors[4].pattern, "3f4e5a6b7c8d");
	ck_assert_uint_eq(config_links(&cfg), entries_mode_links(MPTCPIFY_MODE_REWRITE) |
						      entries_mode_links(MPTCPIFY_MODE_AUDIT));
	config_free(&cfg);
}
END_TEST

START_TEST(defaults)
{
	ck_assert_int_eq(parse("selectors:\n  - {name: a, cgroup: x.slice, mode: exclude}\n"), 0);
	ck_assert_uint_eq(cfg.resync_s, CONFIG_DEFAULT_RESYNC);
	/* an exclude-only configuration needs only the outcomes' program */
	ck_assert_uint_eq(config_links(&cfg), PINS_LINK_BIT(PINS_LINK_SUBFLOW));
	ck_assert_uint_eq(cfg.selectors[0].flags, 0);
	config_free(&cfg);
	ck_assert_int_eq(parse("selectors:\n  - {name: a, cgroup: x, on-incompatible: exclude}\n"),
			 0);
	ck_assert_uint_eq(cfg.selectors[0].flags, MPTCPIFY_PROTECT);
	config_free(&cfg);
}
END_TEST

START_TEST(yaml_syntax_errors_have_a_position)
{
	ck_refused(
		"selectors:\n  - name: a\n    cgroup: [x\n",
		"test.yaml:4:1: while parsing a flow sequence: did not find expected ',' or ']'");
	ck_refused("", "test.yaml:1:1: the configuration is empty");
	ck_refused("- a\n", "test.yaml:1:1: the configuration must be a mapping (resync, "
			    "cgroup-metrics, profiles, selectors)");
}
END_TEST

START_TEST(unknown_keys_are_refused)
{
	ck_refused("resync: 5\nselector: []\n",
		   "test.yaml:2:1: unknown key 'selector' (resync, cgroup-metrics, profiles, "
		   "selectors)");
	ck_refused("selectors:\n  - name: a\n    cgroup: x\n    mdoe: audit\n",
		   "test.yaml:4:5: unknown selector key 'mdoe' (name, cgroup, unit, pod, "
		   "container, mode, on-incompatible, subflow, path-manager)");
	ck_refused("selectors:\n  - {name: a, cgroup: x, on-incompatible: maybe}\n",
		   "test.yaml:2:43: on-incompatible must be exclude or keep");
	ck_refused("selectors:\n  - name: a\n    pod: {ns: x}\n",
		   "test.yaml:3:11: unknown pod key 'ns' (namespace, name, uid)");
	ck_refused("resync: 0\nselectors: []\n",
		   "test.yaml:1:9: resync must be 1 to 86400 seconds, not '0'");
	ck_refused("resync: 5\n", "test.yaml:1:1: no selectors: nothing to enforce");
	/* libyaml takes a key twice; the configuration does not */
	ck_refused("profiles: {}\nprofiles: {p: [\"-> mark 1\"]}\nselectors: []\n",
		   "test.yaml:2:1: 'profiles' is given twice");
	ck_refused("selectors:\n  - {name: a, cgroup: x, mode: audit, mode: exclude}\n",
		   "test.yaml:2:39: 'mode' is given twice");
	ck_refused("selectors:\n  - {name: a, pod: {name: x, name: y}}\n",
		   "test.yaml:2:30: 'name' is given twice");
}
END_TEST

START_TEST(selectors_need_a_name_and_one_match)
{
	ck_refused("selectors:\n  - cgroup: x\n", "test.yaml:2:5: a selector needs a name");
	ck_refused("selectors:\n  - name: a\n",
		   "test.yaml:2:5: selector 'a' needs one of cgroup, unit, pod or container");
	ck_refused("selectors:\n  - name: a\n    cgroup: x\n    unit: y.service\n",
		   "test.yaml:4:11: 'unit': a selector matches by one of cgroup, unit, pod or "
		   "container");
	ck_refused("selectors:\n  - {name: a, cgroup: x}\n  - {name: a, cgroup: y}\n",
		   "test.yaml:3:12: selector 'a' is defined twice (line 2)");
	ck_refused("selectors:\n  - {name: \"a b\", cgroup: x}\n",
		   "test.yaml:2:12: a name is letters, digits, '-', '_' and '.'");
}
END_TEST

START_TEST(bad_values_are_refused)
{
	ck_refused("selectors:\n  - {name: a, cgroup: x, mode: rewritten}\n",
		   "test.yaml:2:32: mode must be rewrite, audit or exclude");
	ck_refused("selectors:\n  - {name: a, cgroup: x, mode: re}\n",
		   "test.yaml:2:32: mode must be rewrite, audit or exclude");
	ck_refused("selectors:\n  - {name: a, cgroup: ../x}\n",
		   "test.yaml:2:23: cgroup must be a path below the cgroup2 mount");
	ck_refused("selectors:\n  - {name: a, unit: system.slice/x.service}\n",
		   "test.yaml:2:21: unit must be a unit name such as nginx.service");
	ck_refused("selectors:\n  - {name: a, pod: {uid: 1234}}\n",
		   "test.yaml:2:26: uid must be a pod UID such as "
		   "0b6f8e43-2a84-4c6e-9a55-4d5e8e9f1a2b");
	ck_refused("selectors:\n  - {name: a, pod: {}}\n",
		   "test.yaml:2:20: pod needs a namespace, a name or a uid");
	ck_refused("selectors:\n  - {name: a, container: abc}\n",
		   "test.yaml:2:26: container must be a container ID, or its first 12 or more hex "
		   "digits");
	ck_refused("selectors:\n  - {name: a, container: 3f4e5a6b7c8g}\n",
		   "test.yaml:2:26: container ID '3f4e5a6b7c8g' is not hexadecimal");
	ck_refused("selectors:\n  - {name: a, cgroup: [x]}\n",
		   "test.yaml:2:23: cgroup must be a string");
}
END_TEST

START_TEST(profiles_are_checked)
{
	ck_refused("selectors:\n  - {name: a, cgroup: x, subflow: fast}\n",
		   "test.yaml:2:35: no profile named 'fast' under profiles");
	ck_refused("profiles:\n  p: [\"join -> cc vegas\"]\nselectors: []\n",
		   "test.yaml:2:7: congestion control 'vegas' is not available (available: reno "
		   "cubic bbr)");
	ck_refused("profiles:\n  p: []\nselectors: []\n",
		   "test.yaml:2:6: profile 'p' has no rules");
	ck_refused("profiles:\n  p: \"join -> mark 1\"\nselectors: []\n",
		   "test.yaml:2:6: profile 'p' must be a list of rules");
	ck_refused("profiles:\n  p: [\"-> mark 1\"]\n  p: [\"-> mark 2\"]\nselectors: []\n",
		   "test.yaml:3:3: 'p' is given twice");
	ck_refused("profiles:\n  p: [a]\nselectors: []\n", "test.yaml:2:7: missing '->'");
	ck_refused(
		"profiles:\n  p: [\"-> mark 1\", \"-> mark 2\", \"-> mark 3\", \"-> mark 4\",\n"
		"      \"-> mark 5\", \"-> mark 6\", \"-> mark 7\", \"-> mark 8\", \"-> mark 9\"]\n"
		"selectors: []\n",
		"test.yaml:3:59: a profile holds at most 8 rules");
}
END_TEST

/* The per-cgroup series: all by default, as --cgroup-metrics spells them. */
START_TEST(cgroup_metrics_levels)
{
	static const char *const words[] = {"all", "pods", "off"};
	char text[128];
	size_t i;

	ck_assert_int_eq(parse("selectors: []\n"), 0);
	ck_assert_int_eq(cfg.cgroup_metrics, CGROUP_METRICS_ALL);
	config_free(&cfg);
	for (i = 0; i < 3; i++) {
		snprintf(text, sizeof(text), "cgroup-metrics: %s\nselectors: []\n", words[i]);
		ck_assert_int_eq(parse(text), 0);
		ck_assert_str_eq(config_cgroup_metrics_name(cfg.cgroup_metrics), words[i]);
		config_free(&cfg);
	}
	ck_assert_int_eq(parse("cgroup-metrics: \"off\"\nselectors: []\n"), 0);
	ck_assert_int_eq(cfg.cgroup_metrics, CGROUP_METRICS_OFF);
	config_free(&cfg);
	ck_refused("cgroup-metrics: none\nselectors: []\n",
		   "test.yaml:1:17: cgroup-metrics must be all, pods or off");
	ck_refused("selectors: []\ncgroup-metrics: {pods: true}\n",
		   "test.yaml:2:17: cgroup-metrics must be all, pods or off");
	ck_refused("cgroup-metrics: Pods\nselectors: []\n",
		   "test.yaml:1:17: cgroup-metrics must be all, pods or off");
	ck_refused("cgroup-metrics: all\ncgroup-metrics: off\nselectors: []\n",
		   "test.yaml:2:1: 'cgroup-metrics' is given twice");
}
END_TEST

/*
 * 8,000 selectors: names checked for duplicates by hash (pairwise took
 * most of a reload), and each selector small (a PATH_MAX pattern in each
 * made 36 MB). A duplicate is still found, far down, with its first line.
 */
START_TEST(many_selectors)
{
	size_t cap = 8002 * 64, len = 0;
	char *text = malloc(cap), err[256];
	struct config c;
	int i;

	ck_assert_uint_lt(sizeof(struct selector), 1024);
	ck_assert_ptr_nonnull(text);
	len += snprintf(text + len, cap - len, "selectors:\n");
	for (i = 0; i < 8000; i++)
		len += snprintf(text + len, cap - len, "  - {name: s%d, cgroup: \"t%d/*\"}\n", i,
				i);
	ck_assert_int_eq(config_parse(text, len, "t", NULL, &c, err, sizeof(err)), 0);
	ck_assert_int_eq(c.nselectors, 8000);
	ck_assert_str_eq(c.selectors[7999].pattern, "t7999/*");
	config_free(&c);
	len += snprintf(text + len, cap - len, "  - {name: s4711, cgroup: x}\n");
	ck_assert_int_eq(config_parse(text, len, "t", NULL, &c, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "t:8002:12: selector 's4711' is defined twice (line 4713)");
	free(text);
}
END_TEST

START_TEST(files)
{
	ck_assert_int_eq(config_load("/nonexistent/mptcpify.yaml", CC, &cfg, err, sizeof(err)),
			 -ENOENT);
	ck_assert_str_eq(err, "/nonexistent/mptcpify.yaml: cannot read the configuration: "
			      "No such file or directory");
	/* What may never end, or never come, is not read at all. */
	ck_assert_int_eq(config_load("/dev/zero", CC, &cfg, err, sizeof(err)), -ENOTSUP);
	ck_assert_str_eq(err,
			 "/dev/zero: a device, not a regular file: the configuration must be one");
	ck_assert_int_eq(config_load("/", CC, &cfg, err, sizeof(err)), -ENOTSUP);
	ck_assert_str_eq(err, "/: a directory, not a regular file: the configuration must be one");
}
END_TEST

/* A FIFO with no writer: refused at once, where a read would wait for ever. */
START_TEST(a_fifo_is_refused)
{
	char dir[] = "/tmp/test_config.XXXXXX", path[64];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/fifo", dir);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_int_eq(config_load(path, CC, &cfg, err, sizeof(err)), -ENOTSUP);
	ck_assert_ptr_nonnull(strstr(err, "/fifo: a FIFO, not a regular file"));
	unlink(path);
	rmdir(dir);
}
END_TEST

/* Over the cap by its size, refused before a byte is read; at the cap, read. */
START_TEST(the_size_is_capped)
{
	static char text[1 << 20];
	char path[] = "/tmp/test_config.XXXXXX";
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (1 << 20) + 1), 0);
	ck_assert_int_eq(config_load(path, CC, &cfg, err, sizeof(err)), -EFBIG);
	ck_assert_ptr_nonnull(strstr(err, ": larger than 1048576 bytes, the limit"));
	memset(text, '#', sizeof(text));
	memcpy(text, "selectors: []\n", 14);
	ck_assert_int_eq(pwrite(fd, text, sizeof(text), 0), sizeof(text));
	ck_assert_int_eq(ftruncate(fd, sizeof(text)), 0);
	ck_assert_int_eq(config_load(path, CC, &cfg, err, sizeof(err)), 0);
	config_free(&cfg);
	close(fd);
	unlink(path);
}
END_TEST

#define PM_HEAD "selectors:\n  - name: shop\n    pod: {namespace: shop}\n"

START_TEST(path_manager_parses)
{
	const struct pm_config *pm;
	__u8 want[16];

	ck_assert_int_eq(
		parse(PM_HEAD
		      "    path-manager:\n"
		      "      limits: {subflows: 4, add-addr-accepted: 8}\n"
		      "      endpoints:\n"
		      "        - {dev: eth1, flags: [subflow]}\n"
		      "        - {address: 10.0.2.1, port: 8080, flags: [signal, backup]}\n"
		      "        - {address: \"fd00::1\", dev: eth2, flags: [subflow, fullmesh]}\n"
		      "  - name: other\n"
		      "    cgroup: x\n"),
		0);
	pm = cfg.selectors[0].pm;
	ck_assert_ptr_nonnull(pm);
	ck_assert_ptr_null(cfg.selectors[1].pm);
	ck_assert(pm->has_subflows && pm->has_add_addr && !pm->host_namespace);
	ck_assert_uint_eq(pm->limits.subflows, 4);
	ck_assert_uint_eq(pm->limits.add_addr_accepted, 8);
	ck_assert_uint_eq(pm->nendpoints, 3);
	ck_assert_str_eq(pm->endpoints[0].dev, "eth1");
	ck_assert(!pm->endpoints[0].has_address);
	ck_assert_uint_eq(pm->endpoints[0].ep.flags, MPTCP_PM_ADDR_FLAG_SUBFLOW);
	inet_pton(AF_INET, "10.0.2.1", want);
	ck_assert(pm->endpoints[1].has_address && pm->endpoints[1].ep.family == AF_INET);
	ck_assert(!memcmp(pm->endpoints[1].ep.addr, want, 4));
	ck_assert_uint_eq(pm->endpoints[1].ep.port, 8080);
	ck_assert_uint_eq(pm->endpoints[1].ep.flags,
			  MPTCP_PM_ADDR_FLAG_SIGNAL | MPTCP_PM_ADDR_FLAG_BACKUP);
	ck_assert_uint_eq(pm->endpoints[2].ep.family, AF_INET6);
	ck_assert_str_eq(pm->endpoints[2].dev, "eth2");
	config_free(&cfg);

	/* Limits alone, one of them; the host's namespace said explicitly. */
	ck_assert_int_eq(parse(PM_HEAD "    path-manager: {limits: {subflows: 2}, host-namespace: "
				       "true}\n"),
			 0);
	pm = cfg.selectors[0].pm;
	ck_assert(pm->has_subflows && !pm->has_add_addr && pm->host_namespace);
	config_free(&cfg);
}
END_TEST

/* Every refusal names the line and column of what is wrong. */
START_TEST(path_manager_refusals)
{
	ck_refused(PM_HEAD "    path-manager: {limit: {subflows: 2}}\n",
		   "test.yaml:4:20: unknown path-manager key 'limit' (limits, endpoints, "
		   "host-namespace)");
	ck_refused(PM_HEAD "    path-manager:\n      limits: {subflows: 9}\n",
		   "test.yaml:5:26: subflows must be a number from 0 to 8, not '9'");
	ck_refused(PM_HEAD "    path-manager:\n      limits: {add-addr-accepted: -1}\n",
		   "test.yaml:5:35: add-addr-accepted must be a number from 0 to 8");
	ck_refused(PM_HEAD "    path-manager:\n      limits: {subflow: 2}\n",
		   "test.yaml:5:16: unknown limits key 'subflow' (subflows, add-addr-accepted)");
	ck_refused(PM_HEAD "    path-manager:\n      endpoints:\n        - {dev: eth1, flags: "
			   "[subflow, laminar]}\n",
		   "test.yaml:6:40: unknown endpoint flag 'laminar' (signal, subflow, backup, "
		   "fullmesh)");
	ck_refused(PM_HEAD "    path-manager:\n      endpoints:\n        - {dev: eth1, flags: "
			   "[implicit]}\n",
		   "test.yaml:6:31: unknown endpoint flag 'implicit' (signal, subflow, backup, "
		   "fullmesh)");
	ck_refused(PM_HEAD "    path-manager:\n      endpoints:\n        - {address: 10.0.2, "
			   "flags: [signal]}\n",
		   "test.yaml:6:21: address must be an IPv4 or IPv6 address");
	ck_refused(PM_HEAD "    path-manager:\n      endpoints:\n        - {flags: [signal]}\n",
		   "test.yaml:6:11: an endpoint needs a dev or an address");
	ck_refused(PM_HEAD "    path-manager:\n      endpoints:\n        - {dev: eth1}\n",
		   "test.yaml:6:11: an endpoint needs flags: signal, subflow, or both");
	ck_refused(PM_HEAD "    path-manager:\n      endpoints:\n        - {dev: eth1, flags: "
			   "[signal, fullmesh]}\n",
		   "test.yaml:6:30: an endpoint cannot be both signal and fullmesh");
	ck_refused(PM_HEAD "    path-manager:\n      endpoints:\n        - {dev: eth1, port: 80, "
			   "flags: [subflow]}\n",
		   "test.yaml:6:11: a port needs the signal flag");
	ck_refused(PM_HEAD "    path-manager:\n      endpoints:\n        - {dev: \"a/b\", "
			   "flags: [subflow]}\n",
		   "test.yaml:6:17: dev must be an interface name");
	ck_refused(PM_HEAD "    path-manager: {host-namespace: yes}\n",
		   "test.yaml:4:36: host-namespace must be true or false");
	ck_refused(PM_HEAD "    path-manager: {host-namespace: true}\n",
		   "test.yaml:4:19: path-manager sets nothing: give limits or endpoints");
	ck_refused(PM_HEAD "    mode: exclude\n    path-manager: {limits: {subflows: 2}}\n",
		   "test.yaml:2:5: selector 'shop': path-manager needs mode rewrite or audit");
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config");

	tcase_add_test(tc, full_config_parses);
	tcase_add_test(tc, defaults);
	tcase_add_test(tc, yaml_syntax_errors_have_a_position);
	tcase_add_test(tc, unknown_keys_are_refused);
	tcase_add_test(tc, selectors_need_a_name_and_one_match);
	tcase_add_test(tc, bad_values_are_refused);
	tcase_add_test(tc, profiles_are_checked);
	tcase_add_test(tc, cgroup_metrics_levels);
	tcase_add_test(tc, many_selectors);
	tcase_add_test(tc, path_manager_parses);
	tcase_add_test(tc, path_manager_refusals);
	tcase_add_test(tc, files);
	tcase_add_test(tc, a_fifo_is_refused);
	tcase_add_test(tc, the_size_is_capped);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(config_suite)
