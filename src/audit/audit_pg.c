/* The audit's rules over what the PostgreSQL nodes say themselves: pg_hba.conf as each
 * server parsed it (pg_hba_file_rules: file and line), replication settings, and the
 * conninfo repmgr keeps for every node. */
#include "audit/audit_rules.h"

#include <arpa/inet.h>
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#include "roles/pg.h"
#include "roles/status.h"
#include "util/error.h"
#include "util/units.h"

/* Whether ADDR/NETMASK (as pg_hba_file_rules gives them) lies inside the lab's subnet;
 * "samehost" and "samenet" count as inside (a lab host's networks are the lab's). */
static bool inside_subnet(const struct lab *lab, const char *addr, const char *mask)
{
	struct in_addr a, m;
	uint32_t net = lab->provider.subnet.network;
	uint32_t lab_mask = lab->provider.subnet.prefix ? ~0u << (32 - lab->provider.subnet.prefix)
	                                                : 0;

	if (strcmp(addr, "samehost") == 0 || strcmp(addr, "samenet") == 0)
		return true;
	if (!mask || inet_pton(AF_INET, addr, &a) != 1 || inet_pton(AF_INET, mask, &m) != 1)
		return false; /* "all", a host name, IPv6: not provably inside */
	return (ntohl(m.s_addr) & lab_mask) == lab_mask && (ntohl(a.s_addr) & lab_mask) == net;
}

