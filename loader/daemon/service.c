// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>
#include "service.h"

static char last_status[256];

void service_ready(const char *status)
{
	snprintf(last_status, sizeof(last_status), "%s", status);
	sd_notifyf(0, "READY=1\nSTATUS=%s", status);
}

void service_status(const char *status)
{
	if (!strcmp(status, last_status))
		return;
	snprintf(last_status, sizeof(last_status), "%s", status);
	sd_notifyf(0, "STATUS=%s", status);
}

static unsigned long long monotonic_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000ULL + ts.tv_nsec / 1000;
}

void service_reloading(void)
{
	/* MONOTONIC_USEC: what systemd 253+ asks of a reload notification. */
	sd_notifyf(0, "RELOADING=1\nSTATUS=reloading the configuration\nMONOTONIC_USEC=%llu",
		   monotonic_usec());
}

/* $RUNTIME_DIRECTORY/reload, or "" outside systemd. */
static const char *record_path(char *buf, size_t len)
{
	const char *dir = getenv("RUNTIME_DIRECTORY");

	if (!dir || !*dir || strchr(dir, ':'))
		return "";
	snprintf(buf, len, "%s/reload", dir);
	return buf;
}

/* "N ...": N, or 0 when there is no record yet. */
static unsigned long read_record(const char *path, char *rest, size_t len)
{
	unsigned long n = 0;
	char line[600] = "";
	FILE *f = fopen(path, "re");
	char *end;

	if (f) {
		if (!fgets(line, sizeof(line), f))
			line[0] = '\0';
		fclose(f);
	}
	line[strcspn(line, "\n")] = '\0';
	n = strtoul(line, &end, 10);
	snprintf(rest, len, "%s", *end == ' ' ? end + 1 : "");
	return n;
}

void service_reloaded(bool applied, const char *why)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8], rest[600];
	unsigned long n;
	FILE *f;

	sd_notifyf(0, "READY=1\nSTATUS=%s", last_status);
	if (!*record_path(path, sizeof(path)))
		return;
	n = read_record(path, rest, sizeof(rest)) + 1;
	/* Whole or not at all: written aside, then renamed over. */
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	f = fopen(tmp, "we");
	if (!f)
		return;
	fprintf(f, "%lu %s%s%s\n", n, applied ? "applied" : "refused", applied ? "" : ": ",
		applied ? "" : why);
	if (fclose(f) || rename(tmp, path))
		unlink(tmp);
}

void service_watchdog(void)
{
	static int enabled = -1;
	uint64_t usec;

	if (enabled < 0)
		enabled = sd_watchdog_enabled(0, &usec) > 0;
	if (enabled)
		sd_notify(0, "WATCHDOG=1");
}

int service_request_reload(int timeout_s, char *why, size_t len)
{
	const char *pid_text = getenv("MAINPID");
	char path[PATH_MAX], rest[600];
	unsigned long before;
	long pid;
	int i;

	if (!pid_text || (pid = strtol(pid_text, NULL, 10)) <= 0) {
		snprintf(why, len, "no MAINPID: run it as the unit's ExecReload");
		return -EINVAL;
	}
	if (!*record_path(path, sizeof(path))) {
		snprintf(why, len, "no RUNTIME_DIRECTORY: the unit needs RuntimeDirectory=");
		return -EINVAL;
	}
	before = read_record(path, rest, sizeof(rest));
	if (kill((pid_t)pid, SIGHUP)) {
		snprintf(why, len, "cannot signal the daemon (pid %ld)", pid);
		return -errno;
	}
	for (i = 0; i < timeout_s * 20; i++) {
		if (read_record(path, rest, sizeof(rest)) > before) {
			if (!strncmp(rest, "applied", 7))
				return 0;
			snprintf(why, len, "%s", strncmp(rest, "refused: ", 9) ? rest : rest + 9);
			return -ECANCELED;
		}
		usleep(50 * 1000);
	}
	snprintf(why, len, "the daemon did not answer within %d s", timeout_s);
	return -ETIMEDOUT;
}
