// SPDX-License-Identifier: GPL-2.0
/* A selector's path-manager block, checked against what the kernel takes. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/mptcp.h>
#include "pmconfig.h"
#include "yamltree.h"

/* A whole number from @min to @max. */
static int number(const struct yamltree_diag *ps, const struct ynode *node, const char *what,
		  unsigned int min, unsigned int max, __u32 *out)
{
	const char *s = yamltree_scalar(node);
	unsigned long v;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return yamltree_fail(ps, node, "%s must be a number from %u to %u", what, min, max);
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*end || errno || v < min || v > max)
		return yamltree_fail(ps, node, "%s must be a number from %u to %u, not '%s'", what,
				     min, max, s);
	*out = (__u32)v;
	return 0;
}

static int parse_limits(const struct yamltree_diag *ps, const struct ynode *map,
			struct pm_config *c)
{
	const struct ynode *key, *val;
	const char *k;
	int err;

	if (map->type != YNODE_MAPPING)
		return yamltree_fail(ps, map, "limits takes subflows and/or add-addr-accepted");
	for_each_pair (map, key, val) {
		k = yamltree_scalar(key) ? yamltree_scalar(key) : "";
		if (!strcmp(k, "subflows")) {
			err = number(ps, val, "subflows", 0, PM_LIMIT_MAX, &c->limits.subflows);
			c->has_subflows = true;
		} else if (!strcmp(k, "add-addr-accepted")) {
			err = number(ps, val, "add-addr-accepted", 0, PM_LIMIT_MAX,
				     &c->limits.add_addr_accepted);
			c->has_add_addr = true;
		} else {
			return yamltree_fail(
				ps, key, "unknown limits key '%s' (subflows, add-addr-accepted)",
				k);
		}
		if (err)
			return err;
	}
	if (!c->has_subflows && !c->has_add_addr)
		return yamltree_fail(ps, map, "limits needs subflows or add-addr-accepted");
	return 0;
}

static int parse_flags(const struct yamltree_diag *ps, const struct ynode *list, __u32 *flags)
{
	const struct ynode *f;
	const char *name;
	__u32 bit;
	size_t i;

	if (list->type != YNODE_SEQUENCE)
		return yamltree_fail(ps, list, "flags must be a list, such as [subflow]");
	for (i = 0; i < list->n; i++) {
		f = list->items[i];
		name = yamltree_scalar(f) ? yamltree_scalar(f) : "";
		bit = pm_flag_of(name);
		/* implicit is the kernel's own mark of an endpoint it made. */
		if (!bit || bit == MPTCP_PM_ADDR_FLAG_IMPLICIT)
			return yamltree_fail(ps, f,
					     "unknown endpoint flag '%s' (signal, subflow, backup, "
					     "fullmesh)",
					     name);
		*flags |= bit;
	}
	return 0;
}

static bool valid_ifname(const char *s)
{
	size_t n = strlen(s);

	if (!n || n >= IFNAMSIZ || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || isspace((unsigned char)*s) ||
		    !isprint((unsigned char)*s))
			return false;
	return true;
}

static int parse_endpoint(const struct yamltree_diag *ps, const struct ynode *map,
			  struct pm_endpoint_config *e)
{
	const struct ynode *key, *val, *flags = NULL;
	const char *k, *v;
	__u32 port = 0;
	int err = 0;

	if (map->type != YNODE_MAPPING)
		return yamltree_fail(ps, map,
				     "an endpoint is a mapping: {dev: eth1, flags: [subflow]}");
	for_each_pair (map, key, val) {
		k = yamltree_scalar(key) ? yamltree_scalar(key) : "";
		v = yamltree_scalar(val);
		if (!strcmp(k, "dev")) {
			if (!v || !valid_ifname(v))
				return yamltree_fail(ps, val, "dev must be an interface name");
			strcpy(e->dev, v);
		} else if (!strcmp(k, "address")) {
			if (v && inet_pton(AF_INET, v, e->ep.addr) == 1)
				e->ep.family = AF_INET;
			else if (v && inet_pton(AF_INET6, v, e->ep.addr) == 1)
				e->ep.family = AF_INET6;
			else
				return yamltree_fail(ps, val,
						     "address must be an IPv4 or IPv6 address");
			e->has_address = true;
		} else if (!strcmp(k, "port")) {
			err = number(ps, val, "port", 1, 65535, &port);
			e->ep.port = (__u16)port;
		} else if (!strcmp(k, "flags")) {
			flags = val;
			err = parse_flags(ps, val, &e->ep.flags);
		} else {
			return yamltree_fail(
				ps, key, "unknown endpoint key '%s' (dev, address, port, flags)",
				k);
		}
		if (err)
			return err;
	}
	if (!e->dev[0] && !e->has_address)
		return yamltree_fail(ps, map, "an endpoint needs a dev or an address");
	if (!e->ep.flags)
		return yamltree_fail(ps, flags ? flags : map,
				     "an endpoint needs flags: signal, subflow, or both");
	/* What the kernel refuses, said before it does. */
	if ((e->ep.flags & MPTCP_PM_ADDR_FLAG_SIGNAL) &&
	    (e->ep.flags & MPTCP_PM_ADDR_FLAG_FULLMESH))
		return yamltree_fail(ps, flags, "an endpoint cannot be both signal and fullmesh");
	if (e->ep.port && !(e->ep.flags & MPTCP_PM_ADDR_FLAG_SIGNAL))
		return yamltree_fail(ps, map, "a port needs the signal flag");
	return 0;
}

static int parse_endpoints(const struct yamltree_diag *ps, const struct ynode *list,
			   struct pm_config *c)
{
	size_t i;
	int err;

	if (list->type != YNODE_SEQUENCE)
		return yamltree_fail(ps, list, "endpoints must be a list");
	for (i = 0; i < list->n; i++) {
		if (c->nendpoints == PM_LIMIT_MAX)
			return yamltree_fail(ps, list->items[i], "at most %d endpoints",
					     PM_LIMIT_MAX);
		err = parse_endpoint(ps, list->items[i], &c->endpoints[c->nendpoints]);
		if (err)
			return err;
		c->nendpoints++;
	}
	return 0;
}

int pmconfig_parse(const struct ynode *map, const struct yamltree_diag *ps, struct pm_config *out)
{
	const struct ynode *key, *val;
	const char *k, *v;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	if (map->type != YNODE_MAPPING)
		return yamltree_fail(ps, map,
				     "path-manager takes limits, endpoints and host-namespace");
	for_each_pair (map, key, val) {
		k = yamltree_scalar(key) ? yamltree_scalar(key) : "";
		if (!strcmp(k, "limits")) {
			ret = parse_limits(ps, val, out);
		} else if (!strcmp(k, "endpoints")) {
			ret = parse_endpoints(ps, val, out);
		} else if (!strcmp(k, "host-namespace")) {
			v = yamltree_scalar(val) ? yamltree_scalar(val) : "";
			if (strcmp(v, "true") && strcmp(v, "false"))
				return yamltree_fail(ps, val,
						     "host-namespace must be true or false");
			out->host_namespace = !strcmp(v, "true");
		} else {
			return yamltree_fail(ps, key,
					     "unknown path-manager key '%s' (limits, endpoints, "
					     "host-namespace)",
					     k);
		}
		if (ret)
			return ret;
	}
	if (!out->has_subflows && !out->has_add_addr && !out->nendpoints)
		return yamltree_fail(ps, map,
				     "path-manager sets nothing: give limits or endpoints");
	return 0;
}