static bool is_single_address(const char *mask)
{
	return mask && (strcmp(mask, "255.255.255.255") == 0 ||
	                strcmp(mask, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff") == 0);
}

/* Whether the `{a,b}` list holds WORD as one of its items. */
static bool has_item(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p;

	for (p = strstr(list, word); p; p = strstr(p + 1, word))
		if ((p[-1] == '{' || p[-1] == ',') && (p[n] == '}' || p[n] == ','))
			return true;
	return false;
}

/* The `{a,b}` list of roles holds `all` or one of NAMES (*hit: which). */
static bool names_any(const char *list, const char *const *names, size_t n, const char **hit)
{
	size_t i;

	if (has_item(list, "all")) {
		*hit = "all";
		return true;
	}
	for (i = 0; i < n; i++)
		if (has_item(list, names[i])) {
			*hit = names[i];
			return true;
		}
	return false;
}

/* The rules of H's pg_hba.conf. A rule's text ("type db {users} addr/mask method") that
 * is in SEEN already (one per line: the primary's) is not judged again: a line every node
 * has is one finding, at the primary. Each judged text is added to SEEN. */
static void hba_rules(struct lab_rt *rt, const struct lab_host_rt *h, PGconn *c,
                      struct strbuf *seen, struct audit *a)
{
	PGresult *supers = pg_query_within(
	    c, "SELECT rolname FROM pg_roles WHERE rolsuper AND rolcanlogin ORDER BY 1", 10000);
	PGresult *r = pg_query_within(
	    c,
	    "SELECT line_number, type, array_to_string(database, ',') AS db, "
	    "'{' || array_to_string(user_name, ',') || '}' AS users, coalesce(address, '') AS addr, "
	    "netmask, auth_method, current_setting('hba_file') FROM pg_hba_file_rules "
	    "WHERE error IS NULL "
	    "ORDER BY line_number",
	    10000);
	const char **names = NULL;
	size_t nsup = 0;
	int i;

	if (!r || PQresultStatus(r) != PGRES_TUPLES_OK || !supers ||
	    PQresultStatus(supers) != PGRES_TUPLES_OK) {
		char *why = xasprintf("%s: pg_hba_file_rules: %s", h->def->name,
		                      r ? PQresultErrorMessage(r) : error_last());

		audit_skip(a, "hba", why);
		free(why);
		error_clear();
		goto out;
	}
	nsup = (size_t)PQntuples(supers);
	names = xcalloc(nsup ? nsup : 1, sizeof(*names));
	for (i = 0; i < (int)nsup; i++)
		names[i] = PQgetvalue(supers, i, 0);
	for (i = 0; i < PQntuples(r); i++) {
		const char *line = PQgetvalue(r, i, 0), *type = PQgetvalue(r, i, 1);
		const char *db = PQgetvalue(r, i, 2), *users = PQgetvalue(r, i, 3);
		const char *addr = PQgetvalue(r, i, 4), *method = PQgetvalue(r, i, 6);
		const char *mask = PQgetisnull(r, i, 5) ? NULL : PQgetvalue(r, i, 5);
		const char *file = strrchr(PQgetvalue(r, i, 7), '/');
		bool local = strcmp(type, "local") == 0, inside = local || inside_subnet(rt->lab, addr, mask);
		char *sig = xasprintf("%s %s %s %s%s%s %s", type, db, users, addr, mask ? "/" : "",
		                      mask ? mask : "", method);
		char *keyed = xasprintf("\n%s\n", sig), *where;
		const char *super = NULL;

		if (strcmp(method, "reject") == 0 || strstr(strbuf_str(seen), keyed)) {
			free(sig);
			free(keyed);
			continue;
		}
		if (!seen->len)
			strbuf_putc(seen, '\n');
		strbuf_printf(seen, "%s\n", sig);
		where = xasprintf("%s:%s:%s: %s", h->def->name, file ? file + 1 : PQgetvalue(r, i, 7),
		                  line, sig);
		free(sig);
		free(keyed);
		if (strcmp(method, "trust") == 0) {
			bool narrow = !local && strcmp(db, "all") != 0 && strchr(db, ',') == NULL &&
			              !has_item(users, "all") && !strchr(users, ',') &&
			              is_single_address(mask);

			if (narrow)
				audit_add(a, AUDIT_INFO, "hba-trust",
				          "trust for one role, one database, one address (a health check)",
				          where, "whoever reaches that address connects as that role",
				          "keep the role unprivileged; prefer a password or cert");
			else
				audit_add(a, local ? AUDIT_HIGH : AUDIT_CRITICAL, "hba-trust",
				          local ? "trust on the local socket"
				                : "trust for more than one role, database or address",
				          where,
				          local ? "every OS user on the host connects as these roles, "
				                  "no password"
				                : "anyone who reaches the server connects without a "
				                  "password, possibly as a superuser",
				          "use scram-sha-256 (or peer for local); keep trust to one "
				          "unprivileged health-check role from one /32");
		}
		if (!local && names_any(users, names, nsup, &super)) {
			char *title = xasprintf("superuser login over the network (%s)%s", super,
			                        inside ? ", from the lab's subnet" : "");

			audit_add(a, inside ? AUDIT_INFO : AUDIT_HIGH, "hba-superuser", title, where,
			          inside ? "needed by the cluster's tools (repmgr, barman, pgdrill)"
			                 : "a leaked password is a superuser from anywhere it reaches",
			          inside ? "" : "allow superusers only from the database hosts' /32s");
			free(title);
		}
		if (!local && !inside)
			audit_add(a, AUDIT_WARNING, "hba-wider-than-subnet",
			          "pg_hba.conf accepts connections from beyond the lab's subnet", where,
			          "clients outside the cluster's network can try to log in",
			          "narrow the address to the subnet (or the hosts) that need it");
		free(where);
	}
out:
	free(names);
	PQclear(r);
	PQclear(supers);
}

/* An RPO of 0 with asynchronous replication: a failover loses acknowledged commits. */
static void rpo_rule(struct lab_rt *rt, const struct lab_host_rt *h, PGconn *c, struct audit *a)
{
	char *names = NULL;

	if (pg_value(h, c, "SHOW synchronous_standby_names", &names) < 0) {
		audit_skip(a, "rpo-async", error_last());
		error_clear();
		return;
	}
	if (rt->lab->objectives.rpo == 0 && (!names || !*names)) {
		char *where = xasprintf("%s: SHOW synchronous_standby_names -> ''", h->def->name);

		audit_add(a, AUDIT_HIGH, "rpo-async",
		          "the RPO objective is 0, but replication is asynchronous", where,
		          "a failover loses the commits the standbys had not received; the "
		          "lagging_failover drill lists them",
		          "postgres: {synchronous: any} in the lab (synchronous_standby_names = "
		          "'ANY 1 (...)'), or state the RPO you can meet");
		free(where);
	} else if (names && *names) {
		char *where = xasprintf("%s: synchronous_standby_names = '%s'", h->def->name, names);

		audit_add(a, AUDIT_INFO, "rpo-sync", "commits wait for a standby", where,
		          "with no standby left to confirm, commits wait (writes stop, nothing is "
		          "lost)",
		          "");
		free(where);
	}
	free(names);
}

/* repmgr's own record of how to reach each node: a conninfo without connect_timeout
 * lets a dead or partitioned host hold repmgr for the OS's TCP timeout (minutes). */
static void conninfo_rule(const struct lab_host_rt *h, PGconn *c, struct audit *a)
{
	PGresult *r = pg_query_within(
	    c, "SELECT node_name, conninfo FROM repmgr.nodes ORDER BY node_id", 10000);
	int i;

	if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
		char *why = xasprintf("%s: repmgr.nodes: %s", h->def->name,
		                      r ? PQresultErrorMessage(r) : error_last());

		audit_skip(a, "repmgr-conninfo", why);
		free(why);
		error_clear();
		PQclear(r);
		return;
	}
	for (i = 0; i < PQntuples(r); i++) {
		const char *conninfo = PQgetvalue(r, i, 1);

		if (!strstr(conninfo, "connect_timeout=")) {
			char *where = xasprintf("%s: repmgr.nodes, node %s: %s", h->def->name,
			                        PQgetvalue(r, i, 0), conninfo);

			audit_add(a, AUDIT_WARNING, "repmgr-conninfo",
			          "repmgr reaches a node without connect_timeout", where,
			          "a host that stops answering holds repmgr (and its failover) for "
			          "the TCP timeout, minutes",
			          "add connect_timeout=2 (and keepalives) to conninfo in repmgr.conf, "
			          "then re-register the node");
			free(where);
		}
	}
	PQclear(r);
}

void audit_pg_rules(struct lab_rt *rt, struct audit *a)
{
	const struct lab_host_rt *p = status_current_primary(rt, NULL);
	struct strbuf seen = STRBUF_INIT;
	PGconn *c;
	size_t i;

	error_clear();
	if (!p) {
		audit_skip(a, "hba, rpo-async, repmgr-conninfo", "no server accepts writes");
		return;
	}
	c = pg_admin_connect(rt, p, "repmgr", 5);
	if (!c) {
		audit_skip(a, "hba, rpo-async, repmgr-conninfo", error_last());
		error_clear();
		return;
	}
	hba_rules(rt, p, c, &seen, a);
	rpo_rule(rt, p, c, a);
	conninfo_rule(p, c, a);
	PQfinish(c);
	/* The other nodes' pg_hba.conf: what differs from the primary's (drift on a standby
	 * becomes the primary's after a failover). */
	for (i = 0; i < rt->nhosts; i++) {
		const struct lab_host_rt *h = &rt->hosts[i];

		if (h == p || !lab_host_is_postgres(h->def))
			continue;
		if (!(c = pg_admin_connect(rt, h, "repmgr", 5))) {
			char *why = xasprintf("%s: %s", h->def->name, error_last());

			audit_skip(a, "hba", why);
			free(why);
			error_clear();
			continue;
		}
		hba_rules(rt, h, c, &seen, a);
		PQfinish(c);
	}
	strbuf_free(&seen);
}
