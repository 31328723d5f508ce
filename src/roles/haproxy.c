#include "roles/haproxy.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "roles/pg.h"
#include "roles/procs.h"
#include "roles/step.h"
#include "util/error.h"
#include "util/strbuf.h"

static void add_be32(struct strbuf *sb, uint32_t v)
{
	unsigned char b[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
	                      (unsigned char)(v >> 8), (unsigned char)v};

	strbuf_add(sb, (const char *)b, 4);
}

/* The message grows with the names: no fixed buffer a long role name could overflow. */
char *haproxy_pg_probe_hex(const char *user, const char *database)
{
	static const char query[] = "select pg_is_in_recovery()";
	struct strbuf msg = STRBUF_INIT, body = STRBUF_INIT, hex = STRBUF_INIT;
	size_t i;

	/* StartupMessage: length, protocol 3.0, "user" U "database" D, terminator. */
	add_be32(&body, 196608);
	strbuf_add(&body, "user", 5);
	strbuf_add(&body, user, strlen(user) + 1);
	strbuf_add(&body, "database", 9);
	strbuf_add(&body, database, strlen(database) + 1);
	strbuf_putc(&body, '\0');
	add_be32(&msg, (uint32_t)(body.len + 4));
	strbuf_add(&msg, body.buf, body.len);
	/* Query, then Terminate, in the same write: a standby fails the check at once. */
	strbuf_putc(&msg, 'Q');
	add_be32(&msg, (uint32_t)(4 + sizeof(query)));
	strbuf_add(&msg, query, sizeof(query));
	strbuf_putc(&msg, 'X');
	add_be32(&msg, 4);
	for (i = 0; i < msg.len; i++)
		strbuf_printf(&hex, "%02x", (unsigned char)msg.buf[i]);
	strbuf_free(&msg);
	strbuf_free(&body);
	return strbuf_detach(&hex);
}

const char *haproxy_pg_expect_hex(bool want_replica)
{
	/* 'D', length 11, 1 column, value length 1, 'f' or 't'. */
	return want_replica ? "440000000b00010000000174" : "440000000b00010000000166";
}

/* Once a check fails, the next ones come faster: a dying primary is marked down sooner,
 * and at start the standbys leave the write listeners sooner. A server that is down is
 * checked as often (downinter): a newly promoted primary is routed to within a quarter
 * of the interval, not a whole one. */
static int64_t fastinter(int64_t inter)
{
	return inter / 4 < 100 ? 100 : inter / 4;
}

static void put_servers(struct strbuf *sb, const struct lab_rt *rt, const char *extra)
{
	size_t i;

	for (i = 0; i < rt->nhosts; i++) {
		const struct lab_host_rt *h = &rt->hosts[i];

		if (h->def->role != ROLE_PRIMARY && h->def->role != ROLE_STANDBY)
			continue;
		strbuf_printf(sb, "    server %s %s:%ld check%s\n", h->def->name, h->addr,
		              rt->lab->postgres.port, extra);
	}
}

char *haproxy_cfg(const struct lab_rt *rt, const struct lab_host_rt *proxy)
{
	return haproxy_cfg_checked(rt, proxy, NULL, CHECK_TCP);
}

