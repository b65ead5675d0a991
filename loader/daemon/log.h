/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's log: one line per event on stderr, logfmt ("info enforce
 * cgroup=/a selector=shop"), or a JSON object per line with -j. When
 * stderr is the journal, each event is a journal entry with its priority
 * and its pairs as fields (SELECTOR=shop CGROUP=/a MPTCPIFY_EVENT=enforce).
 */
#ifndef MPTCPIFY_LOG_H
#define MPTCPIFY_LOG_H

#include <syslog.h>

/* Log @event at @level (LOG_ERR ... LOG_DEBUG) with key, value pairs, NULL-ended. */
void log_event(int level, const char *event, ...) __attribute__((sentinel));

#endif
