/* A verdict's figure as data: the measured value, its unit and objective, and the named
 * numbers around it, for the journal. */
#include <math.h>
#include <string.h>

#include "check/checks.h"

void verdict_begin(struct verdict *v)
{
	memset(v, 0, sizeof(*v));
}

void verdict_measure(struct verdict *v, double value, const char *unit, double objective,
                     const char *method)
{
	v->value = value;
	v->unit = unit;
	v->objective = objective;
	v->method = method;
}

void verdict_number(struct verdict *v, const char *name, double value)
{
	if (v->nnumbers < VERDICT_MAX_NUMBERS) {
		v->numbers[v->nnumbers].name = name;
		v->numbers[v->nnumbers].value = value;
		v->nnumbers++;
	}
}

double verdict_get(const struct verdict *v, const char *name)
{
	size_t i;

	for (i = 0; i < v->nnumbers; i++)
		if (strcmp(v->numbers[i].name, name) == 0)
			return v->numbers[i].value;
	return NAN;
}
