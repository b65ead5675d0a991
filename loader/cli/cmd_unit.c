// SPDX-License-Identifier: GPL-2.0
/*
 * mptcpify enable | disable UNIT: a systemd service enforced at every start,
 * without the daemon and without LD_PRELOAD. A drop-in runs `mptcpify
 * attach --self` as ExecStartPre=, which systemd runs in the unit's own
 * cgroup before the main process starts; the unit's own file is never
 * touched.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <systemd/sd-daemon.h>
#include "cmd.h"
#include "core/cgroup.h"
#include "core/entries.h"
#include "core/escape.h"
#include "core/output.h"

#define DROPIN_NAME "mptcpify.conf"

extern char **environ;

/* /etc/systemd/system, or $MPTCPIFY_SYSTEMD_DIR (tests). */
static const char *unit_dir(void)
{
	const char *dir = getenv("MPTCPIFY_SYSTEMD_DIR");

	return dir && *dir ? dir : "/etc/systemd/system";
}

/* Refuse before changing anything where systemd is not the init. */
static int need_systemd(void)
{
	if (sd_booted() > 0)
		return 0;
	p_err(0, "use 'mptcpify attach' or 'mptcpify run' instead",
	      "systemd is not running on this host");
	return EXIT_FAIL;
}

/* "web" -> "web.service"; NULL for anything but a service's name. */
static const char *service_name(const char *arg, char *buf, size_t len)
{
	size_t n = strlen(arg);

	if (!n || n > 240 ||
	    strspn(arg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			"0123456789:_.@-\\") != n ||
	    arg[0] == '.' || arg[0] == '-')
		return NULL;
	if (strchr(arg, '.') && (n < 8 || strcmp(arg + n - 8, ".service")))
		return NULL;
	snprintf(buf, len, "%s%s", arg, strchr(arg, '.') ? "" : ".service");
	return buf;
}

