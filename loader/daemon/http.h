/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's HTTP endpoint, /metrics and /healthz, served with
 * libmicrohttpd by a thread of its own: enforcement never waits for a
 * client. Clients are bounded: HTTP_MAX_CONNECTIONS at once,
 * HTTP_MAX_PER_ADDRESS from one address, and every connection is cut
 * HTTP_DEADLINE_S after it was accepted, however it dribbles. A limit
 * never refuses the newcomer: kubelet's probe, new and its request whole,
 * displaces the oldest connection not being answered, of its own address
 * when that holds HTTP_MAX_PER_ADDRESS, else of the address holding most.
 */
#ifndef MPTCPIFY_HTTP_H
#define MPTCPIFY_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#define HTTP_MAX_CONNECTIONS 64
#define HTTP_MAX_PER_ADDRESS 8
#define HTTP_IDLE_TIMEOUT_S 2
#define HTTP_DEADLINE_S 5

struct http_server;

/* Called from the server's thread. */
struct http_handlers {
	/* The body of /metrics, malloc()ed; NULL on failure. */
	char *(*metrics)(void *ctx);
	/* Healthy? If not, why in @why. */
	bool (*healthy)(void *ctx, char *why, size_t len);
	void *ctx;
};

/*
 * Serve on "HOST:PORT", "[V6]:PORT" or "unix:PATH" (a socket only root may
 * use). NULL with *why on failure.
 */
struct http_server *http_start(const char *addr, const struct http_handlers *h, const char **why);
void http_stop(struct http_server *s);

#endif
