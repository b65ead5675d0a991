// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "escape.h"
#include "output.h"

bool json_output;
bool pretty_output;
bool verbose;

/*
 * Messages carry names others chose (cgroups, files, configuration keys):
 * what reaches a terminal or a JSON string is escaped text, valid UTF-8
 * with no control or invisible characters.
 */
static void vformat_safe(char *out, size_t len, const char *fmt, va_list ap)
{
	char raw[1024];

	vsnprintf(raw, sizeof(raw), fmt, ap);
	escape_text(raw, out, len);
}

void p_err(int err, const char *hint, const char *fmt, ...)
{
	char what[4096], safe_hint[1024];
	va_list ap;

	va_start(ap, fmt);
	vformat_safe(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (hint)
		hint = escape_text(hint, safe_hint, sizeof(safe_hint));

	if (json_output) {
		json_t *res = json_object();

		if (err)
			json_object_set_new(res, "error",
					    json_sprintf("%s: %s", what, strerror(err)));
		else
			json_object_set_new(res, "error", json_string(what));
		if (hint)
			json_object_set_new(res, "hint", json_string(hint));
		emit(res, NULL);
		return;
	}
	fprintf(stderr, "Error: %s", what);
	if (err)
		fprintf(stderr, ": %s", strerror(err));
	if (hint)
		fprintf(stderr, ". Hint: %s", hint);
	fputc('\n', stderr);
}

void p_warn(const char *fmt, ...)
{
	char what[4096];
	va_list ap;

	va_start(ap, fmt);
	vformat_safe(what, sizeof(what), fmt, ap);
	va_end(ap);
	fprintf(stderr, "Warning: %s\n", what);
}

void p_info(const char *fmt, ...)
{
	char what[4096];
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, fmt);
	vformat_safe(what, sizeof(what), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s\n", what);
}

json_t *json_text(const char *s)
{
	size_t len;
	json_t *j;
	char *buf;

	if (!s)
		return json_null();
	len = escape_len(s) + 1;
	buf = malloc(len);
	if (!buf)
		return json_null();
	j = json_string(escape_text(s, buf, len));
	free(buf);
	return j ? j : json_null();
}

char *render_json(json_t *res, bool pretty)
{
	size_t flags = JSON_PRESERVE_ORDER | (pretty ? JSON_INDENT(2) : JSON_COMPACT);

	return json_dumps(res, flags);
}

void emit(json_t *res, void (*plain)(json_t *res))
{
	if (json_output) {
		char *text = render_json(res, pretty_output);

		if (text)
			puts(text);
		free(text);
	} else if (plain) {
		plain(res);
	}
	fflush(stdout);
	json_decref(res);
}
