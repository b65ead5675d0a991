// SPDX-License-Identifier: GPL-2.0
/*
 * The daemon's set-up and its event loop. Only the loop changes the pins and
 * its own state; two helpers never make it wait. The HTTP server has a
 * thread of its own and reads what the loop publishes: a snapshot at most
 * once a second, and its health. A reload's file is read and parsed by a
 * thread of its own, and the loop applies the result when it is ready.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include "daemon.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "pmapply.h"
#include "reconcile.h"
#include "service.h"
#include "core/cgroup.h"
#include "core/monotime.h"
#include "core/output.h"
#include "core/probe.h"

/* The loop is stuck when its 1 s tick has not run for this long. */
#define STUCK_S 5
/*
 * A reload's read takes milliseconds: one still running after this is stuck
 * on its file system (a hung NFS or FUSE mount), and refused. At exit, it is
 * waited for EXIT_JOIN_S, well within systemd's stop timeout and a pod's grace.
 */
#define RELOAD_DEADLINE_S 10
#define EXIT_JOIN_S 2

/* What /healthz answers: written by the loop, read by the server. */
struct health {
	pthread_mutex_t lock;
	bool healthy;
	char why[256];
	double tick; /* the loop's last tick, monotime_s() */
};

/* A reload: the file read and parsed off the loop. */
struct reload {
	pthread_t thread;
	bool running, again, overdue; /* overdue: refused, its result dropped */
	int done_fd;		      /* eventfd: the parse finished */
	int deadline_fd;
	int rc;
	struct config cfg;
	char err[512];
};

struct daemon {
	const struct daemon_opts *o;
	struct state r;
	const char *available_cc; /* NULL: unknown, any name accepted */
	char cc_buf[1024];
	struct http_server *http;
	struct metrics_feed feed;
	__u64 published; /* the version of the last snapshot */
	struct health health;
	struct reload reload;
	int sfd, resync_fd, tick_fd;
};

/* systemd's STATUS= line: what is enforced now. */
static const char *status_line(struct daemon *d, char *buf, size_t len)
{
	const struct state *r = &d->r;

	if (!r->healthy)
		snprintf(buf, len, "degraded: %s", r->unhealthy);
	else
		snprintf(buf, len, "%zu cgroups enforced by %d selectors of %s", r->owned.n,
			 r->cfg.nselectors, d->o->config);
	return buf;
}

static char *render_metrics(void *ctx)
{
	struct daemon *d = ctx;

	return metrics_feed_render(&d->feed);
}

static bool healthy(void *ctx, char *why, size_t len)
{
	struct health *h = &((struct daemon *)ctx)->health;
	double idle;
	bool ok;

	pthread_mutex_lock(&h->lock);
	idle = monotime_s() - h->tick;
	ok = h->healthy && idle < STUCK_S;
	if (idle >= STUCK_S)
		snprintf(why, len, "the enforcement loop has not run for %lds", (long)idle);
	else
		snprintf(why, len, "%s", h->why);
	pthread_mutex_unlock(&h->lock);
	return ok;
}

/* After a pass or a tick: what /healthz and /metrics show. */
static void publish(struct daemon *d)
{
	struct health *h = &d->health;
	struct metrics_snapshot *snap;

	pthread_mutex_lock(&h->lock);
	h->healthy = d->r.healthy;
	snprintf(h->why, sizeof(h->why), "%s", d->r.unhealthy);
	h->tick = monotime_s();
	pthread_mutex_unlock(&h->lock);
	if (!d->http || d->published == d->r.version)
		return;
	snap = metrics_snapshot_take(&d->r);
	if (snap) {
		metrics_feed_publish(&d->feed, snap);
		d->published = d->r.version;
	}
}

static int arm(int tfd, unsigned int seconds)
{
	struct itimerspec its = {.it_value.tv_sec = seconds, .it_interval.tv_sec = seconds};

	return timerfd_settime(tfd, 0, &its, NULL);
}

static void *parse_config(void *arg)
{
	struct daemon *d = arg;
	__u64 one = 1;

	d->reload.rc = config_load(d->o->config, d->available_cc, &d->reload.cfg, d->reload.err,
				   sizeof(d->reload.err));
	if (write(d->reload.done_fd, &one, sizeof(one)) != sizeof(one))
		log_event(LOG_ERR, "reload", "error", "cannot wake the loop", NULL);
	return NULL;
}

/* Nothing applied, for @why (NULL: a read past its deadline): logged, told. */
static void refuse_reload(struct daemon *d, const char *why)
{
	char status[256], stuck[PATH_MAX + 64];

	if (!why)
		snprintf(stuck, sizeof(stuck), "%s: not read within %d s", d->o->config,
			 RELOAD_DEADLINE_S);
	d->r.stats.reloads_refused++;
	/* Nothing else changed: the counter alone makes a new snapshot. */
	d->r.version++;
	log_event(LOG_ERR, "reload-refused", "error", why ? why : stuck, "kept", d->r.cfg.path,
		  NULL);
	service_status(status_line(d, status, sizeof(status)));
	service_reloaded(false, why ? why : stuck);
}

