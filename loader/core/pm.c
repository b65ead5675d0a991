// SPDX-License-Identifier: GPL-2.0
/* The MPTCP path manager's generic netlink API, as `ip mptcp` speaks it. */
#define _GNU_SOURCE /* setns */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <ifaddrs.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/mptcp.h>
#include <sys/socket.h>
#include "pm.h"

static const char *const flag_names[] = {"signal", "subflow", "backup", "fullmesh", "implicit"};
#define NFLAGS (sizeof(flag_names) / sizeof(flag_names[0]))

const char *pm_flag_name(unsigned int bit)
{
	return bit < NFLAGS ? flag_names[bit] : NULL;
}

__u32 pm_flag_of(const char *name)
{
	unsigned int i;

	for (i = 0; i < NFLAGS; i++)
		if (!strcmp(flag_names[i], name))
			return 1u << i;
	return 0;
}

void pm_addr_text(const struct pm_endpoint *ep, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";
	size_t used;

	inet_ntop(ep->family, ep->addr, a, sizeof(a));
	used = (size_t)snprintf(buf, len, ep->family == AF_INET6 && ep->port ? "[%s]" : "%s", a);
	if (ep->port && used < len)
		snprintf(buf + used, len - used, ":%u", ep->port);
}

/* A request of @cmd, its generic netlink header in place. */
static struct nlmsghdr *request(struct pm_conn *c, char *buf, __u16 type, __u8 cmd, __u8 version,
				__u16 flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++c->seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = version;
	return nlh;
}

/*
 * Send @nlh and run @cb on each answer until the kernel is done: the
 * acknowledgement a doit request asks for (NLM_F_ACK), or a dump's end.
 */
static int talk(struct pm_conn *c, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int ret;

	if (mnl_socket_sendto(c->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ret = mnl_socket_recvfrom(c->nl, buf, sizeof(buf));
		if (ret < 0)
			return -errno;
		ret = mnl_cb_run(buf, ret, nlh->nlmsg_seq, c->portid, cb, data);
		if (ret < 0)
			return errno ? -errno : -EIO;
		if (ret == MNL_CB_STOP)
			return 0;
	}
}

/* Attributes of the message after its generic netlink header, by type, up to @max. */
struct attrs {
	const struct nlattr *tb[16];
	unsigned int max;
};

static int keep_attr(const struct nlattr *attr, void *data)
{
	struct attrs *a = data;
	unsigned int type = mnl_attr_get_type(attr);

	if (type <= a->max && type < sizeof(a->tb) / sizeof(a->tb[0]))
		a->tb[type] = attr;
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct attrs a = {.max = CTRL_ATTR_MAX};

	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), keep_attr, &a);
	if (a.tb[CTRL_ATTR_FAMILY_ID])
		*(__u16 *)data = mnl_attr_get_u16(a.tb[CTRL_ATTR_FAMILY_ID]);
	return MNL_CB_OK;
}

/*
 * A netlink socket made in the namespace @netns_fd, bound there, and a UDP
 * socket of that namespace in *ioctl_fd.
 */
static struct mnl_socket *socket_in(int netns_fd, int *ioctl_fd, const char **why)
{
	struct mnl_socket *nl = NULL;
	int self = -1, err = 0;

	if (netns_fd >= 0) {
		self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		if (self < 0 || setns(netns_fd, CLONE_NEWNET)) {
			err = errno;
			*why = "cannot enter the network namespace";
			if (self >= 0)
				close(self);
			errno = err;
			return NULL;
		}
	}
	nl = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC);
	*ioctl_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID)) {
		err = errno;
		*why = "cannot open a generic netlink socket";
		if (nl)
			mnl_socket_close(nl);
		nl = NULL;
	}
	/* Back where we were, or this process works in the wrong namespace from now on. */
	if (self >= 0 && setns(self, CLONE_NEWNET)) {
		err = errno;
		*why = "cannot return to the original network namespace";
		if (nl)
			mnl_socket_close(nl);
		nl = NULL;
	}
	if (self >= 0)
		close(self);
	errno = err;
	return nl;
}

int pm_connect(struct pm_conn *c, int netns_fd, const char **why)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int err;

	memset(c, 0, sizeof(*c));
	c->ioctl_fd = -1;
	c->nl = socket_in(netns_fd, &c->ioctl_fd, why);
	if (!c->nl) {
		err = errno ? -errno : -EIO;
		pm_disconnect(c);
		return err;
	}
	c->portid = mnl_socket_get_portid(c->nl);
	nlh = request(c, buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, NLM_F_ACK);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, MPTCP_PM_NAME);
	err = talk(c, nlh, family_cb, &c->family_id);
	if (!err && !c->family_id)
		err = -ENOENT;
	if (err) {
		*why = "the kernel has no MPTCP path manager (" MPTCP_PM_NAME ")";
		pm_disconnect(c);
	}
	return err;
}

