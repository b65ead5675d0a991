/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mptcpify daemon: one thread, one epoll loop over inotify (the cgroup tree
 * and the pods directory), signals (SIGHUP reload, SIGTERM/SIGINT exit), the
 * resync timer and the metrics server.
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
	bool cleanup; /* remove the daemon's entries at exit */
};

/* Read and check @o's configuration: 0, or the exit status after an error line. */
int daemon_load_config(const struct daemon_opts *o, struct config *cfg);

/* Run until SIGTERM with @cfg (taken over); the exit status for main(). */
int daemon_run(const struct daemon_opts *o, struct config *cfg);

#endif