/* SIGHUP: read the file off the loop; one reload at a time, the last asked for. */
static void start_reload(struct daemon *d)
{
	struct itimerspec deadline = {.it_value.tv_sec = RELOAD_DEADLINE_S};

	/* One stuck thread at most: another would only get stuck too. */
	if (d->reload.running && d->reload.overdue) {
		refuse_reload(d, NULL);
	} else if (d->reload.running) {
		d->reload.again = true;
	} else if (!pthread_create(&d->reload.thread, NULL, parse_config, d)) {
		d->reload.running = true;
		timerfd_settime(d->reload.deadline_fd, 0, &deadline, NULL);
	} else {
		refuse_reload(d, "cannot start the reload");
	}
}

/* The reload's deadline passed: refused now, whenever its read returns. */
static void reload_overdue(struct daemon *d)
{
	__u64 n;

	if (read(d->reload.deadline_fd, &n, sizeof(n)) != sizeof(n) || !d->reload.running)
		return;
	d->reload.overdue = true;
	d->reload.again = false;
	refuse_reload(d, NULL);
}

/* The parse finished: the new configuration whole, or the old one untouched. */
static void finish_reload(struct daemon *d)
{
	struct state *r = &d->r;
	const char *why = NULL;
	char status[256];
	__u64 n;
	int rc;

	if (read(d->reload.done_fd, &n, sizeof(n)) != sizeof(n))
		return;
	pthread_join(d->reload.thread, NULL);
	d->reload.running = false;
	timerfd_settime(d->reload.deadline_fd, 0, &(struct itimerspec){0}, NULL);
	rc = d->reload.rc;
	if (d->reload.overdue) {
		/* Refused at its deadline already: what it read comes too late. */
		d->reload.overdue = false;
		if (!rc)
			config_free(&d->reload.cfg);
		return;
	}
	if (!rc && reconcile_check_links(r, &d->reload.cfg, config_links(&r->cfg), &why)) {
		snprintf(d->reload.err, sizeof(d->reload.err), "%s: %s", d->o->config,
			 why ? why : "cannot attach");
		config_free(&d->reload.cfg);
		rc = -EPERM;
	}
	if (!rc && state_set_config(r, &d->reload.cfg)) {
		config_free(&d->reload.cfg);
		rc = -ENOMEM;
	}
	if (rc) {
		refuse_reload(d, d->reload.err);
	} else {
		r->stats.reloads_applied++;
		log_event(LOG_INFO, "reload", "config", d->o->config, NULL);
		arm(d->resync_fd, r->cfg.resync_s);
		reconcile_all(r, TRIGGER_RELOAD);
		/*
		 * Applied means enforced: the pass above has run. The status that
		 * comes with READY=1 is the new configuration's, not the last tick's.
		 */
		service_status(status_line(d, status, sizeof(status)));
		service_reloaded(true, NULL);
	}
	if (d->reload.again) {
		d->reload.again = false;
		start_reload(d);
	}
}

/* Once a second: are the pins still there; what the server shows. */
/* false: the daemon must exit, and its service manager start it again. */
static bool tick(struct daemon *d)
{
	char status[256];

	if (reconcile_repair(&d->r))
		return false;
	publish(d);
	/* Only a loop that runs pings: a stuck or stopped one gets restarted. */
	service_watchdog();
	service_status(status_line(d, status, sizeof(status)));
	return true;
}

static void watch_fd(int ep, int fd)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};

	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

/* A signal: false when it says to stop. */
static bool on_signal(struct daemon *d)
{
	struct signalfd_siginfo si;

	if (read(d->sfd, &si, sizeof(si)) != sizeof(si))
		return true;
	if (si.ssi_signo == SIGHUP) {
		service_reloading();
		start_reload(d);
		return true;
	}
	log_event(LOG_INFO, "exit", "signal", strsignal(si.ssi_signo), "enforcement",
		  d->o->cleanup ? "removed" : "kept", NULL);
	return false;
}

/* Until SIGTERM or SIGINT: 0, or -errno if the loop itself failed. */
static int loop(struct daemon *d)
{
	int ep, n, i, fd, inotify_fd = d->r.watches.inotify_fd, err = 0;
	struct epoll_event got[8];
	__u64 ticks;

	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		return -errno;
	watch_fd(ep, inotify_fd);
	watch_fd(ep, d->sfd);
	watch_fd(ep, d->resync_fd);
	watch_fd(ep, d->tick_fd);
	watch_fd(ep, d->reload.done_fd);
	watch_fd(ep, d->reload.deadline_fd);
	for (;;) {
		n = epoll_wait(ep, got, 8, -1);
		if (n < 0 && errno != EINTR) {
			err = -errno;
			break;
		}
		for (i = 0; i < n; i++) {
			fd = got[i].data.fd;
			if (fd == inotify_fd) {
				/* A pin went, and bpffs with it: see reconcile_repair(). */
				if (reconcile_events(&d->r) == -EXDEV) {
					err = -EXDEV;
					goto out;
				}
			} else if (fd == d->resync_fd) {
				if (read(fd, &ticks, sizeof(ticks)) == sizeof(ticks))
					reconcile_all(&d->r, TRIGGER_RESYNC);
			} else if (fd == d->tick_fd) {
				if (read(fd, &ticks, sizeof(ticks)) == sizeof(ticks) && !tick(d)) {
					err = -EXDEV;
					goto out;
				}
			} else if (fd == d->reload.done_fd) {
				finish_reload(d);
			} else if (fd == d->reload.deadline_fd) {
				reload_overdue(d);
			} else if (fd == d->sfd && !on_signal(d)) {
				goto out;
			}
		}
	}
out:
	close(ep);
	return err;
}