void pm_disconnect(struct pm_conn *c)
{
	if (c->nl)
		mnl_socket_close(c->nl);
	c->nl = NULL;
	if (c->ioctl_fd >= 0)
		close(c->ioctl_fd);
	c->ioctl_fd = -1;
}

void pm_ifname(struct pm_conn *c, int ifindex, char *buf, size_t len)
{
	struct ifreq ifr = {.ifr_ifindex = ifindex};

	buf[0] = '\0';
	if (ifindex > 0 && c->ioctl_fd >= 0 && !ioctl(c->ioctl_fd, SIOCGIFNAME, &ifr))
		snprintf(buf, len, "%.*s", IFNAMSIZ, ifr.ifr_name);
}

int pm_ifindex(struct pm_conn *c, const char *name)
{
	struct ifreq ifr = {0};

	if (strlen(name) >= IFNAMSIZ)
		return -ENODEV;
	strcpy(ifr.ifr_name, name);
	if (c->ioctl_fd < 0 || ioctl(c->ioctl_fd, SIOCGIFINDEX, &ifr))
		return c->ioctl_fd < 0 ? -EBADF : -errno;
	return ifr.ifr_ifindex;
}

static int limits_cb(const struct nlmsghdr *nlh, void *data)
{
	struct attrs a = {.max = MPTCP_PM_ATTR_MAX};
	struct pm_limits *l = data;

	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), keep_attr, &a);
	if (a.tb[MPTCP_PM_ATTR_SUBFLOWS])
		l->subflows = mnl_attr_get_u32(a.tb[MPTCP_PM_ATTR_SUBFLOWS]);
	if (a.tb[MPTCP_PM_ATTR_RCV_ADD_ADDRS])
		l->add_addr_accepted = mnl_attr_get_u32(a.tb[MPTCP_PM_ATTR_RCV_ADD_ADDRS]);
	return MNL_CB_OK;
}

int pm_get_limits(struct pm_conn *c, struct pm_limits *out)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];

	memset(out, 0, sizeof(*out));
	return talk(c,
		    request(c, buf, c->family_id, MPTCP_PM_CMD_GET_LIMITS, MPTCP_PM_VER, NLM_F_ACK),
		    limits_cb, out);
}

int pm_set_limits(struct pm_conn *c, const struct pm_limits *l)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;

	nlh = request(c, buf, c->family_id, MPTCP_PM_CMD_SET_LIMITS, MPTCP_PM_VER, NLM_F_ACK);
	mnl_attr_put_u32(nlh, MPTCP_PM_ATTR_RCV_ADD_ADDRS, l->add_addr_accepted);
	mnl_attr_put_u32(nlh, MPTCP_PM_ATTR_SUBFLOWS, l->subflows);
	return talk(c, nlh, NULL, NULL);
}

struct endpoints {
	struct pm_endpoint *eps;
	size_t max, n;
};

static void endpoint_of(const struct attrs *a, struct pm_endpoint *ep)
{
	const struct nlattr *const *tb = a->tb;

	memset(ep, 0, sizeof(*ep));
	if (tb[MPTCP_PM_ADDR_ATTR_ID])
		ep->id = mnl_attr_get_u8(tb[MPTCP_PM_ADDR_ATTR_ID]);
	if (tb[MPTCP_PM_ADDR_ATTR_FAMILY])
		ep->family = mnl_attr_get_u16(tb[MPTCP_PM_ADDR_ATTR_FAMILY]);
	if (ep->family == AF_INET && tb[MPTCP_PM_ADDR_ATTR_ADDR4] &&
	    mnl_attr_get_payload_len(tb[MPTCP_PM_ADDR_ATTR_ADDR4]) >= 4)
		memcpy(ep->addr, mnl_attr_get_payload(tb[MPTCP_PM_ADDR_ATTR_ADDR4]), 4);
	if (ep->family == AF_INET6 && tb[MPTCP_PM_ADDR_ATTR_ADDR6] &&
	    mnl_attr_get_payload_len(tb[MPTCP_PM_ADDR_ATTR_ADDR6]) >= 16)
		memcpy(ep->addr, mnl_attr_get_payload(tb[MPTCP_PM_ADDR_ATTR_ADDR6]), 16);
	if (tb[MPTCP_PM_ADDR_ATTR_PORT])
		ep->port = mnl_attr_get_u16(tb[MPTCP_PM_ADDR_ATTR_PORT]);
	if (tb[MPTCP_PM_ADDR_ATTR_FLAGS])
		ep->flags = mnl_attr_get_u32(tb[MPTCP_PM_ADDR_ATTR_FLAGS]);
	if (tb[MPTCP_PM_ADDR_ATTR_IF_IDX])
		ep->ifindex = (int)mnl_attr_get_u32(tb[MPTCP_PM_ADDR_ATTR_IF_IDX]);
}

