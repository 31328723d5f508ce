#include "util/argv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/strbuf.h"

void argv_add(struct argv *a, const char *s)
{
	if (a->n + 2 > a->cap) {
		a->cap = a->cap ? a->cap * 2 : 16;
		a->v = xrealloc(a->v, a->cap * sizeof(*a->v));
	}
	a->v[a->n++] = (char *)s;
	a->v[a->n] = NULL;
}

void argv_add_all(struct argv *a, char *const *list)
{
	for (; list && *list; list++)
		argv_add(a, *list);
}

void argv_addf(struct argv *a, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	s = xmalloc((size_t)len + 1);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)len + 1, fmt, ap);
	va_end(ap);
	a->owned = xrealloc(a->owned, (a->nowned + 1) * sizeof(*a->owned));
	a->owned[a->nowned++] = s;
	argv_add(a, s);
}

char *const *argv_get(struct argv *a)
{
	if (!a->v) { /* nothing added yet: an empty vector, NULL-terminated */
		a->cap = 4;
		a->v = xcalloc(a->cap, sizeof(*a->v));
	}
	return a->v;
}

void argv_free(struct argv *a)
{
	size_t i;

	for (i = 0; i < a->nowned; i++)
		free(a->owned[i]);
	free(a->owned);
	free(a->v);
	*a = (struct argv)ARGV_INIT;
}