/* Run systemctl ARGS; its first output line in @out (may be NULL). Exit status, or -errno. */
static int systemctl(char *out, size_t len, char *const argv[])
{
	posix_spawn_file_actions_t fa;
	int pipefd[2], status, err;
	ssize_t n = 0;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC))
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
	/* A query's failure is its answer; its message would only confuse. */
	if (out)
		posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
	err = posix_spawnp(&pid, "systemctl", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (!err && out && len) {
		n = read(pipefd[0], out, len - 1);
		out[n > 0 ? n : 0] = '\0';
		out[strcspn(out, "\n")] = '\0';
	}
	close(pipefd[0]);
	if (err)
		return -err;
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/*
 * The unit's cgroup while it runs ("/system.slice/web.service"), else "".
 * A template ("app@.service") never runs itself: its drop-in applies to
 * every instance from its next start.
 */
static void unit_cgroup(const char *unit, char *out, size_t len)
{
	char *argv[] = {"systemctl", "show",	   "--property=ControlGroup",
			"--value",   (char *)unit, NULL};

	if (strstr(unit, "@.service") || systemctl(out, len, argv))
		out[0] = '\0';
}

static int daemon_reload(void)
{
	char *argv[] = {"systemctl", "daemon-reload", NULL};
	int rc = systemctl(NULL, 0, argv);

	if (rc)
		p_err(rc < 0 ? -rc : 0, "is systemd running?", "systemctl daemon-reload failed");
	return rc ? EXIT_FAIL : EXIT_OK;
}

static void dropin_paths(const char *unit, char *dir, char *file)
{
	snprintf(dir, PATH_MAX, "%s/%s.d", unit_dir(), unit);
	snprintf(file, PATH_MAX, "%s/%s", dir, DROPIN_NAME);
}

/* The drop-in, written aside and renamed over: whole or not at all. */
static int write_dropin(const struct cmd_args *a, const char *dir, const char *file)
{
	char self[PATH_MAX], exec[2 * PATH_MAX + 8], tmp[PATH_MAX + 8];
	ssize_t n = readlink("/proc/self/exe", self + 2, sizeof(self) - 3);
	FILE *f;
	int err;

	if (n <= 0)
		return -errno;
	/* "-": the service starts even if mptcpify cannot attach; "+": unsandboxed. */
	memcpy(self, "-+", 2);
	self[n + 2] = '\0';
	err = escape_exec_word(self, exec, sizeof(exec));
	if (err)
		return err;
	if (mkdir(dir, 0755) && errno != EEXIST)
		return -errno;
	snprintf(tmp, sizeof(tmp), "%s.new", file);
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	fprintf(f,
		"# Written by `mptcpify enable`; `mptcpify disable` removes it.\n"
		"# Before the main process starts, in the unit's own cgroup: its sockets\n"
		"# are MPTCP from the first. \"+\": outside the unit's sandbox; \"-\": the\n"
		"# service starts (with TCP) even if mptcpify cannot attach. The pins\n"
		"# need bpffs on the host: mptcpify-bpffs.service mounts it if missing.\n"
		"[Unit]\n"
		"Wants=mptcpify-bpffs.service\n"
		"After=mptcpify-bpffs.service\n"
		"[Service]\n"
		"ExecStartPre=%s attach --self --mode %s%s\n",
		exec, mode_name(a->mode), a->protect ? " --on-incompatible exclude" : "");
	if (fclose(f) || rename(tmp, file)) {
		unlink(tmp);
		return -errno;
	}
	return 0;
}

static void unit_plain(json_t *r)
{
	json_t *now = json_object_get(r, "cgroup");

	printf("%s: %s (%s)%s%s%s\n", json_string_value(json_object_get(r, "unit")),
	       json_is_true(json_object_get(r, "enabled")) ? "enabled" : "disabled",
	       json_string_value(json_object_get(r, "dropin")),
	       json_is_null(now) ? "" : "; its running cgroup ", json_string_value(now) ?: "",
	       json_is_null(now)			   ? "" :
	       json_is_true(json_object_get(r, "enabled")) ? " is enforced now" :
							     " is no longer enforced");
}

int cmd_enable(const struct cmd_args *a)
{
	char name[256], dir[PATH_MAX], file[PATH_MAX], running[PATH_MAX];
	struct cgroup_ref cg;
	const char *unit = service_name(a->cgroup, name, sizeof(name));
	bool changed;
	int err;

	if (!unit) {
		p_err(0, "give a service's name, such as web.service", "'%s' is not a service",
		      a->cgroup);
		return EXIT_USAGE;
	}
	if (cmd_need_root() || need_systemd() || cmd_check_mode(a, a->mode))
		return EXIT_FAIL;
	dropin_paths(unit, dir, file);
	err = write_dropin(a, dir, file);
	if (err == -EINVAL || err == -ENAMETOOLONG) {
		p_err(0, "install mptcpify at a path without control characters",
		      "the path of this mptcpify binary cannot be written into a unit");
		return EXIT_FAIL;
	} else if (err) {
		p_err(-err, NULL, "cannot write %s", file);
		return EXIT_FAIL;
	}
	if (daemon_reload()) {
		unlink(file); /* as it was */
		rmdir(dir);
		return EXIT_FAIL;
	}
	/* Running already: its cgroup now, the drop-in for every start after. */
	unit_cgroup(unit, running, sizeof(running));
	if (running[0] && cmd_attach_cgroup(a, running, &cg, &changed))
		return EXIT_FAIL;
	emit(json_pack("{s:s, s:b, s:s, s:o}", "unit", unit, "enabled", 1, "dropin", file, "cgroup",
		       running[0] ? json_text(running) : json_null()),
	     unit_plain);
	return EXIT_OK;
}

int cmd_disable(const struct cmd_args *a)
{
	char name[256], dir[PATH_MAX], file[PATH_MAX], running[PATH_MAX];
	struct cmd_args one = *a;
	struct cgroup_ref cg;
	const char *unit = service_name(a->cgroup, name, sizeof(name));
	bool unloaded, detached = false;
	int err;

	if (!unit) {
		p_err(0, "give a service's name, such as web.service", "'%s' is not a service",
		      a->cgroup);
		return EXIT_USAGE;
	}
	if (cmd_need_root() || need_systemd())
		return EXIT_FAIL;
	dropin_paths(unit, dir, file);
	if (unlink(file) && errno != ENOENT) {
		p_err(errno, NULL, "cannot remove %s", file);
		return EXIT_FAIL;
	}
	rmdir(dir); /* only if nothing else is in it */
	if (daemon_reload())
		return EXIT_FAIL;
	unit_cgroup(unit, running, sizeof(running));
	if (running[0]) {
		one.cgroup = running;
		err = cmd_remove(&one, policy_delete, &cg, &unloaded);
		if (err > 0 || (err < 0 && err != -ENOENT))
			return EXIT_FAIL;
		detached = !err;
	}
	emit(json_pack("{s:s, s:b, s:s, s:o}", "unit", unit, "enabled", 0, "dropin", file, "cgroup",
		       detached ? json_text(running) : json_null()),
	     unit_plain);
	return EXIT_OK;
}
