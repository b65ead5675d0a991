/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which socket options this kernel's MPTCP sockets refuse, learned by
 * trying: every option number of each level, on a fresh TCP socket and a
 * fresh MPTCP socket. An option is refused when the MPTCP socket answers
 * EOPNOTSUPP or ENOPROTOOPT and the TCP socket does not. No list of options
 * is typed in: a kernel that learns an option shows it, one that forgets it
 * does too.
 */
#ifndef MPTCPIFY_COMPAT_H
#define MPTCPIFY_COMPAT_H

#include <stddef.h>
#include <linux/types.h>

struct mptcpify_incompat_key;

/* Told of each refused option and the MPTCP socket's errno; 0 counts it. */
typedef int (*compat_found_fn)(const struct mptcpify_incompat_key *key, int err, void *ctx);

/*
 * Try every option and tell @found of each one refused. Returns how many
 * were counted, or -errno (-ENOPROTOOPT where MPTCP cannot be made here).
 */
int compat_scan(compat_found_fn found, void *ctx);

/*
 * Fill the pinned "incompat" map @fd, unless it is filled already (it holds
 * for the kernel that runs). Returns how many options are refused, or
 * -errno (-ENOPROTOOPT where MPTCP cannot be made in this network
 * namespace: nothing is learned, nothing will be counted).
 */
int compat_learn(int fd);

/* The option's name ("TCP_MD5SIG", "MSG_OOB"), or "LEVEL:NUMBER" in @buf. */
const char *compat_option_name(__u32 level, __u32 optname, __u16 dir, char *buf, size_t len);

#endif
