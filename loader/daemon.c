// SPDX-License-Identifier: GPL-2.0
/*
 * mptcpify daemon [--config FILE] [--metrics ADDR:PORT|off] [--pods-dir DIR]
 *                 [--cleanup-on-exit] [--check]
 *
 * One thread, one epoll loop: inotify (cgroup tree and pods dir), signals
 * (SIGHUP reload, SIGTERM/SIGINT exit), the resync timer and the metrics
 * server (libmicrohttpd driven from the same loop, so no locking).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <microhttpd.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include "cgroup.h"
#include "cli.h"
#include "commands.h"
#include "daemon.h"
#include "output.h"
#include "pins.h"
#include "rules.h"

static const char *const level_names[] = {
	[LOG_ERR] = "error", [LOG_WARNING] = "warning", [LOG_INFO] = "info", [LOG_DEBUG] = "debug"};

/* Quote a logfmt value when it has spaces, quotes or '='. */
static void put_value(const char *v)
{
	if (*v && !strpbrk(v, " \"=\t")) {
		fputs(v, stderr);
		return;
	}
	fputc('"', stderr);
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			fputc('\\', stderr);
		fputc(*v, stderr);
	}
	fputc('"', stderr);
}

void daemon_log(int level, const char *event, ...)
{
	const char *k, *v;
	json_t *obj;
	va_list ap;
	char *text;

	if (level == LOG_DEBUG && !verbose)
		return;
	va_start(ap, event);
	if (json_output) {
		obj = json_pack("{s:s, s:s}", "level", level_names[level], "event", event);
		while ((k = va_arg(ap, const char *)) && (v = va_arg(ap, const char *)))
			json_object_set_new(obj, k, json_string(v));
		text = json_dumps(obj, JSON_COMPACT);
		if (text)
			fprintf(stderr, "%s\n", text);
		free(text);
		json_decref(obj);
	} else {
		/* Under systemd, "<N>" gives journald the priority. */
		if (getenv("JOURNAL_STREAM"))
			fprintf(stderr, "<%d>", level);
		fprintf(stderr, "%s %s", level_names[level], event);
		while ((k = va_arg(ap, const char *)) && (v = va_arg(ap, const char *))) {
			fprintf(stderr, " %s=", k);
			put_value(v);
		}
		fputc('\n', stderr);
	}
	va_end(ap);
}

static int usage(const char *why)
{
	p_err(0,
	      "mptcpify daemon [--config FILE] [--metrics ADDR:PORT|off] [--pods-dir DIR] "
	      "[--cleanup-on-exit] [--check]",
	      "%s", why);
	return EXIT_USAGE;
}

