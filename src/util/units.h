/* Parsing and printing of the value kinds a lab file uses: durations, sizes,
 * IPv4 addresses and subnets. Each parser returns 0 or -1 and never sets errors:
 * the caller knows where the text came from and says so. */
#ifndef PGDRILL_UTIL_UNITS_H
#define PGDRILL_UTIL_UNITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct subnet {
	uint32_t network; /* host byte order */
	int prefix;
};

/* "250ms", "10s", "2min", "1h"; a bare "0" means zero. Result in milliseconds. */
int units_parse_duration(const char *s, int64_t *out_ms);
/* "512kB", "16MB", "1GB" (PostgreSQL units: powers of 1024), or a plain byte count. */
int units_parse_size(const char *s, uint64_t *out_bytes);
int units_parse_ipv4(const char *s, uint32_t *out_addr);
/* "10.77.0.0/24": host bits must be zero. */
int units_parse_subnet(const char *s, struct subnet *out);
int units_parse_long(const char *s, long *out);
int units_parse_bool(const char *s, bool *out);

bool subnet_contains(const struct subnet *net, uint32_t addr);
uint32_t subnet_mask(int prefix);

/* Formatting into a caller buffer; the shortest exact unit is chosen. */
void units_format_duration(int64_t ms, char *buf, size_t len);
void units_format_size(uint64_t bytes, char *buf, size_t len);
void units_format_ipv4(uint32_t addr, char *buf, size_t len);
void units_format_subnet(const struct subnet *net, char *buf, size_t len);

#endif
