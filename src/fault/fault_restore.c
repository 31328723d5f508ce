/* Restore from barman: the latest backup replayed to the end of the WAL archive, or to a
 * point in time, into a fresh host of the lab (a spare: its own address, the lab's port)
 * or into a fresh data directory on the barman host (port 5499, loopback and its own
 * socket only), and started there so a drill can query it. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fault/fault.h"
#include "roles/barman.h"
#include "roles/barman_archive.h"
#include "roles/pg.h"
#include "roles/postgres.h"
#include "roles/procs.h"
#include "roles/status.h"
#include "util/argv.h"
#include "util/error.h"
#include "util/strbuf.h"

/* Where a restore goes on its host: a spare's own data directory and socket directory,
 * or a directory of its own beside barman's. Relative to the host's root. */
static const char *restore_dir(const struct lab_host_rt *where)
{
	return where->def->role == ROLE_SPARE ? "data" : "restore";
}

static const char *restore_sock(const struct lab_host_rt *where)
{
	return where->def->role == ROLE_SPARE ? "run" : "restore-run";
}

/* A restore into a spare of a lab whose hosts pgdrill did not build goes over barman's
 * own SSH to it (the spare's barman_ssh) and belongs to postgres there; otherwise barman
 * writes it where it runs, as barman. */
static bool restore_remote(const struct lab_rt *rt, const struct lab_host_rt *where)
{
	return where->def->role == ROLE_SPARE && !rt->ops->builds_hosts;
}

static const char *restore_owner(const struct lab_rt *rt, const struct lab_host_rt *where)
{
	return restore_remote(rt, where) ? "postgres" : "barman";
}

/* The port a restore listens on there: a spare's own, or one beside barman's. */
static long restore_port(const struct lab_rt *rt, const struct lab_host_rt *where)
{
	return where->def->role == ROLE_SPARE ? rt->lab->postgres.port
	                                      : strtol(PGDRILL_RESTORE_PORT, NULL, 10);
}

const struct lab_host_rt *fault_restored_server(const struct fault_set *fs,
                                                const char **sock_rel, long *port)
{
	size_t i;

	for (i = fs->count; i-- > 0;) {
		const struct fault *f = &fs->items[i];
		const struct lab_host_rt *h = lab_rt_host(fs->rt, f->host);

		if (!f->active || f->type != &fault_kind_barman_restore || !h)
			continue;
		*sock_rel = restore_sock(h);
		*port = restore_port(fs->rt, h);
		return h;
	}
	return NULL;
}

/* The restored server, once started ("-" before): stopped by PID and start time. */
struct restore_state {
	struct host_proc proc;
};

static int restore_parse(const char *text, void *state)
{
	struct restore_state *s = state;

	return strcmp(text, "-") == 0 ? 0 : fault_parse_proc(text, &s->proc);
}

static int stop_restored(struct lab_rt *rt, const struct lab_host_rt *where, const void *state)
{
	const struct restore_state *s = state;

	if (s->proc.pid > 0)
		procs_stop(rt, where, &s->proc, SIGINT, 10000);
	host_release_pg_shm(rt, where, restore_dir(where));
	if (host_remove(rt, where, restore_dir(where)) < 0 ||
	    host_remove(rt, where, restore_sock(where)) < 0)
		return -1;
	return 0;
}

static char *stop_by_hand(const struct lab_host_rt *where, const void *state)
{
	const struct restore_state *s = state;
	char *dir = host_path(where, restore_dir(where)), *sock = host_path(where, restore_sock(where));
	char *cmd = s->proc.pid > 0
	                ? xasprintf("kill -INT %d; rm -rf %s %s", (int)s->proc.pid, dir, sock)
	                : xasprintf("pg_ctl -D %s stop; rm -rf %s %s", dir, dir, sock);

	free(dir);
	free(sock);
	return cmd;
}

const struct fault_kind fault_kind_barman_restore = {
    .name = "barman_restore",
    .state_size = sizeof(struct restore_state),
    .parse = restore_parse,
    .revert = stop_restored,
    .by_hand = stop_by_hand,
};

/* Streamed WAL becomes restorable once archived: close the current segment, start the
 * next, archive. */
static int archive_now(struct lab_rt *rt, const struct lab_host_rt *b)
{
	const struct lab_host_rt *primary = status_current_primary(rt, NULL);
	char *args[] = {"archive-wal", rt->lab->barman.server_name, NULL};

	if (!primary)
		return error_set("no primary to switch WAL on");
	if (pg_run_once(
	        rt, primary,
	        "SELECT pg_switch_wal(), pg_logical_emit_message(false, 'pgdrill', 'restore')") < 0)
		return -1;
	usleep(500000);
	return barman_cmd(rt, b, "barman archive-wal", args, NULL);
}

/* The backup to restore (its id into `id`): for a target time, the newest backup whose
 * recoverable window holds it; for the latest state, the newest backup whose WAL reaches
 * the newest archived segment. Fails, naming barman's windows, when there is none. */
