#include "lab/schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"
#include "util/suggest.h"

#define FIELD_PTR(rec, f) ((char *)(rec) + (f)->offset)
#define META(rec) ((struct record_meta *)(rec))

static const char *type_name(const struct field *f)
{
	switch (f->type) {
	case FT_STRING:
		return "string";
	case FT_INT:
		return "integer";
	case FT_BOOL:
		return "boolean";
	case FT_DURATION:
		return "duration";
	case FT_SIZE:
		return "size";
	case FT_ADDRESS:
		return "IPv4 address";
	case FT_SUBNET:
		return "IPv4 subnet";
	case FT_ENUM:
		return "one of";
	case FT_MAP:
		return "mapping";
	case FT_RECORD:
		return "section";
	case FT_LIST:
		return "list";
	}
	return "?";
}

static const char *node_kind_name(const struct ynode *n)
{
	return n->kind == YNODE_MAP ? "a mapping" : n->kind == YNODE_SEQ ? "a list" : "a value";
}

static void choices_join(const char *const *choices, struct strbuf *sb)
{
	size_t i;

	for (i = 0; choices[i]; i++)
		strbuf_printf(sb, "%s%s", i ? ", " : "", choices[i]);
}

static int enum_index(const char *const *choices, const char *text)
{
	int i;

	for (i = 0; choices[i]; i++)
		if (strcmp(choices[i], text) == 0)
			return i;
	return -1;
}

static bool is_null_scalar(const struct ynode *n)
{
	return !n->quoted && (n->value[0] == '\0' || strcmp(n->value, "~") == 0 ||
	                      strcmp(n->value, "null") == 0 || strcmp(n->value, "Null") == 0 ||
	                      strcmp(n->value, "NULL") == 0);
}

/* The example text each type's message shows: one sentence a user can act on. */
static const char *type_hint(const struct field *f)
{
	switch (f->type) {
	case FT_DURATION:
		return "a duration such as 500ms, 10s, 2min or 1h";
	case FT_SIZE:
		return "a size such as 512kB, 64MB or 1GB";
	case FT_ADDRESS:
		return "an IPv4 address such as 10.77.0.11";
	case FT_SUBNET:
		return "an IPv4 subnet such as 10.77.0.0/24 (host bits zero)";
	case FT_BOOL:
		return "true or false";
	default:
		return "an integer";
	}
}

/* The value as it may be printed in a message: control characters escaped, at most about
 * 80 characters. Owned. */
static char *printable(const char *text)
{
	struct strbuf sb = STRBUF_INIT;
	const unsigned char *p;

	for (p = (const unsigned char *)text; *p; p++) {
		if (sb.len >= 80) {
			strbuf_puts(&sb, "...");
			break;
		}
		if (*p == '\n')
			strbuf_puts(&sb, "\\n");
		else if (*p < 0x20 || *p == 0x7f)
			strbuf_printf(&sb, "\\x%02x", *p);
		else
			strbuf_putc(&sb, (char)*p);
	}
	return strbuf_detach(&sb);
}

