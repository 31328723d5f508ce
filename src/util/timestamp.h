/* The date and time at the start of a line from a server: barman's backup.info times,
 * PostgreSQL's log_line_prefix %m, haproxy's RFC 5424 header. Each caller reads its own
 * zone after it. */
#ifndef PGDRILL_UTIL_TIMESTAMP_H
#define PGDRILL_UTIL_TIMESTAMP_H

#include <stdbool.h>

/* Exactly n decimal digits (no sign, no space); *p advances past them. */
bool time_digits(const char **p, int n, int *out);
/* "YYYY-MM-DD", ' ' or 'T', "HH:MM:SS", then optionally '.' and at least one digit: the
 * time in seconds since the epoch as if it were UTC. *p advances past it; false (and *p
 * anywhere) when the text does not start that way or a field is out of range. */
bool time_datetime(const char **p, double *out);

#endif
