/* Output driven by the same field tables as the loader: `pgdrill show` as YAML or JSON,
 * and docs/labs.md as Markdown. */
#include <stdio.h>
#include <string.h>

#include "lab/schema.h"

#define FIELD_CPTR(rec, f) ((const char *)(rec) + (f)->offset)

/* Text of a scalar field, or NULL when unset. `buf` receives formatted numbers. */
static const char *scalar_text(const struct field *f, const void *slot, char *buf, size_t len)
{
	switch (f->type) {
	case FT_STRING:
		return *(char *const *)slot;
	case FT_INT:
		snprintf(buf, len, "%ld", *(const long *)slot);
		return buf;
	case FT_BOOL:
		return *(const bool *)slot ? "true" : "false";
	case FT_DURATION:
		units_format_duration(*(const int64_t *)slot, buf, len);
		return buf;
	case FT_SIZE:
		units_format_size(*(const uint64_t *)slot, buf, len);
		return buf;
	case FT_ADDRESS:
		if (*(const uint32_t *)slot == 0)
			return NULL;
		units_format_ipv4(*(const uint32_t *)slot, buf, len);
		return buf;
	case FT_SUBNET:
		units_format_subnet(slot, buf, len);
		return buf;
	case FT_ENUM:
		return f->choices[*(const int *)slot];
	default:
		return NULL;
	}
}

static bool is_plain_yaml(const char *s)
{
	/* The loader reads every scalar as text: only the null spellings need quotes. */
	static const char *const reserved[] = {"null", "Null", "NULL", "~", NULL};
	size_t i;

	if (!*s)
		return false;
	for (i = 0; reserved[i]; i++)
		if (strcmp(s, reserved[i]) == 0)
			return false;
	for (i = 0; s[i]; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.' || c == '/'))
			return false;
	}
	return s[0] != '-';
}

static void put_quoted(struct strbuf *out, const char *s)
{
	strbuf_putc(out, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			strbuf_printf(out, "\\%c", c);
		else if (c == '\n')
			strbuf_puts(out, "\\n");
		else if (c == '\t')
			strbuf_puts(out, "\\t");
		else if (c < 0x20)
			strbuf_printf(out, "\\u%04x", c);
		else
			strbuf_putc(out, (char)c);
	}
	strbuf_putc(out, '"');
}

static void put_yaml_scalar(struct strbuf *out, const char *s)
{
	if (is_plain_yaml(s))
		strbuf_puts(out, s);
	else
		put_quoted(out, s);
}

static void indent(struct strbuf *out, int depth)
{
	int i;

	for (i = 0; i < depth; i++)
		strbuf_puts(out, "  ");
}

static bool is_number_like(const struct field *f)
{
	return f->type == FT_INT || f->type == FT_BOOL;
}

/* ---- YAML ---- */

/* A record of scalars none of which has a value (nor a default): one line says so. */
static bool record_is_empty(const struct schema *s, const void *rec)
{
	char buf[64];
	size_t i;

	for (i = 0; i < s->nfields; i++) {
		const struct field *f = &s->fields[i];

		if (f->type == FT_RECORD || f->type == FT_LIST || f->type == FT_MAP ||
		    scalar_text(f, (const char *)rec + f->offset, buf, sizeof(buf)))
			return false;
	}
	return true;
}

static void yaml_record(const struct schema *s, const void *rec, bool secrets, int depth,
                        bool first_inline, struct strbuf *out);

static void yaml_field(const struct field *f, const void *slot, bool secrets, int depth,
                       struct strbuf *out)
{
	char buf[64];
	const char *text;
	size_t i;

	switch (f->type) {
	case FT_RECORD:
		if (record_is_empty(f->sub, slot)) {
			strbuf_printf(out, "# %s: (not set)\n", f->key);
			return;
		}
		strbuf_printf(out, "%s:\n", f->key);
		yaml_record(f->sub, slot, secrets, depth + 1, false, out);
		return;
	case FT_LIST: {
		const struct reclist *l = slot;

		if (l->count == 0) {
			strbuf_printf(out, "%s: []\n", f->key);
			return;
		}
		strbuf_printf(out, "%s:\n", f->key);
		for (i = 0; i < l->count; i++) {
			indent(out, depth);
			strbuf_puts(out, "- ");
			yaml_record(f->sub, (const char *)l->items + i * f->sub->size, secrets,
			            depth + 1, true, out);
		}
		return;
	}
	case FT_MAP: {
		const struct kvlist *kl = slot;

		if (kl->count == 0) {
			strbuf_printf(out, "%s: {}\n", f->key);
			return;
		}
		strbuf_printf(out, "%s:\n", f->key);
		for (i = 0; i < kl->count; i++) {
			indent(out, depth + 1);
			put_yaml_scalar(out, kl->items[i].key);
			strbuf_puts(out, ": ");
			put_yaml_scalar(out, kl->items[i].value);
			strbuf_putc(out, '\n');
		}
		return;
	}
	default:
		break;
	}
	text = scalar_text(f, slot, buf, sizeof(buf));
	if (!text) {
		strbuf_printf(out, "# %s: (not set%s)\n", f->key,
		              (f->flags & FIELD_SECRET) ? ": generated when the lab comes up" : "");
		return;
	}
	strbuf_printf(out, "%s: ", f->key);
	if ((f->flags & FIELD_SECRET) && !secrets)
		strbuf_puts(out, "\"********\"");
	else
		put_yaml_scalar(out, text);
	strbuf_putc(out, '\n');
}

