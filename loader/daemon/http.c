// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <microhttpd.h>
#include "http.h"

struct http_server {
	struct MHD_Daemon *mhd;
	struct http_handlers h;
};

static enum MHD_Result answer(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_len, void **state)
{
	struct http_server *s = cls;
	struct MHD_Response *resp;
	unsigned int status = MHD_HTTP_OK;
	enum MHD_Result ret;
	char *body, why[256];

	(void)version, (void)upload, (void)upload_len, (void)state;
	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		status = MHD_HTTP_METHOD_NOT_ALLOWED;
		body = strdup("GET only\n");
	} else if (!strcmp(url, "/metrics")) {
		body = s->h.metrics(s->h.ctx);
	} else if (!strcmp(url, "/healthz")) {
		bool ok = s->h.healthy(s->h.ctx, why, sizeof(why));

		status = ok ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE;
		if (asprintf(&body, "%s\n", ok ? "ok" : why) < 0)
			body = NULL;
	} else {
		status = MHD_HTTP_NOT_FOUND;
		body = strdup("not found: /metrics or /healthz\n");
	}
	if (!body)
		return MHD_NO;
	resp = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

struct http_server *http_start(const char *addr, const struct http_handlers *h, const char **why)
{
	struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
				 .ai_socktype = SOCK_STREAM};
	unsigned int flags = MHD_USE_EPOLL;
	struct http_server *s;
	char host[128], *port;
	struct addrinfo *ai;

	if (snprintf(host, sizeof(host), "%s", addr) >= (int)sizeof(host) ||
	    !(port = strrchr(host, ':'))) {
		*why = "--metrics takes ADDRESS:PORT";
		return NULL;
	}
	*port++ = '\0';
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	if (getaddrinfo(host, port, &hints, &ai)) {
		*why = "--metrics takes a numeric ADDRESS:PORT, such as 127.0.0.1:9464";
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (s) {
		s->h = *h;
		if (ai->ai_family == AF_INET6)
			flags |= MHD_USE_IPv6;
		s->mhd = MHD_start_daemon(flags, 0, NULL, NULL, answer, s, MHD_OPTION_SOCK_ADDR,
					  ai->ai_addr, MHD_OPTION_CONNECTION_LIMIT, 16,
					  MHD_OPTION_CONNECTION_TIMEOUT, 10, MHD_OPTION_END);
	}
	freeaddrinfo(ai);
	if (!s || !s->mhd) {
		free(s);
		*why = "cannot listen for metrics";
		return NULL;
	}
	return s;
}

void http_stop(struct http_server *s)
{
	if (!s)
		return;
	MHD_stop_daemon(s->mhd);
	free(s);
}

int http_fd(struct http_server *s)
{
	return MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_EPOLL_FD)->epoll_fd;
}

int http_timeout_ms(struct http_server *s)
{
	MHD_UNSIGNED_LONG_LONG ms;

	if (MHD_get_timeout(s->mhd, &ms) != MHD_YES)
		return -1;
	return ms > 60000 ? 60000 : (int)ms;
}

void http_run(struct http_server *s)
{
	MHD_run(s->mhd);
}
