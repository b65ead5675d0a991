// SPDX-License-Identifier: GPL-2.0
#include <limits.h>
#include <stdio.h>
#include "log.h"
#include "pinwatch.h"
#include "state.h"
#include "core/pindir.h"

/* What can take a pin away; the kernel adds IN_IGNORED and IN_UNMOUNT itself. */
#define PIN_EVENTS (IN_DELETE | IN_MOVED_FROM | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)

static const char *const subdirs[PINWATCH_DIRS] = {"", "/maps", "/progs", "/links"};

void pinwatch_arm(struct state *r)
{
	char path[PATH_MAX];
	int i;

	for (i = 0; i < PINWATCH_DIRS; i++) {
		if (r->pin_wds[i] >= 0)
			continue;
		snprintf(path, sizeof(path), "%s%s", r->pin_dir, subdirs[i]);
		r->pin_wds[i] = inotify_add_watch(r->watches.inotify_fd, path, PIN_EVENTS);
	}
}

bool pinwatch_event(struct state *r, const struct inotify_event *ev)
{
	int i;

	for (i = 0; i < PINWATCH_DIRS; i++) {
		if (r->pin_wds[i] < 0 || ev->wd != r->pin_wds[i])
			continue;
		if (ev->mask & IN_IGNORED)
			r->pin_wds[i] = -1;
		r->pins_touched = true;
		return true;
	}
	return false;
}

/*
 * A bpffs mounted over the one that holds the pins hides them, while their
 * programs keep running with what they had: this daemon (sandboxed, in no
 * mount namespace of its own making) cannot reach them, so it says so
 * until they are back in view, and carries on with a set in the new one.
 * `mptcpify unload` from the host reaches both. True when that changed:
 * a full pass brings the set now in view up to date.
 */
bool pinwatch_hidden(struct state *r)
{
	char mnt[PATH_MAX];
	int n = pindir_mount(r->pin_dir, mnt, sizeof(mnt));
	bool hidden;

	if (n <= 0)
		return false;
	if (!r->bpffs_mounts)
		r->bpffs_mounts = n;
	hidden = n > r->bpffs_mounts;
	if (hidden == r->pins_hidden)
		return false;
	r->pins_hidden = hidden;
	r->healthy = !hidden;
	snprintf(r->unhealthy, sizeof(r->unhealthy), "%s",
		 hidden ? "a bpffs mounted over the pins hides a set still running" : "");
	r->version++;
	if (hidden)
		log_event(LOG_ERR, "pins-hidden", "bpffs", mnt, "error",
			  "a bpffs was mounted over the one holding the pins, whose programs "
			  "still run: umount it, or run mptcpify unload",
			  NULL);
	else
		log_event(LOG_INFO, "pins-hidden", "bpffs", mnt, "error", "none", NULL);
	return true;
}
