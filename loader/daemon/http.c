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
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <microhttpd.h>
#include "http.h"
#include "core/monotime.h"

/*
 * The server accepts for itself, so that a new connection is never the one
 * refused: kubelet's probe, new, must win over connections a flood holds
 * open. Slots beyond HTTP_MAX_CONNECTIONS hold those cut but not yet closed
 * (MHD closes them when it next runs, after each ACCEPT_BATCH accepted).
 */
#define SLOTS (2 * HTTP_MAX_CONNECTIONS)
#define ACCEPT_BATCH 8

struct client {
	bool used;
	bool cut;     /* shut down, for MHD to close */
	bool working; /* its request has come whole and is not answered yet */
	int fd;
	unsigned char addr[16]; /* the peer's address: the per-address limit's key */
	double accepted;	/* monotime_s() */
	unsigned long seq;	/* lower: accepted earlier */
};

struct http_server {
	struct MHD_Daemon *mhd;
	struct http_handlers h;
	pthread_t thread;
	int stop_fd, listen_fd;
	unsigned long seq;
	struct client clients[SLOTS];
};

static struct client *client_of(struct http_server *s, struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *info;
	int i;

	info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	for (i = 0; info && i < SLOTS; i++)
		if (s->clients[i].used && s->clients[i].fd == info->connect_fd)
			return &s->clients[i];
	return NULL;
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_len, void **state)
{
	struct http_server *s = cls;
	struct MHD_Response *resp;
	struct client *c;
	unsigned int status = MHD_HTTP_OK;
	enum MHD_Result ret;
	char *body, why[256];

	(void)version, (void)upload, (void)upload_len, (void)state;
	c = client_of(s, conn);
	if (c)
		c->working = true;
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

/* Answered: a connection kept alive may be dropped for a newcomer again. */
static void completed(void *cls, struct MHD_Connection *conn, void **state,
		      enum MHD_RequestTerminationCode code)
{
	struct client *c = client_of(cls, conn);

	(void)state, (void)code;
	if (c)
		c->working = false;
}

static void track(void *cls, struct MHD_Connection *conn, void **socket_context,
		  enum MHD_ConnectionNotificationCode code)
{
	struct client *c;

	(void)socket_context;
	if (code == MHD_CONNECTION_NOTIFY_CLOSED && (c = client_of(cls, conn)))
		c->used = false;
}

static void cut(struct client *c)
{
	shutdown(c->fd, SHUT_RDWR);
	c->cut = true;
}

static int held_by(const struct http_server *s, const unsigned char *addr)
{
	int i, n = 0;

	for (i = 0; i < SLOTS; i++)
		n += s->clients[i].used && !s->clients[i].cut &&
		     !memcmp(s->clients[i].addr, addr, sizeof(s->clients[i].addr));
	return n;
}

/*
 * Whom a newcomer displaces: one of @addr's (NULL: of the address that holds
 * the most), the oldest not being answered, else the oldest. A probe has
 * sent its request whole when it is taken, is answered in the same round,
 * and is the newest: the flood's older connections go first.
 */
static struct client *victim(struct http_server *s, const unsigned char *addr)
{
	struct client *c, *best = NULL;
	int i, held, most = 0;

	for (i = 0; i < SLOTS; i++) {
		c = &s->clients[i];
		if (!c->used || c->cut || (addr && memcmp(c->addr, addr, sizeof(c->addr))))
			continue;
		held = addr ? 0 : held_by(s, c->addr);
		if (!best || held > most ||
		    (held == most && (best->working > c->working ||
				      (best->working == c->working && c->seq < best->seq)))) {
			best = c;
			most = held;
		}
	}
	return best;
}

/* Has @fd's request head come whole already? A peek: MHD reads it after. */
static bool request_whole(int fd)
{
	char buf[2048];
	ssize_t n = recv(fd, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT);

	return n > 0 && memmem(buf, n, "\r\n\r\n", 4);
}

/* A new connection: always taken, displacing another where the limits say. */
static void admit(struct http_server *s, int fd, const struct sockaddr_storage *sa, socklen_t len)
{
	unsigned char addr[16] = {0};
	struct client *c = NULL;
	int i, live = 0;

	if (sa->ss_family == AF_INET)
		memcpy(addr, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	else if (sa->ss_family == AF_INET6)
		memcpy(addr, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
	for (i = 0; i < SLOTS; i++)
		live += s->clients[i].used && !s->clients[i].cut;
	if (held_by(s, addr) >= HTTP_MAX_PER_ADDRESS)
		c = victim(s, addr);
	else if (live >= HTTP_MAX_CONNECTIONS)
		c = victim(s, NULL);
	if (c)
		cut(c);
	for (i = 0, c = NULL; i < SLOTS && !c; i++)
		if (!s->clients[i].used)
			c = &s->clients[i];
	if (!c) {
		close(fd);
		return;
	}
	*c = (struct client){.fd = fd, .accepted = monotime_s(), .seq = ++s->seq};
	c->working = request_whole(fd);
	memcpy(c->addr, addr, sizeof(addr));
	/* On failure MHD has closed @fd. */
	c->used = MHD_add_connection(s->mhd, fd, (const struct sockaddr *)sa, len) == MHD_YES;
}

/* A batch of new connections; the listener's next readiness brings the rest. */
static void take(struct http_server *s)
{
	struct sockaddr_storage sa;
	socklen_t len;
	int i, fd;

	for (i = 0; i < ACCEPT_BATCH; i++) {
		len = sizeof(sa);
		memset(&sa, 0, sizeof(sa));
		fd = accept4(s->listen_fd, (struct sockaddr *)&sa, &len,
			     SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		admit(s, fd, &sa, len);
	}
}

/*
 * libmicrohttpd's timeout is for idleness, which a client sending a byte a
 * second never reaches: past the deadline its socket is shut down, and the
 * server closes it.
 */
static void cut_overdue(struct http_server *s)
{
	double now = monotime_s();
	int i;

	for (i = 0; i < SLOTS; i++)
		if (s->clients[i].used && !s->clients[i].cut &&
		    now - s->clients[i].accepted >= HTTP_DEADLINE_S)
			cut(&s->clients[i]);
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
	ev.data.fd = s->listen_fd;
	epoll_ctl(ep, EPOLL_CTL_ADD, s->listen_fd, &ev);
	for (;;) {
		/* At least once a second, for the deadline. */
		timeout = 1000;
		if (MHD_get_timeout(s->mhd, &ms) == MHD_YES && ms < 1000)
			timeout = (int)ms;
		n = epoll_wait(ep, got, 4, timeout);
		for (i = 0; i < n; i++) {
			if (got[i].data.fd == s->stop_fd)
				goto out;
			if (got[i].data.fd == s->listen_fd)
				take(s);
		}
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
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
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

/* A listener on "HOST:PORT" or "[V6]:PORT"; -1 with *why. */
static int inet_listener(const char *addr, const char **why)
{
	struct addrinfo *ai;
	int fd, one = 1;

	if (inet_address(addr, &ai, why))
		return -1;
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	/* [::] is IPv6's alone, as libmicrohttpd made it. */
	if (fd >= 0 && (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
			(ai->ai_family == AF_INET6 &&
			 setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one))) ||
			bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 64))) {
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	if (fd < 0)
		*why = "cannot listen for metrics";
	return fd;
}

static struct MHD_Daemon *start_mhd(struct http_server *s, const char *addr, const char **why)
{
	struct MHD_Daemon *mhd;

	s->listen_fd =
		strncmp(addr, "unix:", 5) ? inet_listener(addr, why) : unix_listener(addr + 5, why);
	if (s->listen_fd < 0)
		return NULL;
	/* Every limit is admit()'s: libmicrohttpd refuses nobody. */
	mhd = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_NO_LISTEN_SOCKET, 0, NULL, NULL, answer, s,
			       MHD_OPTION_CONNECTION_LIMIT, (unsigned int)SLOTS,
			       MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)HTTP_IDLE_TIMEOUT_S,
			       MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)16384,
			       MHD_OPTION_NOTIFY_CONNECTION, track, s, MHD_OPTION_NOTIFY_COMPLETED,
			       completed, s, MHD_OPTION_END);
	if (!mhd)
		*why = "cannot listen for metrics";
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
	s->listen_fd = -1;
	s->stop_fd = eventfd(0, EFD_CLOEXEC);
	s->mhd = s->stop_fd < 0 ? NULL : start_mhd(s, addr, why);
	if (s->mhd && !pthread_create(&s->thread, NULL, serve, s))
		return s;
	if (s->mhd)
		MHD_stop_daemon(s->mhd);
	if (s->listen_fd >= 0)
		close(s->listen_fd);
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
	close(s->listen_fd);
	close(s->stop_fd);
	free(s);
}
