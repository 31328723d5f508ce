/* Escaping text for XML and HTML. */
#ifndef PGDRILL_UTIL_MARKUP_H
#define PGDRILL_UTIL_MARKUP_H

#include "util/strbuf.h"

/* Element content or a double-quoted attribute value: & < > " ' escaped, control
 * characters other than newline and tab dropped, invalid UTF-8 bytes replaced by U+FFFD. */
void markup_text(struct strbuf *sb, const char *s);

#endif