static bool has_control(const char *text)
{
	const unsigned char *p;

	for (p = (const unsigned char *)text; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return true;
	return false;
}

bool schema_is_ident(const char *text)
{
	size_t i;

	if (!text[0] || strlen(text) > 63 || (text[0] >= '0' && text[0] <= '9'))
		return false;
	for (i = 0; text[i]; i++)
		if (!((text[i] >= 'a' && text[i] <= 'z') || (text[i] >= '0' && text[i] <= '9') ||
		      text[i] == '_'))
			return false;
	return true;
}

/* 0 when `text` is of the field's class; otherwise says why at `at`. */
static int check_text(const struct field *f, const char *text, struct diag_list *dl,
                      struct src_loc at)
{
	char *shown;

	if (!has_control(text) && (f->text != TEXT_IDENT || schema_is_ident(text)))
		return 0;
	if (dl) {
		shown = printable(text);
		if (has_control(text))
			diag_add(dl, at, "'%s' must not hold control characters (it is written into "
			         "configuration files); found '%s'",
			         f->key, shown);
		else
			diag_add(dl, at, "'%s' must be a name of lower-case letters, digits and '_', "
			         "not starting with a digit, at most 63; found '%s'",
			         f->key, shown);
		free(shown);
	}
	return -1;
}

/* Parses one scalar into the field's slot. `dl` NULL means a built-in default, which
 * tests prove always parses. Returns 0 or -1. */
static int parse_scalar(const struct field *f, const char *text, void *slot, struct diag_list *dl,
                        struct src_loc at)
{
	long lv;
	int idx;

	switch (f->type) {
	case FT_STRING:
		if (check_text(f, text, dl, at) < 0)
			return -1;
		free(*(char **)slot);
		*(char **)slot = xstrdup(text);
		return 0;
	case FT_INT:
		if (units_parse_long(text, &lv) < 0) {
			if (dl)
				diag_add(dl, at, "'%s' must be an integer; found '%s'", f->key,
				         text);
			return -1;
		}
		if (lv < f->min || lv > f->max) {
			if (dl)
				diag_add(dl, at, "'%s' must be between %ld and %ld; found %ld",
				         f->key, f->min, f->max, lv);
			return -1;
		}
		*(long *)slot = lv;
		return 0;
	case FT_BOOL:
		if (units_parse_bool(text, (bool *)slot) == 0)
			return 0;
		break;
	case FT_DURATION:
		if (units_parse_duration(text, (int64_t *)slot) == 0)
			return 0;
		break;
	case FT_SIZE:
		if (units_parse_size(text, (uint64_t *)slot) == 0)
			return 0;
		break;
	case FT_ADDRESS:
		if (units_parse_ipv4(text, (uint32_t *)slot) == 0)
			return 0;
		break;
	case FT_SUBNET:
		if (units_parse_subnet(text, (struct subnet *)slot) == 0)
			return 0;
		break;
	case FT_ENUM:
		idx = enum_index(f->choices, text);
		if (idx >= 0) {
			*(int *)slot = idx;
			return 0;
		}
		if (dl) {
			struct strbuf sb = STRBUF_INIT;
			const char *near = suggest_nearest(text, f->choices);

			choices_join(f->choices, &sb);
			if (near)
				diag_add(dl, at,
				         "'%s' must be one of %s; found '%s' (did you mean '%s'?)",
				         f->key, strbuf_str(&sb), text, near);
			else
				diag_add(dl, at, "'%s' must be one of %s; found '%s'", f->key,
				         strbuf_str(&sb), text);
			strbuf_free(&sb);
		}
		return -1;
	default:
		return -1;
	}
	if (dl)
		diag_add(dl, at, "'%s' must be %s; found '%s'", f->key, type_hint(f), text);
	return -1;
}

static void kvlist_free(struct kvlist *kl)
{
	size_t i;

	for (i = 0; i < kl->count; i++) {
		free(kl->items[i].key);
		free(kl->items[i].value);
	}
	free(kl->items);
	kl->items = NULL;
	kl->count = 0;
}

void schema_init_record(const struct schema *s, void *rec)
{
	size_t i;

	memset(rec, 0, s->size);
	META(rec)->field_at = xcalloc(s->nfields, sizeof(struct src_loc));
	for (i = 0; i < s->nfields; i++) {
		const struct field *f = &s->fields[i];

		if (f->type == FT_RECORD)
			schema_init_record(f->sub, FIELD_PTR(rec, f));
		else if (f->defval && parse_scalar(f, f->defval, FIELD_PTR(rec, f), NULL,
		                                   (struct src_loc){0, 0}) < 0)
			abort(); /* a built-in default that does not parse: caught by the tests */
	}
}

void schema_free_record(const struct schema *s, void *rec)
{
	size_t i, j;

	if (!rec)
		return;
	for (i = 0; i < s->nfields; i++) {
		const struct field *f = &s->fields[i];
		void *slot = FIELD_PTR(rec, f);

		switch (f->type) {
		case FT_STRING:
			free(*(char **)slot);
			*(char **)slot = NULL;
			break;
		case FT_MAP:
			kvlist_free(slot);
			break;
		case FT_RECORD:
			schema_free_record(f->sub, slot);
			break;
		case FT_LIST: {
			struct reclist *l = slot;

			for (j = 0; j < l->count; j++)
				schema_free_record(f->sub, (char *)l->items + j * f->sub->size);
			free(l->items);
			l->items = NULL;
			l->count = 0;
			break;
		}
		default:
			break;
		}
	}
	free(META(rec)->field_at);
	META(rec)->field_at = NULL;
}

void *schema_list_append(const struct schema *sub, struct reclist *list)
{
	void *rec;

	list->items = xrealloc(list->items, (list->count + 1) * sub->size);
	rec = (char *)list->items + list->count * sub->size;
	list->count++;
	schema_init_record(sub, rec);
	return rec;
}

const struct field *schema_field(const struct schema *s, const char *key)
{
	size_t i;

	for (i = 0; i < s->nfields; i++)
		if (strcmp(s->fields[i].key, key) == 0)
			return &s->fields[i];
	return NULL;
}

struct src_loc schema_field_loc(const struct schema *s, const void *rec, const char *key)
{
	const struct field *f = schema_field(s, key);
	const struct record_meta *m = rec;

	if (f && m->field_at && m->field_at[f - s->fields].line > 0)
		return m->field_at[f - s->fields];
	return m->at;
}

bool schema_field_given(const struct schema *s, const void *rec, const char *key)
{
	const struct field *f = schema_field(s, key);
	const struct record_meta *m = rec;

	return f && m->field_at && m->field_at[f - s->fields].line > 0;
}

/* A name as postgresql.conf's grammar takes it: an identifier, or two joined by one '.'
 * (a custom class), each starting with a letter or '_' ("application_name." does not
 * parse, and PostgreSQL would refuse to start). */
static bool setting_name_ok(const char *key)
{
	size_t i, parts = 1;
	bool part_start = true;

	if (strlen(key) > 63)
		return false;
	for (i = 0; key[i]; i++) {
		char c = key[i];
		bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';

		if (c == '.') {
			if (part_start || ++parts > 2)
				return false;
			part_start = true;
			continue;
		}
		if (!letter && !(c >= '0' && c <= '9' && !part_start))
			return false;
		part_start = false;
	}
	return !part_start;
}

static size_t load_map(const struct field *f, struct kvlist *kl, const struct ynode *node,
                       struct diag_list *dl)
{
	size_t i, j, errors = 0;

	if (node->kind != YNODE_MAP) {
		diag_add(dl, node->at, "'%s' must be a mapping of name: value; found %s", f->key,
		         node_kind_name(node));
		return 1;
	}
	kvlist_free(kl);
	kl->items = xcalloc(YNODE_PAIRS(node), sizeof(*kl->items));
	for (i = 0; i < YNODE_PAIRS(node); i++) {
		const struct ynode *k = YNODE_KEY(node, i), *v = YNODE_VAL(node, i);

		if (k->kind != YNODE_SCALAR || v->kind != YNODE_SCALAR) {
			diag_add(dl, k->kind != YNODE_SCALAR ? k->at : v->at,
			         "entries of '%s' must be plain name: value pairs", f->key);
			errors++;
			continue;
		}
		/* Keys are PostgreSQL parameter names; values are quoted by pgdrill but must
		 * stay on their line. */
		if (!setting_name_ok(k->value)) {
			char *shown = printable(k->value);

			diag_add(dl, k->at,
			         "'%s' holds '%s', which is not a PostgreSQL parameter name (letters, "
			         "digits and '_', not starting with a digit; at most one '.' between "
			         "two such names)",
			         f->key, shown);
			free(shown);
			errors++;
			continue;
		}
		if (has_control(v->value)) {
			char *shown = printable(v->value);

			diag_add(dl, v->at,
			         "the value of '%s' in '%s' must not hold control characters; found '%s'",
			         k->value, f->key, shown);
			free(shown);
			errors++;
			continue;
		}
		for (j = 0; j < kl->count; j++)
			if (strcmp(kl->items[j].key, k->value) == 0)
				break;
		if (j < kl->count) {
			diag_add(dl, k->at, "'%s' appears twice in '%s' (first at line %d)",
			         k->value, f->key, kl->items[j].at.line);
			errors++;
			continue;
		}
		kl->items[kl->count].key = xstrdup(k->value);
		kl->items[kl->count].value = xstrdup(v->value);
		kl->items[kl->count].at = k->at;
		kl->count++;
	}
	return errors;
}

static size_t load_list(const struct field *f, struct reclist *list, const struct ynode *node,
                        struct diag_list *dl)
{
	size_t i, errors = 0;

	if (node->kind != YNODE_SEQ) {
		diag_add(dl, node->at, "'%s' must be a list (items starting with '- '); found %s",
		         f->key, node_kind_name(node));
		return 1;
	}
	for (i = 0; i < node->count; i++) {
		void *rec = schema_list_append(f->sub, list);

		errors += schema_load_record(f->sub, rec, node->items[i], dl);
	}
	return errors;
}

static size_t load_field(const struct field *f, void *slot, const struct ynode *v,
                         struct diag_list *dl)
{
	switch (f->type) {
	case FT_RECORD:
		return schema_load_record(f->sub, slot, v, dl);
	case FT_LIST:
		return load_list(f, slot, v, dl);
	case FT_MAP:
		return load_map(f, slot, v, dl);
	default:
		break;
	}
	if (v->kind != YNODE_SCALAR) {
		diag_add(dl, v->at, "'%s' must be a single value (%s); found %s", f->key,
		         f->type == FT_ENUM ? "see docs/labs.md" : type_name(f), node_kind_name(v));
		return 1;
	}
	if (is_null_scalar(v)) {
		diag_add(dl, v->at,
		         "'%s' has no value; give one or leave the key out for the default",
		         f->key);
		return 1;
	}
	return parse_scalar(f, v->value, slot, dl, v->at) < 0 ? 1 : 0;
}

static void unknown_key(const struct schema *s, const struct ynode *k, struct diag_list *dl)
{
	const char *names[64];
	const char *near;
	size_t i, n = 0;

	for (i = 0; i < s->nfields && n < 63; i++)
		names[n++] = s->fields[i].key;
	names[n] = NULL;
	near = suggest_nearest(k->value, names);
	if (near)
		diag_add(dl, k->at, "unknown key '%s' in %s (did you mean '%s'?)", k->value,
		         s->name, near);
	else
		diag_add(dl, k->at, "unknown key '%s' in %s; see docs/labs.md for the keys of %s",
		         k->value, s->name, s->name);
}

size_t schema_load_record(const struct schema *s, void *rec, const struct ynode *node,
                          struct diag_list *dl)
{
	struct record_meta *m = META(rec);
	size_t i, errors = 0;

	m->at = node->at;
	if (node->kind != YNODE_MAP) {
		diag_add(dl, node->at, "%s must be a mapping of key: value; found %s", s->name,
		         node_kind_name(node));
		return 1;
	}
	for (i = 0; i < YNODE_PAIRS(node); i++) {
		const struct ynode *k = YNODE_KEY(node, i), *v = YNODE_VAL(node, i);
		const struct field *f;
		size_t idx;

		if (k->kind != YNODE_SCALAR) {
			diag_add(dl, k->at, "keys in %s must be plain words; found %s", s->name,
			         node_kind_name(k));
			errors++;
			continue;
		}
		f = schema_field(s, k->value);
		if (!f) {
			unknown_key(s, k, dl);
			errors++;
			continue;
		}
		idx = (size_t)(f - s->fields);
		if (m->field_at[idx].line > 0) {
			diag_add(dl, k->at, "key '%s' appears twice in %s (first at line %d)",
			         k->value, s->name, m->field_at[idx].line);
			errors++;
			continue;
		}
		m->field_at[idx] = k->at;
		errors += load_field(f, FIELD_PTR(rec, f), v, dl);
	}
	for (i = 0; i < s->nfields; i++) {
		if ((s->fields[i].flags & FIELD_REQUIRED) && m->field_at[i].line == 0) {
			diag_add(dl, node->at, "%s needs '%s'", s->name, s->fields[i].key);
			errors++;
		}
	}
	return errors;
}
