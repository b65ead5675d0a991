// SPDX-License-Identifier: GPL-2.0
/* The daemon's set-up and its event loop. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include "daemon.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "reconcile.h"
#include "core/cgroup.h"
#include "core/output.h"
#include "core/rules.h"

struct daemon {
	const struct daemon_opts *o;
	struct reconciler r;
	const char *available_cc; /* NULL: unknown, any name accepted */
	char cc_buf[1024];
	struct http_server *http;
	int sfd, tfd;
};

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

static char *render_metrics(void *ctx)
{
	struct daemon *d = ctx;
	struct metrics_snapshot *snap = metrics_snapshot_take(&d->r);
	char *body = snap ? metrics_render(snap, d->o->pin_dir) : NULL;

	metrics_snapshot_free(snap);
	return body;
}

static bool healthy(void *ctx, char *why, size_t len)
{
	struct daemon *d = ctx;

	snprintf(why, len, "%s", d->r.unhealthy);
	return d->r.healthy;
}

static int arm_resync(int tfd, unsigned int seconds)
{
	struct itimerspec its = {.it_value.tv_sec = seconds, .it_interval.tv_sec = seconds};

	return timerfd_settime(tfd, 0, &its, NULL);
}

/* SIGHUP: the new configuration whole, or the old one untouched. */
static void reload(struct daemon *d)
{
	struct reconciler *r = &d->r;
	const char *path = d->o->config, *why = NULL;
	struct config next;
	char err[512];
	int rc;

	rc = config_load(path, d->available_cc, &next, err, sizeof(err));
	if (!rc && reconcile_check_links(r, &next, config_links(&r->cfg), &why)) {
		snprintf(err, sizeof(err), "%s: %s", path, why ? why : "cannot attach");
		config_free(&next);
		rc = -EPERM;
	}
	if (!rc && state_set_config(r, &next)) {
		config_free(&next);
		return;
	}
	if (rc) {
		r->stats.reloads_refused++;
		log_event(LOG_ERR, "reload-refused", "error", err, "kept", r->cfg.path, NULL);
		return;
	}
	r->stats.reloads_applied++;
	log_event(LOG_INFO, "reload", "config", path, NULL);
	arm_resync(d->tfd, r->cfg.resync_s);
	reconcile_all(r, TRIGGER_RELOAD);
}

static void watch_fd(int ep, int fd)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};

	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

/* Until SIGTERM or SIGINT: 0, or -errno if the loop itself failed. */
static int loop(struct daemon *d)
{
	int ep, n, i, fd, inotify_fd = d->r.watches.inotify_fd;
	struct epoll_event got[8];
	struct signalfd_siginfo si;
	__u64 ticks;

	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		return -errno;
	watch_fd(ep, inotify_fd);
	watch_fd(ep, d->sfd);
	watch_fd(ep, d->tfd);
	if (d->http)
		watch_fd(ep, http_fd(d->http));
	for (;;) {
		n = epoll_wait(ep, got, 8, d->http ? http_timeout_ms(d->http) : -1);
		if (n < 0 && errno != EINTR)
			break;
		for (i = 0; i < n; i++) {
			fd = got[i].data.fd;
			if (fd == inotify_fd) {
				reconcile_events(&d->r);
			} else if (fd == d->tfd) {
				if (read(fd, &ticks, sizeof(ticks)) == sizeof(ticks))
					reconcile_all(&d->r, TRIGGER_RESYNC);
			} else if (fd == d->sfd) {
				if (read(fd, &si, sizeof(si)) != sizeof(si))
					continue;
				if (si.ssi_signo == SIGHUP) {
					reload(d);
					continue;
				}
				log_event(LOG_INFO, "exit", "signal", strsignal(si.ssi_signo),
					  "enforcement", d->o->cleanup ? "removed" : "kept", NULL);
				close(ep);
				return 0;
			}
		}
		if (d->http)
			http_run(d->http);
	}
	close(ep);
	return -errno;
}

static int setup_events(struct daemon *d)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	d->sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	d->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (d->sfd < 0 || d->tfd < 0 || arm_resync(d->tfd, d->r.cfg.resync_s)) {
		p_err(errno, NULL, "cannot set up signals, timers or inotify");
		return -1;
	}
	return 0;
}

/* Everything the daemon sets up before its loop; the loop itself last. */
static int run(struct daemon *d)
{
	const struct daemon_opts *o = d->o;
	struct http_handlers h = {.metrics = render_metrics, .healthy = healthy, .ctx = d};
	const char *why = NULL;
	int err;

	err = reconcile_check_links(&d->r, &d->r.cfg, 0, &why);
	if (err) {
		p_err(-err,
		      config_links(&d->r.cfg) & PINS_LINK_BIT(PINS_LINK_REWRITE) ?
			      "see 'mptcpify probe'; 'mode: audit' works without the rewrite" :
			      "run with -v for libbpf's messages",
		      "%s: %s", o->config, why ? why : "cannot attach the programs");
		return EXIT_FAIL;
	}
	if (setup_events(d))
		return EXIT_FAIL;
	if (strcmp(o->metrics, "off")) {
		d->http = http_start(o->metrics, &h, &why);
		if (!d->http) {
			p_err(errno, "give another --metrics ADDRESS:PORT, or --metrics off",
			      "%s %s", why, o->metrics);
			return EXIT_FAIL;
		}
	}
	reconcile_all(&d->r, TRIGGER_START);
	log_event(LOG_INFO, "ready", "config", o->config, "metrics", o->metrics, "cgroup2",
		  d->r.cgroup2, NULL);
	notify_ready();
	if (loop(d))
		return EXIT_FAIL;
	if (o->cleanup)
		reconcile_remove_all(&d->r);
	return EXIT_OK;
}

int daemon_load_config(const struct daemon_opts *o, struct config *cfg)
{
	char err[512], cc[1024];
	int rc;

	rc = config_load(o->config, read_available_cc(cc, sizeof(cc)) ? NULL : cc, cfg, err,
			 sizeof(err));
	if (!rc)
		return EXIT_OK;
	p_err(rc == -EINVAL ? 0 : -rc, "see the README's daemon section", "%s", err);
	return rc == -EINVAL ? EXIT_USAGE : EXIT_FAIL;
}

int daemon_run(const struct daemon_opts *o, struct config *cfg)
{
	struct daemon d = {.o = o, .sfd = -1, .tfd = -1};
	char cgroup2[PATH_MAX];
	int rc;

	if (!read_available_cc(d.cc_buf, sizeof(d.cc_buf)))
		d.available_cc = d.cc_buf;
	rc = cgroup2_mount(cgroup2, sizeof(cgroup2));
	if (rc) {
		config_free(cfg);
		p_err(-rc, "mount cgroup2 (cgroup v2) first", "no cgroup2 mount");
		return EXIT_FAIL;
	}
	rc = state_init(&d.r, cfg, o->pin_dir, cgroup2, o->pods_dir);
	if (rc) {
		config_free(cfg);
		p_err(-rc, NULL, "cannot set up inotify");
		return EXIT_FAIL;
	}
	rc = run(&d);
	http_stop(d.http);
	if (d.sfd >= 0)
		close(d.sfd);
	if (d.tfd >= 0)
		close(d.tfd);
	state_free(&d.r);
	return rc;
}
