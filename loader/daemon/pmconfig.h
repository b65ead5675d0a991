/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A selector's path-manager block: the MPTCP path-manager settings the
 * daemon applies in the network namespaces of the selected cgroups'
 * processes (pmapply.h).
 *
 *   path-manager:
 *     limits: {subflows: 4, add-addr-accepted: 4}   # either, or both
 *     endpoints:
 *       - {dev: eth1, flags: [subflow]}     # every address of eth1 there
 *       - {address: 10.0.2.1, flags: [signal], port: 0, dev: eth1}
 *     host-namespace: false   # true: the host's namespace (PID 1's) too
 */
#ifndef MPTCPIFY_PMCONFIG_H
#define MPTCPIFY_PMCONFIG_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include "core/pm.h"

struct ynode;
struct yamltree_diag;

struct pm_endpoint_config {
	char dev[IFNAMSIZ];    /* "": none */
	bool has_address;      /* else every address of dev */
	struct pm_endpoint ep; /* family, addr, port, flags */
};

struct pm_config {
	bool has_subflows, has_add_addr;
	struct pm_limits limits;
	size_t nendpoints;
	struct pm_endpoint_config endpoints[PM_LIMIT_MAX];
	bool host_namespace;
};

/* Parse the block @map into *out. Returns 0, or -EINVAL with the error in @d. */
int pmconfig_parse(const struct ynode *map, const struct yamltree_diag *d, struct pm_config *out);

#endif
