// SPDX-License-Identifier: GPL-2.0
/*
 * What systemd hears: the daemon's notifications arrive on a socket this
 * test binds as NOTIFY_SOCKET, as systemd's would, and the reload record
 * under a scratch RUNTIME_DIRECTORY.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include "daemon/service.h"
#include "unit.h"

static char dir[] = "/tmp/mptcpify-service-XXXXXX";
static char sock_path[128], record[160];
static int sock = -1;

static void setup(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(sock_path, sizeof(sock_path), "%s/notify", dir);
	snprintf(record, sizeof(record), "%s/reload", dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(sock, 0);
	ck_assert_int_eq(bind(sock, (struct sockaddr *)&sa, sizeof(sa)), 0);
	setenv("NOTIFY_SOCKET", sock_path, 1);
	setenv("RUNTIME_DIRECTORY", dir, 1);
}

static void teardown(void)
{
	close(sock);
	unlink(sock_path);
	unlink(record);
	rmdir(dir);
	strcpy(dir + strlen(dir) - 6, "XXXXXX");
}

/* The next notification, or "" when none is waiting. */
static const char *heard(void)
{
	static char buf[512];
	ssize_t n = recv(sock, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static const char *record_line(void)
{
	static char line[256];
	FILE *f = fopen(record, "re");

	line[0] = '\0';
	if (f) {
		if (!fgets(line, sizeof(line), f))
			line[0] = '\0';
		fclose(f);
	}
	return line;
}

START_TEST(ready_then_status_only_when_it_changes)
{
	service_ready("2 cgroups enforced");
	ck_assert_str_eq(heard(), "READY=1\nSTATUS=2 cgroups enforced");
	service_status("2 cgroups enforced");
	ck_assert_str_eq(heard(), "");
	service_status("3 cgroups enforced");
	ck_assert_str_eq(heard(), "STATUS=3 cgroups enforced");
}
END_TEST

START_TEST(reload_is_bracketed_and_recorded)
{
	service_ready("1 cgroups enforced");
	heard();
	service_reloading();
	ck_assert_str_eq(strtok((char *)heard(), "\n"), "RELOADING=1");
	service_reloaded(false, "config.yaml:3:9: mode must be rewrite, audit or exclude");
	ck_assert_str_eq(heard(), "READY=1\nSTATUS=1 cgroups enforced");
	ck_assert_str_eq(record_line(),
			 "1 refused: config.yaml:3:9: mode must be rewrite, audit or exclude\n");
	service_reloaded(true, NULL);
	heard();
	ck_assert_str_eq(record_line(), "2 applied\n");
}
END_TEST

/* As ExecReload runs it: SIGHUP to $MAINPID, then the daemon's answer. */
static void answer_reload(bool applied)
{
	char why[256], pid_text[16];
	sigset_t hup;
	pid_t pid;
	int sig, status;

	sigemptyset(&hup);
	sigaddset(&hup, SIGHUP);
	sigprocmask(SIG_BLOCK, &hup, NULL);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		sigwait(&hup, &sig);
		service_reloaded(applied, "bad file");
		_exit(0);
	}
	sigprocmask(SIG_UNBLOCK, &hup, NULL);
	snprintf(pid_text, sizeof(pid_text), "%d", pid);
	setenv("MAINPID", pid_text, 1);
	why[0] = '\0';
	ck_assert_int_eq(service_request_reload(120, why, sizeof(why)), applied ? 0 : -ECANCELED);
	ck_assert_str_eq(why, applied ? "" : "bad file");
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	unsetenv("MAINPID");
}

START_TEST(request_reload_waits_for_the_answer)
{
	answer_reload(true);
	answer_reload(false);
}
END_TEST

START_TEST(request_reload_outside_a_unit)
{
	char why[256];

	unsetenv("MAINPID");
	ck_assert_int_eq(service_request_reload(1, why, sizeof(why)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "MAINPID"));
	setenv("MAINPID", "1", 1);
	unsetenv("RUNTIME_DIRECTORY");
	ck_assert_int_eq(service_request_reload(1, why, sizeof(why)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "RuntimeDirectory="));
	unsetenv("MAINPID");
}
END_TEST

START_TEST(watchdog_pings_when_the_unit_asks)
{
	char pid_text[16];

	snprintf(pid_text, sizeof(pid_text), "%d", getpid());
	setenv("WATCHDOG_PID", pid_text, 1);
	setenv("WATCHDOG_USEC", "10000000", 1);
	service_watchdog();
	ck_assert_str_eq(heard(), "WATCHDOG=1");
}
END_TEST

static Suite *service_suite(void)
{
	Suite *s = suite_create("service");
	TCase *tc = tcase_create("notify");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, ready_then_status_only_when_it_changes);
	tcase_add_test(tc, reload_is_bracketed_and_recorded);
	tcase_add_test(tc, request_reload_waits_for_the_answer);
	tcase_add_test(tc, request_reload_outside_a_unit);
	tcase_add_test(tc, watchdog_pings_when_the_unit_asks);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(service_suite)
