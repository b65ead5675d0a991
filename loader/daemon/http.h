/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's HTTP endpoint: /metrics and /healthz, with libmicrohttpd.
 * The server is driven from the daemon's event loop: http_fd() goes into its
 * epoll set, and http_run() serves what is ready.
 */
#ifndef MPTCPIFY_HTTP_H
#define MPTCPIFY_HTTP_H

#include <stdbool.h>
#include <stddef.h>

struct http_server;

struct http_handlers {
	/* The body of /metrics, malloc()ed; NULL on failure. */
	char *(*metrics)(void *ctx);
	/* Healthy? If not, why in @why. */
	bool (*healthy)(void *ctx, char *why, size_t len);
	void *ctx;
};

/* Listen on "HOST:PORT" or "[V6]:PORT"; NULL with *why on failure. */
struct http_server *http_start(const char *addr, const struct http_handlers *h, const char **why);
void http_stop(struct http_server *s);

/* The descriptor to poll, and how long the server may wait (-1: forever). */
int http_fd(struct http_server *s);
int http_timeout_ms(struct http_server *s);
void http_run(struct http_server *s);

#endif
