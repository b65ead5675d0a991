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

void p_err(int err, const char *hint, const char *fmt, ...)
{
	char what[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);

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
	va_list ap;

	fputs("Warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void p_info(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
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
