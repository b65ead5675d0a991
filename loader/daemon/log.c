// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <systemd/sd-journal.h>
#include "log.h"
#include "core/escape.h"
#include "core/output.h"

static const char *const level_names[] = {
	[LOG_ERR] = "error", [LOG_WARNING] = "warning", [LOG_INFO] = "info", [LOG_DEBUG] = "debug"};

/* Pairs of one event, at most: more are dropped. */
#define MAX_PAIRS 12

/* Quote a logfmt value when it has spaces, quotes, '=' or backslashes. */
static void put_value(FILE *f, const char *v)
{
	if (*v && !strpbrk(v, " \"=\\")) {
		fputs(v, f);
		return;
	}
	fputc('"', f);
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			fputc('\\', f);
		fputc(*v, f);
	}
	fputc('"', f);
}

/*
 * Is stderr the journal? systemd says so in JOURNAL_STREAM, the device and
 * inode of the stream it connected; a child's redirected stderr is not.
 * Asked at each line, which costs an fstat() next to its write().
 */
static bool stderr_is_journal(void)
{
	unsigned long long dev, ino;
	const char *e = getenv("JOURNAL_STREAM");
	struct stat st;

	return e && sscanf(e, "%llu:%llu", &dev, &ino) == 2 && !fstat(2, &st) && st.st_dev == dev &&
	       st.st_ino == ino;
}

size_t log_timestamp(const struct timespec *ts, char *buf, size_t len)
{
	struct tm tm;
	size_t n = 0;

	if (gmtime_r(&ts->tv_sec, &tm))
		n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!n || len - n < sizeof(".123Z")) {
		if (len)
			buf[0] = '\0';
		return 0;
	}
	/* Truncated, not rounded: .9996 must not become .1000. */
	snprintf(buf + n, len - n, ".%03ldZ", ts->tv_nsec / 1000000);
	return n + sizeof(".123Z") - 1;
}

/* One entry with the event's pairs as fields: SELECTOR=shop CGROUP=/a ... */
static void to_journal(int level, const char *event, const char *line, const char **keys,
		       char vals[][PATH_MAX], int n)
{
	char fields[MAX_PAIRS + 4][PATH_MAX + 64];
	struct iovec iov[MAX_PAIRS + 4];
	int i, k, m = 0;

	snprintf(fields[m++], sizeof(fields[0]), "MESSAGE=%s", line);
	snprintf(fields[m++], sizeof(fields[0]), "PRIORITY=%d", level);
	snprintf(fields[m++], sizeof(fields[0]), "MPTCPIFY_EVENT=%s", event);
	for (i = 0; i < n; i++, m++) {
		/* Field names: upper case letters, digits and '_'. */
		for (k = 0; keys[i][k] && k < 63; k++)
			fields[m][k] = isalnum((unsigned char)keys[i][k]) ?
					       toupper((unsigned char)keys[i][k]) :
					       '_';
		snprintf(fields[m] + k, sizeof(fields[0]) - k, "=%s", vals[i]);
	}
	for (i = 0; i < m; i++)
		iov[i] = (struct iovec){.iov_base = fields[i], .iov_len = strlen(fields[i])};
	sd_journal_sendv(iov, m);
}

void log_event(int level, const char *event, ...)
{
	char vals[MAX_PAIRS][PATH_MAX], *line = NULL, now[LOG_TIME_LEN];
	const char *keys[MAX_PAIRS], *k, *v;
	size_t size = 0;
	struct timespec ts;
	int i, n = 0;
	bool journal;
	json_t *obj;
	va_list ap;
	FILE *f;

	if (level == LOG_DEBUG && !verbose)
		return;
	va_start(ap, event);
	/* Names come from users: no byte of theirs reaches a log raw. */
	while (n < MAX_PAIRS && (k = va_arg(ap, const char *)) && (v = va_arg(ap, const char *))) {
		keys[n] = k;
		escape_text(v, vals[n++], PATH_MAX);
	}
	va_end(ap);
	/*
	 * The journal stamps each entry itself: a second time in the message
	 * would only differ from it.
	 */
	journal = stderr_is_journal();
	now[0] = '\0';
	if (!journal && !clock_gettime(CLOCK_REALTIME, &ts))
		log_timestamp(&ts, now, sizeof(now));
	if (json_output) {
		obj = json_object();
		if (now[0])
			json_object_set_new(obj, "time", json_string(now));
		json_object_set_new(obj, "level", json_string(level_names[level]));
		json_object_set_new(obj, "event", json_string(event));
		for (i = 0; i < n; i++)
			json_object_set_new(obj, keys[i], json_string(vals[i]));
		line = json_dumps(obj, JSON_COMPACT);
		if (line)
			fprintf(stderr, "%s\n", line);
		free(line);
		json_decref(obj);
		return;
	}
	f = open_memstream(&line, &size);
	if (!f)
		return;
	fprintf(f, "%s%s%s %s", now, now[0] ? " " : "", level_names[level], event);
	for (i = 0; i < n; i++) {
		fprintf(f, " %s=", keys[i]);
		put_value(f, vals[i]);
	}
	fclose(f);
	if (journal)
		to_journal(level, event, line, keys, vals, n);
	else
		fprintf(stderr, "%s\n", line);
	free(line);
}
