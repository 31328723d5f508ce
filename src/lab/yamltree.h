/* A YAML document as a small tree of nodes that keep their source positions.
 * Built from libyaml's event parser rather than its document loader so that
 * anchors and aliases (exponential expansion) and deep nesting can be refused. */
#ifndef PGDRILL_LAB_YAMLTREE_H
#define PGDRILL_LAB_YAMLTREE_H

#include <stddef.h>

#include "util/diag.h"

enum ynode_kind { YNODE_SCALAR, YNODE_MAP, YNODE_SEQ };

struct ynode {
	enum ynode_kind kind;
	struct src_loc at;
	char *value;          /* scalars: the text (NUL-terminated; embedded NULs rejected) */
	int quoted;           /* scalars: written in quotes, so never null/bool/number */
	struct ynode **items; /* maps: key, value, key, value...; sequences: items */
	size_t count;         /* number of entries in items */
};

/* Limits that keep hostile input cheap; the fuzzer relies on them. */
#define YAMLTREE_MAX_BYTES (1024 * 1024)
#define YAMLTREE_MAX_DEPTH 32
#define YAMLTREE_MAX_NODES 100000

/* Parses `len` bytes. On success returns the root (NULL for an empty document is an
 * error too) ; on failure adds diagnostics to `dl` and returns NULL. */
struct ynode *yamltree_parse(const char *data, size_t len, struct diag_list *dl);
void yamltree_free(struct ynode *root);
/* Sets the value at a dotted path of map keys ("repmgr.reconnect_attempts") to the plain
 * scalar `value`, adding the maps on the way that are missing; the node carries `at`.
 * -1 (a message in `err`) when a step of the path is not a map or the value there is not
 * a single value. */
int yamltree_set(struct ynode *root, const char *dotted, const char *value, struct src_loc at,
                 char *err, size_t errlen);

/* For maps: entry i's key and value. */
#define YNODE_KEY(n, i) ((n)->items[2 * (i)])
#define YNODE_VAL(n, i) ((n)->items[2 * (i) + 1])
#define YNODE_PAIRS(n) ((n)->count / 2)

#endif
