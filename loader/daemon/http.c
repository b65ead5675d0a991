// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <microhttpd.h>
#include "http.h"

/* A connection and when it was accepted, for the deadline. */
struct client {
	bool used;
	int fd;
	time_t accepted;
};

struct http_server {
	struct MHD_Daemon *mhd;
	struct http_handlers h;
	pthread_t thread;
	int stop_fd;
	struct client clients[HTTP_MAX_CONNECTIONS];
};

static time_t now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

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

/* Keep each connection's accept time: the deadline counts from there. */
static void track(void *cls, struct MHD_Connection *conn, void **socket_context,
		  enum MHD_ConnectionNotificationCode code)
{
	const union MHD_ConnectionInfo *info;
	struct http_server *s = cls;
	int fd, i;

	(void)socket_context;
	info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (!info)
		return;
	fd = info->connect_fd;
	for (i = 0; i < HTTP_MAX_CONNECTIONS; i++) {
		if (code == MHD_CONNECTION_NOTIFY_STARTED && !s->clients[i].used) {
			s->clients[i] =
				(struct client){.used = true, .fd = fd, .accepted = now_s()};
			return;
		}
		if (code == MHD_CONNECTION_NOTIFY_CLOSED && s->clients[i].used &&
		    s->clients[i].fd == fd) {
			s->clients[i].used = false;
			return;
		}
	}
}

/*
 * libmicrohttpd's timeout is for idleness, which a client sending a byte a
 * second never reaches: past the deadline its socket is shut down, and the
 * server closes it.
 */
static void cut_overdue(struct http_server *s)
{
	time_t now = now_s();
	int i;

	for (i = 0; i < HTTP_MAX_CONNECTIONS; i++)
		if (s->clients[i].used && now - s->clients[i].accepted >= HTTP_DEADLINE_S)
			shutdown(s->clients[i].fd, SHUT_RDWR);
}

static void *serve(void *arg)
{
	struct http_server *s = arg;
	struct epoll_event ev = {.events = EPOLLIN}, got[4];
	MHD_UNSIGNED_LONG_LONG ms;
	int ep, timeout, i, n;

	/* Below the loop: serving never takes its CPU when both want it. */
	setpriority(PRIO_PROCESS, gettid(), 10);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		return NULL;
	ev.data.fd = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_EPOLL_FD)->epoll_fd;
	epoll_ctl(ep, EPOLL_CTL_ADD, ev.data.fd, &ev);
	ev.data.fd = s->stop_fd;
	epoll_ctl(ep, EPOLL_CTL_ADD, s->stop_fd, &ev);
	for (;;) {
		/* At least once a second, for the deadline. */
		timeout = 1000;
		if (MHD_get_timeout(s->mhd, &ms) == MHD_YES && ms < 1000)
			timeout = (int)ms;
		n = epoll_wait(ep, got, 4, timeout);
		for (i = 0; i < n; i++)
			if (got[i].data.fd == s->stop_fd)
				goto out;
		MHD_run(s->mhd);
		cut_overdue(s);
	}
out:
	close(ep);
	return NULL;
}

/* A Unix socket at @path, for root alone; -1 with *why. */
static int unix_listener(const char *path, const char **why)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path) || path[0] != '/') {
		*why = "--metrics unix: takes an absolute path";
		return -1;
	}
	strcpy(sa.sun_path, path);
	/* A socket left by an earlier run goes; anything else stays and fails bind(). */
	if (!lstat(path, &st) && S_ISSOCK(st.st_mode))
		unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && !bind(fd, (struct sockaddr *)&sa, sizeof(sa)) && !chmod(path, 0600) &&
	    !listen(fd, 64))
		return fd;
	*why = "cannot listen on the Unix socket";
	if (fd >= 0)
		close(fd);
	return -1;
}

/* "HOST:PORT" or "[V6]:PORT" into @ai; 0, or -1 with *why. */
static int inet_address(const char *addr, struct addrinfo **ai, const char **why)
{
	struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
				 .ai_socktype = SOCK_STREAM};
	char host[128], *port;

	if (snprintf(host, sizeof(host), "%s", addr) >= (int)sizeof(host) ||
	    !(port = strrchr(host, ':'))) {
		*why = "--metrics takes ADDRESS:PORT or unix:PATH";
		return -1;
	}
	*port++ = '\0';
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	if (getaddrinfo(host, port, &hints, ai)) {
		*why = "--metrics takes a numeric ADDRESS:PORT, such as 127.0.0.1:9464";
		return -1;
	}
	return 0;
}

static struct MHD_Daemon *start_mhd(struct http_server *s, const char *addr, const char **why)
{
	unsigned int flags = MHD_USE_EPOLL;
	struct addrinfo *ai = NULL;
	struct MHD_Daemon *mhd;
	int fd = -1;

	if (!strncmp(addr, "unix:", 5))
		fd = unix_listener(addr + 5, why);
	else if (!inet_address(addr, &ai, why) && ai->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (fd < 0 && !ai)
		return NULL;
#define LIMITS                                                                                   \
	MHD_OPTION_CONNECTION_LIMIT, (unsigned int)HTTP_MAX_CONNECTIONS,                         \
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)HTTP_MAX_PER_ADDRESS,          \
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)HTTP_IDLE_TIMEOUT_S,                \
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)16384, MHD_OPTION_NOTIFY_CONNECTION, \
		track, s, MHD_OPTION_END
	if (fd >= 0)
		mhd = MHD_start_daemon(flags, 0, NULL, NULL, answer, s, MHD_OPTION_LISTEN_SOCKET,
				       (MHD_socket)fd, LIMITS);
	else
		mhd = MHD_start_daemon(flags, 0, NULL, NULL, answer, s, MHD_OPTION_SOCK_ADDR,
				       ai->ai_addr, LIMITS);
#undef LIMITS
	if (ai)
		freeaddrinfo(ai);
	if (!mhd) {
		*why = "cannot listen for metrics";
		if (fd >= 0)
			close(fd);
	}
	return mhd;
}

struct http_server *http_start(const char *addr, const struct http_handlers *h, const char **why)
{
	struct http_server *s = calloc(1, sizeof(*s));

	if (!s) {
		*why = "out of memory";
		return NULL;
	}
	s->h = *h;
	s->stop_fd = eventfd(0, EFD_CLOEXEC);
	s->mhd = s->stop_fd < 0 ? NULL : start_mhd(s, addr, why);
	if (s->mhd && !pthread_create(&s->thread, NULL, serve, s))
		return s;
	if (s->mhd)
		MHD_stop_daemon(s->mhd);
	if (s->stop_fd >= 0)
		close(s->stop_fd);
	free(s);
	return NULL;
}

void http_stop(struct http_server *s)
{
	uint64_t one = 1;

	if (!s)
		return;
	if (write(s->stop_fd, &one, sizeof(one)) == sizeof(one))
		pthread_join(s->thread, NULL);
	MHD_stop_daemon(s->mhd);
	close(s->stop_fd);
	free(s);
}
