// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <limits.h>
#include "log.h"
#include "core/escape.h"
#include "core/output.h"

static const char *const level_names[] = {
	[LOG_ERR] = "error", [LOG_WARNING] = "warning", [LOG_INFO] = "info", [LOG_DEBUG] = "debug"};

/* Quote a logfmt value when it has spaces, quotes, '=' or backslashes. */
static void put_value(const char *v)
{
	if (*v && !strpbrk(v, " \"=\\")) {
		fputs(v, stderr);
		return;
	}
	fputc('"', stderr);
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			fputc('\\', stderr);
		fputc(*v, stderr);
	}
	fputc('"', stderr);
}

void log_event(int level, const char *event, ...)
{
	const char *k, *v;
	char buf[PATH_MAX * 4];
	json_t *obj;
	va_list ap;
	char *text;

	if (level == LOG_DEBUG && !verbose)
		return;
	va_start(ap, event);
	if (json_output) {
		obj = json_pack("{s:s, s:s}", "level", level_names[level], "event", event);
		while ((k = va_arg(ap, const char *)) && (v = va_arg(ap, const char *)))
			json_object_set_new(obj, k, json_string(escape_text(v, buf, sizeof(buf))));
		text = json_dumps(obj, JSON_COMPACT);
		if (text)
			fprintf(stderr, "%s\n", text);
		free(text);
		json_decref(obj);
	} else {
		/* Under systemd, "<N>" gives journald the priority. */
		if (getenv("JOURNAL_STREAM"))
			fprintf(stderr, "<%d>", level);
		fprintf(stderr, "%s %s", level_names[level], event);
		while ((k = va_arg(ap, const char *)) && (v = va_arg(ap, const char *))) {
			fprintf(stderr, " %s=", k);
			/* Names come from users: no byte of theirs reaches the journal raw. */
			put_value(escape_text(v, buf, sizeof(buf)));
		}
		fputc('\n', stderr);
	}
	va_end(ap);
}
