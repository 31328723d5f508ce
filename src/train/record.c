#include "train/record.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "util/fsutil.h"
#include "util/strbuf.h"

bool train_name_ok(const char *name)
{
	size_t n = strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_");

	return n >= 1 && n < TRAIN_NAME_MAX && name[n] == '\0';
}

static char *record_path(const char *lab_dir)
{
	return xasprintf("%s/training", lab_dir);
}

static bool outcome_ok(const char *s)
{
	return !strcmp(s, "solved") || !strcmp(s, "failed") || !strcmp(s, "gave-up");
}

/* One line "WORD REST" into R or D; -1 when it is not of the record's form. */
static int parse_line(char *line, struct train_record *r, struct train_def *d)
{
	char *rest = strchr(line, ' ');
	double t;
	char *end;

	if (!rest)
		return -1;
	*rest++ = '\0';
	if (!train_value_ok(rest))
		return -1;
	if (strcmp(line, "exercise") == 0) {
		if (!train_name_ok(rest))
			return -1;
		snprintf(r->exercise, sizeof(r->exercise), "%s", rest);
		return 0;
	}
	if (strcmp(line, "remember") == 0) {
		char *value = strchr(rest, ' ');

		if (!value)
			return -1;
		*value++ = '\0';
		if (!train_key_ok(rest))
			return -1;
		if (d && train_remember(d, rest, value) < 0)
			return -1;
		return 0;
	}
	if (strcmp(line, "why") == 0) {
		snprintf(r->why, sizeof(r->why), "%s", rest);
		return 0;
	}
	if (strcmp(line, "hints") == 0) {
		long n = strtol(rest, &end, 10);

		if (*end || n < 0 || n > TRAIN_MAX_ITEMS)
			return -1;
		r->hints = (int)n;
		return 0;
	}
	if (strcmp(line, "broken") == 0 || outcome_ok(line)) {
		t = strtod(rest, &end);
		if (*end || !isfinite(t) || t <= 0)
			return -1;
		if (strcmp(line, "broken") == 0) {
			r->broken = t;
		} else {
			r->ended = t;
			snprintf(r->outcome, sizeof(r->outcome), "%s", line);
		}
		return 0;
	}
	return -1;
}

int train_record_load(const char *lab_dir, struct train_record *r, struct train_def *d)
{
	char *path = record_path(lab_dir), *text = NULL, *line, *next;
	size_t len, lineno = 0;
	int rc;

	memset(r, 0, sizeof(*r));
	rc = fs_read_file(path, &text, &len);
	if (rc < 0) {
		free(path);
		return rc;
	}
	rc = 0;
	for (line = text; *line && rc == 0; line = next) {
		next = strchr(line, '\n');
		if (!next) {
			rc = error_set("%s: the last line is cut short", path);
			break;
		}
		*next++ = '\0';
		lineno++;
		if (parse_line(line, r, d) < 0)
			rc = error_set("%s:%zu: not a line of a training record", path, lineno);
	}
	if (rc == 0 && (!r->exercise[0] || r->broken <= 0))
		rc = error_set("%s: no exercise or no time it began", path);
	free(text);
	free(path);
	return rc;
}

int train_record_save(const char *lab_dir, const struct train_record *r,
                      const struct train_def *d)
{
	struct strbuf sb = STRBUF_INIT;
	char *path = record_path(lab_dir);
	size_t i;
	int rc;

	strbuf_printf(&sb, "exercise %s\nbroken %.3f\nhints %d\n", r->exercise, r->broken, r->hints);
	for (i = 0; d && i < d->nmemory; i++)
		strbuf_printf(&sb, "remember %s %s\n", d->keys[i], d->values[i]);
	if (r->outcome[0])
		strbuf_printf(&sb, "%s %.3f\n", r->outcome, r->ended);
	if (r->why[0] && train_value_ok(r->why))
		strbuf_printf(&sb, "why %s\n", r->why);
	rc = fs_write_string(path, strbuf_str(&sb), 0600, NULL);
	strbuf_free(&sb);
	free(path);
	return rc;
}
