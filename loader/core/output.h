/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How mptcpify talks: plain text, or JSON (-j, -p), and bpftool-style errors.
 * No time on these lines: they answer a person at a terminal, and with -j
 * p_err's object is a command's result. The daemon's log (daemon/log.h)
 * is what carries times.
 */
#ifndef MPTCPIFY_OUTPUT_H
#define MPTCPIFY_OUTPUT_H

#include <stdbool.h>
#include <jansson.h>

/* Exit codes, as bpftool and sysexits(3) use them. */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 64,
};

extern bool json_output;
extern bool pretty_output;
extern bool verbose;

/*
 * One line: "Error: <what>: <strerror(err)>. Hint: <hint>" on stderr, or
 * {"error": ..., "hint": ...} on stdout with -j. err is a positive errno, or 0
 * when there is no errno to tell; hint may be NULL.
 */
void p_err(int err, const char *hint, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A warning line on stderr ("Warning: ..."), never in the JSON output. */
void p_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Diagnostics shown only with -v. */
void p_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Print a command's result: @res as JSON with -j/-p, else through @plain.
 * Takes ownership of @res.
 */
void emit(json_t *res, void (*plain)(json_t *res));

/*
 * A JSON string of untrusted text (a cgroup path), escaped as escape_text()
 * does: jansson refuses text that is not UTF-8. JSON null for NULL.
 */
json_t *json_text(const char *s);

/* Render @res as the JSON text emit() would print; caller frees. */
char *render_json(json_t *res, bool pretty);

#endif
