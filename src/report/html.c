#include "report/html.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

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

void html_text(struct strbuf *sb, const char *s)
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

void html_token(struct strbuf *sb, const char *s)
{
	for (; s && *s; s++)
		strbuf_putc(sb, (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' ||
		                        *s == '-'
		                    ? *s
		                : (*s >= 'A' && *s <= 'Z') ? (char)(*s - 'A' + 'a')
		                                           : '-');
}

static void bytes(struct strbuf *sb, double v)
{
	static const char *const units[] = {"B", "kB", "MB", "GB", "TB"};
	size_t u = 0;

	while (fabs(v) >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	strbuf_printf(sb, u ? "%.1f&#160;%s" : "%.0f&#160;%s", v, units[u]);
}

void html_value(struct strbuf *sb, double value, const char *unit)
{
	if (!isfinite(value)) {
		strbuf_puts(sb, "-");
		return;
	}
	if (!unit || !*unit) {
		strbuf_printf(sb, "%g", value);
	} else if (strcmp(unit, "s") == 0) {
		strbuf_printf(sb, "%.3f&#160;s", value);
	} else if (strcmp(unit, "bytes") == 0) {
		bytes(sb, value);
	} else {
		strbuf_printf(sb, "%g&#160;", value);
		html_text(sb, unit);
	}
}
