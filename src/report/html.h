/* Writing HTML and SVG safely: text from a lab, a drill, a server or a journal goes through
 * markup_text (util/markup.h); these add class tokens and values with units. */
#ifndef PGDRILL_REPORT_HTML_H
#define PGDRILL_REPORT_HTML_H

#include "util/markup.h"
#include "util/strbuf.h"

/* A CSS class or id made of [a-z0-9_-] only (anything else becomes '-'). */
void html_token(struct strbuf *sb, const char *s);
/* A value with its unit for people (a no-break space between): seconds as "4.856 s",
 * bytes as "832 B"/"1.5 MB", counts as "3 writes". */
void html_value(struct strbuf *sb, double value, const char *unit);
/* TMPL with each "%s" replaced by the next argument as text (markup_text) and each "%t" by
 * the next as a class token (html_token); "%%" is a percent sign. Markup comes only from
 * TMPL, never from an argument. */
void html_fill(struct strbuf *sb, const char *tmpl, ...);

#endif