static void yaml_record(const struct schema *s, const void *rec, bool secrets, int depth,
                        bool first_inline, struct strbuf *out)
{
	size_t i;

	for (i = 0; i < s->nfields; i++) {
		if (!(first_inline && i == 0))
			indent(out, depth);
		yaml_field(&s->fields[i], (const char *)rec + s->fields[i].offset, secrets, depth,
		           out);
	}
}

/* ---- JSON ---- */

static void json_record(const struct schema *s, const void *rec, bool secrets, struct strbuf *out);

static void json_field(const struct field *f, const void *slot, bool secrets, struct strbuf *out)
{
	char buf[64];
	const char *text;
	size_t i;

	switch (f->type) {
	case FT_RECORD:
		json_record(f->sub, slot, secrets, out);
		return;
	case FT_LIST: {
		const struct reclist *l = slot;

		strbuf_putc(out, '[');
		for (i = 0; i < l->count; i++) {
			if (i)
				strbuf_putc(out, ',');
			json_record(f->sub, (const char *)l->items + i * f->sub->size, secrets,
			            out);
		}
		strbuf_putc(out, ']');
		return;
	}
	case FT_MAP: {
		const struct kvlist *kl = slot;

		strbuf_putc(out, '{');
		for (i = 0; i < kl->count; i++) {
			if (i)
				strbuf_putc(out, ',');
			put_quoted(out, kl->items[i].key);
			strbuf_putc(out, ':');
			put_quoted(out, kl->items[i].value);
		}
		strbuf_putc(out, '}');
		return;
	}
	default:
		break;
	}
	text = scalar_text(f, slot, buf, sizeof(buf));
	if (!text)
		strbuf_puts(out, "null");
	else if ((f->flags & FIELD_SECRET) && !secrets)
		strbuf_puts(out, "\"********\"");
	else if (is_number_like(f))
		strbuf_puts(out, text);
	else
		put_quoted(out, text);
	/* Machine readers want plain numbers next to the human text. */
	if (f->type == FT_DURATION)
		strbuf_printf(out, ",\"%s_ms\":%lld", f->key, (long long)*(const int64_t *)slot);
	else if (f->type == FT_SIZE)
		strbuf_printf(out, ",\"%s_bytes\":%llu", f->key,
		              (unsigned long long)*(const uint64_t *)slot);
}

static void json_record(const struct schema *s, const void *rec, bool secrets, struct strbuf *out)
{
	size_t i;

	strbuf_putc(out, '{');
	for (i = 0; i < s->nfields; i++) {
		if (i)
			strbuf_putc(out, ',');
		put_quoted(out, s->fields[i].key);
		strbuf_putc(out, ':');
		json_field(&s->fields[i], (const char *)rec + s->fields[i].offset, secrets, out);
	}
	strbuf_putc(out, '}');
}

void schema_emit(const struct schema *s, const void *rec, enum schema_format fmt, bool secrets,
                 struct strbuf *out)
{
	if (fmt == SCHEMA_JSON) {
		json_record(s, rec, secrets, out);
		strbuf_putc(out, '\n');
	} else {
		yaml_record(s, rec, secrets, 0, false, out);
	}
}

/* ---- Markdown ---- */

static void md_type(const struct field *f, struct strbuf *out)
{
	size_t i;

	switch (f->type) {
	case FT_ENUM:
		for (i = 0; f->choices[i]; i++)
			strbuf_printf(out, "%s`%s`", i ? " \\| " : "", f->choices[i]);
		return;
	case FT_INT:
		strbuf_printf(out, "integer %ld..%ld", f->min, f->max);
		return;
	case FT_RECORD:
		strbuf_printf(out, "[%s](#%s)", f->sub->name, f->sub->name);
		return;
	case FT_LIST:
		strbuf_printf(out, "list of [%s](#%s)", f->sub->name, f->sub->name);
		return;
	case FT_MAP:
		strbuf_puts(out, "mapping name: value");
		return;
	case FT_STRING:
		strbuf_puts(out, f->text == TEXT_IDENT ? "name (`a-z`, `0-9`, `_`)" : "string");
		return;
	case FT_BOOL:
		strbuf_puts(out, "boolean");
		return;
	case FT_DURATION:
		strbuf_puts(out, "duration");
		return;
	case FT_SIZE:
		strbuf_puts(out, "size");
		return;
	case FT_ADDRESS:
		strbuf_puts(out, "IPv4 address");
		return;
	case FT_SUBNET:
		strbuf_puts(out, "IPv4 subnet");
		return;
	}
}

static void md_schema(const struct schema *s, struct strbuf *out, const struct schema **done,
                      size_t *ndone)
{
	size_t i;

	for (i = 0; i < *ndone; i++)
		if (done[i] == s)
			return;
	done[(*ndone)++] = s;
	strbuf_printf(out, "## %s\n\n%s\n\n", s->name, s->doc);
	strbuf_puts(out, "| key | type | default | meaning |\n|---|---|---|---|\n");
	for (i = 0; i < s->nfields; i++) {
		const struct field *f = &s->fields[i];

		strbuf_printf(out, "| `%s` | ", f->key);
		md_type(f, out);
		if (f->flags & FIELD_REQUIRED)
			strbuf_puts(out, " | required | ");
		else if (f->defval)
			strbuf_printf(out, " | `%s` | ", f->defval);
		else
			strbuf_puts(out, " | — | ");
		strbuf_printf(out, "%s |\n", f->doc);
	}
	strbuf_putc(out, '\n');
	for (i = 0; i < s->nfields; i++)
		if (s->fields[i].sub)
			md_schema(s->fields[i].sub, out, done, ndone);
}

void schema_emit_markdown(const struct schema *s, struct strbuf *out)
{
	const struct schema *done[32];
	size_t ndone = 0;

	md_schema(s, out, done, &ndone);
}
