/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one-line syntax of subflow rules, "[MATCH...] -> ACTION...", to and
 * from struct mptcpify_rule. Pure functions: no global state, no allocation.
 *
 * Matches, each at most once; no match (or "any") matches every subflow:
 *   initial | join          first subflow, or an MP_JOIN one
 *   nth N                   the Nth subflow, 1 being the initial one
 *   local P, remote P       address within a.b.c.d[/len] or x::y[/len];
 *                           no /len is a host route, host bits are an error.
 *                           An IPv4 prefix never matches an IPv6 address.
 *   lport N, rport N        1..65535
 *   active | passive        this side connected, or accepted
 * Actions, at least one, each at most once:
 *   mark N, cc NAME, tos N (0..255), priority N, keepalive,
 *   keepidle S, keepintvl S (1..32767), keepcnt N (1..127),
 *   user-timeout MS, notsent-lowat BYTES, pacing-rate BYTES/S, dev IFNAME
 * Numbers are decimal or 0x hex. pacing-rate takes k, m or g (either case)
 * as powers of 1000: "10m" is 10,000,000 bytes/s. keepidle, keepintvl and
 * keepcnt without keepalive are accepted, as the kernel does: they take
 * effect only if the application turns SO_KEEPALIVE on itself.
 */
#ifndef MPTCPIFY_RULES_H
#define MPTCPIFY_RULES_H

#include <stddef.h>
#include <linux/types.h>
#include "mptcpify.h"
#include "rule_match.h"

/*
 * Parse one rule. @available_cc is the kernel's list of congestion
 * controls (probe_available_cc() reads it), or NULL to accept
 * any cc name. Returns 0, or -EINVAL with a one-line message naming the
 * offending token in @err (which may be NULL). *out is written, padding
 * included, only on success.
 */
int rules_parse(const char *text, const char *available_cc, struct mptcpify_rule *out, char *err,
		size_t errlen);

/*
 * Parse @n rules (1..MPTCPIFY_MAX_RULES) into a profile, first match first.
 * Errors are prefixed with "rule K: ". *out is written only when all parse.
 */
int rules_parse_all(int n, char **texts, const char *available_cc, struct mptcpify_profile *out,
		    char *err, size_t errlen);

/*
 * The canonical text of a rule: what rules_parse() turns back into the same
 * struct. Returns its length, or -ENOSPC when @len is too small.
 */
int rules_format(const struct mptcpify_rule *r, char *buf, size_t len);

/* 1 if @name is a word of @available_cc (or @available_cc is NULL), else 0. */
int rules_cc_available(const char *name, const char *available_cc);

#endif
