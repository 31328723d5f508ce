/* The field table machinery: one table per record type drives YAML loading, defaults,
 * type checking, `pgdrill show` (YAML and JSON) and docs/labs.md. A record struct begins
 * with `struct record_meta` so positions of every field survive for later validation. */
#ifndef PGDRILL_LAB_SCHEMA_H
#define PGDRILL_LAB_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lab/yamltree.h"
#include "util/diag.h"
#include "util/strbuf.h"
#include "util/units.h"

enum field_type {
	FT_STRING,   /* char * (NULL when unset) */
	FT_INT,      /* long, within [min, max] */
	FT_BOOL,     /* bool */
	FT_DURATION, /* int64_t milliseconds */
	FT_SIZE,     /* uint64_t bytes */
	FT_ADDRESS,  /* uint32_t IPv4, host order (0 when unset) */
	FT_SUBNET,   /* struct subnet */
	FT_ENUM,     /* int: index into choices */
	FT_MAP,      /* struct kvlist: free-form key/value text (PostgreSQL settings) */
	FT_RECORD,   /* embedded struct described by sub */
	FT_LIST,     /* struct reclist of structs described by sub */
};

/* What a string may hold. Every string lands in a configuration file, a command line or
 * SQL that pgdrill runs as root: none may hold a control character (a newline would add
 * a line to postgresql.conf, repmgr.conf, barman.conf or haproxy.cfg). */
enum text_class {
	TEXT_PLAIN = 0, /* printable text */
	TEXT_IDENT,     /* a name PostgreSQL, repmgr and barman take as is: [a-z_][a-z0-9_]*, 1-63 */
};

#define FIELD_REQUIRED 1u
#define FIELD_SECRET 2u /* shown masked by `pgdrill show` */

struct schema;

struct field {
	const char *key;
	enum field_type type;
	size_t offset;
	const char *defval; /* textual default, parsed exactly like input; NULL: none */
	const char *doc;
	const char *const *choices; /* FT_ENUM, NULL-terminated */
	const struct schema *sub;   /* FT_RECORD, FT_LIST */
	long min, max;              /* FT_INT */
	unsigned flags;
	enum text_class text; /* FT_STRING */
};

/* True for a name of TEXT_IDENT: [a-z_][a-z0-9_]*, 1 to 63 characters. */
bool schema_is_ident(const char *text);

struct schema {
	const char *name; /* how docs and messages call one record: "host", "listener" */
	const char *doc;
	size_t size;
	const struct field *fields;
	size_t nfields;
};

struct record_meta {
	struct src_loc at;        /* the mapping; line 0 for a record made from defaults */
	struct src_loc *field_at; /* one per schema field; line 0 = not given in the file */
};

struct kv {
	char *key;
	char *value;
	struct src_loc at;
};

struct kvlist {
	struct kv *items;
	size_t count;
};

struct reclist {
	void *items; /* count records of the sub-schema's size, each starting with record_meta */
	size_t count;
};

#define RECLIST_AT(list, type, i) (&((type *)(list).items)[i])

/* Zeroes `rec`, then fills every default. Meta arrays are allocated. */
void schema_init_record(const struct schema *s, void *rec);
/* Loads `node` into `rec` (already initialised). Problems go to `dl`; returns their count. */
size_t schema_load_record(const struct schema *s, void *rec, const struct ynode *node,
                          struct diag_list *dl);
void schema_free_record(const struct schema *s, void *rec);

/* Appends one record to a list field, initialised with defaults; returns it. */
void *schema_list_append(const struct schema *sub, struct reclist *list);

const struct field *schema_field(const struct schema *s, const char *key);
/* Where a field was given, or where its record was, or nothing. */
struct src_loc schema_field_loc(const struct schema *s, const void *rec, const char *key);
bool schema_field_given(const struct schema *s, const void *rec, const char *key);

enum schema_format { SCHEMA_YAML, SCHEMA_JSON };
void schema_emit(const struct schema *s, const void *rec, enum schema_format fmt, bool secrets,
                 struct strbuf *out);
/* docs/labs.md: every key, its type, default and meaning. */
void schema_emit_markdown(const struct schema *s, struct strbuf *out);

#endif
