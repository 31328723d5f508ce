/* Text for XML and HTML (element content or a double-quoted attribute value): & < > " '
 * escaped, control characters other than newline and tab dropped (XML 1.0 allows none),
 * invalid UTF-8 bytes replaced by U+FFFD. The journal's JUnit file and the report use it
 * for every string that came from a lab, a drill or a server. */
#include "util/markup.h"

#include <stddef.h>

/* The length of the valid UTF-8 sequence at s (1 to 4), or 0 when it is not one. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((n == 3 && s[0] == 0xe0 && s[1] < 0xa0) || (n == 3 && s[0] == 0xed && s[1] >= 0xa0) ||
	    (n == 4 && s[0] == 0xf0 && s[1] < 0x90) || (n == 4 && s[0] == 0xf4 && s[1] >= 0x90))
		return 0;
	return n;
}

void markup_text(struct strbuf *sb, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	while (*p) {
		size_t n = utf8_len(p);

		if (n == 0) {
			strbuf_puts(sb, "\xef\xbf\xbd");
			p++;
			continue;
		}
		if (n > 1) {
			strbuf_add(sb, (const char *)p, n);
			p += n;
			continue;
		}
		switch (*p) {
		case '&':
			strbuf_puts(sb, "&amp;");
			break;
		case '<':
			strbuf_puts(sb, "&lt;");
			break;
		case '>':
			strbuf_puts(sb, "&gt;");
			break;
		case '"':
			strbuf_puts(sb, "&quot;");
			break;
		case '\'':
			strbuf_puts(sb, "&#39;");
			break;
		default:
			if (*p >= 0x20 && *p != 0x7f)
				strbuf_putc(sb, (char)*p);
			else if (*p == '\n' || *p == '\t')
				strbuf_putc(sb, (char)*p);
		}
		p++;
	}
}

