/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's log: one line per event on stderr, logfmt after the time
 * ("2026-12-06T07:12:03.123Z info enforce cgroup=/a selector=shop"), or a
 * JSON object per line with -j ({"time": ..., "level": "info", ...}). When
 * stderr is the journal, each event is a journal entry with its priority
 * and its pairs as fields (SELECTOR=shop CGROUP=/a MPTCPIFY_EVENT=enforce),
 * and the journal's own time: no time in the message, with -j either.
 */
#ifndef MPTCPIFY_LOG_H
#define MPTCPIFY_LOG_H

#include <stddef.h>
#include <syslog.h>
#include <time.h>

/* "2026-12-06T07:12:03.123Z" and its NUL. */
#define LOG_TIME_LEN sizeof("2026-12-06T07:12:03.123Z")

/*
 * @ts as RFC 3339 in UTC with milliseconds, into @buf (LOG_TIME_LEN or
 * more). Returns its length, or 0 (and "") when it does not fit.
 */
size_t log_timestamp(const struct timespec *ts, char *buf, size_t len);

/* Log @event at @level (LOG_ERR ... LOG_DEBUG) with key, value pairs, NULL-ended. */
void log_event(int level, const char *event, ...) __attribute__((sentinel));

#endif
