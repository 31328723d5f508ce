/* Restore from barman: the latest backup replayed to the end of the WAL archive, or to a
 * point in time, into a fresh data directory on the barman host, started there as its
 * own server (port 5499, loopback and its own socket only) so a drill can query it. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fault/fault.h"
#include "roles/barman.h"
#include "roles/pg.h"
#include "roles/procs.h"
#include "util/error.h"
#include "util/fsutil.h"
#include "util/pgshm.h"
#include "util/strbuf.h"

static int stop_restored(struct lab_rt *rt, struct fault *f)
{
	const struct lab_host_rt *b = lab_rt_by_role(rt, ROLE_BARMAN);
	char *sock = host_path(b, "restore-run");
	int i;

	if (f->pid > 0) {
		kill(f->pid, SIGINT);
		for (i = 0; i < 200 && !process_is_zombie(f->pid); i++)
			usleep(50000);
		if (!process_is_zombie(f->pid))
			kill(f->pid, SIGKILL);
	}
	pgshm_remove(f->path);
	fs_remove_tree(f->path);
	fs_remove_tree(sock);
	free(sock);
	return 0;
}

/* Streamed WAL becomes restorable once archived: close the current segment, start the
 * next, archive. */
static int archive_now(struct lab_rt *rt, const struct lab_host_rt *b)
{
	const struct lab_host_rt *primary = NULL;
	char *args[] = {"archive-wal", rt->lab->barman.server_name, NULL};
	size_t i;

	for (i = 0; i < rt->nhosts && !primary; i++) {
		PGconn *c;
		char *v = NULL;

		if (!lab_host_is_postgres(rt->hosts[i].def))
			continue;
		c = pg_admin_connect(rt, &rt->hosts[i], "postgres", 2);
		if (c && pg_value(&rt->hosts[i], c, "SELECT NOT pg_is_in_recovery()", &v) == 0 &&
		    v && v[0] == 't')
			primary = &rt->hosts[i];
		free(v);
		if (c)
			PQfinish(c);
		error_clear();
	}
	if (!primary)
		return error_set("no primary to switch WAL on");
	if (pg_run_once(
	        rt, primary,
	        "SELECT pg_switch_wal(), pg_logical_emit_message(false, 'pgdrill', 'restore')") < 0)
		return -1;
	usleep(500000);
	return barman_cmd(rt, b, "barman archive-wal", args, NULL);
}

static int strip_standby_settings(const char *dir)
{
	char *auto_conf = xasprintf("%s/postgresql.auto.conf", dir), *text = NULL;
	char *signal = xasprintf("%s/standby.signal", dir);
	struct strbuf out = STRBUF_INIT;
	char *line, *save = NULL;
	int rc = 0;

	unlink(signal);
	if (fs_read_file(auto_conf, &text, NULL) == 0) {
		for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			if (strncmp(line, "primary_conninfo", 16) != 0 &&
			    strncmp(line, "primary_slot_name", 17) != 0)
				strbuf_printf(&out, "%s\n", line);
		rc = fs_write_string(auto_conf, strbuf_str(&out), 0600, "barman");
	}
	error_clear();
	free(text);
	free(auto_conf);
	free(signal);
	strbuf_free(&out);
	return rc;
}

int fault_barman_restore(struct fault_set *fs, const char *target_time)
{
	struct lab_rt *rt = fs->rt;
	const struct lab_host_rt *b = lab_rt_by_role(rt, ROLE_BARMAN);
	char *dir, *sock, *sockopt, *how;
	char *rec_latest[] = {"recover", rt->lab->barman.server_name, "latest", NULL, NULL};
	char *rec_pitr[] = {"recover",
	                    "--target-time",
	                    (char *)target_time,
	                    "--target-action",
	                    "promote",
	                    rt->lab->barman.server_name,
	                    "latest",
	                    NULL,
	                    NULL};
	char *argv[] = {"postgres",
	                "-D",
	                NULL,
	                "-c",
	                "port=" PGDRILL_RESTORE_PORT,
	                "-c",
	                "listen_addresses=127.0.0.1",
	                "-c",
	                NULL,
	                "-c",
	                "shared_preload_libraries=",
	                "-c",
	                "cluster_name=restored",
	                NULL};
	struct proc_spec spec = {.argv = argv, .user = "barman"};
	struct fault *f;
	pid_t pid;

	if (!b)
		return error_set("the lab has no barman host");
	dir = host_path(b, "restore");
	sock = host_path(b, "restore-run");
	if (fs_exists(dir)) {
		free(dir);
		free(sock);
		return error_set("a restored server exists already; revert that fault first");
	}
	if (archive_now(rt, b) < 0 || fs_mkdir_p(sock, 0755, "barman") < 0 ||
	    fs_mkdir_p(dir, 0700, "barman") < 0) {
		free(dir);
		free(sock);
		return -1;
	}
	rec_latest[3] = dir;
	rec_pitr[7] = dir;
	how = target_time ? xasprintf("barman recover --target-time '%s' into %s, started on port "
	                              "%s",
	                              target_time, dir, PGDRILL_RESTORE_PORT)
	                  : xasprintf("barman recover latest into %s, started on port %s", dir,
	                              PGDRILL_RESTORE_PORT);
	f = fault_add(fs, "barman_restore", b, target_time ? "point in time" : "latest",
	              stop_restored, how);
	free(how);
	f->path = dir;
	if (barman_cmd(rt, b, "barman recover", target_time ? rec_pitr : rec_latest, NULL) < 0 ||
	    strip_standby_settings(dir) < 0) {
		free(sock);
		return -1;
	}
	sockopt = xasprintf("unix_socket_directories=%s", sock);
	argv[2] = dir;
	argv[8] = sockopt;
	if (host_spawn(rt, b, &spec, "restored-postgres", &pid) < 0) {
		free(sock);
		free(sockopt);
		return -1;
	}
	f->pid = pid;
	free(sockopt);
	free(sock);
	return f->id;
}
