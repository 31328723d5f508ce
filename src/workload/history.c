#include "workload/history.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"

static const char *const kind_names[] = {"write", "read"};
static const char *const outcome_names[] = {"ok", "failed", "indeterminate"};

const char *op_outcome_name(int outcome)
{
	return outcome >= 0 && outcome <= OP_INDETERMINATE ? outcome_names[outcome] : "?";
}

const char *op_server_string(uint32_t server, char *buf, size_t len)
{
	struct in_addr a = {.s_addr = htonl(server)};

	if (server == 0 || !inet_ntop(AF_INET, &a, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

void history_write_header(FILE *f, int64_t run_id)
{
	fprintf(f, "# books run %" PRId64 "\n", run_id);
	fputs("# start_us\tend_us\tclient\tkind\tid\toutcome\terror\tserver\ttimeline\treconnect\t"
	      "message\n",
	      f);
}

/* A line being formatted: appends stop quietly at the end of the buffer. */
struct line {
	char *buf;
	size_t len, cap;
};

static void put_char(struct line *l, char c)
{
	if (l->len < l->cap)
		l->buf[l->len++] = c;
}

static void put_str(struct line *l, const char *s)
{
	while (*s)
		put_char(l, *s++);
}

static void put_i64(struct line *l, int64_t v)
{
	char digits[24];
	int n = 0;
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;

	do
		digits[n++] = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		put_char(l, '-');
	while (n > 0)
		put_char(l, digits[--n]);
}

size_t history_format(char *buf, const struct op_record *r, const char *message)
{
	/* The newline always fits: the fields stop one byte short of the end. */
	struct line l = {.buf = buf, .cap = HISTORY_LINE_MAX - 1};
	char server[INET_ADDRSTRLEN];
	const char *p;

	put_i64(&l, r->start_us);
	put_char(&l, '\t');
	put_i64(&l, r->end_us);
	put_char(&l, '\t');
	put_i64(&l, r->client);
	put_char(&l, '\t');
	put_str(&l, kind_names[r->kind & 1]);
	put_char(&l, '\t');
	put_i64(&l, r->id);
	put_char(&l, '\t');
	put_str(&l, op_outcome_name(r->outcome));
	put_char(&l, '\t');
	put_str(&l, r->error[0] ? r->error : "-");
	put_char(&l, '\t');
	put_str(&l, r->server ? op_server_string(r->server, server, sizeof(server)) : "-");
	put_char(&l, '\t');
	put_i64(&l, r->timeline);
	put_char(&l, '\t');
	put_char(&l, r->reconnect ? '1' : '0');
	put_char(&l, '\t');
	for (p = message; p && *p; p++)
		put_char(&l, *p == '\t' || *p == '\n' || *p == '\r' ? ' ' : *p);
	buf[l.len++] = '\n';
	return l.len;
}

void history_write(FILE *f, const struct op_record *r, const char *message)
{
	char line[HISTORY_LINE_MAX];

	fwrite(line, 1, history_format(line, r, message), f);
}

static void count_error(struct history *h, const char *code, const char *message)
{
	size_t i;

	for (i = 0; i < h->nerrors; i++)
		if (strcmp(h->errors[i].code, code) == 0) {
			h->errors[i].count++;
			return;
		}
	if (h->nerrors == HISTORY_MAX_CODES)
		return;
	snprintf(h->errors[i].code, sizeof(h->errors[i].code), "%s", code);
	snprintf(h->errors[i].message, sizeof(h->errors[i].message), "%s", message ? message : "");
	h->errors[i].count = 1;
	h->nerrors++;
}

void history_add(struct history *h, const struct op_record *r, const char *message)
{
	if (h->count == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 1024;
		h->ops = realloc(h->ops, h->cap * sizeof(*h->ops));
		if (!h->ops) {
			perror("pgdrill: history");
			abort();
		}
	}
	h->ops[h->count++] = *r;
	if (r->error[0])
		count_error(h, r->error, message);
}

static int lookup(const char *const *names, int n, const char *s)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

/* Splits a line at tabs into at most `max` fields (the last keeps the rest). */
static int split_tabs(char *line, char **fields, int max)
{
	int n = 0;

	fields[n++] = line;
	while (n < max) {
		char *tab = strchr(fields[n - 1], '\t');

		if (!tab)
			break;
		*tab = '\0';
		fields[n++] = tab + 1;
	}
	return n;
}

static int parse_line(char *line, struct op_record *r, const char **message)
{
	char *f[11], *end;
	struct in_addr a;
	int kind, outcome;

	line[strcspn(line, "\n")] = '\0';
	if (split_tabs(line, f, 11) != 11)
		return -1;
	memset(r, 0, sizeof(*r));
	errno = 0;
	r->start_us = strtoll(f[0], &end, 10);
	r->end_us = strtoll(f[1], &end, 10);
	r->client = (uint16_t)strtoul(f[2], &end, 10);
	r->id = strtoll(f[4], &end, 10);
	r->timeline = (int32_t)strtol(f[8], &end, 10);
	r->reconnect = f[9][0] == '1';
	kind = lookup(kind_names, 2, f[3]);
	outcome = lookup(outcome_names, 3, f[5]);
	if (errno || kind < 0 || outcome < 0 || strlen(f[6]) >= sizeof(r->error))
		return -1;
	r->kind = (uint8_t)kind;
	r->outcome = (uint8_t)outcome;
	if (strcmp(f[6], "-") != 0)
		snprintf(r->error, sizeof(r->error), "%s", f[6]);
	if (strcmp(f[7], "-") != 0) {
		if (inet_pton(AF_INET, f[7], &a) != 1)
			return -1;
		r->server = ntohl(a.s_addr);
	}
	*message = f[10];
	return 0;
}

/* The most operations a history may hold: 50 M, many hours of the fastest workload. A
 * line is at most HISTORY_LINE_MAX, as history_format writes it. */
#define HISTORY_MAX_OPS 50000000UL

int history_load(struct history *h, const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	long lineno = 0;
	int rc = 0;

	if (!f)
		return error_set("cannot read the workload history %s: %s", path, strerror(errno));
	while (getline(&line, &cap, f) >= 0) {
		struct op_record r;
		const char *message;

		lineno++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		/* A history holds what one workload did: a line is short, and the whole of it
		 * fits the memory a run may use. */
		if (strlen(line) > HISTORY_LINE_MAX || h->count >= HISTORY_MAX_OPS) {
			rc = error_set("%s:%ld: %s", path, lineno,
			               h->count >= HISTORY_MAX_OPS
			                   ? "more operations than a workload history holds"
			                   : "a line longer than a workload history line");
			break;
		}
		if (parse_line(line, &r, &message) < 0) {
			rc = error_set("%s:%ld: not a workload history line", path, lineno);
			break;
		}
		history_add(h, &r, message);
	}
	free(line);
	fclose(f);
	return rc;
}

void history_free(struct history *h)
{
	free(h->ops);
	memset(h, 0, sizeof(*h));
}
