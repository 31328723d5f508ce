#include "provider/state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/error.h"
#include "util/fsutil.h"
#include "util/strbuf.h"
#include "util/units.h"

static const char *const kind_names[] = {"lab", "netns", "route", "mount", "pid", "ready", "fault", "reverted"};

char *state_lab_dir(const char *state_dir, const char *lab_name)
{
	return xasprintf("%s/labs/%s", state_dir, lab_name);
}

/* Written into every lab directory before anything else: `down` removes a directory
 * without a state file only when it holds this. */
#define LAB_MARKER "pgdrill-lab"

char *state_inventory_path(const char *lab_dir)
{
	return xasprintf("%s/inventory.yaml", lab_dir);
}

int state_save_inventory(const char *lab_dir, const char *text)
{
	char *path = state_inventory_path(lab_dir);
	int rc = fs_write_string(path, text, 0600, NULL);

	free(path);
	return rc;
}

/* A file of the lab directory, written by `up` and read back as the lab's record. */
static int save_record(const char *lab_dir, const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", lab_dir, name);
	int rc = fs_write_string(path, text, 0600, NULL);

	free(path);
	return rc;
}

static int load_record(const char *lab_dir, const char *name, char **text)
{
	char *path = xasprintf("%s/%s", lab_dir, name);
	int rc = fs_read_file(path, text, NULL);

	free(path);
	return rc;
}

int state_save_discovered(const char *lab_dir, const char *facts)
{
	return save_record(lab_dir, "discovered", facts);
}

int state_load_discovered(const char *lab_dir, char **facts)
{
	return load_record(lab_dir, "discovered", facts);
}

int state_save_places(const char *lab_dir, const char *places)
{
	return save_record(lab_dir, "places", places);
}

int state_load_places(const char *lab_dir, char **places)
{
	return load_record(lab_dir, "places", places);
}

int state_make_lab_dir(const char *lab_dir)
{
	char *marker;
	int rc;

	if (fs_mkdir_p(lab_dir, 0755, NULL) < 0)
		return -1;
	marker = xasprintf("%s/" LAB_MARKER, lab_dir);
	rc = fs_write_string(marker, "a lab directory of pgdrill: 'pgdrill down' removes it\n",
	                     0644, NULL);
	free(marker);
	return rc;
}

static int held_lock = -1; /* the lab directory this process holds locked */

int state_lock_lab(const char *lab_dir, bool create)
{
	int fd;

	if (create && state_make_lab_dir(lab_dir) < 0)
		return -1;
	fd = open(lab_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return PD_ENOTFOUND;
		return error_set("cannot open the lab directory %s: %s", lab_dir, strerror(errno));
	}
	/* Held until the process ends; the kernel drops it even after SIGKILL. */
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;

		close(fd);
		if (e == EWOULDBLOCK)
			return error_set("the lab in %s is busy: another pgdrill is running up, run or "
			                 "down on it; wait for it to finish",
			                 lab_dir);
		return error_set("cannot lock %s: %s", lab_dir, strerror(e));
	}
	if (held_lock >= 0)
		close(held_lock);
	held_lock = fd;
	return 0;
}

void state_unlock_lab(void)
{
	if (held_lock >= 0)
		close(held_lock);
	held_lock = -1;
}

int state_open(struct state_file *st, const char *state_dir, const char *lab_name)
{
	st->lab_dir = state_lab_dir(state_dir, lab_name);
	st->path = xasprintf("%s/state", st->lab_dir);
	st->fd = -1;
	if (state_make_lab_dir(st->lab_dir) < 0)
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

	if (st->frozen)
		return 0;
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

bool state_is_lab_dir(const char *lab_dir)
{
	char *marker = xasprintf("%s/" LAB_MARKER, lab_dir);
	struct stat st;
	bool yes = lstat(marker, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == 0;

	free(marker);
	return yes;
}

/* Root's, and writable by no one else: what root may believe. */
static int owned_by_root(const char *path, bool dir)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? PD_ENOTFOUND
		                       : error_set("cannot inspect %s: %s", path, strerror(errno));
	if ((dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)) || st.st_uid != 0 ||
	    (st.st_mode & 022))
		return error_set("%s is not a %s owned by root and writable only by root; refusing "
		                 "to act on it: nothing was removed",
		                 path, dir ? "directory" : "regular file");
	return 0;
}

static bool name_chars(const char *s, size_t max)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return i > 0 && i <= max;
}

