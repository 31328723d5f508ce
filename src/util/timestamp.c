#include "util/timestamp.h"

#include <time.h>

bool time_digits(const char **p, int n, int *out)
{
	int v = 0;

	while (n-- > 0) {
		if (**p < '0' || **p > '9')
			return false;
		v = v * 10 + (*(*p)++ - '0');
	}
	*out = v;
	return true;
}

static bool expect(const char **p, char c)
{
	if (**p != c)
		return false;
	(*p)++;
	return true;
}

bool time_datetime(const char **p, double *out)
{
	struct tm tm = {0};
	int y, mo, d, h, mi, s, n = 0;
	double frac = 0, scale = 1;

	if (!time_digits(p, 4, &y) || !expect(p, '-') || !time_digits(p, 2, &mo) ||
	    !expect(p, '-') || !time_digits(p, 2, &d) || (**p != ' ' && **p != 'T'))
		return false;
	(*p)++;
	if (!time_digits(p, 2, &h) || !expect(p, ':') || !time_digits(p, 2, &mi) ||
	    !expect(p, ':') || !time_digits(p, 2, &s))
		return false;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
		return false;
	if (expect(p, '.')) {
		for (; **p >= '0' && **p <= '9'; n++) {
			scale /= 10;
			frac += (*(*p)++ - '0') * scale;
		}
		if (n == 0)
			return false;
	}
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	*out = (double)timegm(&tm) + frac;
	return true;
}
