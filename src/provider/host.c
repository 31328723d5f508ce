/* The host seam's checks and dispatch: every path is refused here unless it stays inside
 * the host's root, then the lab's provider does the work. */
#include "provider/host.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "provider/state.h"
#include "util/error.h"
#include "util/fsutil.h"
#include "util/proc.h"
#include "util/strbuf.h"

#define HOST_PATH_MAX 1024

/* 0 when `rel` names something inside the host's root: relative, no empty, '.' or '..'
 * component, no control character. */
static int check_rel(const struct lab_host_rt *h, const char *rel)
{
	const char *p = rel, *why = NULL;

	if (!rel || !*rel)
		why = "it is empty";
	else if (strlen(rel) > HOST_PATH_MAX)
		why = "it is too long";
	else if (rel[0] == '/')
		why = "it is absolute";
	else if (rel[strlen(rel) - 1] == '/')
		why = "it ends in '/'";
	for (; !why && *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			why = "it holds a control character";
	for (p = rel; !why && p && *p; p = strchr(p, '/') ? strchr(p, '/') + 1 : NULL) {
		size_t n = strcspn(p, "/");

		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			why = "it leaves the host's root or has an empty component";
	}
	if (!why)
		return 0;
	return error_set("host %s: refused the path '%s': %s (paths are relative to the host's "
	                 "root, like \"data/pg_hba.conf\")",
	                 h->def->name, rel ? rel : "", why);
}

bool host_dry_say(const struct lab_rt *rt, const struct lab_host_rt *h, const char *fmt, ...)
{
	va_list ap;

	if (!rt->dry)
		return false;
	fprintf(rt->dry->out, "  would, on %s: ", h ? h->def->name : "pgdrill's client network");
	va_start(ap, fmt);
	vfprintf(rt->dry->out, fmt, ap);
	va_end(ap);
	fputc('\n', rt->dry->out);
	fflush(rt->dry->out);
	rt->dry->actions++;
	return true;
}

/* A dry-run command's standard input (an nftables ruleset...), indented under it; at most
 * 60 lines, control characters shown as '?'. */
static void dry_input(const struct lab_rt *rt, const char *input)
{
	const char *p = input;
	int lines = 0;

	while (*p && lines < 60) {
		size_t n = strcspn(p, "\n"), i;

		fputs("      | ", rt->dry->out);
		for (i = 0; i < n; i++)
			fputc((unsigned char)p[i] < 0x20 || p[i] == 0x7f ? '?' : p[i], rt->dry->out);
		fputc('\n', rt->dry->out);
		p += n + (p[n] == '\n');
		lines++;
	}
	if (*p)
		fputs("      | ...\n", rt->dry->out);
}

/* The same for a file of the host. */
static bool would_file(const struct lab_rt *rt, const struct lab_host_rt *h, const char *what,
                       const char *rel)
{
	char *path;
	bool dry;

	if (!rt->dry)
		return false;
	path = host_path(h, rel);
	dry = host_dry_say(rt, h, "%s %s", what, path);
	free(path);
	return dry;
}

int host_reach(const struct lab_rt *rt, const struct lab_host_rt *h)
{
	return rt->ops->reach ? rt->ops->reach(rt, h) : 0;
}

int host_run(const struct lab_rt *rt, const struct lab_host_rt *h, struct proc_spec *spec,
             struct proc_result *res)
{
	const struct command_recorder *c = rt->commands;
	long long t0 = proc_now_ms();
	int rc;

	if (!spec->reads_only && rt->dry) {
		char *cmd = proc_argv_string(spec->argv);

		host_dry_say(rt, h, "run as %s: %s", spec->user ? spec->user : "root", cmd);
		free(cmd);
		if (spec->input)
			dry_input(rt, spec->input);
		res->status = 0;
		res->out = xstrdup("");
		res->err = xstrdup("");
		return 0;
	}
	rc = rt->ops->run(rt, h, spec, res);

	if (rc == 0 && c && c->record && c->phase)
		c->record(c->ud, c->phase, h, spec, res, (double)(proc_now_ms() - t0) / 1000.0);
	return rc;
}

/* Background processes exist only where the provider starts them as local processes. */
static int check_local(const struct lab_rt *rt, const struct lab_host_rt *h)
{
	if (rt->ops->place)
		return 0;
	return error_set("host %s: starting a process in the background is not available on "
	                 "the %s provider yet",
	                 h ? h->def->name : "(client)", rt->ops->name);
}

bool host_can_start(const struct lab_rt *rt)
{
	return rt->ops->place != NULL;
}

int host_start(const struct lab_rt *rt, const struct lab_host_rt *h, struct proc_spec *spec,
               struct proc_handle *out)
{
	if (check_local(rt, h) < 0)
		return -1;
	rt->ops->place(rt, h, spec);
	return proc_start(spec, out);
}

int host_spawn(struct lab_rt *rt, const struct lab_host_rt *h, struct proc_spec *spec,
               const char *what, struct host_proc *out)
{
	char *log, *cmd;
	int rc;

	if (rt->dry) {
		cmd = proc_argv_string(spec->argv);
		host_dry_say(rt, h, "start as %s, in the background: %s",
		             spec->user ? spec->user : "root", cmd);
		free(cmd);
		memset(out, 0, sizeof(*out));
		return 0;
	}
	log = host_log_path(h, what);
	rc = rt->ops->spawn(rt, h, spec, log, out);

	free(log);
	if (rc < 0)
		return -1;
	return state_append(&rt->state, STATE_PID, "%d %llu %s %s", (int)out->pid, out->start,
	                    h->def->name, what);
}

/* `rel` is `dir` or below it: what follows `dir` in it (maybe ""), else NULL. */
static const char *below(const char *rel, const char *dir)
{
	size_t n = strlen(dir);

	return strncmp(rel, dir, n) == 0 && (rel[n] == '\0' || rel[n] == '/') ? rel + n : NULL;
}

char *host_path(const struct lab_host_rt *h, const char *rel)
{
	const struct host_places *p = &h->places;
	const char *rest;

	if (p->hba && strcmp(rel, "data/pg_hba.conf") == 0)
		return xstrdup(p->hba);
	if (p->config && strcmp(rel, "data/postgresql.conf") == 0)
		return xstrdup(p->config);
	if (p->repmgr_conf && strcmp(rel, "conf/repmgr.conf") == 0)
		return xstrdup(p->repmgr_conf);
	if (p->pgpass && strcmp(rel, "conf/pgpass") == 0)
		return xstrdup(p->pgpass);
	if (p->barman_conf && strcmp(rel, "conf/barman.conf") == 0)
		return xstrdup(p->barman_conf);
	if (p->haproxy_socket && strcmp(rel, "run/haproxy.sock") == 0)
		return xstrdup(p->haproxy_socket);
	if (p->data && (rest = below(rel, "data")))
		return xasprintf("%s%s", p->data, rest);
	if (p->barman_home && (rest = below(rel, "barman")))
		return xasprintf("%s%s", p->barman_home, rest);
	return xasprintf("%s/%s", h->host_root, rel);
}

/* The place of the host called `key` ("config", "hba", "barman_home"): the slot that holds it, and the
 * lab file's declaration of it. */
static char **place_slot(struct lab_host_rt *h, const char *key, const char **declared)
{
	struct host_places *p = &h->places;
	const struct lab_paths *d = &h->def->paths;

	if (strcmp(key, "config") == 0) {
		*declared = d->config;
		return &p->config;
	}
	if (strcmp(key, "hba") == 0) {
		*declared = d->hba;
		return &p->hba;
	}
	if (strcmp(key, "server_log") == 0) {
		*declared = d->server_log;
		return &p->server_log;
	}
	if (strcmp(key, "barman_home") == 0) {
		*declared = NULL; /* barman's own answer, never declared */
		return &p->barman_home;
	}
	return NULL;
}

int host_place_adopt(struct lab_host_rt *h, const char *key, const char *path)
{
	const char *declared = NULL;
	char **slot = place_slot(h, key, &declared);

	if (!slot || declared)
		return 0; /* declared beats discovered */
	if (!lab_valid_place(path))
		return error_set("host %s: refused the %s path '%.100s' it reported: not an "
		                 "absolute path of names",
		                 h->def->name, key, path);
	free(*slot);
	*slot = xstrdup(path);
	return 0;
}

/* The places `up` recorded: each line "HOST\tPLACE\tPATH", read as hostile text. */
static void adopt_recorded(struct lab_rt *rt, char *text)
{
	char *line, *save = NULL;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *key = strchr(line, '\t'), *path = key ? strchr(key + 1, '\t') : NULL;
		struct lab_host_rt *h;

		if (!path)
			continue;
		*key++ = '\0';
		*path++ = '\0';
		h = (struct lab_host_rt *)lab_rt_host(rt, line);
		if (h && host_place_adopt(h, key, path) < 0)
			error_clear(); /* not used: the lab's own layout stands */
	}
}

