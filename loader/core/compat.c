// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include "compat.h"
#include "kconst.h"
#include "mptcpify.h"

/* The levels tried, the family their sockets need, and how far to count. */
static const struct {
	int level, family, max;
	const char *name;
} levels[] = {
	{SOL_SOCKET, AF_INET, 96, "SOL_SOCKET"},
	{SOL_TCP, AF_INET, 64, "SOL_TCP"},
	{SOL_IP, AF_INET, 96, "SOL_IP"},
	{SOL_IPV6, AF_INET6, 96, "SOL_IPV6"},
};

static bool refusal(int err)
{
	return err == EOPNOTSUPP || err == ENOPROTOOPT;
}

/* errno of one call on a fresh socket (0: it worked), or -1 if none could be made. */
static int try_option(int family, int proto, int level, int optname, bool set)
{
	char buf[256] = {1};
	socklen_t len = set ? sizeof(int) : sizeof(buf);
	int fd, rc;

	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, proto);
	if (fd < 0)
		return -1;
	rc = set ? setsockopt(fd, level, optname, buf, len) :
		   getsockopt(fd, level, optname, buf, &len);
	rc = rc ? errno : 0;
	close(fd);
	return rc;
}

int compat_scan(compat_found_fn found, void *ctx)
{
	struct mptcpify_incompat_key key;
	int i, opt, dir, tcp, mptcp, n = 0;

	mptcp = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_MPTCP);
	if (mptcp < 0)
		return -errno;
	close(mptcp);
	for (i = 0; i < (int)(sizeof(levels) / sizeof(levels[0])); i++) {
		for (opt = 1; opt < levels[i].max; opt++) {
			for (dir = MPTCPIFY_COMPAT_SET; dir <= MPTCPIFY_COMPAT_GET; dir++) {
				mptcp = try_option(levels[i].family, IPPROTO_MPTCP, levels[i].level,
						   opt, dir == MPTCPIFY_COMPAT_SET);
				if (mptcp < 0 || !refusal(mptcp))
					continue;
				tcp = try_option(levels[i].family, IPPROTO_TCP, levels[i].level,
						 opt, dir == MPTCPIFY_COMPAT_SET);
				if (tcp < 0 || refusal(tcp))
					continue;
				key = (struct mptcpify_incompat_key){
					.level = levels[i].level, .optname = opt, .dir = dir};
				if (!found(&key, mptcp, ctx))
					n++;
			}
		}
	}
	return n;
}

static int store(const struct mptcpify_incompat_key *key, int err, void *ctx)
{
	return bpf_map_update_elem(*(int *)ctx, key, &err, BPF_ANY);
}

int compat_learn(int fd)
{
	struct mptcpify_incompat_key key = {0};

	if (!bpf_map_get_next_key(fd, NULL, &key))
		return 0; /* learned already, on this boot */
	return compat_scan(store, &fd);
}

#define NAME(level, opt)         \
	{                        \
		level, opt, #opt \
	}
