#include "roles/heal_manual.h"

#include <stdlib.h>
#include <string.h>

#include "provider/host.h"
#include "roles/barman.h"
#include "roles/status.h"
#include "util/error.h"
#include "util/strbuf.h"

struct steps {
	struct strbuf sb;
	int n;
	const struct lab_rt *rt;
	const char *lab_file;
};

/* "N. what" and the command on HOST as USER, the way to type it: quoted whole for sh -c
 * (a single quote in it, from a lab's service command, written as '\''). */
static void step(struct steps *s, const struct lab_host_rt *h, const char *user, const char *what,
                 const char *cmd)
{
	const char *p;

	strbuf_printf(&s->sb, "  %d. %s\n", ++s->n, what);
	/* The same on every provider: exec reaches a host over SSH too. */
	strbuf_printf(&s->sb, "     pgdrill exec --user %s %s %s -- sh -c '", user, s->lab_file,
	              h->def->name);
	for (p = cmd; *p; p++)
		if (*p == '\'')
			strbuf_puts(&s->sb, "'\\''");
		else
			strbuf_putc(&s->sb, *p);
	strbuf_puts(&s->sb, "'\n");
}

static void rejoin_steps(struct steps *s, const struct lab_host_rt *h, const struct lab_host_rt *p)
{
	const struct lab_service *svc = &h->def->service; /* declared: steps of their own */
	char *conf = host_path(h, "conf/repmgr.conf"), *data = host_path(h, "data");
	long port = s->rt->lab->postgres.port;
	char *rejoin = xasprintf("repmgr -f %s node rejoin -d \"host=%s port=%ld user=repmgr "
	                         "dbname=repmgr\" --force-rewind",
	                         conf, p->addr, port);
	char *stop = xasprintf("pg_ctl -D %s stop -m fast; ", data);
	char *reg = xasprintf("repmgr -f %s standby register --force", conf);
	char *start = xasprintf(" && pg_ctl -D %s start && %s", data, reg);
	char *clone = xasprintf("%smv %s %s.broken && repmgr -f %s standby clone -h %s -p %ld -U "
	                        "repmgr -d repmgr%s",
	                        svc->stop ? "" : stop, data, data, conf, p->addr, port,
	                        svc->start ? "" : start);
	char *what = xasprintf("%s: make it a standby of %s again (pg_rewind)", h->def->name,
	                       p->def->name);

	step(s, h, "postgres", what, rejoin);
	free(what);
	what = xasprintf("if that fails: clone %s afresh from %s (its old data directory is kept "
	                 "beside it)%s",
	                 h->def->name, p->def->name,
	                 svc->stop || svc->start ? ", stopped and started by its own commands" : "");
	if (svc->stop)
		step(s, h, "root", what, svc->stop);
	step(s, h, "postgres", svc->stop ? "then the clone" : what, clone);
	if (svc->start) {
		step(s, h, "root", "then start it", svc->start);
		step(s, h, "postgres", "and register it with repmgr again", reg);
	}
	free(what);
	free(reg);
	free(rejoin);
	free(clone);
	free(stop);
	free(start);
	free(conf);
	free(data);
}

static void barman_steps(struct steps *s, const struct lab_host_rt *b)
{
	const char *srv = s->rt->lab->barman.server_name;
	char *conf = host_path(b, "conf/barman.conf");
	char *cmd = xasprintf("barman -c %s receive-wal --stop %s; barman -c %s receive-wal "
	                      "--reset %s; barman -c %s receive-wal --create-slot %s; barman -c %s "
	                      "cron; barman -c %s switch-wal --force --archive %s; barman -c %s "
	                      "backup %s; barman -c %s check %s",
	                      conf, srv, conf, srv, conf, srv, conf, conf, srv, conf, srv, conf, srv);

	step(s, b, "barman",
	     "barman check fails: stream from the current primary again (conninfo and "
	     "streaming_conninfo in the barman configuration must name it), then a new base "
	     "backup: WAL barman missed cannot be restored, the new backup restores what follows",
	     cmd);
	free(cmd);
	free(conf);
}

char *heal_manual_procedure(const struct lab_rt *rt, const char *lab_file)
{
	struct steps s = {.sb = STRBUF_INIT, .rt = rt, .lab_file = lab_file};
	const struct lab_host_rt *p, *b = lab_rt_by_role(rt, ROLE_BARMAN);
	struct lab_status st;
	size_t i;

	status_collect_views(rt, &st, false);
	error_clear();
	p = status_primary(&st);
	if (st.primaries == 0) {
		/* The standby furthest ahead is not known without a server: name them all. */
		for (i = 0; i < st.count; i++) {
			const struct lab_host_rt *h = st.hosts[i].host;
			char *conf, *cmd, *what;

			if (!lab_host_is_postgres(h->def) || h->def->role == ROLE_WITNESS)
				continue;
			conf = host_path(h, "conf/repmgr.conf");
			cmd = xasprintf("repmgr -f %s standby promote", conf);
			what = xasprintf("no primary: promote the standby furthest ahead (compare "
			                 "pg_last_wal_replay_lsn() on each), e.g. %s",
			                 h->def->name);
			step(&s, h, "postgres", what, cmd);
			free(conf);
			free(cmd);
			free(what);
			break;
		}
	}
	for (i = 0; p && i < st.count; i++) {
		const struct host_status *hs = &st.hosts[i];
		const struct lab_host_rt *h = hs->host;

		if (h == p || (h->def->role != ROLE_PRIMARY && h->def->role != ROLE_STANDBY))
			continue;
		if (hs->reachable && hs->in_recovery == 0) {
			char *data = host_path(h, "data"), *cmd = xasprintf("pg_ctl -D %s stop -m fast",
			                                                    data);
			char *what = xasprintf("%s is a second primary: stop it first (keep %s, the "
			                       "one on the highest timeline)",
			                       h->def->name, p->def->name);

			step(&s, h, "postgres", what, cmd);
			free(what);
			free(cmd);
			free(data);
		} else if (hs->reachable && strcmp(hs->wal_receiver, "streaming") == 0 &&
		           strcmp(hs->upstream, p->addr) == 0) {
			continue;
		}
		rejoin_steps(&s, h, p);
	}
	if (b) {
		bool green = false;
		char *failed = NULL;

		if (barman_check(rt, b, &green, &failed) < 0)
			error_clear();
		if (!green)
			barman_steps(&s, b);
		free(failed);
	}
	if (rt->ops->builds_hosts)
		strbuf_printf(&s.sb,
		              "  %d. or rebuild the whole lab (its data is lost): pgdrill down %s && "
		              "pgdrill up %s\n",
		              ++s.n, lab_file, lab_file);
	status_free(&st);
	if (s.sb.len && s.sb.buf[s.sb.len - 1] == '\n')
		s.sb.buf[--s.sb.len] = '\0';
	return strbuf_detach(&s.sb);
}
