/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's MPTCP path manager of one network namespace (its limits and
 * endpoints, what `ip mptcp` shows and sets), through the generic netlink
 * family "mptcp_pm" with libmnl. A netlink socket belongs to the namespace
 * it was made in, so a connection to another namespace is made inside it
 * (setns() there and back) and then used from anywhere.
 */
#ifndef MPTCPIFY_PM_H
#define MPTCPIFY_PM_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/* The kernel's bound on both limits and on endpoints: its MPTCP_PM_ADDR_MAX. */
#define PM_LIMIT_MAX 8

struct pm_limits {
	__u32 subflows;		 /* additional subflows per connection */
	__u32 add_addr_accepted; /* addresses a peer announces that are used */
};

struct pm_endpoint {
	__u8 id;
	__u16 family; /* AF_INET or AF_INET6 */
	__u8 addr[16];
	__u16 port;  /* host order; 0 when none */
	__u32 flags; /* MPTCP_PM_ADDR_FLAG_* */
	int ifindex; /* 0 when none */
};

struct mnl_socket;
struct pm_conn {
	struct mnl_socket *nl;
	int ioctl_fd; /* a UDP socket of that namespace: its interfaces' names */
	__u16 family_id;
	unsigned int portid;
	unsigned int seq;
};

/*
 * Connect to the path manager of the namespace @netns_fd (an open
 * /proc/PID/ns/net; -1: the caller's). 0, or -errno with *why: -ENOENT
 * when the kernel has no MPTCP path manager.
 */
int pm_connect(struct pm_conn *c, int netns_fd, const char **why);
void pm_disconnect(struct pm_conn *c);

int pm_get_limits(struct pm_conn *c, struct pm_limits *out);
int pm_set_limits(struct pm_conn *c, const struct pm_limits *l);
/* Up to @max endpoints into @eps, their count in *n (which may exceed @max). */
int pm_get_endpoints(struct pm_conn *c, struct pm_endpoint *eps, size_t max, size_t *n);
/* Add @ep (its id 0: the kernel picks one). -EEXIST when the address has one. */
int pm_add_endpoint(struct pm_conn *c, const struct pm_endpoint *ep);
/* Remove the endpoint with @id. */
int pm_del_endpoint(struct pm_conn *c, __u8 id);

/* The name of interface @ifindex in the connection's namespace; "" when unknown. */
void pm_ifname(struct pm_conn *c, int ifindex, char *buf, size_t len);
/* The index of interface @name there: > 0, or -errno. */
int pm_ifindex(struct pm_conn *c, const char *name);

/*
 * The addresses of interface @dev in the namespace @netns_fd (-1: the
 * caller's), IPv4 and global IPv6, up to @max into @eps (family and addr
 * set). Their count, or -errno.
 */
int pm_dev_addresses(int netns_fd, const char *dev, struct pm_endpoint *eps, size_t max);

/* The name of flag bit @bit ("signal", ...), NULL for one not known. */
const char *pm_flag_name(unsigned int bit);
/* The flag named @name, 0 for none. */
__u32 pm_flag_of(const char *name);
/* "10.0.2.1" or "fd00::1", with ":PORT" when it has one. */
void pm_addr_text(const struct pm_endpoint *ep, char *buf, size_t len);

#endif