/* Names to show, not what is refused: that is learned. */
static const struct {
	int level, optname;
	const char *name;
} names[] = {
	NAME(SOL_SOCKET, SO_DEBUG),
	NAME(SOL_SOCKET, SO_REUSEADDR),
	NAME(SOL_SOCKET, SO_KEEPALIVE),
	NAME(SOL_SOCKET, SO_DONTROUTE),
	NAME(SOL_SOCKET, SO_BROADCAST),
	NAME(SOL_SOCKET, SO_SNDBUF),
	NAME(SOL_SOCKET, SO_RCVBUF),
	NAME(SOL_SOCKET, SO_OOBINLINE),
	NAME(SOL_SOCKET, SO_LINGER),
	NAME(SOL_SOCKET, SO_PRIORITY),
	NAME(SOL_SOCKET, SO_REUSEPORT),
	NAME(SOL_SOCKET, SO_RCVLOWAT),
	NAME(SOL_SOCKET, SO_SNDLOWAT),
	NAME(SOL_SOCKET, SO_BINDTODEVICE),
	NAME(SOL_SOCKET, SO_ATTACH_FILTER),
	NAME(SOL_SOCKET, SO_DETACH_FILTER),
	NAME(SOL_SOCKET, SO_TIMESTAMP),
	NAME(SOL_SOCKET, SO_MARK),
	NAME(SOL_SOCKET, SO_TIMESTAMPING),
	NAME(SOL_SOCKET, SO_RXQ_OVFL),
	NAME(SOL_SOCKET, SO_PEEK_OFF),
	NAME(SOL_SOCKET, SO_BUSY_POLL),
	NAME(SOL_SOCKET, SO_MAX_PACING_RATE),
	NAME(SOL_SOCKET, SO_ATTACH_BPF),
	NAME(SOL_SOCKET, SO_INCOMING_CPU),
	NAME(SOL_SOCKET, SO_ZEROCOPY),
	NAME(SOL_SOCKET, SO_TXTIME),
	NAME(SOL_SOCKET, SO_BINDTOIFINDEX),
	NAME(SOL_SOCKET, SO_TIMESTAMP_NEW),
	NAME(SOL_TCP, TCP_NODELAY),
	NAME(SOL_TCP, TCP_MAXSEG),
	NAME(SOL_TCP, TCP_CORK),
	NAME(SOL_TCP, TCP_KEEPIDLE),
	NAME(SOL_TCP, TCP_KEEPINTVL),
	NAME(SOL_TCP, TCP_KEEPCNT),
	NAME(SOL_TCP, TCP_SYNCNT),
	NAME(SOL_TCP, TCP_LINGER2),
	NAME(SOL_TCP, TCP_DEFER_ACCEPT),
	NAME(SOL_TCP, TCP_WINDOW_CLAMP),
	NAME(SOL_TCP, TCP_INFO),
	NAME(SOL_TCP, TCP_QUICKACK),
	NAME(SOL_TCP, TCP_CONGESTION),
	NAME(SOL_TCP, TCP_MD5SIG),
	NAME(SOL_TCP, TCP_THIN_LINEAR_TIMEOUTS),
	NAME(SOL_TCP, TCP_THIN_DUPACK),
	NAME(SOL_TCP, TCP_USER_TIMEOUT),
	NAME(SOL_TCP, TCP_REPAIR),
	NAME(SOL_TCP, TCP_REPAIR_QUEUE),
	NAME(SOL_TCP, TCP_QUEUE_SEQ),
	NAME(SOL_TCP, TCP_REPAIR_OPTIONS),
	NAME(SOL_TCP, TCP_FASTOPEN),
	NAME(SOL_TCP, TCP_TIMESTAMP),
	NAME(SOL_TCP, TCP_NOTSENT_LOWAT),
	NAME(SOL_TCP, TCP_CC_INFO),
	NAME(SOL_TCP, TCP_SAVE_SYN),
	NAME(SOL_TCP, TCP_SAVED_SYN),
	NAME(SOL_TCP, TCP_REPAIR_WINDOW),
	NAME(SOL_TCP, TCP_FASTOPEN_CONNECT),
	NAME(SOL_TCP, TCP_ULP),
	NAME(SOL_TCP, TCP_MD5SIG_EXT),
	NAME(SOL_TCP, TCP_FASTOPEN_KEY),
	NAME(SOL_TCP, TCP_FASTOPEN_NO_COOKIE),
	NAME(SOL_TCP, TCP_ZEROCOPY_RECEIVE),
	NAME(SOL_TCP, TCP_INQ),
	NAME(SOL_TCP, TCP_TX_DELAY),
	NAME(SOL_IP, IP_TOS),
	NAME(SOL_IP, IP_TTL),
	NAME(SOL_IP, IP_HDRINCL),
	NAME(SOL_IP, IP_OPTIONS),
	NAME(SOL_IP, IP_RECVOPTS),
	NAME(SOL_IP, IP_RETOPTS),
	NAME(SOL_IP, IP_PKTINFO),
	NAME(SOL_IP, IP_PKTOPTIONS),
	NAME(SOL_IP, IP_MTU_DISCOVER),
	NAME(SOL_IP, IP_RECVERR),
	NAME(SOL_IP, IP_RECVTTL),
	NAME(SOL_IP, IP_RECVTOS),
	NAME(SOL_IP, IP_MTU),
	NAME(SOL_IP, IP_FREEBIND),
	NAME(SOL_IP, IP_PASSSEC),
	NAME(SOL_IP, IP_TRANSPARENT),
	NAME(SOL_IP, IP_MINTTL),
	NAME(SOL_IP, IP_NODEFRAG),
	NAME(SOL_IP, IP_CHECKSUM),
	NAME(SOL_IP, IP_BIND_ADDRESS_NO_PORT),
	NAME(SOL_IP, IP_RECVFRAGSIZE),
	NAME(SOL_IPV6, IPV6_ADDRFORM),
	NAME(SOL_IPV6, IPV6_2292PKTINFO),
	NAME(SOL_IPV6, IPV6_UNICAST_HOPS),
	NAME(SOL_IPV6, IPV6_MTU_DISCOVER),
	NAME(SOL_IPV6, IPV6_MTU),
	NAME(SOL_IPV6, IPV6_RECVERR),
	NAME(SOL_IPV6, IPV6_V6ONLY),
	NAME(SOL_IPV6, IPV6_RECVPKTINFO),
	NAME(SOL_IPV6, IPV6_PKTINFO),
	NAME(SOL_IPV6, IPV6_RECVHOPLIMIT),
	NAME(SOL_IPV6, IPV6_HOPLIMIT),
	NAME(SOL_IPV6, IPV6_TCLASS),
	NAME(SOL_IPV6, IPV6_RECVTCLASS),
	NAME(SOL_IPV6, IPV6_TRANSPARENT),
	NAME(SOL_IPV6, IPV6_FREEBIND),
};

const char *compat_option_name(__u32 level, __u32 optname, __u16 dir, char *buf, size_t len)
{
	size_t i;

	if (dir == MPTCPIFY_COMPAT_SEND)
		return optname == MSG_OOB ? "MSG_OOB" : "MSG_?";
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].level == (int)level && names[i].optname == (int)optname)
			return names[i].name;
	for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		if (levels[i].level == (int)level)
			break;
	if (i < sizeof(levels) / sizeof(levels[0]))
		snprintf(buf, len, "%s:%u", levels[i].name, optname);
	else
		snprintf(buf, len, "%u:%u", level, optname);
	return buf;
}
