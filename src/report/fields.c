#include "report/fields.h"

#include <math.h>

json_object *field_of(json_object *o, const char *key, json_type type)
{
	json_object *v = NULL;

	if (!o || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, type))
		return NULL;
	return v;
}

const char *field_str(json_object *o, const char *key, const char *def)
{
	json_object *v = field_of(o, key, json_type_string);

	return v ? json_object_get_string(v) : def;
}

static bool is_number(json_object *v)
{
	return v && (json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int));
}

bool field_has_num(json_object *o, const char *key)
{
	json_object *v = NULL;

	if (!o || !json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, key, &v))
		return false;
	return is_number(v) && isfinite(json_object_get_double(v));
}

double field_num(json_object *o, const char *key, double def)
{
	return field_has_num(o, key) ? json_object_get_double(json_object_object_get(o, key)) : def;
}

bool field_bool(json_object *o, const char *key, bool def)
{
	json_object *v = field_of(o, key, json_type_boolean);

	return v ? json_object_get_boolean(v) : def;
}

size_t field_len(json_object *array)
{
	return array && json_object_is_type(array, json_type_array) ? json_object_array_length(array)
	                                                            : 0;
}

json_object *field_at(json_object *array, size_t i)
{
	return i < field_len(array) ? json_object_array_get_idx(array, i) : NULL;
}