char *haproxy_cfg_checked(const struct lab_rt *rt, const struct lab_host_rt *proxy,
                          const char *listener, enum check_style style)
{
	const struct lab_haproxy *hp = &rt->lab->haproxy;
	const char *check_user = rt->lab->credentials.healthcheck_user;
	struct strbuf sb = STRBUF_INIT;
	char *probe = haproxy_pg_probe_hex(check_user, check_user), extra[64];
	char *sock = host_path(proxy, "run/haproxy.sock");
	size_t i;

	strbuf_printf(&sb, "# Written by pgdrill for lab %s.\n", rt->lab->name);
	strbuf_printf(&sb,
	              "global\n    maxconn 2000\n"
	              "    stats socket %s mode 600 level admin\n"
	              "    log stderr format rfc5424 local0 info\n\n",
	              sock);
	free(sock);
	strbuf_printf(&sb,
	              "defaults\n    mode tcp\n    log global\n    option dontlognull\n"
	              "    timeout connect %lldms\n    timeout client %lldms\n"
	              "    timeout server %lldms\n    timeout check %lldms\n\n",
	              (long long)hp->connect_timeout, (long long)hp->client_timeout,
	              (long long)hp->client_timeout, (long long)hp->connect_timeout);
	strbuf_printf(&sb,
	              "listen stats\n    mode http\n    bind *:%ld\n    stats enable\n"
	              "    stats uri /\n    stats refresh 1s\n\n",
	              hp->stats_port);
	for (i = 0; i < hp->listeners.count; i++) {
		const struct lab_listener *l = LAB_LISTENER(rt->lab, i);
		bool replica = l->target == TARGET_REPLICA;
		enum check_style check = (enum check_style)l->check;

		if (listener && strcmp(l->name, listener) == 0)
			check = style;

		strbuf_printf(&sb, "# %s: check style %s, meant for %s.\n", l->name,
		              check_style_names[check], listener_target_names[l->target]);
		strbuf_printf(&sb, "listen %s\n    bind *:%ld\n", l->name, l->port);
		/* Round robin everywhere: a correct check leaves one server UP on a write
		 * listener, and pgsql-check then shows its flaw at once (every node gets
		 * writes) instead of only after a failover. */
		strbuf_puts(&sb, "    balance roundrobin\n");
		/* A server that goes down takes its sessions along, so clients reconnect to
		 * the new primary instead of hanging on the old one. */
		strbuf_printf(&sb,
		              "    default-server inter %lldms fastinter %lldms downinter %lldms "
		              "fall %ld rise %ld on-marked-down shutdown-sessions\n",
		              (long long)l->check_interval, (long long)fastinter(l->check_interval),
		              (long long)fastinter(l->check_interval), l->fall, l->rise);
		extra[0] = '\0';
		switch (check) {
		case CHECK_PGSQL:
			strbuf_printf(&sb, "    option pgsql-check user %s\n", check_user);
			break;
		case CHECK_TCP:
			strbuf_printf(&sb,
			              "    option tcp-check\n    tcp-check connect\n"
			              "    tcp-check send-binary %s\n"
			              "    tcp-check expect binary %s\n",
			              probe, haproxy_pg_expect_hex(replica));
			break;
		case CHECK_HTTP_AGENT:
			strbuf_printf(
			    &sb, "    option httpchk GET /%s\n    http-check expect status 200\n",
			    replica ? "replica" : "primary");
			snprintf(extra, sizeof(extra), " port %ld", hp->agent_port);
			break;
		}
		put_servers(&sb, rt, extra);
		strbuf_putc(&sb, '\n');
	}
	free(probe);
	return strbuf_detach(&sb);
}

/* haproxy binds its ports after the config check: a port it cannot have makes it exit
 * at once, which is better said now than as a routing timeout later. */
/* Whether haproxy's answer shows every listener of the lab bound ("OPEN"). */
static bool listeners_open(const struct lab_rt *rt, const char *csv)
{
	size_t i;

	for (i = 0; i < rt->lab->haproxy.listeners.count; i++) {
		char *st = haproxy_server_status(csv, LAB_LISTENER(rt->lab, i)->name, "FRONTEND");
		bool open = st && strcmp(st, "OPEN") == 0;

		free(st);
		if (!open)
			return false;
	}
	return true;
}

static int wait_started(const struct lab_rt *rt, const struct lab_host_rt *proxy,
                        const struct host_proc *hp, const char *cfg_path)
{
	long long deadline = proc_now_ms() + 10000;
	int rc = -1;

	while (proc_now_ms() < deadline) {
		char *csv = NULL;

		/* Started: this haproxy (still running) answers, every listener open. */
		if (host_proc_alive(rt, proxy, hp) && haproxy_stats(rt, proxy, &csv) == 0) {
			bool open = listeners_open(rt, csv);

			free(csv);
			if (open && host_proc_alive(rt, proxy, hp)) {
				rc = 0;
				break;
			}
		}
		error_clear();
		if (!host_proc_alive(rt, proxy, hp)) {
			char *tail = host_log_tail(rt, proxy, "haproxy", 6);

			error_set("host %s, step 'start haproxy': 'haproxy -db -f %s' exited at "
			          "once\n%s",
			          proxy->def->name, cfg_path, tail);
			free(tail);
			break;
		}
		usleep(20000);
	}
	if (rc < 0 && proc_now_ms() >= deadline)
		error_set("host %s, step 'start haproxy': no answer on its stats socket after 10 s",
		          proxy->def->name);
	return rc;
}

int haproxy_start(struct lab_rt *rt, const struct lab_host_rt *proxy)
{
	char *cfg = haproxy_cfg(rt, proxy);
	int rc = haproxy_start_with(rt, proxy, cfg);

	free(cfg);
	return rc;
}

int haproxy_restart(struct lab_rt *rt, const struct lab_host_rt *proxy, const char *cfg)
{
	char *own = cfg ? NULL : haproxy_cfg(rt, proxy);
	int rc;

	/* haproxy keeps no state worth a graceful stop: its clients reconnect, as after a
	 * failover. Every haproxy of the host goes, also one a person started by hand. */
	procs_end_all(rt, proxy, "haproxy", 5000);
	if (procs_running(rt, proxy, "haproxy"))
		return error_set("host %s, step 'restart haproxy': haproxy did not end within 5 s",
		                 proxy->def->name);
	rc = haproxy_start_with(rt, proxy, cfg ? cfg : own);
	free(own);
	return rc;
}

