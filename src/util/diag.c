#include "util/diag.h"

#include <stdarg.h>
#include <stdlib.h>

#include "util/strbuf.h"

/* Past this many, more messages only bury the first ones (and a fuzzer can make millions). */
#define DIAG_MAX 100

void diag_list_init(struct diag_list *dl, const char *file)
{
	dl->file = file;
	dl->items = NULL;
	dl->count = dl->cap = 0;
}

void diag_add(struct diag_list *dl, struct src_loc at, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	int n;

	if (dl->count >= DIAG_MAX)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	sb.buf = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(sb.buf, (size_t)n + 1, fmt, ap);
	va_end(ap);
	if (dl->count == dl->cap) {
		dl->cap = dl->cap ? dl->cap * 2 : 8;
		dl->items = xrealloc(dl->items, dl->cap * sizeof(*dl->items));
	}
	dl->items[dl->count].at = at;
	dl->items[dl->count].message = sb.buf;
	dl->count++;
}

static int diag_cmp(const void *a, const void *b)
{
	const struct diag *x = a, *y = b;

	if (x->at.line != y->at.line)
		return x->at.line < y->at.line ? -1 : 1;
	if (x->at.col != y->at.col)
		return x->at.col < y->at.col ? -1 : 1;
	return 0;
}

void diag_sort(struct diag_list *dl)
{
	/* qsort is not stable; equal positions keep insertion order through this pass. */
	size_t i, j;

	for (i = 1; i < dl->count; i++) {
		struct diag d = dl->items[i];

		for (j = i; j > 0 && diag_cmp(&dl->items[j - 1], &d) > 0; j--)
			dl->items[j] = dl->items[j - 1];
		dl->items[j] = d;
	}
}

static void print_as(const struct diag_list *dl, FILE *out, const char *severity)
{
	size_t i;

	for (i = 0; i < dl->count; i++) {
		const struct diag *d = &dl->items[i];

		if (d->at.line > 0)
			fprintf(out, "%s:%d:%d: %s: %s\n", dl->file, d->at.line, d->at.col, severity,
			        d->message);
		else
			fprintf(out, "%s: %s: %s\n", dl->file, severity, d->message);
	}
	if (dl->count >= DIAG_MAX)
		fprintf(out, "%s: note: stopped after %d %ss\n", dl->file, DIAG_MAX, severity);
}

void diag_print(const struct diag_list *dl, FILE *out)
{
	print_as(dl, out, "error");
}

void diag_print_warnings(const struct diag_list *dl, FILE *out)
{
	print_as(dl, out, "warning");
}

void diag_list_free(struct diag_list *dl)
{
	size_t i;

	for (i = 0; i < dl->count; i++)
		free(dl->items[i].message);
	free(dl->items);
	dl->items = NULL;
	dl->count = dl->cap = 0;
}