/* Tell systemd (Type=notify) that enforcement is in place. */
static void notify_ready(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	socklen_t len;
	int fd;

	if (!path || (path[0] != '/' && path[0] != '@') || strlen(path) >= sizeof(sa.sun_path))
		return;
	strcpy(sa.sun_path, path);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';
	len = offsetof(struct sockaddr_un, sun_path) + strlen(path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	sendto(fd, "READY=1", 7, MSG_NOSIGNAL, (struct sockaddr *)&sa, len);
	close(fd);
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_len, void **state)
{
	struct daemon *d = cls;
	struct MHD_Response *resp;
	unsigned int status = MHD_HTTP_OK;
	enum MHD_Result ret;
	char *body;

	(void)version, (void)upload, (void)upload_len, (void)state;
	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		status = MHD_HTTP_METHOD_NOT_ALLOWED;
		body = strdup("GET only\n");
	} else if (!strcmp(url, "/metrics")) {
		body = metrics_render(d);
	} else if (!strcmp(url, "/healthz")) {
		status = d->healthy ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE;
		if (asprintf(&body, "%s\n", d->healthy ? "ok" : d->unhealthy) < 0)
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

/* Listen on "HOST:PORT" or "[V6]:PORT"; NULL with *why on failure. */
static struct MHD_Daemon *metrics_start(struct daemon *d, const char *addr, const char **why)
{
	struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
				 .ai_socktype = SOCK_STREAM};
	char host[128], *port;
	struct addrinfo *ai;
	struct MHD_Daemon *mhd;
	unsigned int flags = MHD_USE_EPOLL;

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
	if (ai->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	mhd = MHD_start_daemon(flags, 0, NULL, NULL, answer, d, MHD_OPTION_SOCK_ADDR, ai->ai_addr,
			       MHD_OPTION_CONNECTION_LIMIT, 16, MHD_OPTION_CONNECTION_TIMEOUT, 10,
			       MHD_OPTION_END);
	freeaddrinfo(ai);
	if (!mhd)
		*why = "cannot listen for metrics";
	return mhd;
}

static int arm_resync(int tfd, unsigned int seconds)
{
	struct itimerspec its = {.it_value.tv_sec = seconds, .it_interval.tv_sec = seconds};

	return timerfd_settime(tfd, 0, &its, NULL);
}

/* SIGHUP: the new configuration whole, or the old one untouched. */
static void reload(struct daemon *d, int tfd)
{
	struct config next, old;
	const char *why = NULL;
	char err[512];
	int rc;

	rc = config_load(d->config_path, d->available_cc, &next, err, sizeof(err));
	if (!rc && reconcile_check_links(d, &next, config_links(&d->cfg), &why)) {
		snprintf(err, sizeof(err), "%s: %s", d->config_path, why ? why : "cannot attach");
		config_free(&next);
		rc = -EPERM;
	}
	if (rc) {
		d->reloads_refused++;
		daemon_log(LOG_ERR, "reload-refused", "error", err, "kept", d->cfg.path, NULL);
		return;
	}
	old = d->cfg;
	d->cfg = next;
	if (reconcile_totals(d)) {
		d->cfg = old;
		config_free(&next);
		return;
	}
	config_free(&old);
	d->reloads_applied++;
	daemon_log(LOG_INFO, "reload", "config", d->config_path, NULL);
	arm_resync(tfd, d->cfg.resync_s);
	reconcile_all(d, TRIGGER_RELOAD);
}

static int loop(struct daemon *d, struct MHD_Daemon *mhd, int sfd, int tfd)
{
	struct epoll_event ev = {.events = EPOLLIN}, got[8];
	struct signalfd_siginfo si;
	MHD_UNSIGNED_LONG_LONG mhd_ms;
	int ep, n, i, timeout;
	__u64 ticks;

	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		return -errno;
	ev.data.fd = d->inotify_fd;
	epoll_ctl(ep, EPOLL_CTL_ADD, d->inotify_fd, &ev);
	ev.data.fd = sfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);
	ev.data.fd = tfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev);
	if (mhd) {
		ev.data.fd = MHD_get_daemon_info(mhd, MHD_DAEMON_INFO_EPOLL_FD)->epoll_fd;
		epoll_ctl(ep, EPOLL_CTL_ADD, ev.data.fd, &ev);
	}
	for (;;) {
		timeout = -1;
		if (mhd && MHD_get_timeout(mhd, &mhd_ms) == MHD_YES)
			timeout = mhd_ms > 60000 ? 60000 : (int)mhd_ms;
		n = epoll_wait(ep, got, 8, timeout);
		if (n < 0 && errno != EINTR)
			break;
		for (i = 0; i < n; i++) {
			if (got[i].data.fd == d->inotify_fd) {
				reconcile_events(d);
			} else if (got[i].data.fd == tfd) {
				if (read(tfd, &ticks, sizeof(ticks)) == sizeof(ticks))
					reconcile_all(d, TRIGGER_RESYNC);
			} else if (got[i].data.fd == sfd) {
				if (read(sfd, &si, sizeof(si)) != sizeof(si))
					continue;
				if (si.ssi_signo == SIGHUP) {
					reload(d, tfd);
					continue;
				}
				daemon_log(LOG_INFO, "exit", "signal", strsignal(si.ssi_signo),
					   "enforcement", d->cleanup_on_exit ? "removed" : "kept",
					   NULL);
				close(ep);
				return 0;
			}
		}
		if (mhd)
			MHD_run(mhd);
	}
	close(ep);
	return -errno;
}

struct daemon_opts {
	const char *config;
	const char *metrics;
	const char *pods_dir;
	bool cleanup;
	bool check;
};

/* 0, or -EINVAL with what is wrong in *why and the offending word in *bad. */
static int parse_opts(int argc, char **argv, struct daemon_opts *o, const char **why,
		      const char **bad)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"metrics", required_argument, NULL, 'm'},
		{"pods-dir", required_argument, NULL, 'P'},
		{"cleanup-on-exit", no_argument, NULL, 'C'},
		{"check", no_argument, NULL, 'k'},
		{},
	};
	int c;

	o->config = DAEMON_DEFAULT_CONFIG;
	o->metrics = DAEMON_DEFAULT_METRICS;
	o->pods_dir = DAEMON_DEFAULT_PODS_DIR;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 'm':
			o->metrics = optarg;
			break;
		case 'P':
			o->pods_dir = optarg;
			break;
		case 'C':
			o->cleanup = true;
			break;
		case 'k':
			o->check = true;
			break;
		default:
			*why = c == ':' ? "a value is missing after" : "unknown option";
			*bad = argv[optind - 1];
			return -EINVAL;
		}
	}
	*why = "unexpected argument";
	*bad = optind < argc ? argv[optind] : NULL;
	return *bad ? -EINVAL : 0;
}