void host_places_init(struct lab_rt *rt)
{
	char *text = NULL;
	size_t i;

	for (i = 0; i < rt->nhosts; i++) {
		struct lab_host_rt *h = &rt->hosts[i];
		const struct lab_paths *d = &h->def->paths;
		struct host_places *p = &h->places;

		host_places_free(p);
		p->data = d->data ? xstrdup(d->data) : NULL;
		p->config = d->config ? xstrdup(d->config) : NULL;
		p->hba = d->hba ? xstrdup(d->hba) : NULL;
		p->repmgr_conf = d->repmgr_conf ? xstrdup(d->repmgr_conf) : NULL;
		p->pgpass = d->pgpass ? xstrdup(d->pgpass) : NULL;
		p->barman_conf = d->barman_conf ? xstrdup(d->barman_conf) : NULL;
		p->haproxy_socket = d->haproxy_socket ? xstrdup(d->haproxy_socket) : NULL;
		p->server_log = d->server_log ? xstrdup(d->server_log) : NULL;
	}
	if (state_load_places(rt->lab_dir, &text) == 0)
		adopt_recorded(rt, text);
	error_clear(); /* none recorded: not up yet, or nothing found elsewhere */
	free(text);
}

int host_places_record(const struct lab_rt *rt)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;
	int rc;

	for (i = 0; i < rt->nhosts; i++) {
		const struct lab_host_rt *h = &rt->hosts[i];

		if (h->places.config && !h->def->paths.config)
			strbuf_printf(&sb, "%s\tconfig\t%s\n", h->def->name, h->places.config);
		if (h->places.hba && !h->def->paths.hba)
			strbuf_printf(&sb, "%s\thba\t%s\n", h->def->name, h->places.hba);
		if (h->places.server_log && !h->def->paths.server_log)
			strbuf_printf(&sb, "%s\tserver_log\t%s\n", h->def->name, h->places.server_log);
		if (h->places.barman_home)
			strbuf_printf(&sb, "%s\tbarman_home\t%s\n", h->def->name, h->places.barman_home);
	}
	rc = state_save_places(rt->lab_dir, strbuf_str(&sb));
	strbuf_free(&sb);
	return rc;
}