static int setup_events(struct daemon *d)
{
	sigset_t mask;

	/*
	 * A new cgroup's entry must beat its first process, whatever else the
	 * node is busy with: the loop runs at a higher priority where it may
	 * (CAP_SYS_NICE; systemd's Nice= does it otherwise).
	 */
	if (setpriority(PRIO_PROCESS, gettid(), -10))
		log_event(LOG_DEBUG, "priority", "error", strerror(errno), NULL);
	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	/* Before any thread starts: they inherit the mask. */
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	d->sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	d->resync_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	d->tick_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	d->reload.done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	d->reload.deadline_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (d->sfd < 0 || d->resync_fd < 0 || d->tick_fd < 0 || d->reload.done_fd < 0 ||
	    d->reload.deadline_fd < 0 || arm(d->resync_fd, d->r.cfg.resync_s) ||
	    arm(d->tick_fd, 1)) {
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
	char status[256];
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
	reconcile_all(&d->r, TRIGGER_START);
	if (strcmp(o->metrics, "off")) {
		d->http = http_start(o->metrics, &h, &why);
		if (!d->http) {
			p_err(errno, "give another --metrics ADDRESS:PORT, or --metrics off",
			      "%s %s", why, o->metrics);
			return EXIT_FAIL;
		}
	}
	publish(d);
	log_event(LOG_INFO, "ready", "config", o->config, "metrics", o->metrics, "cgroup2",
		  d->r.cgroup2, NULL);
	service_ready(status_line(d, status, sizeof(status)));
	if (loop(d))
		return EXIT_FAIL;
	if (o->cleanup) {
		reconcile_remove_all(&d->r);
		pmapply_free(&d->r, true);
	}
	return EXIT_OK;
}

int daemon_load_config(const struct daemon_opts *o, struct config *cfg)
{
	char err[512], cc[1024];
	int rc;

	rc = config_load(o->config, probe_available_cc(cc, sizeof(cc)) ? NULL : cc, cfg, err,
			 sizeof(err));
	if (!rc)
		return EXIT_OK;
	/* @err says it all, what errno said included. */
	p_err(0, "see the README's daemon section", "%s", err);
	return rc == -EINVAL ? EXIT_USAGE : EXIT_FAIL;
}

/* The reload thread ended (0), or has not in EXIT_JOIN_S. */
static int reload_join(struct daemon *d)
{
	struct timespec end;

	return clock_gettime(CLOCK_REALTIME, &end) ||
	       pthread_timedjoin_np(d->reload.thread, NULL,
				    &(struct timespec){.tv_sec = end.tv_sec + EXIT_JOIN_S});
}

static void close_fds(struct daemon *d)
{
	int fds[] = {d->sfd, d->resync_fd, d->tick_fd, d->reload.done_fd, d->reload.deadline_fd};
	size_t i;

	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

int daemon_run(const struct daemon_opts *o, struct config *cfg)
{
	struct daemon d = {.o = o, .sfd = -1, .resync_fd = -1, .tick_fd = -1};
	char cgroup2[PATH_MAX];
	int rc;

	d.reload.done_fd = d.reload.deadline_fd = -1;
	/* One arena, not one per thread that each keeps what it freed. */
	mallopt(M_ARENA_MAX, 1);
	if (!probe_available_cc(d.cc_buf, sizeof(d.cc_buf)))
		d.available_cc = d.cc_buf;
	rc = cgroup_mount(cgroup2, sizeof(cgroup2));
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
	pthread_mutex_init(&d.health.lock, NULL);
	metrics_feed_init(&d.feed, o->cgroup_metrics);
	rc = run(&d);
	http_stop(d.http);
	if (d.reload.running && reload_join(&d)) {
		/* Its read is stuck, and it reads @d: it may not outlive this frame. */
		log_event(LOG_WARNING, "exit", "reload", "stuck reading the configuration", NULL);
		exit(rc);
	}
	if (d.reload.running && !d.reload.rc)
		config_free(&d.reload.cfg);
	metrics_feed_free(&d.feed);
	pthread_mutex_destroy(&d.health.lock);
	close_fds(&d);
	pmapply_free(&d.r, false);
	state_free(&d.r);
	return rc;
}
