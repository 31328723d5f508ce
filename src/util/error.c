#include "util/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local char last_error[4096];
static _Thread_local int has_error;

/* Errors carry what hosts and servers printed (a stderr tail, a file's line): escape
 * sequences and other control characters become '?', so that a hostile host cannot
 * write to the terminal that reads them. Newlines and tabs stay. */
static void error_vformat(const char *fmt, va_list ap)
{
	char text[sizeof(last_error)], *p;

	/* Into a buffer of its own first: an argument may be error_last() itself. */
	vsnprintf(text, sizeof(text), fmt, ap);
	memcpy(last_error, text, sizeof(text));
	for (p = last_error; *p; p++)
		if (((unsigned char)*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f)
			*p = '?';
	has_error = 1;
}

int error_set(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	error_vformat(fmt, ap);
	va_end(ap);
	return PD_ERROR;
}

int error_prefix(const char *fmt, ...)
{
	char prefix[1024], cause[sizeof(last_error)];
	size_t len;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	if (!has_error) {
		len = strlen(prefix);
		if (len >= 2 && strcmp(prefix + len - 2, ": ") == 0)
			prefix[len - 2] = '\0';
		return error_set("%s", prefix);
	}
	snprintf(cause, sizeof(cause), "%s", last_error);
	return error_set("%s%s", prefix, cause);
}

char *error_save(void)
{
	size_t len = strlen(last_error) + 1;
	char *copy;

	if (!has_error || !(copy = malloc(len)))
		return NULL;
	memcpy(copy, last_error, len);
	return copy;
}

void error_restore(char *saved)
{
	if (saved)
		error_set("%s", saved);
	else
		error_clear();
	free(saved);
}

const char *error_last(void)
{
	return has_error ? last_error : "unknown error";
}

void error_clear(void)
{
	has_error = 0;
	last_error[0] = '\0';
}

int error_pending(void)
{
	return has_error;
}