void host_places_free(struct host_places *p)
{
	free(p->data);
	free(p->config);
	free(p->hba);
	free(p->repmgr_conf);
	free(p->pgpass);
	free(p->barman_conf);
	free(p->haproxy_socket);
	free(p->barman_home);
	free(p->server_log);
	memset(p, 0, sizeof(*p));
}

char *host_log_path(const struct lab_host_rt *h, const char *what)
{
	if (h->places.server_log && strcmp(what, "postgres") == 0)
		return xstrdup(h->places.server_log);
	return xasprintf("%s/%s.log", h->log_dir, what);
}

char *host_helper(const struct lab_rt *rt, const struct lab_host_rt *h, const char *name)
{
	char self[4096], *local, *data = NULL, *path = NULL, *file;
	size_t len;

	if (proc_self_exe(self, sizeof(self)) < 0)
		return NULL;
	*strrchr(self, '/') = '\0'; /* the kernel's path of the binary is absolute */
	file = xasprintf("pgdrill-%s", name);
	local = xasprintf("%s/%s", self, file);
	if (access(local, X_OK) != 0) {
		error_set("cannot run pgdrill's helper %s (%s): it is built beside pgdrill "
		          "(scripts/build.sh)",
		          local, strerror(errno));
	} else if (!rt->ops->put_helper) {
		path = xstrdup(local); /* the host's processes run among pgdrill's files */
	} else if (rt->dry) {
		host_dry_say(rt, h, "copy %s to pgdrill's own directory there", local);
		path = xstrdup(file);
	} else if (fs_read_file(local, &data, &len) == 0) {
		path = rt->ops->put_helper(h, file, data, len);
	}
	free(data);
	free(local);
	free(file);
	return path;
}

