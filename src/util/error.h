/* Thread-local "last error" (libgit2 style): the last one set wins; callers on the way up
 * put their context in front of it with error_prefix. */
#ifndef PGDRILL_UTIL_ERROR_H
#define PGDRILL_UTIL_ERROR_H

enum {
	PD_OK = 0,
	PD_ERROR = -1,
	PD_ENOTFOUND = -2,
	PD_ETIMEOUT = -3,
	PD_EEXISTS = -4,
};

/* Sets the error, replacing any earlier one (the last error wins); returns PD_ERROR for
 * `return error_set(...)`. A caller that adds what it knows to a callee's error uses
 * error_prefix instead, so that the cause is kept. */
int error_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Puts context before the pending error ("host x: " + "it failed"), or, when none is
 * pending, sets the context alone (a trailing ": " dropped); returns PD_ERROR. */
int error_prefix(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* For a best-effort step taken while an error is pending (reading a log tail for the
 * message): error_save copies the pending error (NULL: none), error_restore puts it back
 * as it was, whatever the step set or cleared, and frees the copy. */
char *error_save(void);
void error_restore(char *saved);
/* Borrowed; "unknown error" when none was set. */
const char *error_last(void);
void error_clear(void);
/* True while an error is set and not yet cleared. */
int error_pending(void);

#endif
