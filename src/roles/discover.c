#include "roles/discover.h"

#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#include "provider/host.h"
#include "roles/barman.h"
#include "roles/haproxy.h"
#include "roles/pg.h"
#include "util/error.h"

/* One host's discovery under way. */
struct facts {
	const struct lab_rt *rt;
	struct lab_host_rt *h;
	FILE *out;
	struct strbuf *kept;
	struct discover_counts *counts;
	int rc;
};

/* A value a server sent, made safe to print and to keep one per line: control
 * characters (tabs and newlines too) become '?', and it is cut at 300 bytes. Owned. */
static char *printable(const char *value)
{
	char *s = xstrdup(value ? value : "(none)"), *p;

	if (strlen(s) > 300)
		s[300] = '\0';
	for (p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return s;
}

/* One fact: `differs` NULL when it is as the lab declares (or the layout assumes), or
 * as `agrees` says; otherwise what differs and what it stops. `blocks`: it stops every
 * drill. */
static void fact_as(struct facts *f, const char *name, const char *value, const char *source,
                    const char *agrees, const char *differs, bool blocks)
{
	char *v = printable(value);
	const char *verdict = differs ? differs : agrees;

	if (f->out)
		fprintf(f->out, "    %s: %s %s (%s): %s\n", f->h->def->name, name, v, source, verdict);
	if (f->kept)
		strbuf_printf(f->kept, "%s\t%s\t%s\t%s\t%s\n", f->h->def->name, name, v, source,
		              verdict);
	if (differs && blocks) {
		f->counts->blocking++;
		if (f->rc == 0)
			f->rc = error_set("host %s: %s is %s (%s): %s", f->h->def->name, name, v, source,
			                  differs);
	} else if (differs) {
		f->counts->warnings++;
	}
	free(v);
}

static void fact(struct facts *f, const char *name, const char *value, const char *source,
                 const char *differs, bool blocks)
{
	fact_as(f, name, value, source, "as declared", differs, blocks);
}

/* A fact that could not be asked (the pending error says why), and what that stops. */
static void not_asked(struct facts *f, const char *name, const char *source, const char *stops)
{
	char *differs = xasprintf("could not be asked (%s): %s", error_last(), stops);

	error_clear();
	fact(f, name, "?", source, differs, false);
	free(differs);
}

/* The path without repeated or trailing slashes (owned). */
static char *tidy_path(const char *path)
{
	char *s = xstrdup(path), *r, *w;

	for (r = w = s; *r; r++)
		if (!(*r == '/' && w > s && w[-1] == '/'))
			*w++ = *r;
	if (w - s > 1 && w[-1] == '/')
		w--;
	*w = '\0';
	return s;
}

/* Two paths name the same file on the host: the same text once tidied, or the same
 * device and inode there (a root reached through a symbolic link). */
static bool same_file(struct facts *f, const char *a, const char *b)
{
	char *ta = tidy_path(a), *tb = tidy_path(b), *nl;
	char *argv[] = {"stat", "-L", "-c", "%d:%i", "--", ta, tb, NULL};
	struct proc_spec spec = {.argv = argv, .timeout_ms = 20000, .reads_only = true};
	struct proc_result res = {0};
	bool same = strcmp(ta, tb) == 0;

	if (!same && host_run(f->rt, f->h, &spec, &res) == 0 && res.status == 0 &&
	    (nl = strchr(res.out, '\n')))
		same = strncmp(res.out, nl + 1, (size_t)(nl - res.out + 1)) == 0 &&
		       nl[nl - res.out + 1] == '\n';
	error_clear(); /* not the same, as far as can be told */
	proc_result_free(&res);
	free(ta);
	free(tb);
	return same;
}

/* A file or directory PostgreSQL names (`SHOW what`) against where the lab has it: the
 * lab file's paths.KEY when declared, else pgdrill's layout (`rel` under the host's root).
 * `key` NULL: the server's answer must agree. Otherwise, when the lab file is silent, the
 * server's answer is used (declared beats discovered beats pgdrill's layout). */
static void postgres_path(struct facts *f, PGconn *c, const char *name, const char *what,
                          const char *rel, const char *key, const char *declared,
                          const char *stops)
{
	struct lab_host_rt *h = f->h;
	char *source = xasprintf("SHOW %s", what);
	char *value = NULL, *want = host_path(h, rel), *differs = NULL;
	char *agrees = xstrdup("as declared");

	if (pg_value(h, c, source, &value) < 0) {
		differs = xasprintf("could not be asked (%s); %s", error_last(), stops);
		error_clear();
	} else if (value && same_file(f, value, want)) {
		/* as the lab has it */
	} else if (value && key && !declared && host_place_adopt(h, key, value) == 0) {
		free(agrees);
		agrees = xasprintf("used from here on (the lab file has no paths.%s)", key);
	} else if (declared) {
		differs = xasprintf("not %s, as the lab's paths.%s says; %s", want,
		                    key ? key : "data", stops);
	} else {
		if (value)
			error_clear(); /* a reported path that is no place: said below */
		differs = xasprintf("not %s, where pgdrill's layout of a node has it (the host's "
		                    "root: %s); declare it as paths.%s if that is right; %s",
		                    want, h->def->root ? h->def->root : "not declared",
		                    key ? key : "data", stops);
	}
	fact_as(f, name, value, source, agrees, differs, !key);
	free(agrees);
	free(source);
	free(value);
	free(want);
	free(differs);
}

/* repmgr's node table knows the host by its name in the lab: the verdicts that compare
 * repmgr's view with the lab's (`repmgr cluster show`, the promoted node) need it. */
static void repmgr_node(struct facts *f, const struct lab_rt *rt)
{
	const struct lab_host_rt *h = f->h;
	PGconn *c = pg_admin_connect(rt, h, "repmgr", 5);
	char *sql = NULL, *names = NULL, *mine = NULL, *lit, *differs = NULL;

	if (!c) {
		not_asked(f, "repmgr node", "repmgr.nodes",
		          "the verdicts that compare repmgr's view with the lab's cannot run");
		return;
	}
	lit = PQescapeLiteral(c, h->def->name, strlen(h->def->name));
	sql = xasprintf("SELECT type FROM repmgr.nodes WHERE node_name = %s", lit ? lit : "''");
	if (pg_value(h, c, sql, &mine) < 0 ||
	    pg_value(h, c,
	             "SELECT string_agg(node_name, ', ' ORDER BY node_id) FROM repmgr.nodes",
	             &names) < 0) {
		differs = xasprintf("could not be read (%s)", error_last());
		error_clear();
	} else if (!mine) {
		differs = xasprintf("repmgr has no node named %s (its nodes: %s): the verdicts "
		                    "that compare repmgr's view with the lab's will not match; name "
		                    "the lab's hosts as repmgr does",
		                    h->def->name, names ? names : "none");
	}
	fact(f, "repmgr node", mine ? mine : names, "repmgr.nodes", differs, false);
	if (lit)
		PQfreemem(lit);
	PQfinish(c);
	free(sql);
	free(names);
	free(mine);
	free(differs);
}

/* Where the server logs: the evidence of some faults is a line it logged (a full disk's
 * "No space left on device"). Declared beats the logging collector's file
 * (pg_current_logfile(), relative to the data directory) beats the log of a server
 * pgdrill starts itself. */
static void server_log_fact(struct facts *f, const struct lab_rt *rt, PGconn *c)
{
	struct lab_host_rt *h = f->h;
	const char *declared = h->def->paths.server_log;
	const char *source = declared ? "the lab file" : "pg_current_logfile()";
	const char *agrees = declared ? "as declared, readable"
	                              : "used from here on (the lab file has no paths.server_log)";
	char *value = NULL, *differs = NULL;
	long long size;

	if (!declared &&
	    pg_value(h, c,
	             "SELECT CASE WHEN pg_current_logfile() LIKE '/%' THEN pg_current_logfile() "
	             "ELSE current_setting('data_directory') || '/' || pg_current_logfile() END",
	             &value) < 0) {
		not_asked(f, "server log", source, "evidence the server logs is not seen");
		return;
	}
	if (!declared && !value) {
		fact_as(f, "server log", "(no logging collector)", source, "",
		        "pgdrill reads only the log of a server it starts itself: a fault whose "
		        "evidence is what the server logged (fill_disk) is judged without it; declare "
		        "paths.server_log",
		        false);
		return;
	}
	if (!declared && host_place_adopt(h, "server_log", value) < 0) {
		differs = xasprintf("%s; the log is not read", error_last());
		error_clear();
	} else if (host_log_size(rt, h, "postgres", &size) < 0) {
		differs = xasprintf("cannot be read (%s): a fault whose evidence is what the server "
		                    "logged (fill_disk) is judged without it",
		                    error_last());
		error_clear();
	}
	fact_as(f, "server log", declared ? declared : value, source, agrees, differs, false);
	free(value);
	free(differs);
}

static void postgres_facts(struct facts *f, const struct lab_rt *rt)
{
	PGconn *c = pg_admin_connect(rt, f->h, "postgres", 5);
	const struct lab_paths *d = &f->h->def->paths;

	if (!c) {
		/* the doctor's line already says PostgreSQL does not answer */
		if (f->out)
			fprintf(f->out, "    %s: nothing discovered: %s\n", f->h->def->name,
			        error_last());
		error_clear();
		return;
	}
	postgres_path(f, c, "data directory", "data_directory", "data", NULL, d->data,
	              "every drill needs the node's own data directory (docs/existing-hosts.md)");
	postgres_path(f, c, "pg_hba.conf", "hba_file", "data/pg_hba.conf", "hba", d->hba,
	              "stops break_pg_hba");
	postgres_path(f, c, "postgresql.conf", "config_file", "data/postgresql.conf", "config",
	              d->config,
	              "stops the heals that rebuild the node (its settings are put back there)");
	server_log_fact(f, rt, c);
	PQfinish(c);
	repmgr_node(f, rt);
}

/* Each listener of the lab in haproxy's own stats. */
static void proxy_facts(struct facts *f, const struct lab_rt *rt)
{
	const struct lab *lab = rt->lab;
	char *csv = NULL;
	size_t i;

	if (haproxy_stats(rt, f->h, &csv) < 0) {
		not_asked(f, "haproxy stats", "run/haproxy.sock",
		          "the drills cannot see where haproxy routes");
		return;
	}
	for (i = 0; i < lab->haproxy.listeners.count; i++) {
		const struct lab_listener *l = LAB_LISTENER(lab, i);
		char *status = haproxy_server_status(csv, l->name, "FRONTEND");
		char *name = xasprintf("listener %s", l->name), *differs = NULL;

		if (!status)
			differs = xasprintf("haproxy has no listener %s: the drills through it cannot "
			                    "run",
			                    l->name);
		fact(f, name, status ? status : "absent", "haproxy show stat", differs, false);
		free(status);
		free(name);
		free(differs);
	}
	free(csv);
}

/* The value of "\tKEY: VALUE" in barman's show-server output (owned), or NULL. */
static char *shown(const char *out, const char *key)
{
	size_t n = strlen(key);
	const char *line = out;

	while (line && *line) {
		const char *p = line + strspn(line, " \t");

		if (strncmp(p, key, n) == 0 && p[n] == ':' && p[n + 1] == ' ')
			return xasprintf("%.*s", (int)strcspn(p + n + 2, "\n"), p + n + 2);
		line = strchr(line, '\n');
		line = line ? line + 1 : NULL;
	}
	return NULL;
}

/* Where barman keeps the server's backups and WAL: pgdrill reads each backup's
 * backup.info and the WAL index there, as barman lays them out under barman_home. */
static void barman_home(struct facts *f, const struct lab_rt *rt, const char *server)
{
	char *args[] = {"show-server", (char *)server, NULL};
	char *out = NULL, *home = NULL, *backup = NULL, *base = NULL, *wals = NULL;
	char *differs = NULL, *want_backup = NULL, *want_base = NULL, *want_wals = NULL;
	const char *stops = "stops barman_restore and the backup checks";

	if (barman_query(rt, f->h, "barman show-server", args, &out) < 0) {
		differs = xasprintf("barman could not be asked (%s); %s", error_last(), stops);
		error_clear();
	} else if (!(home = shown(out, "barman_home")) ||
	           !(backup = shown(out, "backup_directory")) ||
	           !(base = shown(out, "basebackups_directory")) ||
	           !(wals = shown(out, "wals_directory"))) {
		differs = xasprintf("barman show-server does not say it; %s", stops);
	} else {
		want_backup = xasprintf("%s/%s", home, server);
		want_base = xasprintf("%s/base", backup);
		want_wals = xasprintf("%s/wals", backup);
		if (strcmp(backup, want_backup) != 0 || strcmp(base, want_base) != 0 ||
		    strcmp(wals, want_wals) != 0)
			differs = xasprintf("barman keeps the server's backups in %s and its WAL in %s, "
			                    "not in base/ and wals/ of %s; %s",
			                    base, wals, want_backup, stops);
		else if (host_place_adopt(f->h, "barman_home", home) < 0) {
			differs = xasprintf("%s; %s", error_last(), stops);
			error_clear();
		}
	}
	fact_as(f, "barman home", home, "barman show-server", "used from here on", differs, false);
	free(out);
	free(home);
	free(backup);
	free(base);
	free(wals);
	free(want_backup);
	free(want_base);
	free(want_wals);
	free(differs);
}

/* The lab's server among those barman knows. */
static void barman_facts(struct facts *f, const struct lab_rt *rt)
{
	const char *server = rt->lab->barman.server_name;
	char *args[] = {"list-server", "--minimal", NULL};
	char *out = NULL, *line, *save = NULL, *differs = NULL;
	bool listed = false;

	if (barman_query(rt, f->h, "barman list-server", args, &out) < 0) {
		differs = xasprintf("barman could not be asked (%s)", error_last());
		error_clear();
	} else {
		for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			listed = listed || strcmp(line, server) == 0;
		if (!listed)
			differs = xasprintf("barman has no server %s (barman.server_name): stops "
			                    "barman_restore and the backup checks",
			                    server);
	}
	fact(f, "barman server", server, "barman list-server", differs, false);
	if (listed)
		barman_home(f, rt, server);
	free(out);
	free(differs);
}

/* barman restores into a spare of its own over the spare's barman_ssh: tried from the
 * barman host, as barman, with `true` for the command. */
static void spare_facts(struct facts *f, const struct lab_rt *rt)
{
	const struct lab_host_rt *b = lab_rt_by_role(rt, ROLE_BARMAN);
	const char *cmd = f->h->def->barman_ssh;
	char *argv[] = {"sh", "-c", NULL, NULL}, *source, *differs = NULL, *why;
	struct proc_spec spec = {
	    .argv = argv, .user = "barman", .timeout_ms = 20000, .reads_only = true};
	struct proc_result res;

	if (!b)
		return;
	if (!cmd) {
		fact_as(f, "barman_ssh", "(not declared)", "the lab file", "",
		        "barman_restore into this host is refused: declare how barman's host "
		        "reaches it as postgres (barman_ssh)",
		        false);
		return;
	}
	argv[2] = xasprintf("%s true", cmd);
	source = xasprintf("tried as barman on %s", b->def->name);
	if (host_run(rt, b, &spec, &res) < 0) {
		differs = xasprintf("could not be tried (%s); stops barman_restore", error_last());
		error_clear();
	} else {
		if (res.status != 0) {
			why = proc_tail(res.err, 1);
			differs = xasprintf("barman cannot log in with it (exit %d%s%s); stops "
			                    "barman_restore",
			                    res.status, *why ? ": " : "", why);
			free(why);
		}
		proc_result_free(&res);
	}
	fact_as(f, "barman_ssh", cmd, source, "barman logs in with it", differs, false);
	free(argv[2]);
	free(source);
	free(differs);
}

int discover_host(const struct lab_rt *rt, struct lab_host_rt *h, FILE *out,
                  struct strbuf *facts, struct discover_counts *counts)
{
	struct facts f = {.rt = rt, .h = h, .out = out, .kept = facts, .counts = counts};

	memset(counts, 0, sizeof(*counts));
	if (lab_host_is_postgres(h->def))
		postgres_facts(&f, rt);
	else if (h->def->role == ROLE_PROXY)
		proxy_facts(&f, rt);
	else if (h->def->role == ROLE_BARMAN)
		barman_facts(&f, rt);
	else if (h->def->role == ROLE_SPARE)
		spare_facts(&f, rt);
	return f.rc;
}

void discover_print(FILE *out, const char *prefix, const char *facts)
{
	char *copy = xstrdup(facts), *line, *save = NULL;

	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *field[5], *p = line;
		int n;

		for (n = 0; n < 5 && p; n++) {
			field[n] = p;
			p = strchr(p, '\t');
			if (p)
				*p++ = '\0';
		}
		if (n < 5 || p)
			continue;
		for (n = 0; n < 5; n++)
			field[n] = printable(field[n]);
		fprintf(out, "%s%-12s %-16s %s (%s): %s\n", prefix, field[0], field[1], field[2],
		        field[3], field[4]);
		for (n = 0; n < 5; n++)
			free(field[n]);
	}
	free(copy);
}