int haproxy_start_with(struct lab_rt *rt, const struct lab_host_rt *proxy, const char *cfg)
{
	char *cfg_path = host_path(proxy, "conf/haproxy.cfg");
	char *argv[] = {"haproxy", "-db", "-f", cfg_path, NULL};
	char *check_argv[] = {"haproxy", "-c", "-q", "-f", cfg_path, NULL};
	struct proc_spec check = {.argv = check_argv, .user = "haproxy", .timeout_ms = 10000};
	struct proc_spec spec = {.argv = argv, .user = "haproxy"};
	struct proc_result res;
	struct host_proc hp;
	int rc = -1;

	if (host_mkdir(rt, proxy, "run", 0755, "haproxy") < 0 ||
	    host_mkdir(rt, proxy, "conf", 0755, "haproxy") < 0 ||
	    host_put_string(rt, proxy, "conf/haproxy.cfg", cfg, 0644, "haproxy") < 0)
		goto cleanup;
	if (host_run(rt, proxy, &check, &res) < 0)
		goto cleanup;
	if (res.status != 0) {
		char *tail = proc_tail(res.err, 8);

		error_set("host %s, step 'haproxy -c': %s is not valid:\n%s", proxy->def->name,
		          cfg_path, tail);
		free(tail);
		proc_result_free(&res);
		goto cleanup;
	}
	proc_result_free(&res);
	if (host_spawn(rt, proxy, &spec, "haproxy", &hp) < 0)
		goto cleanup;
	rc = wait_started(rt, proxy, &hp, cfg_path);
cleanup:
	free(cfg_path);
	return rc;
}

int haproxy_stats(const struct lab_rt *rt, const struct lab_host_rt *proxy, char **csv)
{
	/* A paused or wedged haproxy must not hang a drill: the answer comes within 2 s. */
	return host_unix_request(rt, proxy, "run/haproxy.sock", "show stat\n", 2000, csv);
}

char *haproxy_server_status(const char *csv, const char *listener, const char *server)
{
	const char *line = csv;

	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		char *copy = xmalloc(len + 1), *field, *save = NULL;
		char *result = NULL;
		int col = 0;
		bool match_px = false, match_sv = false;

		memcpy(copy, line, len);
		copy[len] = '\0';
		/* strsep keeps empty fields, which `show stat` has many of. */
		for (save = copy; (field = strsep(&save, ",")) != NULL; col++) {
			if (col == 0)
				match_px = strcmp(field, listener) == 0;
			else if (col == 1)
				match_sv = strcmp(field, server) == 0;
			else if (col == 17) {
				if (match_px && match_sv)
					result = xstrdup(field);
				break;
			}
		}
		free(copy);
		if (result)
			return result;
		line = end ? end + 1 : NULL;
	}
	return NULL;
}

/* What a correct check reports for a server: a write listener with a role-aware check
 * has only the primary UP, a read listener only the standbys, pgsql-check everything. */
static bool expect_up(const struct lab_listener *l, bool is_primary)
{
	if (l->check == CHECK_PGSQL || l->target == TARGET_ANY)
		return true;
	return l->target == TARGET_PRIMARY ? is_primary : !is_primary;
}

int haproxy_routing_converged(const struct lab_rt *rt, const char *csv, const char *primary,
                              const bool *down, char *why, size_t why_len)
{
	size_t i, l;

	for (l = 0; l < rt->lab->haproxy.listeners.count; l++) {
		const struct lab_listener *li = LAB_LISTENER(rt->lab, l);

		for (i = 0; i < rt->nhosts; i++) {
			const struct lab_host_rt *h = &rt->hosts[i];
			bool want =
			    !(down && down[i]) && expect_up(li, strcmp(h->def->name, primary) == 0);
			char *st;
			bool good;

			if (h->def->role != ROLE_PRIMARY && h->def->role != ROLE_STANDBY)
				continue;
			st = haproxy_server_status(csv, li->name, h->def->name);
			/* Exactly "UP" or "DOWN": "UP 1/2" is a server on its way down. */
			good = st && strcmp(st, want ? "UP" : "DOWN") == 0;
			if (!good)
				snprintf(why, why_len, "listener %s sees %s as %s, expected %s",
				         li->name, h->def->name, st ? st : "absent",
				         want ? "UP" : "DOWN");
			free(st);
			if (!good)
				return 0;
		}
	}
	return 1;
}

int haproxy_wait_converged(const struct lab_rt *rt, const struct lab_host_rt *proxy,
                           const char *primary, int timeout_ms)
{
	long long deadline = proc_now_ms() + timeout_ms;
	char why[256] = "no answer from the stats socket";

	while (proc_now_ms() < deadline) {
		char *csv = NULL;
		int done;

		if (haproxy_stats(rt, proxy, &csv) < 0) {
			error_clear();
			usleep(50000);
			continue;
		}
		done = haproxy_routing_converged(rt, csv, primary, NULL, why, sizeof(why));
		free(csv);
		if (done)
			return 0;
		usleep(50000);
	}
	return error_set("host %s: haproxy's checks did not settle within %d s: %s",
	                 proxy->def->name, timeout_ms / 1000, why);
}