int host_put_file(const struct lab_rt *rt, const struct lab_host_rt *h, const char *rel,
                  const char *data, size_t len, mode_t mode, const char *owner)
{
	if (check_rel(h, rel) < 0)
		return -1;
	if (would_file(rt, h, "replace the file", rel))
		return 0;
	return rt->ops->put_file(h, rel, data, len, mode, owner);
}

int host_put_string(const struct lab_rt *rt, const struct lab_host_rt *h, const char *rel,
                    const char *text, mode_t mode, const char *owner)
{
	return host_put_file(rt, h, rel, text, strlen(text), mode, owner);
}

int host_get_file(const struct lab_rt *rt, const struct lab_host_rt *h, const char *rel, char **out,
                  size_t *len)
{
	if (check_rel(h, rel) < 0)
		return -1;
	return rt->ops->get_file(h, rel, HOST_FILE_MAX, out, len);
}

/* A log's name: one plain word, it becomes a file name on the host. */
static int check_log(const struct lab_host_rt *h, const char *what)
{
	const char *p;

	for (p = what; p && *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		      *p == '_'))
			break;
	if (what && *what && !*p && p - what <= 64)
		return 0;
	return error_set("host %s: refused the log name '%s'", h->def->name, what ? what : "");
}

int host_put_log(const struct lab_rt *rt, const struct lab_host_rt *h, const char *what,
                 const char *text)
{
	if (check_log(h, what) < 0)
		return -1;
	if (rt->dry)
		return 0; /* pgdrill's own report, of something not done */
	return rt->ops->put_log(h, what, text);
}

int host_get_log(const struct lab_rt *rt, const struct lab_host_rt *h, const char *what,
                 char **out)
{
	long long size;
	int rc;

	if (check_log(h, what) < 0)
		return -1;
	rc = rt->ops->get_log(h, what, 0, HOST_FILE_MAX, out, &size);
	if (rc == 0 && size > (long long)HOST_FILE_MAX) {
		free(*out);
		*out = NULL;
		rc = error_set("host %s: its %s log is larger than %u bytes", h->def->name, what,
		               HOST_FILE_MAX);
	}
	return rc;
}

int host_get_log_from(const struct lab_rt *rt, const struct lab_host_rt *h, const char *what,
                      long long from, char **out, long long *size)
{
	if (check_log(h, what) < 0)
		return -1;
	return rt->ops->get_log(h, what, from, HOST_FILE_MAX, out, size);
}

int host_log_size(const struct lab_rt *rt, const struct lab_host_rt *h, const char *what,
                  long long *size)
{
	char *none = NULL;
	int rc;

	if (check_log(h, what) < 0)
		return -1;
	rc = rt->ops->get_log(h, what, 0, 0, &none, size);
	free(none);
	return rc;
}

char *host_log_tail(const struct lab_rt *rt, const struct lab_host_rt *h, const char *what,
                    int lines)
{
	struct strbuf sb = STRBUF_INIT;
	char *text = NULL, *tail, *path, *pending = error_save();
	int rc = host_get_log(rt, h, what, &text);

	/* a tail for a message about the pending error: that error stays as it was */
	error_restore(pending);
	if (rc < 0)
		return xstrdup("");
	tail = proc_tail(text, lines);
	if (*tail) {
		path = host_log_path(h, what);
		strbuf_printf(&sb, "  last lines of %s:\n", path);
		strbuf_put_quoted(&sb, tail);
		free(path);
	}
	free(tail);
	free(text);
	return strbuf_detach(&sb);
}

int host_mkdir(const struct lab_rt *rt, const struct lab_host_rt *h, const char *rel, mode_t mode,
               const char *owner)
{
	if (check_rel(h, rel) < 0)
		return -1;
	if (would_file(rt, h, "make the directory", rel))
		return 0;
	return rt->ops->make_dir(h, rel, mode, owner);
}

int host_remove(const struct lab_rt *rt, const struct lab_host_rt *h, const char *rel)
{
	if (check_rel(h, rel) < 0)
		return -1;
	if (would_file(rt, h, "remove", rel))
		return 0;
	return rt->ops->remove(h, rel);
}

