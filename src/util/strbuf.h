/* A growable NUL-terminated string. Allocation failure aborts: pgdrill cannot do
 * anything useful without memory, and every caller checking would hide real errors. */
#ifndef PGDRILL_UTIL_STRBUF_H
#define PGDRILL_UTIL_STRBUF_H

#include <stddef.h>

struct strbuf {
	char *buf;
	size_t len;
	size_t cap;
};

#define STRBUF_INIT                                                                                \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

void strbuf_add(struct strbuf *sb, const char *data, size_t len);
void strbuf_puts(struct strbuf *sb, const char *s);
void strbuf_putc(struct strbuf *sb, char c);
/* Each line of `text` as a quoted line of a message: "    | line\n". */
void strbuf_put_quoted(struct strbuf *sb, const char *text);
void strbuf_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Always a valid string, also for an empty buffer. Borrowed. */
const char *strbuf_str(const struct strbuf *sb);
/* Hands the string to the caller (free() it); the buffer is empty afterwards. */
char *strbuf_detach(struct strbuf *sb);
void strbuf_reset(struct strbuf *sb);
void strbuf_free(struct strbuf *sb);

/* Helpers that abort on out-of-memory, for the same reason. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