/* "PID-N", the form of a fault's token. */
static bool token_chars(const char *s)
{
	size_t i, dashes = 0;

	for (i = 0; s[i]; i++) {
		if (s[i] == '-')
			dashes++;
		else if (s[i] < '0' || s[i] > '9')
			return false;
	}
	return i > 2 && i < 32 && dashes == 1;
}

/* A fault kind or host name: letters, digits, '_' and '-', at most 32. */
static bool fault_name_chars(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_'))
			return false;
	return i > 0 && i <= 32;
}

static bool private_subnet(const char *text)
{
	struct subnet net;

	if (units_parse_subnet(text, &net) < 0 || net.prefix < 16 || net.prefix > 28)
		return false;
	return (net.network & 0xff000000u) == 0x0a000000u ||
	       (net.network & 0xfff00000u) == 0xac100000u ||
	       (net.network & 0xffff0000u) == 0xc0a80000u;
}

/* Why entry `e` is not of the lab's own form, or NULL. */
static const char *entry_problem(const struct state_entry *e, const char *lab_dir,
                                 const char *lab)
{
	size_t lablen = strlen(lab);
	char *hosts = xasprintf("%s/hosts/", lab_dir);
	const char *why = NULL;
	char *end;

	switch (e->kind) {
	case STATE_LAB: {
		/* "lab NAME SUBNET [PROVIDER]" */
		char subnet[32];

		snprintf(subnet, sizeof(subnet), "%.*s", (int)strcspn(e->rest, " "), e->rest);
		if (strcmp(e->arg, lab) != 0)
			why = "names another lab than its directory";
		else if (!private_subnet(subnet))
			why = "has no private lab subnet";
		break;
	}
	case STATE_NETNS:
		/* pgd-LAB.NAME; state files from before the '.' separator used '-'. */
		if (strncmp(e->arg, "pgd-", 4) != 0 || strncmp(e->arg + 4, lab, lablen) != 0 ||
		    (e->arg[4 + lablen] != '.' && e->arg[4 + lablen] != '-') ||
		    !name_chars(e->arg + 5 + lablen, 40))
			why = "names a network namespace that is not one of this lab's";
		break;
	case STATE_ROUTE:
		if (!private_subnet(e->arg))
			why = "names a route that is not a private lab subnet";
		break;
	case STATE_MOUNT:
		if (strncmp(e->arg, hosts, strlen(hosts)) != 0 ||
		    !name_chars(e->arg + strlen(hosts), 32))
			why = "names a mount that is not one of this lab's disks";
		break;
	case STATE_PID:
		if (strtol(e->arg, &end, 10) <= 1 || *end)
			why = "names no process";
		break;
	case STATE_FAULT: {
		/* "fault TOKEN KIND HOST STATE": the kind's own parser checks the state. */
		char kind[33], host[65];

		if (!token_chars(e->arg) || sscanf(e->rest, "%32s %64s", kind, host) != 2 ||
		    !fault_name_chars(kind) || !fault_name_chars(host))
			why = "is not a fault record of pgdrill's form";
		break;
	}
	case STATE_REVERTED:
		if (!token_chars(e->arg))
			why = "names no fault";
		break;
	default:
		break;
	}
	free(hosts);
	return why;
}

int state_load_trusted(const char *lab_dir, struct state_entry **out, size_t *count)
{
	char *path = xasprintf("%s/state", lab_dir), *parent = xstrdup(lab_dir);
	const char *lab = strrchr(lab_dir, '/') ? strrchr(lab_dir, '/') + 1 : lab_dir;
	size_t i;
	int rc;

	*out = NULL;
	*count = 0;
	if (strrchr(parent, '/'))
		*strrchr(parent, '/') = '\0';
	rc = owned_by_root(lab_dir, true);
	if (rc == 0)
		rc = owned_by_root(parent, true);
	if (rc == 0)
		rc = owned_by_root(path, false);
	if (rc == 0)
		rc = state_load(lab_dir, out, count);
	for (i = 0; rc == 0 && i < *count; i++) {
		const char *why = entry_problem(&(*out)[i], lab_dir, lab);

		if (why) {
			rc = error_set("%s: entry %zu (%s %s) %s; refusing to act on this file: "
			               "nothing was removed",
			               path, i + 1, kind_names[(*out)[i].kind], (*out)[i].arg, why);
			state_entries_free(*out, *count);
			*out = NULL;
			*count = 0;
		}
	}
	free(path);
	free(parent);
	return rc;
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
