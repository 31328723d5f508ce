#include "provider/state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/error.h"
#include "util/fsutil.h"
#include "util/strbuf.h"

static const char *const kind_names[] = {"lab", "netns", "route", "mount", "pid", "ready"};

char *state_lab_dir(const char *state_dir, const char *lab_name)
{
	return xasprintf("%s/labs/%s", state_dir, lab_name);
}

int state_open(struct state_file *st, const char *state_dir, const char *lab_name)
{
	st->lab_dir = state_lab_dir(state_dir, lab_name);
	st->path = xasprintf("%s/state", st->lab_dir);
	st->fd = -1;
	if (fs_mkdir_p(st->lab_dir, 0755, NULL) < 0)
		return -1;
	st->fd = open(st->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (st->fd < 0)
		return error_set("cannot open state file %s: %s", st->path, strerror(errno));
	return 0;
}

int state_append(struct state_file *st, enum state_kind kind, const char *fmt, ...)
{
	struct strbuf line = STRBUF_INIT;
	char body[1024];
	va_list ap;
	int rc = 0;

	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	strbuf_printf(&line, "%s %s\n", kind_names[kind], body);
	if (write(st->fd, line.buf, line.len) != (ssize_t)line.len || fdatasync(st->fd) < 0)
		rc = error_set("cannot write state file %s: %s", st->path, strerror(errno));
	strbuf_free(&line);
	return rc;
}

void state_close(struct state_file *st)
{
	if (st->fd >= 0)
		close(st->fd);
	st->fd = -1;
	free(st->lab_dir);
	free(st->path);
	st->lab_dir = st->path = NULL;
}

int state_load(const char *lab_dir, struct state_entry **out, size_t *count)
{
	char *path = xasprintf("%s/state", lab_dir), *text = NULL, *line, *save = NULL;
	struct state_entry *e = NULL;
	size_t n = 0, cap = 0, k;
	int rc = fs_read_file(path, &text, NULL);

	free(path);
	if (rc < 0)
		return rc;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' '), *arg, *rest;

		if (!sp)
			sp = line + strlen(line);
		for (k = 0; k < sizeof(kind_names) / sizeof(kind_names[0]); k++)
			if (strlen(kind_names[k]) == (size_t)(sp - line) &&
			    strncmp(line, kind_names[k], (size_t)(sp - line)) == 0)
				break;
		if (k == sizeof(kind_names) / sizeof(kind_names[0]))
			continue; /* a torn last line from a killed writer */
		arg = *sp ? sp + 1 : sp;
		rest = strchr(arg, ' ');
		if (rest)
			*rest++ = '\0';
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			e = xrealloc(e, cap * sizeof(*e));
		}
		e[n].kind = (enum state_kind)k;
		e[n].arg = xstrdup(arg);
		e[n].rest = xstrdup(rest ? rest : "");
		n++;
	}
	free(text);
	*out = e;
	*count = n;
	return 0;
}

void state_entries_free(struct state_entry *e, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++) {
		free(e[i].arg);
		free(e[i].rest);
	}
	free(e);
}
