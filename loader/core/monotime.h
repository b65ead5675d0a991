/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one clock for durations and deadlines: CLOCK_MONOTONIC, which no
 * setting of the wall clock moves, in seconds.
 */
#ifndef MPTCPIFY_MONOTIME_H
#define MPTCPIFY_MONOTIME_H

/* Seconds since some fixed point (boot); only differences mean anything. */
double monotime_s(void);

#endif
