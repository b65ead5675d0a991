/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel constants under their kernel names, in one place. vmlinux.h gives
 * the BPF programs types but no macros, so they are defined here; userspace
 * gets the same names, with the same values, from libc.
 */
#ifndef MPTCPIFY_KCONST_H
#define MPTCPIFY_KCONST_H

#ifdef __bpf__
#define AF_INET 2
#define AF_INET6 10
#define SOCK_STREAM 1
#define IPPROTO_TCP 6

#define SOL_SOCKET 1
#define SO_KEEPALIVE 9
#define SO_PRIORITY 12
#define SO_BINDTODEVICE 25
#define SO_MARK 36
#define SO_MAX_PACING_RATE 47

#define SOL_IP 0
#define IP_TOS 1
#define SOL_IPV6 41
#define IPV6_TCLASS 67

#define MSG_OOB 1

/* include/linux/sched.h: an io_uring worker (io-wq or SQPOLL) thread. */
#define PF_IO_WORKER 0x00000010

#define ENOPROTOOPT 92
#define EOPNOTSUPP 95

#define SOL_TCP 6
#define TCP_KEEPIDLE 4
#define TCP_KEEPINTVL 5
#define TCP_KEEPCNT 6
#define TCP_CONGESTION 13
#define TCP_USER_TIMEOUT 18
#define TCP_NOTSENT_LOWAT 25
#else
#include <errno.h>
#include <sys/socket.h>
#include <netinet/in.h>
#endif

/* Newer than some libcs; the same number everywhere. */
#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif
/* include/linux/net.h: the bits of socket()'s type that are the type. */
#ifndef SOCK_TYPE_MASK
#define SOCK_TYPE_MASK 0xf
#endif

#endif /* MPTCPIFY_KCONST_H */
