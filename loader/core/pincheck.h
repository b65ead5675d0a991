/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What runs is what is pinned, checked by id. A pinned map removed and
 * made again by name (`rm maps/policy`, then any load) is a new map that
 * the running programs never see: every entry written to it is lost on
 * them, while every name looks in place. The truth is what the kernel runs:
 * the programs of the pinned links (and, for the hooked ones, the program
 * in the hook's slot) and the maps those programs use. A pin naming another
 * object than that is damage, and the repair pins the running object back
 * at its name.
 */
#ifndef MPTCPIFY_PINCHECK_H
#define MPTCPIFY_PINCHECK_H

#include <linux/types.h>
#include "pinstore.h"

enum pincheck_kind {
	PINCHECK_MAP,  /* maps/<name> is not the map the programs use */
	PINCHECK_PROG, /* progs/<name> is not the program a link runs */
};

struct pincheck_damage {
	enum pincheck_kind kind;
	char name[32];	  /* the pin's name below maps/ or progs/ */
	__u32 pinned_id;  /* what the pin holds, 0 when it is missing */
	__u32 running_id; /* what the kernel runs */
};

#define PINCHECK_MAX 32

struct pincheck {
	struct pincheck_damage d[PINCHECK_MAX];
	unsigned int n;
};

/*
 * Compare the pins under @dir with what runs; read only, no lock. Returns
 * the number of damaged pins (c->n), 0 when all agree or nothing runs.
 */
unsigned int pincheck_scan(const char *dir, struct pincheck *c);

/*
 * Pin the running objects back at the names of @c's damage, in the store
 * @p (held exclusively). Returns how many were repaired.
 */
unsigned int pincheck_repair(struct pins *p, const struct pincheck *c);

/* "map policy" / "program audit": what the damage is called in a log. */
const char *pincheck_kind_name(enum pincheck_kind kind);

#endif
