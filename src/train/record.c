#include "train/record.h"

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
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
	if (strcmp(line, "run") == 0 ? !printable(rest) : !train_value_ok(rest))
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
	if (strcmp(line, "run") == 0) {
		if (rest[0] != '/' || strstr(rest, "/../") || strlen(rest) >= sizeof(r->run))
			return -1;
		snprintf(r->run, sizeof(r->run), "%s", rest);
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
	if (r->run[0])
		strbuf_printf(&sb, "run %s\n", r->run);
	rc = fs_write_string(path, strbuf_str(&sb), 0600, NULL);
	strbuf_free(&sb);
	free(path);
	return rc;
}

static char *commands_path(const char *lab_dir)
{
	return xasprintf("%s/training-commands", lab_dir);
}

void train_log_command(const char *lab_dir, const char *host, const char *user,
                       char *const *argv)
{
	struct train_record r;
	struct strbuf sb = STRBUF_INIT;
	struct timespec ts;
	char *path, *p;
	size_t i;
	int fd;

	if (train_record_load(lab_dir, &r, NULL) < 0 || r.outcome[0]) {
		error_clear();
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	strbuf_printf(&sb, "%.3f %s %s ", (double)ts.tv_sec + (double)ts.tv_nsec / 1e9, host,
	              user);
	for (i = 0; argv[i] && sb.len < 600; i++)
		strbuf_printf(&sb, "%s%s", i ? " " : "", argv[i]);
	for (p = sb.buf; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
			*p = '?';
	strbuf_putc(&sb, '\n');
	path = commands_path(lab_dir);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0) {
		if (write(fd, sb.buf, sb.len) < 0) {
			/* a lost line of the debrief is not worth failing the command for */
		}
		close(fd);
	}
	free(path);
	strbuf_free(&sb);
}

void train_commands_reset(const char *lab_dir)
{
	char *path = commands_path(lab_dir);
	int fd = open(path, O_WRONLY | O_TRUNC | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd >= 0)
		close(fd);
	free(path);
}

size_t train_commands_load(const char *lab_dir, struct train_command **out)
{
	char *path = commands_path(lab_dir), line[1024];
	FILE *f = fopen(path, "re");
	size_t n = 0;

	*out = NULL;
	free(path);
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f) && n < 10000) {
		struct train_command c;
		int used = 0;

		memset(&c, 0, sizeof(c));
		if (sscanf(line, "%lf %63s %31s %n", &c.t, c.host, c.user, &used) != 3 || !used ||
		    !isfinite(c.t))
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(c.text, sizeof(c.text), "%s", line + used);
		*out = xrealloc(*out, (n + 1) * sizeof(**out));
		(*out)[n++] = c;
	}
	fclose(f);
	return n;
}
