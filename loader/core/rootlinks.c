// SPDX-License-Identifier: GPL-2.0
/* The upgrade of builds before attach points: their root links moved to the entries. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include "attach.h"
#include "attachpoint.h"
#include "rootlinks.h"

/*
 * Builds before attach points pinned each cgroup program's one link at the
 * cgroup2 root. Moved aside, the program enabled the new way and attached
 * where the entries are, and only then the root link detached: no socket
 * of an entry goes without the programs meanwhile.
 */
int rootlinks_adopt(struct pins *p, unsigned int links, const char **why)
{
	char path[PATH_MAX], aside[PATH_MAX + 8];
	unsigned int moved = 0;
	struct attach_points ap;
	int l, err = 0;

	for (l = 0; !err && l < PINS_LINK_NR; l++) {
		if (attach_is_tracing(l) || !(links & PINS_LINK_BIT(l)) ||
		    attachpoint_enabled(p, l))
			continue;
		pins_path(p, "links", pins_link_name(l), path);
		snprintf(aside, sizeof(aside), "%s-root", path);
		if (rename(path, aside)) {
			*why = "cannot move a root link aside";
			return -errno;
		}
		moved |= PINS_LINK_BIT(l);
		err = attachpoint_enable(p, l, why);
	}
	if (!moved)
		return err;
	if (!err)
		err = attachpoint_open(p, NULL, &ap);
	if (!err) {
		err = attachpoint_sync(p, &ap, why);
		attachpoint_close(&ap);
	}
	for (l = 0; !err && l < PINS_LINK_NR; l++) {
		if (!(moved & PINS_LINK_BIT(l)))
			continue;
		pins_path(p, "links", pins_link_name(l), path);
		snprintf(aside, sizeof(aside), "%s-root", path);
		pins_detach_link(aside);
	}
	return err;
}
