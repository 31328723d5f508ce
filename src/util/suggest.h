/* "Did you mean ...?": the nearest of a set of words by edit distance. */
#ifndef PGDRILL_UTIL_SUGGEST_H
#define PGDRILL_UTIL_SUGGEST_H

#include <stddef.h>

size_t suggest_distance(const char *a, const char *b);
/* Returns the closest candidate when it is close enough to be a likely typo, else NULL.
 * `candidates` is NULL-terminated; the result is borrowed from it. */
const char *suggest_nearest(const char *word, const char *const *candidates);

#endif
