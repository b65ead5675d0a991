/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What systemd hears from the daemon, through libsystemd: readiness and a
 * status line, reloads begun and done, watchdog pings. Outside systemd
 * each call does nothing.
 *
 * A reload's outcome is also written to $RUNTIME_DIRECTORY/reload, as
 * "N applied" or "N refused: why", for `mptcpify daemon --reload`, which
 * ExecReload runs: it signals the daemon and returns once that line
 * changes, so `systemctl reload` waits for the new configuration and fails
 * when it was refused, on systemd versions without Type=notify-reload.
 */
#ifndef MPTCPIFY_SERVICE_H
#define MPTCPIFY_SERVICE_H

#include <stdbool.h>

/* Enforcement is in place: READY=1, with @status (STATUS=). */
void service_ready(const char *status);
/* A new STATUS= line, when it differs from the last one sent. */
void service_status(const char *status);
/* SIGHUP taken: RELOADING=1. */
void service_reloading(void);
/* The reload is over: READY=1 again, and its record for `daemon --reload`. */
void service_reloaded(bool applied, const char *why);
/* From the loop's tick: WATCHDOG=1 when the unit has WatchdogSec=. */
void service_watchdog(void);

/*
 * `mptcpify daemon --reload`: SIGHUP to $MAINPID and wait, up to
 * @timeout_s, for its record. 0 when applied; -ECANCELED when refused (the
 * reason in @why), another -errno when it could not tell.
 */
int service_request_reload(int timeout_s, char *why, size_t len);

#endif
