// SPDX-License-Identifier: GPL-2.0
/*
 * mptcpify pm show CGROUP
 *
 * The MPTCP path manager of each network namespace the cgroup's processes
 * (its descendants' too) are in: limits and endpoints, as `ip mptcp limits
 * show` and `ip mptcp endpoint show` would print them inside. A new
 * namespace starts with no endpoints and accepts no announced address, so
 * this is where "MPTCP, but one subflow" is explained.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cmd.h"
#include "core/cgroup.h"
#include "core/netns.h"
#include "core/output.h"
#include "core/pm.h"

/* Endpoint ids are a u8: no namespace has more. */
#define MAX_ENDPOINTS 256

static json_t *endpoint_json(struct pm_conn *c, const struct pm_endpoint *ep)
{
	json_t *flags = json_array();
	char addr[64], dev[32];
	unsigned int bit;

	pm_addr_text(ep, addr, sizeof(addr));
	/* The address alone: the port is a field of its own. */
	if (ep->port) {
		struct pm_endpoint bare = *ep;

		bare.port = 0;
		pm_addr_text(&bare, addr, sizeof(addr));
	}
	pm_ifname(c, ep->ifindex, dev, sizeof(dev));
	for (bit = 0; bit < 32; bit++)
		if (ep->flags & (1u << bit))
			json_array_append_new(flags, pm_flag_name(bit) ?
							     json_string(pm_flag_name(bit)) :
							     json_integer(1 << bit));
	return json_pack("{s:i, s:s, s:i, s:o, s:o}", "id", ep->id, "address", addr, "port",
			 ep->port, "dev", dev[0] ? json_string(dev) : json_null(), "flags", flags);
}

/* What one namespace's path manager says, or why it could not be asked. */
static json_t *namespace_json(const struct netns_found *ns)
{
	json_t *o = json_pack("{s:I, s:b, s:i, s:i}", "netns", (json_int_t)ns->ino, "host",
			      ns->host, "pid", ns->pid, "processes", ns->nprocs);
	struct pm_endpoint *eps = calloc(MAX_ENDPOINTS, sizeof(*eps));
	const char *why = "cannot read the path manager";
	struct pm_limits lim;
	json_t *list;
	struct pm_conn c;
	size_t i, n = 0;
	int fd, err;

	fd = netns_open(ns);
	if (fd < 0) {
		err = fd;
		why = "its process has gone";
		goto fail;
	}
	err = pm_connect(&c, fd, &why);
	close(fd);
	if (err)
		goto fail;
	err = pm_get_limits(&c, &lim);
	if (!err)
		err = eps ? pm_get_endpoints(&c, eps, MAX_ENDPOINTS, &n) : -ENOMEM;
	if (!err) {
		json_object_set_new(o, "limits",
				    json_pack("{s:i, s:i}", "subflows", lim.subflows,
					      "add_addr_accepted", lim.add_addr_accepted));
		list = json_array();
		for (i = 0; i < n && i < MAX_ENDPOINTS; i++)
			json_array_append_new(list, endpoint_json(&c, &eps[i]));
		json_object_set_new(o, "endpoints", list);
	}
	pm_disconnect(&c);
	if (!err)
		goto out;
fail:
	json_object_set_new(
		o, "error",
		json_pack("{s:s, s:i, s:s}", "what", why, "errno", -err, "text", strerror(-err)));
out:
	free(eps);
	return o;
}

static void show_plain(json_t *r)
{
	json_t *nss = json_object_get(r, "namespaces"), *ns, *ep, *f, *err;
	size_t i, j, k;

	printf("%s: ", json_string_value(json_object_get(r, "cgroup")));
	if (!json_array_size(nss)) {
		printf("no process, no network namespace\n");
		return;
	}
	printf("%zu network namespace%s\n", json_array_size(nss),
	       json_array_size(nss) == 1 ? "" : "s");
	json_array_foreach (nss, i, ns) {
		printf("netns %lld%s (pid %lld, %lld process%s)\n",
		       (long long)json_integer_value(json_object_get(ns, "netns")),
		       json_is_true(json_object_get(ns, "host")) ? ", the host's" : "",
		       (long long)json_integer_value(json_object_get(ns, "pid")),
		       (long long)json_integer_value(json_object_get(ns, "processes")),
		       json_integer_value(json_object_get(ns, "processes")) == 1 ? "" : "es");
		err = json_object_get(ns, "error");
		if (err) {
			printf("  %s: %s\n", json_string_value(json_object_get(err, "what")),
			       json_string_value(json_object_get(err, "text")));
			continue;
		}
		f = json_object_get(ns, "limits");
		printf("  limits: subflows %lld add_addr_accepted %lld\n",
		       (long long)json_integer_value(json_object_get(f, "subflows")),
		       (long long)json_integer_value(json_object_get(f, "add_addr_accepted")));
		if (!json_array_size(json_object_get(ns, "endpoints")))
			printf("  no endpoint\n");
		json_array_foreach (json_object_get(ns, "endpoints"), j, ep) {
			printf("  endpoint %lld: %s",
			       (long long)json_integer_value(json_object_get(ep, "id")),
			       json_string_value(json_object_get(ep, "address")));
			if (json_integer_value(json_object_get(ep, "port")))
				printf(" port %lld",
				       (long long)json_integer_value(json_object_get(ep, "port")));
			if (json_is_string(json_object_get(ep, "dev")))
				printf(" dev %s", json_string_value(json_object_get(ep, "dev")));
			json_array_foreach (json_object_get(ep, "flags"), k, f)
				if (json_is_string(f))
					printf(" %s", json_string_value(f));
				else
					printf(" 0x%llx", (long long)json_integer_value(f));
			printf("\n");
		}
	}
}

int cmd_pm_show(const struct cmd_args *a)
{
	struct netns_found *found;
	char mount[PATH_MAX];
	struct cgroup_ref cg;
	json_t *r, *list;
	size_t i, n;
	int err;

	if (cmd_need_root() || cmd_resolve(a->cgroup, mount, &cg))
		return EXIT_FAIL;
	err = netns_of_cgroup(cg.path, &found, &n);
	if (err) {
		p_err(-err, NULL, "cannot read the processes of '%s'", cg.rel);
		return EXIT_FAIL;
	}
	list = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(list, namespace_json(&found[i]));
	free(found);
	r = json_pack("{s:o, s:o}", "cgroup", json_text(cg.rel), "namespaces", list);
	emit(r, show_plain);
	return EXIT_OK;
}