static int endpoint_cb(const struct nlmsghdr *nlh, void *data)
{
	struct attrs msg = {.max = MPTCP_PM_ATTR_MAX}, addr = {.max = MPTCP_PM_ADDR_ATTR_MAX};
	struct endpoints *e = data;

	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), keep_attr, &msg);
	if (!msg.tb[MPTCP_PM_ATTR_ADDR])
		return MNL_CB_OK;
	mnl_attr_parse_nested(msg.tb[MPTCP_PM_ATTR_ADDR], keep_attr, &addr);
	if (e->n < e->max)
		endpoint_of(&addr, &e->eps[e->n]);
	e->n++;
	return MNL_CB_OK;
}

int pm_get_endpoints(struct pm_conn *c, struct pm_endpoint *eps, size_t max, size_t *n)
{
	struct endpoints e = {.eps = eps, .max = max};
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int err;

	err = talk(c,
		   request(c, buf, c->family_id, MPTCP_PM_CMD_GET_ADDR, MPTCP_PM_VER, NLM_F_DUMP),
		   endpoint_cb, &e);
	*n = e.n;
	return err;
}

int pm_add_endpoint(struct pm_conn *c, const struct pm_endpoint *ep)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct nlattr *nest;

	nlh = request(c, buf, c->family_id, MPTCP_PM_CMD_ADD_ADDR, MPTCP_PM_VER, NLM_F_ACK);
	nest = mnl_attr_nest_start(nlh, MPTCP_PM_ATTR_ADDR | NLA_F_NESTED);
	mnl_attr_put_u16(nlh, MPTCP_PM_ADDR_ATTR_FAMILY, ep->family);
	if (ep->id)
		mnl_attr_put_u8(nlh, MPTCP_PM_ADDR_ATTR_ID, ep->id);
	if (ep->family == AF_INET)
		mnl_attr_put(nlh, MPTCP_PM_ADDR_ATTR_ADDR4, 4, ep->addr);
	else
		mnl_attr_put(nlh, MPTCP_PM_ADDR_ATTR_ADDR6, 16, ep->addr);
	if (ep->port)
		mnl_attr_put_u16(nlh, MPTCP_PM_ADDR_ATTR_PORT, ep->port);
	mnl_attr_put_u32(nlh, MPTCP_PM_ADDR_ATTR_FLAGS, ep->flags);
	if (ep->ifindex)
		mnl_attr_put_u32(nlh, MPTCP_PM_ADDR_ATTR_IF_IDX, (__u32)ep->ifindex);
	mnl_attr_nest_end(nlh, nest);
	return talk(c, nlh, NULL, NULL);
}

int pm_del_endpoint(struct pm_conn *c, __u8 id)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct nlattr *nest;

	nlh = request(c, buf, c->family_id, MPTCP_PM_CMD_DEL_ADDR, MPTCP_PM_VER, NLM_F_ACK);
	nest = mnl_attr_nest_start(nlh, MPTCP_PM_ATTR_ADDR | NLA_F_NESTED);
	mnl_attr_put_u8(nlh, MPTCP_PM_ADDR_ATTR_ID, id);
	mnl_attr_nest_end(nlh, nest);
	return talk(c, nlh, NULL, NULL);
}

/* @ifa's address as an endpoint, unless it is of no use to MPTCP. */
static bool endpoint_from(const struct ifaddrs *ifa, const char *dev, struct pm_endpoint *ep)
{
	const struct sockaddr_in6 *in6 = (const void *)ifa->ifa_addr;
	const struct sockaddr_in *in = (const void *)ifa->ifa_addr;

	if (!ifa->ifa_addr || strcmp(ifa->ifa_name, dev))
		return false;
	memset(ep, 0, sizeof(*ep));
	ep->family = ifa->ifa_addr->sa_family;
	if (ep->family == AF_INET) {
		memcpy(ep->addr, &in->sin_addr, 4);
		return true;
	}
	/* A link-local address reaches no other path. */
	if (ep->family != AF_INET6 || IN6_IS_ADDR_LINKLOCAL(&in6->sin6_addr))
		return false;
	memcpy(ep->addr, &in6->sin6_addr, 16);
	return true;
}

int pm_dev_addresses(int netns_fd, const char *dev, struct pm_endpoint *eps, size_t max)
{
	struct ifaddrs *all = NULL, *ifa;
	int self = -1, n = 0, err = 0;

	if (netns_fd >= 0) {
		self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		if (self < 0 || setns(netns_fd, CLONE_NEWNET)) {
			err = -errno;
			if (self >= 0)
				close(self);
			return err;
		}
	}
	if (getifaddrs(&all))
		err = -errno;
	if (self >= 0) {
		if (setns(self, CLONE_NEWNET) && !err)
			err = -errno;
		close(self);
	}
	for (ifa = all; !err && ifa; ifa = ifa->ifa_next)
		if ((size_t)n < max && endpoint_from(ifa, dev, &eps[n]))
			n++;
	if (all)
		freeifaddrs(all);
	return err ? err : n;
}
