/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pin directory watched: a pin removed beside the daemon (rm, unload,
 * a cleanup script) is heard at once, and repaired, rather than at the
 * next once-a-second look; and a bpffs mounted over it noticed.
 */
#ifndef MPTCPIFY_PINWATCH_H
#define MPTCPIFY_PINWATCH_H

#include <stdbool.h>
#include <sys/inotify.h>

struct state;

/* Watch the pin directory and its maps/, progs/ and links/, where not yet. */
void pinwatch_arm(struct state *r);

/* Is @ev one of those watches'? Then it is taken, and r->pins_touched set. */
bool pinwatch_event(struct state *r, const struct inotify_event *ev);

/*
 * Is a bpffs mounted over the one holding the pins, hiding them (and
 * their running programs) from this daemon? Logged and put in r's health
 * when that changes; true then, for a full pass.
 */
bool pinwatch_hidden(struct state *r);

#endif
