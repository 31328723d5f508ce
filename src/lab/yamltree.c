#include "lab/yamltree.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "util/strbuf.h"

struct builder {
	yaml_parser_t parser;
	const char *data;
	size_t len;
	struct diag_list *dl;
	size_t nodes;
	int failed;
};

static struct src_loc mark_loc(yaml_mark_t m)
{
	struct src_loc at = {(int)m.line + 1, (int)m.column + 1};

	return at;
}

static struct ynode *node_new(struct builder *b, enum ynode_kind kind, yaml_mark_t m)
{
	struct ynode *n;

	if (++b->nodes > YAMLTREE_MAX_NODES) {
		diag_add(b->dl, mark_loc(m),
		         "the file has more than %d YAML nodes; a lab file is "
		         "much smaller than that",
		         YAMLTREE_MAX_NODES);
		b->failed = 1;
		return NULL;
	}
	n = xcalloc(1, sizeof(*n));
	n->kind = kind;
	n->at = mark_loc(m);
	return n;
}

static void node_append(struct ynode *parent, struct ynode *child)
{
	/* Grow by doubling: count is a power of two exactly when the array is full. */
	if (parent->count == 0 || (parent->count & (parent->count - 1)) == 0)
		parent->items = xrealloc(parent->items, (parent->count ? parent->count * 2 : 1) *
		                                            sizeof(*parent->items));
	parent->items[parent->count++] = child;
}

/* Reader errors (bad encoding, control characters) carry only a byte offset. */
static struct src_loc offset_loc(const struct builder *b, size_t offset)
{
	struct src_loc at = {1, 1};
	size_t i;

	for (i = 0; i < offset && i < b->len; i++) {
		if (b->data[i] == '\n') {
			at.line++;
			at.col = 1;
		} else {
			at.col++;
		}
	}
	return at;
}

static void parser_error(struct builder *b)
{
	yaml_parser_t *p = &b->parser;
	const char *problem = p->problem ? p->problem : "malformed YAML";
	struct src_loc at;
	size_t off;

	if (p->error == YAML_READER_ERROR) {
		diag_add(b->dl, offset_loc(b, p->problem_offset),
		         "not a text file: %s (byte 0x%02x); a lab file is UTF-8 YAML", problem,
		         (unsigned)p->problem_value & 0xffu);
		b->failed = 1;
		return;
	}
	at = mark_loc(p->problem_mark);
	off = p->problem_mark.index;
	if (off < b->len && b->data[off] == '\t')
		diag_add(b->dl, at, "YAML syntax: a tab character; indent with spaces, not tabs");
	else if (p->context)
		diag_add(b->dl, at, "YAML syntax: %s %s that starts at line %d, column %d", problem,
		         p->context, (int)p->context_mark.line + 1,
		         (int)p->context_mark.column + 1);
	else
		diag_add(b->dl, at, "YAML syntax: %s", problem);
	b->failed = 1;
}

static int next_event(struct builder *b, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&b->parser, ev)) {
		parser_error(b);
		return -1;
	}
	return 0;
}

/* Builds the node that `ev` starts (ev is consumed). Recursion is bounded by depth. */
static struct ynode *build_node(struct builder *b, yaml_event_t *ev, int depth)
{
	struct ynode *n = NULL, *child;
	yaml_event_type_t end;
	yaml_event_t sub;

	if (depth > YAMLTREE_MAX_DEPTH) {
		diag_add(b->dl, mark_loc(ev->start_mark),
		         "nesting deeper than %d levels; a lab file never needs that",
		         YAMLTREE_MAX_DEPTH);
		b->failed = 1;
		yaml_event_delete(ev);
		return NULL;
	}
	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		diag_add(
		    b->dl, mark_loc(ev->start_mark),
		    "YAML aliases (*name) are not supported in lab files; write the value out");
		b->failed = 1;
		yaml_event_delete(ev);
		return NULL;
	case YAML_SCALAR_EVENT:
		if (ev->data.scalar.anchor)
			goto anchor;
		if (strlen((char *)ev->data.scalar.value) != ev->data.scalar.length) {
			diag_add(b->dl, mark_loc(ev->start_mark),
			         "a value contains a NUL character");
			b->failed = 1;
			yaml_event_delete(ev);
			return NULL;
		}
		n = node_new(b, YNODE_SCALAR, ev->start_mark);
		if (n) {
			n->value = xstrdup((char *)ev->data.scalar.value);
			n->quoted = ev->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
			            ev->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE;
		}
		yaml_event_delete(ev);
		return n;
	case YAML_SEQUENCE_START_EVENT:
		if (ev->data.sequence_start.anchor)
			goto anchor;
		n = node_new(b, YNODE_SEQ, ev->start_mark);
		end = YAML_SEQUENCE_END_EVENT;
		break;
	case YAML_MAPPING_START_EVENT:
		if (ev->data.mapping_start.anchor)
			goto anchor;
		n = node_new(b, YNODE_MAP, ev->start_mark);
		end = YAML_MAPPING_END_EVENT;
		break;
	default:
		diag_add(b->dl, mark_loc(ev->start_mark), "unexpected YAML structure");
		b->failed = 1;
		yaml_event_delete(ev);
		return NULL;
	}
	yaml_event_delete(ev);
	if (!n)
		return NULL;
	for (;;) {
		if (next_event(b, &sub) < 0)
			break;
		if (sub.type == end) {
			yaml_event_delete(&sub);
			return n;
		}
		child = build_node(b, &sub, depth + 1);
		if (!child)
			break;
		node_append(n, child);
	}
	yamltree_free(n);
	return NULL;

