/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What became of an entry's connections, as `stats` shows it: the outcomes,
 * the options refused (or, in audit mode, that would be), the fallback
 * reasons, and one line an operator can act on.
 */
#ifndef MPTCPIFY_OUTCOME_VIEW_H
#define MPTCPIFY_OUTCOME_VIEW_H

#include <stddef.h>
#include <jansson.h>
#include "core/counters.h"

/*
 * Add "escaped", "outcomes", "bytes", "refused" and "fallback_reasons" of
 * @c to @entry, and "verdict".
 */
void outcome_view_json(const struct entry_counters *c, json_t *entry);

/*
 * The verdict of an entry's JSON: "97% MPTCP end to end (33 connections),
 * 3% fell back (no MP_CAPABLE from peer), 48% of bytes over additional
 * subflows; refused: TCP_MD5SIG x12".
 */
const char *outcome_view_verdict(json_t *entry, char *buf, size_t len);

#endif
