#include "util/units.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct unit {
	const char *suffix;
	uint64_t factor;
};

static const struct unit duration_units[] = {
    {"ms", 1}, {"s", 1000}, {"min", 60000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000},
};

static const struct unit size_units[] = {
    {"B", 1},
    {"kB", 1024ULL},
    {"KB", 1024ULL},
    {"MB", 1024ULL * 1024},
    {"GB", 1024ULL * 1024 * 1024},
    {"TB", 1024ULL * 1024 * 1024 * 1024},
    {"KiB", 1024ULL},
    {"MiB", 1024ULL * 1024},
    {"GiB", 1024ULL * 1024 * 1024},
    {"TiB", 1024ULL * 1024 * 1024 * 1024},
};

/* Digits, then optional spaces, then one of the units (or none when allowed). */
static int parse_with_units(const char *s, const struct unit *units, size_t nunits,
                            bool bare_allowed, uint64_t max, uint64_t *out)
{
	uint64_t value = 0;
	const char *p = s;
	size_t i;

	if (!s || *p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (value > (UINT64_MAX - 9) / 10)
			return -1;
		value = value * 10 + (uint64_t)(*p - '0');
	}
	while (*p == ' ')
		p++;
	if (*p == '\0') {
		if (!bare_allowed && value != 0)
			return -1;
		if (value > max)
			return -1;
		*out = value;
		return 0;
	}
	for (i = 0; i < nunits; i++) {
		if (strcmp(p, units[i].suffix) == 0) {
			if (value > max / units[i].factor)
				return -1;
			*out = value * units[i].factor;
			return 0;
		}
	}
	return -1;
}

int units_parse_duration(const char *s, int64_t *out_ms)
{
	uint64_t v;

	if (parse_with_units(s, duration_units, sizeof(duration_units) / sizeof(duration_units[0]),
	                     false, (uint64_t)INT64_MAX, &v) < 0)
		return -1;
	*out_ms = (int64_t)v;
	return 0;
}

int units_parse_size(const char *s, uint64_t *out_bytes)
{
	return parse_with_units(s, size_units, sizeof(size_units) / sizeof(size_units[0]), true,
	                        UINT64_MAX, out_bytes);
}

int units_parse_ipv4(const char *s, uint32_t *out_addr)
{
	uint32_t addr = 0;
	const char *p = s;
	int part;

	if (!s)
		return -1;
	for (part = 0; part < 4; part++) {
		unsigned v = 0;
		int digits = 0;

		while (*p >= '0' && *p <= '9') {
			v = v * 10 + (unsigned)(*p - '0');
			if (++digits > 3 || v > 255)
				return -1;
			p++;
		}
		if (digits == 0)
			return -1;
		addr = (addr << 8) | v;
		if (part < 3 && *p++ != '.')
			return -1;
	}
	if (*p != '\0')
		return -1;
	*out_addr = addr;
	return 0;
}

uint32_t subnet_mask(int prefix)
{
	return prefix <= 0 ? 0 : prefix >= 32 ? 0xffffffffu : ~((1u << (32 - prefix)) - 1);
}

int units_parse_subnet(const char *s, struct subnet *out)
{
	char buf[32];
	const char *slash;
	long prefix;
	uint32_t addr;

	if (!s || !(slash = strchr(s, '/')) || (size_t)(slash - s) >= sizeof(buf))
		return -1;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	if (units_parse_ipv4(buf, &addr) < 0 || units_parse_long(slash + 1, &prefix) < 0)
		return -1;
	if (prefix < 0 || prefix > 32 || (addr & ~subnet_mask((int)prefix)) != 0)
		return -1;
	out->network = addr;
	out->prefix = (int)prefix;
	return 0;
}

int units_parse_long(const char *s, long *out)
{
	char *end;
	long v;

	if (!s || !*s || (*s != '-' && (*s < '0' || *s > '9')))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

int units_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = {"true", "yes", "on"};
	static const char *const no[] = {"false", "no", "off"};
	size_t i;

	for (i = 0; i < 3; i++) {
		if (strcmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

bool subnet_contains(const struct subnet *net, uint32_t addr)
{
	return (addr & subnet_mask(net->prefix)) == net->network;
}

static void format_with_units(uint64_t v, const struct unit *units, const int *order, size_t n,
                              char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct unit *u = &units[order[i]];

		if (v != 0 && v % u->factor == 0) {
			snprintf(buf, len, "%llu%s", (unsigned long long)(v / u->factor),
			         u->suffix);
			return;
		}
	}
	snprintf(buf, len, "%llu%s", (unsigned long long)v,
	         v == 0 ? "" : units[order[n - 1]].suffix);
}

void units_format_duration(int64_t ms, char *buf, size_t len)
{
	static const int order[] = {5, 4, 2, 1, 0}; /* d h min s ms */

	format_with_units((uint64_t)ms, duration_units, order, 5, buf, len);
}

void units_format_size(uint64_t bytes, char *buf, size_t len)
{
	static const int order[] = {5, 4, 3, 1, 0}; /* TB GB MB kB B */

	format_with_units(bytes, size_units, order, 5, buf, len);
}

void units_format_ipv4(uint32_t addr, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.%u", addr >> 24, (addr >> 16) & 255, (addr >> 8) & 255,
	         addr & 255);
}

void units_format_subnet(const struct subnet *net, char *buf, size_t len)
{
	char a[16];

	units_format_ipv4(net->network, a, sizeof(a));
	snprintf(buf, len, "%s/%d", a, net->prefix);
}
