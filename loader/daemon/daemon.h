/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mptcpify daemon: one epoll loop over inotify (the cgroup tree and the pods
 * directory), signals (SIGHUP reload, SIGTERM/SIGINT exit) and its timers;
 * the metrics server and a reload's parse each run in a thread of their own.
 */
#ifndef MPTCPIFY_DAEMON_H
#define MPTCPIFY_DAEMON_H

#include <stdbool.h>
#include "config.h"

#define DAEMON_DEFAULT_CONFIG "/etc/mptcpify/config.yaml"
#define DAEMON_DEFAULT_METRICS "127.0.0.1:9464"
#define DAEMON_DEFAULT_PODS_DIR "/var/log/pods"

struct daemon_opts {
	const char *config;   /* the YAML file */
	const char *metrics;  /* ADDR:PORT, or "off" */
	const char *pods_dir; /* /var/log/pods */
	const char *pin_dir;
	bool cleanup;	     /* remove the daemon's entries at exit */
	bool cgroup_metrics; /* per-cgroup series, labelled with their paths */
};

/* Read and check @o's configuration: 0, or the exit status after an error line. */
int daemon_load_config(const struct daemon_opts *o, struct config *cfg);

/* Run until SIGTERM with @cfg (taken over); the exit status for main(). */
int daemon_run(const struct daemon_opts *o, struct config *cfg);

#endif
