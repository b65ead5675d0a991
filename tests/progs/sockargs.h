/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The socket() arguments the test programs take, as sockcheck and uringsock
 * both read them, and what the kernel made of them.
 */
#ifndef MPTCPIFY_SOCKARGS_H
#define MPTCPIFY_SOCKARGS_H

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* inet, inet6 or unix; -1 for anything else. */
static inline int parse_family(const char *s)
{
	if (!strcmp(s, "inet"))
		return AF_INET;
	if (!strcmp(s, "inet6"))
		return AF_INET6;
	if (!strcmp(s, "unix"))
		return AF_UNIX;
	return -1;
}

/* stream or dgram, with ",nonblock" and ",cloexec" after it; -1 otherwise. */
static inline int parse_type(const char *s)
{
	char buf[64], *tok, *save = NULL;
	int type = -1;

	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "stream"))
			type = SOCK_STREAM;
		else if (!strcmp(tok, "dgram"))
			type = SOCK_DGRAM;
		else if (!strcmp(tok, "nonblock") && type >= 0)
			type |= SOCK_NONBLOCK;
		else if (!strcmp(tok, "cloexec") && type >= 0)
			type |= SOCK_CLOEXEC;
		else
			return -1;
	}
	return type;
}

/* The socket's SO_PROTOCOL (6, 262, 17, ...), -1 when it cannot be read. */
static inline int protocol_of(int fd)
{
	int proto = -1;
	socklen_t len = sizeof(proto);

	if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len))
		return -1;
	return proto;
}

#endif
