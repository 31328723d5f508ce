/* Thread-local "last error", set once where a failure happens (libgit2 style). */
#ifndef PGDRILL_UTIL_ERROR_H
#define PGDRILL_UTIL_ERROR_H

enum {
	PD_OK = 0,
	PD_ERROR = -1,
	PD_ENOTFOUND = -2,
	PD_ETIMEOUT = -3,
	PD_EEXISTS = -4,
};

/* Sets the last error unless one is already set; returns PD_ERROR for `return error_set(...)`. */
int error_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Replaces any earlier error: for the rare caller that knows better than the callee. */
int error_replace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Puts context before the pending error ("host x: " + "it failed"), or sets the context
 * alone when none is pending; returns PD_ERROR. The way a caller on the way up adds what
 * it knows without losing the cause. */
int error_prefix(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Borrowed; "unknown error" when none was set. */
const char *error_last(void);
void error_clear(void);
/* True while an error is set and not yet cleared. */
int error_pending(void);

#endif
