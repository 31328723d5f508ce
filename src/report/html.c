#include "report/html.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

void html_token(struct strbuf *sb, const char *s)
{
	for (; s && *s; s++)
		strbuf_putc(sb, (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' ||
		                        *s == '-'
		                    ? *s
		                : (*s >= 'A' && *s <= 'Z') ? (char)(*s - 'A' + 'a')
		                                           : '-');
}

void html_fill(struct strbuf *sb, const char *tmpl, ...)
{
	va_list ap;

	va_start(ap, tmpl);
	for (; *tmpl; tmpl++) {
		if (tmpl[0] != '%' || !tmpl[1]) {
			strbuf_putc(sb, *tmpl);
			continue;
		}
		switch (*++tmpl) {
		case 's':
			markup_text(sb, va_arg(ap, const char *));
			break;
		case 't':
			html_token(sb, va_arg(ap, const char *));
			break;
		default:
			strbuf_putc(sb, *tmpl);
		}
	}
	va_end(ap);
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
		markup_text(sb, unit);
	}
}
