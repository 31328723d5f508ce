/* Reading a journal for a report: it may be old, partial or written by someone hostile,
 * so every field is read with its type checked and a default when it is missing. */
#ifndef PGDRILL_REPORT_FIELDS_H
#define PGDRILL_REPORT_FIELDS_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

/* The member `key` of object `o` when it has type `type`, else NULL. */
json_object *field_of(json_object *o, const char *key, json_type type);
/* A string member, or `def`. */
const char *field_str(json_object *o, const char *key, const char *def);
/* A number member (int or double), or `def`; never NaN or infinite. */
double field_num(json_object *o, const char *key, double def);
bool field_has_num(json_object *o, const char *key);
bool field_bool(json_object *o, const char *key, bool def);
/* An array member's length and item (NULL beyond it). */
size_t field_len(json_object *array);
json_object *field_at(json_object *array, size_t i);

#endif