static int pick_backup(const struct lab_rt *rt, const struct lab_host_rt *b,
                       const char *target_time, bool from_oldest, char *id, size_t cap)
{
	struct barman_archive a;
	const struct barman_backup *chosen = NULL;
	double t = 0;
	char *windows;
	int rc = 0;

	if (target_time && barman_parse_time(target_time, &t) < 0)
		return error_set("target_time '%s' is not a timestamp with a time zone "
		                 "(YYYY-MM-DD HH:MM:SS[.frac]+HH[:MM], as PostgreSQL's now()::text "
		                 "prints it)",
		                 target_time);
	if (barman_archive_read(rt, b, &a) < 0)
		return -1;
	if (from_oldest && a.nbackups) {
		/* The oldest the retention policy keeps: an older one is obsolete, and `barman
		 * cron` may delete it under the restore (measured: recover exit 1 in a soak). */
		size_t keep = (size_t)rt->lab->barman.retention_backups;
		const struct barman_backup *o = &a.backups[a.nbackups > keep ? a.nbackups - keep : 0];

		if (target_time ? o->usable_to > 0 && o->end_time <= t && t <= o->usable_to
		                : a.have_wal && o->usable_to >= a.last_wal_time)
			chosen = o;
	} else if (target_time) {
		chosen = barman_archive_backup_for(&a, t);
	} else if (a.nbackups && a.have_wal &&
	           a.backups[a.nbackups - 1].usable_to >= a.last_wal_time) {
		chosen = &a.backups[a.nbackups - 1];
	}
	if (chosen) {
		snprintf(id, cap, "%s", chosen->id);
	} else {
		windows = barman_archive_describe(&a, proc_wall_time());
		rc = error_set("barman cannot restore %s%s%s%s: %s",
		               target_time ? "to target_time '" : "the latest state",
		               target_time ? target_time : "", target_time ? "'" : "",
		               from_oldest ? " from its oldest backup" : "", windows);
		free(windows);
	}
	barman_archive_free(&a);
	return rc;
}

/* The restored data directory carries repmgr's standby settings: it must start as a
 * primary of its own, following nobody. */
static int strip_standby_settings(const struct lab_rt *rt, const struct lab_host_rt *where)
{
	char *auto_conf = xasprintf("%s/postgresql.auto.conf", restore_dir(where));
	char *signal = xasprintf("%s/standby.signal", restore_dir(where)), *text = NULL;
	struct strbuf out = STRBUF_INIT;
	char *line, *save = NULL;
	int rc = host_remove(rt, where, signal);

	if (rc == 0 && host_get_file(rt, where, auto_conf, &text, NULL) == 0) {
		for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			if (strncmp(line, "primary_conninfo", 16) != 0 &&
			    strncmp(line, "primary_slot_name", 17) != 0)
				strbuf_printf(&out, "%s\n", line);
		rc = host_put_string(rt, where, auto_conf, strbuf_str(&out), 0600,
		                     restore_owner(rt, where));
	} else if (rc == 0) {
		error_clear(); /* no auto.conf: nothing to strip */
	}
	free(text);
	free(auto_conf);
	free(signal);
	strbuf_free(&out);
	return rc;
}

/* A backup of a node that keeps its settings files outside the data directory (Debian's
 * layout, a cluster built by hand) holds neither: the restored server gets an empty
 * postgresql.conf (its settings come on its command line) and the rules of the primary's
 * pg_hba.conf, so that it takes the lab's connections as the cluster does. */
static int complete_settings(struct lab_rt *rt, const struct lab_host_rt *where)
{
	const struct lab_host_rt *primary = status_current_primary(rt, NULL);
	char *conf = xasprintf("%s/postgresql.conf", restore_dir(where));
	char *hba = xasprintf("%s/pg_hba.conf", restore_dir(where)), *rules = NULL;
	const char *owner = restore_owner(rt, where);
	int rc = 0;

	if (!host_exists(rt, where, conf))
		rc = host_put_string(rt, where, conf,
		                     "# written by pgdrill: the backup holds no postgresql.conf "
		                     "(the node keeps it outside its data directory)\n",
		                     0600, owner);
	if (rc == 0 && !host_exists(rt, where, hba)) {
		if (!primary)
			rc = error_set("the backup holds no pg_hba.conf, and there is no primary to "
			               "take its rules from");
		else if (host_get_file(rt, primary, "data/pg_hba.conf", &rules, NULL) < 0 ||
		         host_put_string(rt, where, hba, rules, 0600, owner) < 0)
			rc = -1;
	}
	free(rules);
	free(conf);
	free(hba);
	return rc;
}

/* `barman recover` of `backup_id` into `dir` of `where` (to `target_time` when given).
 * Without --target-tli barman copies only the WAL of the backup's own timeline: a backup
 * from before a failover would stop at the failover, silently. */