/* The predicates below answer; they leave the caller's pending error as it was. */
bool host_exists(const struct lab_rt *rt, const struct lab_host_rt *h, const char *rel)
{
	char *pending = error_save();
	bool yes = check_rel(h, rel) == 0 && rt->ops->exists(h, rel) == 1;

	error_restore(pending);
	return yes;
}

int host_free_space(const struct lab_rt *rt, const struct lab_host_rt *h, const char *rel,
                    unsigned long long *avail)
{
	if (check_rel(h, rel) < 0)
		return -1;
	return rt->ops->free_space(h, rel, avail);
}

int host_allocate(const struct lab_rt *rt, const struct lab_host_rt *h, const char *rel,
                  unsigned long long size)
{
	if (check_rel(h, rel) < 0)
		return -1;
	if (rt->dry) {
		char *path = host_path(h, rel);

		host_dry_say(rt, h, "allocate %llu bytes in the new file %s", size, path);
		free(path);
		return 0;
	}
	return rt->ops->allocate(h, rel, size);
}

int host_unix_request(const struct lab_rt *rt, const struct lab_host_rt *h, const char *rel,
                      const char *request, int timeout_ms, char **out)
{
	if (check_rel(h, rel) < 0)
		return -1;
	/* haproxy's "show ..." only reads. */
	if (strncmp(request, "show ", 5) != 0 && rt->dry) {
		char *path = host_path(h, rel);

		host_dry_say(rt, h, "send '%.*s' to %s", (int)strcspn(request, "\n"), request, path);
		free(path);
		*out = xstrdup("");
		return 0;
	}
	return rt->ops->unix_request(h, rel, request, timeout_ms, HOST_FILE_MAX, out);
}

void host_release_pg_shm(const struct lab_rt *rt, const struct lab_host_rt *h, const char *rel)
{
	if (check_rel(h, rel) < 0) {
		error_clear();
		return;
	}
	if (would_file(rt, h, "remove the shared memory left by the server of", rel))
		return;
	rt->ops->release_pg_shm(h, rel);
}

int lab_client_enter(const struct lab_rt *rt, int *back)
{
	return rt->ops->client_enter(rt, back);
}

void lab_client_leave(const struct lab_rt *rt, int back)
{
	rt->ops->client_leave(rt, back);
}

size_t host_find_procs(const struct lab_rt *rt, const struct lab_host_rt *h, const char *comm,
                       const char *arg, struct host_proc *out, size_t cap)
{
	return rt->ops->find_procs(h, comm, arg, out, cap);
}

int host_proc_of_pid(const struct lab_rt *rt, const struct lab_host_rt *h, pid_t pid,
                     struct host_proc *out)
{
	if (pid <= 1) {
		error_set("host %s: %d is not a process of the host", h->def->name, (int)pid);
		return PD_ENOTFOUND;
	}
	return rt->ops->proc_of_pid(h, pid, out);
}

int host_signal(const struct lab_rt *rt, const struct lab_host_rt *h, const struct host_proc *p,
                int sig)
{
	if (p->pid <= 1) {
		error_set("host %s: no process to signal", h->def->name);
		return PD_ENOTFOUND;
	}
	if (host_dry_say(rt, h, "send signal %d (%s) to process %d", sig, strsignal(sig), (int)p->pid))
		return 0;
	return rt->ops->signal(h, p, sig);
}

bool host_proc_alive(const struct lab_rt *rt, const struct lab_host_rt *h,
                     const struct host_proc *p)
{
	struct host_proc now;
	char *pending = error_save();
	bool alive = p->pid > 1 && rt->ops->proc_of_pid(h, p->pid, &now) == 0 &&
	             now.start == p->start;

	error_restore(pending);
	return alive;
}

bool host_proc_wait_end(const struct lab_rt *rt, const struct lab_host_rt *h,
                        const struct host_proc *p, int timeout_ms)
{
	long long deadline = proc_now_ms() + timeout_ms;

	if (rt->dry)
		return true; /* as if the signal it waits on had been sent */
	while (host_proc_alive(rt, h, p)) {
		if (proc_now_ms() >= deadline)
			return false;
		usleep(10000);
	}
	return true;
}
