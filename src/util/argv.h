/* A command line built by appending, instead of arrays filled by index: no slot to
 * miscount, and every string it formats is freed with it. */
#ifndef PGDRILL_UTIL_ARGV_H
#define PGDRILL_UTIL_ARGV_H

#include <stddef.h>

struct argv {
	char **v; /* NULL-terminated once anything was added */
	size_t n, cap;
	char **owned; /* what argv_addf made */
	size_t nowned;
};

#define ARGV_INIT {NULL, 0, 0, NULL, 0}

/* Appends `s` as it is (borrowed: it must outlive the argv). */
void argv_add(struct argv *a, const char *s);
/* Appends each string of a NULL-terminated list (borrowed). */
void argv_add_all(struct argv *a, char *const *list);
/* Appends a formatted string (owned by the argv). */
void argv_addf(struct argv *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The NULL-terminated vector (valid until the next add or argv_free). */
char *const *argv_get(struct argv *a);
void argv_free(struct argv *a);

#endif