static int recover_into(const struct lab_rt *rt, const struct lab_host_rt *b,
                        const struct lab_host_rt *where, const char *target_time,
                        const char *backup_id, const char *dir)
{
	struct argv args = ARGV_INIT;
	int rc;

	argv_add(&args, "recover");
	if (restore_remote(rt, where)) {
		argv_add(&args, "--remote-ssh-command");
		argv_add(&args, where->def->barman_ssh);
	}
	argv_add(&args, "--target-tli");
	argv_add(&args, "latest");
	if (target_time) {
		argv_add(&args, "--target-time");
		argv_add(&args, target_time);
		argv_add(&args, "--target-action");
		argv_add(&args, "promote");
	}
	argv_add(&args, rt->lab->barman.server_name);
	argv_add(&args, backup_id);
	argv_add(&args, dir);
	rc = barman_cmd(rt, b, "barman recover", argv_get(&args), NULL);
	argv_free(&args);
	return rc;
}

/* The restored server, as barman: on a spare host a server of the lab like any other,
 * on its own address; on the barman host it stays on loopback, out of the lab's way. */
static int start_restored(struct lab_rt *rt, const struct lab_host_rt *where, bool spare,
                          const char *dir, const char *port, struct host_proc *proc)
{
	char *sock = host_path(where, restore_sock(where));
	struct argv cmd = ARGV_INIT;
	struct proc_spec spec = {.user = restore_owner(rt, where)};
	int rc;

	argv_add(&cmd, "postgres");
	argv_add(&cmd, "-D");
	argv_add(&cmd, dir);
	argv_add(&cmd, "-c");
	argv_addf(&cmd, "port=%s", port);
	argv_add(&cmd, "-c");
	argv_add(&cmd, spare ? "listen_addresses=*" : "listen_addresses=127.0.0.1");
	argv_add(&cmd, "-c");
	argv_addf(&cmd, "unix_socket_directories=%s", sock);
	argv_add(&cmd, "-c");
	argv_add(&cmd, "shared_preload_libraries=");
	argv_add(&cmd, "-c");
	argv_add(&cmd, "cluster_name=restored");
	/* The node's own settings stay on the node (conf/pgdrill.conf), not in the backup;
	 * hot standby refuses to run with fewer WAL senders than the primary had. */
	argv_add(&cmd, "-c");
	argv_add(&cmd, "max_wal_senders=" PG_MAX_WAL_SENDERS);
	spec.argv = argv_get(&cmd);
	rc = host_spawn(rt, where, &spec, "restored-postgres", proc);
	argv_free(&cmd);
	free(sock);
	return rc;
}

int fault_barman_restore(struct fault_set *fs, const char *target_time, bool from_oldest,
                         const struct lab_host_rt *spare)
{
	struct lab_rt *rt = fs->rt;
	const struct lab_host_rt *b = lab_rt_by_role(rt, ROLE_BARMAN), *where = spare ? spare : b;
	char *dir, *how, port[16], state[64], backup_id[32];
	struct host_proc proc;
	struct fault *f;
	int rc = 0;

	if (!b)
		return error_set("the lab has no barman host");
	if (spare && spare->def->role != ROLE_SPARE)
		return error_set("host %s is a %s, not a spare host: a restore would overwrite it",
		                 spare->def->name, host_role_names[spare->def->role]);
	if (spare)
		snprintf(port, sizeof(port), "%ld", rt->lab->postgres.port);
	else
		snprintf(port, sizeof(port), "%s", PGDRILL_RESTORE_PORT);
	if (restore_remote(rt, where) && !where->def->barman_ssh)
		return error_set("host %s: a restore into it needs its barman_ssh, the command "
		                 "with which barman's host %s reaches it as postgres (barman "
		                 "recover --remote-ssh-command); nothing was done",
		                 where->def->name, b->def->name);
	if (host_exists(rt, where, restore_dir(where)))
		return error_set("host %s has a restored server already; revert that fault first",
		                 where->def->name);
	f = fault_begin(fs, &fault_kind_barman_restore, where, "-");
	if (!f)
		return -1;
	if (archive_now(rt, b) < 0 ||
	    pick_backup(rt, b, target_time, from_oldest, backup_id, sizeof(backup_id)) < 0 ||
	    host_mkdir(rt, where, restore_sock(where), 0755, restore_owner(rt, where)) < 0 ||
	    host_mkdir(rt, where, restore_dir(where), 0700, restore_owner(rt, where)) < 0)
		return fault_failed(fs, f);
	dir = host_path(where, restore_dir(where));
	how = target_time ? xasprintf("barman recover --target-time '%s' from backup %s into %s "
	                              "on %s, started on port %s",
	                              target_time, backup_id, dir, where->def->name, port)
	                  : xasprintf("barman recover backup %s (the %s) into %s on %s, "
	                              "started on port %s",
	                              backup_id, from_oldest ? "oldest" : "newest", dir,
	                              where->def->name, port);
	if (recover_into(rt, b, where, target_time, backup_id, dir) < 0 ||
	    strip_standby_settings(rt, where) < 0 || complete_settings(rt, where) < 0 ||
	    start_restored(rt, where, spare != NULL, dir, port, &proc) < 0)
		rc = -1;
	if (rc == 0) {
		snprintf(state, sizeof(state), "%d %llu", (int)proc.pid, proc.start);
		rc = fault_restate(fs, f, state);
	}
	rc = rc == 0 ? fault_applied(fs, f, target_time ? "point in time" : "latest", how)
	             : fault_failed(fs, f);
	free(how);
	free(dir);
	return rc;
}