static void check_plain(json_t *res)
{
	printf("%s: %lld selectors, %lld profiles: ok\n",
	       json_string_value(json_object_get(res, "config")),
	       json_integer_value(json_object_get(res, "selectors")),
	       json_integer_value(json_object_get(res, "profiles")));
}

/* Everything the daemon sets up before its loop; the loop itself last. */
static int run_daemon(struct daemon *d, const struct daemon_opts *o)
{
	struct MHD_Daemon *mhd = NULL;
	const char *why = NULL;
	int sfd = -1, tfd = -1, rc = EXIT_FAIL, err;
	sigset_t mask;

	err = cgroup2_mount(d->cgroup2, sizeof(d->cgroup2));
	if (err) {
		p_err(-err, "mount cgroup2 (cgroup v2) first", "no cgroup2 mount");
		return EXIT_FAIL;
	}
	err = reconcile_check_links(d, &d->cfg, 0, &why);
	if (err) {
		p_err(-err,
		      config_links(&d->cfg) & PINS_LINK_BIT(PINS_LINK_REWRITE) ?
			      "see 'mptcpify probe'; 'mode: audit' works without the rewrite" :
			      "run with -v for libbpf's messages",
		      "%s: %s", o->config, why ? why : "cannot attach the programs");
		return EXIT_FAIL;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	d->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (sfd < 0 || tfd < 0 || d->inotify_fd < 0 || arm_resync(tfd, d->cfg.resync_s)) {
		p_err(errno, NULL, "cannot set up signals, timers or inotify");
		goto cleanup;
	}
	if (strcmp(o->metrics, "off")) {
		mhd = metrics_start(d, o->metrics, &why);
		if (!mhd) {
			p_err(errno, "give another --metrics ADDRESS:PORT, or --metrics off",
			      "%s %s", why, o->metrics);
			goto cleanup;
		}
	}
	if (reconcile_totals(d))
		goto cleanup;
	reconcile_all(d, TRIGGER_START);
	daemon_log(LOG_INFO, "ready", "config", o->config, "metrics", o->metrics, "cgroup2",
		   d->cgroup2, NULL);
	notify_ready();
	if (loop(d, mhd, sfd, tfd))
		goto cleanup;
	if (d->cleanup_on_exit)
		reconcile_remove_all(d);
	rc = EXIT_OK;
cleanup:
	if (mhd)
		MHD_stop_daemon(mhd);
	if (sfd >= 0)
		close(sfd);
	if (tfd >= 0)
		close(tfd);
	if (d->inotify_fd >= 0)
		close(d->inotify_fd);
	return rc;
}

int do_daemon(int argc, char **argv)
{
	struct daemon d = {.inotify_fd = -1, .pods_wd = -1, .healthy = true};
	struct cmd_args out = {0};
	struct daemon_opts o = {0};
	const char *bad = NULL, *why = NULL;
	char err[512];
	int rc;

	argc = take_output_flags(argc, argv, &out);
	if (parse_opts(argc, argv, &o, &why, &bad)) {
		snprintf(err, sizeof(err), "%s '%s'", why, bad);
		return usage(err);
	}
	if (!read_available_cc(d.cc_buf, sizeof(d.cc_buf)))
		d.available_cc = d.cc_buf;
	rc = config_load(o.config, d.available_cc, &d.cfg, err, sizeof(err));
	if (rc) {
		p_err(rc == -EINVAL ? 0 : -rc, "see the README's daemon section", "%s", err);
		return rc == -EINVAL ? EXIT_USAGE : EXIT_FAIL;
	}
	if (o.check) {
		emit(json_pack("{s:s, s:i, s:i}", "config", o.config, "selectors", d.cfg.nselectors,
			       "profiles", d.cfg.nprofiles),
		     check_plain);
		config_free(&d.cfg);
		return EXIT_OK;
	}
	if (cmd_need_root()) {
		config_free(&d.cfg);
		return EXIT_FAIL;
	}
	d.config_path = o.config;
	d.pin_dir = pin_dir;
	d.cleanup_on_exit = o.cleanup;
	snprintf(d.pods_dir, sizeof(d.pods_dir), "%s", o.pods_dir);
	rc = run_daemon(&d, &o);
	reconcile_free(&d);
	config_free(&d.cfg);
	return rc;
}
