/* SPDX-License-Identifier: GPL-2.0 */
/*
 * YAML into a small tree, through libyaml's event API, with the limits a
 * configuration needs checked while parsing, before they cost anything: how
 * deep it nests and how many nodes it has, one document only, no tags,
 * anchors or aliases (an alias can make a small file a huge tree), and no
 * key twice in a mapping (found in linear time). Every error has the line
 * and column of where it is.
 */
#ifndef MPTCPIFY_YAMLTREE_H
#define MPTCPIFY_YAMLTREE_H

#include <stddef.h>

#define YAMLTREE_MAX_DEPTH 16
#define YAMLTREE_MAX_NODES 65536

enum ynode_type {
	YNODE_SCALAR,
	YNODE_SEQUENCE,
	YNODE_MAPPING,
};

struct ynode {
	enum ynode_type type;
	unsigned int line, column; /* from 1 */
	char *scalar;		   /* YNODE_SCALAR: its text */
	struct ynode **items;	   /* a sequence's items; a mapping's keys and values, in turn */
	size_t n, cap;		   /* items, and the room for them */
};

/* Where a parse failed, and why. */
struct yaml_error {
	unsigned int line, column;
	char why[160];
};

/*
 * Parse @len bytes of @text. Returns 0 with the root in *root (NULL for an
 * empty document), or -EINVAL with *err set (-ENOMEM without).
 */
int yamltree_parse(const char *text, size_t len, struct ynode **root, struct yaml_error *err);
void yamltree_free(struct ynode *node);

/* @node's text when it is a scalar, NULL otherwise. */
const char *yamltree_scalar(const struct ynode *node);

/* Where a configuration's errors go: "SOURCE:LINE:COLUMN: what" in @err. */
struct yamltree_diag {
	const char *source;
	char *err;
	size_t errlen;
};

/* Say what is wrong at @node; returns -EINVAL, for "return yamltree_fail(...)". */
int yamltree_fail(const struct yamltree_diag *d, const struct ynode *node, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A mapping's pairs: for_each_pair (map, key, value) { ... } */
#define for_each_pair(map, k, v)                                                           \
	for (size_t i_ = 0;                                                                \
	     i_ + 1 < (map)->n && ((k) = (map)->items[i_], (v) = (map)->items[i_ + 1], 1); \
	     i_ += 2)

#endif
