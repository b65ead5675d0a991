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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include "cmd.h"
#include "core/cgroup.h"
#include "core/entries.h"
#include "core/escape.h"
#include "core/output.h"

#define DROPIN_NAME "mptcpify.conf"
#define SYSTEMD "org.freedesktop.systemd1"
/*
 * systemd answers Reload once it has reloaded every unit, which on a large
 * host takes more than sd-bus's 25 s default: systemctl's own bound.
 */
#define RELOAD_TIMEOUT_USEC (6 * 60 * 1000000ULL)

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

/* The system bus, where systemd's manager answers; NULL once said why. */
static sd_bus *system_bus(void)
{
	sd_bus *bus = NULL;
	int r = sd_bus_open_system(&bus);

	if (r >= 0)
		return bus;
	p_err(-r, "is systemd running?", "cannot reach systemd on the system bus");
	return NULL;
}

/*
 * The unit's cgroup while it runs ("/system.slice/web.service"), else "".
 * A template ("app@.service") never runs itself: its drop-in applies to
 * every instance from its next start.
 */
static void unit_cgroup(sd_bus *bus, const char *unit, char *out, size_t len)
{
	char *path = NULL, *cgroup = NULL;

	out[0] = '\0';
	if (!strstr(unit, "@.service") &&
	    sd_bus_path_encode("/org/freedesktop/systemd1/unit", unit, &path) >= 0 &&
	    sd_bus_get_property_string(bus, SYSTEMD, path, SYSTEMD ".Service", "ControlGroup", NULL,
				       &cgroup) >= 0 &&
	    strlen(cgroup) < len)
		strcpy(out, cgroup);
	free(path);
	free(cgroup);
}

/* What `systemctl daemon-reload` does: the manager's Reload, its reply awaited. */
static int daemon_reload(sd_bus *bus)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	sd_bus_message *m = NULL;
	int r;

	r = sd_bus_message_new_method_call(bus, &m, SYSTEMD, "/org/freedesktop/systemd1",
					   SYSTEMD ".Manager", "Reload");
	if (r >= 0)
		r = sd_bus_call(bus, m, RELOAD_TIMEOUT_USEC, &error, NULL);
	if (r < 0 && sd_bus_error_is_set(&error))
		p_err(0, NULL, "systemd did not reload its units: %s", error.message ?: error.name);
	else if (r < 0)
		p_err(-r, "is systemd running?", "cannot ask systemd to reload its units");
	sd_bus_message_unref(m);
	sd_bus_error_free(&error);
	return r < 0 ? EXIT_FAIL : EXIT_OK;
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
		exec, entries_mode_name(a->mode), a->protect ? " --on-incompatible exclude" : "");
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

/* Enable with the bus open: the drop-in, systemd told, the running cgroup attached. */
static int enable_unit(const struct cmd_args *a, sd_bus *bus, const char *unit)
{
	char dir[PATH_MAX], file[PATH_MAX], running[PATH_MAX];
	struct cgroup_ref cg;
	bool changed;
	int err;

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
	if (daemon_reload(bus)) {
		unlink(file); /* as it was */
		rmdir(dir);
		return EXIT_FAIL;
	}
	/* Running already: its cgroup now, the drop-in for every start after. */
	unit_cgroup(bus, unit, running, sizeof(running));
	if (running[0] && cmd_attach_cgroup(a, running, &cg, &changed))
		return EXIT_FAIL;
	emit(json_pack("{s:s, s:b, s:s, s:o}", "unit", unit, "enabled", 1, "dropin", file, "cgroup",
		       running[0] ? json_text(running) : json_null()),
	     unit_plain);
	return EXIT_OK;
}

static int disable_unit(const struct cmd_args *a, sd_bus *bus, const char *unit)
{
	char dir[PATH_MAX], file[PATH_MAX], running[PATH_MAX];
	struct cmd_args one = *a;
	struct cgroup_ref cg;
	bool unloaded, detached = false;
	int err;

	dropin_paths(unit, dir, file);
	if (unlink(file) && errno != ENOENT) {
		p_err(errno, NULL, "cannot remove %s", file);
		return EXIT_FAIL;
	}
	rmdir(dir); /* only if nothing else is in it */
	if (daemon_reload(bus))
		return EXIT_FAIL;
	unit_cgroup(bus, unit, running, sizeof(running));
	if (running[0]) {
		one.cgroup = running;
		err = cmd_remove_entry(&one, entries_policy_delete, &cg, &unloaded);
		if (err > 0 || (err < 0 && err != -ENOENT))
			return EXIT_FAIL;
		detached = !err;
	}
	emit(json_pack("{s:s, s:b, s:s, s:o}", "unit", unit, "enabled", 0, "dropin", file, "cgroup",
		       detached ? json_text(running) : json_null()),
	     unit_plain);
	return EXIT_OK;
}

/* A service's name, root, systemd and its bus, checked before anything changes. */
static int on_unit(const struct cmd_args *a, bool enable)
{
	const char *unit;
	char name[256];
	sd_bus *bus;
	int rc;

	unit = service_name(a->unit, name, sizeof(name));
	if (!unit) {
		p_err(0, "give a service's name, such as web.service", "'%s' is not a service",
		      a->unit);
		return EXIT_USAGE;
	}
	if (cmd_need_root() || need_systemd() || (enable && cmd_check_mode(a, a->mode)))
		return EXIT_FAIL;
	bus = system_bus();
	if (!bus)
		return EXIT_FAIL;
	rc = enable ? enable_unit(a, bus, unit) : disable_unit(a, bus, unit);
	sd_bus_flush_close_unref(bus);
	return rc;
}

int cmd_enable(const struct cmd_args *a)
{
	return on_unit(a, true);
}

int cmd_disable(const struct cmd_args *a)
{
	return on_unit(a, false);
}
