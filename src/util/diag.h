/* Diagnostics a user can act on: each names a file, line and column. A loader
 * collects all of them in one pass instead of stopping at the first. */
#ifndef PGDRILL_UTIL_DIAG_H
#define PGDRILL_UTIL_DIAG_H

#include <stddef.h>
#include <stdio.h>

struct src_loc {
	int line; /* 1-based; 0 when unknown */
	int col;  /* 1-based */
};

struct diag {
	struct src_loc at;
	char *message;
};

struct diag_list {
	const char *file; /* borrowed: the name printed in front of every message */
	struct diag *items;
	size_t count;
	size_t cap;
};

void diag_list_init(struct diag_list *dl, const char *file);
void diag_add(struct diag_list *dl, struct src_loc at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Sorted by position, so messages read top to bottom like the file. */
void diag_sort(struct diag_list *dl);
void diag_print(const struct diag_list *dl, FILE *out);
/* The same, each as "warning:": valid input that will probably not do what was meant. */
void diag_print_warnings(const struct diag_list *dl, FILE *out);
void diag_list_free(struct diag_list *dl);

#endif