anchor:
	diag_add(b->dl, mark_loc(ev->start_mark),
	         "YAML anchors (&name) are not supported in lab files; write the value out");
	b->failed = 1;
	yaml_event_delete(ev);
	return NULL;
}

static struct ynode *scalar_at(const char *text, struct src_loc at)
{
	struct ynode *n = xcalloc(1, sizeof(*n));

	n->kind = YNODE_SCALAR;
	n->value = xstrdup(text);
	n->at = at;
	return n;
}

int yamltree_set(struct ynode *root, const char *dotted, const char *value, struct src_loc at,
                 char *err, size_t errlen)
{
	struct ynode *map = root;
	const char *key = dotted;

	for (;;) {
		size_t len = strcspn(key, "."), i;
		struct ynode *found = NULL;
		char *name = xasprintf("%.*s", (int)len, key);
		bool last = key[len] == '\0';

		if (map->kind != YNODE_MAP) {
			snprintf(err, errlen, "%.*s is not a mapping of keys", (int)(key - dotted - 1),
			         dotted);
			free(name);
			return -1;
		}
		for (i = 0; i + 1 < map->count; i += 2)
			if (map->items[i]->kind == YNODE_SCALAR &&
			    strcmp(map->items[i]->value, name) == 0)
				found = map->items[i + 1];
		if (!found) {
			found = last ? scalar_at(value, at) : xcalloc(1, sizeof(*found));
			if (!last) {
				found->kind = YNODE_MAP;
				found->at = at;
			}
			node_append(map, scalar_at(name, at));
			node_append(map, found);
		} else if (last) {
			if (found->kind != YNODE_SCALAR) {
				snprintf(err, errlen, "%s holds more than a single value", dotted);
				free(name);
				return -1;
			}
			free(found->value);
			found->value = xstrdup(value);
			found->quoted = 0;
			found->at = at;
		}
		free(name);
		if (last)
			return 0;
		map = found;
		key += len + 1;
	}
}

struct ynode *yamltree_parse(const char *data, size_t len, struct diag_list *dl)
{
	struct builder b = {.dl = dl, .data = data, .len = len};
	struct ynode *root = NULL;
	struct src_loc start = {1, 1};
	yaml_event_t ev;
	int docs = 0;

	if (len > YAMLTREE_MAX_BYTES) {
		diag_add(dl, start, "the file is %zu bytes; lab files are limited to %d bytes", len,
		         YAMLTREE_MAX_BYTES);
		return NULL;
	}
	if (!yaml_parser_initialize(&b.parser)) {
		diag_add(dl, start, "cannot initialise the YAML parser (out of memory?)");
		return NULL;
	}
	yaml_parser_set_input_string(&b.parser, (const unsigned char *)data, len);
	while (!b.failed) {
		if (next_event(&b, &ev) < 0)
			break;
		if (ev.type == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		if (ev.type == YAML_DOCUMENT_START_EVENT) {
			if (++docs > 1) {
				diag_add(dl, mark_loc(ev.start_mark),
				         "a lab file holds one YAML document; found a second one");
				b.failed = 1;
			}
			yaml_event_delete(&ev);
			continue;
		}
		if (ev.type == YAML_STREAM_START_EVENT || ev.type == YAML_DOCUMENT_END_EVENT) {
			yaml_event_delete(&ev);
			continue;
		}
		root = build_node(&b, &ev, 0);
		if (!root)
			break;
	}
	yaml_parser_delete(&b.parser);
	if (b.failed) {
		yamltree_free(root);
		return NULL;
	}
	if (!root)
		diag_add(dl, start,
		         "the lab file is empty; see labs/tutorial.yaml for a complete lab");
	return root;
}

void yamltree_free(struct ynode *n)
{
	size_t i;

	if (!n)
		return;
	for (i = 0; i < n->count; i++)
		yamltree_free(n->items[i]);
	free(n->items);
	free(n->value);
	free(n);
}
