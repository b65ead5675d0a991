// SPDX-License-Identifier: GPL-2.0
/* mptcpify probe: what this kernel and host allow, found by trial. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "cmd.h"
#include "core/output.h"
#include "core/probe.h"

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

static void probe_plain(json_t *r)
{
	json_t *v;

	printf("kernel:          %s\n", json_string_value(json_object_get(r, "kernel")));
	printf("btf:             %s\n", yes_no(json_is_true(json_object_get(r, "btf"))));
	printf("mptcp compiled:  %s\n", yes_no(json_is_true(json_object_get(r, "mptcp_compiled"))));
	v = json_object_get(r, "mptcp_enabled");
	printf("mptcp enabled:   %s\n", json_is_null(v) ? "unknown" : yes_no(json_is_true(v)));
	printf("netns switch:    %s\n",
	       json_is_true(json_object_get(r, "netns_switch_readable")) ?
		       "readable (net.mptcp.enabled=0 namespaces stay TCP)" :
		       "not readable (no mptcp_pernet_id in kallsyms; see README)");
	v = json_object_get(r, "cgroup2");
	printf("cgroup2:         %s\n", json_is_null(v) ? "not mounted" : json_string_value(v));
	printf("bpffs:           %s\n", yes_no(json_is_true(json_object_get(r, "bpffs"))));
	printf("cgroup bpf:      %s\n", yes_no(json_is_true(json_object_get(r, "cgroup_bpf"))));
	printf("hook:            %s\n", json_is_true(json_object_get(r, "hook")) ?
						"update_socket_protocol" :
						"missing (needs Linux 6.6+)");
	v = json_object_get(r, "rewrite_error");
	printf("fmod_ret trial:  %s\n",
	       json_is_null(v) ? "loaded and attached" : json_string_value(v));
	v = json_object_get(r, "reason");
	printf("verdict:         %s%s%s\n", json_string_value(json_object_get(r, "verdict")),
	       json_is_null(v) ? "" : ": ", json_is_null(v) ? "" : json_string_value(v));
}

int cmd_probe(const struct cmd_args *a)
{
	struct probe_result r;
	json_t *res;

	(void)a;
	probe_run(&r);
	res = json_pack("{s:s, s:b, s:b}", "kernel", r.kernel, "btf", r.btf, "mptcp_compiled",
			r.mptcp_compiled);
	json_object_set_new(res, "mptcp_enabled",
			    r.mptcp_enabled < 0 ? json_null() : json_boolean(r.mptcp_enabled));
	json_object_set_new(res, "netns_switch_readable", json_boolean(r.netns_switch));
	json_object_set_new(res, "cgroup2", r.cgroup2[0] ? json_string(r.cgroup2) : json_null());
	json_object_set_new(res, "bpffs", json_boolean(r.bpffs));
	json_object_set_new(res, "cgroup_bpf", json_boolean(r.cgroup_bpf));
	json_object_set_new(res, "hook", json_boolean(r.hook));
	json_object_set_new(res, "rewrite_error",
			    r.rewrite_err ? json_sprintf("%s", strerror(-r.rewrite_err)) :
					    json_null());
	json_object_set_new(res, "verdict", json_string(probe_support_name(r.support)));
	json_object_set_new(res, "reason", r.reason[0] ? json_string(r.reason) : json_null());
	emit(res, probe_plain);
	return r.support == SUPPORT_NONE ? EXIT_FAIL : EXIT_OK;
}
