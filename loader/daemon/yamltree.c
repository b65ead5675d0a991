// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>
#include "yamltree.h"
#include "core/growarray.h"
#include "core/strmap.h"

/* A container being filled, and the keys its mapping has so far. */
struct frame {
	struct ynode *node;
	struct strmap keys; /* a key -> the key's node */
};

struct build {
	struct frame stack[YAMLTREE_MAX_DEPTH + 1];
	int depth;
	size_t nodes;
	struct ynode *root;
	struct yaml_error *err;
};

static int fail(struct build *b, const yaml_mark_t *at, const char *why)
{
	b->err->line = at->line + 1;
	b->err->column = at->column + 1;
	snprintf(b->err->why, sizeof(b->err->why), "%s", why);
	return -EINVAL;
}

static void free_node(struct ynode *node)
{
	size_t i;

	if (!node)
		return;
	for (i = 0; i < node->n; i++)
		free_node(node->items[i]);
	free(node->items);
	free(node->scalar);
	free(node);
}

void yamltree_free(struct ynode *node)
{
	free_node(node);
}

/* Is @key, the next key of mapping @f, one it has already? 1, 0 or -ENOMEM. */
static int seen_key(struct frame *f, struct ynode *key)
{
	if (strmap_get(&f->keys, key->scalar))
		return 1;
	return strmap_put(&f->keys, key->scalar, key);
}

/* Put @node into the container on top (or make it the root). */
static int attach(struct build *b, struct ynode *node, const yaml_mark_t *at)
{
	struct frame *f = b->depth ? &b->stack[b->depth - 1] : NULL;
	struct ynode *parent = f ? f->node : NULL;
	bool is_key = parent && parent->type == YNODE_MAPPING && parent->n % 2 == 0;
	int seen;

	if (++b->nodes > YAMLTREE_MAX_NODES) {
		free_node(node);
		return fail(b, at, "too many nodes: a configuration has at most 65536");
	}
	if (!parent) {
		b->root = node;
		return 0;
	}
	if (is_key && node->type != YNODE_SCALAR) {
		free_node(node);
		return fail(b, at, "a key must be a string");
	}
	seen = is_key ? seen_key(f, node) : 0;
	if (seen < 0) {
		free_node(node);
		return seen;
	}
	if (seen) {
		char why[160];

		snprintf(why, sizeof(why), "'%.100s' is given twice", node->scalar);
		free_node(node);
		return fail(b, at, why);
	}
	if (growarray_reserve(parent->items, parent->cap, parent->n + 1)) {
		free_node(node);
		return -ENOMEM;
	}
	parent->items[parent->n++] = node;
	return 0;
}

static struct ynode *new_node(enum ynode_type type, const yaml_mark_t *at)
{
	struct ynode *node = calloc(1, sizeof(*node));

	if (node) {
		node->type = type;
		node->line = at->line + 1;
		node->column = at->column + 1;
	}
	return node;
}

/* Anchors and tags (aliases are refused where they come). */
static int plain(struct build *b, const yaml_event_t *ev, const unsigned char *anchor,
		 const unsigned char *tag)
{
	if (anchor)
		return fail(b, &ev->start_mark, "anchors (&name) are not supported");
	if (tag)
		return fail(b, &ev->start_mark, "tags (such as !!binary) are not supported");
	return 0;
}

static int open_container(struct build *b, const yaml_event_t *ev, enum ynode_type type)
{
	struct ynode *node;
	int err;

	if (b->depth == YAMLTREE_MAX_DEPTH)
		return fail(b, &ev->start_mark, "nested too deep: at most 16 levels");
	node = new_node(type, &ev->start_mark);
	if (!node)
		return -ENOMEM;
	err = attach(b, node, &ev->start_mark);
	if (err)
		return err;
	b->stack[b->depth++] = (struct frame){.node = node};
	return 0;
}

static int on_event(struct build *b, const yaml_event_t *ev, int *documents)
{
	struct ynode *node;

	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++*documents > 1)
			return fail(b, &ev->start_mark,
				    "a second document: the configuration is one document");
		return 0;
	case YAML_ALIAS_EVENT:
		return fail(b, &ev->start_mark, "aliases (*name) are not supported");
	case YAML_SCALAR_EVENT:
		if (plain(b, ev, ev->data.scalar.anchor, ev->data.scalar.tag))
			return -EINVAL;
		node = new_node(YNODE_SCALAR, &ev->start_mark);
		if (!node || !(node->scalar = strdup((const char *)ev->data.scalar.value))) {
			free(node);
			return -ENOMEM;
		}
		return attach(b, node, &ev->start_mark);
	case YAML_SEQUENCE_START_EVENT:
		if (plain(b, ev, ev->data.sequence_start.anchor, ev->data.sequence_start.tag))
			return -EINVAL;
		return open_container(b, ev, YNODE_SEQUENCE);
	case YAML_MAPPING_START_EVENT:
		if (plain(b, ev, ev->data.mapping_start.anchor, ev->data.mapping_start.tag))
			return -EINVAL;
		return open_container(b, ev, YNODE_MAPPING);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		strmap_free(&b->stack[--b->depth].keys);
		return 0;
	default:
		return 0;
	}
}

int yamltree_parse(const char *text, size_t len, struct ynode **root, struct yaml_error *err)
{
	struct build b = {.err = err};
	yaml_parser_t parser;
	yaml_event_t ev;
	int rc = 0, documents = 0;
	bool done = false;

	*root = NULL;
	memset(err, 0, sizeof(*err));
	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	while (!rc && !done) {
		if (!yaml_parser_parse(&parser, &ev)) {
			err->line = parser.problem_mark.line + 1;
			err->column = parser.problem_mark.column + 1;
			snprintf(err->why, sizeof(err->why), "%s%s%s",
				 parser.context ? parser.context : "", parser.context ? ": " : "",
				 parser.problem ? parser.problem : "bad YAML");
			rc = -EINVAL;
			break;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		rc = on_event(&b, &ev, &documents);
		yaml_event_delete(&ev);
	}
	while (b.depth)
		strmap_free(&b.stack[--b.depth].keys);
	yaml_parser_delete(&parser);
	if (rc)
		free_node(b.root);
	else
		*root = b.root;
	return rc;
}

const char *yamltree_scalar(const struct ynode *node)
{
	return node->type == YNODE_SCALAR ? node->scalar : NULL;
}

int yamltree_fail(const struct yamltree_diag *d, const struct ynode *node, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(d->err, d->errlen, "%s:%u:%u: ", d->source, node->line, node->column);
	if (n < 0 || (size_t)n >= d->errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(d->err + n, d->errlen - n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}
