// SPDX-License-Identifier: GPL-2.0
/*
 * mptcpify run [--mode M] [--] CMD [ARGS]: mptcpize run, without LD_PRELOAD.
 * CMD runs in a transient child of our own cgroup, enforced before CMD
 * starts, and the cgroup and its entry go when CMD exits.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "cmd.h"
#include "core/attachpoint.h"
#include "core/cgroup.h"
#include "core/entries.h"
#include "core/output.h"
#include "core/pinstore.h"

/* The child: join the cgroup, then become CMD. Never returns. */
static void exec_in(const char *cgroup_path, char **command)
{
	char procs[PATH_MAX];
	int fd;

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cgroup_path);
	fd = open(procs, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "0", 1) != 1) {
		fprintf(stderr, "Error: cannot join %s: %s\n", cgroup_path, strerror(errno));
		_exit(126);
	}
	close(fd);
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	execvp(command[0], command);
	fprintf(stderr, "Error: cannot run '%s': %s\n", command[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

static pid_t child;

/* SIGTERM and SIGHUP go on to CMD; we wait for it and clean up after. */
static void forward(int sig)
{
	if (child > 0)
		kill(child, sig);
}

/* A cgroup is busy for a moment after its last task is reaped. */
static int remove_cgroup(const char *path)
{
	struct timespec ts = {0, 5 * 1000 * 1000};
	int i;

	for (i = 0; i < 200; i++) {
		if (!rmdir(path) || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			break;
		nanosleep(&ts, NULL);
	}
	return -errno;
}

static void forget(const struct cmd_args *a, const char *cgroup_path, __u64 id)
{
	struct attach_points ap;
	struct pins p;
	bool unloaded;

	if (!cmd_open_existing(&p, a)) {
		if (!entries_policy_delete(&p, id) && !attachpoint_open(&p, NULL, &ap)) {
			entries_release(&p, 0, &ap, &unloaded);
			attachpoint_close(&ap);
		}
		pins_close(&p);
	}
	if (remove_cgroup(cgroup_path))
		p_warn("cannot remove %s: %s (processes left behind?)", cgroup_path,
		       strerror(errno));
}

int cmd_run(const struct cmd_args *a)
{
	char mount[PATH_MAX], own[PATH_MAX], path[PATH_MAX * 2 + 64];
	const char *why = NULL;
	struct attach_points ap;
	struct cgroup_ref cg;
	struct pins p;
	int err, status = 0;
	pid_t pid, waited;
	bool changed;

	if (cmd_need_root() || cmd_check_mode(a, a->mode))
		return EXIT_FAIL;
	err = cgroup_mount(mount, sizeof(mount));
	if (!err)
		err = cgroup_own(own, sizeof(own));
	if (err) {
		p_err(-err, NULL, "cannot find our own cgroup v2");
		return EXIT_FAIL;
	}
	snprintf(path, sizeof(path), "%s%s/mptcpify-run-%d", mount, strcmp(own, "/") ? own : "",
		 (int)getpid());
	if (mkdir(path, 0755)) {
		p_err(errno, "run from a cgroup where root may create children", "cannot create %s",
		      path);
		return EXIT_FAIL;
	}
	if (cmd_resolve(path, mount, &cg)) {
		rmdir(path);
		return EXIT_FAIL;
	}
	if (cmd_open_write(&p, a)) {
		rmdir(path);
		return EXIT_FAIL;
	}
	err = cmd_open_attach_points(&p, mount, &ap, &why);
	if (!err)
		err = entries_policy_set(&p, cg.id, cg.rel, a->mode, MPTCPIFY_OWNER_CLI,
					 a->protect ? MPTCPIFY_PROTECT : 0, &ap, &changed, &why);
	if (!err)
		err = attachpoint_sync(&p, &ap, &why);
	attachpoint_close(&ap);
	pins_close(&p);
	if (err) {
		p_err(-err, NULL, "%s", why);
		forget(a, path, cg.id);
		return EXIT_FAIL;
	}
	p_info("running %s in %s (%s)", a->words[0], cg.rel, entries_mode_name(a->mode));

	/*
	 * Like system(): the terminal's signals go to CMD, we wait for it;
	 * SIGTERM and SIGHUP are passed on, so that `timeout` or a closed
	 * terminal still leaves us to remove the cgroup. An inherited
	 * SIGCHLD=SIG_IGN would make waitpid() lose the status.
	 */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		exec_in(path, a->words);
	}
	if (pid < 0) {
		p_err(errno, NULL, "cannot fork");
		forget(a, path, cg.id);
		return EXIT_FAIL;
	}
	child = pid;
	signal(SIGTERM, forward);
	signal(SIGHUP, forward);
	while ((waited = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	forget(a, path, cg.id);
	if (waited < 0) {
		p_err(errno, NULL, "cannot wait for '%s'", a->words[0]);
		return EXIT_FAIL;
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
